/*
 * test_decision: the login decision itself (auth.c), case by case: the
 * user's state in the store, the source, the code typed and when, the
 * configuration -> the verdict before and after the prompt, its reason,
 * and the audit rows it leaves. Each case runs on a fresh SQLite store in
 * a temporary file on /dev/shm (in memory), with the clock injected: the
 * time before the prompt and when the code was answered are the case's,
 * so no case waits for a time step.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "auth.h"
#include "invite.h"
#include "otpauth.h"
#include "stepup.h"
#include "th_store.h"
#include "token.h"
#include "util.h"

#define T 1800000000LL		/* before the prompt: step 60000000 exactly */
#define USER "alice"

static const unsigned char secret[20] = "otpgate-decision-key";
static const struct og_otp_params params = { OG_SHA1, 6, 30, 0, OG_OTP_TOTP };
static const struct og_otp_params hparams = { OG_SHA1, 6, 30, 0, OG_OTP_HOTP };
#define COUNTER 100		/* an HOTP token's counter: the next code it shows */

/* The user's state before the login. */
enum {
	S_TOKEN = 1,		/* an active token (without it: known, no token) */
	S_NO_USER = 2,		/* the store knows nothing of the user */
	S_FAIL2 = 4,		/* two failures in the interval (the third locks) */
	S_LOCKED = 8,		/* locked until T + 100 */
	S_LOCK_OVER = 16,	/* a lock that ended at T - 1 */
	S_REMOVED = 32,
	S_SPENT = 64,		/* the watermark at T's step: its code is spent */
	S_RECOVERY = 128,	/* recovery codes, the first one used */
	S_DRIFT5 = 256,		/* the token runs 5 steps ahead (learnt) */
	S_DRIFT50 = 512,	/* a stored drift of 50 steps, past totp.max_drift */
	S_HOTP = 1024,		/* the token is an HOTP token at COUNTER (S_SPENT: COUNTER spent) */
	S_MODE = 2048,		/* in failure mode until T + 100 (lockout.mode "step-up") */
	S_MODE_OVER = 4096,	/* failure mode that ended at T - 1 */
	S_REPLAYED = 8192,	/* the spent code (S_SPENT) replayed once, counted, then a
				 * wrong code: two failures (the third locks) */
	S_INVITE = 16384,	/* an invitation, made at T - 100, open until T + 1000 */
	S_INVITE_OLD = 32768,	/* ... that expired at T - 1 */
	S_INVITE_USED = 65536,	/* ... taken at T - 50 */
	S_VPN = 131072,		/* the login comes through a VPN, which shows no text */
};

/* What happens while the login waits at the prompt. */
enum { AT_NOTHING, AT_LOCK, AT_REMOVE };

/* What is typed at the prompt (C_COUNTER: the HOTP code of COUNTER + offset). */
enum { C_NONE, C_STEP, C_WRONG, C_RECOVERY_NEW, C_RECOVERY_USED, C_RECOVERY_BAD, C_COUNTER,
       C_INVITE, C_INVITE_WRONG };

struct decision {
	const char *name;
	const char *conf;	/* configuration lines of the case */
	unsigned state;
	const char *user, *rhost;	/* NULL: USER, "127.0.0.1" */
	int at_prompt;
	int code;
	int offset;		/* C_STEP: steps from the answer's step; C_COUNTER: from COUNTER */
	int delay;		/* seconds from before the prompt to the answer */
	enum og_verdict pre;	/* the precheck's verdict */
	enum og_verdict verdict;	/* after the prompt (when the precheck allowed it) */
	const char *reason;
	const char *audit;	/* the rows appended: "event/result/reason ..." */
	/* failure mode: what is typed at "Next verification code: " (OG_NEXT_CODE) */
	int next;		/* C_*; 0 (C_NONE): no answer */
	int next_offset;	/* C_STEP: steps from the first code's step */
	int next_delay;		/* seconds from the first answer to the second */
};

#define UNIFORM_OFF "auth = { uniform_refusals = false; };\n"
#define ONE_CODE C_NONE, 0, 0	/* no failure mode: no next code */
#define STEP_UP "lockout = { max_failures = 3; interval = \"10m\"; lock_for = \"15m\";" \
	" mode = \"step-up\"; };\n"

static const struct decision cases[] = {
	{ "the code of now", "", S_TOKEN, NULL, NULL, 0, C_STEP, 0, 0,
	  OG_ALLOW, OG_ALLOW, "ok", "auth/success/ok", ONE_CODE },
	{ "a code one step old (window 1)", "", S_TOKEN, NULL, NULL, 0, C_STEP, -1, 0,
	  OG_ALLOW, OG_ALLOW, "ok", "auth/success/ok", ONE_CODE },
	{ "a code one step ahead", "", S_TOKEN, NULL, NULL, 0, C_STEP, 1, 0,
	  OG_ALLOW, OG_ALLOW, "ok", "auth/success/ok", ONE_CODE },
	{ "a code two steps old", "", S_TOKEN, NULL, NULL, 0, C_STEP, -2, 0,
	  OG_ALLOW, OG_DENY, "bad-code", "auth/failure/bad-code", ONE_CODE },
	{ "a wider window takes it", "totp = { window = 2; };\n", S_TOKEN, NULL, NULL, 0, C_STEP,
	  -2, 0, OG_ALLOW, OG_ALLOW, "ok", "auth/success/ok", ONE_CODE },
	{ "a wrong code", "", S_TOKEN, NULL, NULL, 0, C_WRONG, 0, 0,
	  OG_ALLOW, OG_DENY, "bad-code", "auth/failure/bad-code", ONE_CODE },
	{ "a spent code", "", S_TOKEN | S_SPENT, NULL, NULL, 0, C_STEP, 0, 0,
	  OG_ALLOW, OG_DENY, "replay", "auth/failure/replay", ONE_CODE },
	{ "no answer", "", S_TOKEN, NULL, NULL, 0, C_NONE, 0, 0,
	  OG_ALLOW, OG_DENY, "no-code", "auth/failure/no-code", ONE_CODE },
	/* the code is checked as of when it was answered, not the prompt */
	{ "answered 45 s later, the code of then", "", S_TOKEN, NULL, NULL, 0, C_STEP, 0, 45,
	  OG_ALLOW, OG_ALLOW, "ok", "auth/success/ok", ONE_CODE },
	{ "answered 90 s later, the code of the prompt", "", S_TOKEN, NULL, NULL, 0, C_STEP, -3, 90,
	  OG_ALLOW, OG_DENY, "bad-code", "auth/failure/bad-code", ONE_CODE },
	/* the learnt drift moves the window, within totp.max_drift */
	{ "a token 5 steps ahead, drift learnt", "", S_TOKEN | S_DRIFT5, NULL, NULL, 0, C_STEP, 5, 0,
	  OG_ALLOW, OG_ALLOW, "ok", "auth/success/ok", ONE_CODE },
	{ "5 steps ahead, nothing learnt", "", S_TOKEN, NULL, NULL, 0, C_STEP, 5, 0,
	  OG_ALLOW, OG_DENY, "bad-code", "auth/failure/bad-code", ONE_CODE },
	{ "a stored drift past max_drift counts as max_drift", "", S_TOKEN | S_DRIFT50, NULL, NULL,
	  0, C_STEP, 50, 0, OG_ALLOW, OG_DENY, "bad-code", "auth/failure/bad-code", ONE_CODE },
	{ "... and a code at max_drift passes", "", S_TOKEN | S_DRIFT50, NULL, NULL, 0, C_STEP, 10,
	  0, OG_ALLOW, OG_ALLOW, "ok", "auth/success/ok", ONE_CODE },
	/* failures and locks */
	{ "the third failure locks", "", S_TOKEN | S_FAIL2, NULL, NULL, 0, C_WRONG, 0, 0,
	  OG_ALLOW, OG_DENY, "bad-code", "auth/failure/bad-code lockout/locked/bad-code", ONE_CODE },
	{ "... told as a lock without uniform refusals", UNIFORM_OFF, S_TOKEN | S_FAIL2, NULL,
	  NULL, 0, C_WRONG, 0, 0, OG_ALLOW, OG_DENY_LOCKED, "bad-code",
	  "auth/failure/bad-code lockout/locked/bad-code", ONE_CODE },
	{ "a success clears two failures", "", S_TOKEN | S_FAIL2, NULL, NULL, 0, C_STEP, 0, 0,
	  OG_ALLOW, OG_ALLOW, "ok", "auth/success/ok", ONE_CODE },
	{ "locked: the right code is refused after the prompt", "", S_TOKEN | S_LOCKED, NULL, NULL,
	  0, C_STEP, 0, 0, OG_ALLOW, OG_DENY, "locked", "auth/failure/locked", ONE_CODE },
	{ "locked, without uniform refusals", UNIFORM_OFF, S_TOKEN | S_LOCKED, NULL, NULL, 0,
	  C_STEP, 0, 0, OG_ALLOW, OG_DENY_LOCKED, "locked", "auth/failure/locked", ONE_CODE },
	{ "a lock that is over", "", S_TOKEN | S_LOCK_OVER, NULL, NULL, 0, C_STEP, 0, 0,
	  OG_ALLOW, OG_ALLOW, "ok", "auth/success/ok", ONE_CODE },
	{ "locked while at the prompt (by three failures elsewhere)", "", S_TOKEN, NULL, NULL,
	  AT_LOCK, C_STEP, 0, 10, OG_ALLOW, OG_DENY, "locked",
	  "auth/failure/bad-code auth/failure/bad-code auth/failure/bad-code auth/failure/locked", ONE_CODE },
	{ "removed while at the prompt", "", S_TOKEN, NULL, NULL, AT_REMOVE, C_STEP, 0, 10,
	  OG_ALLOW, OG_DENY, "removed", "auth/failure/removed", ONE_CODE },
	/* who the user is */
	{ "removed", "", S_TOKEN | S_REMOVED, NULL, NULL, 0, C_STEP, 0, 0,
	  OG_ALLOW, OG_DENY, "removed", "auth/failure/removed", ONE_CODE },
	{ "unknown to the store and to NSS", "", S_NO_USER, "nobody-otpgate-test", NULL, 0, C_STEP,
	  0, 0, OG_ALLOW, OG_DENY, "unknown-user", "auth/failure/unknown-user", ONE_CODE },
	{ "unknown, without uniform refusals", UNIFORM_OFF, S_NO_USER, "nobody-otpgate-test",
	  NULL, 0, C_STEP, 0, 0, OG_ALLOW, OG_DENY_UNKNOWN, "unknown-user",
	  "auth/failure/unknown-user", ONE_CODE },
	{ "known, no token", "", 0, NULL, NULL, 0, C_STEP, 0, 0,
	  OG_ALLOW, OG_DENY, "no-token", "auth/failure/no-token", ONE_CODE },
	{ "no token, auth.allow_unenrolled", "auth = { allow_unenrolled = true; };\n", 0, NULL,
	  NULL, 0, C_NONE, 0, 0, OG_ALLOW, OG_ALLOW, "unenrolled-allowed",
	  "auth/success/unenrolled-allowed", ONE_CODE },
	{ "a name that is not a name", "", S_TOKEN, "-oProxy", NULL, 0, C_STEP, 0, 0,
	  OG_ALLOW, OG_DENY, "bad-user-name", "auth/failure/bad-user-name", ONE_CODE },
	{ "not a name, without uniform refusals", UNIFORM_OFF, S_TOKEN, "a b", NULL, 0, C_STEP,
	  0, 0, OG_DENY_UNKNOWN, OG_DENY_UNKNOWN, "bad-user-name", "auth/failure/bad-user-name", ONE_CODE },
	/* where from */
	{ "a source the policy refuses", "", S_TOKEN, NULL, "192.0.2.7", 0, C_STEP, 0, 0,
	  OG_ALLOW, OG_DENY, "policy", "auth/failure/policy", ONE_CODE },
	{ "refused source, told before the prompt", UNIFORM_OFF, S_TOKEN, NULL, "192.0.2.7", 0,
	  C_STEP, 0, 0, OG_DENY_POLICY, OG_DENY_POLICY, "policy", "auth/failure/policy", ONE_CODE },
	{ "no source, auth.allow_no_rhost off", UNIFORM_OFF, S_TOKEN, NULL, "", 0, C_STEP, 0, 0,
	  OG_DENY_POLICY, OG_DENY_POLICY, "no-source", "auth/failure/no-source", ONE_CODE },
	{ "a source that is not an address", UNIFORM_OFF, S_TOKEN, NULL, "bastion.example", 0,
	  C_STEP, 0, 0, OG_DENY_POLICY, OG_DENY_POLICY, "bad-source", "auth/failure/bad-source", ONE_CODE },
	{ "IPv4-mapped loopback is loopback", "", S_TOKEN, NULL, "::ffff:127.0.0.1", 0, C_STEP, 0,
	  0, OG_ALLOW, OG_ALLOW, "ok", "auth/success/ok", ONE_CODE },
	/* recovery codes */
	{ "a recovery code", "", S_TOKEN | S_RECOVERY, NULL, NULL, 0, C_RECOVERY_NEW, 0, 0,
	  OG_ALLOW, OG_ALLOW, "recovery", "auth/success/recovery", ONE_CODE },
	{ "a recovery code used before", "", S_TOKEN | S_RECOVERY, NULL, NULL, 0, C_RECOVERY_USED,
	  0, 0, OG_ALLOW, OG_DENY, "replay", "auth/failure/replay", ONE_CODE },
	{ "a recovery-shaped guess", "", S_TOKEN | S_RECOVERY, NULL, NULL, 0, C_RECOVERY_BAD, 0, 0,
	  OG_ALLOW, OG_DENY, "bad-code", "auth/failure/bad-code", ONE_CODE },
	{ "a recovery code while locked", "", S_TOKEN | S_RECOVERY | S_LOCKED, NULL, NULL, 0,
	  C_RECOVERY_NEW, 0, 0, OG_ALLOW, OG_DENY, "locked", "auth/failure/locked", ONE_CODE },
	/* the failure mode (lockout.mode "step-up") */
	{ "step-up: the third failure begins failure mode", STEP_UP, S_TOKEN | S_FAIL2, NULL, NULL,
	  0, C_WRONG, 0, 0, OG_ALLOW, OG_DENY, "bad-code",
	  "auth/failure/bad-code lockout/failure-mode/bad-code", ONE_CODE },
	{ "failure mode: the code, then the next one 30 s later", STEP_UP, S_TOKEN | S_MODE, NULL,
	  NULL, 0, C_STEP, 0, 0, OG_ALLOW, OG_ALLOW, "failure-mode-passed",
	  "auth/success/failure-mode-passed", C_STEP, 1, 30 },
	{ "failure mode: the same code twice", STEP_UP, S_TOKEN | S_MODE, NULL, NULL, 0, C_STEP, 0,
	  0, OG_ALLOW, OG_DENY, "bad-next-code", "auth/failure/bad-next-code", C_STEP, 0, 5 },
	{ "failure mode: a code two steps on is not the next", STEP_UP, S_TOKEN | S_MODE, NULL,
	  NULL, 0, C_STEP, 0, 0, OG_ALLOW, OG_DENY, "bad-next-code", "auth/failure/bad-next-code",
	  C_STEP, 2, 60 },
	{ "failure mode: the next code, answered too late", STEP_UP, S_TOKEN | S_MODE, NULL, NULL,
	  0, C_STEP, 0, 0, OG_ALLOW, OG_DENY, "bad-next-code", "auth/failure/bad-next-code",
	  C_STEP, 1, 120 },
	{ "failure mode: no second answer", STEP_UP, S_TOKEN | S_MODE, NULL, NULL, 0, C_STEP, 0, 0,
	  OG_ALLOW, OG_DENY, "no-code", "auth/failure/no-code", C_NONE, 0, 0 },
	{ "failure mode: the code, then a recovery code", STEP_UP,
	  S_TOKEN | S_MODE | S_RECOVERY, NULL, NULL, 0, C_STEP, 0, 0, OG_ALLOW, OG_ALLOW,
	  "failure-mode-passed", "auth/success/failure-mode-passed", C_RECOVERY_NEW, 0, 5 },
	{ "failure mode: a recovery code alone", STEP_UP, S_TOKEN | S_MODE | S_RECOVERY, NULL,
	  NULL, 0, C_RECOVERY_NEW, 0, 0, OG_ALLOW, OG_ALLOW, "failure-mode-passed",
	  "auth/success/failure-mode-passed", ONE_CODE },
	{ "failure mode: a wrong code is not asked for the next", STEP_UP, S_TOKEN | S_MODE, NULL,
	  NULL, 0, C_WRONG, 0, 0, OG_ALLOW, OG_DENY, "bad-code", "auth/failure/bad-code", ONE_CODE },
	{ "failure mode: a spent code is a replay", STEP_UP, S_TOKEN | S_MODE | S_SPENT, NULL,
	  NULL, 0, C_STEP, 0, 0, OG_ALLOW, OG_DENY, "replay", "auth/failure/replay", ONE_CODE },
	{ "failure mode that is over", STEP_UP, S_TOKEN | S_MODE_OVER, NULL, NULL, 0, C_STEP, 0, 0,
	  OG_ALLOW, OG_ALLOW, "ok", "auth/success/ok", ONE_CODE },
	{ "failure mode, told without uniform refusals", STEP_UP UNIFORM_OFF, S_TOKEN | S_MODE,
	  NULL, NULL, 0, C_STEP, 0, 0, OG_ALLOW, OG_DENY, "bad-next-code",
	  "auth/failure/bad-next-code", C_WRONG, 1, 30 },
	/* the replay rule: the user's own last accepted code counts once per step */
	{ "the replay of a spent code counts, the first time", "", S_TOKEN | S_SPENT | S_FAIL2,
	  NULL, NULL, 0, C_STEP, 0, 0, OG_ALLOW, OG_DENY, "replay",
	  "auth/failure/replay lockout/locked/replay", ONE_CODE },
	{ "... and not again in its step", "", S_TOKEN | S_SPENT | S_REPLAYED, NULL, NULL,
	  0, C_STEP, 0, 0, OG_ALLOW, OG_DENY, "replay", "auth/failure/replay", ONE_CODE },
	{ "a replay of an older step counts", "", S_TOKEN | S_SPENT | S_REPLAYED, NULL,
	  NULL, 0, C_STEP, -1, 0, OG_ALLOW, OG_DENY, "replay",
	  "auth/failure/replay lockout/locked/replay", ONE_CODE },
	/* an HOTP token: its next hotp.look_ahead (10) codes, whenever typed */
#define HOTP (S_TOKEN | S_HOTP)
	{ "an HOTP token's next code", "", HOTP, NULL, NULL, 0, C_COUNTER, 0, 0,
	  OG_ALLOW, OG_ALLOW, "ok", "auth/success/ok", ONE_CODE },
	{ "an HOTP code 9 presses ahead", "", HOTP, NULL, NULL, 0, C_COUNTER, 9, 0,
	  OG_ALLOW, OG_ALLOW, "ok", "auth/success/ok", ONE_CODE },
	{ "an HOTP code 10 presses ahead: past the look-ahead", "", HOTP, NULL, NULL, 0, C_COUNTER,
	  10, 0, OG_ALLOW, OG_DENY, "bad-code", "auth/failure/bad-code", ONE_CODE },
	{ "a longer look-ahead takes it", "hotp = { look_ahead = 11; };\n", HOTP, NULL, NULL, 0,
	  C_COUNTER, 10, 0, OG_ALLOW, OG_ALLOW, "ok", "auth/success/ok", ONE_CODE },
	{ "an HOTP code answered a day later", "", HOTP, NULL, NULL, 0, C_COUNTER, 1, 86400,
	  OG_ALLOW, OG_ALLOW, "ok", "auth/success/ok", ONE_CODE },
	{ "a spent HOTP code", "", HOTP | S_SPENT, NULL, NULL, 0, C_COUNTER, 0, 0,
	  OG_ALLOW, OG_DENY, "replay", "auth/failure/replay", ONE_CODE },
	{ "an HOTP code before its counter", "", HOTP, NULL, NULL, 0, C_COUNTER, -1, 0,
	  OG_ALLOW, OG_DENY, "replay", "auth/failure/replay", ONE_CODE },
	{ "a TOTP code for an HOTP token", "", HOTP, NULL, NULL, 0, C_STEP, 0, 0,
	  OG_ALLOW, OG_DENY, "bad-code", "auth/failure/bad-code", ONE_CODE },
	{ "HOTP: the third failure locks", "", HOTP | S_FAIL2, NULL, NULL, 0, C_WRONG, 0, 0,
	  OG_ALLOW, OG_DENY, "bad-code", "auth/failure/bad-code lockout/locked/bad-code", ONE_CODE },
	{ "HOTP: locked, the right code is refused", UNIFORM_OFF, HOTP | S_LOCKED, NULL, NULL, 0,
	  C_COUNTER, 0, 0, OG_ALLOW, OG_DENY_LOCKED, "locked", "auth/failure/locked", ONE_CODE },
	{ "HOTP: locked while at the prompt", "", HOTP, NULL, NULL, AT_LOCK, C_COUNTER, 0, 10,
	  OG_ALLOW, OG_DENY, "locked",
	  "auth/failure/bad-code auth/failure/bad-code auth/failure/bad-code auth/failure/locked", ONE_CODE },
	{ "HOTP: removed while at the prompt", "", HOTP, NULL, NULL, AT_REMOVE, C_COUNTER, 0, 10,
	  OG_ALLOW, OG_DENY, "removed", "auth/failure/removed", ONE_CODE },
	{ "HOTP: a source the policy refuses", "", HOTP, NULL, "192.0.2.7", 0, C_COUNTER, 0, 0,
	  OG_ALLOW, OG_DENY, "policy", "auth/failure/policy", ONE_CODE },
	{ "HOTP: a recovery code", "", HOTP | S_RECOVERY, NULL, NULL, 0, C_RECOVERY_NEW, 0, 0,
	  OG_ALLOW, OG_ALLOW, "recovery", "auth/success/recovery", ONE_CODE },
	/* HOTP in failure mode: the next counter's code, whenever it is typed */
	{ "HOTP failure mode: the code, then the next counter's an hour later", STEP_UP,
	  HOTP | S_MODE, NULL, NULL, 0, C_COUNTER, 0, 0, OG_ALLOW, OG_ALLOW, "failure-mode-passed",
	  "auth/success/failure-mode-passed", C_COUNTER, 1, 3600 },
	{ "HOTP failure mode: a code some presses on, then its next", STEP_UP, HOTP | S_MODE, NULL,
	  NULL, 0, C_COUNTER, 4, 0, OG_ALLOW, OG_ALLOW, "failure-mode-passed",
	  "auth/success/failure-mode-passed", C_COUNTER, 1, 10 },
	{ "HOTP failure mode: the same code twice", STEP_UP, HOTP | S_MODE, NULL, NULL, 0,
	  C_COUNTER, 0, 0, OG_ALLOW, OG_DENY, "bad-next-code", "auth/failure/bad-next-code",
	  C_COUNTER, 0, 5 },
	{ "HOTP failure mode: a code two presses on is not the next", STEP_UP, HOTP | S_MODE, NULL,
	  NULL, 0, C_COUNTER, 0, 0, OG_ALLOW, OG_DENY, "bad-next-code",
	  "auth/failure/bad-next-code", C_COUNTER, 2, 5 },
	{ "HOTP failure mode: one code alone", STEP_UP, HOTP | S_MODE, NULL, NULL, 0, C_COUNTER, 0,
	  0, OG_ALLOW, OG_DENY, "no-code", "auth/failure/no-code", C_NONE, 0, 0 },
#undef HOTP
	/* an invitation code, typed by a user without a token (enrol.h) */
#define INV S_INVITE
	{ "an invitation: the enrolment goes on", "", INV, NULL, NULL, 0, C_INVITE, 0, 0,
	  OG_ALLOW, OG_ENROL, "invite", "enrol/pending/invite", ONE_CODE },
	{ "... with uniform refusals off too", UNIFORM_OFF, INV, NULL, NULL, 0, C_INVITE, 0, 0,
	  OG_ALLOW, OG_ENROL, "invite", "enrol/pending/invite", ONE_CODE },
	{ "an invitation through a VPN: left for SSH", "", INV | S_VPN, NULL, NULL, 0, C_INVITE, 0,
	  0, OG_ALLOW, OG_DENY, "enrol-needs-ssh", "auth/failure/enrol-needs-ssh", ONE_CODE },
	{ "a wrong invitation code", "", INV, NULL, NULL, 0, C_INVITE_WRONG, 0, 0,
	  OG_ALLOW, OG_DENY, "bad-invitation", "auth/failure/bad-invitation", ONE_CODE },
	{ "an invitation code, none made", "", 0, NULL, NULL, 0, C_INVITE_WRONG, 0, 0,
	  OG_ALLOW, OG_DENY, "bad-invitation", "auth/failure/bad-invitation", ONE_CODE },
	{ "the third failure locks: a wrong invitation", "", INV | S_FAIL2, NULL, NULL, 0,
	  C_INVITE_WRONG, 0, 0, OG_ALLOW, OG_DENY, "bad-invitation",
	  "auth/failure/bad-invitation lockout/locked/bad-invitation", ONE_CODE },
	{ "an expired invitation", "", INV | S_INVITE_OLD, NULL, NULL, 0, C_INVITE, 0, 0,
	  OG_ALLOW, OG_DENY, "invitation-expired", "auth/failure/invitation-expired", ONE_CODE },
	{ "an invitation answered after it expired", "", INV, NULL, NULL, 0, C_INVITE, 0, 1000,
	  OG_ALLOW, OG_DENY, "invitation-expired", "auth/failure/invitation-expired", ONE_CODE },
	{ "an invitation taken before", "", INV | S_INVITE_USED, NULL, NULL, 0, C_INVITE, 0, 0,
	  OG_ALLOW, OG_DENY, "invitation-used", "auth/failure/invitation-used", ONE_CODE },
	{ "an invitation while locked", "", INV | S_LOCKED, NULL, NULL, 0, C_INVITE, 0, 0,
	  OG_ALLOW, OG_DENY, "locked", "auth/failure/locked", ONE_CODE },
	{ "an invitation from a source the policy refuses", "", INV, NULL, "192.0.2.7", 0,
	  C_INVITE, 0, 0, OG_ALLOW, OG_DENY, "policy", "auth/failure/policy", ONE_CODE },
	{ "an invitation, removed while at the prompt", "", INV, NULL, NULL, AT_REMOVE, C_INVITE,
	  0, 10, OG_ALLOW, OG_DENY, "removed", "auth/failure/removed", ONE_CODE },
	{ "an invitation, locked while at the prompt", "", INV, NULL, NULL, AT_LOCK, C_INVITE, 0,
	  10, OG_ALLOW, OG_DENY, "locked",
	  "auth/failure/bad-code auth/failure/bad-code auth/failure/bad-code auth/failure/locked", ONE_CODE },
	{ "an invitation of a user with a token: a wrong code", "", INV | S_TOKEN, NULL, NULL, 0,
	  C_INVITE, 0, 0, OG_ALLOW, OG_DENY, "bad-code", "auth/failure/bad-code", ONE_CODE },
	{ "auth.allow_unenrolled, an invitation open: asked", "auth = { allow_unenrolled = true; };\n",
	  INV, NULL, NULL, 0, C_INVITE, 0, 0, OG_ALLOW, OG_ENROL, "invite", "enrol/pending/invite", ONE_CODE },
	{ "auth.allow_unenrolled, an invitation expired: not asked",
	  "auth = { allow_unenrolled = true; };\n", INV | S_INVITE_OLD, NULL, NULL, 0, C_NONE, 0, 0,
	  OG_ALLOW, OG_ALLOW, "unenrolled-allowed", "auth/success/unenrolled-allowed", ONE_CODE },
	{ "an invitation in failure mode: it is the additional check", STEP_UP, INV | S_MODE, NULL,
	  NULL, 0, C_INVITE, 0, 0, OG_ALLOW, OG_ENROL, "invite", "enrol/pending/invite", ONE_CODE },
#undef INV
};

struct fx {
	char dir[256], conf[300];
	struct og_ctx ctx;
	struct th_logbuf lb;
	struct og_log log;
	char codes[OG_RECOVERY_CODES][OG_RECOVERY_LEN + 2];
	char token_id[OG_ID_LEN + 1];
	char invite[OG_INVITE_TEXT + 1];	/* the invitation's code */
	int64_t rows;			/* audit rows before the login */
};

static const struct og_lockout lockout = { 3, 600, 900, 0 };

/* The open case's directory, removed by the teardown when a case fails. */
static char open_dir[256];

static int remove_left(void **state)
{
	(void)state;
	if (open_dir[0] != '\0')
		th_rmtree(open_dir);
	open_dir[0] = '\0';
	return 0;
}

/* A fresh store in memory (/dev/shm), the case's configuration, opened as a login opens it. */
static void fx_open(struct fx *x, const struct decision *d)
{
	char key[300], extra[1024], err[512];
	struct og_config cfg;
	struct og_store *st;

	memset(x, 0, sizeof(*x));
	th_log_init(&x->log, &x->lb);
	snprintf(x->dir, sizeof(x->dir), "/dev/shm/otpgate-decision-XXXXXX");
	if (mkdtemp(x->dir) == NULL)	/* no /dev/shm: the temporary directory */
		th_mkdtemp(x->dir, sizeof(x->dir));
	snprintf(open_dir, sizeof(open_dir), "%s", x->dir);
	th_path(x->conf, sizeof(x->conf), x->dir, "otpgate.conf");
	th_path(key, sizeof(key), x->dir, "master.key");
	snprintf(extra, sizeof(extra), "audit = { syslog = false; };\n%s%s",
		 strstr(d->conf, "lockout") ? "" : "lockout = { max_failures = 3; interval = \"10m\";"
		 " lock_for = \"15m\"; };\n", d->conf);
	assert_int_equal(og_master_key_create(key), OG_OK);
	assert_int_equal(th_store_config(x->dir, "otpgate.conf", key, NULL, extra, &cfg, &x->log), 0);
	assert_int_equal(th_store_init(&cfg, &x->log, &st), 0);
	og_store_close(st);
	og_config_free(&cfg);
	if (og_ctx_open(&x->ctx, x->conf, &x->log, err, sizeof(err)) != OG_OK)
		fail_msg("open: %s", err);
}

static void fx_close(struct fx *x)
{
	og_ctx_close(&x->ctx);
	remove_left(NULL);
}

/* The user's token: TOTP, or HOTP at COUNTER. */
static void add_token(struct fx *x, int hotp)
{
	char key[300], dek_id[OG_ID_LEN + 1];
	struct og_key master = { 0 }, dek = { 0 };
	struct og_token t;

	th_path(key, sizeof(key), x->dir, "master.key");
	assert_int_equal(og_master_key_load(key, &master, NULL), OG_OK);
	assert_int_equal(og_token_dek(x->ctx.st, &master, "acme", T - 1000, dek_id, &dek), OG_OK);
	assert_int_equal(og_token_build(&dek, dek_id, USER, "s-alice", "virtual", secret,
					sizeof(secret), hotp ? &hparams : &params, T - 1000, &t),
			 OG_OK);
	og_token_start(&t, 0, COUNTER);
	assert_int_equal(og_store_token_add(x->ctx.st, &t), OG_OK);
	og_copy(x->token_id, sizeof(x->token_id), t.id);
	og_key_wipe(&dek);
	og_key_wipe(&master);
}

/* count failures for USER at each of times, as other logins would */
static void fail_at(struct fx *x, const int64_t *times, int n)
{
	struct og_audit_event ev = { .event = "auth", .result = "failure", .reason = "bad-code",
				     .user = USER, .source = "127.0.0.2", .service = "sshd" };
	struct og_fail f = { NULL, -1, OG_COUNT_ONE, 0, 0 };

	for (int i = 0; i < n; i++) {
		ev.ts = times[i];
		assert_int_equal(og_store_login_fail(x->ctx.st, USER, &lockout, &ev, &f), OG_OK);
	}
}

static void set_lock(struct fx *x, int64_t until, int64_t mode_until)
{
	const struct og_failure_row f = { USER, { 0, T - 50, until, mode_until, -1 } };

	assert_int_equal(og_store_failure_put(x->ctx.st, &f), OG_OK);
}

static void spend(struct fx *x, int64_t step)
{
	struct og_audit_event ev = { .ts = T - 5, .event = "auth", .result = "success",
				     .reason = "ok", .user = USER };

	assert_int_equal(og_store_login_accept(x->ctx.st, USER, x->token_id, step, 0, 0, &ev), OG_OK);
}

/* The spent code of step replayed, and counted (the replay rule's once). */
static void replayed(struct fx *x, int64_t step)
{
	struct og_audit_event ev = { .ts = T - 4, .event = "auth", .result = "failure",
				     .reason = "replay", .user = USER };
	struct og_fail f = { x->token_id, step, OG_COUNT_ONE, 0, 0 };

	assert_int_equal(og_store_login_fail(x->ctx.st, USER, &lockout, &ev, &f), OG_OK);
	assert_int_equal(f.counted, OG_COUNT_ONE);
	fail_at(x, (const int64_t[]){ T - 3 }, 1);
}

static void recovery(struct fx *x)
{
	struct og_audit_event ev = { .ts = T - 5, .event = "auth", .result = "success",
				     .reason = "recovery", .user = USER };
	struct og_recovery_set set;

	assert_int_equal(og_recovery_generate(x->codes, &set), OG_OK);
	assert_int_equal(og_store_recovery_set(x->ctx.st, USER, &set, T - 100), OG_OK);
	assert_int_equal(og_store_recovery_use(x->ctx.st, USER, set.idx[0], &ev), OG_OK);
}

/* USER's invitation, made at T - 100, expiring at T + 1000 (or T - 1 when
 * old); taken at T - 50 when used. */
static void invite(struct fx *x, unsigned s)
{
	const struct og_invite_req req = { USER, "acme", OG_OTP_TOTP, s & S_INVITE_OLD ? 99 : 1100,
					   T - 100 };
	struct og_key master = { 0 };
	struct og_invite inv;
	char key[300], why[256], dropped[OG_SERIAL_MAX + 1];

	th_path(key, sizeof(key), x->dir, "master.key");
	assert_int_equal(og_master_key_load(key, &master, NULL), OG_OK);
	if (og_invite_create(x->ctx.st, &master, &req, x->invite, dropped, why, sizeof(why)) != OG_OK)
		fail_msg("invite: %s", why);
	og_key_wipe(&master);
	if (!(s & S_INVITE_USED))
		return;
	assert_int_equal(og_store_invite_get(x->ctx.st, USER, &inv), OG_OK);
	inv.used = T - 50;
	assert_int_equal(og_store_invite_put(x->ctx.st, &inv), OG_OK);
}

/* The user's state, as the case says. */
static void given(struct fx *x, unsigned s)
{
	static const int64_t two[] = { T - 20, T - 10 };
	int64_t step = og_totp_step(&params, T);

	if (s & S_NO_USER)
		return;
	assert_int_equal(og_store_user_ensure(x->ctx.st, USER, "acme", T - 1000), OG_OK);
	if (s & S_INVITE)
		invite(x, s);
	if (s & S_TOKEN)
		add_token(x, (s & S_HOTP) != 0);
	/* what the user did before: codes spent, and then the failures, lock or removal */
	if (s & S_SPENT)
		spend(x, s & S_HOTP ? COUNTER : step);
	if (s & S_RECOVERY)
		recovery(x);
	if (s & (S_DRIFT5 | S_DRIFT50))
		assert_int_equal(og_store_token_resync(x->ctx.st, x->token_id, s & S_DRIFT5 ? 5 : 50,
						       step - 100), OG_OK);
	if (s & S_REPLAYED)
		replayed(x, step);
	if (s & S_FAIL2)
		fail_at(x, two, 2);
	if (s & S_LOCKED)
		set_lock(x, T + 100, 0);
	if (s & S_LOCK_OVER)
		set_lock(x, T - 1, 0);
	if (s & S_MODE)
		set_lock(x, 0, T + 100);
	if (s & S_MODE_OVER)
		set_lock(x, 0, T - 1);
	if (s & S_REMOVED)
		assert_int_equal(og_store_user_remove(x->ctx.st, USER, T - 100), OG_OK);
}

/* What another terminal does while the login waits at the prompt. */
static void meanwhile(struct fx *x, int what)
{
	static const int64_t three[] = { T + 1, T + 2, T + 3 };

	if (what == AT_LOCK)
		fail_at(x, three, 3);
	else if (what == AT_REMOVE)
		assert_int_equal(og_store_user_remove(x->ctx.st, USER, T + 1), OG_OK);
}

/* What is typed: code, offset steps (C_COUNTER: counters) from base. */
static const char *typed_at(struct fx *x, int code, int64_t base, int offset, char *buf)
{
	switch (code) {
	case C_STEP:
	case C_WRONG:
		assert_int_equal(og_otp_format(secret, sizeof(secret), &params, base + offset, buf),
				 OG_OK);
		if (code == C_WRONG)
			buf[0] = buf[0] == '9' ? '0' : (char)(buf[0] + 1);
		return buf;
	case C_RECOVERY_NEW:
		return x->codes[1];
	case C_RECOVERY_USED:
		return x->codes[0];
	case C_RECOVERY_BAD:
		return "abcde-fghjk";
	case C_COUNTER:
		assert_int_equal(og_otp_format(secret, sizeof(secret), &hparams, base + offset, buf),
				 OG_OK);
		return buf;
	case C_INVITE:
		return x->invite;
	case C_INVITE_WRONG:
		return "K7QD-9XPM-3RT6-WZ2A-HHNB";
	default:
		return NULL;
	}
}

/* Where the case's codes count from, answered at: its time step, or COUNTER. */
static int64_t base_of(int code, int64_t at)
{
	return code == C_COUNTER ? COUNTER : og_totp_step(&params, at);
}

/* What is typed at the prompt, answered at. */
static const char *typed(struct fx *x, const struct decision *d, int64_t at, char *buf)
{
	return typed_at(x, d->code, base_of(d->code, at), d->offset, buf);
}

static int64_t audit_rows(struct fx *x)
{
	struct og_store_counts n;

	assert_int_equal(og_store_counts(x->ctx.st, &n), OG_OK);
	return n.audit;
}

struct trail {
	int64_t skip;
	char text[512];
};

static int trail_row(void *arg, const struct og_audit_row *row)
{
	struct trail *tr = arg;
	size_t o = strlen(tr->text);

	if (tr->skip > 0) {
		tr->skip--;
		return 0;
	}
	snprintf(tr->text + o, sizeof(tr->text) - o, "%s%s/%s/%s", o ? " " : "", row->ev.event,
		 row->ev.result, row->ev.reason);
	return 0;
}

/* The audit rows appended since the login began. */
static void audited(struct fx *x, const struct decision *d)
{
	struct trail tr = { x->rows, "" };

	assert_int_equal(og_store_audit_list(x->ctx.st, trail_row, &tr), OG_OK);
	if (strcmp(tr.text, d->audit) != 0)
		fail_msg("%s: audited '%s', want '%s'", d->name, tr.text, d->audit);
}

static void run_case(const struct decision *d)
{
	struct fx x;
	struct og_login l;
	char buf[OG_INVITE_TEXT + 1];
	enum og_verdict v;
	int64_t at = T + d->delay;

	fx_open(&x, d);
	given(&x, d->state);
	x.rows = audit_rows(&x);
	memset(&l, 0, sizeof(l));
	l.user = d->user ? d->user : USER;
	l.service = "sshd";
	l.rhost = d->rhost ? d->rhost : "127.0.0.1";
	l.shows_text = !(d->state & S_VPN);
	l.now = T;
	if ((v = og_login_precheck(&x.ctx, &l)) != d->pre)
		fail_msg("%s: precheck %d, want %d", d->name, v, d->pre);
	if (v == OG_ALLOW && !l.skip_prompt) {
		meanwhile(&x, d->at_prompt);
		v = og_login_verify(&x.ctx, &l, typed(&x, d, at, buf), at);
	}
	if (v == OG_NEXT_CODE)	/* the same token's next code, from the first one's step */
		v = og_login_verify_next(&x.ctx, &l, typed_at(&x, d->next, base_of(d->code, at) +
						   d->offset, d->next_offset, buf), at + d->next_delay);
	if (v != d->verdict)
		fail_msg("%s: verdict %d, want %d", d->name, v, d->verdict);
	if (l.reason == NULL || strcmp(l.reason, d->reason) != 0)
		fail_msg("%s: reason '%s', want '%s'", d->name, l.reason ? l.reason : "(none)",
			 d->reason);
	audited(&x, d);
	og_login_clear(&l);
	fx_close(&x);
}

static void test_decisions(void **state)
{
	(void)state;
	for (size_t i = 0; i < TH_ARRAY_LEN(cases); i++)
		run_case(&cases[i]);
}

/* What the admin types when asked for the next code, and when. */
struct next_answer {
	const char *code;
	int64_t at;
};

static int answer_next(void *arg, char *out, size_t cap, int64_t *at)
{
	const struct next_answer *n = arg;

	og_copy(out, cap, n->code);
	*at = n->at;
	return 0;
}

static const struct decision plain = { "step-up", "", S_TOKEN, NULL, NULL, 0, C_STEP, 0, 0,
				       OG_ALLOW, OG_ALLOW, "", "", ONE_CODE };

/* A step-up is an attempt like a login: the same watermark, the same
 * failure count and lock (event "step-up" in the trail). */
static enum og_verdict step_up(struct fx *x, const char *code, int64_t at,
			       const struct og_auditor *aud, struct og_step_up *su)
{
	memset(su, 0, sizeof(*su));
	su->admin = USER;
	su->action = "enrol";
	su->ev.ts = at;
	su->ev.source = "local";
	su->ev.service = "otpgate-provision";
	su->ev.actor = USER;
	su->audit = aud;
	return og_step_up(x->ctx.st, &x->ctx.cfg, &x->log, su, code);
}

/* The same, from a tool that asks for the next code when it is needed. */
static enum og_verdict step_up_next(struct fx *x, const char *code, int64_t at,
				    const struct og_auditor *aud, struct og_step_up *su,
				    struct next_answer *n)
{
	memset(su, 0, sizeof(*su));
	su->admin = USER;
	su->action = "enrol";
	su->ev.ts = at;
	su->ev.source = "local";
	su->ev.service = "otpgate-provision";
	su->ev.actor = USER;
	su->audit = aud;
	su->next_code = answer_next;
	su->next_arg = n;
	return og_step_up(x->ctx.st, &x->ctx.cfg, &x->log, su, code);
}

static void test_step_up_shares_the_login(void **state)
{
	struct fx x;
	struct og_login l = { .user = USER, .service = "sshd", .rhost = "127.0.0.1", .now = T };
	struct og_auditor aud;
	struct og_step_up su;
	struct decision d = plain;
	char code[16], wrong[16];

	(void)state;
	fx_open(&x, &plain);
	given(&x, S_TOKEN);
	aud = (struct og_auditor){ &x.ctx.cfg, x.ctx.st, &x.log, &x.log };
	x.rows = audit_rows(&x);
	typed(&x, &plain, T, code);
	/* a code a login spent is spent for a step-up */
	assert_int_equal(og_login_precheck(&x.ctx, &l), OG_ALLOW);
	assert_int_equal(og_login_verify(&x.ctx, &l, code, T), OG_ALLOW);
	assert_int_equal(step_up(&x, code, T, &aud, &su), OG_DENY);
	assert_string_equal(su.reason, "replay");
	/* a step-up's wrong codes count towards the login's lock */
	d.code = C_WRONG;
	typed(&x, &d, T + 30, wrong);
	assert_int_equal(step_up(&x, wrong, T + 30, &aud, &su), OG_DENY);
	assert_int_equal(step_up(&x, wrong, T + 31, &aud, &su), OG_DENY_LOCKED);
	assert_true(su.locked_until == T + 31 + 900);
	typed(&x, &plain, T + 60, code);
	l.now = T + 60;
	assert_int_equal(og_login_precheck(&x.ctx, &l), OG_ALLOW);
	assert_int_equal(og_login_verify(&x.ctx, &l, code, T + 60), OG_DENY);
	assert_string_equal(l.reason, "locked");
	assert_int_equal(step_up(&x, code, T + 61, &aud, &su), OG_DENY_LOCKED);
	assert_string_equal(su.reason, "locked");
	d.audit = "auth/success/ok step-up/failure/replay step-up/failure/bad-code"
		  " step-up/failure/bad-code lockout/locked/bad-code auth/failure/locked"
		  " step-up/failure/locked";
	audited(&x, &d);
	og_login_clear(&l);
	fx_close(&x);
}

/* In failure mode an admin's step-up needs the next code too, as a login. */
static void test_step_up_in_failure_mode(void **state)
{
	static const struct decision mode = { "step-up in failure mode", STEP_UP, S_TOKEN | S_MODE,
					      NULL, NULL, 0, C_STEP, 0, 0, OG_ALLOW, OG_ALLOW, "",
					      "", ONE_CODE };
	struct fx x;
	struct og_auditor aud;
	struct og_step_up su;
	struct decision d = mode;
	char code[16], next[16];
	struct next_answer n = { next, T + 30 };

	(void)state;
	fx_open(&x, &mode);
	given(&x, mode.state);
	aud = (struct og_auditor){ &x.ctx.cfg, x.ctx.st, &x.log, &x.log };
	x.rows = audit_rows(&x);
	/* a tool that cannot ask is refused, the code spent */
	typed(&x, &mode, T, code);
	assert_int_equal(step_up(&x, code, T, &aud, &su), OG_DENY);
	assert_string_equal(su.reason, "failure-mode");
	/* the code, then the next one, as they come */
	typed(&x, &mode, T + 30, code);
	typed_at(&x, C_STEP, og_totp_step(&params, T + 30), 1, next);
	n.at = T + 60;
	memset(&su, 0, sizeof(su));
	assert_int_equal(step_up_next(&x, code, T + 30, &aud, &su, &n), OG_ALLOW);
	assert_string_equal(su.reason, "failure-mode-passed");
	d.audit = "step-up/failure/failure-mode step-up/success/failure-mode-passed";
	audited(&x, &d);
	fx_close(&x);
}

/* A step-up with an HOTP token claims its counter as a login does: the
 * code it took, and those before it, are spent for both. */
static void test_step_up_with_hotp(void **state)
{
	struct fx x;
	struct og_login l = { .user = USER, .service = "sshd", .rhost = "127.0.0.1", .now = T };
	struct og_auditor aud;
	struct og_step_up su;
	struct decision d = plain;
	char code[16];

	(void)state;
	fx_open(&x, &plain);
	given(&x, S_TOKEN | S_HOTP);
	aud = (struct og_auditor){ &x.ctx.cfg, x.ctx.st, &x.log, &x.log };
	x.rows = audit_rows(&x);
	d.code = C_COUNTER;
	d.offset = 2;
	typed(&x, &d, T, code);
	assert_int_equal(step_up(&x, code, T, &aud, &su), OG_ALLOW);
	assert_string_equal(su.reason, "ok");
	assert_string_equal(su.token, "s-alice");
	assert_int_equal(og_login_precheck(&x.ctx, &l), OG_ALLOW);
	assert_int_equal(og_login_verify(&x.ctx, &l, code, T + 5), OG_DENY);
	assert_string_equal(l.reason, "replay");
	og_login_clear(&l);
	d.offset = 1;
	typed(&x, &d, T, code);
	assert_int_equal(step_up(&x, code, T + 10, &aud, &su), OG_DENY);
	assert_string_equal(su.reason, "replay");
	d.offset = 3;
	typed(&x, &d, T, code);
	l.now = T + 20;
	assert_int_equal(og_login_precheck(&x.ctx, &l), OG_ALLOW);
	assert_int_equal(og_login_verify(&x.ctx, &l, code, T + 20), OG_ALLOW);
	d.audit = "step-up/success/ok auth/failure/replay step-up/failure/replay auth/success/ok";
	audited(&x, &d);
	og_login_clear(&l);
	fx_close(&x);
}

/* The new device's code at step offset from at's, from the URI it was shown. */
static void device_code(const struct og_login *l, int64_t at, int offset, int wrong, char *code)
{
	struct og_otpauth u;

	assert_int_equal(og_otpauth_parse(l->enrol.uri, &u), OG_OK);
	assert_int_equal(og_otp_format(u.secret, u.secret_len, &u.params,
				       og_totp_step(&u.params, at) + offset, code), OG_OK);
	if (wrong)
		code[0] = code[0] == '9' ? '0' : (char)(code[0] + 1);
}

/* An invitation taken at T; the new device's codes answered at T + 40. */
static void enrol_case(struct fx *x, struct og_login *l, const struct decision *d)
{
	fx_open(x, d);
	given(x, S_INVITE);
	x->rows = audit_rows(x);
	memset(l, 0, sizeof(*l));
	l->user = USER;
	l->service = "sshd";
	l->rhost = "127.0.0.1";
	l->shows_text = 1;
	l->now = T;
	assert_int_equal(og_login_precheck(&x->ctx, l), OG_ALLOW);
	assert_int_equal(og_login_verify(&x->ctx, l, x->invite, T), OG_ENROL);
}

/*
 * After the invitation: the new device's code, as of when it is answered,
 * activates the token, and the login goes through; a wrong one leaves one
 * more try, and a second deletes the token; no answer too.
 */
static void test_enrol_finish(void **state)
{
	struct decision d = plain;
	struct og_token t;
	struct fx x;
	struct og_login l;
	char code[16], *text;

	(void)state;
	enrol_case(&x, &l, &d);
	text = og_enrol_text(&l);
	assert_non_null(text);
	assert_non_null(strstr(text, l.enrol.uri));
	og_freezero_str(text);
	device_code(&l, T + 40, 0, 0, code);
	assert_int_equal(og_enrol_finish(&x.ctx, &l, code, T + 40), OG_ALLOW);
	assert_string_equal(l.reason, "invite");
	assert_int_equal(l.enrol.token.id[0], '\0');	/* wiped */
	assert_int_equal(og_store_token_get(x.ctx.st, l.token, &t), OG_OK);
	assert_int_equal(t.state, OG_TOKEN_ACTIVE);
	assert_true(t.last_step == og_totp_step(&params, T + 40));
	d.audit = "enrol/pending/invite enrol/success/invite";
	audited(&x, &d);
	og_login_clear(&l);
	fx_close(&x);

	enrol_case(&x, &l, &d);
	device_code(&l, T + 40, 0, 1, code);
	assert_int_equal(og_enrol_finish(&x.ctx, &l, code, T + 40), OG_ENROL);
	assert_string_equal(l.reason, "bad-code");
	/* the code of the prompt, answered 90 s later: wrong as of then */
	device_code(&l, T, 0, 0, code);
	assert_int_equal(og_enrol_finish(&x.ctx, &l, code, T + 90), OG_DENY);
	assert_string_equal(l.reason, "bad-code");
	assert_int_equal(og_store_token_get(x.ctx.st, l.token, &t), OG_ERR_NOTFOUND);
	d.audit = "enrol/pending/invite enrol/failure/bad-code enrol/failure/bad-code";
	audited(&x, &d);
	og_login_clear(&l);
	fx_close(&x);

	enrol_case(&x, &l, &d);
	assert_int_equal(og_enrol_finish(&x.ctx, &l, NULL, T + 40), OG_DENY);
	assert_string_equal(l.reason, "no-code");
	assert_int_equal(og_store_token_get(x.ctx.st, l.token, &t), OG_ERR_NOTFOUND);
	d.audit = "enrol/pending/invite enrol/failure/no-code";
	audited(&x, &d);
	og_login_clear(&l);
	fx_close(&x);
}

/*
 * What an administrator, or another terminal, does while the user is at
 * the new device's prompt, and the right code answered after it: the
 * user locked or removed, or their organisation removed, deletes the
 * token and refuses; the token revoked stays revoked and refuses. None of
 * them lets the login through (with uniform refusals, each is OG_DENY),
 * and each is audited as what happened.
 */
static void test_enrol_barred_at_the_qr_code(void **state)
{
	static const struct {
		const char *what, *reason, *audit;
		enum og_token_state left;	/* OG_TOKEN_STOCK: none */
	} meanwhiles[] = {
		{ "lock", "locked", "auth/failure/bad-code auth/failure/bad-code auth/failure/bad-code"
		  " enrol/failure/locked", OG_TOKEN_STOCK },
		{ "remove", "removed", "enrol/failure/removed", OG_TOKEN_STOCK },
		{ "remove --org", "removed", "enrol/failure/removed", OG_TOKEN_STOCK },
		{ "revoke", "token-revoked", "enrol/failure/token-revoked", OG_TOKEN_REVOKED },
	};
	struct decision d = plain;
	struct og_token t;
	struct og_login l;
	struct fx x;
	char code[16], audit[256], serial[OG_SERIAL_MAX + 1];
	enum og_verdict v;
	int64_t n;

	(void)state;
	for (size_t i = 0; i < sizeof(meanwhiles) / sizeof(meanwhiles[0]); i++) {
		enrol_case(&x, &l, &d);
		snprintf(serial, sizeof(serial), "%s", l.enrol.token.serial);
		if (i == 0)
			meanwhile(&x, AT_LOCK);
		else if (i == 1)
			meanwhile(&x, AT_REMOVE);
		else if (i == 2)
			assert_int_equal(og_store_org_remove(x.ctx.st, "acme", T + 1, &n), OG_OK);
		else
			assert_int_equal(og_store_token_revoke(x.ctx.st, serial), OG_OK);
		device_code(&l, T + 40, 0, 0, code);
		v = og_enrol_finish(&x.ctx, &l, code, T + 40);
		if (v != OG_DENY)
			fail_msg("%s at the QR code: verdict %d, not OG_DENY", meanwhiles[i].what, (int)v);
		assert_string_equal(l.reason, meanwhiles[i].reason);
		if (meanwhiles[i].left == OG_TOKEN_STOCK) {
			assert_int_equal(og_store_token_get(x.ctx.st, serial, &t), OG_ERR_NOTFOUND);
		} else {
			assert_int_equal(og_store_token_get(x.ctx.st, serial, &t), OG_OK);
			assert_int_equal(t.state, meanwhiles[i].left);
		}
		snprintf(audit, sizeof(audit), "enrol/pending/invite %s", meanwhiles[i].audit);
		d.audit = audit;
		audited(&x, &d);
		og_login_clear(&l);
		fx_close(&x);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_decisions, remove_left),
		cmocka_unit_test_teardown(test_step_up_shares_the_login, remove_left),
		cmocka_unit_test_teardown(test_step_up_in_failure_mode, remove_left),
		cmocka_unit_test_teardown(test_step_up_with_hotp, remove_left),
		cmocka_unit_test_teardown(test_enrol_finish, remove_left),
		cmocka_unit_test_teardown(test_enrol_barred_at_the_qr_code, remove_left),
	};

	return cmocka_run_group_tests_name("login decision", tests, NULL, NULL);
}

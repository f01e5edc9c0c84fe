/*
 * attempt.h: a one-time code a user typed, checked and recorded: the one
 * implementation behind a login and an administrator's step-up. The code
 * is matched against the user's tokens, its step (an HOTP token's
 * counter) claimed atomically above the replay watermark (the store
 * refuses a user locked or removed meanwhile), a wrong or spent code
 * counted towards the lock (with the lockout, or failure mode, audited and
 * notified when it begins), and every outcome audited as the caller's
 * event ("auth", "step-up").
 *
 * In failure mode (lockout.mode "step-up"), a right code is not enough:
 * og_attempt_code asks for the code the same token shows next (the next
 * time step, or an HOTP token's next counter value: OG_NEXT_CODE), and
 * og_attempt_next checks and claims that one.
 */
#ifndef OTPGATE_ATTEMPT_H
#define OTPGATE_ATTEMPT_H

#include <stdint.h>
#include "auditlog.h"
#include "bounds.h"
#include "config.h"
#include "crypto.h"
#include "log.h"
#include "store.h"

enum og_verdict {
	OG_ALLOW,		/* login may proceed */
	OG_DENY,		/* wrong/replayed code, no token: PAM_AUTH_ERR */
	OG_DENY_POLICY,		/* source not allowed, no usable source: PAM_PERM_DENIED */
	OG_DENY_LOCKED,		/* locked, or this failure locked it: PAM_MAXTRIES */
	OG_DENY_UNKNOWN,	/* user unknown to store and NSS: PAM_USER_UNKNOWN */
	OG_UNAVAIL,		/* config/store/key unusable: PAM_AUTHINFO_UNAVAIL */
	OG_NEXT_CODE,		/* failure mode: a right code; the next one must follow
				 * (a caller that cannot ask for it refuses) */
	OG_ENROL,		/* not yet: an invitation was taken, the new device's code is
				 * asked for next (enrol.h) */
};

struct og_attempt {
	/* inputs */
	const struct og_config *cfg;
	struct og_store *st;
	const struct og_log *log;
	const struct og_auditor *audit;
	struct og_audit_event ev;	/* the caller's event: event, ts (when the code was
					 * entered), user, source, service, key, actor, detail */
	/* outputs */
	const char *reason;		/* what the outcome was audited as */
	char token[OG_SERIAL_MAX + 1];	/* the serial that matched, or "recovery" */
	int64_t locked_until;		/* the lock the user is under after a failure, 0 none */
	int64_t failure_mode_until;	/* failure mode the user is in after a failure, 0 none */
	/* OG_NEXT_CODE: what og_attempt_next goes on from (in, then) */
	int next_token;			/* the index of the token that matched */
	int64_t next_after;		/* the step it matched at */
	int64_t next_drift;		/* and the drift that implied */
};

/* What bars user state us at t (og_lockout_standing): OG_OK, OG_ERR_REMOVED,
 * OG_ERR_LOCKED or OG_ERR_FAILURE_MODE. */
int og_attempt_standing(const struct og_user_state *us, int64_t t);

/*
 * Checks code against us's active tokens at a->ev.ts (master is wiped
 * once they are checked) and claims its step. OG_ALLOW; OG_DENY for a
 * wrong or spent code; OG_DENY_LOCKED when the user was locked meanwhile
 * or this failure locked them; OG_DENY for one removed meanwhile;
 * OG_UNAVAIL when the store cannot record it. When the user is in failure
 * mode (before the prompt, or by the time of the claim), a right code
 * logs nobody in: it is spent (og_store_step_spend; "replay" if it was
 * meanwhile) and gives OG_NEXT_CODE, reason "failure-mode", with next_*
 * set: the caller asks for the next code.
 */
enum og_verdict og_attempt_code(struct og_attempt *a, const struct og_user_state *us,
				struct og_key *master, const char *code);

/*
 * Failure mode's additional check: code must be the one the token of
 * a->next_token shows after the code og_attempt_code matched
 * (og_token_next_ok), checked at a->ev.ts (master is wiped). Claimed, it
 * ends failure mode: OG_ALLOW, audited as "failure-mode-passed". Otherwise
 * as og_attempt_code: "bad-next-code" counted as a failure, "replay", a
 * user locked or removed meanwhile, the store.
 */
enum og_verdict og_attempt_next(struct og_attempt *a, const struct og_user_state *us,
				struct og_key *master, const char *code);

/* A wrong or spent code (reason "bad-code", "replay", ...): counted
 * towards the user's lock and audited; the lock, or failure mode, audited
 * and notified when it begins. */
enum og_verdict og_attempt_failed(struct og_attempt *a, const char *reason);

/* A code of token_id's that matched at step, at or below its watermark:
 * "replay", counted as og_attempt_failed counts, but a replay of the
 * token's last accepted step only once per step (og_lockout_count). */
enum og_verdict og_attempt_replayed(struct og_attempt *a, const char *token_id, int64_t step);

/* A claim the store refused (r: OG_ERR_LOCKED or OG_ERR_REMOVED, see
 * og_store_login_accept): audited as what happened, nothing counted; the
 * lock's end read back into a->locked_until. */
enum og_verdict og_attempt_barred(struct og_attempt *a, int r);

/* 1 if r is such a refusal. */
int og_attempt_is_barred(int r);

/* A refusal that changes no state: audited with reason, returns v. */
enum og_verdict og_attempt_refuse(struct og_attempt *a, const char *reason, enum og_verdict v);

/* The event of this outcome in a->ev (result, reason, token), for the
 * store to append with the change it records. */
struct og_audit_event *og_attempt_outcome(struct og_attempt *a, const char *result,
					  const char *reason);

#endif

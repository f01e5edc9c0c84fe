/*
 * stepup.h: an administrator's step-up. Before a privileged action an org
 * admin proves presence with a current code of their own token. It is a
 * login attempt in all but where the code is typed, and the same code
 * (attempt.h): the same matching and replay watermark, the same failure
 * count and lock as the admin's logins (failures count towards the lock,
 * a locked admin is refused, success clears the failures), and every
 * outcome is audited, as event "step-up".
 */
#ifndef OTPGATE_STEPUP_H
#define OTPGATE_STEPUP_H

#include "attempt.h"
#include "audit.h"
#include "auditlog.h"
#include "config.h"
#include "log.h"
#include "store.h"

struct og_step_up {
	/* inputs */
	const char *admin;		/* the admin: a user with a token of their own */
	const char *action;		/* what it guards (the event's detail) */
	struct og_audit_event ev;	/* ts, source, service and actor set by the caller */
	const struct og_auditor *audit;	/* where the events go */
	/* failure mode: asks the admin for the code their token shows next
	 * (into out, cap bytes) and says when it came (*at); 0, or -1 for
	 * none. NULL: it cannot be asked */
	int (*next_code)(void *arg, char *out, size_t cap, int64_t *at);
	void *next_arg;
	/* outputs */
	const char *reason;		/* ok, failure-mode-passed, bad-code, bad-next-code,
					 * replay, locked, removed, no-token, failure-mode,
					 * no-code, store-error, master-key */
	int64_t locked_until;		/* the lock the admin is under, 0 none */
	char token[OG_SERIAL_MAX + 1];	/* the serial that matched */
};

/*
 * Checks code for su->admin at su->ev.ts and records the outcome as an
 * event "step-up" (reason as above). In failure mode a right code is
 * followed by the next one (su->next_code, checked as of when it came),
 * as at a login. OG_ALLOW; OG_DENY for a wrong or spent code, no token, a
 * removed user, or failure mode without a next code; OG_DENY_LOCKED when
 * the admin is locked or this failure locked them; OG_UNAVAIL when the
 * store or the master key cannot be used.
 */
enum og_verdict og_step_up(struct og_store *st, const struct og_config *cfg,
			   const struct og_log *log, struct og_step_up *su, const char *code);

#endif

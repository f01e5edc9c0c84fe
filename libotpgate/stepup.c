/* stepup.c: an admin's step-up code: an attempt (attempt.c) like a login's. */
#include <string.h>

#include "err.h"
#include "stepup.h"
#include "util.h"

/* What bars the step-up before any code is checked; NULL: nothing. */
static const char *barred(struct og_attempt *a, const struct og_user_state *us,
			  enum og_verdict *v)
{
	int bar = og_attempt_standing(us, a->ev.ts);

	*v = OG_DENY;
	if (bar == OG_ERR_REMOVED)
		return "removed";
	if (bar == OG_ERR_LOCKED) {
		a->locked_until = us->locked_until;
		*v = OG_DENY_LOCKED;
		return "locked";
	}
	return us->ntokens == 0 ? "no-token" : NULL;
}

enum og_verdict og_step_up(struct og_store *st, const struct og_config *cfg,
			   const struct og_log *log, struct og_step_up *su, const char *code)
{
	struct og_attempt a = { cfg, st, log, su->audit, su->ev, NULL, "", 0 };
	struct og_user_state us;
	struct og_key master = { 0 };
	const char *why;
	enum og_verdict v;

	a.ev.event = "step-up";
	a.ev.user = su->admin;
	a.ev.detail = su->action;
	if (og_store_user_state(st, su->admin, &us) != OG_OK)
		v = og_attempt_refuse(&a, "store-error", OG_UNAVAIL);
	else if ((why = barred(&a, &us, &v)) != NULL)
		v = og_attempt_refuse(&a, why, v);
	else if (og_master_key_load(cfg->master_key, &master, log) != OG_OK)
		v = og_attempt_refuse(&a, "master-key", OG_UNAVAIL);
	else
		v = og_attempt_code(&a, &us, &master, code);	/* wipes master */
	og_store_user_state_wipe(&us);
	su->reason = a.reason;
	su->locked_until = a.locked_until;
	og_copy(su->token, sizeof(su->token), a.token);
	return v;
}

/* stepup.c: an admin's step-up code: an attempt (attempt.c) like a login's. */
#include <string.h>
#include <openssl/crypto.h>

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

/* Failure mode: the admin's next code, asked for and checked as of when it came. */
static enum og_verdict step_up_next(struct og_attempt *a, const struct og_user_state *us,
				    struct og_step_up *su)
{
	struct og_key master = { 0 };
	char code[16];
	enum og_verdict v;

	if (su->next_code == NULL || su->next_code(su->next_arg, code, sizeof(code), &a->ev.ts) != 0)
		return og_attempt_refuse(a, su->next_code ? "no-code" : "failure-mode", OG_DENY);
	if (og_master_key_load(a->cfg->master_key, &master, a->log) != OG_OK)
		v = og_attempt_refuse(a, "master-key", OG_UNAVAIL);
	else
		v = og_attempt_next(a, us, &master, code);	/* wipes master */
	OPENSSL_cleanse(code, sizeof(code));
	return v;
}

enum og_verdict og_step_up(struct og_store *st, const struct og_config *cfg,
			   const struct og_log *log, struct og_step_up *su, const char *code)
{
	struct og_attempt a = { .cfg = cfg, .st = st, .log = log, .audit = su->audit, .ev = su->ev };
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
	if (v == OG_NEXT_CODE)
		v = step_up_next(&a, &us, su);
	og_store_user_state_wipe(&us);
	su->reason = a.reason;
	su->locked_until = a.locked_until;
	og_copy(su->token, sizeof(su->token), a.token);
	return v;
}

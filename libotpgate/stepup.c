/* stepup.c: an admin's step-up code, counted and locked like a login's. */
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "lockout.h"
#include "notify.h"
#include "stepup.h"
#include "token.h"
#include "util.h"

static void set_outcome(struct og_step_up *su, const char *result, const char *reason)
{
	su->reason = reason;
	su->ev.event = "step-up";
	su->ev.result = result;
	su->ev.reason = reason;
	su->ev.user = su->admin;
	su->ev.detail = su->action;
	su->ev.token = su->token[0] ? su->token : NULL;
}

/* A refusal that changes no state: audited, not counted. */
static enum og_verdict refuse(struct og_step_up *su, const char *reason, enum og_verdict v)
{
	set_outcome(su, "failure", reason);
	su->emit(su->emit_arg, &su->ev, 0);
	return v;
}

/* The store refused the claim: the admin was locked or removed since the
 * state was read (og_store_login_accept). Nothing was counted or stored. */
static enum og_verdict barred(struct og_step_up *su, int r)
{
	if (r == OG_ERR_LOCKED)
		return refuse(su, "locked", OG_DENY_LOCKED);
	return refuse(su, "removed", OG_DENY);
}

/* A wrong or spent code: counted towards the admin's lock, as a login's. */
static enum og_verdict count_failure(struct og_store *st, const struct og_config *cfg,
				     const struct og_log *log, struct og_step_up *su,
				     const char *reason)
{
	struct og_lockout lk = { cfg->max_failures, cfg->lock_interval, cfg->lock_for };
	struct og_audit_event lock;
	char until[32], why[256];
	int newly = 0, r;

	set_outcome(su, "failure", reason);
	r = og_store_login_fail(st, su->admin, &lk, &su->ev, &su->locked_until, &newly);
	if (r == OG_ERR_LOCKED || r == OG_ERR_REMOVED)
		return barred(su, r);
	su->emit(su->emit_arg, &su->ev, r == OG_OK);
	if (r != OG_OK) {
		og_logf(log, LOG_ERR, "step-up of %.100s: failure not recorded: %s", su->admin,
			og_strerror(r));
		return OG_UNAVAIL;
	}
	if (!newly)
		return OG_DENY;
	snprintf(until, sizeof(until), "%lld",
		 su->locked_until == INT64_MAX ? -1LL : (long long)su->locked_until);
	lock = su->ev;
	lock.event = "lockout";
	lock.result = "locked";
	lock.detail = su->locked_until == INT64_MAX ? "until unlocked by an admin" : until;
	su->emit(su->emit_arg, &lock, 0);
	if (og_notify(cfg->lock_notify, "lockout", su->admin, su->ev.source, until, why,
		      sizeof(why), log) != OG_OK) {
		lock.event = "notify";
		lock.result = "failure";
		lock.reason = "lockout";
		lock.detail = why;
		su->emit(su->emit_arg, &lock, 0);
	}
	return OG_DENY_LOCKED;
}

static enum og_verdict check_code(struct og_store *st, const struct og_config *cfg,
				  const struct og_log *log, struct og_step_up *su,
				  const struct og_user_state *us, const char *code)
{
	const struct og_token *t;
	struct og_key master;
	int64_t step = 0, drift = 0;
	int i, r;

	if (og_master_key_load(cfg->master_key, &master, log) != OG_OK)
		return refuse(su, "master-key", OG_UNAVAIL);
	i = og_token_match(&master, us->tokens, us->ntokens, su->ev.ts, cfg->window, cfg->max_drift,
			   code, &step, &drift, log);
	og_store_chain_key_from(st, &master);	/* the audit entry needs it next */
	og_key_wipe(&master);
	if (i < 0)
		return count_failure(st, cfg, log, su, "bad-code");
	t = &us->tokens[i];
	og_copy(su->token, sizeof(su->token), t->serial);
	if (step <= t->last_step)
		return count_failure(st, cfg, log, su, "replay");
	set_outcome(su, "success", "ok");
	r = og_store_login_accept(st, t->id, step, drift, us->has_failures, &su->ev);
	if (r == OG_ERR_REPLAY)
		return count_failure(st, cfg, log, su, "replay");
	if (r == OG_ERR_LOCKED || r == OG_ERR_REMOVED)
		return barred(su, r);
	if (r != OG_OK)
		return refuse(su, "store-error", OG_UNAVAIL);
	su->emit(su->emit_arg, &su->ev, 1);
	return OG_ALLOW;
}

enum og_verdict og_step_up(struct og_store *st, const struct og_config *cfg,
			   const struct og_log *log, struct og_step_up *su, const char *code)
{
	struct og_user_state us;
	enum og_verdict v;

	su->token[0] = '\0';
	su->locked_until = 0;
	if (og_store_user_state(st, su->admin, &us) != OG_OK) {
		v = refuse(su, "store-error", OG_UNAVAIL);
	} else if (us.removed_at > 0) {
		v = refuse(su, "removed", OG_DENY);
	} else if (us.locked_until > su->ev.ts) {
		su->locked_until = us.locked_until;
		v = refuse(su, "locked", OG_DENY_LOCKED);
	} else if (us.ntokens == 0) {
		v = refuse(su, "no-token", OG_DENY);
	} else {
		v = check_code(st, cfg, log, su, &us, code);
	}
	og_user_state_wipe(&us);
	return v;
}

/* attempt.c: a code typed by a user, matched, claimed, counted and audited once for all. */
#include <stdio.h>
#include <string.h>

#include "attempt.h"
#include "err.h"
#include "lockout.h"
#include "notify.h"
#include "token.h"
#include "util.h"

int og_attempt_standing(const struct og_user_state *us, int64_t t)
{
	struct og_standing s = { us->removed_at, 0, us->locked_until };

	return og_lockout_standing(&s, t);
}

int og_attempt_is_barred(int r)
{
	return r == OG_ERR_LOCKED || r == OG_ERR_REMOVED;
}

struct og_audit_event *og_attempt_outcome(struct og_attempt *a, const char *result,
					  const char *reason)
{
	a->reason = reason;
	a->ev.result = result;
	a->ev.reason = reason;
	a->ev.token = a->token[0] ? a->token : NULL;
	return &a->ev;
}

enum og_verdict og_attempt_refuse(struct og_attempt *a, const char *reason, enum og_verdict v)
{
	og_audit_emit(a->audit, og_attempt_outcome(a, "failure", reason), 0);
	return v;
}

enum og_verdict og_attempt_barred(struct og_attempt *a, int r)
{
	const char *why = r == OG_ERR_LOCKED ? "locked" : "removed";

	og_logf(a->log, LOG_NOTICE, "user %.100s from %s: %s while at the prompt", a->ev.user,
		a->ev.source ? a->ev.source : "?", why);
	return og_attempt_refuse(a, why, r == OG_ERR_LOCKED ? OG_DENY_LOCKED : OG_DENY);
}

/* The lock this failure set: audited, and lockout.notify started (a
 * program that cannot be started is audited too). */
static void locked_now(struct og_attempt *a, const char *reason)
{
	struct og_audit_event lock = a->ev;
	char until[32], why[256];

	snprintf(until, sizeof(until), "%lld",
		 a->locked_until == INT64_MAX ? -1LL : (long long)a->locked_until);
	lock.event = "lockout";
	lock.result = "locked";
	lock.reason = reason;
	lock.detail = a->locked_until == INT64_MAX ? "until unlocked by an admin" : until;
	og_audit_emit(a->audit, &lock, 0);
	if (og_notify(a->cfg->lock_notify, "lockout", a->ev.user, a->ev.source, until, why,
		      sizeof(why), a->log) == OG_OK)
		return;
	lock.event = "notify";
	lock.result = "failure";
	lock.reason = "lockout";
	lock.detail = why;
	og_audit_emit(a->audit, &lock, 0);
}

enum og_verdict og_attempt_failed(struct og_attempt *a, const char *reason)
{
	struct og_lockout lk = { a->cfg->max_failures, a->cfg->lock_interval, a->cfg->lock_for };
	int newly = 0, r;

	r = og_store_login_fail(a->st, a->ev.user, &lk, og_attempt_outcome(a, "failure", reason),
				&a->locked_until, &newly);
	if (og_attempt_is_barred(r))
		return og_attempt_barred(a, r);
	og_audit_emit(a->audit, &a->ev, r == OG_OK);
	if (r != OG_OK) {
		og_logf(a->log, LOG_ERR, "user %.100s: failure not recorded: %s", a->ev.user,
			og_strerror(r));
		return OG_UNAVAIL;
	}
	if (!newly)
		return OG_DENY;
	locked_now(a, reason);
	return OG_DENY_LOCKED;
}

/* The token and step (or HOTP counter) code matches at a->ev.ts; its index or -1. */
static int match(struct og_attempt *a, const struct og_user_state *us, const struct og_key *master,
		 const char *code, int64_t *step, int64_t *drift)
{
	const struct og_code_reach reach = { a->cfg->window, a->cfg->max_drift,
					     a->cfg->hotp_look_ahead };
	int i = og_token_match(master, us->tokens, us->ntokens, a->ev.ts, &reach, code, step,
			       drift, a->log);

	if (i >= 0)
		og_logf(a->log, LOG_DEBUG, "user %.100s: %s token %.64s matches at %lld, drift %lld "
			"(was %lld), watermark %lld", a->ev.user,
			og_otp_kind_name(us->tokens[i].params.otp_kind), us->tokens[i].serial,
			(long long)*step, (long long)*drift, (long long)us->tokens[i].drift,
			(long long)us->tokens[i].last_step);
	return i;
}

enum og_verdict og_attempt_code(struct og_attempt *a, const struct og_user_state *us,
				struct og_key *master, const char *code)
{
	const struct og_token *t;
	int64_t step = 0, drift = 0;
	int i = match(a, us, master, code, &step, &drift), r;

	og_store_chain_key_from(a->st, master);	/* the audit entry needs it next */
	og_key_wipe(master);
	if (i < 0)
		return og_attempt_failed(a, "bad-code");
	t = &us->tokens[i];
	og_copy(a->token, sizeof(a->token), t->serial);
	if (step <= t->last_step)
		return og_attempt_failed(a, "replay");
	r = og_store_login_accept(a->st, t->id, step, drift, us->has_failures,
				  og_attempt_outcome(a, "success", "ok"));
	if (r == OG_ERR_REPLAY)
		return og_attempt_failed(a, "replay");
	if (og_attempt_is_barred(r))
		return og_attempt_barred(a, r);
	if (r != OG_OK) {
		og_logf(a->log, LOG_ERR, "user %.100s: watermark not stored: %s", a->ev.user,
			og_strerror(r));
		return og_attempt_refuse(a, "store-error", OG_UNAVAIL);
	}
	og_audit_emit(a->audit, &a->ev, 1);
	return OG_ALLOW;
}

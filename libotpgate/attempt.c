/* attempt.c: a code typed by a user, matched, claimed, counted and audited once for all. */
#include <stdio.h>
#include <string.h>

#include "attempt.h"
#include "err.h"
#include "lockout.h"
#include "token.h"
#include "util.h"

int og_attempt_standing(const struct og_user_state *us, int64_t t)
{
	struct og_standing s = { us->removed_at, 0, us->locked_until, us->failure_mode_until };

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

/* When the lock the store found at the claim ends, for what the user is told. */
static void lock_read_back(struct og_attempt *a)
{
	struct og_user_state us;

	if (og_store_user_state(a->st, a->ev.user, &us) == OG_OK)
		a->locked_until = us.locked_until;
	og_store_user_state_wipe(&us);
}

enum og_verdict og_attempt_barred(struct og_attempt *a, int r)
{
	const char *why = r == OG_ERR_LOCKED ? "locked" : "removed";

	og_logf(a->log, LOG_NOTICE, "user %.100s from %s: %s while at the prompt", a->ev.user,
		a->ev.source ? a->ev.source : "?", why);
	if (r == OG_ERR_LOCKED)
		lock_read_back(a);
	return og_attempt_refuse(a, why, r == OG_ERR_LOCKED ? OG_DENY_LOCKED : OG_DENY);
}

/* A lock, or failure mode, that this failure began (result "locked" or
 * "failure-mode", ending at until): audited, and lockout.notify started
 * for kind ("lockout", "failure-mode"). */
static void began(struct og_attempt *a, const char *reason, const char *result,
		  const char *kind, int64_t until)
{
	struct og_audit_event ev = a->ev;
	char end[32];

	snprintf(end, sizeof(end), "%lld", until == INT64_MAX ? -1LL : (long long)until);
	ev.event = "lockout";
	ev.result = result;
	ev.reason = reason;
	ev.detail = until == INT64_MAX ? "until unlocked by an admin" : end;
	og_audit_emit(a->audit, &ev, 0);
	og_audit_notify(a->audit, &ev, kind, a->ev.source, end);
}

/* One failure counted (og_store_login_fail), and what it began. */
static enum og_verdict count(struct og_attempt *a, const char *reason, const char *token_id,
			     int64_t step)
{
	const struct og_config *c = a->cfg;
	struct og_lockout lk = { c->max_failures, c->lock_interval, c->lock_for, c->lock_step_up };
	struct og_fail f = { .replay_token = token_id, .replay_step = step };
	int r;

	r = og_store_login_fail(a->st, a->ev.user, &lk, og_attempt_outcome(a, "failure", reason), &f);
	if (og_attempt_is_barred(r))
		return og_attempt_barred(a, r);
	og_audit_emit(a->audit, &a->ev, r == OG_OK);
	if (r != OG_OK) {
		og_logf(a->log, LOG_ERR, "user %.100s: failure not recorded: %s", a->ev.user,
			og_strerror(r));
		return OG_UNAVAIL;
	}
	a->locked_until = f.locked_until;
	a->failure_mode_until = f.failure_mode_until;
	if (f.counted == OG_COUNT_LOCKED) {
		began(a, reason, "locked", "lockout", f.locked_until);
		return OG_DENY_LOCKED;
	}
	if (f.counted == OG_COUNT_FAILURE_MODE)
		began(a, reason, "failure-mode", "failure-mode", f.failure_mode_until);
	return OG_DENY;
}

enum og_verdict og_attempt_failed(struct og_attempt *a, const char *reason)
{
	return count(a, reason, NULL, -1);
}

enum og_verdict og_attempt_replayed(struct og_attempt *a, const char *token_id, int64_t step)
{
	return count(a, "replay", token_id, step);
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

/* Failure mode: the code of token i at step was right; it is spent, and
 * the next one must follow. */
static enum og_verdict ask_next(struct og_attempt *a, const struct og_user_state *us, int i,
				int64_t step, int64_t drift)
{
	int r = og_store_step_spend(a->st, us->tokens[i].id, step);

	if (r == OG_ERR_REPLAY)
		return og_attempt_replayed(a, us->tokens[i].id, step);
	if (r != OG_OK) {
		og_logf(a->log, LOG_ERR, "user %.100s: watermark not stored: %s", a->ev.user,
			og_strerror(r));
		return og_attempt_refuse(a, "store-error", OG_UNAVAIL);
	}
	og_logf(a->log, LOG_NOTICE, "user %.100s from %s: in failure mode, a right code; asking"
		" for the next one", a->ev.user, a->ev.source ? a->ev.source : "?");
	a->next_token = i;
	a->next_after = step;
	a->next_drift = drift;
	a->failure_mode_until = us->failure_mode_until;
	a->reason = "failure-mode";
	return OG_NEXT_CODE;
}

/* The step claimed, with the outcome's entry: OG_ALLOW, or why not. */
static enum og_verdict claimed(struct og_attempt *a, const struct og_token *t, int64_t step,
			       int r)
{
	if (r == OG_ERR_REPLAY)
		return og_attempt_replayed(a, t->id, step);
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
		return og_attempt_replayed(a, t->id, step);
	if (og_attempt_standing(us, a->ev.ts) == OG_ERR_FAILURE_MODE)
		return ask_next(a, us, i, step, drift);
	r = og_store_login_accept(a->st, a->ev.user, t->id, step, drift, 0,
				  og_attempt_outcome(a, "success", "ok"));
	if (r == OG_ERR_FAILURE_MODE)	/* it began while the login waited */
		return ask_next(a, us, i, step, drift);
	return claimed(a, t, step, r);
}

enum og_verdict og_attempt_next(struct og_attempt *a, const struct og_user_state *us,
				struct og_key *master, const char *code)
{
	const struct og_token *t;
	int64_t step = 0;
	int r = OG_ERR_INVALID;

	if (a->next_token >= 0 && a->next_token < us->ntokens) {
		t = &us->tokens[a->next_token];
		r = og_token_next_ok(master, t, a->next_after, a->ev.ts, a->cfg->window,
				     a->next_drift, code, &step, a->log);
		og_copy(a->token, sizeof(a->token), t->serial);
	}
	og_store_chain_key_from(a->st, master);
	og_key_wipe(master);
	if (r != OG_OK)
		return og_attempt_failed(a, "bad-next-code");
	t = &us->tokens[a->next_token];
	r = og_store_login_accept(a->st, a->ev.user, t->id, step, a->next_drift, 1,
				  og_attempt_outcome(a, "success", "failure-mode-passed"));
	return claimed(a, t, step, r);
}

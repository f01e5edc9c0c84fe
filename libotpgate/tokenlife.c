/* tokenlife.c: confirm, resync and assign: a token's life after enrolment. */
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>

#include "err.h"
#include "otp.h"
#include "tokenlife.h"
#include "util.h"

#define MAX_LISTED (OG_MAX_TOKENS * 4)	/* a user's tokens in any state */

struct tokens {
	struct og_token v[MAX_LISTED];
	int n;
};

static int collect(void *arg, const struct og_token *t)
{
	struct tokens *ts = arg;

	if (ts->n < MAX_LISTED)
		ts->v[ts->n++] = *t;
	return 0;
}

/* A user's tokens, in the caller's buffer (wiped by the caller). */
static int tokens_of(struct og_store *st, const char *user, struct tokens **out)
{
	struct tokens *ts = calloc(1, sizeof(*ts));

	*out = ts;
	return ts == NULL ? OG_ERR_NOMEM : og_store_token_list(st, user, collect, ts);
}

static void tokens_free(struct tokens *ts)
{
	og_freezero(ts, sizeof(*ts));
}

/* 1 if code is exactly as many ASCII digits as t shows. */
static int code_fits(const struct og_token *t, const char *code)
{
	size_t n = strspn(code, "0123456789");

	return code[n] == '\0' && n == (size_t)t->params.digits;
}

static void result(struct og_token_result *out, enum og_token_outcome o,
		   const struct og_token *t)
{
	out->outcome = o;
	out->token = *t;
}

int og_token_confirm(struct og_store *st, const struct og_config *cfg, const struct og_key *master,
		     const char *user, const char *code, int64_t now, struct og_token_result *out,
		     const struct og_log *log)
{
	const struct og_code_reach reach = { cfg->window, cfg->max_drift, cfg->hotp_look_ahead };
	struct tokens *ts = NULL;
	int64_t step, drift;
	int r;

	memset(out, 0, sizeof(*out));
	out->outcome = OG_TOKEN_NONE;
	if ((r = tokens_of(st, user, &ts)) != OG_OK)
		goto out;
	for (int i = 0; i < ts->n && out->outcome != OG_TOKEN_DONE; i++) {
		const struct og_token *t = &ts->v[i];
		if (t->state != OG_TOKEN_PENDING || t->created <= now - cfg->enrol_pending_for)
			continue;
		if (!code_fits(t, code)) {
			result(out, OG_TOKEN_BAD_CODE, t);
			break;
		}
		result(out, OG_TOKEN_NO_MATCH, t);
		/* a spent code (an HOTP token imported with a counter) confirms nothing */
		if (og_token_match(master, t, 1, now, &reach, code, &step, &drift, log) == 0 &&
		    step > t->last_step && og_store_token_activate(st, t->id, step, drift) == OG_OK)
			out->outcome = OG_TOKEN_DONE;
	}
out:
	tokens_free(ts);
	return r;
}

/*
 * The step (or counter) s, from to to, where code1 is s's code and code2
 * is s+1's, for the token's secret; -1 when none, -2 when several.
 */
static int64_t find_pair(const unsigned char *secret, size_t len, const struct og_otp_params *p,
			 int64_t from, int64_t to, const char *code1, const char *code2)
{
	int64_t found = -1;
	char a[9], b[9];

	if (og_otp_format(secret, len, p, from, a) != OG_OK)
		return -1;
	for (int64_t s = from; s <= to; s++) {
		if (og_otp_format(secret, len, p, s + 1, b) != OG_OK)
			break;
		if (og_ct_equal(a, code1, (size_t)p->digits) && og_ct_equal(b, code2, (size_t)p->digits))
			found = found == -1 ? s : -2;
		memcpy(a, b, sizeof(a));
	}
	OPENSSL_cleanse(a, sizeof(a));
	OPENSSL_cleanse(b, sizeof(b));
	return found;
}

/*
 * Where two consecutive codes are looked for: a TOTP token's steps within
 * OG_RESYNC_SPAN of now; an HOTP token's counters after its watermark,
 * both codes within hotp.resync_window of it (never a spent one).
 */
static void pair_range(const struct og_config *cfg, const struct og_token *t, int64_t now_step,
		       int64_t *from, int64_t *to)
{
	int64_t span = OG_RESYNC_SPAN / t->params.period;

	if (t->params.otp_kind == OG_OTP_HOTP) {
		*from = t->last_step + 1;
		*to = t->last_step + cfg->hotp_resync_window - 1;
	} else {
		*from = now_step - span;
		*to = now_step + span;
	}
}

/*
 * Where code1 and code2 put token t: OG_TOKEN_DONE (stored, and t as it
 * is now), or why not. A TOTP token's drift is measured; an HOTP token's
 * counter is set after the codes, its drift kept.
 */
static enum og_token_outcome resync_one(struct og_store *st, const struct og_config *cfg,
					const struct og_key *master, struct og_token *t,
					const char *code1, const char *code2, int64_t now,
					int64_t *drift)
{
	unsigned char secret[OG_SECRET_MAX];
	int64_t now_step = og_totp_step(&t->params, now), s, from, to;
	size_t len;

	/* an HOTP watermark no token can have (a tampered row) is never searched from */
	if ((t->params.otp_kind == OG_OTP_HOTP && !og_hotp_counter_ok(t->last_step + 1)) ||
	    og_token_secret(master, t, secret, &len) != OG_OK)
		return OG_TOKEN_NO_MATCH;
	pair_range(cfg, t, now_step, &from, &to);
	s = find_pair(secret, len, &t->params, from, to, code1, code2);
	OPENSSL_cleanse(secret, sizeof(secret));
	if (s == -2)
		return OG_TOKEN_AMBIGUOUS;
	if (s < 0)
		return OG_TOKEN_NO_MATCH;
	*drift = t->params.otp_kind == OG_OTP_HOTP ? t->drift : s + 1 - now_step;
	/* a drift past the bound is never stored: logins would not honour it */
	if (og_drift_bound(*drift, cfg->max_drift) != *drift)
		return OG_TOKEN_TOO_FAR;
	if (og_store_token_resync(st, t->id, *drift, s + 1) != OG_OK)
		return OG_TOKEN_NO_MATCH;
	t->drift = *drift;
	t->last_step = t->last_step > s + 1 ? t->last_step : s + 1;
	return OG_TOKEN_DONE;
}

int og_token_resync(struct og_store *st, const struct og_config *cfg, const struct og_key *master,
		    const char *user, const char *code1, const char *code2, int64_t now,
		    struct og_token_result *out)
{
	struct tokens *ts = NULL;
	enum og_token_outcome o;
	int r;

	memset(out, 0, sizeof(*out));
	out->outcome = OG_TOKEN_NONE;
	if ((r = tokens_of(st, user, &ts)) != OG_OK)
		goto out;
	for (int i = 0; i < ts->n; i++) {
		struct og_token *t = &ts->v[i];
		if (t->state != OG_TOKEN_ACTIVE)
			continue;
		o = !code_fits(t, code1) || !code_fits(t, code2) ? OG_TOKEN_BAD_CODE
			: resync_one(st, cfg, master, t, code1, code2, now, &out->drift);
		if (o != OG_TOKEN_NO_MATCH || out->outcome == OG_TOKEN_NONE)
			result(out, o, t);
		if (o != OG_TOKEN_NO_MATCH)
			break;
	}
out:
	tokens_free(ts);
	return r;
}

/* Seals stock token t's secret again, for user under org's data key. */
static int reseal(struct og_store *st, const struct og_key *master, struct og_token *t,
		  const char *user, const char *org, int64_t now)
{
	unsigned char secret[OG_SECRET_MAX];
	struct og_key dek = { 0 };
	size_t len;
	int r;

	if ((r = og_token_secret(master, t, secret, &len)) == OG_OK &&
	    (r = og_token_dek(st, master, org, now, t->dek_id, &dek)) == OG_OK &&
	    (r = og_copy(t->user, sizeof(t->user), user)) == OG_OK) {
		t->sealed_len = len + OG_SEAL_OVERHEAD;
		r = og_secret_seal(&dek, t->id, t->user, secret, len, t->sealed);
	}
	og_key_wipe(&dek);
	OPENSSL_cleanse(secret, sizeof(secret));
	return r;
}

int og_token_assign(struct og_store *st, const struct og_key *master, const char *serial,
		    const char *user, int64_t now)
{
	struct og_user_state us;
	struct og_token t;
	char org[OG_ORG_MAX + 1] = "";
	int r;

	if ((r = og_store_token_get(st, serial, &t)) != OG_OK || t.state != OG_TOKEN_STOCK) {
		OPENSSL_cleanse(&t, sizeof(t));
		return r == OG_OK || r == OG_ERR_NOTFOUND ? OG_ERR_NOTFOUND : r;
	}
	if (og_store_user_state(st, user, &us) == OG_OK && us.known)
		og_copy(org, sizeof(org), us.org);
	og_store_user_state_wipe(&us);
	if ((r = og_store_begin(st)) == OG_OK &&
	    (r = og_store_user_ensure(st, user, org, now)) == OG_OK &&
	    (r = reseal(st, master, &t, user, org, now)) == OG_OK &&
	    (r = og_store_token_assign(st, &t)) == OG_OK)
		r = og_store_commit(st);
	if (r != OG_OK)
		og_store_rollback(st);
	OPENSSL_cleanse(&t, sizeof(t));
	return r;
}

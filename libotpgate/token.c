/* token.c: new tokens and their secrets under per-organisation data keys. */
#include <stdio.h>
#include <string.h>
#include <openssl/crypto.h>

#include "err.h"
#include "store.h"
#include "token.h"
#include "util.h"

/* org's data key as stored: unwrapped into dek. */
static int dek_stored(struct og_store *st, const struct og_key *master, const char *org,
		      char id[OG_ID_LEN + 1], struct og_key *dek)
{
	unsigned char wrapped[OG_WRAPPED_DEK_LEN];
	int r = og_store_dek_get(st, org, id, wrapped);

	return r == OG_OK ? og_dek_unwrap(master, id, org, wrapped, sizeof(wrapped), dek) : r;
}

/*
 * Logins make data keys too (a user enrolling with an invitation), so two
 * may make an organisation's first one at once: the one stored first is
 * the key, and whoever finds theirs refused as a duplicate takes it.
 */
int og_token_dek(struct og_store *st, const struct og_key *master, const char *org,
		 int64_t now, char id[OG_ID_LEN + 1], struct og_key *dek)
{
	unsigned char wrapped[OG_WRAPPED_DEK_LEN];
	int64_t removed;
	int r = og_store_org_removed(st, org, &removed);

	if (r != OG_OK)
		return r;
	if (removed)
		return OG_ERR_GONE;	/* no new secrets for an organisation on its way out */
	if ((r = dek_stored(st, master, org, id, dek)) != OG_ERR_NOTFOUND)
		return r;
	if ((r = og_random_id(id)) != OG_OK || (r = og_key_generate(dek)) != OG_OK ||
	    (r = og_dek_wrap(master, id, org, dek, wrapped)) != OG_OK ||
	    (r = og_store_dek_add(st, org, id, wrapped, now)) != OG_OK)
		og_key_wipe(dek);
	if (r == OG_ERR_EXISTS)
		r = dek_stored(st, master, org, id, dek);
	return r;
}

int og_token_build(const struct og_key *dek, const char *dek_id, const char *user,
		   const char *serial, const char *kind, const unsigned char *secret,
		   size_t len, const struct og_otp_params *p, int64_t now, struct og_token *t)
{
	unsigned char rnd[6];
	char hex[13];
	int r;

	memset(t, 0, sizeof(*t));
	if (len == 0 || len > OG_SECRET_MAX || strlen(user) >= sizeof(t->user) ||
	    (serial != NULL && strlen(serial) >= sizeof(t->serial)))
		return OG_ERR_INVALID;
	if ((r = og_random_id(t->id)) != OG_OK)
		return r;
	if (serial == NULL) {
		if ((r = og_random(rnd, sizeof(rnd))) != OG_OK)
			return r;
		og_hex_encode(rnd, sizeof(rnd), hex);
		snprintf(t->serial, sizeof(t->serial), "v-%s", hex);
	} else {
		snprintf(t->serial, sizeof(t->serial), "%s", serial);
	}
	snprintf(t->user, sizeof(t->user), "%s", user);
	snprintf(t->kind, sizeof(t->kind), "%s", kind);
	snprintf(t->dek_id, sizeof(t->dek_id), "%s", dek_id);
	t->state = OG_TOKEN_ACTIVE;
	t->params = *p;
	t->last_step = -1;
	t->created = now;
	t->sealed_len = len + OG_SEAL_OVERHEAD;
	return og_secret_seal(dek, t->id, t->user, secret, len, t->sealed);
}

void og_token_start(struct og_token *t, int64_t drift, int64_t counter)
{
	if (t->params.otp_kind == OG_OTP_HOTP) {
		t->drift = 0;
		t->last_step = counter - 1;
	} else {
		t->drift = drift;
	}
}

int64_t og_token_counter(const struct og_token *t)
{
	return t->last_step + 1;
}

int og_token_secret(const struct og_key *master, const struct og_token *t,
		    unsigned char *secret, size_t *len)
{
	struct og_key dek = { 0 };
	int r;

	*len = 0;
	if (t->sealed_len <= OG_SEAL_OVERHEAD || t->sealed_len > OG_SEALED_SECRET_MAX)
		return OG_ERR_CRYPTO;
	if ((r = og_dek_unwrap(master, t->dek_id, t->dek_org, t->wrapped_dek,
			       sizeof(t->wrapped_dek), &dek)) != OG_OK)
		return r;
	r = og_secret_open(&dek, t->id, t->user, t->sealed, t->sealed_len, secret);
	og_key_wipe(&dek);
	if (r == OG_OK)
		*len = t->sealed_len - OG_SEAL_OVERHEAD;
	return r;
}

int og_token_match_secret(const struct og_token *t, const unsigned char *secret, size_t len,
			  int64_t now, const struct og_code_reach *reach, const char *code,
			  int64_t *step, int64_t *drift)
{
	int64_t now_step, center;

	if (t->params.otp_kind == OG_OTP_HOTP) {
		*drift = t->drift;
		return og_hotp_verify(secret, len, &t->params, t->last_step, reach->look_ahead, code,
				      step);
	}
	now_step = og_totp_step(&t->params, now);
	center = now_step + og_drift_bound(t->drift, reach->max_drift);
	if (og_otp_verify(secret, len, &t->params, center, reach->window, code, step) != OG_OK)
		return OG_ERR_INVALID;
	*drift = og_drift_bound(*step - now_step, reach->max_drift);
	return OG_OK;
}

int og_token_match(const struct og_key *master, const struct og_token *tokens, int n,
		   int64_t now, const struct og_code_reach *reach, const char *code,
		   int64_t *step, int64_t *drift, const struct og_log *log)
{
	unsigned char secret[OG_SECRET_MAX];
	size_t len;
	int found = -1;

	for (int i = 0; i < n && found < 0; i++) {
		const struct og_token *t = &tokens[i];
		if (og_token_secret(master, t, secret, &len) != OG_OK) {
			og_logf(log, LOG_ERR, "token %.64s of %.100s: secret cannot be decrypted "
				"(wrong master key or tampered row)", t->serial, t->user);
			continue;
		}
		if (og_token_match_secret(t, secret, len, now, reach, code, step, drift) == OG_OK)
			found = i;
		OPENSSL_cleanse(secret, sizeof(secret));
	}
	return found;
}

int og_token_next_ok(const struct og_key *master, const struct og_token *t, int64_t after,
		     int64_t now, int window, int64_t drift, const char *code, int64_t *next,
		     const struct og_log *log)
{
	unsigned char secret[OG_SECRET_MAX];
	int64_t center = og_totp_step(&t->params, now) + drift, step = after + 1, matched = 0;
	size_t len;
	int r;

	if (og_token_secret(master, t, secret, &len) != OG_OK) {
		og_logf(log, LOG_ERR, "token %.64s of %.100s: secret cannot be decrypted "
			"(wrong master key or tampered row)", t->serial, t->user);
		return OG_ERR_CRYPTO;
	}
	/* exactly the code of the next step (or counter), whenever it is typed */
	r = og_otp_verify(secret, len, &t->params, step, 0, code, &matched);
	OPENSSL_cleanse(secret, sizeof(secret));
	if (r != OG_OK || (t->params.otp_kind == OG_OTP_HOTP && !og_hotp_counter_ok(step)))
		return OG_ERR_INVALID;
	/* a time step must be due too */
	if (t->params.otp_kind == OG_OTP_TOTP && (step < center - window || step > center + window))
		return OG_ERR_INVALID;
	*next = step;
	return OG_OK;
}

static const char *const state_names[] = { "active", "pending", "revoked", "stock" };
#define NSTATES (int)(sizeof(state_names) / sizeof(state_names[0]))

const char *og_token_state_name(enum og_token_state s)
{
	return (int)s >= 0 && (int)s < NSTATES ? state_names[s] : "?";
}

int og_token_state_parse(const char *s, enum og_token_state *out)
{
	int i = og_name_find(state_names, NSTATES, s);

	if (i < 0)
		return OG_ERR_INVALID;
	*out = (enum og_token_state)i;
	return OG_OK;
}

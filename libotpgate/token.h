/* token.h: a token, its secret sealed under its organisation's data key. */
#ifndef OTPGATE_TOKEN_H
#define OTPGATE_TOKEN_H

#include <stddef.h>
#include <stdint.h>
#include "bounds.h"
#include "crypto.h"
#include "log.h"
#include "otp.h"

struct og_store;

#define OG_SEALED_SECRET_MAX (OG_SECRET_MAX + OG_SEAL_OVERHEAD)
#define OG_WRAPPED_DEK_LEN (OG_KEY_LEN + OG_SEAL_OVERHEAD)

enum og_token_state { OG_TOKEN_ACTIVE, OG_TOKEN_PENDING, OG_TOKEN_REVOKED, OG_TOKEN_STOCK };

struct og_token {
	char id[OG_ID_LEN + 1];
	char serial[OG_SERIAL_MAX + 1];
	char user[OG_USER_MAX + 1];
	char kind[OG_KEYWORD_MAX + 1];	/* "virtual" or "hardware" */
	enum og_token_state state;
	struct og_otp_params params;	/* params.otp_kind: TOTP or HOTP */
	int64_t drift;			/* TOTP: steps added to the current step */
	int64_t last_step;		/* replay watermark: the last step (TOTP) or counter
					 * (HOTP) accepted; -1 when never used */
	int64_t created;
	int64_t last_used;
	unsigned char sealed[OG_SEALED_SECRET_MAX];
	size_t sealed_len;
	char dek_id[OG_ID_LEN + 1];
	unsigned char wrapped_dek[OG_WRAPPED_DEK_LEN];
	char dek_org[OG_ORG_MAX + 1];
};

const char *og_token_state_name(enum og_token_state s);
int og_token_state_parse(const char *s, enum og_token_state *out);

/*
 * Returns the data key of org, creating, wrapping and storing a new one
 * when the org has none. OG_ERR_GONE for a removed organisation. The
 * caller wipes dek.
 */
int og_token_dek(struct og_store *st, const struct og_key *master, const char *org,
		 int64_t now, char id[OG_ID_LEN + 1], struct og_key *dek);

/*
 * Fills t for a new active token of user with secret sealed under dek.
 * serial NULL: one is generated ("v-" and 12 hex digits).
 */
int og_token_build(const struct og_key *dek, const char *dek_id, const char *user,
		   const char *serial, const char *kind, const unsigned char *secret,
		   size_t len, const struct og_otp_params *p, int64_t now, struct og_token *t);

/*
 * Where a new token starts: a TOTP token with drift steps learnt (a
 * vendor's TimeDrift); an HOTP token at counter, the moving factor of the
 * next code it shows (RFC 4226's C, as a PSKC Counter, an otpauth URI's
 * counter= and a CSV file's counter column give it), so its watermark is
 * counter - 1. counter must be og_hotp_counter_ok.
 */
void og_token_start(struct og_token *t, int64_t drift, int64_t counter);

/* An HOTP token's counter in that sense: the next code the store expects
 * is this counter's (its watermark + 1). */
int64_t og_token_counter(const struct og_token *t);

/* Unwraps t's data key and opens its secret (secret: OG_SECRET_MAX bytes). */
int og_token_secret(const struct og_key *master, const struct og_token *t,
		    unsigned char *secret, size_t *len);

/* How far from where a token should be its code is looked for: the
 * configuration's totp.window, totp.max_drift and hotp.look_ahead. */
struct og_code_reach {
	int window;
	int max_drift;
	int look_ahead;
};

/*
 * Finds which of the n tokens shows code at now. A TOTP token is checked
 * within reach->window steps of its own step plus its drift, that drift
 * held to +-max_drift (og_drift_bound): the matching step comes with the
 * drift it implies, held to +-max_drift too, so a token's drift never
 * moves past the bound, and a code is never accepted further than
 * max_drift + window steps from now. An HOTP token is checked at the
 * reach->look_ahead counters after its watermark (og_hotp_verify: a code
 * of a spent counter matches as that counter), its drift kept. Returns the
 * token's index with the step (or counter) and drift, or -1. A token whose
 * secret cannot be opened (wrong master key, tampered row) is logged and
 * skipped. A step at or below the token's watermark is a replay.
 */
int og_token_match(const struct og_key *master, const struct og_token *tokens, int n,
		   int64_t now, const struct og_code_reach *reach, const char *code,
		   int64_t *step, int64_t *drift, const struct og_log *log);

/*
 * Failure mode's additional check: whether code is the one t shows next
 * after `after`, the step (an HOTP token's counter) a code of t has just
 * matched at: the code of after + 1. For a TOTP token, only while that
 * step is within window steps of now around drift (the drift that match
 * implied, bounded): the user waits for the device to show it. An HOTP
 * token shows it at the next press, whenever that is. Compared in constant
 * time; the secret is opened with master and wiped. OG_OK with *next set
 * to the step (counter) to claim, OG_ERR_INVALID for any other code,
 * OG_ERR_CRYPTO when the secret cannot be opened (logged).
 */
int og_token_next_ok(const struct og_key *master, const struct og_token *t, int64_t after,
		     int64_t now, int window, int64_t drift, const char *code, int64_t *next,
		     const struct og_log *log);

/* The same for one token t whose secret is at hand (a new one, not yet
 * sealed away): OG_OK with the step (or counter) and drift, or
 * OG_ERR_INVALID. */
int og_token_match_secret(const struct og_token *t, const unsigned char *secret, size_t len,
			  int64_t now, const struct og_code_reach *reach, const char *code,
			  int64_t *step, int64_t *drift);

#endif

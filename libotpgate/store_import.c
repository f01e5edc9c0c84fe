/*
 * store_import.c: tokens imported in bulk (og_store_tokens_import), written
 * once for every backend. A batch of tokens goes in as three batches of
 * statements, each one round trip where the backend pipelines, not three
 * round trips a token: the users, made when new; the organisation of the
 * users who were there before; then the new users' audit pseudonyms and
 * the tokens. The first token (in order) that cannot go in is named.
 */
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>

#include "err.h"
#include "store_backend.h"
#include "util.h"

/* The statements of a batch and their values; read back row by row. */
struct bulk {
	struct og_call calls[2 * OG_IMPORT_BATCH];
	int row[2 * OG_IMPORT_BATCH];		/* the token each call is for */
	struct og_value v[2 * OG_IMPORT_BATCH][OG_TOKEN_VALUES];
	int added[OG_IMPORT_BATCH];		/* its user was made by this batch */
	char org[OG_IMPORT_BATCH][OG_ORG_MAX + 1];	/* a user's, when already there */
	unsigned char salt[OG_IMPORT_BATCH][OG_SUBJECT_SALT];
	char pseudonym[OG_IMPORT_BATCH][OG_SUBJECT_LEN + 1];
	int n;
};

static void call(struct bulk *b, int row, enum og_q q, int nv, og_row_fn fn, void *arg)
{
	b->calls[b->n] = (struct og_call){ .q = q, .v = b->v[b->n], .n = nv, .fn = fn, .arg = arg };
	b->row[b->n++] = row;
}

/* Runs the calls made so far; OG_OK, or the error with *bad the token of
 * the call that failed (unchanged: none of them) and *q that call's. */
static int run(struct og_store *st, struct bulk *b, int *bad, enum og_q *q)
{
	int r = b->n > 0 ? og_store_batch(st, b->calls, b->n, 0) : OG_OK;

	for (int i = 0; r != OG_OK && i < b->n; i++) {
		if (b->calls[i].failed) {
			*bad = b->row[i];
			*q = b->calls[i].q;
		}
	}
	return r;
}

/* Step 1: each token's user, made when new. */
static int add_users(struct og_store *st, struct bulk *b, const struct og_token *t, int n,
		     int64_t now, int *bad)
{
	enum og_q q;
	int r;

	b->n = 0;
	for (int i = 0; i < n; i++) {
		if (t[i].user[0] == '\0')
			continue;
		b->v[b->n][0] = og_v_text(t[i].user);
		b->v[b->n][1] = og_v_text(t[i].dek_org);
		b->v[b->n][2] = og_v_int(now);
		call(b, i, OG_Q_USER_INSERT, 3, NULL, NULL);
	}
	if ((r = run(st, b, bad, &q)) != OG_OK)
		return r;
	for (int i = 0; i < b->n; i++)
		b->added[b->row[i]] = b->calls[i].changed == 1;
	return OG_OK;
}

static int read_org(void *arg, const struct og_row *r)
{
	char *org = arg;

	if (og_row_str(r, 0, org, OG_ORG_MAX + 1) != OG_OK)
		org[0] = '\t';	/* matches no organisation */
	return 0;
}

/* Step 2: the first token whose user was there before, of another
 * organisation (n when none). */
static int other_org(struct og_store *st, struct bulk *b, const struct og_token *t, int n,
		     int *bad)
{
	enum og_q q;

	b->n = 0;
	for (int i = 0; i < n; i++) {
		if (t[i].user[0] == '\0' || b->added[i])
			continue;
		strcpy(b->org[i], "\t");
		b->v[b->n][0] = og_v_text(t[i].user);
		call(b, i, OG_Q_USER_ORG, 1, read_org, b->org[i]);
	}
	if (run(st, b, bad, &q) != OG_OK)
		return -1;
	for (int i = 0; i < b->n; i++) {
		if (strcmp(b->org[b->row[i]], t[b->row[i]].dek_org) != 0)
			return b->row[i];
	}
	return n;
}

/* Step 3: the new users' pseudonyms (when the chain key is at hand; else
 * a login makes them; their salts drawn at once: a draw costs more than
 * its bytes) and the first n tokens; *q the statement that failed. */
static int add_tokens(struct og_store *st, struct bulk *b, const struct og_token *t, int n,
		      int64_t now, int *bad, enum og_q *q)
{
	int r;

	if (st->chain_state == 1 && (r = og_random(&b->salt[0][0], sizeof(b->salt))) != OG_OK)
		return r;
	b->n = 0;
	for (int i = 0; i < n; i++) {
		if (b->added[i] && st->chain_state == 1) {
			if ((r = og_chain_subject_pseudonym(&st->chain, b->salt[i], t[i].user,
							    b->pseudonym[i])) != OG_OK)
				return r;
			b->v[b->n][0] = og_v_text(b->pseudonym[i]);
			b->v[b->n][1] = og_v_text(t[i].user);
			b->v[b->n][2] = og_v_blob(b->salt[i], OG_SUBJECT_SALT);
			b->v[b->n][3] = og_v_int(now);
			call(b, i, OG_Q_SUBJECT_ADD, 4, NULL, NULL);
		}
		og_token_values(&t[i], b->v[b->n]);
		call(b, i, OG_Q_TOKEN_ADD, OG_TOKEN_VALUES, NULL, NULL);
	}
	return run(st, b, bad, q);
}

int og_store_tokens_import(struct og_store *st, const struct og_token *t, int n, int64_t now,
			   int *bad, enum og_import_why *why)
{
	enum og_q q = OG_Q_COUNT;
	struct bulk *b;
	int m = n, r;

	*bad = -1;
	*why = OG_IMPORT_STORE;
	if (n < 0 || n > OG_IMPORT_BATCH)
		return OG_ERR_INVALID;
	if ((b = calloc(1, sizeof(*b))) == NULL)
		return OG_ERR_NOMEM;
	og_store_chain_key(st);
	if ((r = add_users(st, b, t, n, now, bad)) == OG_OK && (m = other_org(st, b, t, n, bad)) < 0)
		r = OG_ERR_STORE;
	if (r == OG_OK && (r = add_tokens(st, b, t, m, now, bad, &q)) == OG_ERR_EXISTS &&
	    q == OG_Q_TOKEN_ADD)
		*why = OG_IMPORT_SERIAL_TAKEN;
	if (r == OG_OK && m < n) {
		r = OG_ERR_EXISTS;
		*bad = m;
		*why = OG_IMPORT_OTHER_ORG;
	}
	OPENSSL_cleanse(b, sizeof(*b));
	free(b);
	return r;
}

/*
 * store_keys.c: the key registry read: a user's keys (or everyone's), one
 * by its fingerprint, a registry row. Its changes are in store_ops.c.
 * Nothing here needs libcrypto: the key reader lists keys through it.
 */
#include <string.h>

#include "err.h"
#include "store_backend.h"

/* Fills k from OG_KEY_COLS starting at column c. */
int og_row_key(const struct og_row *r, int c, struct og_access_key *k)
{
	char state[OG_KEYWORD_MAX + 1] = "";

	if (og_row_str(r, c + 0, k->id, sizeof(k->id)) != OG_OK ||
	    og_row_str(r, c + 1, k->user, sizeof(k->user)) != OG_OK ||
	    og_row_str(r, c + 2, k->org, sizeof(k->org)) != OG_OK ||
	    og_row_str(r, c + 3, k->type, sizeof(k->type)) != OG_OK ||
	    og_row_str(r, c + 4, k->pubkey, sizeof(k->pubkey)) != OG_OK ||
	    og_row_str(r, c + 5, k->fingerprint, sizeof(k->fingerprint)) != OG_OK ||
	    og_row_str(r, c + 6, k->origin, sizeof(k->origin)) != OG_OK ||
	    og_row_str(r, c + 7, state, sizeof(state)) != OG_OK ||
	    og_access_key_state_parse(state, &k->state) != OG_OK ||
	    og_row_str(r, c + 8, k->predecessor, sizeof(k->predecessor)) != OG_OK)
		return OG_ERR_STORE;
	k->created = r->rd->integer(r, c + 9);
	k->last_used = r->rd->integer(r, c + 10);
	k->not_after = r->rd->integer(r, c + 11);
	return OG_OK;
}

static int read_key(const struct og_row *r, struct og_access_key *k)
{
	return og_row_key(r, 0, k);
}

int og_store_keys_ready(struct og_store *st)
{
	return st->ops->keys_ready(st->be);
}

/* public keys: nothing to wipe */
OG_LISTING_PUBLIC(key, struct og_access_key, read_key)

int og_store_key_list(struct og_store *st, const char *user,
		      int (*cb)(void *arg, const struct og_access_key *k), void *arg)
{
	if (user == NULL)
		return og_list_key(st, OG_Q_KEYS_ALL, NULL, 0, cb, arg);
	return og_list_key(st, OG_Q_KEYS_OF, OG_VALUES(og_v_text(user)), cb, arg);
}

static int first_key(void *arg, const struct og_access_key *k)
{
	*(struct og_access_key *)arg = *k;
	return 1;
}

int og_store_key_by_fp(struct og_store *st, const char *fingerprint, struct og_access_key *out)
{
	int r;

	memset(out, 0, sizeof(*out));
	r = og_list_key(st, OG_Q_KEY_BY_FP, OG_VALUES(og_v_text(fingerprint)), first_key, out);
	return r == OG_OK && out->id[0] == '\0' ? OG_ERR_NOTFOUND : r;
}

/* accesskey.c: registered SSH access keys: counting, rotation rules,
 * registration (their states and validity: accesskey_valid.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "accesskey.h"
#include "config.h"
#include "err.h"
#include "sshkey.h"
#include "store.h"
#include "util.h"

size_t og_access_key_count_valid(const struct og_access_key *keys, size_t n, int64_t now)
{
	size_t valid = 0;

	for (size_t i = 0; i < n; i++) {
		if (og_access_key_valid(&keys[i], now))
			valid++;
	}
	return valid;
}

const struct og_access_key *og_access_key_current(const struct og_access_key *keys, size_t n,
						 int64_t now)
{
	for (size_t i = n; i-- > 0;) {
		if (keys[i].state == OG_ACCESS_KEY_ACTIVE && og_access_key_valid(&keys[i], now))
			return &keys[i];
	}
	return NULL;
}

int64_t og_access_key_grace_until(const struct og_access_key *k, int64_t now, int64_t grace)
{
	return k->not_after < now + grace ? k->not_after : now + grace;
}

/* A key past its not-after is expired and gets no successor, even if no
 * rotation fell within its grace; a valid current key past max_age is
 * replaced. */
enum og_rotation_step og_access_key_due(const struct og_access_key *k, int64_t now,
				       int64_t max_age)
{
	if ((k->state == OG_ACCESS_KEY_ACTIVE || k->state == OG_ACCESS_KEY_GRACE) && k->not_after <= now)
		return OG_ROTATE_EXPIRE;
	if (k->state == OG_ACCESS_KEY_ACTIVE && k->created <= now - max_age)
		return OG_ROTATE_REPLACE;
	return OG_ROTATE_KEEP;
}

int og_access_key_revoke(struct og_store *st, const struct og_access_key *k, int64_t now)
{
	if (!og_access_key_valid(k, now))
		return OG_ERR_NOTFOUND;
	return og_store_key_set_state(st, k->id, k->state, OG_ACCESS_KEY_REVOKED, now);
}

/* A user's keys, oldest first. */
struct keys {
	struct og_access_key *v;
	size_t n;
	int full;
};

static int collect(void *arg, const struct og_access_key *k)
{
	struct keys *ks = arg;
	struct og_access_key *v = realloc(ks->v, (ks->n + 1) * sizeof(*v));

	if (v == NULL)
		return ks->full = 1;
	v[ks->n++] = *k;
	ks->v = v;
	return 0;
}

int og_access_key_load(struct og_store *st, const char *user, struct og_access_key **v,
		       size_t *n)
{
	struct keys ks = { NULL, 0, 0 };
	int r = og_store_key_list(st, user, collect, &ks);

	if (r == OG_OK && ks.full)
		r = OG_ERR_NOMEM;
	if (r != OG_OK) {
		free(ks.v);
		ks.v = NULL;
		ks.n = 0;
	}
	*v = ks.v;
	*n = ks.n;
	return r;
}

/* The new record for key as user's current key, valid for max_age and grace. */
static int new_row(struct og_store *st, const struct og_config *cfg, const char *user,
		   const struct og_sshkey *key, const char *origin, int64_t now,
		   struct og_access_key *row)
{
	struct og_user_state us;

	if (og_copy(row->user, sizeof(row->user), user) != OG_OK ||
	    og_copy(row->type, sizeof(row->type), key->type) != OG_OK ||
	    og_copy(row->fingerprint, sizeof(row->fingerprint), key->fingerprint) != OG_OK ||
	    og_copy(row->origin, sizeof(row->origin), origin) != OG_OK ||
	    og_sshkey_format(key, row->pubkey, sizeof(row->pubkey)) != OG_OK)
		return OG_ERR_INVALID;
	if (og_store_user_state(st, user, &us) == OG_OK)
		og_copy(row->org, sizeof(row->org), us.org);
	og_store_user_state_wipe(&us);
	row->state = OG_ACCESS_KEY_ACTIVE;
	row->created = now;
	row->not_after = now + cfg->keys_max_age + cfg->keys_grace;
	return OG_OK;
}

/* Inside the registration's transaction: the keys read there (a concurrent
 * rotation is seen, not raced), the current one into grace, the new one in. */
static int register_in(struct og_store *st, const struct og_config *cfg, struct keys *ks,
		       const char *user, int64_t now, struct og_access_key *row)
{
	const struct og_access_key *cur;
	int r;

	if ((r = og_access_key_load(st, user, &ks->v, &ks->n)) != OG_OK)
		return r;
	if (og_access_key_count_valid(ks->v, ks->n, now) >= 2)
		return OG_ERR_FORBIDDEN;
	if ((cur = og_access_key_current(ks->v, ks->n, now)) != NULL) {
		og_copy(row->predecessor, sizeof(row->predecessor), cur->id);
		if ((r = og_store_key_set_state(st, cur->id, OG_ACCESS_KEY_ACTIVE, OG_ACCESS_KEY_GRACE,
						og_access_key_grace_until(cur, now, cfg->keys_grace)))
		    != OG_OK)
			return r;
	}
	if ((r = og_store_key_add(st, row)) != OG_OK)
		return r;
	return og_store_commit(st);
}

int og_access_key_register(struct og_store *st, const struct og_config *cfg, const char *id,
			   const char *user, const struct og_sshkey *key, const char *origin,
			   int64_t now, struct og_access_key *row)
{
	struct keys ks = { NULL, 0, 0 };
	int r;

	memset(row, 0, sizeof(*row));
	if (og_copy(row->id, sizeof(row->id), id) != OG_OK ||
	    new_row(st, cfg, user, key, origin, now, row) != OG_OK)
		return OG_ERR_INVALID;
	if ((r = og_store_keys_ready(st)) != OG_OK || (r = og_store_begin(st)) != OG_OK)
		return r;
	if ((r = register_in(st, cfg, &ks, user, now, row)) != OG_OK)
		og_store_rollback(st);
	free(ks.v);
	return r;
}

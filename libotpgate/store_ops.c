/*
 * store_ops.c: the store's day-to-day operations, written once: a login's
 * read of a user, users and organisations, admins, tokens and their data
 * keys, recovery codes, the key registry. Each binds its values to its
 * statements (store_sql.c) and reads rows back with store_rows.c.
 */
#include <string.h>
#include <openssl/crypto.h>

#include "err.h"
#include "store_backend.h"
#include "util.h"

/* Whether s can be stored and read back whole into a field of cap bytes:
 * the store takes no value it could not give back as it was. */
static int fits(const char *s, size_t cap)
{
	return s != NULL && strlen(s) < cap;
}

/* Runs q with v; OG_ERR_NOTFOUND unless it changed exactly one row. */
static int change_one(struct og_store *st, enum og_q q, const struct og_value *v, int n)
{
	int64_t changed = 0;
	int r = og_store_run(st, q, v, n, NULL, NULL, &changed);

	return r != OG_OK ? r : changed == 1 ? OG_OK : OG_ERR_NOTFOUND;
}

static int read_user_state(void *arg, const struct og_row *r)
{
	struct og_user_state *us = arg;

	us->known = 1;
	us->locked_until = r->rd->integer(r, 1);
	us->has_failures = r->rd->integer(r, 2) != 0;
	us->removed_at = r->rd->integer(r, 3);
	us->failure_mode_until = r->rd->integer(r, 4);
	us->npending = (int)r->rd->integer(r, 5);
	if (og_row_str(r, 0, us->org, sizeof(us->org)) != OG_OK)
		return us->known = -1;
	if (r->rd->is_null(r, 6) || us->ntokens == OG_MAX_TOKENS)
		return 0;
	return og_row_token(r, 6, &us->tokens[us->ntokens++]) == OG_OK ? 0 : (us->known = -1);
}

/* One statement: the user row and its tokens are seen together. */
int og_store_user_state(struct og_store *st, const char *user, struct og_user_state *out)
{
	int r;

	memset(out, 0, sizeof(*out));
	r = og_store_run(st, OG_Q_USER_STATE, OG_VALUES(og_v_text(user)), read_user_state, out, NULL);
	if (r == OG_OK && out->known < 0) {
		og_store_user_state_wipe(out);
		return og_store_malformed(st, OG_Q_USER_STATE);
	}
	return r;
}

int og_store_unlock(struct og_store *st, const char *user)
{
	return og_store_run(st, OG_Q_CLEAR_FAILURES, OG_VALUES(og_v_text(user)), NULL, NULL, NULL);
}

/* The organisation of a user row (USER_ORG), "" read as none. */
static int read_org(void *arg, const struct og_row *r)
{
	char *org = arg;

	if (og_row_str(r, 0, org, OG_ORG_MAX + 1) != OG_OK)
		org[0] = '\t';	/* matches no organisation */
	return 0;
}

/* A new user gets their audit pseudonym now, so that their first login
 * only reads it (when the master key is at hand; else that login makes it). */
int og_store_user_ensure(struct og_store *st, const char *user, const char *org, int64_t now)
{
	char have[OG_ORG_MAX + 1] = "\t";
	char pseudonym[OG_SUBJECT_LEN + 1];
	int64_t added = 0;
	int r;

	if (!fits(user, OG_USER_MAX + 1) || !fits(org, OG_ORG_MAX + 1))
		return OG_ERR_INVALID;
	og_store_chain_key(st);
	if ((r = og_store_run(st, OG_Q_USER_INSERT, OG_VALUES(og_v_text(user), og_v_text(org),
			      og_v_int(now)), NULL, NULL, &added)) != OG_OK)
		return r;
	if (added == 1)
		return st->chain_state == 1 ? og_store_subject_of(st, user, pseudonym) : OG_OK;
	if ((r = og_store_run(st, OG_Q_USER_ORG, OG_VALUES(og_v_text(user)), read_org, have,
			      NULL)) != OG_OK)
		return r;
	return strcmp(have, org) == 0 ? OG_OK : OG_ERR_EXISTS;
}

int og_store_user_remove(struct og_store *st, const char *user, int64_t now)
{
	if (now == 0)
		return change_one(st, OG_Q_USER_RESTORE, OG_VALUES(og_v_text(user)));
	return change_one(st, OG_Q_USER_REMOVE, OG_VALUES(og_v_text(user), og_v_int(now)));
}

static int read_int(void *arg, const struct og_row *r)
{
	*(int64_t *)arg = r->rd->integer(r, 0);
	return 0;
}

int og_store_org_removed(struct og_store *st, const char *org, int64_t *at)
{
	*at = 0;
	return og_store_run(st, OG_Q_ORG_REMOVED_AT, OG_VALUES(og_v_text(org)), read_int, at, NULL);
}

/* In one transaction: org marked removed at now, and its users with it. */
static int org_remove(struct og_store *st, const struct og_value v[2], int64_t *users)
{
	int64_t known = 0;
	struct og_call calls[] = {
		{ .q = OG_Q_ORG_KNOWN, .v = v, .n = 1, .fn = read_int, .arg = &known },
		{ .q = OG_Q_ORG_REMOVAL_ADD, .v = v, .n = 2 },
		{ .q = OG_Q_ORG_USERS_REMOVE, .v = v, .n = 2 },
	};
	int r = og_store_batch(st, calls, 3, 0);

	if (r == OG_OK && known == 0)
		r = OG_ERR_NOTFOUND;
	else if (r == OG_OK && calls[1].changed != 1)
		r = OG_ERR_EXISTS;
	*users = calls[2].changed;
	return r;
}

/* In one transaction: org's removal undone, with the users it took away. */
static int org_restore(struct og_store *st, const struct og_value v[1], int64_t *users)
{
	int64_t at = 0;
	struct og_call calls[] = {
		{ .q = OG_Q_ORG_REMOVED_AT, .v = v, .n = 1, .fn = read_int, .arg = &at },
		{ .q = OG_Q_ORG_USERS_RESTORE, .v = v, .n = 1 },
		{ .q = OG_Q_ORG_REMOVAL_DEL, .v = v, .n = 1 },
	};
	int r = og_store_batch(st, calls, 3, 0);

	if (r == OG_OK && at <= 0)
		r = OG_ERR_NOTFOUND;
	*users = calls[1].changed;
	return r;
}

int og_store_org_remove(struct og_store *st, const char *org, int64_t now, int64_t *users)
{
	const struct og_value v[2] = { og_v_text(org), og_v_int(now) };
	int r;

	*users = 0;
	if (!fits(org, OG_ORG_MAX + 1))
		return OG_ERR_INVALID;
	if ((r = st->ops->begin(st->be)) != OG_OK)
		return r;
	r = now > 0 ? org_remove(st, v, users) : org_restore(st, v, users);
	if (r != OG_OK)
		*users = 0;
	return og_store_finish(st, r);
}

static int read_purge_count(void *arg, const struct og_row *r)
{
	int64_t *n = arg;

	n[0] = r->rd->integer(r, 0);
	n[1] = r->rd->integer(r, 1);
	return 0;
}

#define PURGE_CALL(name, table, column) { .q = OG_Q_PURGE_##name, .v = &cut, .n = 1 },

/*
 * In one transaction: the rows of every user removed by before (each table
 * of OG_PERSON_TABLES), and of every organisation removed by then its
 * tokens, keys, admins and data key, so whatever copy of its sealed
 * secrets survives can never be opened again. The dialect then makes the
 * deleted bytes leave its files (OG_Q_PURGE_TIDY).
 */
int og_store_purge(struct og_store *st, int64_t before, int64_t *users, int64_t *orgs)
{
	const struct og_value cut = og_v_int(before);
	int64_t n[2] = { 0, 0 };
	struct og_call calls[] = {
		{ .q = OG_Q_PURGE_COUNT, .v = &cut, .n = 1, .fn = read_purge_count, .arg = n },
		OG_PERSON_TABLES(PURGE_CALL)
		{ .q = OG_Q_PURGE_ORG_TOKENS, .v = &cut, .n = 1 },
		{ .q = OG_Q_PURGE_ORG_KEYS, .v = &cut, .n = 1 },
		{ .q = OG_Q_PURGE_ORG_ADMINS, .v = &cut, .n = 1 },
		{ .q = OG_Q_PURGE_ORG_DEKS, .v = &cut, .n = 1 },
		{ .q = OG_Q_PURGE_ORG_REMOVALS, .v = &cut, .n = 1 },
	};
	int r;

	*users = *orgs = 0;
	if ((r = st->ops->keys_ready(st->be)) != OG_OK ||
	    (r = og_store_run(st, OG_Q_PURGE_PREPARE, NULL, 0, NULL, NULL, NULL)) != OG_OK ||
	    (r = st->ops->begin(st->be)) != OG_OK)
		return r;
	if ((r = og_store_batch(st, calls, (int)(sizeof(calls) / sizeof(calls[0])), 1)) != OG_OK) {
		st->ops->rollback(st->be);
		return r;
	}
	*users = n[0];
	*orgs = n[1];
	if (*orgs > 0 && (r = og_store_run(st, OG_Q_PURGE_TIDY, NULL, 0, NULL, NULL, NULL)) != OG_OK)
		return r;
	return og_store_run(st, OG_Q_PURGE_DONE, NULL, 0, NULL, NULL, NULL);
}

struct admin_out {
	char *role, *org;
	int found;
};

static int read_admin(void *arg, const struct og_row *r)
{
	struct admin_out *a = arg;

	a->found = og_row_str(r, 0, a->role, OG_KEYWORD_MAX + 1) == OG_OK &&
		   og_row_str(r, 1, a->org, OG_ORG_MAX + 1) == OG_OK ? 1 : -1;
	return 0;
}

int og_store_admin_get(struct og_store *st, const char *name, char role[OG_KEYWORD_MAX + 1],
		       char org[OG_ORG_MAX + 1])
{
	struct admin_out a = { role, org, 0 };
	int r = og_store_run(st, OG_Q_ADMIN_GET, OG_VALUES(og_v_text(name)), read_admin, &a, NULL);

	if (r != OG_OK)
		return r;
	if (a.found < 0)
		return og_store_malformed(st, OG_Q_ADMIN_GET);
	return a.found == 1 ? OG_OK : OG_ERR_NOTFOUND;
}

int og_store_admin_add(struct og_store *st, const char *name, const char *role, const char *org,
		       int64_t now)
{
	if (!fits(name, OG_ADMIN_MAX + 1) || !fits(role, OG_KEYWORD_MAX + 1) ||
	    !fits(org, OG_ORG_MAX + 1))
		return OG_ERR_INVALID;
	return og_store_run(st, OG_Q_ADMIN_ADD, OG_VALUES(og_v_text(name), og_v_text(role),
			    og_v_text(org), og_v_int(now)), NULL, NULL, NULL);
}

struct dek_out {
	char *id;
	unsigned char *wrapped;
	int found;
};

static int read_dek(void *arg, const struct og_row *r)
{
	struct dek_out *d = arg;
	size_t len = 0;

	d->found = og_row_str(r, 0, d->id, OG_ID_LEN + 1) == OG_OK &&
		   r->rd->blob(r, 1, d->wrapped, OG_WRAPPED_DEK_LEN, &len) == OG_OK &&
		   len == OG_WRAPPED_DEK_LEN ? 1 : -1;
	return 0;
}

int og_store_dek_get(struct og_store *st, const char *org, char id[OG_ID_LEN + 1],
		     unsigned char *wrapped)
{
	struct dek_out d = { id, wrapped, 0 };
	int r = og_store_run(st, OG_Q_DEK_GET, OG_VALUES(og_v_text(org)), read_dek, &d, NULL);

	if (r != OG_OK)
		return r;
	if (d.found < 0)
		return og_store_malformed(st, OG_Q_DEK_GET);
	return d.found == 1 ? OG_OK : OG_ERR_NOTFOUND;
}

int og_store_dek_add(struct og_store *st, const char *org, const char *id,
		     const unsigned char *wrapped, int64_t now)
{
	if (!fits(org, OG_ORG_MAX + 1) || !fits(id, OG_ID_LEN + 1))
		return OG_ERR_INVALID;
	return og_store_run(st, OG_Q_DEK_ADD, OG_VALUES(og_v_text(id), og_v_text(org),
			    og_v_blob(wrapped, OG_WRAPPED_DEK_LEN), og_v_int(now)), NULL, NULL, NULL);
}

/* Tokens read from the first column on. */
static int read_token(const struct og_row *r, struct og_token *t)
{
	return og_row_token(r, 0, t);
}

void og_token_values(const struct og_token *t, struct og_value v[OG_TOKEN_VALUES])
{
	const struct og_value all[OG_TOKEN_VALUES] = {
		og_v_text(t->id), og_v_text(t->serial), og_v_text(t->user[0] ? t->user : NULL),
		og_v_text(t->kind), og_v_text(og_token_state_name(t->state)),
		og_v_text(og_algo_name(t->params.algo)), og_v_int(t->params.digits),
		og_v_int(t->params.period), og_v_int(t->params.t0),
		og_v_blob(t->sealed, t->sealed_len), og_v_text(t->dek_id), og_v_int(t->drift),
		og_v_int(t->last_step), og_v_int(t->created), og_v_int(t->last_used),
		og_v_text(og_otp_kind_name(t->params.otp_kind)),
	};

	memcpy(v, all, sizeof(all));
}

int og_store_token_add(struct og_store *st, const struct og_token *t)
{
	struct og_value v[OG_TOKEN_VALUES];

	og_token_values(t, v);
	return og_store_run(st, OG_Q_TOKEN_ADD, v, OG_TOKEN_VALUES, NULL, NULL, NULL);
}

OG_LISTING(token, struct og_token, read_token)

/* The first token a listing gives. */
static int first_token(void *arg, const struct og_token *t)
{
	*(struct og_token *)arg = *t;
	return 1;
}

int og_store_token_get(struct og_store *st, const char *serial, struct og_token *out)
{
	int r;

	memset(out, 0, sizeof(*out));
	r = og_list_token(st, OG_Q_TOKEN_GET, OG_VALUES(og_v_text(serial)), first_token, out);
	return r == OG_OK && out->id[0] == '\0' ? OG_ERR_NOTFOUND : r;
}

int og_store_token_list(struct og_store *st, const char *user,
			int (*cb)(void *arg, const struct og_token *t), void *arg)
{
	if (user == NULL)
		return og_list_token(st, OG_Q_TOKENS_ALL, NULL, 0, cb, arg);
	return og_list_token(st, OG_Q_TOKENS_OF, OG_VALUES(og_v_text(user)), cb, arg);
}

int og_store_token_assign(struct og_store *st, const struct og_token *t)
{
	return change_one(st, OG_Q_TOKEN_ASSIGN, OG_VALUES(og_v_text(t->id), og_v_text(t->user),
			  og_v_blob(t->sealed, t->sealed_len), og_v_text(t->dek_id)));
}

int og_store_token_activate(struct og_store *st, const char *token_id, int64_t step,
			    int64_t drift)
{
	return change_one(st, OG_Q_TOKEN_ACTIVATE, OG_VALUES(og_v_text(token_id), og_v_int(step),
			  og_v_int(drift)));
}

int og_store_token_resync(struct og_store *st, const char *token_id, int64_t drift,
			  int64_t step)
{
	return change_one(st, OG_Q_TOKEN_RESYNC, OG_VALUES(og_v_text(token_id), og_v_int(drift),
			  og_v_int(step)));
}

int og_store_step_spend(struct og_store *st, const char *token_id, int64_t step)
{
	int r = change_one(st, OG_Q_SPEND_STEP, OG_VALUES(og_v_text(token_id), og_v_int(step)));

	return r == OG_ERR_NOTFOUND ? OG_ERR_REPLAY : r;
}

int og_store_token_revoke(struct og_store *st, const char *serial)
{
	return change_one(st, OG_Q_TOKEN_REVOKE, OG_VALUES(og_v_text(serial)));
}

int og_store_token_discard(struct og_store *st, const char *token_id)
{
	return change_one(st, OG_Q_TOKEN_DISCARD, OG_VALUES(og_v_text(token_id)));
}

/* In one transaction: user's codes replaced by set. */
int og_store_recovery_set(struct og_store *st, const char *user,
			  const struct og_recovery_set *set, int64_t now)
{
	struct og_value who = og_v_text(user), v[OG_RECOVERY_CODES][6];
	struct og_call calls[OG_RECOVERY_CODES + 1] = { { .q = OG_Q_RECOVERY_DEL, .v = &who, .n = 1 } };
	int n = 1, r;

	if (!fits(user, OG_USER_MAX + 1) || set->n < 0 || set->n > OG_RECOVERY_CODES)
		return OG_ERR_INVALID;
	for (int i = 0; i < set->n; i++, n++) {
		v[i][0] = who;
		v[i][1] = og_v_int(set->idx[i]);
		v[i][2] = og_v_blob(set->salt, OG_RECOVERY_SALT);
		v[i][3] = og_v_blob(set->hash[i], OG_RECOVERY_HASH);
		v[i][4] = og_v_int(0);
		v[i][5] = og_v_int(now);
		calls[n] = (struct og_call){ .q = OG_Q_RECOVERY_ADD, .v = v[i], .n = 6 };
	}
	if ((r = st->ops->begin(st->be)) != OG_OK)
		return r;
	if ((r = og_store_batch(st, calls, n, 1)) != OG_OK)
		st->ops->rollback(st->be);
	return r;
}

struct recovery_out {
	struct og_recovery_set *set;
	int bad;
};

static int read_recovery(void *arg, const struct og_row *r)
{
	struct recovery_out *o = arg;
	struct og_recovery_set *set = o->set;
	size_t ls = 0, lh = 0;
	int i;

	if (set->n == OG_RECOVERY_CODES)
		return 1;
	i = set->n++;
	set->idx[i] = (int)r->rd->integer(r, 0);
	set->used[i] = r->rd->integer(r, 3) != 0;
	o->bad = r->rd->blob(r, 1, set->salt, sizeof(set->salt), &ls) != OG_OK ||
		 r->rd->blob(r, 2, set->hash[i], sizeof(set->hash[i]), &lh) != OG_OK ||
		 ls != sizeof(set->salt) || lh != sizeof(set->hash[i]);
	return o->bad;
}

int og_store_recovery_get(struct og_store *st, const char *user, struct og_recovery_set *set)
{
	struct recovery_out o = { set, 0 };
	int r;

	memset(set, 0, sizeof(*set));
	r = og_store_run(st, OG_Q_RECOVERY_GET, OG_VALUES(og_v_text(user)), read_recovery, &o, NULL);
	if (r == OG_OK && o.bad) {
		OPENSSL_cleanse(set, sizeof(*set));
		return og_store_malformed(st, OG_Q_RECOVERY_GET);
	}
	return r;
}

int og_store_key_add(struct og_store *st, const struct og_access_key *k)
{
	return og_store_run(st, OG_Q_KEY_ADD, OG_VALUES(og_v_text(k->id), og_v_text(k->user),
			    og_v_text(k->org), og_v_text(k->type), og_v_text(k->pubkey),
			    og_v_text(k->fingerprint), og_v_text(k->origin),
			    og_v_text(og_access_key_state_name(k->state)), og_v_text(k->predecessor),
			    og_v_int(k->created), og_v_int(k->last_used), og_v_int(k->not_after)),
			    NULL, NULL, NULL);
}

int og_store_key_set_state(struct og_store *st, const char *id, enum og_access_key_state expect,
			   enum og_access_key_state state, int64_t not_after)
{
	return change_one(st, OG_Q_KEY_SET_STATE, OG_VALUES(og_v_text(id),
			  og_v_text(og_access_key_state_name(state)), og_v_int(not_after),
			  og_v_text(og_access_key_state_name(expect))));
}

int og_store_key_touch(struct og_store *st, const char *fingerprint, int64_t now)
{
	return og_store_run(st, OG_Q_KEY_TOUCH, OG_VALUES(og_v_text(fingerprint), og_v_int(now)),
			    NULL, NULL, NULL);
}

int og_store_begin(struct og_store *st)
{
	return st->ops->begin(st->be);
}

int og_store_commit(struct og_store *st)
{
	return st->ops->commit(st->be);
}

int og_store_rollback(struct og_store *st)
{
	return st->ops->rollback(st->be);
}

void og_store_user_state_wipe(struct og_user_state *us)
{
	OPENSSL_cleanse(us, sizeof(*us));
}

/* store.c: picks the backend and forwards; the only door to the state. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <openssl/crypto.h>

#include "err.h"
#include "fileio.h"
#include "store.h"
#include "util.h"

extern const struct og_store_ops og_store_sqlite_ops;

/* The bytes a row's field holds, its NUL included. */
#define CAP(type, field) sizeof(((type *)0)->field)

/*
 * Whether s can be stored and read back whole into a field of cap bytes.
 * The store takes no value it could not give back as it was: a longer one
 * would come back cut short, or not at all.
 */
static int fits(const char *s, size_t cap)
{
	return s != NULL && strlen(s) < cap;
}

#ifndef OTPGATE_PLUGIN_DIR
#define OTPGATE_PLUGIN_DIR "/usr/local/lib/otpgate"
#endif
#define PG_PLUGIN "otpgate-store-pg.so"

/* The directory of the object this code is linked into (module or program). */
static int own_dir(char *out, size_t cap)
{
	Dl_info info;
	const char *slash;

	if (dladdr((void *)own_dir, &info) == 0 || info.dli_fname == NULL ||
	    (slash = strrchr(info.dli_fname, '/')) == NULL || (size_t)(slash - info.dli_fname) >= cap)
		return -1;
	memcpy(out, info.dli_fname, (size_t)(slash - info.dli_fname));
	out[slash - info.dli_fname] = '\0';
	return 0;
}

/*
 * The PostgreSQL backend lives in a plugin, so that hosts on SQLite (and
 * every sshd connection there) never load libpq and its dependencies. It
 * is looked for beside the running module or program, then in the install
 * directory, and used only if root (or we) own it and nobody else can
 * write it. It stays loaded (RTLD_NODELETE): no state, only code.
 */
static const struct og_store_ops *load_pg_plugin(const struct og_log *log)
{
	char dirs[2][4096], path[8300];
	const struct og_store_ops *ops;
	void *h;
	int n = 0;

	if (own_dir(dirs[n], sizeof(dirs[0])) == 0)
		n++;
	snprintf(dirs[n++], sizeof(dirs[0]), "%s", OTPGATE_PLUGIN_DIR);
	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dirs[i], PG_PLUGIN);
		if (access(path, F_OK) != 0 || og_path_check(path, OG_FILE_CONFIG, log) != OG_OK)
			continue;
		if ((h = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE)) == NULL) {
			og_logf(log, LOG_ERR, "store backend postgresql: %s", dlerror());
			return NULL;
		}
		if ((ops = dlsym(h, "og_store_pg_ops")) == NULL)
			og_logf(log, LOG_ERR, "%s: not an otpgate store plugin", path);
		return ops;
	}
	og_logf(log, LOG_ERR, "store backend postgresql: %s not found beside the program or in %s "
		"(install it)", PG_PLUGIN, OTPGATE_PLUGIN_DIR);
	return NULL;
}

const char *og_store_plugin_dir(void)
{
	return OTPGATE_PLUGIN_DIR;
}

static const struct og_store_ops *find_backend(const char *name, const struct og_log *log)
{
	if (strcmp(name, og_store_sqlite_ops.name) == 0)
		return &og_store_sqlite_ops;
	if (strcmp(name, "postgresql") == 0)
		return load_pg_plugin(log);
	og_logf(log, LOG_ERR, "store backend '%.64s' is not built in", name);
	return NULL;
}

static int open_mode(const struct og_config *cfg, const struct og_log *log,
		     enum og_open_mode mode, struct og_store **out)
{
	const struct og_store_ops *ops = NULL;
	struct og_store *st;
	int r;

	*out = NULL;
	if ((ops = find_backend(cfg->store_backend, log)) == NULL)
		return OG_ERR_STORE;
	if ((st = calloc(1, sizeof(*st))) == NULL)
		return OG_ERR_NOMEM;
	st->ops = ops;
	st->log = log;
	if (cfg->master_key != NULL)
		og_copy(st->master_key, sizeof(st->master_key), cfg->master_key);
	if ((r = ops->open(cfg, log, mode, &st->be)) != OG_OK ||
	    (mode != OG_OPEN_INIT && (r = ops->check_schema(st->be)) != OG_OK)) {
		og_store_close(st);
		return r;
	}
	*out = st;
	return OG_OK;
}

int og_store_open(const struct og_config *cfg, const struct og_log *log, int for_init,
		  struct og_store **out)
{
	return open_mode(cfg, log, for_init ? OG_OPEN_INIT : OG_OPEN_NORMAL, out);
}

int og_store_open_registry(const struct og_config *cfg, const struct og_log *log,
			   struct og_store **out)
{
	return open_mode(cfg, log, OG_OPEN_REGISTRY, out);
}

void og_store_close(struct og_store *st)
{
	if (st == NULL)
		return;
	if (st->be != NULL)
		st->ops->close(st->be);
	OPENSSL_cleanse(&st->chain, sizeof(st->chain));
	free(st);
}

int og_store_check_schema(struct og_store *st)
{
	return st->ops->check_schema(st->be);
}

/* Records the outcome of deriving the chain key, and hands it to the backend. */
static void chain_set(struct og_store *st, int r)
{
	st->chain_state = r == OG_OK ? 1 : -1;
	if (st->chain_state == 1)
		st->ops->set_chain(st->be, &st->chain);
}

const struct og_chain_key *og_store_chain_key(struct og_store *st)
{
	if (st->chain_state == 0)
		chain_set(st, st->master_key[0] != '\0'
				      ? og_chain_key_load(st->master_key, &st->chain, st->log)
				      : OG_ERR_CONFIG);
	return st->chain_state == 1 ? &st->chain : NULL;
}

void og_store_chain_key_from(struct og_store *st, const struct og_key *master)
{
	if (st->chain_state == 0)
		chain_set(st, og_chain_key_derive(master, &st->chain));
}

/* Audit rows are sealed with the chain key: it must be loaded before one
 * is written; and they are stored in their clean form (see store.h). */
static int chain_for(struct og_store *st, const struct og_audit_event *ev,
		     struct og_audit_copy *clean)
{
	og_audit_clean(ev, clean);
	return ev->syslog_only || og_store_chain_key(st) != NULL ? OG_OK : OG_ERR_CRYPTO;
}

/* A store that has audit rows to seal (an upgrade) needs the chain key;
 * a new one has none, and init may run before the master key exists. */
int og_store_init(struct og_store *st)
{
	if (access(st->master_key, F_OK) == 0)
		og_store_chain_key(st);
	return st->ops->init(st->be);
}

int og_store_user_state(struct og_store *st, const char *user, struct og_user_state *out)
{
	memset(out, 0, sizeof(*out));
	return st->ops->user_state(st->be, user, out);
}

int og_store_login_accept(struct og_store *st, const char *token_id, int64_t step,
			  int64_t drift, int clear_failures, const struct og_audit_event *ev)
{
	struct og_audit_copy c;
	int r = chain_for(st, ev, &c);

	return r != OG_OK ? r : st->ops->login_accept(st->be, token_id, step, drift, clear_failures,
						      &c.ev);
}

int og_store_login_fail(struct og_store *st, const char *user, const struct og_lockout *lk,
			const struct og_audit_event *ev, int64_t *locked_until, int *newly)
{
	struct og_audit_copy c;
	int r = chain_for(st, ev, &c);

	*locked_until = 0;
	*newly = 0;
	if (user != NULL && !fits(user, CAP(struct og_failure_row, user)))
		return OG_ERR_INVALID;
	return r != OG_OK ? r : st->ops->login_fail(st->be, user, lk, &c.ev, locked_until, newly);
}

int og_store_audit_add(struct og_store *st, const struct og_audit_event *ev)
{
	struct og_audit_copy c;
	int r = chain_for(st, ev, &c);

	return r != OG_OK ? r : st->ops->audit_add(st->be, &c.ev);
}

int og_store_unlock(struct og_store *st, const char *user)
{
	return st->ops->unlock(st->be, user);
}

/* A new user gets their audit pseudonym now, so that their first login
 * only reads it (when the master key is at hand; else that login makes it). */
int og_store_user_ensure(struct og_store *st, const char *user, const char *org, int64_t now)
{
	if (!fits(user, CAP(struct og_user_row, name)) || !fits(org, CAP(struct og_user_row, org)))
		return OG_ERR_INVALID;
	og_store_chain_key(st);
	return st->ops->user_ensure(st->be, user, org, now);
}

int og_store_dek_get(struct og_store *st, const char *org, char id[OG_ID_LEN + 1],
		     unsigned char *wrapped)
{
	return st->ops->dek_get(st->be, org, id, wrapped);
}

int og_store_dek_add(struct og_store *st, const char *org, const char *id,
		     const unsigned char *wrapped, int64_t now)
{
	if (!fits(org, CAP(struct og_dek_row, org)) || !fits(id, CAP(struct og_dek_row, id)))
		return OG_ERR_INVALID;
	return st->ops->dek_add(st->be, org, id, wrapped, now);
}

int og_store_token_add(struct og_store *st, const struct og_token *t)
{
	return st->ops->token_add(st->be, t);
}

int og_store_user_remove(struct og_store *st, const char *user, int64_t now)
{
	return st->ops->user_remove(st->be, user, now);
}

int og_store_purge(struct og_store *st, int64_t before, int64_t *users, int64_t *orgs)
{
	*users = *orgs = 0;
	return st->ops->purge(st->be, before, users, orgs);
}

int og_store_org_remove(struct og_store *st, const char *org, int64_t now, int64_t *users)
{
	*users = 0;
	if (!fits(org, CAP(struct og_org_removal_row, org)))
		return OG_ERR_INVALID;
	return st->ops->org_remove(st->be, org, now, users);
}

int og_store_org_removed(struct og_store *st, const char *org, int64_t *at)
{
	*at = 0;
	return st->ops->org_removed(st->be, org, at);
}

int og_store_erase(struct og_store *st, const char *user, struct og_audit_event *ev,
		   char pseudonym[OG_SUBJECT_LEN + 1])
{
	struct og_audit_copy c;
	int r;

	pseudonym[0] = '\0';
	if (og_store_chain_key(st) == NULL)
		return OG_ERR_CRYPTO;
	og_audit_clean(ev, &c);
	r = st->ops->erase(st->be, user, &c.ev, pseudonym);
	/* what the backend set: no user, the pseudonym as detail */
	if (c.ev.user == NULL)
		ev->user = NULL;
	if (c.ev.detail == NULL || c.ev.detail == pseudonym)
		ev->detail = c.ev.detail;
	return r;
}
int og_store_admin_get(struct og_store *st, const char *name, char role[OG_KEYWORD_MAX + 1],
		       char org[OG_ORG_MAX + 1])
{
	return st->ops->admin_get(st->be, name, role, org);
}

int og_store_admin_add(struct og_store *st, const char *name, const char *role, const char *org,
		       int64_t now)
{
	if (!fits(name, CAP(struct og_admin_row, name)) || !fits(role, CAP(struct og_admin_row, role)) ||
	    !fits(org, CAP(struct og_admin_row, org)))
		return OG_ERR_INVALID;
	return st->ops->admin_add(st->be, name, role, org, now);
}

int og_store_token_get(struct og_store *st, const char *serial, struct og_token *out)
{
	memset(out, 0, sizeof(*out));
	return st->ops->token_get(st->be, serial, out);
}

int og_store_token_assign(struct og_store *st, const struct og_token *t)
{
	return st->ops->token_assign(st->be, t);
}

int og_store_token_activate(struct og_store *st, const char *token_id, int64_t step,
			    int64_t drift)
{
	return st->ops->token_activate(st->be, token_id, step, drift);
}

int og_store_token_resync(struct og_store *st, const char *token_id, int64_t drift,
			  int64_t step)
{
	return st->ops->token_resync(st->be, token_id, drift, step);
}

int og_store_token_revoke(struct og_store *st, const char *serial)
{
	return st->ops->token_revoke(st->be, serial);
}

int og_store_recovery_set(struct og_store *st, const char *user,
			  const struct og_recovery_set *set, int64_t now)
{
	if (!fits(user, CAP(struct og_recovery_row, user)))
		return OG_ERR_INVALID;
	return st->ops->recovery_set(st->be, user, set, now);
}

int og_store_recovery_get(struct og_store *st, const char *user, struct og_recovery_set *set)
{
	memset(set, 0, sizeof(*set));
	return st->ops->recovery_get(st->be, user, set);
}

int og_store_recovery_use(struct og_store *st, const char *user, int idx,
			  const struct og_audit_event *ev)
{
	struct og_audit_copy c;
	int r = chain_for(st, ev, &c);

	return r != OG_OK ? r : st->ops->recovery_use(st->be, user, idx, &c.ev);
}

int og_store_token_list(struct og_store *st, const char *user,
			int (*cb)(void *arg, const struct og_token *t), void *arg)
{
	return st->ops->token_list(st->be, user, cb, arg);
}

int og_store_user_list(struct og_store *st, int (*cb)(void *arg, const struct og_user_row *u),
		       void *arg)
{
	return st->ops->user_list(st->be, cb, arg);
}

int og_store_dek_list(struct og_store *st, int (*cb)(void *arg, const struct og_dek_row *d),
		      void *arg)
{
	return st->ops->dek_list(st->be, cb, arg);
}

int og_store_dek_put(struct og_store *st, const struct og_dek_row *d)
{
	return st->ops->dek_put(st->be, d);
}

int og_store_audit_list(struct og_store *st,
			int (*cb)(void *arg, const struct og_audit_row *row), void *arg)
{
	return st->ops->audit_list(st->be, cb, arg);
}

int og_store_subject_list(struct og_store *st,
			  int (*cb)(void *arg, const struct og_subject_row *s), void *arg)
{
	return st->ops->subject_list(st->be, cb, arg);
}

/* The counts include the key registry's: it is made ready first. */
int og_store_counts(struct og_store *st, struct og_store_counts *out)
{
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = og_store_keys_ready(st)) != OG_OK)
		return r;
	return st->ops->counts(st->be, out);
}

int og_store_keys_ready(struct og_store *st)
{
	return st->ops->keys_ready(st->be);
}

int og_store_key_add(struct og_store *st, const struct og_access_key *k)
{
	return st->ops->key_add(st->be, k);
}

int og_store_key_list(struct og_store *st, const char *user,
		      int (*cb)(void *arg, const struct og_access_key *k), void *arg)
{
	return st->ops->key_list(st->be, user, cb, arg);
}

int og_store_key_set_state(struct og_store *st, const char *id, enum og_key_state expect,
			   enum og_key_state state, int64_t not_after)
{
	return st->ops->key_set_state(st->be, id, expect, state, not_after);
}

int og_store_key_touch(struct og_store *st, const char *fingerprint, int64_t now)
{
	return st->ops->key_touch(st->be, fingerprint, now);
}

int og_store_key_by_fp(struct og_store *st, const char *fingerprint, struct og_access_key *out)
{
	memset(out, 0, sizeof(*out));
	return st->ops->key_by_fp(st->be, fingerprint, out);
}

int og_store_spool_mark(struct og_store *st, const char *id, int64_t now)
{
	if (!fits(id, CAP(struct og_spool_mark_row, id)))
		return OG_ERR_INVALID;
	return st->ops->spool_mark(st->be, id, now);
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

/* A row from another store is checked as if typed in: names, role, index. */
int og_store_user_put(struct og_store *st, const struct og_user_row *u)
{
	int r;

	if (!og_is_safe_name(u->name, OG_USER_MAX) || (u->org[0] && !og_is_safe_name(u->org, OG_ORG_MAX)))
		return OG_ERR_INVALID;
	if ((r = og_store_user_ensure(st, u->name, u->org, u->created)) != OG_OK || u->removed_at == 0)
		return r;
	return st->ops->user_removal_put(st->be, u->name, u->removed_at, u->removed_with_org != 0);
}

int og_store_admin_list(struct og_store *st, int (*cb)(void *arg, const struct og_admin_row *a),
			void *arg)
{
	return st->ops->admin_list(st->be, cb, arg);
}

int og_store_admin_put(struct og_store *st, const struct og_admin_row *a)
{
	if (strcmp(a->role, "superuser") != 0 && strcmp(a->role, "org-admin") != 0)
		return OG_ERR_INVALID;
	return st->ops->admin_add(st->be, a->name, a->role, a->org, a->created);
}

int og_store_recovery_list(struct og_store *st,
			   int (*cb)(void *arg, const struct og_recovery_row *r), void *arg)
{
	return st->ops->recovery_list(st->be, cb, arg);
}

int og_store_recovery_put(struct og_store *st, const struct og_recovery_row *r)
{
	if (r->idx < 0 || r->idx >= OG_RECOVERY_CODES || !og_is_safe_name(r->user, OG_USER_MAX))
		return OG_ERR_INVALID;
	return st->ops->recovery_put(st->be, r);
}

int og_store_failure_list(struct og_store *st,
			  int (*cb)(void *arg, const struct og_failure_row *f), void *arg)
{
	return st->ops->failure_list(st->be, cb, arg);
}

int og_store_failure_put(struct og_store *st, const struct og_failure_row *f)
{
	if (f->f.count < 0 || f->f.locked_until < 0 || !og_is_safe_name(f->user, OG_USER_MAX))
		return OG_ERR_INVALID;
	return st->ops->failure_put(st->be, f);
}

int og_store_org_removal_list(struct og_store *st,
			      int (*cb)(void *arg, const struct og_org_removal_row *o), void *arg)
{
	return st->ops->org_removal_list(st->be, cb, arg);
}

int og_store_org_removal_put(struct og_store *st, const struct og_org_removal_row *o)
{
	if (o->removed_at <= 0 || !og_is_safe_name(o->org, OG_ORG_MAX))
		return OG_ERR_INVALID;
	return st->ops->org_removal_put(st->be, o);
}

int og_store_spool_mark_list(struct og_store *st,
			     int (*cb)(void *arg, const struct og_spool_mark_row *m), void *arg)
{
	return st->ops->spool_mark_list(st->be, cb, arg);
}

int og_store_audit_head(struct og_store *st, struct og_audit_head *out)
{
	memset(out, 0, sizeof(*out));
	return st->ops->audit_head(st->be, out);
}

int og_store_audit_last(struct og_store *st, const char *reason,
			int (*cb)(void *arg, const struct og_audit_row *row), void *arg)
{
	return st->ops->audit_last(st->be, reason, cb, arg);
}

int og_store_token_count(struct og_store *st, enum og_token_state state, int64_t created_before,
			 int64_t *n)
{
	*n = 0;
	return st->ops->token_count(st->be, state, created_before, n);
}

int og_store_schema_version(const struct og_store *st)
{
	return st->ops->schema_version;
}

int og_store_probe(const struct og_config *cfg, const struct og_log *log, int *found, int *want)
{
	const struct og_store_ops *ops = find_backend(cfg->store_backend, log);
	void *be = NULL;
	int r;

	*found = *want = 0;
	if (ops == NULL)
		return OG_ERR_STORE;
	*want = ops->schema_version;
	if ((r = ops->open(cfg, log, OG_OPEN_NORMAL, &be)) == OG_OK)
		*found = ops->stored_version(be);
	if (be != NULL)
		ops->close(be);
	return r;
}

void og_user_state_wipe(struct og_user_state *us)
{
	OPENSSL_cleanse(us, sizeof(*us));
}

/*
 * store_list.c: the store read whole and written back row by row, for
 * migrate-store (store_copy.c) and for monitoring: every table's listing
 * and put, the audit trail, the counts. A row from another store is
 * checked as if typed in.
 */
#include <string.h>
#include <openssl/crypto.h>

#include "admin.h"
#include "cidr.h"
#include "err.h"
#include "store_backend.h"
#include "util.h"

static int read_user(const struct og_row *r, struct og_user_row *u)
{
	u->created = r->rd->integer(r, 2);
	u->removed_at = r->rd->integer(r, 3);
	u->removed_with_org = r->rd->integer(r, 4) != 0;
	return og_row_str(r, 0, u->name, sizeof(u->name)) == OG_OK &&
	       og_row_str(r, 1, u->org, sizeof(u->org)) == OG_OK ? OG_OK : OG_ERR_STORE;
}

OG_LISTING(user, struct og_user_row, read_user)

int og_store_user_list(struct og_store *st, int (*cb)(void *arg, const struct og_user_row *u),
		       void *arg)
{
	return og_list_user(st, OG_Q_USERS_ALL, NULL, 0, cb, arg);
}

/* A user as listed: the row (with its audit pseudonym, as a new user gets
 * one) and its removal, if any, with the same date and whether its
 * organisation's removal took it. */
int og_store_user_put(struct og_store *st, const struct og_user_row *u)
{
	int r;

	if (!og_is_safe_name(u->name, OG_USER_MAX) ||
	    (u->org[0] && !og_is_safe_name(u->org, OG_ORG_MAX)))
		return OG_ERR_INVALID;
	if ((r = og_store_user_ensure(st, u->name, u->org, u->created)) != OG_OK || u->removed_at == 0)
		return r;
	return og_store_run(st, OG_Q_USER_REMOVAL_PUT, OG_VALUES(og_v_text(u->name),
			    og_v_int(u->removed_at), og_v_int(u->removed_with_org != 0)), NULL, NULL,
			    NULL);
}

static int read_dek_row(const struct og_row *r, struct og_dek_row *d)
{
	size_t len = 0;

	d->created = r->rd->integer(r, 3);
	return og_row_str(r, 0, d->id, sizeof(d->id)) == OG_OK &&
	       og_row_str(r, 1, d->org, sizeof(d->org)) == OG_OK &&
	       r->rd->blob(r, 2, d->wrapped, sizeof(d->wrapped), &len) == OG_OK &&
	       len == sizeof(d->wrapped) ? OG_OK : OG_ERR_STORE;
}

OG_LISTING(dek_row, struct og_dek_row, read_dek_row)

int og_store_dek_list(struct og_store *st, int (*cb)(void *arg, const struct og_dek_row *d),
		      void *arg)
{
	return og_list_dek_row(st, OG_Q_DEKS_ALL, NULL, 0, cb, arg);
}

int og_store_dek_put(struct og_store *st, const struct og_dek_row *d)
{
	return og_store_dek_add(st, d->org, d->id, d->wrapped, d->created);
}

static int read_admin_row(const struct og_row *r, struct og_admin_row *a)
{
	a->created = r->rd->integer(r, 3);
	return og_row_str(r, 0, a->name, sizeof(a->name)) == OG_OK &&
	       og_row_str(r, 1, a->role, sizeof(a->role)) == OG_OK &&
	       og_row_str(r, 2, a->org, sizeof(a->org)) == OG_OK ? OG_OK : OG_ERR_STORE;
}

OG_LISTING(admin_row, struct og_admin_row, read_admin_row)

int og_store_admin_list(struct og_store *st, int (*cb)(void *arg, const struct og_admin_row *a),
			void *arg)
{
	return og_list_admin_row(st, OG_Q_ADMINS_ALL, NULL, 0, cb, arg);
}

int og_store_admin_put(struct og_store *st, const struct og_admin_row *a)
{
	if (!og_admin_role_known(a->role))
		return OG_ERR_INVALID;
	return og_store_admin_add(st, a->name, a->role, a->org, a->created);
}

static int read_recovery_row(const struct og_row *r, struct og_recovery_row *c)
{
	size_t ls = 0, lh = 0;

	c->idx = (int)r->rd->integer(r, 1);
	c->used = r->rd->integer(r, 4);
	c->created = r->rd->integer(r, 5);
	return og_row_str(r, 0, c->user, sizeof(c->user)) == OG_OK &&
	       r->rd->blob(r, 2, c->salt, sizeof(c->salt), &ls) == OG_OK &&
	       r->rd->blob(r, 3, c->hash, sizeof(c->hash), &lh) == OG_OK &&
	       ls == sizeof(c->salt) && lh == sizeof(c->hash) ? OG_OK : OG_ERR_STORE;
}

OG_LISTING(recovery_row, struct og_recovery_row, read_recovery_row)

int og_store_recovery_list(struct og_store *st,
			   int (*cb)(void *arg, const struct og_recovery_row *r), void *arg)
{
	return og_list_recovery_row(st, OG_Q_RECOVERY_ALL, NULL, 0, cb, arg);
}

int og_store_recovery_put(struct og_store *st, const struct og_recovery_row *c)
{
	if (c->idx < 0 || c->idx >= OG_RECOVERY_CODES || !og_is_safe_name(c->user, OG_USER_MAX))
		return OG_ERR_INVALID;
	return og_store_run(st, OG_Q_RECOVERY_ADD, OG_VALUES(og_v_text(c->user), og_v_int(c->idx),
			    og_v_blob(c->salt, sizeof(c->salt)), og_v_blob(c->hash, sizeof(c->hash)),
			    og_v_int(c->used), og_v_int(c->created)), NULL, NULL, NULL);
}

static int read_failure_row(const struct og_row *r, struct og_failure_row *f)
{
	og_row_failures(r, 1, &f->f);
	return og_row_str(r, 0, f->user, sizeof(f->user));
}

OG_LISTING(failure_row, struct og_failure_row, read_failure_row)

int og_store_failure_list(struct og_store *st,
			  int (*cb)(void *arg, const struct og_failure_row *f), void *arg)
{
	return og_list_failure_row(st, OG_Q_FAILURES_ALL, NULL, 0, cb, arg);
}

/* A failure record replaces the user's, as a login's count would. */
int og_store_failure_put(struct og_store *st, const struct og_failure_row *f)
{
	if (f->f.count < 0 || f->f.locked_until < 0 || f->f.failure_mode_until < 0 ||
	    f->f.replay_step < -1 || !og_is_safe_name(f->user, OG_USER_MAX))
		return OG_ERR_INVALID;
	return og_store_run(st, OG_Q_FAIL_PUT, OG_VALUES(og_v_text(f->user), og_v_int(f->f.count),
			    og_v_int(f->f.window_start), og_v_int(f->f.locked_until),
			    og_v_int(f->f.failure_mode_until), og_v_int(f->f.replay_step)), NULL, NULL,
			    NULL);
}

static int read_org_removal(const struct og_row *r, struct og_org_removal_row *o)
{
	o->removed_at = r->rd->integer(r, 1);
	return og_row_str(r, 0, o->org, sizeof(o->org));
}

OG_LISTING(org_removal, struct og_org_removal_row, read_org_removal)

int og_store_org_removal_list(struct og_store *st,
			      int (*cb)(void *arg, const struct og_org_removal_row *o), void *arg)
{
	return og_list_org_removal(st, OG_Q_ORG_REMOVALS_ALL, NULL, 0, cb, arg);
}

int og_store_org_removal_put(struct og_store *st, const struct og_org_removal_row *o)
{
	int64_t added = 0;
	int r;

	if (o->removed_at <= 0 || !og_is_safe_name(o->org, OG_ORG_MAX))
		return OG_ERR_INVALID;
	r = og_store_run(st, OG_Q_ORG_REMOVAL_ADD, OG_VALUES(og_v_text(o->org),
			 og_v_int(o->removed_at)), NULL, NULL, &added);
	return r == OG_OK && added != 1 ? OG_ERR_EXISTS : r;
}

/* Printable ASCII but space, '=' and '"': a service or tty as the
 * session phase stores it (og_audit_escape, OG_AUDIT_TOKEN), or "". */
static int token_text(const char *s, size_t cap)
{
	if (memchr(s, '\0', cap) == NULL)
		return 0;
	for (; *s != '\0'; s++)
		if (*s <= ' ' || *s > '~' || *s == '=' || *s == '"')
			return 0;
	return 1;
}

/* A numeric address as og_addr_format writes it, "local" or "unknown". */
static int source_shaped(const char *s, size_t cap)
{
	struct og_addr a;
	char again[OG_SOURCE_MAX + 1];

	if (memchr(s, '\0', cap) == NULL)
		return 0;
	if (strcmp(s, "local") == 0 || strcmp(s, "unknown") == 0)
		return 1;
	if (og_addr_parse(s, &a) != OG_OK)
		return 0;
	og_addr_format(&a, again, sizeof(again));
	return strcmp(s, again) == 0;
}

/*
 * A session of the shape the session phase records, whoever wrote it: its
 * values reach the user's terminal (the warning), an administrator's
 * (sessions, close), a notify program's arguments and the logs, and its
 * process is the one close signals. Also whole: nothing it holds was cut.
 */
static int session_ok(const struct og_session_row *s)
{
	return og_is_random_id(s->id) && og_is_safe_name(s->user, OG_USER_MAX) &&
	       source_shaped(s->source, sizeof(s->source)) &&
	       og_is_safe_name(s->host, OG_HOST_MAX) &&
	       token_text(s->service, sizeof(s->service)) && token_text(s->tty, sizeof(s->tty)) &&
	       memchr(s->boot_id, '\0', sizeof(s->boot_id)) &&
	       strspn(s->boot_id, "0123456789abcdef-") == strlen(s->boot_id) &&
	       s->pid >= 2 && s->pid <= INT32_MAX && s->pid_start >= 0;
}

static int read_session_row(const struct og_row *r, struct og_session_row *s)
{
	int rc = og_row_session(r, 0, s);

	return rc == OG_OK && !session_ok(s) ? OG_ERR_STORE : rc;
}

/* The whole listing also names each session's user's organisation. */
static int read_session_org(const struct og_row *r, struct og_session_row *s)
{
	int rc = read_session_row(r, s);

	if (rc == OG_OK && (rc = og_row_str(r, 10, s->org, sizeof(s->org))) == OG_OK &&
	    s->org[0] != '\0' && !og_is_safe_name(s->org, OG_ORG_MAX))
		rc = OG_ERR_STORE;
	return rc;
}

OG_LISTING(session, struct og_session_row, read_session_row)
OG_LISTING(session_org, struct og_session_row, read_session_org)

int og_store_session_list(struct og_store *st, const char *user,
			  int (*cb)(void *arg, const struct og_session_row *s), void *arg)
{
	if (user == NULL)
		return og_list_session_org(st, OG_Q_SESSIONS_ALL, NULL, 0, cb, arg);
	return og_list_session(st, OG_Q_SESSIONS_OF, OG_VALUES(og_v_text(user)), cb, arg);
}

int og_store_session_list_on(struct og_store *st, const char *host,
			     int (*cb)(void *arg, const struct og_session_row *s), void *arg)
{
	return og_list_session(st, OG_Q_SESSIONS_ON, OG_VALUES(og_v_text(host)), cb, arg);
}

static int first_session(void *arg, const struct og_session_row *s)
{
	*(struct og_session_row *)arg = *s;
	return 1;
}

int og_store_session_get(struct og_store *st, const char *id, struct og_session_row *out)
{
	int r;

	memset(out, 0, sizeof(*out));
	r = og_list_session(st, OG_Q_SESSION_GET, OG_VALUES(og_v_text(id)), first_session, out);
	return r == OG_OK && out->id[0] == '\0' ? OG_ERR_NOTFOUND : r;
}

int og_store_session_add(struct og_store *st, const struct og_session_row *s)
{
	if (!session_ok(s))
		return OG_ERR_INVALID;
	return og_store_run(st, OG_Q_SESSION_ADD, OG_VALUES(og_v_text(s->id), og_v_text(s->user),
			    og_v_text(s->source), og_v_text(s->host), og_v_text(s->service),
			    og_v_text(s->tty), og_v_int(s->pid), og_v_int(s->pid_start),
			    og_v_text(s->boot_id), og_v_int(s->started)), NULL, NULL, NULL);
}

int og_store_session_del(struct og_store *st, const char *id)
{
	int64_t gone = 0;
	int r = og_store_run(st, OG_Q_SESSION_DEL, OG_VALUES(og_v_text(id)), NULL, NULL, &gone);

	return r == OG_OK && gone != 1 ? OG_ERR_NOTFOUND : r;
}

static int read_spool_mark(const struct og_row *r, struct og_spool_mark_row *m)
{
	m->at = r->rd->integer(r, 1);
	return og_row_str(r, 0, m->id, sizeof(m->id));
}

OG_LISTING(spool_mark, struct og_spool_mark_row, read_spool_mark)

int og_store_spool_mark_list(struct og_store *st,
			     int (*cb)(void *arg, const struct og_spool_mark_row *m), void *arg)
{
	return og_list_spool_mark(st, OG_Q_SPOOL_MARKS_ALL, NULL, 0, cb, arg);
}

/* A duplicate id is a unique key taken: OG_ERR_EXISTS. */
int og_store_spool_mark(struct og_store *st, const char *id, int64_t now)
{
	if (id == NULL || strlen(id) >= sizeof(((struct og_spool_mark_row *)0)->id))
		return OG_ERR_INVALID;
	return og_store_run(st, OG_Q_SPOOL_MARK, OG_VALUES(og_v_text(id), og_v_int(now)), NULL, NULL,
			    NULL);
}

static int read_subject(const struct og_row *r, struct og_subject_row *s)
{
	size_t n = 0;

	s->name = r->rd->text(r, 1);
	s->salt_ok = r->rd->blob(r, 2, s->salt, sizeof(s->salt), &n) == OG_OK && n == sizeof(s->salt);
	return s->name != NULL ? og_row_str(r, 0, s->pseudonym, sizeof(s->pseudonym)) : OG_ERR_STORE;
}

OG_LISTING(subject, struct og_subject_row, read_subject)

int og_store_subject_list(struct og_store *st,
			  int (*cb)(void *arg, const struct og_subject_row *s), void *arg)
{
	return og_list_subject(st, OG_Q_SUBJECTS_ALL, NULL, 0, cb, arg);
}

/* Audit rows: their strings point into the backend's row, valid in cb. */
struct each_audit {
	int (*cb)(void *arg, const struct og_audit_row *row);
	void *arg;
};

static int each_audit(void *arg, const struct og_row *r)
{
	struct each_audit *e = arg;
	struct og_audit_buf b;

	og_row_audit(r, 0, &b);
	return e->cb(e->arg, &b.row);
}

int og_store_audit_list(struct og_store *st,
			int (*cb)(void *arg, const struct og_audit_row *row), void *arg)
{
	struct each_audit e = { cb, arg };

	return og_store_run(st, OG_Q_AUDIT_ALL, NULL, 0, each_audit, &e, NULL);
}

int og_store_audit_last(struct og_store *st, const char *reason,
			int (*cb)(void *arg, const struct og_audit_row *row), void *arg)
{
	struct each_audit e = { cb, arg };

	return og_store_run(st, OG_Q_AUDIT_LAST, OG_VALUES(og_v_text(reason)), each_audit, &e, NULL);
}

static int read_count(void *arg, const struct og_row *r)
{
	*(int64_t *)arg = r->rd->integer(r, 0);
	return 0;
}

static int read_head(void *arg, const struct og_row *r)
{
	struct og_audit_head *h = arg;
	size_t n = 0;

	h->entries = r->rd->integer(r, 0);
	h->last_id = r->rd->integer(r, 1);
	h->last_ts = r->rd->integer(r, 2);
	h->mac_ok = !r->rd->is_null(r, 3) && r->rd->blob(r, 3, h->mac, sizeof(h->mac), &n) == OG_OK &&
		    n == OG_CHAIN_LEN;
	return 0;
}

int og_store_audit_head(struct og_store *st, struct og_audit_head *out)
{
	memset(out, 0, sizeof(*out));
	return og_store_run(st, OG_Q_AUDIT_HEAD, NULL, 0, read_head, out, NULL);
}

int og_store_token_count(struct og_store *st, enum og_token_state state, int64_t created_before,
			 int64_t *n)
{
	*n = 0;
	return og_store_run(st, OG_Q_TOKEN_COUNT, OG_VALUES(og_v_text(og_token_state_name(state)),
			    og_v_int(created_before)), read_count, n, NULL);
}

static int read_counts(void *arg, const struct og_row *r)
{
	struct og_store_counts *c = arg;
	int64_t *v[] = { &c->users, &c->data_keys, &c->tokens, &c->audit, &c->admins,
			 &c->recovery_codes, &c->failures, &c->org_removals, &c->access_keys,
			 &c->spool_flushed, &c->sessions, &c->invitations };

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		*v[i] = r->rd->integer(r, (int)i);
	return 0;
}

/* The counts include the key registry's: it is made ready first. */
int og_store_counts(struct og_store *st, struct og_store_counts *out)
{
	memset(out, 0, sizeof(*out));
	return og_store_run(st, OG_Q_COUNTS, NULL, 0, read_counts, out, NULL);
}

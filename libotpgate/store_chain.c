/*
 * store_chain.c: the changes that end in an audit entry, written once for
 * every backend: a login's claim (a code's step, a recovery code), a
 * failure counted towards the lock, an entry appended to the chain, an
 * erasure; and the sealing of entries an older version wrote, with the
 * chain key (derived once per store opened) and at init.
 *
 * Each is one transaction of two batches: the change's statements with the
 * chain's lock and tail, then (once the core has decided on what they
 * read) the entry and the commit. A backend that pipelines sends each
 * batch in one round trip.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "store_backend.h"
#include "util.h"

/* The chain's newest end (OG_Q_CHAIN_TAIL), and the pseudonyms of an
 * entry's user and actor (OG_Q_SUBJECT_GET), "" where there is none yet. */
struct tail {
	int64_t id;
	unsigned char mac[OG_CHAIN_LEN];
	int mac_ok;
	char user[OG_SUBJECT_LEN + 1], actor[OG_SUBJECT_LEN + 1];
};

/* The newest entry; none read: the chain is empty (id 0, 32 zero bytes). */
static int read_tail(void *arg, const struct og_row *r)
{
	struct tail *t = arg;
	size_t n = 0;

	t->id = r->rd->integer(r, 0);
	t->mac_ok = !r->rd->is_null(r, 1) && r->rd->blob(r, 1, t->mac, OG_CHAIN_LEN, &n) == OG_OK &&
		    n == OG_CHAIN_LEN;
	return 0;
}

static int read_str(void *arg, const struct og_row *r)
{
	char *out = arg;

	if (og_row_str(r, 0, out, OG_SUBJECT_LEN + 1) != OG_OK)
		out[0] = '\0';
	return 0;
}

#define TAIL_CALLS 4	/* the most tail_calls() makes */

/*
 * The chain's lock and tail, and the pseudonyms of e's user and of its
 * actor when another, as calls at c (TAIL_CALLS of room; v: their
 * values). Returns how many.
 */
static int tail_calls(struct og_call *c, struct og_value v[2], const struct og_audit_event *e,
		      struct tail *t)
{
	int n = 0;

	memset(t, 0, sizeof(*t));
	t->mac_ok = 1;
	c[n++] = (struct og_call){ .q = OG_Q_CHAIN_LOCK };
	c[n++] = (struct og_call){ .q = OG_Q_CHAIN_TAIL, .fn = read_tail, .arg = t };
	v[0] = og_v_text(e->user);
	v[1] = og_v_text(e->actor);
	if (e->user != NULL)
		c[n++] = (struct og_call){ .q = OG_Q_SUBJECT_GET, .v = &v[0], .n = 1, .fn = read_str,
					   .arg = t->user };
	if (e->actor != NULL && (e->user == NULL || strcmp(e->user, e->actor) != 0))
		c[n++] = (struct og_call){ .q = OG_Q_SUBJECT_GET, .v = &v[1], .n = 1, .fn = read_str,
					   .arg = t->actor };
	return n;
}

/* The pseudonym naming name in the trail; a new subject the first time
 * (or the one another transaction made meanwhile). */
int og_store_subject_of(struct og_store *st, const char *name, char out[OG_SUBJECT_LEN + 1])
{
	unsigned char salt[OG_SUBJECT_SALT];
	int r;

	out[0] = '\0';
	if ((r = og_store_run(st, OG_Q_SUBJECT_GET, OG_VALUES(og_v_text(name)), read_str, out,
			      NULL)) != OG_OK || out[0] != '\0')
		return r;
	if ((r = og_chain_subject_new(&st->chain, name, salt, out)) != OG_OK ||
	    (r = og_store_run(st, OG_Q_SUBJECT_ADD, OG_VALUES(og_v_text(out), og_v_text(name),
			      og_v_blob(salt, sizeof(salt)), og_v_int((int64_t)time(NULL))), NULL, NULL,
			      NULL)) != OG_OK)
		return r;
	out[0] = '\0';
	r = og_store_run(st, OG_Q_SUBJECT_GET, OG_VALUES(og_v_text(name)), read_str, out, NULL);
	return r == OG_OK && out[0] == '\0' ? OG_ERR_STORE : r;
}

/*
 * With the tail read: e's user and actor become their pseudonyms (made
 * when new), and v the values of the entry, sealed after the tail.
 */
static int entry_values(struct og_store *st, struct og_audit_event *e, struct tail *t,
			struct og_value v[OG_AUDIT_FIELDS + 3])
{
	const char **f[OG_AUDIT_FIELDS];
	int r;

	if (st->chain_state != 1) {
		og_logf(st->log, LOG_ERR, "audit trail: no chain key (master key unreadable)");
		return OG_ERR_STORE;
	}
	if (!t->mac_ok) {
		og_logf(st->log, LOG_ERR, "audit trail: the newest entry is not sealed");
		return OG_ERR_STORE;
	}
	if (e->user != NULL && t->user[0] == '\0' &&
	    (r = og_store_subject_of(st, e->user, t->user)) != OG_OK)
		return r;
	if (e->actor != NULL && t->actor[0] == '\0' &&
	    (r = e->user && strcmp(e->user, e->actor) == 0 ? og_copy(t->actor, sizeof(t->actor), t->user)
							   : og_store_subject_of(st, e->actor, t->actor)) != OG_OK)
		return r;
	e->user = e->user ? t->user : NULL;
	e->actor = e->actor ? t->actor : NULL;
	e->host = e->host ? e->host : st->host;
	if ((r = og_chain_mac(&st->chain, t->mac, ++t->id, e, t->mac)) != OG_OK)
		return r;
	og_audit_fields(e, f);
	v[0] = og_v_int(e->ts);
	for (int i = 0; i < OG_AUDIT_FIELDS; i++)
		v[1 + i] = og_v_text(*f[i]);
	v[OG_AUDIT_FIELDS + 1] = og_v_int(t->id);
	v[OG_AUDIT_FIELDS + 2] = og_v_blob(t->mac, OG_CHAIN_LEN);
	return OG_OK;
}

/*
 * The second batch: the writes decided on the first (pre), the entry for
 * ev (unless it stays in syslog), then the commit when commit. The caller
 * rolls back on an error.
 */
static int append_after(struct og_store *st, const struct og_audit_event *ev, struct tail *t,
			struct og_call *pre, int npre, int commit)
{
	struct og_value v[OG_AUDIT_FIELDS + 3];
	struct og_audit_event e = *ev;
	struct og_call calls[3];
	int n = 0, r;

	for (int i = 0; i < npre; i++)
		calls[n++] = pre[i];
	if (!ev->syslog_only) {
		if ((r = entry_values(st, &e, t, v)) != OG_OK)
			return r;
		calls[n++] = (struct og_call){ .q = OG_Q_AUDIT_INSERT, .v = v, .n = OG_AUDIT_FIELDS + 3 };
	}
	return og_store_batch(st, calls, n, commit);
}

/* ev in its stored form (bounded, valid text: see store.h), and the chain
 * key it is sealed with loaded. */
static int clean(struct og_store *st, const struct og_audit_event *ev, struct og_audit_copy *c)
{
	og_audit_clean(ev, c);
	return ev->syslog_only || og_store_chain_key(st) != NULL ? OG_OK : OG_ERR_CRYPTO;
}

int og_store_audit_add(struct og_store *st, const struct og_audit_event *ev)
{
	struct og_audit_copy c;
	struct og_call calls[TAIL_CALLS];
	struct og_value v[2];
	struct tail t;
	int own, r;

	if ((r = clean(st, ev, &c)) != OG_OK || ev->syslog_only)
		return r;
	/* in the caller's transaction (a spool flush, a copy), or in one of its own */
	own = !st->ops->in_transaction(st->be);
	if (own && (r = st->ops->begin(st->be)) != OG_OK)
		return r;
	if ((r = og_store_batch(st, calls, tail_calls(calls, v, &c.ev, &t), 0)) == OG_OK)
		r = append_after(st, &c.ev, &t, NULL, 0, own);
	if (r != OG_OK && own)
		st->ops->rollback(st->be);
	return r;
}

/* What a claim reads of its user: what bars them (OG_STANDING_COLS). */
struct standing {
	struct og_standing s;
	int has_failures;
};

static int read_standing(void *arg, const struct og_row *r)
{
	struct standing *s = arg;

	og_row_standing(r, 0, &s->s, &s->has_failures);
	return 0;
}

/*
 * A claim, in one transaction: the user's row lock (lock), their standing
 * (standing, which decides first: OG_ERR_REMOVED, OG_ERR_LOCKED or, unless
 * checked, OG_ERR_FAILURE_MODE at ev->ts), the claim itself (q with v;
 * exactly one row or OG_ERR_REPLAY), what is written with it (also, or
 * none), the failures the standing found cleared (clear, or none: clearing
 * ends failure mode; the lock keeps others from counting one meanwhile),
 * and the entry. who names the user the claim is about, as lock, standing
 * and clear take it (the user's name, or a token's id). Unless all holds
 * nothing is changed or appended.
 */
struct claim {
	enum og_q lock, standing, q;
	const struct og_value *who;
	const struct og_value *v;
	int n;
	int checked;		/* it passed failure mode's additional check */
	const struct og_call *also;
	int clears;
	enum og_q clear;
};

static int claim(struct og_store *st, const struct claim *cl, const struct og_audit_event *ev)
{
	struct standing s = { { 0, 0, 0, 0 }, 0 };
	struct og_audit_copy c;
	struct og_value tv[2];
	struct tail t;
	struct og_call calls[4 + TAIL_CALLS] = {
		{ .q = cl->lock, .v = cl->who, .n = 1 },
		{ .q = cl->standing, .v = cl->who, .n = 1, .fn = read_standing, .arg = &s },
		{ .q = cl->q, .v = cl->v, .n = cl->n },
	}, wipe = { .q = cl->clear, .v = cl->who, .n = 1 };
	int ncalls = 3, r;

	if (cl->also != NULL)
		calls[ncalls++] = *cl->also;
	if ((r = clean(st, ev, &c)) != OG_OK || (r = st->ops->begin(st->be)) != OG_OK)
		return r;
	if (!ev->syslog_only)
		ncalls += tail_calls(calls + ncalls, tv, &c.ev, &t);
	if ((r = og_store_batch(st, calls, ncalls, 0)) == OG_OK &&
	    (r = og_lockout_standing(&s.s, ev->ts)) == OG_ERR_FAILURE_MODE && cl->checked)
		r = OG_OK;
	if (r == OG_OK)
		r = calls[2].changed == 1 ? OG_OK : OG_ERR_REPLAY;
	if (r == OG_OK)
		r = append_after(st, &c.ev, &t, &wipe, cl->clears && s.has_failures, 1);
	if (r != OG_OK)
		st->ops->rollback(st->be);
	return r;
}

int og_store_login_accept(struct og_store *st, const char *user, const char *token_id,
			  int64_t step, int64_t drift, int next_checked,
			  const struct og_audit_event *ev)
{
	const struct og_value v[] = { og_v_text(token_id), og_v_int(step), og_v_int(drift),
				      og_v_int(ev->ts), og_v_text(user) };
	const struct claim cl = { .lock = OG_Q_CLAIM_LOCK_USER, .standing = OG_Q_STANDING_OF_USER,
				  .q = OG_Q_CLAIM_STEP, .who = &v[4], .v = v, .n = 5,
				  .checked = next_checked != 0, .clears = 1,
				  .clear = OG_Q_CLEAR_FAILURES };

	return claim(st, &cl, ev);
}

int og_store_recovery_use(struct og_store *st, const char *user, int idx,
			  const struct og_audit_event *ev)
{
	const struct og_value v[] = { og_v_text(user), og_v_int(idx), og_v_int(ev->ts) };
	const struct claim cl = { .lock = OG_Q_CLAIM_LOCK_USER, .standing = OG_Q_STANDING_OF_USER,
				  .q = OG_Q_CLAIM_RECOVERY, .who = v, .v = v, .n = 3, .checked = 1,
				  .clears = 1, .clear = OG_Q_CLEAR_FAILURES };

	return claim(st, &cl, ev);
}

/*
 * The invitation and the token it makes go in together, or neither: the
 * user's failures stay until the new device's code confirms it. An
 * invitation code (about 99 bits) is, like a recovery code, failure
 * mode's additional check in itself.
 */
int og_store_invite_take(struct og_store *st, const char *user,
			 const unsigned char hash[OG_INVITE_HASH], const struct og_token *t,
			 const struct og_audit_event *ev)
{
	const struct og_value v[] = { og_v_text(user), og_v_blob(hash, OG_INVITE_HASH),
				      og_v_int(ev->ts), og_v_text(t->serial) };
	struct og_value tv[OG_TOKEN_VALUES];
	const struct og_call add = { .q = OG_Q_TOKEN_ADD, .v = tv, .n = OG_TOKEN_VALUES };
	const struct claim cl = { .lock = OG_Q_CLAIM_LOCK_USER, .standing = OG_Q_STANDING_OF_USER,
				  .q = OG_Q_INVITE_TAKE, .who = v, .v = v, .n = 4, .checked = 1,
				  .also = &add, .clears = 0, .clear = OG_Q_CLEAR_FAILURES };

	if (strcmp(t->user, user) != 0 || t->state != OG_TOKEN_PENDING)
		return OG_ERR_INVALID;
	og_token_values(t, tv);
	return claim(st, &cl, ev);
}

/* The token an invitation made, confirmed by its device's code after the
 * invitation was taken: checked as the invitation was. */
int og_store_enrol_activate(struct og_store *st, const char *token_id, int64_t step,
			    int64_t drift, const struct og_audit_event *ev)
{
	const struct og_value v[] = { og_v_text(token_id), og_v_int(step), og_v_int(drift) };
	const struct claim cl = { .lock = OG_Q_CLAIM_LOCK_TOKEN, .standing = OG_Q_STANDING_OF_TOKEN,
				  .q = OG_Q_TOKEN_ACTIVATE, .who = v, .v = v, .n = 3, .checked = 1,
				  .clears = 1, .clear = OG_Q_CLEAR_FAILURES_OF_TOKEN };

	return claim(st, &cl, ev);
}

/* A failure record as OG_Q_FAIL_GET reads it. */
struct failures {
	struct og_failures f;
	int exists;
};

static int read_failures(void *arg, const struct og_row *r)
{
	struct failures *fr = arg;

	fr->exists = 1;
	og_row_failures(r, 0, &fr->f);
	return 0;
}

/* The replayed token's watermark, read with the failure. */
static int read_watermark(void *arg, const struct og_row *r)
{
	*(int64_t *)arg = r->rd->integer(r, 0);
	return 0;
}

/* The failure counted in fr (its record, pv the values to write it back
 * with); -1 or the step the replay rule goes by: a replay of the token's
 * last accepted step. */
static struct og_call counted(struct failures *fr, struct og_value pv[6], struct og_value who,
			      const struct og_lockout *lk, int64_t now, int64_t replay_step,
			      struct og_fail *f)
{
	f->counted = og_lockout_count(&fr->f, fr->exists, now, lk, replay_step);
	f->locked_until = fr->f.locked_until;
	f->failure_mode_until = fr->f.failure_mode_until;
	if (f->counted == OG_COUNT_SKIPPED)
		return (struct og_call){ .q = OG_Q_FAIL_PUT, .n = 0 };
	pv[0] = who;
	pv[1] = og_v_int(fr->f.count);
	pv[2] = og_v_int(fr->f.window_start);
	pv[3] = og_v_int(fr->f.locked_until);
	pv[4] = og_v_int(fr->f.failure_mode_until);
	pv[5] = og_v_int(fr->f.replay_step);
	return (struct og_call){ .q = OG_Q_FAIL_PUT, .v = pv, .n = 6 };
}

/*
 * A failure is a claim too: in one transaction, the user's row lock and
 * standing (one locked or removed meanwhile is not counted; failure mode
 * does not bar it), their failure record and, for a replay, the token's
 * watermark read, the failure counted by og_lockout_count and written
 * back, and the entry (its detail OG_FAIL_NOT_COUNTED, unless it has one,
 * when the replay rule skipped it).
 */
static int count_failure(struct og_store *st, const char *user, const struct og_lockout *lk,
			 struct og_audit_event *ev, struct og_fail *f)
{
	struct standing s = { { 0, 0, 0, 0 }, 0 };
	struct failures fr = { { 0, 0, 0, 0, -1 }, 0 };
	struct og_value who = og_v_text(user), tok = og_v_text(f->replay_token), tv[2], pv[6];
	int64_t mark = -2;
	struct tail t;
	struct og_call put = { .q = OG_Q_FAIL_PUT }, calls[5 + TAIL_CALLS] = {
		{ .q = OG_Q_FAIL_LOCK_USER, .v = &who, .n = 1 },
		{ .q = OG_Q_STANDING_OF_USER, .v = &who, .n = 1, .fn = read_standing, .arg = &s },
		{ .q = OG_Q_FAIL_ENSURE, .v = &who, .n = 1 },
		{ .q = OG_Q_FAIL_GET, .v = &who, .n = 1, .fn = read_failures, .arg = &fr },
		{ .q = OG_Q_TOKEN_WATERMARK, .v = &tok, .n = 1, .fn = read_watermark, .arg = &mark },
	};
	int counting = lk->max_failures > 0, ncalls = counting ? 4 + (f->replay_token != NULL) : 2;
	int r;

	if ((r = st->ops->begin(st->be)) != OG_OK)
		return r;
	if (!ev->syslog_only)
		ncalls += tail_calls(calls + ncalls, tv, ev, &t);
	if ((r = og_store_batch(st, calls, ncalls, 0)) == OG_OK &&
	    (r = og_lockout_standing(&s.s, ev->ts)) == OG_ERR_FAILURE_MODE)
		r = OG_OK;
	if (r == OG_OK && counting)
		put = counted(&fr, pv, who, lk, ev->ts, mark == f->replay_step ? mark : -1, f);
	if (r == OG_OK && counting && f->counted == OG_COUNT_SKIPPED && ev->detail == NULL)
		ev->detail = OG_FAIL_NOT_COUNTED;
	if (r == OG_OK)
		r = append_after(st, ev, &t, &put, put.n > 0, 1);
	if (r != OG_OK)
		st->ops->rollback(st->be);
	return r;
}

int og_store_login_fail(struct og_store *st, const char *user, const struct og_lockout *lk,
			struct og_audit_event *ev, struct og_fail *f)
{
	struct og_audit_copy c;
	int r;

	f->counted = OG_COUNT_ONE;
	f->locked_until = f->failure_mode_until = 0;
	if (user != NULL && strlen(user) > OG_USER_MAX)
		return OG_ERR_INVALID;	/* it would not come back whole */
	if (user == NULL)
		return og_store_audit_add(st, ev);
	if ((r = clean(st, ev, &c)) != OG_OK)
		return r;
	if ((r = count_failure(st, user, lk, &c.ev, f)) == OG_OK && f->counted == OG_COUNT_SKIPPED &&
	    ev->detail == NULL)
		ev->detail = OG_FAIL_NOT_COUNTED;	/* what it recorded */
	return r;
}

/*
 * Erases a person in one transaction: the chain's lock and tail, their
 * pseudonym, the rows of every table holding their data (OG_PERSON_TABLES)
 * and their name mapping; then the erasure entry, stored even when
 * audit.store is off, as the chain could not be verified without it.
 */
#define ERASE_Q(name, table, column) OG_Q_ERASE_##name,

static int erase_rows(struct og_store *st, const char *user, struct og_audit_event *ev,
		      char pseudonym[OG_SUBJECT_LEN + 1])
{
	static const enum og_q erase[] = { OG_PERSON_TABLES(ERASE_Q) OG_Q_ERASE_SUBJECT };
	struct og_value who = og_v_text(user), tv[2];
	struct tail t;
	struct og_call calls[TAIL_CALLS + 1 + sizeof(erase) / sizeof(erase[0])];
	int n, r;

	ev->user = NULL;
	ev->syslog_only = 0;
	n = tail_calls(calls, tv, ev, &t);
	calls[n++] = (struct og_call){ .q = OG_Q_SUBJECT_GET, .v = &who, .n = 1, .fn = read_str,
				       .arg = pseudonym };
	for (size_t i = 0; i < sizeof(erase) / sizeof(erase[0]); i++)
		calls[n++] = (struct og_call){ .q = erase[i], .v = &who, .n = 1 };
	if ((r = og_store_batch(st, calls, n, 0)) != OG_OK)
		return r;
	if (calls[n - 2].changed == 0 && pseudonym[0] == '\0')
		return OG_ERR_NOTFOUND;	/* the store knows nothing of them */
	ev->detail = pseudonym[0] ? pseudonym : NULL;
	return pseudonym[0] ? append_after(st, ev, &t, NULL, 0, 1) : st->ops->commit(st->be);
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
	if ((r = st->ops->keys_ready(st->be)) != OG_OK || (r = st->ops->begin(st->be)) != OG_OK)
		return r;
	if ((r = erase_rows(st, user, &c.ev, pseudonym)) != OG_OK)
		st->ops->rollback(st->be);
	/* what it recorded: no user, the pseudonym as detail */
	ev->user = NULL;
	ev->detail = pseudonym[0] ? pseudonym : NULL;
	return r;
}

/* Seals one entry written before the trail was chained, after prev:
 * its names become pseudonyms, and it gets its mac. */
struct seal {
	struct og_store *st;
	unsigned char prev[OG_CHAIN_LEN];
	int r;
};

static int seal_row(void *arg, const struct og_row *row)
{
	struct seal *sl = arg;
	char ubuf[OG_SUBJECT_LEN + 1] = "", abuf[OG_SUBJECT_LEN + 1] = "";
	struct og_audit_event ev = { .ts = row->rd->integer(row, 1) };
	int64_t id = row->rd->integer(row, 0);
	const char **f[OG_AUDIT_FIELDS];

	if (sl->st->chain_state != 1) {
		og_logf(sl->st->log, LOG_ERR, "sealing the audit trail needs the master key");
		sl->r = OG_ERR_STORE;
		return 1;
	}
	og_audit_fields(&ev, f);
	for (int i = 0; i < OG_AUDIT_FIELDS; i++)
		*f[i] = row->rd->text(row, 2 + i);
	if ((ev.user && (sl->r = og_store_subject_of(sl->st, ev.user, ubuf)) != OG_OK) ||
	    (ev.actor && (sl->r = og_store_subject_of(sl->st, ev.actor, abuf)) != OG_OK))
		return 1;
	ev.user = ev.user ? ubuf : NULL;
	ev.actor = ev.actor ? abuf : NULL;
	if ((sl->r = og_chain_mac(&sl->st->chain, sl->prev, id, &ev, sl->prev)) != OG_OK)
		return 1;
	sl->r = og_store_run(sl->st, OG_Q_AUDIT_SEAL, OG_VALUES(og_v_int(id), og_v_text(ev.user),
			     og_v_text(ev.actor), og_v_blob(sl->prev, OG_CHAIN_LEN)), NULL, NULL, NULL);
	return sl->r != OG_OK;
}

/* Chains the entries an older version wrote (all of them come before any
 * sealed one), inside the backend's init transaction. */
int og_store_seal_old(struct og_store *st)
{
	struct seal sl = { st, { 0 }, OG_OK };
	int r;

	if ((r = og_store_run(st, OG_Q_CHAIN_LOCK, NULL, 0, NULL, NULL, NULL)) != OG_OK)
		return r;
	r = og_store_run(st, OG_Q_AUDIT_UNSEALED, NULL, 0, seal_row, &sl, NULL);
	return r != OG_OK ? r : sl.r;
}

/* The chain key, once derived (1) or failed (-1). */
static void chain_set(struct og_store *st, int r)
{
	st->chain_state = r == OG_OK ? 1 : -1;
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

/* A store that has audit rows to seal (an upgrade) needs the chain key;
 * a new one has none, and init may run before the master key exists. */
int og_store_init(struct og_store *st)
{
	if (access(st->master_key, F_OK) == 0)
		og_store_chain_key(st);
	return st->ops->init(st, og_store_seal_old);
}

/*
 * store_pg.c: the PostgreSQL dialect of the store, through libpq: the
 * fleet store, where several bastions share tokens, replay watermarks,
 * failure counts and locks, and the audit table. What it holds is only
 * what PostgreSQL does its own way: its SQL where the shared statements
 * (store_sql.c) will not do, its connection, and its round trips. A
 * batch of statements goes in one round trip (a pipeline, with the BEGIN
 * and the transaction's server timeouts before it and the COMMIT after),
 * so a login's claim and its audit entry take two. Every round trip (the connect too) is bounded by
 * store.timeout on this side: the connection is non-blocking and each
 * wait polls its socket for the time left, so neither a dead database nor
 * a silent network can hang sshd.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <libpq-fe.h>

#include "err.h"
#include "store_backend.h"
#include "util.h"

#define INIT_LOCK 7041661474	/* one init at a time */
#define AUDIT_LOCK 7041661475	/* one append to the audit chain at a time, fleet-wide */
#define MAX_PARAMS 20
#define MAX_BATCH 1024	/* calls in one batch (one round trip) */
#define STR(x) #x
#define XSTR(x) STR(x)

static const char schema_sql[] =
	"CREATE TABLE IF NOT EXISTS otpgate_meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	OG_SCHEMA_SQL("BIGINT", "BYTEA", "BOOLEAN", "false", "BIGSERIAL PRIMARY KEY", "",
		      "CREATE OR REPLACE VIEW")
	/* the key registry: the key reader's role is granted SELECT on this alone */
	OG_REGISTRY_SQL("BIGINT", "");

/* Columns older schemas lack, added before the view that reads them is made. */
static const char upgrade_sql[] =
	"ALTER TABLE IF EXISTS users ADD COLUMN IF NOT EXISTS removed_at BIGINT NOT NULL DEFAULT 0;"
	"ALTER TABLE IF EXISTS users ADD COLUMN IF NOT EXISTS"
	" removed_with_org BOOLEAN NOT NULL DEFAULT false;"
	"ALTER TABLE IF EXISTS audit ADD COLUMN IF NOT EXISTS mac BYTEA;"
	/* schema 5 to 6: tokens gain otp_kind, TOTP or HOTP (every older token is TOTP) */
	"ALTER TABLE IF EXISTS tokens ADD COLUMN IF NOT EXISTS otp_kind TEXT NOT NULL DEFAULT 'totp';"
	/* to schema 7: failure mode and the replay rule's step; the sessions
	 * table is new (OG_SCHEMA_SQL makes it) */
	"ALTER TABLE IF EXISTS failures ADD COLUMN IF NOT EXISTS"
	" failure_mode_until BIGINT NOT NULL DEFAULT 0;"
	"ALTER TABLE IF EXISTS failures ADD COLUMN IF NOT EXISTS"
	" replay_step BIGINT NOT NULL DEFAULT -1;";

/*
 * What PostgreSQL says its own way: a claim or a failure takes a row lock
 * on its user (removal and failure counting take it too, so what the
 * claim read of the user holds until it commits); appends to the audit
 * chain take one advisory lock, fleet-wide; a failure record is locked to
 * be counted; a purge vacuums the data keys out.
 */
static const char *const pg_sql[OG_Q_COUNT] = {
	[OG_Q_CLAIM_LOCK_TOKEN] = "SELECT 1 FROM users WHERE name ="
				  " (SELECT \"user\" FROM tokens WHERE id = $1) FOR SHARE",
	[OG_Q_CLAIM_LOCK_USER] = "SELECT 1 FROM users WHERE name = $1 FOR SHARE",
	[OG_Q_CLAIM_STEP] = OG_CLAIM_STEP_SQL("id"),
	[OG_Q_FAIL_LOCK_USER] = "SELECT 1 FROM users WHERE name = $1 FOR NO KEY UPDATE",
	[OG_Q_FAIL_ENSURE] = "INSERT INTO failures(\"user\", count, window_start) VALUES($1, 0, 0)"
			     " ON CONFLICT(\"user\") DO NOTHING",
	[OG_Q_FAIL_GET] = "SELECT " OG_FAIL_COLS " FROM failures WHERE \"user\" = $1 FOR UPDATE",
	[OG_Q_CHAIN_LOCK] = "SELECT pg_advisory_xact_lock(" XSTR(AUDIT_LOCK) ")",
	[OG_Q_PURGE_PREPARE] = "",
	[OG_Q_PURGE_TIDY] = "VACUUM data_keys",
	[OG_Q_PURGE_DONE] = "",
};

struct pg_be {
	PGconn *conn;
	int registry_only;	/* connected as the key reader: access_keys only */
	const struct og_log *log;
	int64_t timeout_ms;	/* store.timeout: the longest any round trip may take */
	int lost;		/* a round trip failed half way: the connection is given up */
	int begin_pending;	/* BEGIN goes with the next round trip */
	char settings[320];	/* the server's timeouts, set in each transaction (pg_open) */
};

struct params {
	const char *v[MAX_PARAMS];
	int len[MAX_PARAMS];
	int fmt[MAX_PARAMS];
	char num[MAX_PARAMS][24];
	int n;
};

static void p_text(struct params *p, const char *v)
{
	p->v[p->n] = v;
	p->len[p->n] = 0;
	p->fmt[p->n++] = 0;
}

static void p_int(struct params *p, int64_t v)
{
	snprintf(p->num[p->n], sizeof(p->num[0]), "%lld", (long long)v);
	p_text(p, p->num[p->n]);
}

static void p_blob(struct params *p, const unsigned char *v, size_t len)
{
	p->v[p->n] = (const char *)v;
	p->len[p->n] = (int)len;
	p->fmt[p->n++] = 1;
}

/* The values of a call as libpq parameters (text, and blobs in binary). */
static int params_of(struct params *p, const struct og_value *v, int n)
{
	p->n = 0;
	if (n > MAX_PARAMS)
		return OG_ERR_INVALID;
	for (int i = 0; i < n; i++) {
		if (v[i].type == OG_V_INT)
			p_int(p, v[i].num);
		else if (v[i].type == OG_V_BLOB)
			p_blob(p, v[i].blob, v[i].len);
		else
			p_text(p, v[i].type == OG_V_TEXT ? v[i].text : NULL);
	}
	return OG_OK;
}

static int pg_error(struct pg_be *be, const char *what, const PGresult *res)
{
	const char *msg = res ? PQresultErrorMessage(res) : PQerrorMessage(be->conn);
	size_t n = strcspn(msg, "\n");

	og_logf(be->log, LOG_ERR, "store postgresql: %s: %.*s", what, (int)(n > 300 ? 300 : n), msg);
	return OG_ERR_STORE;
}

static int res_ok(const PGresult *res)
{
	ExecStatusType st = PQresultStatus(res);

	return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
}

/*
 * Round trips. Everything sent to the server goes through send_query and
 * everything read back through next_result, on a non-blocking connection:
 * a wait polls the socket only for what is left of store.timeout since the
 * round trip began. A network that stops forwarding keeps the socket open
 * and silent, so nothing else would end the wait. When a wait runs out, or
 * the connection breaks, the connection is given up: its state is unknown,
 * and every later round trip on it fails at once. The server rolls back
 * whatever it did not see committed, when it notices (keepalives, and
 * idle_in_transaction_session_timeout, set in pg_open).
 */
/*
 * Round trips. Everything sent to the server goes through send_query and
 * everything read back through next_result, on a non-blocking connection:
 * a wait polls the socket only for what is left of store.timeout since the
 * round trip began. A network that stops forwarding keeps the socket open
 * and silent, so nothing else would end the wait. When a wait runs out, or
 * the connection breaks, the connection is given up: its state is unknown,
 * and every later round trip on it fails at once. The server rolls back
 * whatever it did not see committed, when it notices (keepalives, and
 * idle_in_transaction_session_timeout, set in pg_open).
 */
static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* When a round trip starting now must be over. */
static int64_t deadline(const struct pg_be *be)
{
	return now_ms() + be->timeout_ms;
}

/* Logs why the connection is given up (libpq's message when why is NULL). */
static int give_up(struct pg_be *be, const char *what, const char *why)
{
	const char *msg = why ? why : PQerrorMessage(be->conn);
	size_t n = strcspn(msg, "\n");

	be->lost = 1;
	og_logf(be->log, LOG_ERR, "store postgresql: %s: %.*s; connection given up", what,
		(int)(n > 300 ? 300 : n), msg);
	return OG_ERR_STORE;
}

/* Waits until the socket is ready for events, or gives up at until. */
static int wait_socket(struct pg_be *be, const char *what, short events, int64_t until)
{
	struct pollfd pfd = { .fd = PQsocket(be->conn), .events = events };
	char why[64];
	int64_t left;
	int n;

	if (pfd.fd < 0)
		return give_up(be, what, NULL);
	while ((left = until - now_ms()) > 0) {
		if ((n = poll(&pfd, 1, left > INT_MAX ? INT_MAX : (int)left)) > 0)
			return OG_OK;	/* an error or hang-up too: libpq reads it next */
		if (n < 0 && errno != EINTR)
			return give_up(be, what, strerror(errno));
	}
	snprintf(why, sizeof(why), "no answer within %llds (store.timeout)",
		 (long long)(be->timeout_ms / 1000));
	return give_up(be, what, why);
}

/* Sends what libpq holds and reads until a result can be taken without
 * blocking (or there is none left), waiting no later than until. */
static int await_result(struct pg_be *be, const char *what, int64_t until)
{
	int pending, r;

	for (;;) {
		if ((pending = PQflush(be->conn)) < 0)
			return give_up(be, what, NULL);
		if (pending == 0 && !PQisBusy(be->conn))
			return OG_OK;
		if ((r = wait_socket(be, what, POLLIN | (pending ? POLLOUT : 0), until)) != OG_OK)
			return r;
		if (!PQconsumeInput(be->conn))
			return give_up(be, what, NULL);
	}
}

/* The next result of what was sent, NULL after the last; NULL with *r set
 * (logged, connection given up) when it did not come by until. */
static PGresult *next_result(struct pg_be *be, const char *what, int64_t until, int *r)
{
	return (*r = await_result(be, what, until)) == OG_OK ? PQgetResult(be->conn) : NULL;
}

/* OG_OK unless the connection was given up (then logged). */
static int still_usable(struct pg_be *be, const char *what)
{
	if (!be->lost)
		return OG_OK;
	og_logf(be->log, LOG_ERR, "store postgresql: %s: the connection was given up", what);
	return OG_ERR_STORE;
}

/* Sends sql: as one statement with parameters p, or (simple) as a string
 * that may hold several statements, without. */
static int send_query(struct pg_be *be, const char *what, const char *sql,
		      const struct params *p, int simple)
{
	int sent, r;

	if ((r = still_usable(be, what)) != OG_OK)
		return r;
	sent = simple ? PQsendQuery(be->conn, sql)
		      : PQsendQueryParams(be->conn, sql, p ? p->n : 0, NULL, p ? p->v : NULL,
					  p ? p->len : NULL, p ? p->fmt : NULL, 0);
	return sent ? OG_OK : pg_error(be, what, NULL);
}

/*
 * One round trip: sends sql and reads all its results. Returns the first
 * failed result, else the last one (the caller clears it), as PQexec would;
 * NULL (logged) when none came back in time.
 */
static PGresult *round_trip(struct pg_be *be, const char *what, const char *sql,
			    const struct params *p, int simple)
{
	int64_t until = deadline(be);
	PGresult *res = NULL, *x;
	int r;

	if (send_query(be, what, sql, p, simple) != OG_OK)
		return NULL;
	while ((x = next_result(be, what, until, &r)) != NULL) {
		if (res == NULL || res_ok(res)) {
			PQclear(res);
			res = x;
		} else {
			PQclear(x);
		}
	}
	if (r != OG_OK) {
		PQclear(res);
		return NULL;
	}
	return res;
}

/* Runs a statement and maps a unique violation to OG_ERR_EXISTS. */
static int run_cmd(struct pg_be *be, const char *what, const char *sql, const struct params *p)
{
	PGresult *res = round_trip(be, what, sql, p, 0);
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	int r = OG_OK;

	if (res == NULL)
		return OG_ERR_STORE;
	if (!res_ok(res))
		r = state && strcmp(state, "23505") == 0 ? OG_ERR_EXISTS : pg_error(be, what, res);
	PQclear(res);
	return r;
}

/* Connects within store.timeout (all hosts of conninfo together), by
 * libpq's non-blocking connect, then leaves the connection non-blocking. */
static int connect_bounded(struct pg_be *be, const char *const *keys, const char *const *vals)
{
	PostgresPollingStatusType st = PGRES_POLLING_WRITING;
	int64_t until = deadline(be);
	int r;

	if ((be->conn = PQconnectStartParams(keys, vals, 1)) == NULL)
		return OG_ERR_NOMEM;
	while (st != PGRES_POLLING_OK) {
		if (st == PGRES_POLLING_FAILED || PQstatus(be->conn) == CONNECTION_BAD)
			return pg_error(be, "connect", NULL);
		if ((r = wait_socket(be, "connect", st == PGRES_POLLING_READING ? POLLIN : POLLOUT,
				     until)) != OG_OK)
			return r;
		st = PQconnectPoll(be->conn);
	}
	return PQsetnonblocking(be->conn, 1) == 0 ? OG_OK : pg_error(be, "connect", NULL);
}

static int pg_open(const struct og_config *cfg, const struct og_log *log, enum og_open_mode mode,
		   void **out)
{
	struct pg_be *be = calloc(1, sizeof(*be));
	long long t = cfg->store_timeout > 0 ? (long long)cfg->store_timeout : 1;
	char secs[24], interval[24], ms[24];
	/* defaults: conninfo comes last (dbname is expanded), so its own settings win */
	const char *keys[] = { "connect_timeout", "keepalives", "keepalives_idle",
			       "keepalives_interval", "keepalives_count", "tcp_user_timeout",
			       "application_name", "dbname", NULL };
	const char *vals[] = { secs, "1", secs, interval, "3", ms, "otpgate",
			       OG_OPEN_IS_REGISTRY(mode) ? cfg->keys_conninfo : cfg->store_conninfo,
			       NULL };

	if (be == NULL)
		return OG_ERR_NOMEM;
	be->registry_only = OG_OPEN_IS_REGISTRY(mode);
	*out = be;
	be->log = log;
	be->timeout_ms = t * 1000;
	/*
	 * The kernel notices a dead peer too: keepalives probe a connection
	 * idle for store.timeout (a login at its prompt), and tcp_user_timeout
	 * drops one whose data stays unacknowledged that long. connect_timeout
	 * is the same bound for libpq's own waits; ours spans every host.
	 * The server ends a session left idle in a transaction (a client cut
	 * off mid-login) after store.timeout, so its locks (the audit chain's
	 * among them) do not hold up the fleet. Those server settings are made
	 * in each transaction (set_config local), not as startup options: a
	 * pooler in transaction mode (PgBouncer) refuses startup options, and
	 * would hand a session's settings to other clients.
	 */
	snprintf(secs, sizeof(secs), "%lld", t);
	snprintf(interval, sizeof(interval), "%lld", t / 3 > 0 ? t / 3 : 1);
	snprintf(ms, sizeof(ms), "%lld", t * 1000);
	snprintf(be->settings, sizeof(be->settings), "SELECT"
		 " set_config('statement_timeout', '%s', true), set_config('lock_timeout', '%s', true),"
		 " set_config('idle_in_transaction_session_timeout', '%s', true),"
		 " set_config('client_min_messages', 'warning', true)", ms, ms, ms);
	return connect_bounded(be, keys, vals);
}

static void pg_close(void *p)
{
	struct pg_be *be = p;

	PQfinish(be->conn);
	free(be);
}

static int pg_stored_version(void *p)
{
	struct pg_be *be = p;
	PGresult *res = round_trip(be, "schema version", "SELECT value FROM otpgate_meta"
				   " WHERE key = 'schema_version'", NULL, 1);
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	int v = -1;

	if (PQresultStatus(res) == PGRES_TUPLES_OK)
		v = PQntuples(res) == 1 ? atoi(PQgetvalue(res, 0, 0)) : 0;
	else if (state != NULL && strcmp(state, "42P01") == 0)
		v = 0;	/* no table yet: before init */
	PQclear(res);
	return v;
}

static int pg_check_schema(void *p)
{
	struct pg_be *be = p;
	PGresult *res;
	int version, ok;

	/* the key reader may see access_keys and nothing else */
	if (be->registry_only) {
		res = round_trip(be, "key registry", "SELECT 1 FROM access_keys LIMIT 0", NULL, 1);
		ok = PQresultStatus(res) == PGRES_TUPLES_OK;
		PQclear(res);
		return ok ? OG_OK : res == NULL ? OG_ERR_STORE : pg_error(be, "key registry", NULL);
	}
	if ((version = pg_stored_version(be)) < 0)
		return pg_error(be, "schema check", NULL);
	if (version != OG_SCHEMA_VERSION) {
		og_logf(be->log, LOG_ERR, "store postgresql: schema version %d, want %d%s", version,
			OG_SCHEMA_VERSION, version == 0 ? " (run 'otpgate-provision init')" : "");
		return OG_ERR_SCHEMA;
	}
	return OG_OK;
}

/* What an error names for a statement of the store's own: its SQL, or a name for a long one. */
static const char *own_what(const struct pg_be *be, const char *sql)
{
	if (sql == be->settings)
		return "transaction settings";
	return strncmp(sql, "CREATE", 6) == 0 ? "create schema" : sql;
}

/* A command without parameters (may hold several statements). */
static int pg_exec(struct pg_be *be, const char *sql)
{
	const char *what = own_what(be, sql);
	PGresult *res = round_trip(be, what, sql, NULL, 1);
	int r = OG_OK;

	if (res == NULL)
		return OG_ERR_STORE;
	if (!res_ok(res))
		r = pg_error(be, what, res);
	PQclear(res);
	return r;
}

/* BEGIN is not sent on its own: it goes with the next round trip, and
 * with it the server's timeouts for the transaction. */
static int pg_begin(void *p)
{
	struct pg_be *be = p;

	be->begin_pending = 1;
	return OG_OK;
}

static int pg_commit(void *p)
{
	struct pg_be *be = p;

	if (be->begin_pending) {	/* nothing was sent: nothing to commit */
		be->begin_pending = 0;
		return OG_OK;
	}
	return pg_exec(be, "COMMIT");
}

static int pg_rollback(void *p)
{
	struct pg_be *be = p;

	be->begin_pending = 0;
	/* a connection given up cannot be told; the server rolls back what it
	 * never saw committed once the session ends (pg_close ends it here) */
	if (be->lost || PQtransactionStatus(be->conn) == PQTRANS_IDLE)
		return OG_OK;
	return pg_exec(be, "ROLLBACK");
}

static int pg_in_transaction(void *p)
{
	struct pg_be *be = p;

	return be->begin_pending || PQtransactionStatus(be->conn) != PQTRANS_IDLE;
}

/*
 * An idle connection has nothing to read: anything there is the server
 * closing it (a restart, a failover, an idle timeout: its notice, then the
 * end of the stream). Checked without a round trip; a silent network
 * failure is found by the next statement's bounded wait instead.
 */
static int pg_idle_ok(void *p)
{
	struct pg_be *be = p;
	struct pollfd fd = { .fd = PQsocket(be->conn), .events = POLLIN };

	return PQstatus(be->conn) == CONNECTION_OK && !pg_in_transaction(p) && fd.fd >= 0 &&
	       poll(&fd, 1, 0) == 0;
}

/* Nothing waits for the time between calls: a commit is all done at once. */
static void pg_keep(void *p)
{
	(void)p;
}

static void pg_upkeep(void *p)
{
	(void)p;
}

static int pg_keys_ready(void *p)
{
	(void)p;
	return OG_OK;
}

/* Creates or upgrades the schema; several hosts may run init at once: one at a time. */
static int pg_init(struct og_store *st, int (*seal)(struct og_store *st))
{
	struct pg_be *be = st->be;
	struct params prm = { .n = 0 };
	int r;

	p_int(&prm, OG_SCHEMA_VERSION);
	if ((r = pg_exec(be, "BEGIN")) != OG_OK || (r = pg_exec(be, be->settings)) != OG_OK)
		return r;
	if ((r = pg_exec(be, "SELECT pg_advisory_xact_lock(" XSTR(INIT_LOCK) ")")) != OG_OK ||
	    (r = pg_exec(be, upgrade_sql)) != OG_OK || (r = pg_exec(be, schema_sql)) != OG_OK ||
	    (r = seal(st)) != OG_OK ||
	    (r = run_cmd(be, "schema version", "INSERT INTO otpgate_meta VALUES('schema_version', $1)"
			 " ON CONFLICT(key) DO UPDATE SET value = $1", &prm)) != OG_OK) {
		pg_rollback(be);
		return r;
	}
	return pg_exec(be, "COMMIT");
}

/* Column readers: r->res is the result, r->i the row. A flag comes as "t" or "f". */
static int pg_is_null(const struct og_row *r, int col)
{
	return PQgetisnull(r->res, r->i, col);
}

static const char *pg_text(const struct og_row *r, int col)
{
	return PQgetisnull(r->res, r->i, col) ? NULL : PQgetvalue(r->res, r->i, col);
}

static int64_t pg_integer(const struct og_row *r, int col)
{
	const char *v = PQgetvalue(r->res, r->i, col);

	if (v[0] == 't' || v[0] == 'f')
		return v[0] == 't';
	return strtoll(v, NULL, 10);
}

/* A bytea column comes in text format, "\\x" and hex digits. */
static int pg_blob(const struct og_row *r, int col, unsigned char *out, size_t cap, size_t *len)
{
	const char *v = PQgetvalue(r->res, r->i, col);
	int n;

	*len = 0;
	if (strncmp(v, "\\x", 2) != 0 || (n = og_hex_decode(v + 2, out, cap)) < 0)
		return OG_ERR_STORE;
	*len = (size_t)n;
	return OG_OK;
}

static const struct og_row_reader pg_reader = { pg_is_null, pg_text, pg_integer, pg_blob };

/* A result's rows to c->fn; 1 if it said stop. The rows changed in c->changed. */
static int deliver(const PGresult *res, struct og_call *c)
{
	struct og_row row = { &pg_reader, (void *)res, 0 };

	c->changed = strtoll(PQcmdTuples((PGresult *)res), NULL, 10);
	for (row.i = 0; c->fn != NULL && row.i < PQntuples(res); row.i++) {
		if (c->fn(c->arg, &row) != 0)
			return 1;
	}
	return 0;
}

/* A failed result: a unique key taken is OG_ERR_EXISTS, the rest logged. */
static int failed(struct pg_be *be, const char *what, const PGresult *res)
{
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);

	if (state != NULL && strcmp(state, "23505") == 0)
		return OG_ERR_EXISTS;
	return pg_error(be, what, res);
}

/*
 * One statement on its own, outside a pipeline (one without values goes
 * as a simple query: VACUUM may not run in a pipeline). A long listing
 * (OG_QF_STREAM) comes row by row in single-row mode, each row within
 * store.timeout of the one before (the server's statement_timeout bounds
 * the whole); after a callback said stop, the rest is read and dropped.
 * Other rows are handed over once the round trip is over, so that a
 * callback may run statements of its own.
 */
static int run_one(struct pg_be *be, struct og_call *c, const char *sql, const struct params *p)
{
	const char *what = og_statements[c->q].what;
	int stream = (og_statements[c->q].flags & OG_QF_STREAM) != 0, stop = 0, r, w = OG_OK;
	int64_t until = deadline(be);
	PGresult *res, *kept = NULL;

	c->failed = 1;	/* until it has not */
	if ((r = send_query(be, what, sql, p, c->n == 0)) != OG_OK)
		return r;
	if (stream && !PQsetSingleRowMode(be->conn))
		r = pg_error(be, what, NULL);
	while ((res = next_result(be, what, stream ? deadline(be) : until, &w)) != NULL) {
		if (PQresultStatus(res) != PGRES_SINGLE_TUPLE && !res_ok(res)) {
			if (r == OG_OK)
				r = failed(be, what, res);
		} else if (!stream) {
			PQclear(kept);
			kept = res;
			continue;
		} else if (r == OG_OK && !stop) {
			stop = deliver(res, c);
		}
		PQclear(res);
	}
	if (r == OG_OK && w == OG_OK && kept != NULL)
		deliver(kept, c);
	PQclear(kept);
	c->failed = r != OG_OK || w != OG_OK;
	return r != OG_OK ? r : w;
}

/* A statement of a round trip: its call (NULL: a BEGIN or COMMIT of the
 * batch's own), SQL, values and result. */
struct item {
	struct og_call *c;
	const char *sql;
	struct params p;
	PGresult *res;
};

/* Reads the results of n statements sent in a pipeline, and its sync; the
 * call of the first that failed is marked. */
static int pipeline_results(struct pg_be *be, struct item *it, int n)
{
	int64_t until = deadline(be);
	int r = OG_OK, w = OG_OK;
	PGresult *x;

	for (int i = 0; i < n && w == OG_OK; i++) {
		it[i].res = next_result(be, "batch", until, &w);
		if (w == OG_OK && r == OG_OK && !res_ok(it[i].res)) {
			r = failed(be, it[i].c ? og_statements[it[i].c->q].what : own_what(be, it[i].sql),
				   it[i].res);
			if (it[i].c != NULL)
				it[i].c->failed = 1;
		}
		/* the NULL that ends each one */
		while (w == OG_OK && (x = next_result(be, "batch", until, &w)) != NULL)
			PQclear(x);
	}
	if (w == OG_OK && (x = next_result(be, "batch", until, &w)) != NULL)	/* the sync */
		PQclear(x);
	return w != OG_OK ? w : r;
}

/*
 * Several statements in one round trip (a libpq pipeline); each call
 * takes its rows once all have come. OG_OK, or the first error (after it
 * the server skips the rest, and the transaction is aborted: the caller
 * rolls back).
 */
static int pipeline(struct pg_be *be, struct item *it, int n)
{
	int sent = 0, r;

	if ((r = still_usable(be, "batch")) != OG_OK)
		return r;
	if (!PQenterPipelineMode(be->conn))
		return pg_error(be, "batch", NULL);
	while (sent < n && send_query(be, "batch", it[sent].sql, &it[sent].p, 0) == OG_OK)
		sent++;
	if (sent < n || !PQpipelineSync(be->conn))
		r = pg_error(be, "batch", NULL);
	if ((r = pipeline_results(be, it, sent)) == OG_OK && sent < n)
		r = OG_ERR_STORE;
	/* given up: the pipeline goes with the connection */
	if (!be->lost && !PQexitPipelineMode(be->conn) && r == OG_OK)
		r = pg_error(be, "batch", NULL);
	for (int i = 0; i < sent; i++) {
		if (r == OG_OK && it[i].c != NULL)
			deliver(it[i].res, it[i].c);
		PQclear(it[i].res);
	}
	return r;
}

/* One more statement for the round trip: its call and SQL. */
static int add(struct item *it, int *m, struct og_call *c, const char *text)
{
	it[*m].c = c;
	it[*m].sql = text;
	it[*m].p.n = 0;
	if (c != NULL && params_of(&it[*m].p, c->v, c->n) != OG_OK)
		return OG_ERR_INVALID;
	(*m)++;
	return OG_OK;
}

/* The statements of a batch, with a pending BEGIN first and the COMMIT last, at it. */
static int batch_items(struct pg_be *be, struct og_call *calls, int n, int commit,
		       struct item *it, int *m)
{
	const char *text;
	int r = OG_OK;

	if (be->begin_pending && (r = add(it, m, NULL, "BEGIN")) == OG_OK)
		r = add(it, m, NULL, be->settings);
	for (int i = 0; i < n && r == OG_OK; i++) {
		calls[i].changed = 0;
		calls[i].failed = 0;
		if ((text = og_statement_sql(calls[i].q, pg_sql)) == NULL)
			r = pg_error(be, og_statements[calls[i].q].what, NULL);
		else if (text[0] != '\0')
			r = add(it, m, &calls[i], text);
	}
	if (r == OG_OK && commit && *m > 2 * be->begin_pending)
		r = add(it, m, NULL, "COMMIT");
	return r;
}

/* The batch in one round trip, with a pending BEGIN first and the COMMIT last. */
static int pg_batch(void *p, struct og_call *calls, int n, int commit)
{
	struct pg_be *be = p;
	struct item *it;
	int m = 0, r;

	if (n < 0 || n > MAX_BATCH)
		return OG_ERR_INVALID;
	if ((it = calloc((size_t)n + 3, sizeof(*it))) == NULL)
		return OG_ERR_NOMEM;
	r = batch_items(be, calls, n, commit, it, &m);
	if (r == OG_OK && commit && m == 2 * be->begin_pending)
		r = pg_commit(be);	/* nothing to send but the end of the transaction */
	else if (r == OG_OK && m > 0) {
		be->begin_pending = 0;
		if (m == 1 && it[0].c != NULL)
			r = run_one(be, it[0].c, it[0].sql, &it[0].p);
		else
			r = m == 1 ? pg_exec(be, it[0].sql) : pipeline(be, it, m);
	}
	free(it);
	return r;
}

const struct og_store_ops OG_STORE_PG_OPS = OG_STORE_OPS("postgresql", pg);

/*
 * store_pg.c: the fleet store on PostgreSQL through libpq. Several bastions
 * share tokens, replay watermarks, failure counts and locks, and the audit
 * table. The watermark check-and-advance is one statement. Every round trip
 * (the connect too) is bounded by store.timeout on this side: the
 * connection is non-blocking and each wait polls its socket for the time
 * left, so neither a dead database nor a silent network can hang sshd.
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
#include <openssl/crypto.h>

#include "err.h"
#include "chain.h"
#include "store.h"
#include "util.h"

/* 2: users.removed_at; 3: admins; 4: audit chain, subjects, org removal; 5: spool_flushed */
#define SCHEMA_VERSION 5
#define INIT_LOCK 7041661474	/* one init at a time */
#define AUDIT_LOCK 7041661475	/* one append to the audit chain at a time, fleet-wide */
#define MAX_PARAMS 20
#define STR(x) #x
#define XSTR(x) STR(x)

static const char schema_sql[] =
	"CREATE TABLE IF NOT EXISTS otpgate_meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS users("
	" name TEXT PRIMARY KEY, org TEXT NOT NULL DEFAULT '', created BIGINT NOT NULL,"
	" removed_at BIGINT NOT NULL DEFAULT 0);"
	/* schema 1 to 2 */
	"ALTER TABLE users ADD COLUMN IF NOT EXISTS removed_at BIGINT NOT NULL DEFAULT 0;"
	/* schema 3 to 4 */
	"ALTER TABLE users ADD COLUMN IF NOT EXISTS removed_with_org BOOLEAN NOT NULL DEFAULT false;"
	"CREATE TABLE IF NOT EXISTS data_keys("
	" id TEXT PRIMARY KEY, org TEXT NOT NULL UNIQUE, wrapped BYTEA NOT NULL,"
	" created BIGINT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS tokens("
	" id TEXT PRIMARY KEY, serial TEXT NOT NULL UNIQUE, \"user\" TEXT,"
	" kind TEXT NOT NULL, state TEXT NOT NULL, algorithm TEXT NOT NULL,"
	" digits INTEGER NOT NULL, period INTEGER NOT NULL, t0 BIGINT NOT NULL DEFAULT 0,"
	" secret BYTEA NOT NULL, dek_id TEXT NOT NULL REFERENCES data_keys(id),"
	" drift BIGINT NOT NULL DEFAULT 0, last_step BIGINT NOT NULL DEFAULT -1,"
	" created BIGINT NOT NULL, last_used BIGINT NOT NULL DEFAULT 0);"
	"CREATE INDEX IF NOT EXISTS tokens_user ON tokens(\"user\", state);"
	"CREATE TABLE IF NOT EXISTS failures("
	" \"user\" TEXT PRIMARY KEY, count BIGINT NOT NULL, window_start BIGINT NOT NULL,"
	" locked_until BIGINT NOT NULL DEFAULT 0);"
	"CREATE TABLE IF NOT EXISTS audit("
	" id BIGSERIAL PRIMARY KEY, ts BIGINT NOT NULL, host TEXT, event TEXT NOT NULL,"
	" result TEXT, reason TEXT, \"user\" TEXT, source TEXT, service TEXT, token TEXT,"
	" key TEXT, actor TEXT, detail TEXT, mac BYTEA);"
	/* schema 3 to 4 */
	"ALTER TABLE audit ADD COLUMN IF NOT EXISTS mac BYTEA;"
	/* no index on user: a random pseudonym would cost a random write per entry */
	"DROP INDEX IF EXISTS audit_user;"
	"CREATE TABLE IF NOT EXISTS subjects("
	" pseudonym TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, salt BYTEA NOT NULL,"
	" created BIGINT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS org_removals("
	" org TEXT PRIMARY KEY, removed_at BIGINT NOT NULL);"
	/* the chunks of spooled rows already written (see spool.h) */
	"CREATE TABLE IF NOT EXISTS spool_flushed(id TEXT PRIMARY KEY, at BIGINT NOT NULL);"
	/* the trail as people read it: names instead of pseudonyms */
	"CREATE OR REPLACE VIEW audit_named AS"
	" SELECT a.id, a.ts, a.host, a.event, a.result, a.reason,"
	" CASE WHEN a.\"user\" IS NULL THEN NULL ELSE COALESCE(su.name, 'erased-' || a.\"user\") END AS \"user\","
	" a.source, a.service, a.token, a.key,"
	" CASE WHEN a.actor IS NULL THEN NULL ELSE COALESCE(sa.name, 'erased-' || a.actor) END AS actor,"
	" a.detail, a.mac FROM audit a LEFT JOIN subjects su ON su.pseudonym = a.\"user\""
	" LEFT JOIN subjects sa ON sa.pseudonym = a.actor;"
	"CREATE TABLE IF NOT EXISTS admins("
	" name TEXT PRIMARY KEY, role TEXT NOT NULL, org TEXT NOT NULL DEFAULT '',"
	" created BIGINT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS recovery_codes("
	" \"user\" TEXT NOT NULL, idx INTEGER NOT NULL, salt BYTEA NOT NULL, hash BYTEA NOT NULL,"
	" used BIGINT NOT NULL DEFAULT 0, created BIGINT NOT NULL, PRIMARY KEY(\"user\", idx));"
	/* the key registry: the key reader's role is granted SELECT on this alone */
	"CREATE TABLE IF NOT EXISTS access_keys("
	" id TEXT PRIMARY KEY, \"user\" TEXT NOT NULL, org TEXT NOT NULL DEFAULT '',"
	" type TEXT NOT NULL, pubkey TEXT NOT NULL, fingerprint TEXT NOT NULL UNIQUE,"
	" origin TEXT NOT NULL, state TEXT NOT NULL, predecessor TEXT NOT NULL DEFAULT '',"
	" created BIGINT NOT NULL, last_used BIGINT NOT NULL DEFAULT 0,"
	" not_after BIGINT NOT NULL);"
	"CREATE INDEX IF NOT EXISTS access_keys_user ON access_keys(\"user\", state);";

#define KEY_COLS "id, \"user\", org, type, pubkey, fingerprint, origin, state, predecessor," \
	" created, last_used, not_after"

#define TOKEN_COLS "t.id, t.serial, t.\"user\", t.kind, t.state, t.algorithm, t.digits," \
	" t.period, t.t0, t.drift, t.last_step, t.created, t.last_used, t.secret, t.dek_id," \
	" d.wrapped, d.org"

static const char user_state_sql[] =
	"SELECT u.org, COALESCE(f.locked_until, 0), u.removed_at, " TOKEN_COLS " FROM users u"
	" LEFT JOIN failures f ON f.\"user\" = u.name"
	" LEFT JOIN tokens t ON t.\"user\" = u.name AND t.state = 'active'"
	" LEFT JOIN data_keys d ON d.id = t.dek_id"
	" WHERE u.name = $1 ORDER BY t.created LIMIT 16";

/* The columns of struct og_standing for the user named by the SQL
 * expression who, as a claim reads them. */
#define STANDING(who) \
	" COALESCE((SELECT removed_at FROM users WHERE name = " who "), 0)," \
	" EXISTS (SELECT 1 FROM users u JOIN org_removals o ON o.org = u.org" \
	"  WHERE u.name = " who ")," \
	" COALESCE((SELECT locked_until FROM failures WHERE \"user\" = " who "), 0)"
#define TOKEN_USER "(SELECT \"user\" FROM tokens WHERE id = $1)"

/* Before a claim reads the user's standing, in a statement of its own (so
 * the claim's snapshot sees whatever committed before): the row lock on
 * the user that removal and failure counting take too. */
static const char lock_token_user_sql[] =
	"SELECT 1 FROM users WHERE name = " TOKEN_USER " FOR SHARE";
static const char lock_user_sql[] = "SELECT 1 FROM users WHERE name = $1 FOR SHARE";

/* The watermark check-and-advance and failure reset, and the user's
 * standing as it was before them: one statement. */
static const char accept_sql[] =
	"WITH acc AS (UPDATE tokens SET last_step = $2, drift = $3, last_used = $4"
	"   WHERE id = $1 AND state = 'active' AND last_step < $2 RETURNING \"user\"),"
	" clr AS (DELETE FROM failures WHERE \"user\" IN (SELECT \"user\" FROM acc))"
	" SELECT (SELECT count(*) FROM acc)," STANDING(TOKEN_USER);

static const char audit_sql[] =
	"INSERT INTO audit(ts, host, event, result, reason, \"user\", source, service, token,"
	" key, actor, detail, id, mac) VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12,"
	" $13, $14)";

struct pg_be {
	PGconn *conn;
	const struct og_chain_key *chain;	/* set by the store before audit rows are written */
	int registry_only;	/* connected as the key reader: access_keys only */
	const struct og_log *log;
	int64_t timeout_ms;	/* store.timeout: the longest any round trip may take */
	int lost;		/* a round trip failed half way: the connection is given up */
	char host[256];
	char begin_sql[320];	/* "BEGIN;" and the server's timeouts for it (pg_open) */
};

/* What opens a transaction in a pipeline: BEGIN, then its timeouts. */
#define BEGIN_QUERIES(be) { "BEGIN", NULL }, { (be)->begin_sql + 6, NULL }

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
 * idle_in_transaction_session_timeout, set in every transaction: pg_open).
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

/* Runs sql with p; returns the result (caller clears) or NULL after logging. */
static PGresult *run(struct pg_be *be, const char *what, const char *sql, const struct params *p)
{
	PGresult *res = round_trip(be, what, sql, p, 0);

	if (res == NULL || res_ok(res))
		return res;
	pg_error(be, what, res);
	PQclear(res);
	return NULL;
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
			       mode == OG_OPEN_REGISTRY ? cfg->keys_conninfo : cfg->store_conninfo,
			       NULL };

	if (be == NULL)
		return OG_ERR_NOMEM;
	be->registry_only = mode == OG_OPEN_REGISTRY;
	*out = be;
	be->log = log;
	be->timeout_ms = t * 1000;
	/* entries this process appends name the bastion as the config says */
	snprintf(be->host, sizeof(be->host), "%s", cfg->host ? cfg->host : "unknown");
	/*
	 * The kernel notices a dead peer too: keepalives probe a connection
	 * idle for store.timeout (a login at its prompt), and tcp_user_timeout
	 * drops one whose data stays unacknowledged that long. connect_timeout
	 * is the same bound for libpq's own waits; ours spans every host.
	 * The server ends a session left idle in a transaction (a client cut
	 * off mid-login) after store.timeout, so its locks (the audit chain's
	 * among them) do not hold up the fleet. Those server settings are made
	 * in each transaction (SET LOCAL), not as startup options: a pooler
	 * in transaction mode (PgBouncer) refuses startup options, and would
	 * hand a session's settings to other clients.
	 */
	snprintf(secs, sizeof(secs), "%lld", t);
	snprintf(interval, sizeof(interval), "%lld", t / 3 > 0 ? t / 3 : 1);
	snprintf(ms, sizeof(ms), "%lld", t * 1000);
	snprintf(be->begin_sql, sizeof(be->begin_sql), "BEGIN;SELECT"
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

static int pg_check_schema(void *p)
{
	struct pg_be *be = p;
	PGresult *res;

	/* the key reader may see access_keys and nothing else */
	if (be->registry_only) {
		res = round_trip(be, "key registry", "SELECT 1 FROM access_keys LIMIT 0", NULL, 1);
		int ok = PQresultStatus(res) == PGRES_TUPLES_OK;
		PQclear(res);
		return ok ? OG_OK : res == NULL ? OG_ERR_STORE : pg_error(be, "key registry", NULL);
	}
	res = round_trip(be, "schema check", "SELECT value FROM otpgate_meta"
			 " WHERE key = 'schema_version'", NULL, 1);
	int version = 0;

	if (res == NULL)
		return OG_ERR_STORE;
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
		version = atoi(PQgetvalue(res, 0, 0));
	else if (PQresultStatus(res) != PGRES_TUPLES_OK &&
		 strcmp(PQresultErrorField(res, PG_DIAG_SQLSTATE) ?: "", "42P01") != 0) {
		PQclear(res);
		return pg_error(be, "schema check", NULL);
	}
	PQclear(res);
	if (version != SCHEMA_VERSION) {
		og_logf(be->log, LOG_ERR, "store postgresql: schema version %d, want %d%s", version,
			SCHEMA_VERSION, version == 0 ? " (run 'otpgate-provision init')" : "");
		return OG_ERR_SCHEMA;
	}
	return OG_OK;
}

/* A command without parameters (may hold several statements). */
static int pg_exec(struct pg_be *be, const char *sql)
{
	const char *what = strncmp(sql, "CREATE", 6) == 0 ? "create schema"
			 : strncmp(sql, "BEGIN;", 6) == 0 ? "BEGIN" : sql;
	PGresult *res = round_trip(be, what, sql, NULL, 1);
	int r = OG_OK;

	if (res == NULL)
		return OG_ERR_STORE;
	if (!res_ok(res))
		r = pg_error(be, what, res);
	PQclear(res);
	return r;
}

/* Opens a transaction with the server's timeouts (one round trip). */
static int pg_begin(void *p)
{
	struct pg_be *be = p;

	return pg_exec(be, be->begin_sql);
}

static int pg_commit(void *p)
{
	return pg_exec(p, "COMMIT");
}

static int pg_rollback(void *p)
{
	struct pg_be *be = p;

	/* a connection given up cannot be told; the server rolls back what it
	 * never saw committed once the session ends (pg_close ends it here) */
	if (be->lost || PQtransactionStatus(be->conn) == PQTRANS_IDLE)
		return OG_OK;
	return pg_exec(be, "ROLLBACK");
}

static int finish(struct pg_be *be, int r)
{
	if (r == OG_OK)
		return pg_commit(be);
	pg_rollback(be);
	return r;
}

static void copy_val(const PGresult *res, int row, int col, char *out, size_t cap)
{
	if (og_copy(out, cap, PQgetvalue(res, row, col)) != OG_OK)
		out[0] = '\0';
}

/* Decodes a bytea column (text format "\x..."). */
static int copy_bytea(const PGresult *res, int row, int col, unsigned char *out, size_t cap,
		      size_t *len)
{
	const char *v = PQgetvalue(res, row, col);
	int n;

	if (strncmp(v, "\\x", 2) != 0 || (n = og_hex_decode(v + 2, out, cap)) < 0)
		return OG_ERR_STORE;
	*len = (size_t)n;
	return OG_OK;
}

static int64_t int_val(const PGresult *res, int row, int col)
{
	return strtoll(PQgetvalue(res, row, col), NULL, 10);
}

/* Fills t from TOKEN_COLS starting at column c. */
static int read_token(const PGresult *res, int row, int c, struct og_token *t)
{
	char buf[32];
	size_t wlen;

	copy_val(res, row, c + 0, t->id, sizeof(t->id));
	copy_val(res, row, c + 1, t->serial, sizeof(t->serial));
	copy_val(res, row, c + 2, t->user, sizeof(t->user));
	copy_val(res, row, c + 3, t->kind, sizeof(t->kind));
	copy_val(res, row, c + 4, buf, sizeof(buf));
	if (og_token_state_parse(buf, &t->state) != OG_OK)
		return OG_ERR_STORE;
	copy_val(res, row, c + 5, buf, sizeof(buf));
	if (og_algo_parse(buf, &t->params.algo) != OG_OK)
		return OG_ERR_STORE;
	t->params.digits = (int)int_val(res, row, c + 6);
	t->params.period = (int)int_val(res, row, c + 7);
	t->params.t0 = int_val(res, row, c + 8);
	t->drift = int_val(res, row, c + 9);
	t->last_step = int_val(res, row, c + 10);
	t->created = int_val(res, row, c + 11);
	t->last_used = int_val(res, row, c + 12);
	if (copy_bytea(res, row, c + 13, t->sealed, sizeof(t->sealed), &t->sealed_len) != OG_OK)
		return OG_ERR_STORE;
	copy_val(res, row, c + 14, t->dek_id, sizeof(t->dek_id));
	if (copy_bytea(res, row, c + 15, t->wrapped_dek, sizeof(t->wrapped_dek), &wlen) != OG_OK ||
	    wlen != sizeof(t->wrapped_dek))
		return OG_ERR_STORE;
	copy_val(res, row, c + 16, t->dek_org, sizeof(t->dek_org));
	if ((t->params.digits != 6 && t->params.digits != 8) ||
	    (t->params.period != 30 && t->params.period != 60))
		return OG_ERR_STORE;
	return OG_OK;
}

static int pg_user_state(void *p, const char *user, struct og_user_state *out)
{
	struct pg_be *be = p;
	struct params prm = { .n = 0 };
	PGresult *res;
	int r = OG_OK;

	p_text(&prm, user);
	if ((res = run(be, "read user", user_state_sql, &prm)) == NULL)
		return OG_ERR_STORE;
	for (int i = 0; i < PQntuples(res) && r == OG_OK; i++) {
		out->known = 1;
		copy_val(res, i, 0, out->org, sizeof(out->org));
		out->locked_until = int_val(res, i, 1);
		out->removed_at = int_val(res, i, 2);
		out->has_failures = 1;	/* the accept statement clears them either way */
		if (!PQgetisnull(res, i, 3) && out->ntokens < OG_MAX_TOKENS)
			r = read_token(res, i, 3, &out->tokens[out->ntokens++]);
	}
	PQclear(res);
	return r == OG_OK ? OG_OK : pg_error(be, "token row malformed", NULL);
}

static int in_txn(struct pg_be *be)
{
	return PQtransactionStatus(be->conn) != PQTRANS_IDLE;
}

/* A new subject for name; the pseudonym it already has if another
 * transaction (enrolling the user) made one first. */
static int subject_add(struct pg_be *be, const char *name, char out[OG_SUBJECT_LEN + 1])
{
	unsigned char salt[OG_SUBJECT_SALT];
	struct params prm = { .n = 0 };
	PGresult *res;
	int r;

	if ((r = og_subject_new(be->chain, name, salt, out)) != OG_OK)
		return r;
	p_text(&prm, out);
	p_text(&prm, name);
	p_blob(&prm, salt, sizeof(salt));
	p_int(&prm, (int64_t)time(NULL));
	if ((res = run(be, "add subject", "WITH ins AS (INSERT INTO subjects(pseudonym, name, salt,"
		       " created) VALUES($1, $2, $3, $4) ON CONFLICT(name) DO NOTHING RETURNING"
		       " pseudonym) SELECT pseudonym FROM ins UNION ALL"
		       " SELECT pseudonym FROM subjects WHERE name = $2", &prm)) == NULL)
		return OG_ERR_STORE;
	r = PQntuples(res) >= 1 ? og_copy(out, OG_SUBJECT_LEN + 1, PQgetvalue(res, 0, 0)) : OG_ERR_STORE;
	PQclear(res);
	return r;
}

/* One statement of a pipelined batch. */
struct query {
	const char *sql;
	const struct params *prm;
};

/*
 * Runs n statements in one round trip (a libpq pipeline). res[i] gets each
 * one's result, which the caller clears. OG_OK, or the first error (logged;
 * after it the server skips the rest, and the transaction is aborted).
 */
static int run_batch(struct pg_be *be, const char *what, const struct query *q, int n,
		     PGresult **res)
{
	int64_t until = deadline(be);
	int sent = 0, r = OG_OK, w = OG_OK;
	PGresult *x;

	for (int i = 0; i < n; i++)
		res[i] = NULL;
	if ((r = still_usable(be, what)) != OG_OK)
		return r;
	if (!PQenterPipelineMode(be->conn))
		return pg_error(be, what, NULL);
	while (sent < n && send_query(be, what, q[sent].sql, q[sent].prm, 0) == OG_OK)
		sent++;
	if (sent < n || !PQpipelineSync(be->conn))
		r = pg_error(be, what, NULL);
	for (int i = 0; i < sent && w == OG_OK; i++) {
		res[i] = next_result(be, what, until, &w);
		/* the NULL that ends each one */
		while (w == OG_OK && (x = next_result(be, what, until, &w)) != NULL)
			PQclear(x);
		if (w == OG_OK && r == OG_OK && !res_ok(res[i]))
			r = pg_error(be, what, res[i]);
	}
	if (w == OG_OK && (x = next_result(be, what, until, &w)) != NULL)	/* the sync */
		PQclear(x);
	if (w != OG_OK)
		return w;	/* given up: the pipeline goes with the connection */
	if (!PQexitPipelineMode(be->conn) && r == OG_OK)
		r = pg_error(be, what, NULL);
	return r;
}

static void clear_all(PGresult **res, int n)
{
	for (int i = 0; i < n; i++)
		PQclear(res[i]);
}

/* Taken with the lock, in the same round trip: the chain's tail and the
 * pseudonyms of $1 and $2 (user, actor). The lock comes first, in a
 * statement of its own, so this one's snapshot sees the newest entry. */
static const char chain_lock_sql[] = "SELECT pg_advisory_xact_lock(" XSTR(AUDIT_LOCK) ")";
static const char chain_tail_sql[] =
	"SELECT (SELECT id FROM audit ORDER BY id DESC LIMIT 1),"
	" (SELECT mac FROM audit ORDER BY id DESC LIMIT 1),"
	" (SELECT pseudonym FROM subjects WHERE name = $1),"
	" (SELECT pseudonym FROM subjects WHERE name = $2)";

/* From chain_tail_sql's result: the newest id and mac, and e's user and
 * actor as pseudonyms (made when new; bufs hold them). */
static int chain_read(struct pg_be *be, const PGresult *res, struct og_audit_event *e, int64_t *id,
		      unsigned char prev[OG_CHAIN_LEN], char ubuf[OG_SUBJECT_LEN + 1],
		      char abuf[OG_SUBJECT_LEN + 1])
{
	size_t n = 0;
	int r = OG_OK;

	*id = PQgetisnull(res, 0, 0) ? 0 : int_val(res, 0, 0);
	memset(prev, 0, OG_CHAIN_LEN);
	if (*id > 0 && (PQgetisnull(res, 0, 1) || copy_bytea(res, 0, 1, prev, OG_CHAIN_LEN, &n) != OG_OK ||
			n != OG_CHAIN_LEN))
		r = pg_error(be, "audit trail: the newest entry is not sealed", NULL);
	copy_val(res, 0, 2, ubuf, OG_SUBJECT_LEN + 1);
	copy_val(res, 0, 3, abuf, OG_SUBJECT_LEN + 1);
	if (r == OG_OK && e->user != NULL && ubuf[0] == '\0')
		r = subject_add(be, e->user, ubuf);
	if (r == OG_OK && e->actor != NULL && abuf[0] == '\0')
		r = (e->user && strcmp(e->user, e->actor) == 0) ? og_copy(abuf, OG_SUBJECT_LEN + 1, ubuf)
								 : subject_add(be, e->actor, abuf);
	e->user = e->user ? ubuf : NULL;
	e->actor = e->actor ? abuf : NULL;
	return r;
}

static void entry_params(struct params *prm, const struct og_audit_event *e, int64_t id,
			 const unsigned char mac[OG_CHAIN_LEN])
{
	const char *v[] = { e->host, e->event, e->result, e->reason, e->user, e->source,
			    e->service, e->token, e->key, e->actor, e->detail };

	p_int(prm, e->ts);
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		p_text(prm, v[i]);
	p_int(prm, id);
	p_blob(prm, mac, OG_CHAIN_LEN);
}

/* og_standing from columns c to c + 2 of res's one row, checked at now. */
static int standing_at(const PGresult *res, int c, int64_t now)
{
	struct og_standing st;

	if (PQntuples(res) != 1 || PQnfields(res) < c + 3)
		return OG_ERR_STORE;
	st.removed_at = int_val(res, 0, c);
	st.org_removed = strcmp(PQgetvalue(res, 0, c + 1), "t") == 0;
	st.locked_until = int_val(res, 0, c + 2);
	return og_standing_check(&st, now);
}

/* A claim statement's row: the user's standing (columns 1 to 3) decides
 * first, then whether exactly one thing was claimed (column 0). */
static int claimed(const PGresult *res, int64_t now)
{
	int r = standing_at(res, 1, now);

	return r == OG_OK && int_val(res, 0, 0) != 1 ? OG_ERR_REPLAY : r;
}

/*
 * Appends ev to the chain in two round trips: head (what opens the
 * transaction or claims something), the lock and the chain's tail in one;
 * the entry, and COMMIT when commit, in the other. With claim_at >= 0,
 * head[claim_at] is a claim statement: unless claimed() says OG_OK,
 * nothing is appended and its answer returned. On an error the caller
 * rolls back.
 */
static int append(struct pg_be *be, const char *what, const struct og_audit_event *ev,
		  const struct query *head, int nhead, int claim_at, int commit)
{
	char ubuf[OG_SUBJECT_LEN + 1], abuf[OG_SUBJECT_LEN + 1];
	unsigned char mac[OG_CHAIN_LEN];
	struct og_audit_event e = *ev;
	struct params look = { .n = 0 }, ins = { .n = 0 };
	struct query q[6];
	PGresult *res[6];
	int64_t id = 0;
	int n = nhead, store = !ev->syslog_only, r;

	if (store && be->chain == NULL)
		return pg_error(be, "audit trail: no chain key (master key unreadable)", NULL);
	e.host = ev->host ? ev->host : be->host;
	p_text(&look, e.user);
	p_text(&look, e.actor);
	for (int i = 0; i < nhead; i++)
		q[i] = head[i];
	if (store) {
		q[n++] = (struct query){ chain_lock_sql, NULL };
		q[n++] = (struct query){ chain_tail_sql, &look };
	}
	if ((r = run_batch(be, what, q, n, res)) == OG_OK && claim_at >= 0)
		r = claimed(res[claim_at], ev->ts);
	if (r == OG_OK && store && (r = chain_read(be, res[n - 1], &e, &id, mac, ubuf, abuf)) == OG_OK)
		r = og_chain_mac(be->chain, mac, ++id, &e, mac);
	clear_all(res, n);
	if (r != OG_OK)
		return r;
	n = 0;
	if (store) {
		entry_params(&ins, &e, id, mac);
		q[n++] = (struct query){ audit_sql, &ins };
	}
	if (commit)
		q[n++] = (struct query){ "COMMIT", NULL };
	r = run_batch(be, what, q, n, res);
	clear_all(res, n);
	return r;
}

/* Appends ev (unless syslog only), in its own transaction when none is open. */
static int audit_insert(struct pg_be *be, const struct og_audit_event *ev)
{
	const struct query begin[] = { BEGIN_QUERIES(be) };
	int r;

	if (ev->syslog_only)
		return OG_OK;
	if (in_txn(be))
		return append(be, "audit", ev, NULL, 0, -1, 0);
	if ((r = append(be, "audit", ev, begin, 2, -1, 1)) != OG_OK)
		pg_rollback(be);
	return r;
}

/*
 * Takes the user's lock with lock_sql (its one parameter, $1, is prm's
 * first), then runs sql, the statement that claims a one-time thing and
 * returns how many it claimed and the user's standing, in a transaction
 * with the audit entry. Unless the standing allows it and exactly one was
 * claimed, nothing is changed: OG_ERR_REMOVED, OG_ERR_LOCKED or
 * OG_ERR_REPLAY.
 */
static int claim(struct pg_be *be, const char *what, const char *lock_sql, const char *sql,
		 const struct params *prm, const struct og_audit_event *ev)
{
	struct params who = { .n = 0 };
	int r;

	p_text(&who, prm->v[0]);
	const struct query head[] = { BEGIN_QUERIES(be), { lock_sql, &who }, { sql, prm } };

	r = append(be, what, ev, head, 4, 3, 1);

	if (r != OG_OK)
		pg_rollback(be);
	return r;
}

static int pg_login_accept(void *p, const char *token_id, int64_t step, int64_t drift,
			   int clear_failures, const struct og_audit_event *ev)
{
	(void)clear_failures;	/* one statement either way */
	struct params prm = { .n = 0 };

	p_text(&prm, token_id);
	p_int(&prm, step);
	p_int(&prm, drift);
	p_int(&prm, ev->ts);
	return claim(p, "advance watermark", lock_token_user_sql, accept_sql, &prm, ev);
}

/* name's pseudonym, made when new (the caller holds AUDIT_LOCK). */
static int subject_for(struct pg_be *be, const char *name, char out[OG_SUBJECT_LEN + 1])
{
	struct params prm = { .n = 0 };
	PGresult *res;

	p_text(&prm, name);
	if ((res = run(be, "find subject", "SELECT pseudonym FROM subjects WHERE name = $1",
		       &prm)) == NULL)
		return OG_ERR_STORE;
	out[0] = '\0';
	if (PQntuples(res) == 1)
		copy_val(res, 0, 0, out, OG_SUBJECT_LEN + 1);
	PQclear(res);
	return out[0] ? OG_OK : subject_add(be, name, out);
}

/* Seals row i of res, an entry written before the trail was chained. */
static int seal_one(struct pg_be *be, const PGresult *res, int i, unsigned char prev[OG_CHAIN_LEN])
{
	char ubuf[OG_SUBJECT_LEN + 1], abuf[OG_SUBJECT_LEN + 1];
	struct og_audit_event ev = { .ts = int_val(res, i, 1) };
	const char **f[] = { &ev.host, &ev.event, &ev.result, &ev.reason, &ev.user, &ev.source,
			     &ev.service, &ev.token, &ev.key, &ev.actor, &ev.detail };
	struct params prm = { .n = 0 };
	int64_t id = int_val(res, i, 0);
	int r = OG_OK;

	for (int c = 0; c < 11; c++)
		*f[c] = PQgetisnull(res, i, c + 2) ? NULL : PQgetvalue(res, i, c + 2);
	if ((ev.user && (r = subject_for(be, ev.user, ubuf)) != OG_OK) ||
	    (ev.actor && (r = subject_for(be, ev.actor, abuf)) != OG_OK))
		return r;
	ev.user = ev.user ? ubuf : NULL;
	ev.actor = ev.actor ? abuf : NULL;
	if ((r = og_chain_mac(be->chain, prev, id, &ev, prev)) != OG_OK)
		return r;
	p_int(&prm, id);
	p_text(&prm, ev.user);
	p_text(&prm, ev.actor);
	p_blob(&prm, prev, OG_CHAIN_LEN);
	return run_cmd(be, "seal audit trail", "UPDATE audit SET \"user\" = $2, actor = $3,"
		       " mac = $4 WHERE id = $1", &prm);
}

/* Chains the entries an older version wrote (all before any sealed one). */
static int seal_unsealed(struct pg_be *be)
{
	unsigned char prev[OG_CHAIN_LEN] = { 0 };
	PGresult *res;
	int r;

	if ((r = pg_exec(be, "SELECT pg_advisory_xact_lock(" XSTR(AUDIT_LOCK) ")")) != OG_OK ||
	    (res = run(be, "seal audit trail", "SELECT id, ts, host, event, result, reason,"
		       " \"user\", source, service, token, key, actor, detail FROM audit"
		       " WHERE mac IS NULL ORDER BY id", NULL)) == NULL)
		return r != OG_OK ? r : OG_ERR_STORE;
	if (PQntuples(res) > 0 && be->chain == NULL)
		r = pg_error(be, "sealing the audit trail needs the master key", NULL);
	for (int i = 0; i < PQntuples(res) && r == OG_OK; i++)
		r = seal_one(be, res, i, prev);
	PQclear(res);
	return r;
}

static int pg_init(void *p)
{
	struct pg_be *be = p;
	struct params prm = { .n = 0 };
	int r;

	p_int(&prm, SCHEMA_VERSION);
	if ((r = pg_begin(be)) != OG_OK)
		return r;
	/* several hosts may run init at once: one at a time */
	if ((r = pg_exec(be, "SELECT pg_advisory_xact_lock(" XSTR(INIT_LOCK) ")")) != OG_OK ||
	    (r = pg_exec(be, schema_sql)) != OG_OK || (r = seal_unsealed(be)) != OG_OK ||
	    (r = run_cmd(be, "schema version", "INSERT INTO otpgate_meta VALUES('schema_version', $1)"
			 " ON CONFLICT(key) DO UPDATE SET value = $1", &prm)) != OG_OK)
		return finish(be, r);
	return finish(be, OG_OK);
}

/* Under the row lock: read, count with the shared rule, write back. */
static int count_failure(struct pg_be *be, const char *user, const struct og_lockout *lk,
			 int64_t now, int64_t *locked_until, int *newly)
{
	struct params prm = { .n = 0 };
	struct og_failures f;
	PGresult *res;
	int r;

	p_text(&prm, user);
	if ((r = run_cmd(be, "count failure", "INSERT INTO failures VALUES($1, 0, 0, 0)"
			 " ON CONFLICT(\"user\") DO NOTHING", &prm)) != OG_OK)
		return r;
	if ((res = run(be, "count failure", "SELECT count, window_start, locked_until"
		       " FROM failures WHERE \"user\" = $1 FOR UPDATE", &prm)) == NULL)
		return OG_ERR_STORE;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return OG_ERR_STORE;
	}
	f.count = int_val(res, 0, 0);
	f.window_start = int_val(res, 0, 1);
	f.locked_until = int_val(res, 0, 2);
	PQclear(res);
	*newly = og_lockout_count(&f, 1, now, lk);
	*locked_until = f.locked_until;
	p_int(&prm, f.count);
	p_int(&prm, f.window_start);
	p_int(&prm, f.locked_until);
	return run_cmd(be, "count failure", "UPDATE failures SET count = $2, window_start = $3,"
		       " locked_until = $4 WHERE \"user\" = $1", &prm);
}

/*
 * In a failure's transaction: takes the user's row lock (exclusive of a
 * claim's), then reads, in a statement after it, whether the user may
 * still log in at now; one round trip.
 */
static int fail_standing(struct pg_be *be, const char *user, int64_t now)
{
	struct params prm = { .n = 0 };
	PGresult *res[2];
	int r;

	p_text(&prm, user);
	const struct query q[] = {
		{ "SELECT 1 FROM users WHERE name = $1 FOR NO KEY UPDATE", &prm },
		{ "SELECT" STANDING("$1"), &prm },
	};

	if ((r = run_batch(be, "count failure", q, 2, res)) == OG_OK)
		r = standing_at(res[1], 0, now);
	clear_all(res, 2);
	return r;
}

static int pg_login_fail(void *p, const char *user, const struct og_lockout *lk,
			 const struct og_audit_event *ev, int64_t *locked_until, int *newly)
{
	struct pg_be *be = p;
	int r;

	if (user == NULL)
		return audit_insert(be, ev);
	if ((r = pg_begin(be)) != OG_OK)
		return r;
	/* a failure is a claim too: one for a user locked or removed meanwhile is not counted */
	if ((r = fail_standing(be, user, ev->ts)) == OG_OK && lk->max_failures > 0)
		r = count_failure(be, user, lk, ev->ts, locked_until, newly);
	if (r == OG_OK)
		r = audit_insert(be, ev);
	return finish(be, r);
}

static int pg_audit_add(void *p, const struct og_audit_event *ev)
{
	return audit_insert(p, ev);
}

static int pg_unlock(void *p, const char *user)
{
	struct params prm = { .n = 0 };

	p_text(&prm, user);
	return run_cmd(p, "unlock", "DELETE FROM failures WHERE \"user\" = $1", &prm);
}

static int pg_user_ensure(void *p, const char *user, const char *org, int64_t now)
{
	struct pg_be *be = p;
	struct params prm = { .n = 0 };
	PGresult *res;
	int r, inserted;

	p_text(&prm, user);
	p_text(&prm, org);
	p_int(&prm, now);
	if ((res = run(be, "add user", "WITH ins AS (INSERT INTO users VALUES($1, $2, $3)"
		       " ON CONFLICT(name) DO NOTHING RETURNING org)"
		       " SELECT org, true FROM ins UNION ALL SELECT org, false FROM users WHERE name = $1",
		       &prm)) == NULL)
		return OG_ERR_STORE;
	r = PQntuples(res) >= 1 && strcmp(PQgetvalue(res, 0, 0), org) == 0 ? OG_OK : OG_ERR_EXISTS;
	inserted = r == OG_OK && PQgetvalue(res, 0, 1)[0] == 't';
	PQclear(res);
	/* a new user gets their audit pseudonym now: their first login only reads it */
	if (inserted && be->chain != NULL) {
		char pseudonym[OG_SUBJECT_LEN + 1];
		r = subject_add(be, user, pseudonym);
	}
	return r;
}

static int pg_dek_get(void *p, const char *org, char id[33], unsigned char *wrapped)
{
	struct pg_be *be = p;
	struct params prm = { .n = 0 };
	PGresult *res;
	size_t len = 0;
	int r = OG_ERR_NOTFOUND;

	p_text(&prm, org);
	if ((res = run(be, "read data key", "SELECT id, wrapped FROM data_keys WHERE org = $1",
		       &prm)) == NULL)
		return OG_ERR_STORE;
	if (PQntuples(res) == 1) {
		copy_val(res, 0, 0, id, 33);
		r = copy_bytea(res, 0, 1, wrapped, OG_WRAPPED_DEK_LEN, &len);
		if (r == OG_OK && len != OG_WRAPPED_DEK_LEN)
			r = OG_ERR_STORE;
	}
	PQclear(res);
	return r;
}

static int pg_dek_add(void *p, const char *org, const char *id, const unsigned char *wrapped,
		      int64_t now)
{
	struct params prm = { .n = 0 };

	p_text(&prm, id);
	p_text(&prm, org);
	p_blob(&prm, wrapped, OG_WRAPPED_DEK_LEN);
	p_int(&prm, now);
	return run_cmd(p, "add data key", "INSERT INTO data_keys VALUES($1, $2, $3, $4)", &prm);
}

static int pg_token_add(void *p, const struct og_token *t)
{
	struct params prm = { .n = 0 };

	p_text(&prm, t->id);
	p_text(&prm, t->serial);
	p_text(&prm, t->user[0] ? t->user : NULL);
	p_text(&prm, t->kind);
	p_text(&prm, og_token_state_name(t->state));
	p_text(&prm, og_algo_name(t->params.algo));
	p_int(&prm, t->params.digits);
	p_int(&prm, t->params.period);
	p_int(&prm, t->params.t0);
	p_blob(&prm, t->sealed, t->sealed_len);
	p_text(&prm, t->dek_id);
	p_int(&prm, t->drift);
	p_int(&prm, t->last_step);
	p_int(&prm, t->created);
	p_int(&prm, t->last_used);
	return run_cmd(p, "add token", "INSERT INTO tokens(id, serial, \"user\", kind, state,"
		       " algorithm, digits, period, t0, secret, dek_id, drift, last_step, created,"
		       " last_used) VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13,"
		       " $14, $15)", &prm);
}

/* Runs a one-row UPDATE; OG_ERR_NOTFOUND when it changed nothing. */
static int update_one(struct pg_be *be, const char *what, const char *sql,
		      const struct params *prm)
{
	PGresult *res = run(be, what, sql, prm);
	int r;

	if (res == NULL)
		return OG_ERR_STORE;
	r = atoi(PQcmdTuples(res)) == 1 ? OG_OK : OG_ERR_NOTFOUND;
	PQclear(res);
	return r;
}

static int pg_user_remove(void *p, const char *user, int64_t now)
{
	struct params prm = { .n = 0 };

	p_text(&prm, user);
	p_int(&prm, now);
	return update_one(p, now ? "remove user" : "restore user", now
			  ? "UPDATE users SET removed_at = $2 WHERE name = $1 AND removed_at = 0"
			  : "UPDATE users SET removed_at = $2, removed_with_org = false WHERE name = $1"
			    " AND removed_at > 0", &prm);
}

/* Users removed by `before`, and organisations removed by then with
 * everything of theirs, down to the data key (vacuumed out after). */
static int pg_purge(void *p, int64_t before, int64_t *users, int64_t *orgs)
{
	struct pg_be *be = p;
	struct params prm = { .n = 0 };
	PGresult *res;
	int r;

	p_int(&prm, before);
	if ((r = pg_begin(be)) != OG_OK)
		return r;
	if ((res = run(be, "purge", "WITH go AS (SELECT org FROM org_removals WHERE removed_at <= $1),"
		       " gone AS (SELECT name FROM users WHERE (removed_at > 0 AND removed_at <= $1)"
		       " OR org IN (SELECT org FROM go)),"
		       " t AS (DELETE FROM tokens WHERE \"user\" IN (SELECT name FROM gone) OR dek_id IN"
		       " (SELECT id FROM data_keys WHERE org IN (SELECT org FROM go)) RETURNING dek_id),"
		       " f AS (DELETE FROM failures WHERE \"user\" IN (SELECT name FROM gone)),"
		       " rc AS (DELETE FROM recovery_codes WHERE \"user\" IN (SELECT name FROM gone)),"
		       " k AS (DELETE FROM access_keys WHERE \"user\" IN (SELECT name FROM gone)"
		       " OR org IN (SELECT org FROM go)),"
		       " ad AS (DELETE FROM admins WHERE org IN (SELECT org FROM go)),"
		       " u AS (DELETE FROM users WHERE name IN (SELECT name FROM gone) RETURNING name)"
		       " SELECT (SELECT count(*) FROM u), (SELECT count(*) FROM go)", &prm)) == NULL)
		return finish(be, OG_ERR_STORE);
	*users = int_val(res, 0, 0);
	*orgs = int_val(res, 0, 1);
	PQclear(res);
	/* the data keys after their tokens, in a statement of its own */
	r = run_cmd(be, "purge data keys", "WITH go AS (DELETE FROM org_removals"
		    " WHERE removed_at <= $1 RETURNING org)"
		    " DELETE FROM data_keys WHERE org IN (SELECT org FROM go)", &prm);
	if ((r = finish(be, r)) != OG_OK)
		return r;
	return *orgs > 0 ? pg_exec(be, "VACUUM data_keys") : OG_OK;
}

static int pg_org_remove(void *p, const char *org, int64_t now, int64_t *users)
{
	struct pg_be *be = p;
	struct params prm = { .n = 0 };
	PGresult *res;
	int r;

	p_text(&prm, org);
	if (now > 0)
		p_int(&prm, now);	/* restoring binds the organisation alone */
	if (now > 0)
		res = run(be, "remove organisation", "WITH known AS (SELECT 1 WHERE EXISTS"
			  " (SELECT 1 FROM users WHERE org = $1) OR EXISTS"
			  " (SELECT 1 FROM data_keys WHERE org = $1)),"
			  " o AS (INSERT INTO org_removals(org, removed_at) SELECT $1, $2 FROM known"
			  " ON CONFLICT(org) DO NOTHING RETURNING org),"
			  " u AS (UPDATE users SET removed_at = $2, removed_with_org = true"
			  " WHERE org = $1 AND removed_at = 0 AND EXISTS (SELECT 1 FROM o) RETURNING name)"
			  " SELECT (SELECT count(*) FROM known), (SELECT count(*) FROM o),"
			  " (SELECT count(*) FROM u)", &prm);
	else {
		prm.n = 1;	/* restoring binds the organisation alone */
		res = run(be, "restore organisation", "WITH o AS (DELETE FROM org_removals"
			  " WHERE org = $1 RETURNING removed_at),"
			  " u AS (UPDATE users SET removed_at = 0, removed_with_org = false WHERE org = $1"
			  " AND removed_with_org AND EXISTS (SELECT 1 FROM o) RETURNING name)"
			  " SELECT 1, (SELECT count(*) FROM o), (SELECT count(*) FROM u)", &prm);
	}
	if (res == NULL)
		return OG_ERR_STORE;
	*users = int_val(res, 0, 2);
	r = int_val(res, 0, 0) == 0 ? OG_ERR_NOTFOUND : int_val(res, 0, 1) == 1 ? OG_OK
		: now > 0 ? OG_ERR_EXISTS : OG_ERR_NOTFOUND;
	PQclear(res);
	return r;
}

static int pg_org_removed(void *p, const char *org, int64_t *at)
{
	struct params prm = { .n = 0 };
	PGresult *res;

	p_text(&prm, org);
	if ((res = run(p, "organisation", "SELECT removed_at FROM org_removals WHERE org = $1",
		       &prm)) == NULL)
		return OG_ERR_STORE;
	*at = PQntuples(res) == 1 ? int_val(res, 0, 0) : 0;
	PQclear(res);
	return OG_OK;
}

static int pg_admin_get(void *p, const char *name, char role[16], char org[129])
{
	struct pg_be *be = p;
	struct params prm = { .n = 0 };
	PGresult *res;
	int r = OG_ERR_NOTFOUND;

	p_text(&prm, name);
	if ((res = run(be, "read admin", "SELECT role, org FROM admins WHERE name = $1", &prm)) == NULL)
		return OG_ERR_STORE;
	if (PQntuples(res) == 1) {
		copy_val(res, 0, 0, role, 16);
		copy_val(res, 0, 1, org, 129);
		r = OG_OK;
	}
	PQclear(res);
	return r;
}

static int pg_admin_add(void *p, const char *name, const char *role, const char *org, int64_t now)
{
	struct params prm = { .n = 0 };

	p_text(&prm, name);
	p_text(&prm, role);
	p_text(&prm, org);
	p_int(&prm, now);
	return run_cmd(p, "add admin", "INSERT INTO admins(name, role, org, created)"
		       " VALUES($1, $2, $3, $4)", &prm);
}

static int pg_erase(void *p, const char *user, struct og_audit_event *ev,
		    char pseudonym[OG_SUBJECT_LEN + 1])
{
	struct pg_be *be = p;
	struct params prm = { .n = 0 };
	PGresult *res;
	int r, found;

	p_text(&prm, user);
	if ((r = pg_begin(be)) != OG_OK ||
	    (r = pg_exec(be, "SELECT pg_advisory_xact_lock(" XSTR(AUDIT_LOCK) ")")) != OG_OK)
		return finish(be, r);
	if ((res = run(be, "erase", "WITH t AS (DELETE FROM tokens WHERE \"user\" = $1),"
		       " f AS (DELETE FROM failures WHERE \"user\" = $1),"
		       " rc AS (DELETE FROM recovery_codes WHERE \"user\" = $1),"
		       " k AS (DELETE FROM access_keys WHERE \"user\" = $1),"
		       " u AS (DELETE FROM users WHERE name = $1 RETURNING name),"
		       " s AS (DELETE FROM subjects WHERE name = $1 RETURNING pseudonym)"
		       " SELECT (SELECT count(*) FROM u), (SELECT pseudonym FROM s)", &prm)) == NULL)
		return finish(be, OG_ERR_STORE);
	copy_val(res, 0, 1, pseudonym, OG_SUBJECT_LEN + 1);
	found = int_val(res, 0, 0) > 0 || pseudonym[0] != '\0';
	PQclear(res);
	if (!found)
		return finish(be, OG_ERR_NOTFOUND);
	ev->user = NULL;
	ev->detail = pseudonym[0] ? pseudonym : NULL;
	/* stored even when audit.store is off: it keeps the chain verifiable */
	ev->syslog_only = 0;
	return finish(be, pseudonym[0] ? append(be, "erase", ev, NULL, 0, -1, 0) : OG_OK);
}

static int pg_token_get(void *p, const char *serial, struct og_token *out)
{
	struct pg_be *be = p;
	struct params prm = { .n = 0 };
	PGresult *res;
	int r = OG_ERR_NOTFOUND;

	p_text(&prm, serial);
	if ((res = run(be, "read token", "SELECT " TOKEN_COLS " FROM tokens t JOIN data_keys d"
		       " ON d.id = t.dek_id WHERE t.serial = $1", &prm)) == NULL)
		return OG_ERR_STORE;
	if (PQntuples(res) == 1)
		r = read_token(res, 0, 0, out);
	PQclear(res);
	return r;
}

static int pg_token_assign(void *p, const struct og_token *t)
{
	struct params prm = { .n = 0 };

	p_text(&prm, t->id);
	p_text(&prm, t->user);
	p_blob(&prm, t->sealed, t->sealed_len);
	p_text(&prm, t->dek_id);
	return update_one(p, "assign token", "UPDATE tokens SET \"user\" = $2, secret = $3,"
			  " dek_id = $4, state = 'active' WHERE id = $1 AND state = 'stock'", &prm);
}

static int pg_token_activate(void *p, const char *token_id, int64_t step, int64_t drift)
{
	struct params prm = { .n = 0 };

	p_text(&prm, token_id);
	p_int(&prm, step);
	p_int(&prm, drift);
	return update_one(p, "activate token", "UPDATE tokens SET state = 'active', last_step = $2,"
			  " drift = $3 WHERE id = $1 AND state = 'pending'", &prm);
}

static int pg_token_resync(void *p, const char *token_id, int64_t drift, int64_t step)
{
	struct params prm = { .n = 0 };

	p_text(&prm, token_id);
	p_int(&prm, drift);
	p_int(&prm, step);
	return update_one(p, "resync token", "UPDATE tokens SET drift = $2,"
			  " last_step = GREATEST(last_step, $3) WHERE id = $1 AND state = 'active'", &prm);
}

static int pg_recovery_set(void *p, const char *user, const struct og_recovery_set *set,
			   int64_t now)
{
	struct pg_be *be = p;
	struct params prm = { .n = 0 };
	int r;

	p_text(&prm, user);
	if ((r = pg_begin(be)) != OG_OK)
		return r;
	if ((r = run_cmd(be, "replace recovery codes", "DELETE FROM recovery_codes"
			 " WHERE \"user\" = $1", &prm)) != OG_OK)
		return finish(be, r);
	for (int i = 0; i < set->n && r == OG_OK; i++) {
		prm.n = 1;
		p_int(&prm, set->idx[i]);
		p_blob(&prm, set->salt, OG_RECOVERY_SALT);
		p_blob(&prm, set->hash[i], OG_RECOVERY_HASH);
		p_int(&prm, now);
		r = run_cmd(be, "add recovery code", "INSERT INTO recovery_codes(\"user\", idx, salt,"
			    " hash, created) VALUES($1, $2, $3, $4, $5)", &prm);
	}
	return finish(be, r);
}

static int pg_recovery_get(void *p, const char *user, struct og_recovery_set *set)
{
	struct pg_be *be = p;
	struct params prm = { .n = 0 };
	PGresult *res;
	size_t len;
	int r = OG_OK;

	p_text(&prm, user);
	if ((res = run(be, "read recovery codes", "SELECT idx, salt, hash, used FROM recovery_codes"
		       " WHERE \"user\" = $1 ORDER BY idx", &prm)) == NULL)
		return OG_ERR_STORE;
	for (int row = 0; row < PQntuples(res) && set->n < OG_RECOVERY_CODES && r == OG_OK; row++) {
		int i = set->n++;
		set->idx[i] = (int)int_val(res, row, 0);
		if ((r = copy_bytea(res, row, 1, set->salt, sizeof(set->salt), &len)) == OG_OK)
			r = copy_bytea(res, row, 2, set->hash[i], sizeof(set->hash[i]), &len);
		set->used[i] = int_val(res, row, 3) != 0;
	}
	PQclear(res);
	return r;
}

/* Use and failure reset in one statement, then the audit entry, like a code's acceptance. */
static int pg_recovery_use(void *p, const char *user, int idx, const struct og_audit_event *ev)
{
	struct params prm = { .n = 0 };

	p_text(&prm, user);
	p_int(&prm, idx);
	p_int(&prm, ev->ts);
	return claim(p, "use recovery code", lock_user_sql, "WITH u AS (UPDATE recovery_codes"
		     " SET used = $3 WHERE \"user\" = $1 AND idx = $2 AND used = 0 RETURNING \"user\"),"
		     " clr AS (DELETE FROM failures WHERE \"user\" IN (SELECT \"user\" FROM u))"
		     " SELECT (SELECT count(*) FROM u)," STANDING("$1"), &prm, ev);
}

static int pg_token_revoke(void *p, const char *serial)
{
	struct params prm = { .n = 0 };

	p_text(&prm, serial);
	return update_one(p, "revoke token", "UPDATE tokens SET state = 'revoked' WHERE serial = $1"
			  " AND state IN ('active', 'pending')", &prm);
}

static int pg_token_list(void *p, const char *user,
			 int (*cb)(void *arg, const struct og_token *t), void *arg)
{
	struct pg_be *be = p;
	struct params prm = { .n = 0 };
	struct og_token t;
	PGresult *res;
	int r = OG_OK;

	p_text(&prm, user);
	if ((res = run(be, "list tokens", "SELECT " TOKEN_COLS " FROM tokens t JOIN data_keys d"
		       " ON d.id = t.dek_id WHERE $1::text IS NULL OR t.\"user\" = $1"
		       " ORDER BY t.\"user\", t.created", &prm)) == NULL)
		return OG_ERR_STORE;
	for (int i = 0; i < PQntuples(res); i++) {
		memset(&t, 0, sizeof(t));
		if ((r = read_token(res, i, 0, &t)) != OG_OK || cb(arg, &t) != 0)
			break;
	}
	memset(&t, 0, sizeof(t));
	PQclear(res);
	return r;
}

static int pg_user_list(void *p, int (*cb)(void *arg, const struct og_user_row *u), void *arg)
{
	struct pg_be *be = p;
	struct og_user_row u;
	PGresult *res = run(be, "list users", "SELECT name, org, created, removed_at,"
			    " removed_with_org FROM users ORDER BY name", NULL);

	if (res == NULL)
		return OG_ERR_STORE;
	for (int i = 0; i < PQntuples(res); i++) {
		copy_val(res, i, 0, u.name, sizeof(u.name));
		copy_val(res, i, 1, u.org, sizeof(u.org));
		u.created = int_val(res, i, 2);
		u.removed_at = int_val(res, i, 3);
		u.removed_with_org = PQgetvalue(res, i, 4)[0] == 't';
		if (cb(arg, &u) != 0)
			break;
	}
	PQclear(res);
	return OG_OK;
}

static int pg_dek_list(void *p, int (*cb)(void *arg, const struct og_dek_row *d), void *arg)
{
	struct pg_be *be = p;
	struct og_dek_row d;
	size_t len;
	int r = OG_OK;
	PGresult *res = run(be, "list data keys",
			    "SELECT id, org, wrapped, created FROM data_keys ORDER BY org", NULL);

	if (res == NULL)
		return OG_ERR_STORE;
	for (int i = 0; i < PQntuples(res) && r == OG_OK; i++) {
		copy_val(res, i, 0, d.id, sizeof(d.id));
		copy_val(res, i, 1, d.org, sizeof(d.org));
		r = copy_bytea(res, i, 2, d.wrapped, sizeof(d.wrapped), &len);
		if (r == OG_OK && len != sizeof(d.wrapped))
			r = OG_ERR_STORE;
		d.created = int_val(res, i, 3);
		if (r == OG_OK && cb(arg, &d) != 0)
			break;
	}
	PQclear(res);
	return r;
}

static int pg_dek_put(void *p, const struct og_dek_row *d)
{
	return pg_dek_add(p, d->org, d->id, d->wrapped, d->created);
}

/* "erased-" and the pseudonym, when the subject has no name any more. */
static const char *shown_name(const PGresult *res, int row, int col, const char *subject,
			      char *buf, size_t cap, int *erased)
{
	*erased = subject != NULL && PQgetisnull(res, row, col);
	if (!*erased)
		return subject ? PQgetvalue(res, row, col) : NULL;
	snprintf(buf, cap, "%s%s", OG_ERASED_PREFIX, subject);
	return buf;
}

/* Buffers behind one audit row read from a result. */
struct audit_buf {
	struct og_audit_row row;
	unsigned char mac[OG_CHAIN_LEN];
	char ubuf[64], abuf[64];
};

static void read_audit_row(const PGresult *res, int i, struct audit_buf *b)
{
	struct og_audit_event *ev = &b->row.ev;
	const char **f[] = { &ev->host, &ev->event, &ev->result, &ev->reason, &b->row.user_subject,
			     &ev->source, &ev->service, &ev->token, &ev->key, &b->row.actor_subject,
			     &ev->detail };

	memset(&b->row, 0, sizeof(b->row));
	ev->ts = int_val(res, i, 0);
	for (int c = 0; c < 11; c++)
		*f[c] = PQgetisnull(res, i, c + 1) ? NULL : PQgetvalue(res, i, c + 1);
	b->row.id = int_val(res, i, 12);
	if (!PQgetisnull(res, i, 13) &&
	    copy_bytea(res, i, 13, b->mac, sizeof(b->mac), &b->row.mac_len) == OG_OK)
		b->row.mac = b->mac;
	else
		b->row.mac_len = 0;
	ev->user = shown_name(res, i, 14, b->row.user_subject, b->ubuf, sizeof(b->ubuf),
			      &b->row.user_erased);
	ev->actor = shown_name(res, i, 15, b->row.actor_subject, b->abuf, sizeof(b->abuf),
			       &b->row.actor_erased);
}

#define AUDIT_COLS "a.ts, a.host, a.event, a.result, a.reason, a.\"user\", a.source, a.service," \
	" a.token, a.key, a.actor, a.detail, a.id, a.mac, su.name, sa.name FROM audit a" \
	" LEFT JOIN subjects su ON su.pseudonym = a.\"user\"" \
	" LEFT JOIN subjects sa ON sa.pseudonym = a.actor"

/* The trail streams row by row (single-row mode): it may hold millions. */
static int pg_audit_list(void *p, int (*cb)(void *arg, const struct og_audit_row *row), void *arg)
{
	struct pg_be *be = p;
	struct audit_buf b;
	PGresult *res;
	int stop = 0, r, w = OG_OK;

	if ((r = send_query(be, "list audit", "SELECT " AUDIT_COLS " ORDER BY a.id", NULL,
			    0)) != OG_OK)
		return r;
	if (!PQsetSingleRowMode(be->conn))
		r = pg_error(be, "list audit", NULL);
	/* each row within store.timeout of the one before (the server's
	 * statement_timeout bounds the whole) */
	while ((res = next_result(be, "list audit", deadline(be), &w)) != NULL) {
		ExecStatusType st = PQresultStatus(res);
		if (st == PGRES_SINGLE_TUPLE && !stop && r == OG_OK) {
			read_audit_row(res, 0, &b);
			stop = cb(arg, &b.row) != 0;
		} else if (st != PGRES_SINGLE_TUPLE && st != PGRES_TUPLES_OK && r == OG_OK) {
			r = pg_error(be, "list audit", res);
		}
		PQclear(res);	/* after a stop, the rest is read and dropped */
	}
	return r != OG_OK ? r : w;
}

static int pg_subject_list(void *p, int (*cb)(void *arg, const struct og_subject_row *sr),
			   void *arg)
{
	struct og_subject_row row;
	PGresult *res = run(p, "list subjects", "SELECT pseudonym, name, salt FROM subjects"
			    " ORDER BY pseudonym", NULL);
	size_t n;

	if (res == NULL)
		return OG_ERR_STORE;
	for (int i = 0; i < PQntuples(res); i++) {
		memset(&row, 0, sizeof(row));
		copy_val(res, i, 0, row.pseudonym, sizeof(row.pseudonym));
		row.name = PQgetvalue(res, i, 1);
		row.salt_ok = copy_bytea(res, i, 2, row.salt, sizeof(row.salt), &n) == OG_OK &&
			      n == sizeof(row.salt);
		if (cb(arg, &row) != 0)
			break;
	}
	PQclear(res);
	return OG_OK;
}

/* A duplicate id is a unique violation: OG_ERR_EXISTS. */
static int pg_spool_mark(void *p, const char *id, int64_t now)
{
	struct params prm = { .n = 0 };

	p_text(&prm, id);
	p_int(&prm, now);
	return run_cmd(p, "mark spooled rows written",
		       "INSERT INTO spool_flushed(id, at) VALUES($1, $2)", &prm);
}

static void pg_set_chain(void *p, const struct og_chain_key *k)
{
	((struct pg_be *)p)->chain = k;
}

static int pg_counts(void *p, struct og_store_counts *out)
{
	struct pg_be *be = p;
	PGresult *res = run(be, "count rows", "SELECT (SELECT count(*) FROM users),"
			    " (SELECT count(*) FROM data_keys), (SELECT count(*) FROM tokens),"
			    " (SELECT count(*) FROM audit), (SELECT count(*) FROM admins),"
			    " (SELECT count(*) FROM recovery_codes), (SELECT count(*) FROM failures),"
			    " (SELECT count(*) FROM org_removals), (SELECT count(*) FROM access_keys),"
			    " (SELECT count(*) FROM spool_flushed)", NULL);

	if (res == NULL)
		return OG_ERR_STORE;
	out->users = int_val(res, 0, 0);
	out->data_keys = int_val(res, 0, 1);
	out->tokens = int_val(res, 0, 2);
	out->audit = int_val(res, 0, 3);
	out->admins = int_val(res, 0, 4);
	out->recovery_codes = int_val(res, 0, 5);
	out->failures = int_val(res, 0, 6);
	out->org_removals = int_val(res, 0, 7);
	out->access_keys = int_val(res, 0, 8);
	out->spool_flushed = int_val(res, 0, 9);
	PQclear(res);
	return OG_OK;
}

static int read_key(const PGresult *res, int row, struct og_access_key *k)
{
	char state[16];

	copy_val(res, row, 0, k->id, sizeof(k->id));
	copy_val(res, row, 1, k->user, sizeof(k->user));
	copy_val(res, row, 2, k->org, sizeof(k->org));
	copy_val(res, row, 3, k->type, sizeof(k->type));
	copy_val(res, row, 4, k->pubkey, sizeof(k->pubkey));
	copy_val(res, row, 5, k->fingerprint, sizeof(k->fingerprint));
	copy_val(res, row, 6, k->origin, sizeof(k->origin));
	copy_val(res, row, 7, state, sizeof(state));
	copy_val(res, row, 8, k->predecessor, sizeof(k->predecessor));
	k->created = int_val(res, row, 9);
	k->last_used = int_val(res, row, 10);
	k->not_after = int_val(res, row, 11);
	return og_key_state_parse(state, &k->state) == OG_OK ? OG_OK : OG_ERR_STORE;
}

static int pg_keys_ready(void *p)
{
	(void)p;
	return OG_OK;
}

static int pg_key_add(void *p, const struct og_access_key *k)
{
	struct params prm = { .n = 0 };

	p_text(&prm, k->id);
	p_text(&prm, k->user);
	p_text(&prm, k->org);
	p_text(&prm, k->type);
	p_text(&prm, k->pubkey);
	p_text(&prm, k->fingerprint);
	p_text(&prm, k->origin);
	p_text(&prm, og_key_state_name(k->state));
	p_text(&prm, k->predecessor);
	p_int(&prm, k->created);
	p_int(&prm, k->last_used);
	p_int(&prm, k->not_after);
	return run_cmd(p, "add key", "INSERT INTO access_keys(" KEY_COLS ") VALUES($1, $2, $3,"
		       " $4, $5, $6, $7, $8, $9, $10, $11, $12)", &prm);
}

static int pg_key_list(void *p, const char *user,
		       int (*cb)(void *arg, const struct og_access_key *k), void *arg)
{
	struct pg_be *be = p;
	struct params prm = { .n = 0 };
	struct og_access_key k;
	PGresult *res;
	int r = OG_OK;

	p_text(&prm, user);
	if ((res = run(be, "list keys", "SELECT " KEY_COLS " FROM access_keys WHERE $1::text IS NULL"
		       " OR \"user\" = $1 ORDER BY \"user\", created, id", &prm)) == NULL)
		return OG_ERR_STORE;
	for (int i = 0; i < PQntuples(res); i++) {
		if ((r = read_key(res, i, &k)) != OG_OK || cb(arg, &k) != 0)
			break;
	}
	PQclear(res);
	return r;
}

static int pg_key_set_state(void *p, const char *id, enum og_key_state expect,
			    enum og_key_state state, int64_t not_after)
{
	struct params prm = { .n = 0 };

	p_text(&prm, id);
	p_text(&prm, og_key_state_name(state));
	p_int(&prm, not_after);
	p_text(&prm, og_key_state_name(expect));
	return update_one(p, "set key state", "UPDATE access_keys SET state = $2, not_after = $3"
			  " WHERE id = $1 AND state = $4", &prm);
}

static int pg_key_touch(void *p, const char *fingerprint, int64_t now)
{
	struct params prm = { .n = 0 };

	p_text(&prm, fingerprint);
	p_int(&prm, now);
	return run_cmd(p, "touch key", "UPDATE access_keys SET last_used = $2"
		       " WHERE fingerprint = $1", &prm);
}

static int pg_key_by_fp(void *p, const char *fingerprint, struct og_access_key *out)
{
	struct pg_be *be = p;
	struct params prm = { .n = 0 };
	PGresult *res;
	int r = OG_ERR_NOTFOUND;

	p_text(&prm, fingerprint);
	if ((res = run(be, "find key", "SELECT " KEY_COLS " FROM access_keys WHERE fingerprint = $1",
		       &prm)) == NULL)
		return OG_ERR_STORE;
	if (PQntuples(res) == 1)
		r = read_key(res, 0, out);
	PQclear(res);
	return r;
}

static int pg_admin_list(void *p, int (*cb)(void *arg, const struct og_admin_row *a), void *arg)
{
	struct og_admin_row a;
	PGresult *res = run(p, "list admins", "SELECT name, role, org, created FROM admins"
			    " ORDER BY name", NULL);

	if (res == NULL)
		return OG_ERR_STORE;
	for (int i = 0; i < PQntuples(res); i++) {
		copy_val(res, i, 0, a.name, sizeof(a.name));
		copy_val(res, i, 1, a.role, sizeof(a.role));
		copy_val(res, i, 2, a.org, sizeof(a.org));
		a.created = int_val(res, i, 3);
		if (cb(arg, &a) != 0)
			break;
	}
	PQclear(res);
	return OG_OK;
}

static int pg_recovery_list(void *p, int (*cb)(void *arg, const struct og_recovery_row *r),
			    void *arg)
{
	struct og_recovery_row r;
	size_t n1 = 0, n2 = 0;
	int ret = OG_OK;
	PGresult *res = run(p, "list recovery codes", "SELECT \"user\", idx, salt, hash, used,"
			    " created FROM recovery_codes ORDER BY \"user\", idx", NULL);

	if (res == NULL)
		return OG_ERR_STORE;
	for (int i = 0; i < PQntuples(res); i++) {
		copy_val(res, i, 0, r.user, sizeof(r.user));
		r.idx = (int)int_val(res, i, 1);
		if (copy_bytea(res, i, 2, r.salt, sizeof(r.salt), &n1) != OG_OK ||
		    copy_bytea(res, i, 3, r.hash, sizeof(r.hash), &n2) != OG_OK ||
		    n1 != sizeof(r.salt) || n2 != sizeof(r.hash)) {
			ret = pg_error(p, "recovery code row malformed", NULL);
			break;
		}
		r.used = int_val(res, i, 4);
		r.created = int_val(res, i, 5);
		if (cb(arg, &r) != 0)
			break;
	}
	OPENSSL_cleanse(&r, sizeof(r));
	PQclear(res);
	return ret;
}

static int pg_recovery_put(void *p, const struct og_recovery_row *r)
{
	struct params prm = { .n = 0 };

	p_text(&prm, r->user);
	p_int(&prm, r->idx);
	p_blob(&prm, r->salt, sizeof(r->salt));
	p_blob(&prm, r->hash, sizeof(r->hash));
	p_int(&prm, r->used);
	p_int(&prm, r->created);
	return run_cmd(p, "add recovery code", "INSERT INTO recovery_codes(\"user\", idx, salt, hash,"
		       " used, created) VALUES($1, $2, $3, $4, $5, $6)", &prm);
}

static int pg_failure_list(void *p, int (*cb)(void *arg, const struct og_failure_row *f),
			   void *arg)
{
	struct og_failure_row f;
	PGresult *res = run(p, "list failures", "SELECT \"user\", count, window_start,"
			    " locked_until FROM failures ORDER BY \"user\"", NULL);

	if (res == NULL)
		return OG_ERR_STORE;
	for (int i = 0; i < PQntuples(res); i++) {
		copy_val(res, i, 0, f.user, sizeof(f.user));
		f.f.count = int_val(res, i, 1);
		f.f.window_start = int_val(res, i, 2);
		f.f.locked_until = int_val(res, i, 3);
		if (cb(arg, &f) != 0)
			break;
	}
	PQclear(res);
	return OG_OK;
}

static int pg_failure_put(void *p, const struct og_failure_row *f)
{
	struct params prm = { .n = 0 };

	p_text(&prm, f->user);
	p_int(&prm, f->f.count);
	p_int(&prm, f->f.window_start);
	p_int(&prm, f->f.locked_until);
	return run_cmd(p, "set failures", "INSERT INTO failures(\"user\", count, window_start,"
		       " locked_until) VALUES($1, $2, $3, $4) ON CONFLICT(\"user\") DO UPDATE"
		       " SET count = $2, window_start = $3, locked_until = $4", &prm);
}

static int pg_org_removal_list(void *p, int (*cb)(void *arg, const struct og_org_removal_row *o),
			       void *arg)
{
	struct og_org_removal_row o;
	PGresult *res = run(p, "list org removals", "SELECT org, removed_at FROM org_removals"
			    " ORDER BY org", NULL);

	if (res == NULL)
		return OG_ERR_STORE;
	for (int i = 0; i < PQntuples(res); i++) {
		copy_val(res, i, 0, o.org, sizeof(o.org));
		o.removed_at = int_val(res, i, 1);
		if (cb(arg, &o) != 0)
			break;
	}
	PQclear(res);
	return OG_OK;
}

static int pg_spool_mark_list(void *p, int (*cb)(void *arg, const struct og_spool_mark_row *m),
			      void *arg)
{
	struct og_spool_mark_row m;
	PGresult *res = run(p, "list spool marks", "SELECT id, at FROM spool_flushed ORDER BY id",
			    NULL);

	if (res == NULL)
		return OG_ERR_STORE;
	for (int i = 0; i < PQntuples(res); i++) {
		copy_val(res, i, 0, m.id, sizeof(m.id));
		m.at = int_val(res, i, 1);
		if (cb(arg, &m) != 0)
			break;
	}
	PQclear(res);
	return OG_OK;
}

static int pg_org_removal_put(void *p, const struct og_org_removal_row *o)
{
	struct params prm = { .n = 0 };

	p_text(&prm, o->org);
	p_int(&prm, o->removed_at);
	return run_cmd(p, "add org removal", "INSERT INTO org_removals(org, removed_at)"
		       " VALUES($1, $2)", &prm);
}

static int pg_user_removal_put(void *p, const char *user, int64_t removed_at, int with_org)
{
	struct params prm = { .n = 0 };

	p_text(&prm, user);
	p_int(&prm, removed_at);
	p_text(&prm, with_org ? "true" : "false");
	return update_one(p, "set user removal", "UPDATE users SET removed_at = $2,"
			  " removed_with_org = $3 WHERE name = $1", &prm);
}

static int pg_audit_head(void *p, struct og_audit_head *out)
{
	size_t n = 0;
	PGresult *res = run(p, "read audit head", "SELECT (SELECT count(*) FROM audit), id, ts, mac"
			    " FROM audit ORDER BY id DESC LIMIT 1", NULL);

	if (res == NULL)
		return OG_ERR_STORE;
	if (PQntuples(res) == 1) {
		out->entries = int_val(res, 0, 0);
		out->last_id = int_val(res, 0, 1);
		out->last_ts = int_val(res, 0, 2);
		out->mac_ok = !PQgetisnull(res, 0, 3) &&
			      copy_bytea(res, 0, 3, out->mac, sizeof(out->mac), &n) == OG_OK &&
			      n == OG_CHAIN_LEN;
	}
	PQclear(res);
	return OG_OK;
}

static int pg_audit_last(void *p, const char *reason,
			 int (*cb)(void *arg, const struct og_audit_row *row), void *arg)
{
	struct params prm = { .n = 0 };
	struct audit_buf b;
	PGresult *res;

	p_text(&prm, reason);
	if ((res = run(p, "read audit", "SELECT " AUDIT_COLS " WHERE a.reason = $1"
		       " ORDER BY a.id DESC LIMIT 1", &prm)) == NULL)
		return OG_ERR_STORE;
	if (PQntuples(res) == 1) {
		read_audit_row(res, 0, &b);
		cb(arg, &b.row);
	}
	PQclear(res);
	return OG_OK;
}

static int pg_token_count(void *p, enum og_token_state state, int64_t created_before, int64_t *n)
{
	struct params prm = { .n = 0 };
	PGresult *res;

	p_text(&prm, og_token_state_name(state));
	p_int(&prm, created_before);
	if ((res = run(p, "count tokens", "SELECT count(*) FROM tokens WHERE state = $1"
		       " AND created < $2", &prm)) == NULL)
		return OG_ERR_STORE;
	*n = int_val(res, 0, 0);
	PQclear(res);
	return OG_OK;
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

const struct og_store_ops og_store_pg_ops = {
	.name = "postgresql",
	.open = pg_open,
	.close = pg_close,
	.init = pg_init,
	.check_schema = pg_check_schema,
	.user_state = pg_user_state,
	.login_accept = pg_login_accept,
	.login_fail = pg_login_fail,
	.audit_add = pg_audit_add,
	.unlock = pg_unlock,
	.user_ensure = pg_user_ensure,
	.dek_get = pg_dek_get,
	.dek_add = pg_dek_add,
	.token_add = pg_token_add,
	.token_activate = pg_token_activate,
	.user_remove = pg_user_remove,
	.purge = pg_purge,
	.org_remove = pg_org_remove,
	.org_removed = pg_org_removed,
	.erase = pg_erase,
	.admin_get = pg_admin_get,
	.admin_add = pg_admin_add,
	.token_get = pg_token_get,
	.token_assign = pg_token_assign,
	.token_revoke = pg_token_revoke,
	.token_resync = pg_token_resync,
	.recovery_set = pg_recovery_set,
	.recovery_get = pg_recovery_get,
	.recovery_use = pg_recovery_use,
	.token_list = pg_token_list,
	.user_list = pg_user_list,
	.dek_list = pg_dek_list,
	.dek_put = pg_dek_put,
	.audit_list = pg_audit_list,
	.subject_list = pg_subject_list,
	.set_chain = pg_set_chain,
	.counts = pg_counts,
	.keys_ready = pg_keys_ready,
	.key_add = pg_key_add,
	.key_list = pg_key_list,
	.key_set_state = pg_key_set_state,
	.key_touch = pg_key_touch,
	.key_by_fp = pg_key_by_fp,
	.spool_mark = pg_spool_mark,
	.begin = pg_begin,
	.commit = pg_commit,
	.rollback = pg_rollback,
	.admin_list = pg_admin_list,
	.recovery_list = pg_recovery_list,
	.recovery_put = pg_recovery_put,
	.failure_list = pg_failure_list,
	.failure_put = pg_failure_put,
	.org_removal_list = pg_org_removal_list,
	.org_removal_put = pg_org_removal_put,
	.user_removal_put = pg_user_removal_put,
	.spool_mark_list = pg_spool_mark_list,
	.audit_head = pg_audit_head,
	.audit_last = pg_audit_last,
	.token_count = pg_token_count,
	.stored_version = pg_stored_version,
	.schema_version = SCHEMA_VERSION,
};

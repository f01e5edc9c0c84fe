/*
 * store_backend.h: inside the store, private to libotpgate's store*.c and
 * the backends (the front ends include store.h only).
 *
 * The store is written once, in terms of statements: every operation of
 * store.h binds values to one or more statements of enum og_q, runs them
 * through the backend, and reads the rows back through the backend's
 * column readers. What a backend provides is only what differs between
 * database dialects: the SQL it cannot share (the core's statement is
 * NULL there), how a statement is run and a batch of them sent, how a
 * column is read, its transactions, and how its schema is made.
 *
 * A new store operation: a statement in enum og_q and its line in
 * og_statements (store_sql.c), a dialect's own SQL where the shared text
 * will not do, and its og_store_* function. A new table: OG_SCHEMA_SQL
 * below (and, if it holds a person's data, OG_PERSON_TABLES).
 */
#ifndef OTPGATE_STORE_BACKEND_H
#define OTPGATE_STORE_BACKEND_H

#include <stddef.h>
#include <stdint.h>
#include "store.h"

/*
 * 2: users.removed_at; 3: admins; 4: audit chain, subjects, org removal;
 * 5: spool_flushed; 6: tokens.otp_kind (HOTP); 7: sessions,
 * failures.failure_mode_until and failures.replay_step (each backend's
 * init adds what a store lacks, keyed on what exists: "to schema 7");
 * 8: invitations (a table: made by the schema's CREATE TABLE IF NOT EXISTS)
 */
#define OG_SCHEMA_VERSION 8

/*
 * The schema, in each dialect's words: INT a 64-bit integer, BLOB bytes,
 * BOOL and FALSE a flag, SERIAL the audit trail's id column, NOROWID what
 * a table keyed by its primary key alone says, VIEW how a view is made
 * or replaced. The key registry (access_keys) is REGISTRY_SQL: SQLite
 * keeps it in a database of its own, attached as REG ("reg.").
 */
#define OG_SCHEMA_SQL(INT, BLOB, BOOL, FALSE, SERIAL, NOROWID, VIEW) \
	"CREATE TABLE IF NOT EXISTS users(" \
	" name TEXT PRIMARY KEY, org TEXT NOT NULL DEFAULT '', created " INT " NOT NULL," \
	" removed_at " INT " NOT NULL DEFAULT 0," \
	" removed_with_org " BOOL " NOT NULL DEFAULT " FALSE ");" \
	"CREATE TABLE IF NOT EXISTS data_keys(" \
	" id TEXT PRIMARY KEY, org TEXT NOT NULL UNIQUE, wrapped " BLOB " NOT NULL," \
	" created " INT " NOT NULL);" \
	"CREATE TABLE IF NOT EXISTS tokens(" \
	" id TEXT PRIMARY KEY, serial TEXT NOT NULL UNIQUE, \"user\" TEXT," \
	" kind TEXT NOT NULL, state TEXT NOT NULL, algorithm TEXT NOT NULL," \
	" digits INTEGER NOT NULL, period INTEGER NOT NULL, t0 " INT " NOT NULL DEFAULT 0," \
	" secret " BLOB " NOT NULL, dek_id TEXT NOT NULL REFERENCES data_keys(id)," \
	" drift " INT " NOT NULL DEFAULT 0, last_step " INT " NOT NULL DEFAULT -1," \
	" created " INT " NOT NULL, last_used " INT " NOT NULL DEFAULT 0," \
	" otp_kind TEXT NOT NULL DEFAULT 'totp');" \
	"CREATE INDEX IF NOT EXISTS tokens_user ON tokens(\"user\", state);" \
	"CREATE TABLE IF NOT EXISTS failures(" \
	" \"user\" TEXT PRIMARY KEY, count " INT " NOT NULL, window_start " INT " NOT NULL," \
	" locked_until " INT " NOT NULL DEFAULT 0," \
	" failure_mode_until " INT " NOT NULL DEFAULT 0, replay_step " INT " NOT NULL DEFAULT -1);" \
	"CREATE TABLE IF NOT EXISTS audit(" \
	" id " SERIAL ", ts " INT " NOT NULL, host TEXT, event TEXT NOT NULL," \
	" result TEXT, reason TEXT, \"user\" TEXT, source TEXT, service TEXT, token TEXT," \
	" key TEXT, actor TEXT, detail TEXT, mac " BLOB ");" \
	/* no index on user: entries name people by random pseudonym, so one would \
	 * take a random write per entry; every reader scans the trail anyway */ \
	"DROP INDEX IF EXISTS audit_user;" \
	/* keyed by name: a login's lookup and a new name's insert touch two \
	 * b-trees (this one, and the pseudonym index), not three */ \
	"CREATE TABLE IF NOT EXISTS subjects(" \
	" name TEXT PRIMARY KEY, pseudonym TEXT NOT NULL UNIQUE, salt " BLOB " NOT NULL," \
	" created " INT " NOT NULL)" NOROWID ";" \
	"CREATE TABLE IF NOT EXISTS org_removals(" \
	" org TEXT PRIMARY KEY, removed_at " INT " NOT NULL);" \
	/* the chunks of spooled rows already written (see spool.h) */ \
	"CREATE TABLE IF NOT EXISTS spool_flushed(id TEXT PRIMARY KEY, at " INT " NOT NULL)" \
	NOROWID ";" \
	/* the trail as people read it: names instead of pseudonyms */ \
	VIEW " audit_named AS" \
	" SELECT a.id, a.ts, a.host, a.event, a.result, a.reason," \
	" CASE WHEN a.\"user\" IS NULL THEN NULL ELSE COALESCE(su.name, 'erased-' || a.\"user\")" \
	" END AS \"user\", a.source, a.service, a.token, a.key," \
	" CASE WHEN a.actor IS NULL THEN NULL ELSE COALESCE(sa.name, 'erased-' || a.actor)" \
	" END AS actor, a.detail, a.mac FROM audit a" \
	" LEFT JOIN subjects su ON su.pseudonym = a.\"user\"" \
	" LEFT JOIN subjects sa ON sa.pseudonym = a.actor;" \
	"CREATE TABLE IF NOT EXISTS admins(" \
	" name TEXT PRIMARY KEY, role TEXT NOT NULL, org TEXT NOT NULL DEFAULT ''," \
	" created " INT " NOT NULL);" \
	"CREATE TABLE IF NOT EXISTS recovery_codes(" \
	" \"user\" TEXT NOT NULL, idx INTEGER NOT NULL, salt " BLOB " NOT NULL," \
	" hash " BLOB " NOT NULL, used " INT " NOT NULL DEFAULT 0, created " INT " NOT NULL," \
	" PRIMARY KEY(\"user\", idx));" \
	/* the sessions open on every bastion of the store (the session phase) */ \
	"CREATE TABLE IF NOT EXISTS sessions(" \
	" id TEXT PRIMARY KEY, \"user\" TEXT NOT NULL, source TEXT NOT NULL, host TEXT NOT NULL," \
	" service TEXT NOT NULL, tty TEXT NOT NULL, pid " INT " NOT NULL," \
	" pid_start " INT " NOT NULL, boot_id TEXT NOT NULL, started " INT " NOT NULL);" \
	"CREATE INDEX IF NOT EXISTS sessions_user ON sessions(\"user\");" \
	"CREATE INDEX IF NOT EXISTS sessions_host ON sessions(host);" \
	/* enrolment invitations: one per user, its code's keyed hash (invite.h) */ \
	"CREATE TABLE IF NOT EXISTS invitations(" \
	" \"user\" TEXT PRIMARY KEY, hash " BLOB " NOT NULL, otp_kind TEXT NOT NULL DEFAULT 'totp'," \
	" created " INT " NOT NULL, expires " INT " NOT NULL, used " INT " NOT NULL DEFAULT 0," \
	" token TEXT NOT NULL DEFAULT '')" NOROWID ";"

/* The key registry: public keys only, readable by the unprivileged reader. */
#define OG_REGISTRY_SQL(INT, REG) \
	"CREATE TABLE IF NOT EXISTS " REG "access_keys(" \
	" id TEXT PRIMARY KEY, \"user\" TEXT NOT NULL, org TEXT NOT NULL DEFAULT ''," \
	" type TEXT NOT NULL, pubkey TEXT NOT NULL, fingerprint TEXT NOT NULL UNIQUE," \
	" origin TEXT NOT NULL, state TEXT NOT NULL, predecessor TEXT NOT NULL DEFAULT ''," \
	" created " INT " NOT NULL, last_used " INT " NOT NULL DEFAULT 0," \
	" not_after " INT " NOT NULL);" \
	"CREATE INDEX IF NOT EXISTS " REG "access_keys_user ON access_keys(\"user\", state);"

/*
 * The tables that hold a person's data, each with the column naming the
 * person: what erase deletes of one person, and purge of everyone removed
 * long enough ago. (The name mapping, subjects, goes with erase alone:
 * purge keeps the pseudonyms of the trail's entries.)
 */
#define OG_PERSON_TABLES(X) \
	X(TOKENS, "tokens", "\"user\"") \
	X(FAILURES, "failures", "\"user\"") \
	X(RECOVERY_CODES, "recovery_codes", "\"user\"") \
	X(ACCESS_KEYS, "access_keys", "\"user\"") \
	X(SESSIONS, "sessions", "\"user\"") \
	X(INVITATIONS, "invitations", "\"user\"") \
	X(USERS, "users", "name")

#define OG_Q_ERASE_ID(name, table, column) OG_Q_ERASE_##name,
#define OG_Q_PURGE_ID(name, table, column) OG_Q_PURGE_##name,

/*
 * Every statement the store runs. Parameters are $1, $2, ... in the
 * order the core binds them (SQLite binds them by those names).
 */
enum og_q {
	/* the login path */
	OG_Q_USER_STATE,		/* $1 user: org, lock, failures?, removal, active tokens */
	OG_Q_CLAIM_LOCK_TOKEN,		/* $1 token id: the row lock on its user (dialect) */
	OG_Q_CLAIM_LOCK_USER,		/* $1 user: the row lock a claim takes (dialect) */
	OG_Q_FAIL_LOCK_USER,		/* $1 user: the row lock a failure takes (dialect) */
	OG_Q_STANDING_OF_TOKEN,		/* $1 token id: OG_STANDING_COLS of its user */
	OG_Q_STANDING_OF_USER,		/* $1 user: OG_STANDING_COLS */
	OG_Q_TOKEN_WATERMARK,		/* $1 token id: its last_step */
	OG_Q_CLAIM_STEP,		/* $1 id, $2 step (an HOTP counter), $3 drift, $4 when,
					 * $5 its user: one row or none (dialect) */
	OG_Q_SPEND_STEP,		/* $1 id, $2 step (an HOTP counter): one row or none */
	OG_Q_CLAIM_RECOVERY,		/* $1 user, $2 idx, $3 when */
	OG_Q_CLEAR_FAILURES_OF_TOKEN,	/* $1 token id */
	OG_Q_CLEAR_FAILURES,		/* $1 user: also unlock */
	OG_Q_FAIL_ENSURE,		/* $1 user: a record to lock (dialect; may be "") */
	OG_Q_FAIL_GET,			/* $1 user: OG_FAIL_COLS */
	OG_Q_FAIL_PUT,			/* $1 user, $2..$6 OG_FAIL_COLS */
	OG_Q_CHAIN_LOCK,		/* one append to the trail at a time (dialect) */
	OG_Q_CHAIN_TAIL,		/* the newest entry's id and mac (no row: none yet) */
	OG_Q_AUDIT_INSERT,		/* $1 ts, $2..$12 OG_AUDIT_FIELD_COLS, $13 id, $14 mac */
	OG_Q_SUBJECT_GET,		/* $1 name: its pseudonym */
	OG_Q_SUBJECT_ADD,		/* $1 pseudonym, $2 name, $3 salt, $4 created */
	/* users, organisations, admins */
	OG_Q_USER_INSERT,		/* $1 name, $2 org, $3 created: one row or none */
	OG_Q_USER_ORG,			/* $1 name */
	OG_Q_USER_REMOVE,		/* $1 name, $2 when */
	OG_Q_USER_RESTORE,		/* $1 name */
	OG_Q_USER_REMOVAL_PUT,		/* $1 name, $2 removed_at, $3 with its organisation */
	OG_Q_USERS_ALL,
	OG_Q_ORG_KNOWN,			/* $1 org: users and data keys it has */
	OG_Q_ORG_REMOVAL_ADD,		/* $1 org, $2 when: one row, or none if removed */
	OG_Q_ORG_REMOVAL_DEL,		/* $1 org */
	OG_Q_ORG_USERS_REMOVE,		/* $1 org, $2 when */
	OG_Q_ORG_USERS_RESTORE,		/* $1 org */
	OG_Q_ORG_REMOVED_AT,		/* $1 org */
	OG_Q_ORG_REMOVALS_ALL,
	OG_Q_ADMIN_GET,			/* $1 name */
	OG_Q_ADMIN_ADD,			/* $1 name, $2 role, $3 org, $4 created */
	OG_Q_ADMINS_ALL,
	/* tokens and their keys */
	OG_Q_DEK_GET,			/* $1 org */
	OG_Q_DEK_ADD,			/* $1 id, $2 org, $3 wrapped, $4 created */
	OG_Q_DEKS_ALL,
	OG_Q_TOKEN_ADD,			/* $1..$16: the token's columns */
	OG_Q_TOKEN_GET,			/* $1 serial */
	OG_Q_TOKENS_OF,			/* $1 user */
	OG_Q_TOKENS_ALL,
	OG_Q_TOKEN_ASSIGN,		/* $1 id, $2 user, $3 sealed, $4 dek id */
	OG_Q_TOKEN_ACTIVATE,		/* $1 id, $2 step, $3 drift */
	OG_Q_TOKEN_RESYNC,		/* $1 id, $2 drift, $3 step */
	OG_Q_TOKEN_REVOKE,		/* $1 serial */
	OG_Q_TOKEN_COUNT,		/* $1 state, $2 created before */
	OG_Q_RECOVERY_DEL,		/* $1 user */
	OG_Q_RECOVERY_ADD,		/* $1 user, $2 idx, $3 salt, $4 hash, $5 used, $6 created */
	OG_Q_RECOVERY_GET,		/* $1 user */
	OG_Q_RECOVERY_ALL,
	OG_Q_FAILURES_ALL,
	OG_Q_TOKEN_DISCARD,		/* $1 id: a pending token deleted */
	/* enrolment invitations */
	OG_Q_INVITE_PUT,		/* $1 user, $2 hash, $3 otp_kind, $4 created, $5 expires,
					 * $6 used, $7 token: replaces the user's */
	OG_Q_INVITE_GET,		/* $1 user: OG_INVITE_COLS */
	OG_Q_INVITES_ALL,
	OG_Q_INVITE_REVOKE,		/* $1 user: an invitation not taken */
	OG_Q_INVITE_TAKE,		/* $1 user, $2 hash, $3 when, $4 token serial: one row
					 * or none */
	/* sessions */
	OG_Q_SESSION_ADD,		/* $1..$10: OG_SESSION_COLS */
	OG_Q_SESSION_GET,		/* $1 id */
	OG_Q_SESSION_DEL,		/* $1 id */
	OG_Q_SESSIONS_OF,		/* $1 user */
	OG_Q_SESSIONS_ON,		/* $1 host */
	OG_Q_SESSIONS_ALL,
	/* the key registry */
	OG_Q_KEY_ADD,			/* $1..$12: OG_KEY_COLS */
	OG_Q_KEYS_OF,			/* $1 user */
	OG_Q_KEYS_ALL,
	OG_Q_KEY_SET_STATE,		/* $1 id, $2 state, $3 not_after, $4 expected state */
	OG_Q_KEY_TOUCH,			/* $1 fingerprint, $2 when */
	OG_Q_KEY_BY_FP,			/* $1 fingerprint */
	/* the audit trail */
	OG_Q_AUDIT_ALL,
	OG_Q_AUDIT_LAST,		/* $1 reason */
	OG_Q_AUDIT_HEAD,
	OG_Q_AUDIT_UNSEALED,		/* entries an older version wrote, before the chain */
	OG_Q_AUDIT_SEAL,		/* $1 id, $2 user, $3 actor, $4 mac */
	OG_Q_SUBJECTS_ALL,
	OG_Q_SPOOL_MARK,		/* $1 id, $2 when */
	OG_Q_SPOOL_MARKS_ALL,
	/* erase, purge, counts */
	OG_PERSON_TABLES(OG_Q_ERASE_ID)	/* $1 the person */
	OG_Q_ERASE_SUBJECT,		/* $1 the person: their name mapping */
	OG_Q_PURGE_PREPARE,		/* before a purge: what is deleted is overwritten (dialect) */
	OG_Q_PURGE_COUNT,		/* $1 before: users and organisations gone */
	OG_PERSON_TABLES(OG_Q_PURGE_ID)	/* $1 before: the rows of users removed by then */
	OG_Q_PURGE_ORG_TOKENS,		/* $1 before: tokens under a removed org's data key */
	OG_Q_PURGE_ORG_KEYS,
	OG_Q_PURGE_ORG_ADMINS,
	OG_Q_PURGE_ORG_DEKS,
	OG_Q_PURGE_ORG_REMOVALS,
	OG_Q_PURGE_TIDY,		/* after an organisation's purge: its bytes leave the files */
	OG_Q_PURGE_DONE,		/* after a purge (dialect) */
	OG_Q_COUNTS,
	OG_Q_COUNT
};

/* Properties of a statement (og_statements[q].flags). */
#define OG_QF_REGISTRY 1	/* touches the key registry: made ready first */
#define OG_QF_STREAM 2		/* rows read one at a time (no other statement may run
				 * from the row callback) */

struct og_statement {
	const char *what;	/* what it does, for error messages */
	unsigned flags;
	const char *sql;	/* in both dialects; NULL: each backend gives its own */
};

/* Indexed by enum og_q (store_sql.c). */
extern const struct og_statement og_statements[OG_Q_COUNT];

/* The shared SQL of q, or (NULL there) the backend's own from own[q]. */
const char *og_statement_sql(enum og_q q, const char *const *own);

/* A value bound to a parameter. */
struct og_value {
	enum { OG_V_NULL, OG_V_TEXT, OG_V_INT, OG_V_BLOB } type;
	const char *text;
	int64_t num;
	const unsigned char *blob;
	size_t len;
};

struct og_value og_v_text(const char *s);	/* NULL: SQL NULL */
struct og_value og_v_int(int64_t n);
struct og_value og_v_blob(const unsigned char *p, size_t len);

/* One row of a result, read through the backend's column readers. */
struct og_row {
	const struct og_row_reader *rd;
	void *res;		/* the backend's statement or result */
	int i;			/* its row number, where the backend needs one */
};

struct og_row_reader {
	int (*is_null)(const struct og_row *r, int col);
	const char *(*text)(const struct og_row *r, int col);	/* NULL for NULL */
	int64_t (*integer)(const struct og_row *r, int col);	/* a flag as 0 or 1 */
	/* the bytes of col into out; OG_ERR_STORE when they do not fit in cap */
	int (*blob)(const struct og_row *r, int col, unsigned char *out, size_t cap, size_t *len);
};

/* Called for each row; non-zero stops (the rest is dropped). */
typedef int (*og_row_fn)(void *arg, const struct og_row *r);

/*
 * One statement of a batch: what to run with which values, and who reads
 * its rows. The backend sets changed (rows changed by an INSERT, UPDATE
 * or DELETE), and failed on the statement that failed.
 */
struct og_call {
	enum og_q q;
	const struct og_value *v;
	int n;
	og_row_fn fn;		/* NULL: rows are not read */
	void *arg;
	int64_t changed;
	int failed;
};

/* How a backend is opened. */
enum og_open_mode {
	OG_OPEN_NORMAL,		/* everything, schema checked */
	OG_OPEN_INIT,		/* create what is missing; schema not checked */
	OG_OPEN_REGISTRY,	/* the key registry alone, read-only (the unprivileged key reader) */
	OG_OPEN_REGISTRY_KEPT,	/* the same, kept open by otpgated between lookups */
};

/* 1 for the key reader's modes. */
#define OG_OPEN_IS_REGISTRY(mode) ((mode) == OG_OPEN_REGISTRY || (mode) == OG_OPEN_REGISTRY_KEPT)

/* What differs between the backends: a dialect, not a second store. */
struct og_store_ops {
	const char *name;
	const char *const *sql;	/* [OG_Q_COUNT]: the statements the core leaves NULL */
	int (*open)(const struct og_config *cfg, const struct og_log *log, enum og_open_mode mode,
		    void **be);
	void (*close)(void *be);
	/* creates or upgrades the schema; calls seal (og_store_seal_old) within */
	int (*init)(struct og_store *st, int (*seal)(struct og_store *st));
	int (*check_schema)(void *be);
	int (*stored_version)(void *be);	/* 0 none yet, -1 unreadable */
	int (*keys_ready)(void *be);		/* the key registry may be used */
	/* transactions: begin may be sent with the next batch */
	int (*begin)(void *be);
	int (*commit)(void *be);
	int (*rollback)(void *be);
	int (*in_transaction)(void *be);
	/* 1 when the open store, idle since its last call, can serve the next
	 * without a round trip to find out (otpgated keeps stores open) */
	int (*idle_ok)(void *be);
	/* The connection is kept between calls (otpgated): work its commits
	 * need not do before the answer waits for upkeep, which the keeper
	 * calls between calls (and the backend's close does itself). */
	void (*keep)(void *be);
	void (*upkeep)(void *be);
	/*
	 * Runs n statements in order, in one round trip where the dialect
	 * can, then commits the open transaction when commit is set. OG_OK,
	 * or the first error (logged; the statements after it did not run):
	 * OG_ERR_EXISTS for a unique key already taken, else OG_ERR_STORE,
	 * and the call that failed marked (failed). The caller rolls back.
	 */
	int (*batch)(void *be, struct og_call *calls, int n, int commit);
};

/*
 * The PostgreSQL plugin's table, named for the layout of struct
 * og_store_ops: a core and a plugin of different layouts (an upgrade
 * under way, a stale copy) then find no table, instead of calling one
 * function for another. Rename it (and in store_pg.map) at every change
 * of the struct.
 */
#define OG_STORE_PG_OPS og_store_pg_ops_2
#define OG_STORE_PG_OPS_NAME "og_store_pg_ops_2"

/* The built-in backend (store_sqlite.c). */
extern const struct og_store_ops og_store_sqlite_ops;

/* A store on ops opened as mode says (store_open.c). */
int og_store_open_ops(const struct og_store_ops *ops, const struct og_config *cfg,
		      const struct og_log *log, enum og_open_mode mode, struct og_store **out);

/* A backend's table, of its functions P_open, P_close, ... and its SQL P_sql. */
#define OG_STORE_OPS(NAME, P) { .name = NAME, .sql = P##_sql, .open = P##_open, \
	.close = P##_close, .init = P##_init, .check_schema = P##_check_schema, \
	.stored_version = P##_stored_version, .keys_ready = P##_keys_ready, .begin = P##_begin, \
	.commit = P##_commit, .rollback = P##_rollback, .in_transaction = P##_in_transaction, \
	.idle_ok = P##_idle_ok, .keep = P##_keep, .upkeep = P##_upkeep, .batch = P##_batch }

struct og_store {
	const struct og_store_ops *ops;
	void *be;
	const struct og_log *log;
	char master_key[4096];		/* where the chain key comes from */
	int chain_state;		/* 0 not loaded yet, 1 loaded, -1 failed */
	struct og_chain_key chain;
	char host[256];			/* where the entries this process appends happened */
};

/* The one claim of a TOTP step and an HOTP counter (OG_Q_CLAIM_STEP), the
 * token's id written as ID: the dialects find the token their own way. */
#define OG_CLAIM_STEP_SQL(ID) "UPDATE tokens SET last_step = $2, drift = $3, last_used = $4" \
	" WHERE " ID " = $1 AND \"user\" = $5 AND state = 'active' AND last_step < $2"

/* The shared column lists, in the order the row readers read them. */
#define OG_TOKEN_COLS "t.id, t.serial, t.\"user\", t.kind, t.state, t.algorithm, t.digits," \
	" t.period, t.t0, t.drift, t.last_step, t.created, t.last_used, t.secret, t.dek_id," \
	" d.wrapped, d.org, t.otp_kind"
#define OG_INVITE_COLS "i.\"user\", COALESCE(u.org, ''), i.hash, i.otp_kind, i.created," \
	" i.expires, i.used, i.token"
#define OG_KEY_COLS "id, \"user\", org, type, pubkey, fingerprint, origin, state, predecessor," \
	" created, last_used, not_after"
/* The audit fields in the one order every sink writes them (og_audit_fields). */
#define OG_AUDIT_FIELD_COLS "event, result, reason, \"user\", source, service, token, key," \
	" actor, detail, host"
#define OG_AUDIT_COLS "a.ts, " OG_AUDIT_FIELD_COLS ", a.id, a.mac, su.name, sa.name"
/* A failure record, in the order og_row_failures reads it. */
#define OG_FAIL_COLS "count, window_start, locked_until, failure_mode_until, replay_step"
#define OG_SESSION_COLS "id, \"user\", source, host, service, tty, pid, pid_start, boot_id, started"
/* A claim's view of a user: removed_at, org removed, locked_until, failures on record,
 * failure_mode_until. */
#define OG_STANDING_COLS 5

/* Running statements (store_sql.c): one, with its values; or a batch. */
int og_store_run(struct og_store *st, enum og_q q, const struct og_value *v, int n,
		 og_row_fn fn, void *arg, int64_t *changed);
int og_store_batch(struct og_store *st, struct og_call *calls, int n, int commit);

/* Commits if r is OG_OK, else rolls back; returns the first error. */
int og_store_finish(struct og_store *st, int r);

/* The values of an array, for og_store_run: OG_VALUES(og_v_text(a), og_v_int(b)). */
#define OG_VALUES(...) (const struct og_value[]){ __VA_ARGS__ }, \
	(int)(sizeof((const struct og_value[]){ __VA_ARGS__ }) / sizeof(struct og_value))

/* A token's columns as OG_Q_TOKEN_ADD binds them (store_ops.c). */
#define OG_TOKEN_VALUES 16
void og_token_values(const struct og_token *t, struct og_value v[OG_TOKEN_VALUES]);

/* Reading rows (store_rows.c): one rule for every backend. */
int og_row_str(const struct og_row *r, int col, char *out, size_t cap);
int og_row_token(const struct og_row *r, int c, struct og_token *t);
int og_row_key(const struct og_row *r, int c, struct og_access_key *k);
int og_row_invite(const struct og_row *r, int c, struct og_invite *inv);
void og_row_standing(const struct og_row *r, int c, struct og_standing *s, int *has_failures);
void og_row_failures(const struct og_row *r, int c, struct og_failures *f);
int og_row_session(const struct og_row *r, int c, struct og_session_row *s);

/* An audit row read back, and the buffers behind it. */
struct og_audit_buf {
	struct og_audit_row row;
	unsigned char mac[OG_CHAIN_LEN];
	char ubuf[64], abuf[64];
};
void og_row_audit(const struct og_row *r, int c, struct og_audit_buf *b);

/*
 * A listing of rows of type T: OG_LISTING(name, T, reader) defines
 * name_rows(), which reads each row into a T with reader (OG_OK, or the
 * row is malformed), hands it to the caller's callback and wipes it; and
 * og_list_name() to run statement q through it. OG_LISTING_PUBLIC: rows
 * with nothing secret in them (public keys), not wiped, so what lists
 * them needs no libcrypto (the key reader).
 */
#define OG_LISTING(name, T, reader) OG_LISTING_WIPED(name, T, reader, OPENSSL_cleanse)
#define OG_LISTING_PUBLIC(name, T, reader) OG_LISTING_WIPED(name, T, reader, og_keep_row)
static inline void og_keep_row(void *row, size_t len)
{
	(void)row;
	(void)len;
}
#define OG_LISTING_WIPED(name, T, reader, wipe) \
	struct name##_each { \
		int (*cb)(void *arg, const T *row); \
		void *arg; \
		int r; \
	}; \
	static int name##_rows(void *arg, const struct og_row *r) \
	{ \
		struct name##_each *e = arg; \
		T row; \
		int stop; \
		memset(&row, 0, sizeof(row)); \
		if ((e->r = reader(r, &row)) != OG_OK) \
			return 1; \
		stop = e->cb(e->arg, &row); \
		wipe(&row, sizeof(row)); \
		return stop; \
	} \
	static int og_list_##name(struct og_store *st, enum og_q q, const struct og_value *v, \
				  int n, int (*cb)(void *arg, const T *row), void *arg) \
	{ \
		struct name##_each e = { cb, arg, OG_OK }; \
		int r = og_store_run(st, q, v, n, name##_rows, &e, NULL); \
		return r != OG_OK || e.r == OG_OK ? r : og_store_malformed(st, q); \
	}

/* Logs that a row of q could not be read as it should; OG_ERR_STORE. */
int og_store_malformed(struct og_store *st, enum og_q q);

/* The audit trail (store_chain.c). */
int og_store_subject_of(struct og_store *st, const char *name, char out[OG_SUBJECT_LEN + 1]);
int og_store_seal_old(struct og_store *st);

#endif

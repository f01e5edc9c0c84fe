/*
 * store_sqlite.c: the embedded store. One database file in WAL mode; every
 * state change is one IMMEDIATE transaction, and every commit is followed
 * by an fdatasync of the WAL (sync_wal), so an accepted code's watermark is
 * on disk before the module answers: the durability of synchronous=FULL.
 *
 * Every PAM transaction opens its own short-lived connection, often the
 * only one. Left to its defaults SQLite would checkpoint and delete the
 * WAL whenever the last connection closes (several fsyncs and two file
 * creations per login), and the next opener would have to rebuild the
 * WAL index from however long the WAL has grown. So: no checkpoint on
 * close, the WAL file is kept, and a commit that leaves more than
 * CHECKPOINT_FRAMES frames in the WAL truncates it with a checkpoint.
 * The WAL an opener must read stays a few logins long, and the cost of
 * the checkpoint is shared by those logins. Writers wait for each other
 * through a fine-grained busy handler, not SQLite's millisecond sleeps.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <sqlite3.h>
#include <openssl/crypto.h>

#include "err.h"
#include "fileio.h"
#include "chain.h"
#include "store.h"

/* 2: users.removed_at; 3: admins; 4: audit chain, subjects, org removal; 5: spool_flushed */
#define SCHEMA_VERSION 5
#define CHECKPOINT_FRAMES 16	/* about four logins' worth of pages */
#define WAL_HEADER_LEN 32	/* a WAL file's header, before its first frame */

static const char schema_sql[] =
	"CREATE TABLE IF NOT EXISTS users("
	" name TEXT PRIMARY KEY, org TEXT NOT NULL DEFAULT '', created INTEGER NOT NULL,"
	" removed_at INTEGER NOT NULL DEFAULT 0, removed_with_org INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE IF NOT EXISTS data_keys("
	" id TEXT PRIMARY KEY, org TEXT NOT NULL UNIQUE, wrapped BLOB NOT NULL,"
	" created INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS tokens("
	" id TEXT PRIMARY KEY, serial TEXT NOT NULL UNIQUE, user TEXT,"
	" kind TEXT NOT NULL, state TEXT NOT NULL, algorithm TEXT NOT NULL,"
	" digits INTEGER NOT NULL, period INTEGER NOT NULL, t0 INTEGER NOT NULL DEFAULT 0,"
	" secret BLOB NOT NULL, dek_id TEXT NOT NULL REFERENCES data_keys(id),"
	" drift INTEGER NOT NULL DEFAULT 0, last_step INTEGER NOT NULL DEFAULT -1,"
	" created INTEGER NOT NULL, last_used INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX IF NOT EXISTS tokens_user ON tokens(user, state);"
	"CREATE TABLE IF NOT EXISTS failures("
	" user TEXT PRIMARY KEY, count INTEGER NOT NULL, window_start INTEGER NOT NULL,"
	" locked_until INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE IF NOT EXISTS audit("
	" id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, host TEXT, event TEXT NOT NULL,"
	" result TEXT, reason TEXT, user TEXT, source TEXT, service TEXT, token TEXT,"
	" key TEXT, actor TEXT, detail TEXT, mac BLOB);"
	/* no index on user: entries name people by random pseudonym, so one would
	 * take a random write per entry; every reader scans the trail anyway */
	"DROP INDEX IF EXISTS audit_user;"
	/* keyed by name, without a rowid: a login's lookup and a new name's insert
	 * touch two b-trees (this one, and the pseudonym index), not three */
	"CREATE TABLE IF NOT EXISTS subjects("
	" name TEXT PRIMARY KEY, pseudonym TEXT NOT NULL UNIQUE, salt BLOB NOT NULL,"
	" created INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS org_removals("
	" org TEXT PRIMARY KEY, removed_at INTEGER NOT NULL);"
	/* the chunks of spooled rows already written (see spool.h) */
	"CREATE TABLE IF NOT EXISTS spool_flushed(id TEXT PRIMARY KEY, at INTEGER NOT NULL)"
	" WITHOUT ROWID;"
	/* the trail as people read it: names instead of pseudonyms */
	"CREATE VIEW IF NOT EXISTS audit_named AS"
	" SELECT a.id, a.ts, a.host, a.event, a.result, a.reason,"
	" CASE WHEN a.user IS NULL THEN NULL ELSE COALESCE(su.name, 'erased-' || a.user) END AS user,"
	" a.source, a.service, a.token, a.key,"
	" CASE WHEN a.actor IS NULL THEN NULL ELSE COALESCE(sa.name, 'erased-' || a.actor) END AS actor,"
	" a.detail, a.mac FROM audit a LEFT JOIN subjects su ON su.pseudonym = a.user"
	" LEFT JOIN subjects sa ON sa.pseudonym = a.actor;"
	"CREATE TABLE IF NOT EXISTS admins("
	" name TEXT PRIMARY KEY, role TEXT NOT NULL, org TEXT NOT NULL DEFAULT '',"
	" created INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS recovery_codes("
	" user TEXT NOT NULL, idx INTEGER NOT NULL, salt BLOB NOT NULL, hash BLOB NOT NULL,"
	" used INTEGER NOT NULL DEFAULT 0, created INTEGER NOT NULL, PRIMARY KEY(user, idx));";

#define REGISTRY_VERSION 1

/* The key registry: public keys only, readable by the unprivileged reader. */
static const char registry_sql[] =
	"CREATE TABLE IF NOT EXISTS reg.access_keys("
	" id TEXT PRIMARY KEY, user TEXT NOT NULL, org TEXT NOT NULL DEFAULT '',"
	" type TEXT NOT NULL, pubkey TEXT NOT NULL, fingerprint TEXT NOT NULL UNIQUE,"
	" origin TEXT NOT NULL, state TEXT NOT NULL, predecessor TEXT NOT NULL DEFAULT '',"
	" created INTEGER NOT NULL, last_used INTEGER NOT NULL DEFAULT 0,"
	" not_after INTEGER NOT NULL);"
	"CREATE INDEX IF NOT EXISTS reg.access_keys_user ON access_keys(user, state);";

enum stmt_id {
	Q_USER_STATE, Q_ACCEPT, Q_CLEAR_FAIL, Q_AUDIT, Q_FAIL_GET, Q_FAIL_PUT,
	Q_USER_INSERT, Q_USER_ORG, Q_DEK_GET, Q_DEK_ADD, Q_TOKEN_ADD, Q_TOKENS_ALL,
	Q_TOKENS_OF, Q_USERS_ALL, Q_DEKS_ALL, Q_DEK_PUT, Q_AUDIT_ALL, Q_COUNTS,
	Q_ADMIN_GET, Q_ADMIN_ADD, Q_USER_REMOVE, Q_USER_RESTORE, Q_TOKEN_GET, Q_TOKEN_ASSIGN, Q_TOKEN_ACTIVATE, Q_TOKEN_REVOKE, Q_TOKEN_RESYNC, Q_REC_DEL, Q_REC_ADD, Q_REC_GET, Q_REC_USE, Q_KEY_ADD, Q_KEYS_OF, Q_KEYS_ALL, Q_KEY_STATE, Q_KEY_TOUCH, Q_KEY_BY_FP,
	Q_SUBJECT_GET, Q_SUBJECT_ADD, Q_CHAIN_TAIL, Q_SUBJECTS_ALL,
	Q_ADMINS_ALL, Q_RECS_ALL, Q_REC_PUT, Q_FAILS_ALL, Q_ORG_REMS_ALL, Q_ORG_REM_PUT,
	Q_USER_REM_PUT, Q_AUDIT_HEAD, Q_AUDIT_LAST, Q_TOKEN_COUNT,
	Q_STANDING_OF_TOKEN, Q_STANDING_OF_USER, Q_SPOOL_MARK, Q_SPOOL_MARKS_ALL, Q_COUNT
};

#define TOKEN_ROW "t.id, t.serial, t.user, t.kind, t.state, t.algorithm, t.digits," \
	" t.period, t.t0, t.drift, t.last_step, t.created, t.last_used, t.secret, t.dek_id," \
	" d.wrapped, d.org"
#define TOKEN_COLS TOKEN_ROW " FROM tokens t JOIN data_keys d ON d.id = t.dek_id"

#define AUDIT_COLS "a.ts, a.host, a.event, a.result, a.reason, a.user, a.source," \
	" a.service, a.token, a.key, a.actor, a.detail, a.id, a.mac, su.name, sa.name" \
	" FROM audit a LEFT JOIN subjects su ON su.pseudonym = a.user" \
	" LEFT JOIN subjects sa ON sa.pseudonym = a.actor"

#define KEY_COLS "id, user, org, type, pubkey, fingerprint, origin, state, predecessor," \
	" created, last_used, not_after"

/* A claim's view of who (one row, or none): struct og_standing, and
 * whether a failure record exists. */
#define STANDING(who) "WITH who(name) AS (" who ") SELECT COALESCE(u.removed_at, 0)," \
	" o.org IS NOT NULL, COALESCE(f.locked_until, 0), f.user IS NOT NULL FROM who" \
	" LEFT JOIN users u ON u.name = who.name LEFT JOIN org_removals o ON o.org = u.org" \
	" LEFT JOIN failures f ON f.user = who.name"

static const char *const stmt_sql[Q_COUNT] = {
	/* one statement: the user, its lock, and its active tokens (if any) */
	[Q_USER_STATE] = "SELECT u.org, COALESCE(f.locked_until, 0), f.user IS NOT NULL, u.removed_at, "
			 TOKEN_ROW " FROM users u LEFT JOIN failures f ON f.user = u.name"
			 " LEFT JOIN tokens t ON t.user = u.name AND t.state = 'active'"
			 " LEFT JOIN data_keys d ON d.id = t.dek_id"
			 " WHERE u.name = ?1 ORDER BY t.created LIMIT 16",
	[Q_ACCEPT] = "UPDATE tokens SET last_step = ?2, drift = ?3, last_used = ?4"
		     " WHERE id = ?1 AND state = 'active' AND last_step < ?2",
	[Q_CLEAR_FAIL] = "DELETE FROM failures WHERE user = ?1",
	[Q_STANDING_OF_TOKEN] = STANDING("SELECT user FROM tokens WHERE id = ?1"),
	[Q_STANDING_OF_USER] = STANDING("SELECT ?1"),
	[Q_AUDIT] = "INSERT INTO audit(ts, host, event, result, reason, user, source, service,"
		    " token, key, actor, detail, id, mac) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9,"
		    " ?10, ?11, ?12, ?13, ?14)",
	[Q_FAIL_GET] = "SELECT count, window_start, locked_until FROM failures WHERE user = ?1",
	[Q_FAIL_PUT] = "INSERT OR REPLACE INTO failures(user, count, window_start, locked_until)"
		       " VALUES(?1, ?2, ?3, ?4)",
	[Q_USER_INSERT] = "INSERT INTO users(name, org, created) VALUES(?1, ?2, ?3)"
			  " ON CONFLICT(name) DO NOTHING",
	[Q_USER_ORG] = "SELECT org FROM users WHERE name = ?1",
	[Q_DEK_GET] = "SELECT id, wrapped FROM data_keys WHERE org = ?1",
	[Q_DEK_ADD] = "INSERT INTO data_keys(id, org, wrapped, created) VALUES(?1, ?2, ?3, ?4)",
	[Q_TOKEN_ADD] = "INSERT INTO tokens(id, serial, user, kind, state, algorithm, digits,"
			" period, t0, secret, dek_id, drift, last_step, created, last_used)"
			" VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
	[Q_TOKENS_ALL] = "SELECT " TOKEN_COLS " ORDER BY t.user, t.created",
	[Q_TOKENS_OF] = "SELECT " TOKEN_COLS " WHERE t.user = ?1 ORDER BY t.created",
	[Q_USERS_ALL] = "SELECT name, org, created, removed_at, removed_with_org FROM users"
			" ORDER BY name",
	[Q_DEKS_ALL] = "SELECT id, org, wrapped, created FROM data_keys ORDER BY org",
	[Q_DEK_PUT] = "INSERT INTO data_keys(id, org, wrapped, created) VALUES(?1, ?2, ?3, ?4)",
	[Q_AUDIT_ALL] = "SELECT " AUDIT_COLS " ORDER BY a.id",
	[Q_SUBJECT_GET] = "SELECT pseudonym FROM subjects WHERE name = ?1",
	[Q_SUBJECT_ADD] = "INSERT INTO subjects(pseudonym, name, salt, created) VALUES(?1, ?2, ?3, ?4)",
	[Q_CHAIN_TAIL] = "SELECT id, mac FROM audit ORDER BY id DESC LIMIT 1",
	[Q_SUBJECTS_ALL] = "SELECT pseudonym, name, salt FROM subjects ORDER BY pseudonym",
	[Q_SPOOL_MARK] = "INSERT INTO spool_flushed(id, at) VALUES(?1, ?2)",
	[Q_SPOOL_MARKS_ALL] = "SELECT id, at FROM spool_flushed ORDER BY id",
	[Q_ADMIN_GET] = "SELECT role, org FROM admins WHERE name = ?1",
	[Q_ADMIN_ADD] = "INSERT INTO admins(name, role, org, created) VALUES(?1, ?2, ?3, ?4)",
	[Q_USER_REMOVE] = "UPDATE users SET removed_at = ?2 WHERE name = ?1 AND removed_at = 0",
	[Q_USER_RESTORE] = "UPDATE users SET removed_at = 0, removed_with_org = 0"
			   " WHERE name = ?1 AND removed_at > 0",
	[Q_TOKEN_GET] = "SELECT " TOKEN_COLS " WHERE t.serial = ?1",
	[Q_TOKEN_ASSIGN] = "UPDATE tokens SET user = ?2, secret = ?3, dek_id = ?4, state = 'active'"
			   " WHERE id = ?1 AND state = 'stock'",
	[Q_TOKEN_ACTIVATE] = "UPDATE tokens SET state = 'active', last_step = ?2, drift = ?3"
			     " WHERE id = ?1 AND state = 'pending'",
	[Q_TOKEN_RESYNC] = "UPDATE tokens SET drift = ?2, last_step = max(last_step, ?3)"
			   " WHERE id = ?1 AND state = 'active'",
	[Q_REC_DEL] = "DELETE FROM recovery_codes WHERE user = ?1",
	[Q_REC_ADD] = "INSERT INTO recovery_codes(user, idx, salt, hash, created)"
		      " VALUES(?1, ?2, ?3, ?4, ?5)",
	[Q_REC_GET] = "SELECT idx, salt, hash, used FROM recovery_codes WHERE user = ?1 ORDER BY idx",
	[Q_REC_USE] = "UPDATE recovery_codes SET used = ?3 WHERE user = ?1 AND idx = ?2 AND used = 0",
	[Q_TOKEN_REVOKE] = "UPDATE tokens SET state = 'revoked' WHERE serial = ?1"
			   " AND state IN ('active', 'pending')",
	[Q_KEY_ADD] = "INSERT INTO reg.access_keys(id, user, org, type, pubkey, fingerprint,"
		      " origin, state, predecessor, created, last_used, not_after)"
		      " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
	[Q_KEYS_OF] = "SELECT " KEY_COLS " FROM reg.access_keys WHERE user = ?1 ORDER BY created, id",
	[Q_KEYS_ALL] = "SELECT " KEY_COLS " FROM reg.access_keys ORDER BY user, created, id",
	[Q_KEY_STATE] = "UPDATE reg.access_keys SET state = ?2, not_after = ?3"
			" WHERE id = ?1 AND state = ?4",
	[Q_KEY_TOUCH] = "UPDATE reg.access_keys SET last_used = ?2 WHERE fingerprint = ?1",
	[Q_KEY_BY_FP] = "SELECT " KEY_COLS " FROM reg.access_keys WHERE fingerprint = ?1",
	[Q_COUNTS] = "SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM data_keys),"
		     " (SELECT count(*) FROM tokens), (SELECT count(*) FROM audit),"
		     " (SELECT count(*) FROM admins), (SELECT count(*) FROM recovery_codes),"
		     " (SELECT count(*) FROM failures), (SELECT count(*) FROM org_removals),"
		     " (SELECT count(*) FROM reg.access_keys), (SELECT count(*) FROM spool_flushed)",
	[Q_ADMINS_ALL] = "SELECT name, role, org, created FROM admins ORDER BY name",
	[Q_RECS_ALL] = "SELECT user, idx, salt, hash, used, created FROM recovery_codes"
		       " ORDER BY user, idx",
	[Q_REC_PUT] = "INSERT INTO recovery_codes(user, idx, salt, hash, used, created)"
		      " VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
	[Q_FAILS_ALL] = "SELECT user, count, window_start, locked_until FROM failures ORDER BY user",
	[Q_ORG_REMS_ALL] = "SELECT org, removed_at FROM org_removals ORDER BY org",
	[Q_ORG_REM_PUT] = "INSERT INTO org_removals(org, removed_at) VALUES(?1, ?2)",
	[Q_USER_REM_PUT] = "UPDATE users SET removed_at = ?2, removed_with_org = ?3 WHERE name = ?1",
	[Q_AUDIT_HEAD] = "SELECT (SELECT count(*) FROM audit), id, ts, mac FROM audit"
			 " ORDER BY id DESC LIMIT 1",
	[Q_AUDIT_LAST] = "SELECT " AUDIT_COLS " WHERE a.reason = ?1 ORDER BY a.id DESC LIMIT 1",
	[Q_TOKEN_COUNT] = "SELECT count(*) FROM tokens WHERE state = ?1 AND created < ?2",
};

struct sqlite_be {
	sqlite3 *db;
	sqlite3_stmt *stmts[Q_COUNT];
	const struct og_log *log;
	char path[4096];
	char host[256];
	int64_t busy_limit_us;
	int64_t busy_waited_us;
	int registry_only;	/* OG_OPEN_REGISTRY: only "reg" is there, read-only */
	enum og_open_mode mode;
	char reg_path[4096];	/* the key registry, attached when first needed */
	int reg_attached;
	const struct og_chain_key *chain;	/* set by the store before audit rows are written */
};

static int need_registry(struct sqlite_be *be);
static int schema_version(struct sqlite_be *be, const char *db);
static int sq_commit(void *p);
static int pseudonymise(struct sqlite_be *be, struct og_audit_event *ev,
			char ubuf[OG_SUBJECT_LEN + 1], char abuf[OG_SUBJECT_LEN + 1]);

/*
 * Called by SQLite while another connection holds the lock we need:
 * sleeps 50, 100, then 200 us at a time until store.timeout is spent.
 * A commit holds the lock for a few hundred microseconds, so short sleeps
 * keep concurrent logins moving.
 */
static int busy_wait(void *p, int attempt)
{
	struct sqlite_be *be = p;
	int64_t us = attempt < 2 ? 50LL << attempt : 200;

	if (attempt == 0)
		be->busy_waited_us = 0;
	if (be->busy_waited_us >= be->busy_limit_us)
		return 0;
	usleep((useconds_t)us);
	be->busy_waited_us += us;
	return 1;
}

static int db_error(struct sqlite_be *be, const char *what)
{
	og_logf(be->log, LOG_ERR, "store %.200s: %s: %s", be->path, what, sqlite3_errmsg(be->db));
	return OG_ERR_STORE;
}

/* Returns the cached prepared statement, reset and unbound; NULL on error. */
static sqlite3_stmt *stmt(struct sqlite_be *be, enum stmt_id id)
{
	sqlite3_stmt *s = be->stmts[id];

	if (s == NULL) {
		if (sqlite3_prepare_v3(be->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
				       &be->stmts[id], NULL) != SQLITE_OK) {
			db_error(be, "prepare");
			return NULL;
		}
		return be->stmts[id];
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return s;
}

static int exec(struct sqlite_be *be, const char *sql)
{
	if (sqlite3_exec(be->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return db_error(be, sql);
	return OG_OK;
}

static void bind_text(sqlite3_stmt *s, int i, const char *v)
{
	if (v != NULL)
		sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, i);
}

/*
 * Makes the main database's committed transactions durable: one fdatasync
 * of its WAL. This is the sync synchronous=FULL would do at each commit,
 * without the directory sync SQLite adds to the first sync of every
 * connection (the WAL file is kept, so its directory entry never changes).
 */
static int sync_wal(struct sqlite_be *be)
{
	char wal[4200];
	int fd, r;

	snprintf(wal, sizeof(wal), "%s-wal", be->path);
	if ((fd = open(wal, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return errno == ENOENT ? OG_OK : db_error(be, "open WAL for sync");
	r = fdatasync(fd);
	close(fd);
	return r == 0 ? OG_OK : db_error(be, "sync WAL");
}

/* fsyncs the directory holding the database (new files' names). */
static int sync_dir(struct sqlite_be *be)
{
	char dir[4096];
	const char *slash = strrchr(be->path, '/');
	int fd, r;

	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - be->path) : 1,
		 slash ? (slash == be->path ? "/" : be->path) : ".");
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return db_error(be, "open directory for sync");
	r = fsync(fd);
	close(fd);
	return r == 0 ? OG_OK : db_error(be, "sync directory");
}

/* Runs a statement that returns no rows; one that committed by itself is synced. */
static int step_done(struct sqlite_be *be, sqlite3_stmt *s, const char *what)
{
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	if (rc == SQLITE_CONSTRAINT)
		return OG_ERR_EXISTS;
	if (rc != SQLITE_DONE)
		return db_error(be, what);
	return sqlite3_get_autocommit(be->db) && !be->registry_only ? sync_wal(be) : OG_OK;
}

/* Creates a database file with mode first, so SQLite never makes it with the umask. */
static int create_file(const char *path, mode_t mode)
{
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);

	if (fd < 0)
		return OG_ERR_IO;
	if (fchmod(fd, mode) != 0) {
		close(fd);
		return OG_ERR_IO;
	}
	close(fd);
	return OG_OK;
}

/* "file:PATH" with PATH percent-encoded, read-only when ro. */
static int file_uri(const char *path, int ro, char *out, size_t cap)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	if (cap < 16)
		return OG_ERR_INVALID;
	memcpy(out, "file:", 5);
	o = 5;
	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		if (o + 4 >= cap - 10)
			return OG_ERR_INVALID;
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    strchr("/-._~", *p) != NULL) {
			out[o++] = (char)*p;
		} else {
			out[o++] = '%';
			out[o++] = hex[*p >> 4];
			out[o++] = hex[*p & 15];
		}
	}
	snprintf(out + o, cap - o, "%s", ro ? "?mode=ro" : "");
	return OG_OK;
}

/*
 * After each commit: checkpoint a WAL that holds CHECKPOINT_FRAMES. The
 * store's is truncated too. The key registry's keeps its length (the next
 * writer starts it over from the top): see registry_wal.
 */
static int wal_committed(void *p, sqlite3 *db, const char *name, int frames)
{
	(void)p;
	if (frames >= CHECKPOINT_FRAMES)
		sqlite3_wal_checkpoint_v2(db, name, strcmp(name, "reg") == 0 ? SQLITE_CHECKPOINT_PASSIVE
						     : SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	return SQLITE_OK;
}

static void tune_wal(struct sqlite_be *be)
{
	int on = 1;

	sqlite3_db_config(be->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
	sqlite3_file_control(be->db, "main", SQLITE_FCNTL_PERSIST_WAL, &on);
	sqlite3_wal_hook(be->db, wal_committed, be);
}

/* Opens the main database (the one holding secrets), mode 0600. */
static int open_main(struct sqlite_be *be, const struct og_config *cfg, int create)
{
	int r;

	if (create && access(be->path, F_OK) != 0 && errno == ENOENT &&
	    create_file(be->path, 0600) != OG_OK) {
		og_logf(be->log, LOG_ERR, "store %.200s: cannot create: %s", be->path, strerror(errno));
		return OG_ERR_STORE;
	}
	if ((r = og_path_check(be->path, OG_FILE_SECRET, be->log)) != OG_OK)
		return r == OG_ERR_UNSAFE ? r : OG_ERR_STORE;
	if (sqlite3_open_v2(be->path, &be->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW |
					       SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
		return db_error(be, "open");
	be->busy_limit_us = cfg->store_timeout * 1000000;
	sqlite3_busy_handler(be->db, busy_wait, be);
	tune_wal(be);
	/* NORMAL: commits are made durable by sync_wal(), checkpoints by SQLite */
	return exec(be, "PRAGMA main.synchronous = NORMAL; PRAGMA foreign_keys = ON;");
}

/*
 * Puts the attached key registry in WAL mode, its -wal and -shm kept
 * between connections. A writer killed mid-transaction then leaves only
 * frames past the last commit in the WAL, which readers ignore; a rollback
 * journal left behind would have to be rolled back before anyone could
 * read, and the key reader (read-only, user otpgate) cannot, so it would
 * list no keys at all. A registry an older version left in rollback mode
 * is converted by the first writer that attaches it. SQLite gives the new
 * files the registry's owner, group and mode (0640, group otpgate), and
 * the reader, unable to write the -shm, reads the WAL on its own.
 *
 * One state defeats such a reader: a WAL of its header and no frame, left
 * by a writer killed between writing (and syncing) the header of an empty
 * WAL and its first frame (SQLite 3.40 answers SQLITE_PROTOCOL until a
 * writer comes). So the registry's WAL is never truncated (wal_committed),
 * and one found empty is given a committed frame at once.
 */
static void registry_wal(struct sqlite_be *be, const char *path)
{
	const unsigned char *mode;
	char wal_path[4200], sql[64];
	sqlite3_stmt *s;
	struct stat st;
	int on = 1, wal = 0, version;

	sqlite3_file_control(be->db, "reg", SQLITE_FCNTL_PERSIST_WAL, &on);
	if (sqlite3_prepare_v2(be->db, "PRAGMA reg.journal_mode = WAL", -1, &s, NULL) == SQLITE_OK) {
		wal = sqlite3_step(s) == SQLITE_ROW && (mode = sqlite3_column_text(s, 0)) != NULL &&
		      sqlite3_stricmp((const char *)mode, "wal") == 0;
		sqlite3_finalize(s);
	}
	/* not fatal: the registry still works, and the next writer tries again */
	if (!wal) {
		og_logf(be->log, LOG_WARNING, "key registry %.200s: still in rollback-journal mode"
			" (%s); a writer killed mid-transaction would block the key reader", path,
			sqlite3_errmsg(be->db));
		return;
	}
	snprintf(wal_path, sizeof(wal_path), "%s-wal", path);
	if ((stat(wal_path, &st) != 0 || st.st_size <= WAL_HEADER_LEN) &&
	    (version = schema_version(be, "reg")) >= 0) {
		snprintf(sql, sizeof(sql), "PRAGMA reg.user_version = %d", version);
		exec(be, sql);
	}
}

/*
 * Attaches the key registry as "reg". It is a database of its own, so
 * that the unprivileged key reader can read it (mode 0640, group otpgate)
 * without ever being able to open the secrets.
 */
static int attach_registry(struct sqlite_be *be, const char *path, enum og_open_mode mode)
{
	sqlite3_stmt *s;
	char uri[4200];
	int rc;

	if (mode == OG_OPEN_INIT && access(path, F_OK) != 0 && errno == ENOENT &&
	    create_file(path, 0640) != OG_OK) {
		og_logf(be->log, LOG_ERR, "key registry %.200s: cannot create: %s", path,
			strerror(errno));
		return OG_ERR_STORE;
	}
	if (og_path_check(path, OG_FILE_CONFIG, be->log) != OG_OK)
		return OG_ERR_STORE;
	if (file_uri(path, mode == OG_OPEN_REGISTRY, uri, sizeof(uri)) != OG_OK)
		return OG_ERR_STORE;
	if (sqlite3_prepare_v2(be->db, "ATTACH DATABASE ?1 AS reg", -1, &s, NULL) != SQLITE_OK)
		return db_error(be, "attach key registry");
	sqlite3_bind_text(s, 1, uri, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return db_error(be, "attach key registry");
	if (mode == OG_OPEN_REGISTRY)
		return OG_OK;
	if ((rc = exec(be, "PRAGMA reg.synchronous = FULL")) != OG_OK)
		return rc;
	registry_wal(be, path);
	return OG_OK;
}

static int sq_open(const struct og_config *cfg, const struct og_log *log, enum og_open_mode mode,
		   void **out)
{
	struct sqlite_be *be = calloc(1, sizeof(*be));
	int r;

	if (be == NULL)
		return OG_ERR_NOMEM;
	be->log = log;
	be->registry_only = mode == OG_OPEN_REGISTRY;
	snprintf(be->path, sizeof(be->path), "%s", be->registry_only ? cfg->keys_registry
								      : cfg->store_path);
	/* entries this process appends name the bastion as the config says */
	snprintf(be->host, sizeof(be->host), "%s", cfg->host ? cfg->host : "unknown");
	*out = be;
	if (be->registry_only) {
		/* no main database at all: an empty one in memory, the registry read-only */
		if (sqlite3_open_v2(":memory:", &be->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_URI |
				    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
			return db_error(be, "open");
		/* a writer (rotate, a login recording key use) may hold the registry */
		be->busy_limit_us = cfg->store_timeout * 1000000;
		sqlite3_busy_handler(be->db, busy_wait, be);
	} else if ((r = open_main(be, cfg, mode == OG_OPEN_INIT)) != OG_OK) {
		return r;
	}
	be->mode = mode;
	snprintf(be->reg_path, sizeof(be->reg_path), "%s", cfg->keys_registry);
	/* logins never touch the registry: it is attached only for key work */
	return be->registry_only || mode == OG_OPEN_INIT ? need_registry(be) : OG_OK;
}

static void sq_close(void *p)
{
	struct sqlite_be *be = p;

	for (int i = 0; i < Q_COUNT; i++)
		sqlite3_finalize(be->stmts[i]);
	sqlite3_close(be->db);
	free(be);
}

static int schema_version(struct sqlite_be *be, const char *db)
{
	char sql[48];
	sqlite3_stmt *s;
	int version = -1;

	snprintf(sql, sizeof(sql), "PRAGMA %s.user_version", db);
	if (sqlite3_prepare_v2(be->db, sql, -1, &s, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(s) == SQLITE_ROW)
		version = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return version;
}

/* Checks the version of db ("main" or "reg"). */
static int check_version(struct sqlite_be *be, const char *db, const char *path, int want)
{
	int v = schema_version(be, db);

	if (v == want)
		return OG_OK;
	og_logf(be->log, LOG_ERR, "%s %.200s: schema version %d, want %d%s",
		strcmp(db, "reg") == 0 ? "key registry" : "store", path, v, want,
		v == 0 ? " (run 'otpgate-provision init')" : "");
	return OG_ERR_SCHEMA;
}

static int sq_check_schema(void *p)
{
	struct sqlite_be *be = p;

	/* the registry's version is checked when it is attached */
	return be->registry_only ? OG_OK : check_version(be, "main", be->path, SCHEMA_VERSION);
}

/* The key reader cannot make the registry's -wal and -shm files (it may
 * not write the directory): when they are missing, says who can. */
static void hint_wal_files(struct sqlite_be *be)
{
	char shm[4200];

	snprintf(shm, sizeof(shm), "%s-shm", be->reg_path);
	if (be->registry_only && access(shm, F_OK) != 0 && errno == ENOENT)
		og_logf(be->log, LOG_ERR, "key registry %.200s: its -wal and -shm files are missing and"
			" the key reader cannot make them; any otpgate-keyrotate command run as root"
			" makes them again", be->reg_path);
}

static int need_registry(struct sqlite_be *be)
{
	int r;

	if (be->reg_attached)
		return OG_OK;
	if ((r = attach_registry(be, be->reg_path, be->mode)) == OG_OK) {
		be->reg_attached = 1;
		if (be->mode != OG_OPEN_INIT)
			r = check_version(be, "reg", be->reg_path, REGISTRY_VERSION);
	}
	if (r != OG_OK)
		hint_wal_files(be);
	return r;
}

/* Schema 1 to 2: users gain removed_at (two-stage removal). */
static int migrate_v1(struct sqlite_be *be)
{
	if (schema_version(be, "main") != 1)
		return OG_OK;
	return exec(be, "ALTER TABLE users ADD COLUMN removed_at INTEGER NOT NULL DEFAULT 0");
}

/* 1 if table has the column (an upgrade that stopped half way may have added it). */
static int has_column(struct sqlite_be *be, const char *table, const char *column)
{
	sqlite3_stmt *s;
	int found = 0;

	if (sqlite3_prepare_v2(be->db, "SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2", -1, &s,
			       NULL) != SQLITE_OK)
		return 0;
	bind_text(s, 1, table);
	bind_text(s, 2, column);
	found = sqlite3_step(s) == SQLITE_ROW;
	sqlite3_finalize(s);
	return found;
}

/* Schema 3 to 4: audit entries gain their mac (sealed by seal_unsealed);
 * users, whether their organisation's removal took them away. */
static int migrate_v3(struct sqlite_be *be)
{
	int v = schema_version(be, "main"), r = OG_OK;

	if (v < 1 || v > 3)
		return OG_OK;
	if (!has_column(be, "audit", "mac"))
		r = exec(be, "ALTER TABLE audit ADD COLUMN mac BLOB");
	if (r == OG_OK && !has_column(be, "users", "removed_with_org"))
		r = exec(be, "ALTER TABLE users ADD COLUMN removed_with_org INTEGER NOT NULL DEFAULT 0");
	return r;
}

/* Seals one entry written before the trail was chained: names become
 * pseudonyms, and the entry gets its mac after prev. */
static int seal_one(struct sqlite_be *be, sqlite3_stmt *row, unsigned char prev[OG_CHAIN_LEN])
{
	char ubuf[OG_SUBJECT_LEN + 1], abuf[OG_SUBJECT_LEN + 1];
	struct og_audit_event ev = { .ts = sqlite3_column_int64(row, 1) };
	const char **f[] = { &ev.host, &ev.event, &ev.result, &ev.reason, &ev.user, &ev.source,
			     &ev.service, &ev.token, &ev.key, &ev.actor, &ev.detail };
	int64_t id = sqlite3_column_int64(row, 0);
	sqlite3_stmt *up;
	int r;

	for (int i = 0; i < 11; i++)
		*f[i] = (const char *)sqlite3_column_text(row, i + 2);
	if ((r = pseudonymise(be, &ev, ubuf, abuf)) != OG_OK ||
	    (r = og_chain_mac(be->chain, prev, id, &ev, prev)) != OG_OK)
		return r;
	if (sqlite3_prepare_v2(be->db, "UPDATE audit SET user = ?2, actor = ?3, mac = ?4 WHERE id = ?1",
			       -1, &up, NULL) != SQLITE_OK)
		return db_error(be, "seal audit trail");
	sqlite3_bind_int64(up, 1, id);
	bind_text(up, 2, ev.user);
	bind_text(up, 3, ev.actor);
	sqlite3_bind_blob(up, 4, prev, OG_CHAIN_LEN, SQLITE_TRANSIENT);
	r = sqlite3_step(up) == SQLITE_DONE ? OG_OK : db_error(be, "seal audit trail");
	sqlite3_finalize(up);
	return r;
}

/* Chains the entries an older version wrote (all of them come before any sealed one). */
static int seal_unsealed(struct sqlite_be *be)
{
	unsigned char prev[OG_CHAIN_LEN] = { 0 };
	sqlite3_stmt *row;
	int rc, r = OG_OK;

	if (sqlite3_prepare_v2(be->db, "SELECT id, ts, host, event, result, reason, user, source,"
			       " service, token, key, actor, detail FROM audit WHERE mac IS NULL"
			       " ORDER BY id", -1, &row, NULL) != SQLITE_OK)
		return db_error(be, "seal audit trail");
	while (r == OG_OK && (rc = sqlite3_step(row)) == SQLITE_ROW) {
		if (be->chain == NULL)
			r = db_error(be, "sealing the audit trail needs the master key");
		else
			r = seal_one(be, row, prev);
	}
	if (r == OG_OK && rc != SQLITE_DONE)
		r = db_error(be, "seal audit trail");
	sqlite3_finalize(row);
	return r;
}

static int sq_init(void *p)
{
	struct sqlite_be *be = p;
	char sql[96];
	int r;

	if ((r = exec(be, "PRAGMA main.journal_mode = WAL")) != OG_OK ||
	    (r = exec(be, "BEGIN IMMEDIATE")) != OG_OK)
		return r;
	snprintf(sql, sizeof(sql), "PRAGMA main.user_version = %d; PRAGMA reg.user_version = %d",
		 SCHEMA_VERSION, REGISTRY_VERSION);
	if ((r = migrate_v1(be)) != OG_OK || (r = migrate_v3(be)) != OG_OK ||
	    (r = exec(be, schema_sql)) != OG_OK || (r = seal_unsealed(be)) != OG_OK ||
	    (r = exec(be, registry_sql)) != OG_OK || (r = exec(be, sql)) != OG_OK) {
		exec(be, "ROLLBACK");
		return r;
	}
	if ((r = sq_commit(be)) != OG_OK)
		return r;
	/* the WAL file now exists and is kept for good: make its name durable once */
	return sync_dir(be);
}

static void copy_col(sqlite3_stmt *s, int col, char *out, size_t cap)
{
	const unsigned char *v = sqlite3_column_text(s, col);

	snprintf(out, cap, "%s", v ? (const char *)v : "");
}

static int copy_blob(sqlite3_stmt *s, int col, unsigned char *out, size_t cap, size_t *len)
{
	int n = sqlite3_column_bytes(s, col);

	if (n < 0 || (size_t)n > cap)
		return OG_ERR_STORE;
	if (n > 0)
		memcpy(out, sqlite3_column_blob(s, col), (size_t)n);
	*len = (size_t)n;
	return OG_OK;
}

/* Fills t from a row holding TOKEN_COLS from column c on. */
static int read_token(sqlite3_stmt *s, int c, struct og_token *t)
{
	char buf[32];
	size_t wlen;

	copy_col(s, c + 0, t->id, sizeof(t->id));
	copy_col(s, c + 1, t->serial, sizeof(t->serial));
	copy_col(s, c + 2, t->user, sizeof(t->user));
	copy_col(s, c + 3, t->kind, sizeof(t->kind));
	copy_col(s, c + 4, buf, sizeof(buf));
	if (og_token_state_parse(buf, &t->state) != OG_OK)
		return OG_ERR_STORE;
	copy_col(s, c + 5, buf, sizeof(buf));
	if (og_algo_parse(buf, &t->params.algo) != OG_OK)
		return OG_ERR_STORE;
	t->params.digits = sqlite3_column_int(s, c + 6);
	t->params.period = sqlite3_column_int(s, c + 7);
	t->params.t0 = sqlite3_column_int64(s, c + 8);
	t->drift = sqlite3_column_int64(s, c + 9);
	t->last_step = sqlite3_column_int64(s, c + 10);
	t->created = sqlite3_column_int64(s, c + 11);
	t->last_used = sqlite3_column_int64(s, c + 12);
	if (copy_blob(s, c + 13, t->sealed, sizeof(t->sealed), &t->sealed_len) != OG_OK)
		return OG_ERR_STORE;
	copy_col(s, c + 14, t->dek_id, sizeof(t->dek_id));
	if (copy_blob(s, c + 15, t->wrapped_dek, sizeof(t->wrapped_dek), &wlen) != OG_OK ||
	    wlen != sizeof(t->wrapped_dek))
		return OG_ERR_STORE;
	copy_col(s, c + 16, t->dek_org, sizeof(t->dek_org));
	if ((t->params.digits != 6 && t->params.digits != 8) ||
	    (t->params.period != 30 && t->params.period != 60))
		return OG_ERR_STORE;
	return OG_OK;
}

static int read_user_state(struct sqlite_be *be, const char *user, struct og_user_state *out)
{
	sqlite3_stmt *s = stmt(be, Q_USER_STATE);
	int rc, r = OG_OK;

	if (s == NULL)
		return OG_ERR_STORE;
	bind_text(s, 1, user);
	while (r == OG_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		out->known = 1;
		copy_col(s, 0, out->org, sizeof(out->org));
		out->locked_until = sqlite3_column_int64(s, 1);
		out->has_failures = sqlite3_column_int(s, 2);
		out->removed_at = sqlite3_column_int64(s, 3);
		if (sqlite3_column_type(s, 4) != SQLITE_NULL && out->ntokens < OG_MAX_TOKENS)
			r = read_token(s, 4, &out->tokens[out->ntokens++]);
	}
	sqlite3_reset(s);
	if (r != OG_OK)
		return db_error(be, "token row malformed");
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? OG_OK : db_error(be, "read user");
}

/* One read transaction (or the caller's): the user row and its tokens are
 * seen together. */
static int sq_user_state(void *p, const char *user, struct og_user_state *out)
{
	struct sqlite_be *be = p;
	int own = sqlite3_get_autocommit(be->db), r;

	if (own && (r = exec(be, "BEGIN")) != OG_OK)
		return r;
	r = read_user_state(be, user, out);
	if (own && exec(be, "COMMIT") != OG_OK && r == OG_OK)
		r = OG_ERR_STORE;
	return r;
}

static int subject_find(struct sqlite_be *be, const char *user, char out[OG_SUBJECT_LEN + 1]);

/* The pseudonym naming name in the audit trail; a new subject the first time. */
static int subject_of(struct sqlite_be *be, const char *name, char out[OG_SUBJECT_LEN + 1])
{
	unsigned char salt[OG_SUBJECT_SALT];
	sqlite3_stmt *s;
	int r;

	if ((r = subject_find(be, name, out)) != OG_OK || out[0] != '\0')
		return r;
	if ((r = og_subject_new(be->chain, name, salt, out)) != OG_OK ||
	    (s = stmt(be, Q_SUBJECT_ADD)) == NULL)
		return r != OG_OK ? r : OG_ERR_STORE;
	bind_text(s, 1, out);
	bind_text(s, 2, name);
	sqlite3_bind_blob(s, 3, salt, sizeof(salt), SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 4, (int64_t)time(NULL));
	return step_done(be, s, "add subject");
}

/* The newest entry's id and mac (0 and zeros for an empty trail). */
static int chain_tail(struct sqlite_be *be, int64_t *id, unsigned char prev[OG_CHAIN_LEN])
{
	sqlite3_stmt *s = stmt(be, Q_CHAIN_TAIL);
	int rc, r = OG_OK;

	if (s == NULL)
		return OG_ERR_STORE;
	*id = 0;
	memset(prev, 0, OG_CHAIN_LEN);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		*id = sqlite3_column_int64(s, 0);
		if (sqlite3_column_bytes(s, 1) != OG_CHAIN_LEN)
			r = db_error(be, "audit trail: the newest entry is not sealed");
		else
			memcpy(prev, sqlite3_column_blob(s, 1), OG_CHAIN_LEN);
	} else if (rc != SQLITE_DONE) {
		r = db_error(be, "read audit chain");
	}
	sqlite3_reset(s);
	return r;
}

/* ev with its user and actor replaced by their pseudonyms (bufs hold them). */
static int pseudonymise(struct sqlite_be *be, struct og_audit_event *ev,
			char ubuf[OG_SUBJECT_LEN + 1], char abuf[OG_SUBJECT_LEN + 1])
{
	int r;

	if (ev->user != NULL && (r = subject_of(be, ev->user, ubuf)) != OG_OK)
		return r;
	if (ev->actor != NULL && (r = subject_of(be, ev->actor, abuf)) != OG_OK)
		return r;
	ev->user = ev->user ? ubuf : NULL;
	ev->actor = ev->actor ? abuf : NULL;
	return OG_OK;
}

/* Appends ev to the chain; inside a write transaction (which serializes writers). */
static int audit_insert(struct sqlite_be *be, const struct og_audit_event *ev)
{
	char ubuf[OG_SUBJECT_LEN + 1], abuf[OG_SUBJECT_LEN + 1];
	unsigned char mac[OG_CHAIN_LEN];
	struct og_audit_event e = *ev;
	sqlite3_stmt *s;
	int64_t id;
	int r;

	if (be->chain == NULL)
		return db_error(be, "audit trail: no chain key (master key unreadable)");
	e.host = ev->host ? ev->host : be->host;
	if ((r = pseudonymise(be, &e, ubuf, abuf)) != OG_OK || (r = chain_tail(be, &id, mac)) != OG_OK ||
	    (r = og_chain_mac(be->chain, mac, ++id, &e, mac)) != OG_OK)
		return r;
	if ((s = stmt(be, Q_AUDIT)) == NULL)
		return OG_ERR_STORE;
	const char *v[] = { e.host, e.event, e.result, e.reason, e.user, e.source, e.service,
			    e.token, e.key, e.actor, e.detail };

	sqlite3_bind_int64(s, 1, e.ts);
	for (int i = 0; i < 11; i++)
		bind_text(s, i + 2, v[i]);
	sqlite3_bind_int64(s, 13, id);
	sqlite3_bind_blob(s, 14, mac, sizeof(mac), SQLITE_TRANSIENT);
	return step_done(be, s, "audit");
}

/* A duplicate id is a constraint violation: OG_ERR_EXISTS. */
static int sq_spool_mark(void *p, const char *id, int64_t now)
{
	struct sqlite_be *be = p;
	sqlite3_stmt *s = stmt(be, Q_SPOOL_MARK);

	if (s == NULL)
		return OG_ERR_STORE;
	bind_text(s, 1, id);
	sqlite3_bind_int64(s, 2, now);
	return step_done(be, s, "mark spooled rows written");
}

static int sq_begin(void *p)
{
	return exec(p, "BEGIN IMMEDIATE");
}

static int sq_commit(void *p)
{
	struct sqlite_be *be = p;
	int r = exec(be, "COMMIT");

	return r == OG_OK && !be->registry_only ? sync_wal(be) : r;
}

static int sq_rollback(void *p)
{
	struct sqlite_be *be = p;

	if (sqlite3_get_autocommit(be->db))
		return OG_OK;
	return exec(be, "ROLLBACK");
}

/* Commits if r is OG_OK, otherwise rolls back; returns the first error. */
static int finish(struct sqlite_be *be, int r)
{
	if (r == OG_OK)
		return sq_commit(be);
	sq_rollback(be);
	return r;
}

/*
 * Inside the claim's write transaction: whether the user of s's row (a
 * STANDING statement, bound) may log in at now (og_standing_check), and
 * *has_failures, whether a failure record exists.
 */
static int standing(struct sqlite_be *be, sqlite3_stmt *s, int64_t now, int *has_failures)
{
	struct og_standing st = { 0, 0, 0 };
	int rc;

	*has_failures = 0;
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		st.removed_at = sqlite3_column_int64(s, 0);
		st.org_removed = sqlite3_column_int(s, 1);
		st.locked_until = sqlite3_column_int64(s, 2);
		*has_failures = sqlite3_column_int(s, 3);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_error(be, "read user standing");
	return og_standing_check(&st, now);
}

/*
 * Inside an open transaction, once the user's standing allowed it, runs s,
 * the UPDATE that claims a one-time thing (a code's step, a recovery
 * code); then clears the user's failures (if any) and appends ev, and
 * commits. OG_ERR_REPLAY, and nothing changed, if s claimed nothing.
 */
static int claim(struct sqlite_be *be, sqlite3_stmt *s, const char *what, int clear_failures,
		 const struct og_audit_event *ev)
{
	int r;

	if ((r = step_done(be, s, what)) != OG_OK)
		return finish(be, r);
	if (sqlite3_changes(be->db) != 1)
		return finish(be, OG_ERR_REPLAY);
	if (clear_failures) {
		if ((s = stmt(be, Q_CLEAR_FAIL)) == NULL)
			return finish(be, OG_ERR_STORE);
		bind_text(s, 1, ev->user);
		if ((r = step_done(be, s, "clear failures")) != OG_OK)
			return finish(be, r);
	}
	return finish(be, ev->syslog_only ? OG_OK : audit_insert(be, ev));
}

/* Opens the claim's write transaction and checks the standing of who
 * (a token id or a user name, per q) at ev->ts. */
static int claim_begin(struct sqlite_be *be, enum stmt_id q, const char *who,
		       const struct og_audit_event *ev, int *has_failures)
{
	sqlite3_stmt *s;
	int r;

	if ((r = sq_begin(be)) != OG_OK)
		return r;
	if ((s = stmt(be, q)) == NULL)
		return finish(be, OG_ERR_STORE);
	bind_text(s, 1, who);
	if ((r = standing(be, s, ev->ts, has_failures)) != OG_OK)
		return finish(be, r);
	return OG_OK;
}

static int sq_login_accept(void *p, const char *token_id, int64_t step, int64_t drift,
			   int clear_failures, const struct og_audit_event *ev)
{
	struct sqlite_be *be = p;
	sqlite3_stmt *s;
	int has_failures, r;

	(void)clear_failures;	/* the claim sees for itself */
	if ((r = claim_begin(be, Q_STANDING_OF_TOKEN, token_id, ev, &has_failures)) != OG_OK)
		return r;
	if ((s = stmt(be, Q_ACCEPT)) == NULL)
		return finish(be, OG_ERR_STORE);
	bind_text(s, 1, token_id);
	sqlite3_bind_int64(s, 2, step);
	sqlite3_bind_int64(s, 3, drift);
	sqlite3_bind_int64(s, 4, ev->ts);
	return claim(be, s, "advance watermark", has_failures, ev);
}

/* Reads the user's failure record; *exists = 0 when there is none. */
static int failures_get(struct sqlite_be *be, const char *user, struct og_failures *f,
			int *exists)
{
	sqlite3_stmt *s = stmt(be, Q_FAIL_GET);
	int rc;

	if (s == NULL)
		return OG_ERR_STORE;
	bind_text(s, 1, user);
	rc = sqlite3_step(s);
	*exists = rc == SQLITE_ROW;
	if (*exists) {
		f->count = sqlite3_column_int64(s, 0);
		f->window_start = sqlite3_column_int64(s, 1);
		f->locked_until = sqlite3_column_int64(s, 2);
	}
	sqlite3_reset(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? OG_OK : db_error(be, "read failures");
}

static int failures_put(struct sqlite_be *be, const char *user, const struct og_failures *f)
{
	sqlite3_stmt *s = stmt(be, Q_FAIL_PUT);

	if (s == NULL)
		return OG_ERR_STORE;
	bind_text(s, 1, user);
	sqlite3_bind_int64(s, 2, f->count);
	sqlite3_bind_int64(s, 3, f->window_start);
	sqlite3_bind_int64(s, 4, f->locked_until);
	return step_done(be, s, "count failure");
}

static int sq_login_fail(void *p, const char *user, const struct og_lockout *lk,
			 const struct og_audit_event *ev, int64_t *locked_until, int *newly)
{
	struct sqlite_be *be = p;
	struct og_failures f = { 0, 0, 0 };
	int exists = 0, r;

	/* a failure is a claim too: one for a user locked or removed meanwhile is not counted */
	if (user == NULL)
		r = sq_begin(be);
	else
		r = claim_begin(be, Q_STANDING_OF_USER, user, ev, &exists);
	if (r != OG_OK)
		return r;
	if (user != NULL && lk->max_failures > 0) {
		if ((r = failures_get(be, user, &f, &exists)) != OG_OK)
			return finish(be, r);
		*newly = og_lockout_count(&f, exists, ev->ts, lk);
		*locked_until = f.locked_until;
		if ((r = failures_put(be, user, &f)) != OG_OK)
			return finish(be, r);
	}
	return finish(be, !ev->syslog_only ? audit_insert(be, ev) : OG_OK);
}

static int sq_audit_add(void *p, const struct og_audit_event *ev)
{
	struct sqlite_be *be = p;
	int r;

	if (ev->syslog_only)
		return OG_OK;
	if (!sqlite3_get_autocommit(be->db))
		return audit_insert(be, ev);
	if ((r = sq_begin(be)) != OG_OK)
		return r;
	return finish(be, audit_insert(be, ev));
}

static void sq_set_chain(void *p, const struct og_chain_key *k)
{
	((struct sqlite_be *)p)->chain = k;
}

static int sq_unlock(void *p, const char *user)
{
	struct sqlite_be *be = p;
	sqlite3_stmt *s = stmt(be, Q_CLEAR_FAIL);

	if (s == NULL)
		return OG_ERR_STORE;
	bind_text(s, 1, user);
	return step_done(be, s, "unlock");
}

static int sq_user_ensure(void *p, const char *user, const char *org, int64_t now)
{
	struct sqlite_be *be = p;
	sqlite3_stmt *s = stmt(be, Q_USER_INSERT);
	char have[OG_ORG_MAX + 1] = "";
	int r, rc;

	if (s == NULL)
		return OG_ERR_STORE;
	bind_text(s, 1, user);
	bind_text(s, 2, org);
	sqlite3_bind_int64(s, 3, now);
	if ((r = step_done(be, s, "add user")) != OG_OK)
		return r;
	if (sqlite3_changes(be->db) == 1) {
		char pseudonym[OG_SUBJECT_LEN + 1];
		return be->chain != NULL ? subject_of(be, user, pseudonym) : OG_OK;
	}
	if ((s = stmt(be, Q_USER_ORG)) == NULL)
		return OG_ERR_STORE;
	bind_text(s, 1, user);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW)
		copy_col(s, 0, have, sizeof(have));
	sqlite3_reset(s);
	if (rc != SQLITE_ROW)
		return db_error(be, "read user");
	return strcmp(have, org) == 0 ? OG_OK : OG_ERR_EXISTS;
}

static int sq_dek_get(void *p, const char *org, char id[OG_ID_LEN + 1], unsigned char *wrapped)
{
	struct sqlite_be *be = p;
	sqlite3_stmt *s = stmt(be, Q_DEK_GET);
	size_t len = 0;
	int rc, r = OG_ERR_NOTFOUND;

	if (s == NULL)
		return OG_ERR_STORE;
	bind_text(s, 1, org);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		copy_col(s, 0, id, OG_ID_LEN + 1);
		r = copy_blob(s, 1, wrapped, OG_WRAPPED_DEK_LEN, &len);
		if (r == OG_OK && len != OG_WRAPPED_DEK_LEN)
			r = OG_ERR_STORE;
	} else if (rc != SQLITE_DONE) {
		r = db_error(be, "read data key");
	}
	sqlite3_reset(s);
	return r;
}

static int sq_dek_add(void *p, const char *org, const char *id, const unsigned char *wrapped,
		      int64_t now)
{
	struct sqlite_be *be = p;
	sqlite3_stmt *s = stmt(be, Q_DEK_ADD);

	if (s == NULL)
		return OG_ERR_STORE;
	bind_text(s, 1, id);
	bind_text(s, 2, org);
	sqlite3_bind_blob(s, 3, wrapped, OG_WRAPPED_DEK_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, now);
	return step_done(be, s, "add data key");
}

static int sq_token_add(void *p, const struct og_token *t)
{
	struct sqlite_be *be = p;
	sqlite3_stmt *s = stmt(be, Q_TOKEN_ADD);

	if (s == NULL)
		return OG_ERR_STORE;
	bind_text(s, 1, t->id);
	bind_text(s, 2, t->serial);
	bind_text(s, 3, t->user[0] ? t->user : NULL);
	bind_text(s, 4, t->kind);
	bind_text(s, 5, og_token_state_name(t->state));
	bind_text(s, 6, og_algo_name(t->params.algo));
	sqlite3_bind_int(s, 7, t->params.digits);
	sqlite3_bind_int(s, 8, t->params.period);
	sqlite3_bind_int64(s, 9, t->params.t0);
	sqlite3_bind_blob(s, 10, t->sealed, (int)t->sealed_len, SQLITE_STATIC);
	bind_text(s, 11, t->dek_id);
	sqlite3_bind_int64(s, 12, t->drift);
	sqlite3_bind_int64(s, 13, t->last_step);
	sqlite3_bind_int64(s, 14, t->created);
	sqlite3_bind_int64(s, 15, t->last_used);
	return step_done(be, s, "add token");
}

/* Runs a one-row UPDATE; OG_ERR_NOTFOUND when it changed nothing. */
static int update_one(struct sqlite_be *be, sqlite3_stmt *s, const char *what)
{
	int r = step_done(be, s, what);

	return r != OG_OK ? r : sqlite3_changes(be->db) == 1 ? OG_OK : OG_ERR_NOTFOUND;
}

static int sq_keys_ready(void *p);

static int sq_admin_get(void *p, const char *name, char role[OG_KEYWORD_MAX + 1],
			char org[OG_ORG_MAX + 1])
{
	struct sqlite_be *be = p;
	sqlite3_stmt *s = stmt(be, Q_ADMIN_GET);
	int rc, r = OG_ERR_NOTFOUND;

	if (s == NULL)
		return OG_ERR_STORE;
	bind_text(s, 1, name);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		copy_col(s, 0, role, OG_KEYWORD_MAX + 1);
		copy_col(s, 1, org, OG_ORG_MAX + 1);
		r = OG_OK;
	} else if (rc != SQLITE_DONE) {
		r = db_error(be, "read admin");
	}
	sqlite3_reset(s);
	return r;
}

static int sq_admin_add(void *p, const char *name, const char *role, const char *org, int64_t now)
{
	struct sqlite_be *be = p;
	sqlite3_stmt *s = stmt(be, Q_ADMIN_ADD);

	if (s == NULL)
		return OG_ERR_STORE;
	bind_text(s, 1, name);
	bind_text(s, 2, role);
	bind_text(s, 3, org);
	sqlite3_bind_int64(s, 4, now);
	return step_done(be, s, "add admin");
}

static int sq_user_remove(void *p, const char *user, int64_t now)
{
	struct sqlite_be *be = p;
	sqlite3_stmt *s = stmt(be, now ? Q_USER_REMOVE : Q_USER_RESTORE);

	if (s == NULL)
		return OG_ERR_STORE;
	bind_text(s, 1, user);
	if (now)
		sqlite3_bind_int64(s, 2, now);
	return update_one(be, s, now ? "remove user" : "restore user");
}

/*
 * Deletes, for good, every user removed at or before `before`, and every
 * organisation removed by then with all its users, tokens, keys, admins and
 * its data key. secure_delete overwrites what is deleted, and the WAL is
 * truncated after, so the wrapped data key leaves the files.
 */
static int sq_purge(void *p, int64_t before, int64_t *users, int64_t *orgs)
{
	struct sqlite_be *be = p;
	char sql[2048];
	sqlite3_stmt *s;
	int r;

	snprintf(sql, sizeof(sql),
		 "CREATE TEMP TABLE IF NOT EXISTS gone_orgs(org TEXT PRIMARY KEY);"
		 "CREATE TEMP TABLE IF NOT EXISTS gone(name TEXT PRIMARY KEY);"
		 "DELETE FROM gone_orgs; DELETE FROM gone;"
		 "INSERT INTO gone_orgs SELECT org FROM org_removals WHERE removed_at <= %lld;"
		 "INSERT INTO gone SELECT name FROM users WHERE (removed_at > 0 AND removed_at <= %lld)"
		 " OR org IN (SELECT org FROM gone_orgs);"
		 "DELETE FROM tokens WHERE user IN (SELECT name FROM gone)"
		 " OR dek_id IN (SELECT id FROM data_keys WHERE org IN (SELECT org FROM gone_orgs));"
		 "DELETE FROM failures WHERE user IN (SELECT name FROM gone);"
		 "DELETE FROM recovery_codes WHERE user IN (SELECT name FROM gone);"
		 "DELETE FROM reg.access_keys WHERE user IN (SELECT name FROM gone)"
		 " OR org IN (SELECT org FROM gone_orgs);"
		 "DELETE FROM users WHERE name IN (SELECT name FROM gone);"
		 "DELETE FROM admins WHERE org IN (SELECT org FROM gone_orgs);"
		 "DELETE FROM data_keys WHERE org IN (SELECT org FROM gone_orgs);"
		 "DELETE FROM org_removals WHERE org IN (SELECT org FROM gone_orgs);",
		 (long long)before, (long long)before);
	if ((r = sq_keys_ready(be)) != OG_OK || (r = exec(be, "PRAGMA secure_delete = ON")) != OG_OK ||
	    (r = sq_begin(be)) != OG_OK)
		return r;
	if ((r = exec(be, sql)) != OG_OK)
		return finish(be, r);
	if (sqlite3_prepare_v2(be->db, "SELECT (SELECT count(*) FROM gone),"
			       " (SELECT count(*) FROM gone_orgs)", -1, &s, NULL) != SQLITE_OK)
		return finish(be, db_error(be, "purge"));
	if (sqlite3_step(s) == SQLITE_ROW) {
		*users = sqlite3_column_int64(s, 0);
		*orgs = sqlite3_column_int64(s, 1);
	}
	sqlite3_finalize(s);
	if ((r = finish(be, OG_OK)) != OG_OK)
		return r;
	if (*orgs > 0)
		sqlite3_wal_checkpoint_v2(be->db, "main", SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	return exec(be, "PRAGMA secure_delete = OFF");
}

/* Runs sql (binding ?1 org, ?2 n) and returns sqlite3_changes, or -1. */
static int64_t run_org(struct sqlite_be *be, const char *sql, const char *org, int64_t n)
{
	sqlite3_stmt *s;
	int64_t changed = -1;
	int rc;

	if (sqlite3_prepare_v2(be->db, sql, -1, &s, NULL) != SQLITE_OK)
		return db_error(be, "organisation"), -1;
	bind_text(s, 1, org);
	sqlite3_bind_int64(s, 2, n);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		changed = sqlite3_column_int64(s, 0);
	else if (rc == SQLITE_DONE)
		changed = sqlite3_changes(be->db);
	else if (rc != SQLITE_CONSTRAINT)
		db_error(be, "organisation");
	sqlite3_finalize(s);
	return changed;
}

static int sq_org_remove(void *p, const char *org, int64_t now, int64_t *users)
{
	struct sqlite_be *be = p;
	int64_t at;
	int r;

	if ((r = sq_begin(be)) != OG_OK)
		return r;
	if (now > 0) {
		if (run_org(be, "SELECT (SELECT count(*) FROM users WHERE org = ?1)"
			    " + (SELECT count(*) FROM data_keys WHERE org = ?1)", org, 0) <= 0)
			return finish(be, OG_ERR_NOTFOUND);
		if (run_org(be, "INSERT INTO org_removals(org, removed_at) VALUES(?1, ?2)", org, now) != 1)
			return finish(be, OG_ERR_EXISTS);
		*users = run_org(be, "UPDATE users SET removed_at = ?2, removed_with_org = 1"
				 " WHERE org = ?1 AND removed_at = 0", org, now);
		return finish(be, *users < 0 ? OG_ERR_STORE : OG_OK);
	}
	if ((at = run_org(be, "SELECT COALESCE((SELECT removed_at FROM org_removals WHERE org = ?1), 0)",
			  org, 0)) <= 0)
		return finish(be, at < 0 ? OG_ERR_STORE : OG_ERR_NOTFOUND);
	*users = run_org(be, "UPDATE users SET removed_at = 0, removed_with_org = 0"
			 " WHERE org = ?1 AND removed_with_org = 1", org, 0);
	if (*users < 0 || run_org(be, "DELETE FROM org_removals WHERE org = ?1", org, 0) != 1)
		return finish(be, OG_ERR_STORE);
	return finish(be, OG_OK);
}

static int sq_org_removed(void *p, const char *org, int64_t *at)
{
	struct sqlite_be *be = p;

	*at = run_org(be, "SELECT COALESCE((SELECT removed_at FROM org_removals WHERE org = ?1), 0)",
		      org, 0);
	return *at < 0 ? OG_ERR_STORE : OG_OK;
}

/* The subject naming user, or "" if the trail never named them. */
static int subject_find(struct sqlite_be *be, const char *user, char out[OG_SUBJECT_LEN + 1])
{
	sqlite3_stmt *s = stmt(be, Q_SUBJECT_GET);
	int rc;

	if (s == NULL)
		return OG_ERR_STORE;
	bind_text(s, 1, user);
	out[0] = '\0';
	if ((rc = sqlite3_step(s)) == SQLITE_ROW)
		copy_col(s, 0, out, OG_SUBJECT_LEN + 1);
	sqlite3_reset(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? OG_OK : db_error(be, "find subject");
}

static int sq_erase(void *p, const char *user, struct og_audit_event *ev,
		    char pseudonym[OG_SUBJECT_LEN + 1])
{
	static const char *const sql[] = {
		"DELETE FROM tokens WHERE user = ?1", "DELETE FROM failures WHERE user = ?1",
		"DELETE FROM recovery_codes WHERE user = ?1", "DELETE FROM reg.access_keys WHERE user = ?1",
		"DELETE FROM users WHERE name = ?1", "DELETE FROM subjects WHERE name = ?1",
	};
	struct sqlite_be *be = p;
	int r, found = 0;

	if ((r = sq_keys_ready(be)) != OG_OK || (r = sq_begin(be)) != OG_OK)
		return r;
	if ((r = subject_find(be, user, pseudonym)) != OG_OK)
		return finish(be, r);
	for (size_t i = 0; i < sizeof(sql) / sizeof(sql[0]) && r == OG_OK; i++) {
		sqlite3_stmt *s;
		if (sqlite3_prepare_v2(be->db, sql[i], -1, &s, NULL) != SQLITE_OK)
			return finish(be, db_error(be, "erase"));
		bind_text(s, 1, user);
		r = sqlite3_step(s) == SQLITE_DONE ? OG_OK : db_error(be, "erase");
		sqlite3_finalize(s);
		if (i >= 4)
			found += sqlite3_changes(be->db);
	}
	if (r == OG_OK && found == 0)
		return finish(be, OG_ERR_NOTFOUND);
	ev->user = NULL;
	ev->detail = pseudonym[0] ? pseudonym : NULL;
	/* stored even when audit.store is off: it keeps the chain verifiable */
	return finish(be, r == OG_OK && pseudonym[0] ? audit_insert(be, ev) : r);
}

static int sq_token_get(void *p, const char *serial, struct og_token *out)
{
	struct sqlite_be *be = p;
	sqlite3_stmt *s = stmt(be, Q_TOKEN_GET);
	int rc, r = OG_ERR_NOTFOUND;

	if (s == NULL)
		return OG_ERR_STORE;
	bind_text(s, 1, serial);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW)
		r = read_token(s, 0, out);
	else if (rc != SQLITE_DONE)
		r = db_error(be, "read token");
	sqlite3_reset(s);
	return r;
}

static int sq_token_assign(void *p, const struct og_token *t)
{
	struct sqlite_be *be = p;
	sqlite3_stmt *s = stmt(be, Q_TOKEN_ASSIGN);

	if (s == NULL)
		return OG_ERR_STORE;
	bind_text(s, 1, t->id);
	bind_text(s, 2, t->user);
	sqlite3_bind_blob(s, 3, t->sealed, (int)t->sealed_len, SQLITE_STATIC);
	bind_text(s, 4, t->dek_id);
	return update_one(be, s, "assign token");
}

static int sq_token_activate(void *p, const char *token_id, int64_t step, int64_t drift)
{
	struct sqlite_be *be = p;
	sqlite3_stmt *s = stmt(be, Q_TOKEN_ACTIVATE);

	if (s == NULL)
		return OG_ERR_STORE;
	bind_text(s, 1, token_id);
	sqlite3_bind_int64(s, 2, step);
	sqlite3_bind_int64(s, 3, drift);
	return update_one(be, s, "activate token");
}

static int sq_token_resync(void *p, const char *token_id, int64_t drift, int64_t step)
{
	struct sqlite_be *be = p;
	sqlite3_stmt *s = stmt(be, Q_TOKEN_RESYNC);

	if (s == NULL)
		return OG_ERR_STORE;
	bind_text(s, 1, token_id);
	sqlite3_bind_int64(s, 2, drift);
	sqlite3_bind_int64(s, 3, step);
	return update_one(be, s, "resync token");
}

static int sq_recovery_set(void *p, const char *user, const struct og_recovery_set *set,
			   int64_t now)
{
	struct sqlite_be *be = p;
	sqlite3_stmt *s;
	int r;

	if ((r = sq_begin(be)) != OG_OK)
		return r;
	if ((s = stmt(be, Q_REC_DEL)) == NULL)
		return finish(be, OG_ERR_STORE);
	bind_text(s, 1, user);
	if ((r = step_done(be, s, "replace recovery codes")) != OG_OK)
		return finish(be, r);
	for (int i = 0; i < set->n; i++) {
		if ((s = stmt(be, Q_REC_ADD)) == NULL)
			return finish(be, OG_ERR_STORE);
		bind_text(s, 1, user);
		sqlite3_bind_int(s, 2, set->idx[i]);
		sqlite3_bind_blob(s, 3, set->salt, OG_RECOVERY_SALT, SQLITE_STATIC);
		sqlite3_bind_blob(s, 4, set->hash[i], OG_RECOVERY_HASH, SQLITE_STATIC);
		sqlite3_bind_int64(s, 5, now);
		if ((r = step_done(be, s, "add recovery code")) != OG_OK)
			return finish(be, r);
	}
	return finish(be, OG_OK);
}

static int sq_recovery_get(void *p, const char *user, struct og_recovery_set *set)
{
	struct sqlite_be *be = p;
	sqlite3_stmt *s = stmt(be, Q_REC_GET);
	size_t len;
	int rc, r = OG_OK;

	if (s == NULL)
		return OG_ERR_STORE;
	bind_text(s, 1, user);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW && set->n < OG_RECOVERY_CODES && r == OG_OK) {
		int i = set->n++;
		set->idx[i] = sqlite3_column_int(s, 0);
		if ((r = copy_blob(s, 1, set->salt, sizeof(set->salt), &len)) == OG_OK)
			r = copy_blob(s, 2, set->hash[i], sizeof(set->hash[i]), &len);
		set->used[i] = sqlite3_column_int64(s, 3) != 0;
	}
	sqlite3_reset(s);
	if (r != OG_OK || (rc != SQLITE_ROW && rc != SQLITE_DONE))
		return db_error(be, "read recovery codes");
	return OG_OK;
}

static int sq_recovery_use(void *p, const char *user, int idx, const struct og_audit_event *ev)
{
	struct sqlite_be *be = p;
	sqlite3_stmt *s;
	int has_failures, r;

	if ((r = claim_begin(be, Q_STANDING_OF_USER, user, ev, &has_failures)) != OG_OK)
		return r;
	if ((s = stmt(be, Q_REC_USE)) == NULL)
		return finish(be, OG_ERR_STORE);
	bind_text(s, 1, user);
	sqlite3_bind_int(s, 2, idx);
	sqlite3_bind_int64(s, 3, ev->ts);
	return claim(be, s, "use recovery code", has_failures, ev);
}

static int sq_token_revoke(void *p, const char *serial)
{
	struct sqlite_be *be = p;
	sqlite3_stmt *s = stmt(be, Q_TOKEN_REVOKE);

	if (s == NULL)
		return OG_ERR_STORE;
	bind_text(s, 1, serial);
	return update_one(be, s, "revoke token");
}

static int sq_token_list(void *p, const char *user,
			 int (*cb)(void *arg, const struct og_token *t), void *arg)
{
	struct sqlite_be *be = p;
	sqlite3_stmt *s = stmt(be, user ? Q_TOKENS_OF : Q_TOKENS_ALL);
	struct og_token t;
	int rc, r = OG_OK;

	if (s == NULL)
		return OG_ERR_STORE;
	if (user != NULL)
		bind_text(s, 1, user);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		memset(&t, 0, sizeof(t));
		if ((r = read_token(s, 0, &t)) != OG_OK || cb(arg, &t) != 0)
			break;
	}
	sqlite3_reset(s);
	memset(&t, 0, sizeof(t));
	if (r != OG_OK || (rc != SQLITE_ROW && rc != SQLITE_DONE))
		return db_error(be, "list tokens");
	return OG_OK;
}

static int sq_user_list(void *p, int (*cb)(void *arg, const struct og_user_row *u), void *arg)
{
	struct sqlite_be *be = p;
	sqlite3_stmt *s = stmt(be, Q_USERS_ALL);
	struct og_user_row u;
	int rc;

	if (s == NULL)
		return OG_ERR_STORE;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		copy_col(s, 0, u.name, sizeof(u.name));
		copy_col(s, 1, u.org, sizeof(u.org));
		u.created = sqlite3_column_int64(s, 2);
		u.removed_at = sqlite3_column_int64(s, 3);
		u.removed_with_org = sqlite3_column_int(s, 4) != 0;
		if (cb(arg, &u) != 0)
			break;
	}
	sqlite3_reset(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? OG_OK : db_error(be, "list users");
}

static int sq_dek_list(void *p, int (*cb)(void *arg, const struct og_dek_row *d), void *arg)
{
	struct sqlite_be *be = p;
	sqlite3_stmt *s = stmt(be, Q_DEKS_ALL);
	struct og_dek_row d;
	size_t len;
	int rc, r = OG_OK;

	if (s == NULL)
		return OG_ERR_STORE;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		copy_col(s, 0, d.id, sizeof(d.id));
		copy_col(s, 1, d.org, sizeof(d.org));
		if ((r = copy_blob(s, 2, d.wrapped, sizeof(d.wrapped), &len)) != OG_OK ||
		    len != sizeof(d.wrapped))
			break;
		d.created = sqlite3_column_int64(s, 3);
		if (cb(arg, &d) != 0)
			break;
	}
	sqlite3_reset(s);
	if (r != OG_OK || (rc != SQLITE_ROW && rc != SQLITE_DONE))
		return db_error(be, "list data keys");
	return OG_OK;
}

static int sq_dek_put(void *p, const struct og_dek_row *d)
{
	return sq_dek_add(p, d->org, d->id, d->wrapped, d->created);
}

/* "erased-" and the pseudonym, when the subject has no name any more. */
static const char *shown_name(const char *name, const char *subject, char *buf, size_t cap,
			      int *erased)
{
	*erased = subject != NULL && name == NULL;
	if (!*erased)
		return name;
	snprintf(buf, cap, "%s%s", OG_ERASED_PREFIX, subject);
	return buf;
}

/* Buffers behind one audit row read from a statement. */
struct audit_buf {
	struct og_audit_row row;
	char ubuf[64], abuf[64];
};

/* Fills b from a row holding AUDIT_COLS; its strings point into s's row. */
static void read_audit_row(sqlite3_stmt *s, struct audit_buf *b)
{
	struct og_audit_event *ev = &b->row.ev;
	const char **f[] = { &ev->host, &ev->event, &ev->result, &ev->reason, &b->row.user_subject,
			     &ev->source, &ev->service, &ev->token, &ev->key, &b->row.actor_subject,
			     &ev->detail };

	memset(&b->row, 0, sizeof(b->row));
	ev->ts = sqlite3_column_int64(s, 0);
	for (int i = 0; i < 11; i++)
		*f[i] = (const char *)sqlite3_column_text(s, i + 1);
	b->row.id = sqlite3_column_int64(s, 12);
	b->row.mac = sqlite3_column_blob(s, 13);
	b->row.mac_len = (size_t)sqlite3_column_bytes(s, 13);
	ev->user = shown_name((const char *)sqlite3_column_text(s, 14), b->row.user_subject,
			      b->ubuf, sizeof(b->ubuf), &b->row.user_erased);
	ev->actor = shown_name((const char *)sqlite3_column_text(s, 15), b->row.actor_subject,
			       b->abuf, sizeof(b->abuf), &b->row.actor_erased);
}

static int sq_audit_list(void *p, int (*cb)(void *arg, const struct og_audit_row *row), void *arg)
{
	struct sqlite_be *be = p;
	sqlite3_stmt *s = stmt(be, Q_AUDIT_ALL);
	struct audit_buf b;
	int rc;

	if (s == NULL)
		return OG_ERR_STORE;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		read_audit_row(s, &b);
		if (cb(arg, &b.row) != 0)
			break;
	}
	sqlite3_reset(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? OG_OK : db_error(be, "list audit");
}

static int sq_subject_list(void *p, int (*cb)(void *arg, const struct og_subject_row *sr),
			   void *arg)
{
	struct sqlite_be *be = p;
	sqlite3_stmt *s = stmt(be, Q_SUBJECTS_ALL);
	struct og_subject_row row;
	size_t n;
	int rc;

	if (s == NULL)
		return OG_ERR_STORE;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		memset(&row, 0, sizeof(row));
		copy_col(s, 0, row.pseudonym, sizeof(row.pseudonym));
		row.name = (const char *)sqlite3_column_text(s, 1);
		row.salt_ok = copy_blob(s, 2, row.salt, sizeof(row.salt), &n) == OG_OK &&
			      n == sizeof(row.salt);
		if (cb(arg, &row) != 0)
			break;
	}
	sqlite3_reset(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? OG_OK : db_error(be, "list subjects");
}

static int sq_counts(void *p, struct og_store_counts *out)
{
	struct sqlite_be *be = p;
	sqlite3_stmt *s = stmt(be, Q_COUNTS);
	int rc;

	if (s == NULL)
		return OG_ERR_STORE;
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		out->users = sqlite3_column_int64(s, 0);
		out->data_keys = sqlite3_column_int64(s, 1);
		out->tokens = sqlite3_column_int64(s, 2);
		out->audit = sqlite3_column_int64(s, 3);
		out->admins = sqlite3_column_int64(s, 4);
		out->recovery_codes = sqlite3_column_int64(s, 5);
		out->failures = sqlite3_column_int64(s, 6);
		out->org_removals = sqlite3_column_int64(s, 7);
		out->access_keys = sqlite3_column_int64(s, 8);
		out->spool_flushed = sqlite3_column_int64(s, 9);
	}
	sqlite3_reset(s);
	return rc == SQLITE_ROW ? OG_OK : db_error(be, "count rows");
}

static int read_key(sqlite3_stmt *s, struct og_access_key *k)
{
	char state[OG_KEYWORD_MAX + 1];

	copy_col(s, 0, k->id, sizeof(k->id));
	copy_col(s, 1, k->user, sizeof(k->user));
	copy_col(s, 2, k->org, sizeof(k->org));
	copy_col(s, 3, k->type, sizeof(k->type));
	copy_col(s, 4, k->pubkey, sizeof(k->pubkey));
	copy_col(s, 5, k->fingerprint, sizeof(k->fingerprint));
	copy_col(s, 6, k->origin, sizeof(k->origin));
	copy_col(s, 7, state, sizeof(state));
	copy_col(s, 8, k->predecessor, sizeof(k->predecessor));
	k->created = sqlite3_column_int64(s, 9);
	k->last_used = sqlite3_column_int64(s, 10);
	k->not_after = sqlite3_column_int64(s, 11);
	return og_key_state_parse(state, &k->state) == OG_OK ? OG_OK : OG_ERR_STORE;
}

static int sq_keys_ready(void *p)
{
	struct sqlite_be *be = p;

	if (!be->reg_attached && !sqlite3_get_autocommit(be->db)) {
		og_logf(be->log, LOG_ERR, "key registry: must be made ready outside a transaction");
		return OG_ERR_STORE;
	}
	return need_registry(be);
}

static int sq_key_add(void *p, const struct og_access_key *k)
{
	struct sqlite_be *be = p;
	sqlite3_stmt *s;

	if (sq_keys_ready(be) != OG_OK || (s = stmt(be, Q_KEY_ADD)) == NULL)
		return OG_ERR_STORE;
	bind_text(s, 1, k->id);
	bind_text(s, 2, k->user);
	bind_text(s, 3, k->org);
	bind_text(s, 4, k->type);
	bind_text(s, 5, k->pubkey);
	bind_text(s, 6, k->fingerprint);
	bind_text(s, 7, k->origin);
	bind_text(s, 8, og_key_state_name(k->state));
	bind_text(s, 9, k->predecessor);
	sqlite3_bind_int64(s, 10, k->created);
	sqlite3_bind_int64(s, 11, k->last_used);
	sqlite3_bind_int64(s, 12, k->not_after);
	return step_done(be, s, "add key");
}

static int sq_key_list(void *p, const char *user,
		       int (*cb)(void *arg, const struct og_access_key *k), void *arg)
{
	struct sqlite_be *be = p;
	sqlite3_stmt *s;
	struct og_access_key k;
	int rc, r = OG_OK;

	if (sq_keys_ready(be) != OG_OK || (s = stmt(be, user ? Q_KEYS_OF : Q_KEYS_ALL)) == NULL)
		return OG_ERR_STORE;
	if (user != NULL)
		bind_text(s, 1, user);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if ((r = read_key(s, &k)) != OG_OK || cb(arg, &k) != 0)
			break;
	}
	sqlite3_reset(s);
	if (r != OG_OK || (rc != SQLITE_ROW && rc != SQLITE_DONE))
		return db_error(be, "list keys");
	return OG_OK;
}

static int sq_key_set_state(void *p, const char *id, enum og_key_state expect,
			    enum og_key_state state, int64_t not_after)
{
	struct sqlite_be *be = p;
	sqlite3_stmt *s;

	if (sq_keys_ready(be) != OG_OK || (s = stmt(be, Q_KEY_STATE)) == NULL)
		return OG_ERR_STORE;
	bind_text(s, 1, id);
	bind_text(s, 2, og_key_state_name(state));
	sqlite3_bind_int64(s, 3, not_after);
	bind_text(s, 4, og_key_state_name(expect));
	return update_one(be, s, "set key state");
}

static int sq_key_touch(void *p, const char *fingerprint, int64_t now)
{
	struct sqlite_be *be = p;
	sqlite3_stmt *s;

	if (sq_keys_ready(be) != OG_OK || (s = stmt(be, Q_KEY_TOUCH)) == NULL)
		return OG_ERR_STORE;
	bind_text(s, 1, fingerprint);
	sqlite3_bind_int64(s, 2, now);
	return step_done(be, s, "touch key");
}

static int sq_key_by_fp(void *p, const char *fingerprint, struct og_access_key *out)
{
	struct sqlite_be *be = p;
	sqlite3_stmt *s;
	int rc, r = OG_ERR_NOTFOUND;

	if (sq_keys_ready(be) != OG_OK || (s = stmt(be, Q_KEY_BY_FP)) == NULL)
		return OG_ERR_STORE;
	bind_text(s, 1, fingerprint);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW)
		r = read_key(s, out);
	else if (rc != SQLITE_DONE)
		r = db_error(be, "find key");
	sqlite3_reset(s);
	return r;
}

static int sq_admin_list(void *p, int (*cb)(void *arg, const struct og_admin_row *a), void *arg)
{
	struct sqlite_be *be = p;
	sqlite3_stmt *s = stmt(be, Q_ADMINS_ALL);
	struct og_admin_row a;
	int rc;

	if (s == NULL)
		return OG_ERR_STORE;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		copy_col(s, 0, a.name, sizeof(a.name));
		copy_col(s, 1, a.role, sizeof(a.role));
		copy_col(s, 2, a.org, sizeof(a.org));
		a.created = sqlite3_column_int64(s, 3);
		if (cb(arg, &a) != 0)
			break;
	}
	sqlite3_reset(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? OG_OK : db_error(be, "list admins");
}

static int sq_recovery_list(void *p, int (*cb)(void *arg, const struct og_recovery_row *r),
			    void *arg)
{
	struct sqlite_be *be = p;
	sqlite3_stmt *s = stmt(be, Q_RECS_ALL);
	struct og_recovery_row r;
	size_t n1 = 0, n2 = 0;
	int rc, bad = 0;

	if (s == NULL)
		return OG_ERR_STORE;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		copy_col(s, 0, r.user, sizeof(r.user));
		r.idx = sqlite3_column_int(s, 1);
		if ((bad = copy_blob(s, 2, r.salt, sizeof(r.salt), &n1) != OG_OK ||
			   copy_blob(s, 3, r.hash, sizeof(r.hash), &n2) != OG_OK ||
			   n1 != sizeof(r.salt) || n2 != sizeof(r.hash)))
			break;
		r.used = sqlite3_column_int64(s, 4);
		r.created = sqlite3_column_int64(s, 5);
		if (cb(arg, &r) != 0)
			break;
	}
	sqlite3_reset(s);
	OPENSSL_cleanse(&r, sizeof(r));
	if (bad || (rc != SQLITE_ROW && rc != SQLITE_DONE))
		return db_error(be, "list recovery codes");
	return OG_OK;
}

static int sq_recovery_put(void *p, const struct og_recovery_row *r)
{
	struct sqlite_be *be = p;
	sqlite3_stmt *s = stmt(be, Q_REC_PUT);

	if (s == NULL)
		return OG_ERR_STORE;
	bind_text(s, 1, r->user);
	sqlite3_bind_int(s, 2, r->idx);
	sqlite3_bind_blob(s, 3, r->salt, sizeof(r->salt), SQLITE_STATIC);
	sqlite3_bind_blob(s, 4, r->hash, sizeof(r->hash), SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, r->used);
	sqlite3_bind_int64(s, 6, r->created);
	return step_done(be, s, "add recovery code");
}

static int sq_failure_list(void *p, int (*cb)(void *arg, const struct og_failure_row *f),
			   void *arg)
{
	struct sqlite_be *be = p;
	sqlite3_stmt *s = stmt(be, Q_FAILS_ALL);
	struct og_failure_row f;
	int rc;

	if (s == NULL)
		return OG_ERR_STORE;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		copy_col(s, 0, f.user, sizeof(f.user));
		f.f.count = sqlite3_column_int64(s, 1);
		f.f.window_start = sqlite3_column_int64(s, 2);
		f.f.locked_until = sqlite3_column_int64(s, 3);
		if (cb(arg, &f) != 0)
			break;
	}
	sqlite3_reset(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? OG_OK : db_error(be, "list failures");
}

static int sq_failure_put(void *p, const struct og_failure_row *f)
{
	return failures_put(p, f->user, &f->f);
}

static int sq_org_removal_list(void *p, int (*cb)(void *arg, const struct og_org_removal_row *o),
			       void *arg)
{
	struct sqlite_be *be = p;
	sqlite3_stmt *s = stmt(be, Q_ORG_REMS_ALL);
	struct og_org_removal_row o;
	int rc;

	if (s == NULL)
		return OG_ERR_STORE;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		copy_col(s, 0, o.org, sizeof(o.org));
		o.removed_at = sqlite3_column_int64(s, 1);
		if (cb(arg, &o) != 0)
			break;
	}
	sqlite3_reset(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? OG_OK : db_error(be, "list org removals");
}

static int sq_spool_mark_list(void *p, int (*cb)(void *arg, const struct og_spool_mark_row *m),
			      void *arg)
{
	struct sqlite_be *be = p;
	sqlite3_stmt *s = stmt(be, Q_SPOOL_MARKS_ALL);
	struct og_spool_mark_row m;
	int rc;

	if (s == NULL)
		return OG_ERR_STORE;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		copy_col(s, 0, m.id, sizeof(m.id));
		m.at = sqlite3_column_int64(s, 1);
		if (cb(arg, &m) != 0)
			break;
	}
	sqlite3_reset(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? OG_OK : db_error(be, "list spool marks");
}

static int sq_org_removal_put(void *p, const struct og_org_removal_row *o)
{
	struct sqlite_be *be = p;
	sqlite3_stmt *s = stmt(be, Q_ORG_REM_PUT);

	if (s == NULL)
		return OG_ERR_STORE;
	bind_text(s, 1, o->org);
	sqlite3_bind_int64(s, 2, o->removed_at);
	return step_done(be, s, "add org removal");
}

static int sq_user_removal_put(void *p, const char *user, int64_t removed_at, int with_org)
{
	struct sqlite_be *be = p;
	sqlite3_stmt *s = stmt(be, Q_USER_REM_PUT);

	if (s == NULL)
		return OG_ERR_STORE;
	bind_text(s, 1, user);
	sqlite3_bind_int64(s, 2, removed_at);
	sqlite3_bind_int(s, 3, with_org);
	return update_one(be, s, "set user removal");
}

static int sq_audit_head(void *p, struct og_audit_head *out)
{
	struct sqlite_be *be = p;
	sqlite3_stmt *s = stmt(be, Q_AUDIT_HEAD);
	int rc;

	if (s == NULL)
		return OG_ERR_STORE;
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		out->entries = sqlite3_column_int64(s, 0);
		out->last_id = sqlite3_column_int64(s, 1);
		out->last_ts = sqlite3_column_int64(s, 2);
		out->mac_ok = sqlite3_column_bytes(s, 3) == OG_CHAIN_LEN;
		if (out->mac_ok)
			memcpy(out->mac, sqlite3_column_blob(s, 3), OG_CHAIN_LEN);
	}
	sqlite3_reset(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? OG_OK : db_error(be, "read audit head");
}

static int sq_audit_last(void *p, const char *reason,
			 int (*cb)(void *arg, const struct og_audit_row *row), void *arg)
{
	struct sqlite_be *be = p;
	sqlite3_stmt *s = stmt(be, Q_AUDIT_LAST);
	struct audit_buf b;
	int rc;

	if (s == NULL)
		return OG_ERR_STORE;
	bind_text(s, 1, reason);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		read_audit_row(s, &b);
		cb(arg, &b.row);
	}
	sqlite3_reset(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? OG_OK : db_error(be, "read audit");
}

static int sq_token_count(void *p, enum og_token_state state, int64_t created_before, int64_t *n)
{
	struct sqlite_be *be = p;
	sqlite3_stmt *s = stmt(be, Q_TOKEN_COUNT);
	int rc;

	if (s == NULL)
		return OG_ERR_STORE;
	bind_text(s, 1, og_token_state_name(state));
	sqlite3_bind_int64(s, 2, created_before);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW)
		*n = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return rc == SQLITE_ROW ? OG_OK : db_error(be, "count tokens");
}

static int sq_stored_version(void *p)
{
	return schema_version(p, "main");
}

const struct og_store_ops og_store_sqlite_ops = {
	.name = "sqlite",
	.open = sq_open,
	.close = sq_close,
	.init = sq_init,
	.check_schema = sq_check_schema,
	.user_state = sq_user_state,
	.login_accept = sq_login_accept,
	.login_fail = sq_login_fail,
	.audit_add = sq_audit_add,
	.set_chain = sq_set_chain,
	.unlock = sq_unlock,
	.user_ensure = sq_user_ensure,
	.dek_get = sq_dek_get,
	.dek_add = sq_dek_add,
	.token_add = sq_token_add,
	.token_activate = sq_token_activate,
	.user_remove = sq_user_remove,
	.purge = sq_purge,
	.org_remove = sq_org_remove,
	.org_removed = sq_org_removed,
	.erase = sq_erase,
	.admin_get = sq_admin_get,
	.admin_add = sq_admin_add,
	.token_get = sq_token_get,
	.token_assign = sq_token_assign,
	.token_revoke = sq_token_revoke,
	.token_resync = sq_token_resync,
	.recovery_set = sq_recovery_set,
	.recovery_get = sq_recovery_get,
	.recovery_use = sq_recovery_use,
	.token_list = sq_token_list,
	.user_list = sq_user_list,
	.dek_list = sq_dek_list,
	.dek_put = sq_dek_put,
	.audit_list = sq_audit_list,
	.subject_list = sq_subject_list,
	.counts = sq_counts,
	.keys_ready = sq_keys_ready,
	.key_add = sq_key_add,
	.key_list = sq_key_list,
	.key_set_state = sq_key_set_state,
	.key_touch = sq_key_touch,
	.key_by_fp = sq_key_by_fp,
	.spool_mark = sq_spool_mark,
	.begin = sq_begin,
	.commit = sq_commit,
	.rollback = sq_rollback,
	.admin_list = sq_admin_list,
	.recovery_list = sq_recovery_list,
	.recovery_put = sq_recovery_put,
	.failure_list = sq_failure_list,
	.failure_put = sq_failure_put,
	.org_removal_list = sq_org_removal_list,
	.org_removal_put = sq_org_removal_put,
	.user_removal_put = sq_user_removal_put,
	.spool_mark_list = sq_spool_mark_list,
	.audit_head = sq_audit_head,
	.audit_last = sq_audit_last,
	.token_count = sq_token_count,
	.stored_version = sq_stored_version,
	.schema_version = SCHEMA_VERSION,
};

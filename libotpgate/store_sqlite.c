/*
 * store_sqlite.c: the SQLite dialect of the store, the embedded one: its
 * SQL where the shared statements (store_sql.c) will not do, its files,
 * its transactions. One database file in WAL mode; every
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
 * The WAL an opener must read stays a few logins long (a checkpointed WAL
 * not truncated would be read whole again, and checkpointed again, by
 * the next connection that finds itself alone), and the cost of the
 * checkpoint is shared by those logins.
 *
 * A connection otpgated keeps between logins (sq_keep) never rebuilds
 * the WAL index. It leaves the checkpoint to sq_upkeep, which the worker
 * calls once the answer is out, every CHECKPOINT_FRAMES_KEPT frames, and
 * does not truncate: the next writer starts the WAL over from its top, so
 * a commit overwrites blocks the file already has and its fdatasync
 * writes no new blocks or file size (the first commit after the start
 * also syncs the WAL's new header, as SQLite always does). A WAL longer
 * than WAL_KEEP_BYTES is cut back when started over. Writers wait
 * for each other through a fine-grained busy handler, not SQLite's
 * millisecond sleeps.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sqlite3.h>

#include "err.h"
#include "fileio.h"
#include "store_backend.h"

#define CHECKPOINT_FRAMES 16	/* a few logins' worth of pages */
#define CHECKPOINT_FRAMES_KEPT 64	/* the same, for a connection kept between logins */
#define WAL_KEEP_BYTES 1048576	/* a longer WAL is cut to this when started over */
#define WAL_HEADER_LEN 32	/* a WAL file's header, before its first frame */
#define REGISTRY_VERSION 1
#define MAX_VALUES 24		/* the most values a statement is given */
#define CACHE_KIB 131072	/* the most memory the page cache takes (128 MiB) */
#define STR(x) #x
#define XSTR(x) STR(x)

static const char schema_sql[] = OG_SCHEMA_SQL("INTEGER", "BLOB", "INTEGER", "0",
	"INTEGER PRIMARY KEY", " WITHOUT ROWID", "CREATE VIEW IF NOT EXISTS");

/* The key registry, a database of its own attached as "reg". The other
 * statements name its table unqualified: the main database has none. */
static const char registry_sql[] = OG_REGISTRY_SQL("INTEGER", "reg.");

/*
 * What SQLite says its own way. Every state change is an IMMEDIATE
 * transaction, which holds the database's one write lock: the row locks
 * and the chain's lock PostgreSQL takes are nothing here ("").
 */
static const char *const sq_sql[OG_Q_COUNT] = {
	[OG_Q_CLAIM_LOCK_TOKEN] = "",
	[OG_Q_CLAIM_LOCK_USER] = "",
	[OG_Q_FAIL_LOCK_USER] = "",
	[OG_Q_FAIL_ENSURE] = "",
	[OG_Q_FAIL_GET] = "SELECT " OG_FAIL_COLS " FROM failures WHERE \"user\" = $1",
	[OG_Q_CHAIN_LOCK] = "",
	/* deleted rows are overwritten, and the WAL truncated after an organisation's
	 * purge, so its wrapped data key leaves the files */
	[OG_Q_PURGE_PREPARE] = "PRAGMA secure_delete = ON",
	[OG_Q_PURGE_TIDY] = "PRAGMA main.wal_checkpoint(TRUNCATE)",
	[OG_Q_PURGE_DONE] = "PRAGMA secure_delete = OFF",
	/* "+id": not through the index of the tokens' random ids but through
	 * their user's, whose pages the login's read has just brought in (at a
	 * million tokens the other is a read from disk in most logins) */
	[OG_Q_CLAIM_STEP] = OG_CLAIM_STEP_SQL("+id"),
};

struct sqlite_be {
	sqlite3 *db;
	sqlite3_stmt *stmts[OG_Q_COUNT];
	unsigned char params[OG_Q_COUNT][MAX_VALUES];	/* see map_params */
	const struct og_log *log;
	char path[4096];
	int64_t busy_limit_us;
	int64_t busy_waited_us;
	int registry_only;	/* OG_OPEN_REGISTRY(_KEPT): the registry alone, read-only, as "main" */
	enum og_open_mode mode;
	char reg_path[4096];	/* the key registry, attached when first needed */
	int reg_attached;
	int kept;		/* sq_keep: checkpoints wait for sq_upkeep */
	int checkpoint_due;	/* a kept connection's WAL is long enough */
};

static int need_registry(struct sqlite_be *be);
static int check_version(struct sqlite_be *be, const char *db, const char *path, int want);
static void hint_wal_files(struct sqlite_be *be);
static int schema_version(struct sqlite_be *be, const char *db);
static int sq_commit(void *p);

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

static int exec(struct sqlite_be *be, const char *sql)
{
	if (sqlite3_exec(be->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return db_error(be, sql);
	return OG_OK;
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

/* "file:PATH" with PATH percent-encoded, then query ("" or "?..."). */
static int file_uri(const char *path, const char *query, char *out, size_t cap)
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
	if (snprintf(out + o, cap - o, "%s", query) >= (int)(cap - o))
		return OG_ERR_INVALID;
	return OG_OK;
}

/*
 * After each commit: checkpoint a WAL that holds CHECKPOINT_FRAMES, the
 * store's truncated too; or on a kept connection, note that the store's
 * checkpoint is due. The key registry's is checkpointed at once and keeps
 * its length (see registry_wal): the key reader, which cannot share the
 * WAL index, reads its WAL whole at each lookup.
 */
static int wal_committed(void *p, sqlite3 *db, const char *name, int frames)
{
	struct sqlite_be *be = p;
	int reg = strcmp(name, "reg") == 0;

	if (be->kept && !reg)
		be->checkpoint_due |= frames >= CHECKPOINT_FRAMES_KEPT;
	else if (frames >= CHECKPOINT_FRAMES)
		sqlite3_wal_checkpoint_v2(db, name, reg ? SQLITE_CHECKPOINT_PASSIVE
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
	/* NORMAL: commits are made durable by sync_wal(), checkpoints by SQLite.
	 * The cache may grow to CACHE_KIB, as the pages a transaction reads or
	 * writes are read or written again (an import's random ids and
	 * pseudonyms: a smaller cache writes pages out and reads them back);
	 * it takes only the pages used, so a login's stays a few dozen. */
	return exec(be, "PRAGMA main.synchronous = NORMAL; PRAGMA foreign_keys = ON;"
		    " PRAGMA main.cache_size = -" XSTR(CACHE_KIB) ";"
		    " PRAGMA main.journal_size_limit = " XSTR(WAL_KEEP_BYTES) ";");
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
	if (file_uri(path, "", uri, sizeof(uri)) != OG_OK)
		return OG_ERR_STORE;
	if (sqlite3_prepare_v2(be->db, "ATTACH DATABASE ?1 AS reg", -1, &s, NULL) != SQLITE_OK)
		return db_error(be, "attach key registry");
	sqlite3_bind_text(s, 1, uri, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return db_error(be, "attach key registry");
	if (OG_OPEN_IS_REGISTRY(mode))
		return OG_OK;
	if ((rc = exec(be, "PRAGMA reg.synchronous = FULL")) != OG_OK)
		return rc;
	registry_wal(be, path);
	return OG_OK;
}

/*
 * Once per process, before SQLite is first used: no memory statistics.
 * Nothing reads them, and they cost every allocation SQLite makes (over a
 * thousand when a login's statements are compiled) a global mutex. SQLite
 * is linked into the module and each program, so this setting is ours.
 */
static pthread_once_t setup_once = PTHREAD_ONCE_INIT;

static void setup_sqlite(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

/*
 * The key reader's view (OG_OPEN_REGISTRY, sshd's AuthorizedKeysCommand on
 * every connection): the registry alone, opened read-only as the main
 * database, its version checked; no schema work, nothing attached. Its
 * -shm, when there is one, is opened read-only too (readonly_shm), as the
 * unprivileged reader can only open it: run as root, the reader would
 * otherwise rebuild the WAL index in the -shm at each lookup when no
 * writer has the registry open (a truncate and a few writes); read-only,
 * it reads the WAL itself. Without one, root makes it (see hint_wal_files).
 * Kept open (OG_OPEN_REGISTRY_KEPT, otpgated, as root), the -shm is shared
 * instead: a reader that cannot trust a read-only -shm (no writer holds
 * it) drops its page cache at every lookup and reads the WAL anew, while
 * a shared index is built once and lets the pages stay cached; and the
 * key readers' read-only -shm is then one a connection holds.
 */
static int open_registry_only(struct sqlite_be *be, const struct og_config *cfg, int kept)
{
	char uri[4200], shm[4200];
	int r;

	snprintf(shm, sizeof(shm), "%s-shm", be->reg_path);
	if (og_path_check(be->reg_path, OG_FILE_CONFIG, be->log) != OG_OK ||
	    file_uri(be->reg_path, !kept && access(shm, F_OK) == 0 ? "?mode=ro&readonly_shm=1"
								   : "?mode=ro",
		     uri, sizeof(uri)) != OG_OK)
		return OG_ERR_STORE;
	if (sqlite3_open_v2(uri, &be->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI |
			    SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
		return db_error(be, "open");
	/* a writer (rotate, a login recording key use) may hold the registry */
	be->busy_limit_us = cfg->store_timeout * 1000000;
	sqlite3_busy_handler(be->db, busy_wait, be);
	be->reg_attached = 1;
	if ((r = check_version(be, "main", be->reg_path, REGISTRY_VERSION)) != OG_OK)
		hint_wal_files(be);
	return r;
}

static int sq_open(const struct og_config *cfg, const struct og_log *log, enum og_open_mode mode,
		   void **out)
{
	struct sqlite_be *be;
	int r;

	pthread_once(&setup_once, setup_sqlite);
	if ((be = calloc(1, sizeof(*be))) == NULL)
		return OG_ERR_NOMEM;
	be->log = log;
	be->registry_only = OG_OPEN_IS_REGISTRY(mode);
	snprintf(be->path, sizeof(be->path), "%s", be->registry_only ? cfg->keys_registry
								      : cfg->store_path);
	*out = be;
	be->mode = mode;
	snprintf(be->reg_path, sizeof(be->reg_path), "%s", cfg->keys_registry);
	if (be->registry_only)
		return open_registry_only(be, cfg, mode == OG_OPEN_REGISTRY_KEPT);
	if ((r = open_main(be, cfg, mode == OG_OPEN_INIT)) != OG_OK)
		return r;
	/* logins never touch the registry: it is attached only for key work */
	return mode == OG_OPEN_INIT ? need_registry(be) : OG_OK;
}

/* The connection outlives the call: its checkpoints wait for sq_upkeep. */
static void sq_keep(void *p)
{
	((struct sqlite_be *)p)->kept = 1;
}

/* Between calls on a kept connection: the checkpoint its commits left due.
 * PASSIVE never waits: one that readers hold back is finished by a later one. */
static void sq_upkeep(void *p)
{
	struct sqlite_be *be = p;

	if (!be->checkpoint_due || !sqlite3_get_autocommit(be->db))
		return;
	be->checkpoint_due = 0;
	sqlite3_wal_checkpoint_v2(be->db, "main", SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
}

static void sq_close(void *p)
{
	struct sqlite_be *be = p;

	sq_upkeep(be);
	for (int i = 0; i < OG_Q_COUNT; i++)
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
		be->registry_only || strcmp(db, "reg") == 0 ? "key registry" : "store", path, v, want,
		v == 0 ? " (run 'otpgate-provision init')" : "");
	return OG_ERR_SCHEMA;
}

static int sq_check_schema(void *p)
{
	struct sqlite_be *be = p;

	/* the registry's version is checked when it is attached */
	return be->registry_only ? OG_OK : check_version(be, "main", be->path, OG_SCHEMA_VERSION);
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
	sqlite3_bind_text(s, 1, table, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, column, -1, SQLITE_STATIC);
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

/* Schema 5 to 6: tokens gain otp_kind, TOTP or HOTP (every older token is TOTP). */
static int migrate_v5(struct sqlite_be *be)
{
	if (schema_version(be, "main") < 1 || has_column(be, "tokens", "otp_kind"))
		return OG_OK;
	return exec(be, "ALTER TABLE tokens ADD COLUMN otp_kind TEXT NOT NULL DEFAULT 'totp'");
}

/* To schema 7: failures gain failure mode and the replay rule's step (the
 * sessions table is new: OG_SCHEMA_SQL makes it). Keyed on the columns a
 * store has, whatever its version says. */
static int migrate_v6(struct sqlite_be *be)
{
	int r = OG_OK;

	if (schema_version(be, "main") < 1)
		return OG_OK;
	if (!has_column(be, "failures", "failure_mode_until"))
		r = exec(be, "ALTER TABLE failures ADD COLUMN"
			 " failure_mode_until INTEGER NOT NULL DEFAULT 0");
	if (r == OG_OK && !has_column(be, "failures", "replay_step"))
		r = exec(be, "ALTER TABLE failures ADD COLUMN replay_step INTEGER NOT NULL DEFAULT -1");
	return r;
}

static int sq_init(struct og_store *st, int (*seal)(struct og_store *st))
{
	struct sqlite_be *be = st->be;
	char sql[96];
	int r;

	if ((r = exec(be, "PRAGMA main.journal_mode = WAL")) != OG_OK ||
	    (r = exec(be, "BEGIN IMMEDIATE")) != OG_OK)
		return r;
	snprintf(sql, sizeof(sql), "PRAGMA main.user_version = %d; PRAGMA reg.user_version = %d",
		 OG_SCHEMA_VERSION, REGISTRY_VERSION);
	if ((r = migrate_v1(be)) != OG_OK || (r = migrate_v3(be)) != OG_OK ||
	    (r = migrate_v5(be)) != OG_OK || (r = migrate_v6(be)) != OG_OK ||
	    (r = exec(be, schema_sql)) != OG_OK || (r = seal(st)) != OG_OK ||
	    (r = exec(be, registry_sql)) != OG_OK || (r = exec(be, sql)) != OG_OK) {
		exec(be, "ROLLBACK");
		return r;
	}
	if ((r = sq_commit(be)) != OG_OK)
		return r;
	/* the WAL file now exists and is kept for good: make its name durable once */
	return sync_dir(be);
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

static int sq_in_transaction(void *p)
{
	return !sqlite3_get_autocommit(((struct sqlite_be *)p)->db);
}

/* A file: usable as long as no transaction was left open. */
static int sq_idle_ok(void *p)
{
	return !sq_in_transaction(p);
}

/* Column readers: r->res is the statement, stepped to the row. */
static int sq_is_null(const struct og_row *r, int col)
{
	return sqlite3_column_type(r->res, col) == SQLITE_NULL;
}

static const char *sq_text(const struct og_row *r, int col)
{
	return (const char *)sqlite3_column_text(r->res, col);
}

static int64_t sq_integer(const struct og_row *r, int col)
{
	return sqlite3_column_int64(r->res, col);
}

static int sq_blob(const struct og_row *r, int col, unsigned char *out, size_t cap, size_t *len)
{
	int n = sqlite3_column_bytes(r->res, col);

	*len = 0;
	if (n < 0 || (size_t)n > cap)
		return OG_ERR_STORE;
	if (n > 0)
		memcpy(out, sqlite3_column_blob(r->res, col), (size_t)n);
	*len = (size_t)n;
	return OG_OK;
}

static const struct og_row_reader sq_reader = { sq_is_null, sq_text, sq_integer, sq_blob };

/*
 * Which parameter of q's statement each value goes to: value i to the one
 * named $(i + 1), or none (0: a statement may leave some out). Worked out
 * once, when the statement is prepared, not by name at every binding.
 */
static void map_params(struct sqlite_be *be, enum og_q q)
{
	sqlite3_stmt *s = be->stmts[q];
	int n = sqlite3_bind_parameter_count(s);

	memset(be->params[q], 0, sizeof(be->params[q]));
	for (int k = 1; k <= n && k <= UCHAR_MAX; k++) {
		const char *name = sqlite3_bind_parameter_name(s, k);
		long i = name != NULL && name[0] == '$' ? strtol(name + 1, NULL, 10) : 0;
		if (i >= 1 && i <= MAX_VALUES)
			be->params[q][i - 1] = (unsigned char)k;
	}
}

/* The prepared statement of q, cached for the connection, reset and
 * unbound; NULL on error. */
static sqlite3_stmt *stmt(struct sqlite_be *be, enum og_q q)
{
	sqlite3_stmt *s = be->stmts[q];

	if (s == NULL) {
		if (sqlite3_prepare_v3(be->db, og_statement_sql(q, sq_sql), -1,
				       SQLITE_PREPARE_PERSISTENT, &be->stmts[q], NULL) != SQLITE_OK) {
			db_error(be, og_statements[q].what);
			return NULL;
		}
		map_params(be, q);
		return be->stmts[q];
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return s;
}

/* Binds value i to the parameter named $(i + 1), where the statement has it. */
static void bind(sqlite3_stmt *s, const unsigned char *params, const struct og_value *v, int n)
{
	int k;

	for (int i = 0; i < n; i++) {
		if ((k = params[i]) == 0)
			continue;
		if (v[i].type == OG_V_TEXT)
			sqlite3_bind_text(s, k, v[i].text, -1, SQLITE_STATIC);
		else if (v[i].type == OG_V_INT)
			sqlite3_bind_int64(s, k, v[i].num);
		else if (v[i].type == OG_V_BLOB)
			sqlite3_bind_blob(s, k, v[i].blob, (int)v[i].len, SQLITE_STATIC);
		else
			sqlite3_bind_null(s, k);
	}
}

/*
 * Runs one statement, its rows to c->fn until it says stop. A change made
 * outside a transaction commits by itself, and is synced like a commit.
 */
static int run_call(struct sqlite_be *be, struct og_call *c)
{
	const char *sql = og_statement_sql(c->q, sq_sql);
	struct og_row row = { &sq_reader, NULL, 0 };
	int rc = SQLITE_DONE, stop = 0, writes;
	sqlite3_stmt *s;

	c->changed = 0;
	if (sql != NULL && sql[0] == '\0')
		return OG_OK;	/* nothing to do in this dialect */
	if (c->n > MAX_VALUES) {
		og_logf(be->log, LOG_ERR, "store %.200s: %s: %d values, at most %d", be->path,
			og_statements[c->q].what, c->n, MAX_VALUES);
		return OG_ERR_STORE;
	}
	if ((s = stmt(be, c->q)) == NULL)
		return OG_ERR_STORE;
	bind(s, be->params[c->q], c->v, c->n);
	row.res = s;
	while (!stop && (rc = sqlite3_step(s)) == SQLITE_ROW)
		stop = c->fn != NULL && c->fn(c->arg, &row) != 0;
	writes = !sqlite3_stmt_readonly(s);
	if (rc == SQLITE_DONE && writes)
		c->changed = sqlite3_changes(be->db);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc == SQLITE_CONSTRAINT)
		return OG_ERR_EXISTS;
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return db_error(be, og_statements[c->q].what);
	return writes && sqlite3_get_autocommit(be->db) && !be->registry_only ? sync_wal(be) : OG_OK;
}

/* One statement after another: SQLite is in the process, a round trip costs nothing. */
static int sq_batch(void *p, struct og_call *calls, int n, int commit)
{
	struct sqlite_be *be = p;
	int r;

	for (int i = 0; i < n; i++) {
		calls[i].failed = 0;
		if ((r = run_call(be, &calls[i])) != OG_OK) {
			calls[i].failed = 1;
			return r;
		}
	}
	return commit ? sq_commit(be) : OG_OK;
}

static int sq_stored_version(void *p)
{
	return schema_version(p, "main");
}

const struct og_store_ops og_store_sqlite_ops = OG_STORE_OPS("sqlite", sq);

/*
 * status.c: what monitoring asks of a bastion. Every check reads only
 * (the store's newest entries, counts and small tables, the spool files,
 * the file systems); nothing is written, and no names are reported, only
 * counts.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "err.h"
#include "spool.h"
#include "status.h"
#include "timefmt.h"
#include "util.h"

#define ROTATE_LATE (2 * 86400)	/* a daily timer missed a whole day */
#define DISK_WARN_PCT 10	/* free space (or inodes) below this: warning */
#define DISK_CRIT_PCT 3		/* and below this: critical */

static void add(struct og_status *s, const char *name, enum og_level level, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void add(struct og_status *s, const char *name, enum og_level level, const char *fmt, ...)
{
	struct og_check *c;
	va_list ap;

	if (s->nchecks >= OG_STATUS_CHECKS)
		return;
	c = &s->checks[s->nchecks++];
	c->name = name;
	c->level = level;
	va_start(ap, fmt);
	vsnprintf(c->text, sizeof(c->text), fmt, ap);
	va_end(ap);
	if (level > s->level)
		s->level = level;
}

const char *og_status_level_name(enum og_level level)
{
	return level == OG_LEVEL_OK ? "OK" : level == OG_LEVEL_WARNING ? "WARNING" : "CRITICAL";
}

static void check_store(const struct og_config *cfg, struct og_store *st, const char *why,
			struct og_status *s)
{
	const char *path = strcmp(cfg->store_backend, "sqlite") == 0 ? cfg->store_path : NULL;

	s->store_ok = st != NULL;
	s->schema = st != NULL ? og_store_schema_version(st) : 0;
	if (st != NULL)
		add(s, "store", OG_LEVEL_OK, "%s%s%s: reachable, schema version %d",
		    cfg->store_backend, path ? " " : "", path ? path : "", s->schema);
	else if (why != NULL && *why != '\0')
		add(s, "store", OG_LEVEL_CRITICAL, "%s", why);	/* the backend names the store */
	else
		add(s, "store", OG_LEVEL_CRITICAL, "%s%s%s: cannot be opened", cfg->store_backend,
		    path ? " " : "", path ? path : "");
}

static void check_audit(struct og_store *st, struct og_status *s)
{
	char head[2 * OG_CHAIN_LEN + 1], when[OG_TIME_LEN];

	if (og_store_audit_head(st, &s->head) != OG_OK) {
		add(s, "audit", OG_LEVEL_CRITICAL, "the audit trail cannot be read");
		return;
	}
	if (s->head.entries == 0) {
		add(s, "audit", OG_LEVEL_OK, "no entries yet");
		return;
	}
	og_time_utc(s->head.last_ts, when);
	og_hex_encode(s->head.mac, sizeof(s->head.mac), head);
	if (!s->head.mac_ok)
		add(s, "audit", OG_LEVEL_CRITICAL, "%lld entries; the newest (%lld, %s) is not sealed",
		    (long long)s->head.entries, (long long)s->head.last_id, when);
	else
		add(s, "audit", OG_LEVEL_OK, "%lld entries, head %s (entry %lld, %s)",
		    (long long)s->head.entries, head, (long long)s->head.last_id, when);
}

/* The spool, its claim (rows a flush took) and its dead-letter file (rows
 * set aside): rows waiting are a WARNING, and so are rows set aside, which
 * no flush will write and someone must look at. */
static void check_spool(const struct og_config *cfg, struct og_status *s)
{
	char when[OG_TIME_LEN], why[1024] = "", claimed[64] = "", waiting[700] = "", dead[600] = "";
	struct og_log capture = { og_log_capture, why, 0 };
	struct og_spool_backlog b;

	if (og_spool_backlog(cfg->store_spool, &b, &capture) != OG_OK) {
		add(s, "spool", OG_LEVEL_WARNING, "%s", why[0] ? why : "the spool cannot be read");
		return;
	}
	s->spool_rows = b.rows;
	s->spool_oldest = b.oldest;
	s->spool_dead = b.dead;
	if (b.rows == 0 && b.dead == 0) {
		add(s, "spool", OG_LEVEL_OK, "empty");
		return;
	}
	og_time_utc(b.oldest, when);
	if (b.claimed > 0)
		snprintf(claimed, sizeof(claimed), " (%lld of them claimed by a flush)",
			 (long long)b.claimed);
	if (b.rows > 0)
		snprintf(waiting, sizeof(waiting), "%lld audit rows wait for the store in %s, the "
			 "oldest since %s%s", (long long)b.rows, cfg->store_spool, when, claimed);
	if (b.dead > 0)
		snprintf(dead, sizeof(dead), "%lld audit rows set aside in %s.dead (they do not "
			 "parse or the store refused them; audit reason set-aside)", (long long)b.dead,
			 cfg->store_spool);
	add(s, "spool", OG_LEVEL_WARNING, "%s%s%s", waiting, b.rows && b.dead ? "; " : "", dead);
}

static void check_enrolments(const struct og_config *cfg, struct og_store *st, int64_t now,
			     struct og_status *s)
{
	if (og_store_token_count(st, OG_TOKEN_PENDING, now - cfg->enrol_pending_for,
				 &s->pending_overdue) != OG_OK)
		add(s, "enrolments", OG_LEVEL_WARNING, "pending tokens cannot be counted");
	else if (s->pending_overdue > 0)
		add(s, "enrolments", OG_LEVEL_WARNING, "%lld pending enrolments past their deadline "
		    "(enrol.pending_for); enrol again or revoke them", (long long)s->pending_overdue);
	else
		add(s, "enrolments", OG_LEVEL_OK, "none pending past their deadline");
}

struct locks {
	int64_t now, n;
};

static int count_lock(void *arg, const struct og_failure_row *f)
{
	struct locks *l = arg;

	l->n += f->f.locked_until > l->now;
	return 0;
}

static void check_locks(struct og_store *st, int64_t now, struct og_status *s)
{
	struct locks l = { now, 0 };

	if (og_store_failure_list(st, count_lock, &l) != OG_OK) {
		add(s, "locks", OG_LEVEL_WARNING, "locks cannot be read");
		return;
	}
	s->locked_users = l.n;
	if (l.n > 0)
		add(s, "locks", OG_LEVEL_WARNING, "%lld users locked out (show USER, unlock USER)",
		    (long long)l.n);
	else
		add(s, "locks", OG_LEVEL_OK, "no user locked out");
}

/* The registry walked user by user (it lists them in order). */
struct expiry {
	int64_t now, until, max_age, grace;
	char user[OG_USER_MAX + 1];
	int user_valid, user_kept;	/* the user has a valid key; one that stays or gets a successor */
	int64_t keys, expiring, losing;
};

static void user_done(struct expiry *e)
{
	e->losing += e->user_valid && !e->user_kept;
	e->user_valid = e->user_kept = 0;
}

/*
 * A valid key keeps its user served if it ends after the window, or if
 * rotate will still deal with it in time: an active key not yet due for
 * rotation (with keys.grace, rotate replaces it, or asks the user to).
 * A key in grace, or one past due, is the user's last unless another is.
 */
static int count_key(void *arg, const struct og_access_key *k)
{
	struct expiry *e = arg;

	if (strcmp(k->user, e->user) != 0) {
		user_done(e);
		og_copy(e->user, sizeof(e->user), k->user);
	}
	e->keys++;
	if (!og_access_key_valid(k, e->now))
		return 0;
	e->user_valid = 1;
	if (k->not_after <= e->until)
		e->expiring++;
	if (k->not_after > e->until ||
	    (k->state == OG_ACCESS_KEY_ACTIVE && e->grace > 0 && k->created + e->max_age > e->now))
		e->user_kept = 1;
	return 0;
}

/* 1 when the registry holds keys (rotate then matters). */
static int check_keys(const struct og_config *cfg, struct og_store *st, int64_t now,
		      int64_t within, struct og_status *s)
{
	struct expiry e = { .now = now, .until = now + within, .max_age = cfg->keys_max_age,
			    .grace = cfg->keys_grace };

	s->within = within;
	if (og_store_keys_ready(st) != OG_OK || og_store_key_list(st, NULL, count_key, &e) != OG_OK) {
		add(s, "keys", OG_LEVEL_WARNING, "the key registry cannot be read");
		return 0;
	}
	user_done(&e);
	s->keys_expiring = e.expiring;
	s->users_losing_keys = e.losing;
	if (e.losing > 0)
		add(s, "keys", OG_LEVEL_WARNING, "%lld users will have no valid SSH key within %lld days "
		    "and rotate will not replace it (in grace, or overdue); %lld keys end by then",
		    (long long)e.losing, (long long)(within / 86400), (long long)e.expiring);
	else
		add(s, "keys", OG_LEVEL_OK, "%lld keys end within %lld days; every user keeps a valid "
		    "one or rotate replaces it", (long long)e.expiring, (long long)(within / 86400));
	return e.keys > 0;
}

static int last_run(void *arg, const struct og_audit_row *row)
{
	struct og_status *s = arg;

	s->rotate_ts = row->ev.ts;
	og_copy(s->rotate_result, sizeof(s->rotate_result), row->ev.result ? row->ev.result : "");
	og_copy(s->rotate_detail, sizeof(s->rotate_detail), row->ev.detail ? row->ev.detail : "");
	return 0;
}

static void check_rotate(const struct og_config *cfg, struct og_store *st, int64_t now,
			 int has_keys, struct og_status *s)
{
	char when[OG_TIME_LEN];
	enum og_level level = OG_LEVEL_OK;
	int64_t age;

	if (og_store_audit_last(st, OG_ROTATE_RUN, last_run, s) != OG_OK) {
		add(s, "rotate", OG_LEVEL_WARNING, "the last rotate run cannot be read");
		return;
	}
	if (s->rotate_ts == 0) {
		add(s, "rotate", has_keys ? OG_LEVEL_WARNING : OG_LEVEL_OK, "no rotate run recorded%s",
		    has_keys ? " but the registry holds keys (is otpgate-keyrotate.timer enabled?)"
			     : " (no keys to rotate)");
		return;
	}
	age = now - s->rotate_ts;
	og_time_utc(s->rotate_ts, when);
	/* past keys.grace without a run, keys expire with no successor */
	if (has_keys && cfg->keys_grace > 0 && age > cfg->keys_grace)
		level = OG_LEVEL_CRITICAL;
	else if ((has_keys && age > ROTATE_LATE) || strcmp(s->rotate_result, "success") != 0)
		level = OG_LEVEL_WARNING;
	add(s, "rotate", level, "last run %s (%lld h ago): %s, %s", when, (long long)(age / 3600),
	    s->rotate_result, s->rotate_detail);
}

/* The nearest directory at or above path that exists (path itself if a
 * directory, else its parent, and so on). */
static void existing_dir(const char *path, char *out, size_t cap)
{
	struct stat sb;
	char *slash;

	og_copy(out, cap, path);
	while (out[0] != '\0' && (stat(out, &sb) != 0 || !S_ISDIR(sb.st_mode))) {
		if ((slash = strrchr(out, '/')) == NULL)
			break;
		slash[slash == out] = '\0';
	}
}

static void measure(const char *what, const char *dir, struct og_status *s)
{
	struct og_fs_use *u = &s->fs[s->nfs];
	enum og_level level = OG_LEVEL_OK;
	struct statvfs v;
	int64_t low;

	og_copy(u->path, sizeof(u->path), dir);
	if (statvfs(dir, &v) != 0 || v.f_blocks == 0) {
		add(s, "disk", OG_LEVEL_WARNING, "%s (%s) cannot be measured", what, dir);
		return;
	}
	s->nfs++;
	u->free_bytes = (int64_t)v.f_bavail * (int64_t)v.f_frsize;
	u->free_pct = (int64_t)(v.f_bavail * 100 / v.f_blocks);
	u->free_inodes_pct = v.f_files > 0 ? (int64_t)(v.f_favail * 100 / v.f_files) : -1;
	low = u->free_inodes_pct >= 0 && u->free_inodes_pct < u->free_pct ? u->free_inodes_pct
									     : u->free_pct;
	if (low < DISK_CRIT_PCT)
		level = OG_LEVEL_CRITICAL;
	else if (low < DISK_WARN_PCT)
		level = OG_LEVEL_WARNING;
	add(s, "disk", level, "%s (%s): %lld%% free (%lld MiB), %lld%% of inodes free%s", what,
	    u->path, (long long)u->free_pct, (long long)(u->free_bytes >> 20),
	    (long long)u->free_inodes_pct, level != OG_LEVEL_OK ? "; a full file system fails "
	    "every login closed" : "");
}

/* The file systems of the store (for PostgreSQL, of the local spool) and
 * of the key drop location: users' files there must not fill the store's. */
static void check_disk(const struct og_config *cfg, struct og_status *s)
{
	char store[4096], drop[4096];
	struct stat a, b;

	/* the nearest directory that exists: the file's, or above a path not made yet */
	existing_dir(strcmp(cfg->store_backend, "sqlite") == 0 ? cfg->store_path : cfg->store_spool,
		     store, sizeof(store));
	existing_dir(cfg->keys_drop_dir, drop, sizeof(drop));
	if (stat(store, &a) == 0 && stat(drop, &b) == 0 && a.st_dev == b.st_dev) {
		measure("the file system of the store and the key drop location", store, s);
		return;
	}
	measure("the store's file system", store, s);
	measure("the key drop location's file system", drop, s);
}

void og_status_gather(const struct og_config *cfg, struct og_store *st, const char *store_error,
		      int64_t now, int64_t within, struct og_status *out)
{
	memset(out, 0, sizeof(*out));
	check_store(cfg, st, store_error, out);
	if (st != NULL) {
		check_audit(st, out);
		check_enrolments(cfg, st, now, out);
		check_locks(st, now, out);
		check_rotate(cfg, st, now, check_keys(cfg, st, now, within, out), out);
	}
	check_spool(cfg, out);
	check_disk(cfg, out);
}

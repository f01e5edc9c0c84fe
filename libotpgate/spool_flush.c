/* spool_flush.c: spooled rows into the store, each once, whoever dies on the way. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "fileio.h"
#include "spool.h"
#include "store.h"
#include "util.h"

/* A claimed spool file, while a flush works on it. */
struct flush {
	struct og_store *st;
	const struct og_log *log;
	char claim[4200], dead[4200];
	int fd;			/* the claim, its owner lock held; O_APPEND for notes */
	FILE *f;		/* reads it */
	char batch[OG_ID_LEN + 1];		/* its id, from its "#batch" note */
	long *skip;		/* lines set aside ("#skip" notes) */
	size_t nskip, capskip;
	char *line, *bad_line;	/* the line read; a copy of the one the store stopped at */
	size_t line_cap;
	ssize_t line_len;
};

/* The next line of the claim (newline kept); -1 at its end. */
static ssize_t next_line(struct flush *fl)
{
	return fl->line_len = getline(&fl->line, &fl->line_cap, fl->f);
}

/* 1 if the line read is whole: no NUL in it, and its newline (a last line
 * without one was cut short by a crash). */
static int line_is_whole(const struct flush *fl)
{
	return fl->line_len > 0 && strlen(fl->line) == (size_t)fl->line_len &&
	       fl->line[fl->line_len - 1] == '\n';
}

static int is_skipped(const struct flush *fl, long line)
{
	for (size_t i = 0; i < fl->nskip; i++)
		if (fl->skip[i] == line)
			return 1;
	return 0;
}

static int skip_add(struct flush *fl, long line)
{
	if (fl->nskip == fl->capskip) {
		size_t cap = fl->capskip ? 2 * fl->capskip : 16;
		long *v = realloc(fl->skip, cap * sizeof(*v));
		if (v == NULL)
			return OG_ERR_NOMEM;
		fl->skip = v;
		fl->capskip = cap;
	}
	fl->skip[fl->nskip++] = line;
	return OG_OK;
}

/* Appends text to fd and makes it durable. */
static int append_durably(int fd, const char *text, size_t n)
{
	return write(fd, text, n) == (ssize_t)n && fsync(fd) == 0 ? OG_OK : OG_ERR_IO;
}

/* Reads the claim's notes: its batch id (one is added if it has none yet)
 * and the lines set aside so far. */
static int read_notes(struct flush *fl)
{
	char note[64];
	ssize_t n;
	int r;

	while ((n = next_line(fl)) >= 0) {
		long line;
		if (strncmp(fl->line, "#batch ", 7) == 0 && fl->batch[0] == '\0' &&
		    n == 7 + OG_ID_LEN + 1 && fl->line[7 + OG_ID_LEN] == '\n')
			memcpy(fl->batch, fl->line + 7, OG_ID_LEN);
		if (og_spool_skip_note(fl->line, &line) && (r = skip_add(fl, line)) != OG_OK)
			return r;
	}
	if (fl->batch[0] != '\0')
		return OG_OK;
	if ((r = og_random_id(fl->batch)) != OG_OK)
		return r;
	snprintf(note, sizeof(note), "#batch %s\n", fl->batch);
	return append_durably(fl->fd, note, strlen(note));
}

/*
 * Sets line `line` aside: appended, as spooled, to the dead-letter file,
 * then noted as skipped in the claim. A crash between the two leaves it in
 * both, never in neither.
 */
static int set_aside(struct flush *fl, long line, const char *text, size_t n, const char *why)
{
	char note[64];
	struct stat sb;
	int fd, r;

	fd = og_file_open_append(fl->dead);
	if (fd < 0) {
		og_logf(fl->log, LOG_ERR, "audit spool %.200s: %s", fl->dead, strerror(errno));
		return OG_ERR_IO;
	}
	r = fstat(fd, &sb) == 0 ? og_file_check(fl->dead, &sb, OG_FILE_SECRET, fl->log) : OG_ERR_IO;
	if (r == OG_OK)
		r = append_durably(fd, text, n);
	if (r == OG_OK && (n == 0 || text[n - 1] != '\n'))
		r = append_durably(fd, "\n", 1);
	close(fd);
	snprintf(note, sizeof(note), "#skip %ld\n", line);
	if (r == OG_OK && (r = append_durably(fl->fd, note, strlen(note))) == OG_OK)
		r = skip_add(fl, line);
	if (r == OG_OK)
		og_logf(fl->log, LOG_ERR, "audit spool %.200s: a row %s; set aside in %.200s",
			fl->claim, why, fl->dead);
	return r;
}

/* The audit row that tells of a row set aside. */
static int audit_set_aside(struct flush *fl, long line)
{
	char detail[sizeof(fl->dead) + 100];
	struct og_audit_event ev = {
		.ts = (int64_t)time(NULL), .event = "spool", .result = "failure",
		.reason = "set-aside", .detail = detail,
	};

	snprintf(detail, sizeof(detail), "line %ld of spool batch %s, kept in %s", line,
		 fl->batch, fl->dead);
	return og_store_audit_add(fl->st, &ev);
}

/*
 * Writes the rows among the next OG_SPOOL_CHUNK lines, in the open
 * transaction. Returns how many, or < 0 with *bad the line the store
 * refused or that does not parse (*parse set), 0 when the store failed.
 */
static int write_rows(struct flush *fl, long first, long *bad, int *parse)
{
	char buf[OG_SPOOL_LINE_MAX];
	struct og_audit_event ev;
	int n = 0, r = OG_OK;

	for (long line = first + 1; line <= first + OG_SPOOL_CHUNK && r == OG_OK; line++) {
		if (next_line(fl) < 0)
			break;
		if (fl->line[0] == '#')
			continue;	/* a note */
		if (is_skipped(fl, line)) {
			r = audit_set_aside(fl, line);
			continue;
		}
		*bad = line;
		*parse = !line_is_whole(fl) || og_spool_parse(fl->line, &ev, buf, sizeof(buf)) != OG_OK;
		if (*parse)
			return OG_ERR_INVALID;
		if ((r = og_store_audit_add(fl->st, &ev)) != OG_OK)
			return r;
		n++;
	}
	*bad = 0;
	return r != OG_OK ? r : n;
}

/*
 * 1 if the store refuses this row while it works: in a transaction rolled
 * back after, the chunk's mark and the very audit row that would tell of
 * the row set aside go in, and the row alone does not. A store that is down,
 * or takes no audit rows at all, fails before the row is tried.
 */
static int is_refused(struct flush *fl, const char *id, long line, const char *text)
{
	char buf[OG_SPOOL_LINE_MAX];
	struct og_audit_event ev;
	int refused;

	if (og_spool_parse(text, &ev, buf, sizeof(buf)) != OG_OK || og_store_begin(fl->st) != OG_OK)
		return 0;
	refused = og_store_spool_mark(fl->st, id, (int64_t)time(NULL)) == OG_OK &&
		  audit_set_aside(fl, line) == OG_OK && og_store_audit_add(fl->st, &ev) != OG_OK;
	og_store_rollback(fl->st);
	return refused;
}

/* One try at chunk `id` from offset start: rows written, or < 0 (*bad as in write_rows). */
static int chunk_once(struct flush *fl, const char *id, off_t start, long first, long *bad,
		      int *parse)
{
	int r, n;

	*bad = 0;
	if (fseeko(fl->f, start, SEEK_SET) != 0)
		return OG_ERR_IO;
	if ((r = og_store_begin(fl->st)) != OG_OK)
		return r;
	r = og_store_spool_mark(fl->st, id, (int64_t)time(NULL));
	if (r == OG_ERR_EXISTS) {	/* stored by a flush that died before it was done */
		og_store_rollback(fl->st);
		for (long i = 0; i < OG_SPOOL_CHUNK && next_line(fl) >= 0; i++)
			;
		return 0;
	}
	if (r != OG_OK || (n = write_rows(fl, first, bad, parse)) < 0 ||
	    (r = og_store_commit(fl->st)) != OG_OK) {
		og_store_rollback(fl->st);
		return r != OG_OK ? r : n;
	}
	return n;
}

/* Lines first+1 .. first+OG_SPOOL_CHUNK, from offset *start, which moves past them. */
static int flush_chunk(struct flush *fl, long first, off_t *start)
{
	char id[64];
	long bad;
	size_t n;
	int parse = 0, r;

	snprintf(id, sizeof(id), "%.32s:%ld", fl->batch, first / OG_SPOOL_CHUNK);
	while ((r = chunk_once(fl, id, *start, first, &bad, &parse)) < 0 && bad > 0) {
		free(fl->bad_line);
		if ((fl->bad_line = malloc((size_t)fl->line_len + 1)) == NULL)
			return OG_ERR_NOMEM;
		memcpy(fl->bad_line, fl->line, (size_t)fl->line_len + 1);
		n = (size_t)fl->line_len;
		if (!parse && !is_refused(fl, id, bad, fl->bad_line))
			return r;	/* the store failed, not the row */
		if ((r = set_aside(fl, bad, fl->bad_line, n, parse ? "does not parse"
					      : "is refused by the store")) != OG_OK)
			return r;
	}
	if (r >= 0)
		*start = ftello(fl->f);
	return r;
}

/* Writes every chunk of the claim, then removes it. Rows written, or < 0. */
static int flush_claim(struct flush *fl)
{
	off_t start = 0;
	int total = 0, r;

	if ((r = read_notes(fl)) != OG_OK)
		return r;
	clearerr(fl->f);
	for (long first = 0;; first += OG_SPOOL_CHUNK) {
		if ((r = flush_chunk(fl, first, &start)) < 0)
			return r;
		total += r;
		if (fseeko(fl->f, start, SEEK_SET) != 0 || fgetc(fl->f) == EOF)
			break;
	}
	unlink(fl->claim);
	og_logf(fl->log, LOG_NOTICE, "audit spool %.200s: %d rows written to the store",
		fl->claim, total);
	return total;
}

/* Opens the claim for fl, if it is ours: *busy when a live flush holds it. */
static int open_claim(struct flush *fl, int *busy)
{
	struct stat sb;

	*busy = 0;
	if ((fl->fd = open(fl->claim, O_RDWR | O_APPEND | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return errno == ENOENT ? OG_ERR_NOTFOUND : OG_ERR_IO;
	if (fstat(fl->fd, &sb) != 0 || og_file_check(fl->claim, &sb, OG_FILE_SECRET, fl->log) != OG_OK)
		return OG_ERR_UNSAFE;
	if (og_spool_lock(fl->fd, OG_SPOOL_LOCK_OWNER, 0) != 0) {
		*busy = errno == EAGAIN;
		return OG_ERR_IO;
	}
	if (!og_spool_is_at(fl->fd, fl->claim))
		return OG_ERR_NOTFOUND;	/* done and removed meanwhile */
	if ((fl->f = fopen(fl->claim, "re")) == NULL || !og_spool_is_at(fileno(fl->f), fl->claim))
		return OG_ERR_IO;
	return OG_OK;
}

/* Makes a rename in path's directory durable. */
static int sync_dir_of(const char *path)
{
	char dir[4200];
	char *slash;
	int fd, r;

	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) == NULL)
		snprintf(dir, sizeof(dir), ".");
	else
		slash[slash == dir] = '\0';
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return OG_ERR_IO;
	r = fsync(fd) == 0 ? OG_OK : OG_ERR_IO;
	close(fd);
	return r;
}

/*
 * Claims the spool: renamed to the claim, which must not exist, and made
 * durable before anything is stored (a rename lost in a crash would let
 * new rows join a batch whose chunks are marked done). OG_ERR_NOTFOUND
 * when there is nothing to claim.
 */
static int claim_spool(struct flush *fl, const char *path)
{
	struct stat sb;
	int fd, r = OG_ERR_NOTFOUND;

	if ((fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return errno == ENOENT ? OG_ERR_NOTFOUND : OG_ERR_IO;
	if (fstat(fd, &sb) != 0 || og_file_check(path, &sb, OG_FILE_SECRET, fl->log) != OG_OK)
		r = OG_ERR_UNSAFE;
	else if (og_spool_lock(fd, OG_SPOOL_LOCK_OWNER, 0) == 0 &&
		 og_spool_lock(fd, OG_SPOOL_LOCK_APPEND, 1) == 0 && og_spool_is_at(fd, path) &&
		 fstat(fd, &sb) == 0 && sb.st_size > 0)
		r = renameat2(AT_FDCWD, path, AT_FDCWD, fl->claim, RENAME_NOREPLACE) == 0
			    ? sync_dir_of(path) : OG_ERR_IO;
	close(fd);	/* appends waiting for this file see it moved, and reopen */
	return r;
}

static void flush_close(struct flush *fl)
{
	if (fl->f != NULL)
		fclose(fl->f);
	if (fl->fd >= 0)
		close(fl->fd);
	fl->f = NULL;
	fl->fd = -1;
	fl->batch[0] = '\0';
	fl->nskip = 0;
}

/* The claim, if there is one nobody works on, then the spool. */
static int flush_all(struct flush *fl, const char *path)
{
	int total = 0, busy = 0, r;

	for (int round = 0; round < 2; round++) {
		if (round == 1 && (r = claim_spool(fl, path)) != OG_OK)
			return r == OG_ERR_NOTFOUND ? total : r;
		if ((r = open_claim(fl, &busy)) == OG_OK)
			r = flush_claim(fl);
		flush_close(fl);
		if (busy)
			return total;	/* a live flush has it, and takes the spool after it */
		if (r < 0 && r != OG_ERR_NOTFOUND)
			return r;
		total += r > 0 ? r : 0;
	}
	return total;
}

int og_spool_flush(const char *path, struct og_store *st, const struct og_log *log)
{
	struct flush fl = { .st = st, .log = log, .fd = -1 };
	struct stat sb;
	int r;

	if ((size_t)snprintf(fl.claim, sizeof(fl.claim), "%s.claim", path) >= sizeof(fl.claim) ||
	    (size_t)snprintf(fl.dead, sizeof(fl.dead), "%s.dead", path) >= sizeof(fl.dead))
		return OG_ERR_INVALID;
	if ((lstat(path, &sb) != 0 || sb.st_size == 0) && lstat(fl.claim, &sb) != 0)
		return 0;	/* nothing spooled: every login comes by here */
	r = flush_all(&fl, path);
	free(fl.skip);
	free(fl.line);
	free(fl.bad_line);
	return r;
}

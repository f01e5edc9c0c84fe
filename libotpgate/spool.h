/*
 * spool.h: audit rows that the store could not take (database down) wait
 * in a local append-only file and are written to the store, oldest first,
 * by the next program that opens it (the login, the tools and status
 * flush it after og_store_open). Nothing is lost, nothing is stored
 * twice, and a row the store refuses does not hold back the others.
 *
 * The files, beside the spool PATH (mode 0600, never followed as symlinks):
 *   PATH        rows being appended, one line each (og_audit_format);
 *   PATH.claim  rows a flush took from PATH (renamed, so appends go on in a
 *               new PATH), with "#batch ID" and "#skip LINE" lines added;
 *   PATH.dead   rows set aside because they do not parse or the store
 *               refuses them, as they were spooled.
 * Open file description locks, which die with their holder: byte 0 of a
 * file is held to append to it or to claim it, byte 1 of PATH.claim by the
 * flush working on it.
 */
#ifndef OTPGATE_SPOOL_H
#define OTPGATE_SPOOL_H

#include "audit.h"
#include "log.h"

struct og_store;

#define OG_SPOOL_LINE_MAX (OG_AUDIT_LINE_MAX + 32)	/* "ts=N " and a formatted event */
#define OG_SPOOL_CHUNK 100	/* rows per transaction when flushing */

enum og_spool_lock { OG_SPOOL_LOCK_APPEND = 0, OG_SPOOL_LOCK_OWNER = 1 };

/* Appends ev as one line to the spool file (created 0600). OG_OK or OG_ERR_IO. */
int og_spool_append(const char *path, const struct og_audit_event *ev, const struct og_log *log);

/*
 * Writes the spooled rows to the store: first PATH.claim when no live
 * flush holds it (a flush that died or failed left it), then PATH, which
 * it claims. A claim goes in chunks of OG_SPOOL_CHUNK rows, each in one
 * transaction that also records the chunk as done (og_store_spool_mark),
 * so a chunk stored before its flush died is skipped, not stored again. A
 * row that does not parse, or that the store refuses while it works, goes
 * to PATH.dead and an audit row says so; the others go on. On a store
 * error the claim stays for the next flush. Returns the number of rows
 * written, or a negative og_err.
 */
int og_spool_flush(const char *path, struct og_store *st, const struct og_log *log);

/* Parses a line written by og_spool_append into ev, whose strings point
 * into buf (cap bytes). OG_OK or OG_ERR_INVALID. */
int og_spool_parse(const char *line, struct og_audit_event *ev, char *buf, size_t cap);

/* 1 if text is a claim's "#skip LINE" note, with *line the line it sets
 * aside (1: the claim's first). */
int og_spool_skip_note(const char *text, long *line);

/* What waits in a spool, as monitoring sees it. */
struct og_spool_backlog {
	int64_t rows;		/* rows waiting for the store: in PATH, and in PATH.claim
				 * those not set aside */
	int64_t oldest;		/* the oldest waiting row's time; 0 with none */
	int64_t claimed;	/* of rows, those in PATH.claim */
	int64_t dead;		/* rows set aside in PATH.dead */
};

/*
 * Counts what waits in the spool at path and its claim, and the rows set
 * aside in its dead-letter file, reading only: no lock is taken, so a
 * flush at work may change the counts meanwhile, and a claim left by a
 * flush that died counts its rows even where the store has them already
 * (the next flush skips those). OG_OK (a file that does not exist holds
 * nothing); OG_ERR_UNSAFE for a file not safe to read (its owner or mode,
 * logged) or OG_ERR_IO.
 */
int og_spool_backlog(const char *path, struct og_spool_backlog *out, const struct og_log *log);

/* Takes lock byte `which` of fd, waiting for it when wait; closing fd
 * lets it go. 0, or -1 with errno (EAGAIN: another holds it). */
int og_spool_lock(int fd, enum og_spool_lock which, int wait);

/* 1 if fd is (still) the file at path: nobody renamed or removed it. */
int og_spool_is_at(int fd, const char *path);

#endif

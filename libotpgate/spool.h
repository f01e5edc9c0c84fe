/*
 * spool.h: audit rows that the store could not take (database down) wait
 * in a local append-only file and are written to the store, oldest first,
 * by the next program that opens it. Nothing is lost.
 */
#ifndef OTPGATE_SPOOL_H
#define OTPGATE_SPOOL_H

#include "audit.h"
#include "log.h"

struct og_store;

#define OG_SPOOL_LINE_MAX (OG_AUDIT_LINE_MAX + 32)	/* "ts=N " and a formatted event */

/* Appends ev as one line to the spool file (created 0600). OG_OK or OG_ERR_IO. */
int og_spool_append(const char *path, const struct og_audit_event *ev, const struct og_log *log);

/*
 * If the spool file holds rows: claims it (rename, so one process does
 * this), writes its rows to the store in one transaction and removes it.
 * On a store error the rows are put back for the next try. Returns the
 * number of rows written, or a negative og_err.
 */
int og_spool_flush(const char *path, struct og_store *st, const struct og_log *log);

/* Parses a line written by og_spool_append into ev, whose strings point
 * into buf (cap bytes). OG_OK or OG_ERR_INVALID. */
int og_spool_parse(const char *line, struct og_audit_event *ev, char *buf, size_t cap);

#endif

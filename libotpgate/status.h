/*
 * status.h: the health of a bastion's otpgate, for monitoring. Each check
 * has a level in the Nagios sense (0 OK, 1 WARNING, 2 CRITICAL); the
 * status is the worst of them.
 */
#ifndef OTPGATE_STATUS_H
#define OTPGATE_STATUS_H

#include <stdint.h>
#include "config.h"
#include "store.h"

/* The reason of the audit entry each full rotate run ends with. */
#define OG_ROTATE_RUN "rotate-run"

enum og_level { OG_LEVEL_OK = 0, OG_LEVEL_WARNING = 1, OG_LEVEL_CRITICAL = 2 };

#define OG_STATUS_CHECKS 10

struct og_check {
	const char *name;		/* store, audit, spool, enrolments, locks, keys, rotate, disk */
	enum og_level level;
	char text[320];
};

struct og_fs_use {
	char path[256];			/* the directory measured */
	int64_t free_bytes, free_pct, free_inodes_pct;	/* -1 when unknown */
};

struct og_status {
	enum og_level level;		/* the worst check */
	struct og_check checks[OG_STATUS_CHECKS];
	int nchecks;
	/* the measurements behind them (for --json) */
	int store_ok, schema;
	struct og_audit_head head;
	int64_t spool_rows, spool_oldest;	/* oldest: a Unix time, 0 with no rows */
	int64_t spool_dead;		/* rows set aside in the dead-letter file */
	int64_t pending_overdue, locked_users;
	int64_t keys_expiring, users_losing_keys, within;
	int64_t rotate_ts;		/* the last full rotate run, 0 if none recorded */
	char rotate_result[16], rotate_detail[160];
	struct og_fs_use fs[2];		/* the store's file system, the drop location's */
	int nfs;
};

/*
 * Checks everything status reports at now: st is the open store, or NULL
 * when it could not be opened (store_error says why). within: how far
 * ahead expiring keys count. Never fails: what cannot be measured is a
 * check's text.
 */
void og_status_gather(const struct og_config *cfg, struct og_store *st, const char *store_error,
		      int64_t now, int64_t within, struct og_status *out);

const char *og_status_level_name(enum og_level level);

#endif

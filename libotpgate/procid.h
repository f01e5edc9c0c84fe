/*
 * procid.h: a process told apart from every later one that gets its pid:
 * its pid, its start time (clock ticks after boot, /proc/PID/stat field
 * 22) and the boot it ran in (/proc/sys/kernel/random/boot_id). A session
 * records its process so; only that very process is ever signalled.
 */
#ifndef OTPGATE_PROCID_H
#define OTPGATE_PROCID_H

#include <stdint.h>

#define OG_PROC_BOOT_ID_MAX 36

struct og_proc_id {
	int64_t pid;
	int64_t start;
	char boot_id[OG_PROC_BOOT_ID_MAX + 1];
};

/* The identity of process pid now. OG_OK; OG_ERR_NOTFOUND when there is
 * no such process; OG_ERR_INVALID for a pid that is not one (below 2). */
int og_proc_id_of(int64_t pid, struct og_proc_id *out);

/* 1 if the process id names still runs (its pid is not free or another's). */
int og_proc_id_alive(const struct og_proc_id *id);

/*
 * Sends SIGHUP to the process id names, and to no other: a pidfd is
 * opened on the pid first, then the identity checked, so a pid freed and
 * taken meanwhile is never signalled. Then waits, at most wait_ms, for it
 * to end (*ended). OG_OK once signalled; OG_ERR_NOTFOUND when that process
 * is gone; OG_ERR_IO otherwise (errno kept).
 */
int og_proc_hangup(const struct og_proc_id *id, int wait_ms, int *ended);

#endif

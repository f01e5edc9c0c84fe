/* notify.h: run the administrator's notification programs. */
#ifndef OTPGATE_NOTIFY_H
#define OTPGATE_NOTIFY_H

#include <stddef.h>
#include "log.h"

/*
 * Starts cmd (an absolute path; NULL: nothing to do) with the arguments
 * event, user, arg3 and arg4: without a shell, in a session of its own
 * (double fork, never waited for), with /dev/null as descriptors 0 to 2 and
 * no other descriptor, only PATH in its environment, default signal
 * handling and / as working directory. Waits a few seconds at most, for
 * its execve only. OG_OK once the program runs; otherwise an error (a user
 * name og_is_safe_name refuses is never passed), logged, with a one-line
 * reason in why for the caller's audit event.
 */
int og_notify(const char *cmd, const char *event, const char *user, const char *arg3,
	      const char *arg4, char *why, size_t whylen, const struct og_log *log);

/*
 * Marks every descriptor from lowfd on close-on-exec: close_range(2), or
 * og_notify_cloexec_walk where the kernel lacks it, or a loop up to the descriptor
 * limit. Async-signal-safe, for a child between fork and execve. 0, or -1
 * if a descriptor may have been missed.
 */
int og_notify_cloexec_from(int lowfd);

/* The same by reading /proc/self/fd (getdents64, no allocation). 0 or -1. */
int og_notify_cloexec_walk(int lowfd);

#endif

/* notify.h: run the administrator's lockout notification command. */
#ifndef OTPGATE_NOTIFY_H
#define OTPGATE_NOTIFY_H

#include "log.h"

/*
 * Starts cmd detached (double fork, empty environment, no shell) with the
 * arguments event, user, source and until; never waits for it to finish.
 */
void og_notify(const char *cmd, const char *event, const char *user, const char *source,
	       const char *until, const struct og_log *log);

#endif

/* log.h: one logging sink for the core, set by its host (PAM or a CLI). */
#ifndef OTPGATE_LOG_H
#define OTPGATE_LOG_H

#include <syslog.h>

typedef void (*og_log_fn)(void *ctx, int prio, const char *msg);

struct og_log {
	og_log_fn fn;	/* NULL: write to stderr */
	void *ctx;
	int debug;	/* emit LOG_DEBUG messages */
};

/* A sink that keeps the last message in buf (for one-line error reports). */
void og_log_capture(void *buf_1024, int prio, const char *msg);

/* A sink that sends each message to syslog, facility LOG_AUTHPRIV (ctx unused). */
void og_log_authpriv(void *ctx, int prio, const char *msg);

/* Formats and sends one line to the sink; never fails, truncates at 1 KiB,
 * and escapes what could break or hide the line (og_text_escape). */
void og_logf(const struct og_log *log, int prio, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif

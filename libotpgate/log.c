/* log.c: formats a message and hands it to the host's sink. */
#include <stdarg.h>
#include <stdio.h>

#include "audit.h"
#include "log.h"

void og_logf(const struct og_log *log, int prio, const char *fmt, ...)
{
	char raw[1024], buf[4 * sizeof(raw)];
	va_list ap;

	if (prio == LOG_DEBUG && (log == NULL || !log->debug))
		return;
	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	/* a name or address in it may be anything a client sent */
	og_text_escape(raw, OG_AUDIT_TEXT, buf, sizeof(buf));
	if (log != NULL && log->fn != NULL)
		log->fn(log->ctx, prio, buf);
	else
		fprintf(stderr, "%s\n", buf);
}

void og_log_authpriv(void *ctx, int prio, const char *msg)
{
	(void)ctx;
	syslog(LOG_AUTHPRIV | prio, "%s", msg);
}

void og_log_capture(void *buf, int prio, const char *msg)
{
	(void)prio;
	snprintf(buf, 1024, "%s", msg);
}

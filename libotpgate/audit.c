/* audit.c: one key=value line per event, safe against forged fields. */
#include <stdio.h>
#include <string.h>

#include "audit.h"

/*
 * Appends " key=value". Bytes that could end or forge a field (space,
 * '=', quotes, backslash, control and non-ASCII bytes) are written as \xHH,
 * so a value is always one token; at most 200 bytes of it.
 */
static size_t put_field(char *out, size_t cap, size_t o, const char *key, const char *val)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0;

	if (val == NULL || o + 1 >= cap)
		return o;
	o += (size_t)snprintf(out + o, cap - o, "%s%s=%s", o ? " " : "", key,
			      *val == '\0' ? "\"\"" : "");
	for (const unsigned char *p = (const unsigned char *)val; *p && n < 200; p++, n++) {
		if (o + 5 >= cap)
			break;
		if (*p <= 0x20 || *p >= 0x7f || *p == '"' || *p == '\\' || *p == '=') {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[*p >> 4];
			out[o++] = hex[*p & 15];
		} else {
			out[o++] = (char)*p;
		}
	}
	out[o < cap ? o : cap - 1] = '\0';
	return o < cap ? o : cap - 1;
}

size_t og_audit_format(const struct og_audit_event *ev, char *out, size_t cap)
{
	size_t o = 0;

	if (cap == 0)
		return 0;
	out[0] = '\0';
	o = put_field(out, cap, o, "event", ev->event);
	o = put_field(out, cap, o, "result", ev->result);
	o = put_field(out, cap, o, "reason", ev->reason);
	o = put_field(out, cap, o, "user", ev->user);
	o = put_field(out, cap, o, "source", ev->source);
	o = put_field(out, cap, o, "service", ev->service);
	o = put_field(out, cap, o, "token", ev->token);
	o = put_field(out, cap, o, "key", ev->key);
	o = put_field(out, cap, o, "actor", ev->actor);
	o = put_field(out, cap, o, "detail", ev->detail);
	o = put_field(out, cap, o, "host", ev->host);
	return o;
}

void og_audit_syslog(const struct og_audit_event *ev, const struct og_log *log)
{
	char line[2048];
	int prio = ev->result != NULL && strcmp(ev->result, "success") == 0 ? LOG_INFO : LOG_NOTICE;

	if (ev->event != NULL && strcmp(ev->event, "lockout") == 0)
		prio = LOG_ALERT;
	og_audit_format(ev, line, sizeof(line));
	if (log != NULL && log->fn != NULL) {
		log->fn(log->ctx, prio, line);
	} else {
		openlog("otpgate", LOG_PID, LOG_AUTHPRIV);
		syslog(LOG_AUTHPRIV | prio, "%s", line);
		closelog();
	}
}

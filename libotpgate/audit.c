/* audit.c: one key=value line per event, safe against forged fields. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
#include <string.h>

#include "audit.h"
#include "err.h"

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

/* Appends "," "key":"value" with JSON escapes, when value is set. */
static size_t json_field(char *out, size_t cap, size_t o, const char *key, const char *val)
{
	if (val == NULL || o + 1 >= cap)
		return o;
	o += (size_t)snprintf(out + o, cap - o, ",\"%s\":\"", key);
	for (const unsigned char *p = (const unsigned char *)val; *p && o + 8 < cap; p++) {
		if (*p == '"' || *p == '\\')
			o += (size_t)snprintf(out + o, cap - o, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			o += (size_t)snprintf(out + o, cap - o, "\\u%04x", *p);
		else
			out[o++] = (char)*p;
	}
	if (o + 1 < cap)
		out[o++] = '"';
	out[o < cap ? o : cap - 1] = '\0';
	return o < cap ? o : cap - 1;
}

size_t og_audit_json(const struct og_audit_event *ev, char *out, size_t cap)
{
	const char *names[] = { "event", "result", "reason", "user", "source", "service", "token",
				"key", "actor", "detail", "host" };
	const char *vals[] = { ev->event, ev->result, ev->reason, ev->user, ev->source,
			       ev->service, ev->token, ev->key, ev->actor, ev->detail, ev->host };
	size_t o;

	if (cap < 32)
		return 0;
	o = (size_t)snprintf(out, cap, "{\"ts\":%lld", (long long)ev->ts);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		o = json_field(out, cap, o, names[i], vals[i]);
	if (o + 1 < cap)
		out[o++] = '}';
	out[o < cap ? o : cap - 1] = '\0';
	return o;
}

int og_audit_jsonl_append(const char *path, const struct og_audit_event *ev,
			  const struct og_log *log)
{
	char line[4096];
	size_t n = og_audit_json(ev, line, sizeof(line) - 1);
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600), r = OG_OK;

	line[n++] = '\n';
	if (fd < 0 || write(fd, line, n) != (ssize_t)n) {
		og_logf(log, LOG_ERR, "audit file %.200s: %s", path, strerror(errno));
		r = OG_ERR_IO;
	}
	if (fd >= 0)
		close(fd);
	return r;
}

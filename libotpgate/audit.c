/* audit.c: one key=value line per event, safe against forged fields: a
 * long value cut with its digest's mark; the trail's sinks. The escaping
 * and the line itself: audit_line.c. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>
#include <string.h>
#include <openssl/evp.h>

#include "audit.h"
#include "err.h"
#include "fileio.h"
#include "json.h"
#include "util.h"

/* The mark that ends a cut value: its length and the start of its SHA-256. */
static void cut_mark(const char *val, size_t n, char *mark, size_t cap)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	char hex[2 * EVP_MAX_MD_SIZE + 1];
	unsigned int mdlen = 0;

	if (EVP_Digest(val, n, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen < 16)
		memset(md, 0, mdlen = 16);
	og_hex_encode(md, 16, hex);
	snprintf(mark, cap, "[cut:%zu:%.32s]", n, hex);
}

size_t og_audit_escape(const char *val, enum og_audit_style style, char *out, size_t cap)
{
	size_t n = strlen(val);
	char mark[64] = "";

	if (n > OG_AUDIT_TEXT_MAX)
		cut_mark(val, n, mark, sizeof(mark));
	return og_audit_escape_marked(val, mark, style, out, cap);
}

size_t og_audit_format(const struct og_audit_event *ev, char *out, size_t cap)
{
	return og_audit_format_by(ev, og_audit_escape, out, cap);
}

int og_audit_unescape(char *s)
{
	char *o = s;

	for (; *s != '\0'; s++) {
		unsigned char v;
		char hex[3];
		if (*s != '\\') {
			*o++ = *s;
			continue;
		}
		if (s[1] != 'x' || s[2] == '\0' || s[3] == '\0')
			return OG_ERR_INVALID;
		hex[0] = s[2];
		hex[1] = s[3];
		hex[2] = '\0';
		if (og_hex_decode(hex, &v, 1) != 1 || v == 0)
			return OG_ERR_INVALID;
		*o++ = (char)v;
		s += 3;
	}
	*o = '\0';
	return OG_OK;
}

void og_audit_clean(const struct og_audit_event *in, struct og_audit_copy *out)
{
	const char **f[OG_AUDIT_FIELDS];

	out->ev = *in;
	og_audit_fields(&out->ev, f);
	for (int i = 0; i < OG_AUDIT_FIELDS; i++) {
		if (*f[i] == NULL)
			continue;
		og_audit_escape(*f[i], OG_AUDIT_TEXT, out->buf[i], sizeof(out->buf[i]));
		*f[i] = out->buf[i];
	}
}

void og_audit_decode(const struct og_audit_event *stored, struct og_audit_copy *out)
{
	const char **f[OG_AUDIT_FIELDS];

	out->ev = *stored;
	og_audit_fields(&out->ev, f);
	for (int i = 0; i < OG_AUDIT_FIELDS; i++) {
		if (*f[i] == NULL || og_copy(out->buf[i], sizeof(out->buf[i]), *f[i]) != OG_OK ||
		    og_audit_unescape(out->buf[i]) != OG_OK)
			continue;	/* too long or not escaped: an older version's, kept */
		*f[i] = out->buf[i];
	}
}

void og_audit_syslog(const struct og_audit_event *ev, const struct og_log *log)
{
	char line[OG_AUDIT_LINE_MAX];
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

size_t og_audit_json(const struct og_audit_event *ev, char *out, size_t cap)
{
	struct og_audit_event e = *ev;
	const char **f[OG_AUDIT_FIELDS];
	char val[OG_AUDIT_VALUE_MAX + 1], str[5 * OG_AUDIT_TEXT_MAX + 16];
	size_t o;

	if (cap < 32)
		return 0;
	o = (size_t)snprintf(out, cap, "{\"ts\":%lld", (long long)ev->ts);
	og_audit_fields(&e, f);
	for (int i = 0; i < OG_AUDIT_FIELDS; i++) {
		size_t n;
		if (*f[i] == NULL)
			continue;
		og_audit_escape(*f[i], OG_AUDIT_TEXT, val, sizeof(val));
		n = og_json_string(val, str, sizeof(str));
		/* room for this field, the closing brace and the NUL */
		if (n == 0 || o + strlen(og_audit_field_names[i]) + 4 + n + 2 > cap)
			break;
		o += (size_t)snprintf(out + o, cap - o, ",\"%s\":%s", og_audit_field_names[i], str);
	}
	out[o++] = '}';
	out[o] = '\0';
	return o;
}

int og_audit_jsonl_append(const char *path, const struct og_audit_event *ev,
			  const struct og_log *log)
{
	char line[OG_AUDIT_JSON_MAX + 2];
	size_t n = og_audit_json(ev, line, sizeof(line) - 1);
	int fd = og_file_open_append(path), r = OG_OK;

	line[n++] = '\n';
	if (fd < 0 || write(fd, line, n) != (ssize_t)n) {
		og_logf(log, LOG_ERR, "audit file %.200s: %s", path, strerror(errno));
		r = OG_ERR_IO;
	}
	if (fd >= 0)
		close(fd);
	return r;
}

/*
 * audit_line.c: the escaping every audited value goes through, and the
 * key=value line. No cryptography: only the mark of a cut value needs a
 * digest (audit.c), so the key reader, whose values are never that long,
 * formats its line without libcrypto (og_audit_format_short).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "err.h"
#include "util.h"

const char *const og_audit_field_names[OG_AUDIT_FIELDS] = {
	"event", "result", "reason", "user", "source", "service", "token", "key", "actor",
	"detail", "host",
};

void og_audit_fields(struct og_audit_event *ev, const char **out[OG_AUDIT_FIELDS])
{
	const char **f[OG_AUDIT_FIELDS] = { &ev->event, &ev->result, &ev->reason, &ev->user,
					    &ev->source, &ev->service, &ev->token, &ev->key,
					    &ev->actor, &ev->detail, &ev->host };

	memcpy(out, f, sizeof(f));
}

/* The length of the well-formed UTF-8 character at p (n bytes left), with
 * its code point in *cp; 0 if it is not one (RFC 3629: no overlong form,
 * no surrogate, nothing above U+10FFFF). */
static size_t utf8_char(const unsigned char *p, size_t n, uint32_t *cp)
{
	size_t len;
	uint32_t c, min;

	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2, c = p[0] & 0x1fu, min = 0x80;
	else if ((p[0] & 0xf0) == 0xe0)
		len = 3, c = p[0] & 0x0fu, min = 0x800;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4, c = p[0] & 0x07u, min = 0x10000;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (p[i] & 0x3fu);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/* Characters escaped even in the stored form: the escape character itself,
 * and what could end a line or hide or reorder the text around it. */
static int is_escaped(uint32_t c)
{
	return c < 0x20 || c == '\\' || (c >= 0x7f && c <= 0x9f) || c == 0x61c ||
	       c == 0x200e || c == 0x200f || (c >= 0x2028 && c <= 0x202e) ||
	       (c >= 0x2066 && c <= 0x2069);
}

/* In a key=value token, everything but printable ASCII that ends no token. */
static int is_escaped_in_token(uint32_t c)
{
	return is_escaped(c) || c <= 0x20 || c >= 0x7f || c == '"' || c == '=';
}

/* Escapes n bytes of p into out (not terminated), stopping before an
 * escape that does not fit. */
static size_t escape_bytes(const unsigned char *p, size_t n, enum og_audit_style style,
			   char *out, size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	for (size_t i = 0, len; i < n; i += len) {
		uint32_t c = 0;
		int esc;

		len = utf8_char(p + i, n - i, &c);
		esc = len == 0 || (style == OG_AUDIT_TOKEN ? is_escaped_in_token(c) : is_escaped(c));
		len += len == 0;
		if (o + (esc ? 4 * len : len) >= cap)
			break;
		for (size_t k = 0; k < len; k++) {
			if (esc) {
				out[o++] = '\\';
				out[o++] = 'x';
				out[o++] = hex[p[i + k] >> 4];
				out[o++] = hex[p[i + k] & 15];
			} else {
				out[o++] = (char)p[i + k];
			}
		}
	}
	return o;
}

size_t og_text_escape(const char *s, enum og_audit_style style, char *out, size_t cap)
{
	size_t o;

	if (cap == 0)
		return 0;
	o = escape_bytes((const unsigned char *)s, strlen(s), style, out, cap);
	out[o] = '\0';
	return o;
}

/* How much of a value longer than OG_AUDIT_TEXT_MAX is kept: up to keep
 * bytes, not splitting a well-formed character. */
static size_t cut_point(const unsigned char *p, size_t n, size_t keep)
{
	size_t start = keep;
	uint32_t c;

	while (start > 0 && keep - start < 3 && (p[start] & 0xc0) == 0x80)
		start--;
	if (start < keep && start + utf8_char(p + start, n - start, &c) > keep)
		return start;
	return keep;
}

size_t og_audit_escape_marked(const char *val, const char *mark, enum og_audit_style style,
			      char *out, size_t cap)
{
	const unsigned char *p = (const unsigned char *)val;
	size_t n = strlen(val), keep = n, o, m = 0;

	if (cap == 0)
		return 0;
	if (n > OG_AUDIT_TEXT_MAX) {
		if (mark == NULL || *mark == '\0')
			return out[0] = '\0', 0;	/* nothing marks the cut: nothing */
		m = strlen(mark);
		keep = cut_point(p, n, OG_AUDIT_TEXT_MAX - m);
	}
	o = escape_bytes(p, keep, style, out, cap);
	if (m > 0 && o + m < cap) {
		memcpy(out + o, mark, m);
		o += m;
	}
	out[o] = '\0';
	return o;
}

size_t og_audit_format_by(const struct og_audit_event *ev, og_audit_escape_fn *escape, char *out,
			  size_t cap)
{
	struct og_audit_event e = *ev;
	const char **f[OG_AUDIT_FIELDS];
	char val[OG_AUDIT_VALUE_MAX + 1];
	size_t o = 0;

	if (cap == 0)
		return 0;
	out[0] = '\0';
	og_audit_fields(&e, f);
	for (int i = 0; i < OG_AUDIT_FIELDS; i++) {
		size_t n;
		if (*f[i] == NULL)
			continue;
		n = escape(*f[i], OG_AUDIT_TOKEN, val, sizeof(val));
		if (o + (o > 0) + strlen(og_audit_field_names[i]) + 1 + (n ? n : 2) >= cap)
			break;
		o += (size_t)snprintf(out + o, cap - o, "%s%s=%s", o ? " " : "",
				      og_audit_field_names[i], n ? val : "\"\"");
	}
	return o;
}

static size_t escape_short(const char *val, enum og_audit_style style, char *out, size_t cap)
{
	return og_audit_escape_marked(val, NULL, style, out, cap);
}

size_t og_audit_format_short(const struct og_audit_event *ev, char *out, size_t cap)
{
	struct og_audit_event e = *ev;
	const char **f[OG_AUDIT_FIELDS];

	og_audit_fields(&e, f);
	for (int i = 0; i < OG_AUDIT_FIELDS; i++) {
		if (*f[i] != NULL && strlen(*f[i]) > OG_AUDIT_TEXT_MAX) {
			if (cap > 0)
				out[0] = '\0';
			return 0;
		}
	}
	return og_audit_format_by(ev, escape_short, out, cap);
}

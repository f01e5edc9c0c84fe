/*
 * textesc.c: the escaping every text sink shares (og_text_escape, and
 * og_audit_escape in audit.c on top of it). Apart from audit.c so that
 * what must not link libcrypto (the PAM module's front, the key reader)
 * can log through og_logf.
 */
#include <stdint.h>
#include <string.h>

#include "audit.h"
#include "textesc.h"

/* The length of the well-formed UTF-8 character at p (n bytes left), with
 * its code point in *cp; 0 if it is not one (RFC 3629: no overlong form,
 * no surrogate, nothing above U+10FFFF). */
size_t og_utf8_char(const unsigned char *p, size_t n, uint32_t *cp)
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
size_t og_escape_bytes(const unsigned char *p, size_t n, enum og_audit_style style,
			   char *out, size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	for (size_t i = 0, len; i < n; i += len) {
		uint32_t c = 0;
		int esc;

		len = og_utf8_char(p + i, n - i, &c);
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
	o = og_escape_bytes((const unsigned char *)s, strlen(s), style, out, cap);
	out[o] = '\0';
	return o;
}


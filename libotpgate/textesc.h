/* textesc.h: the byte-level escaping under og_text_escape and og_audit_escape. */
#ifndef OTPGATE_TEXTESC_H
#define OTPGATE_TEXTESC_H

#include <stddef.h>
#include <stdint.h>

#include "audit.h"

/* The length of the well-formed UTF-8 character at p (n bytes left), with
 * its code point in *cp; 0 if it is not one (RFC 3629). */
size_t og_utf8_char(const unsigned char *p, size_t n, uint32_t *cp);

/* Escapes n bytes of p into out (not terminated) in style, stopping before
 * an escape that does not fit in cap; the length written. */
size_t og_escape_bytes(const unsigned char *p, size_t n, enum og_audit_style style,
		       char *out, size_t cap);

#endif

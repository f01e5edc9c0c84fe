/* base32.h: RFC 4648 base32, as authenticator apps use it. */
#ifndef OTPGATE_BASE32_H
#define OTPGATE_BASE32_H

#include <stddef.h>

/*
 * Encodes len bytes without padding into out (cap bytes incl. NUL).
 * Returns the string length or OG_ERR_INVALID when out is too small.
 */
int og_base32_encode(const unsigned char *in, size_t len, char *out, size_t cap);

/*
 * Decodes base32, case-insensitive, '=' padding optional, spaces and
 * hyphens ignored (as people type them). Returns the byte count or
 * OG_ERR_INVALID for bad characters, bad padding, or overflow of cap.
 */
int og_base32_decode(const char *in, unsigned char *out, size_t cap);

#endif

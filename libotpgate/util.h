/* util.h: bounded parsing of numbers and durations, hex, random ids. */
#ifndef OTPGATE_UTIL_H
#define OTPGATE_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include "bounds.h"

/*
 * Parses a whole decimal string (digits only, no sign, no spaces) into *out
 * and checks lo <= value <= hi. Returns OG_OK or OG_ERR_INVALID.
 */
int og_parse_int(const char *s, int64_t lo, int64_t hi, int64_t *out);

/*
 * Parses a duration: a decimal number of seconds with an optional suffix
 * s, m, h or d ("90", "10m", "1d"). Result in seconds, at most 10 years.
 * Returns OG_OK or OG_ERR_INVALID.
 */
int og_parse_duration(const char *s, int64_t *seconds);

/* Lower-case hex of len bytes into out (2*len+1 bytes). */
void og_hex_encode(const unsigned char *in, size_t len, char *out);

/*
 * Decodes an even-length hex string (either case) into out (cap bytes).
 * Returns the number of bytes, or OG_ERR_INVALID.
 */
int og_hex_decode(const char *hex, unsigned char *out, size_t cap);

/* Fills out with len bytes from the OpenSSL CSPRNG. OG_OK or OG_ERR_CRYPTO. */
int og_random(unsigned char *out, size_t len);

/*
 * Bulk work (an import draws three times a token): on, og_random serves
 * its bytes from a buffer drawn from the CSPRNG a few KiB at a time, as a
 * draw costs far more than its bytes; each byte is served once and wiped
 * from the buffer, the rest when turned off. For one thread's work in a
 * tool (the module never turns it on); a process forked meanwhile draws
 * on its own.
 */
void og_random_bulk(int on);

/*
 * n characters drawn uniformly from alphabet (at most 256 of them) into
 * out, without modulo bias; no NUL is added. OG_OK or OG_ERR_CRYPTO.
 */
int og_random_chars(const char *alphabet, char *out, size_t n);

/*
 * A code typed by a person (recovery codes, invitation codes): s without
 * its hyphens and spaces, each character in the case alphabet uses, into
 * out (len + 1 bytes). 0 if that is exactly len characters of alphabet,
 * else -1 (out then holds no more than len characters).
 */
int og_code_normalize(const char *s, const char *alphabet, size_t len, char *out);

/* A fresh random identifier: 32 lower-case hex chars + NUL. */
int og_random_id(char out[OG_ID_LEN + 1]);

/* 1 if s has that shape: OG_ID_LEN lower-case hex digits, nothing else. */
int og_is_random_id(const char *s);

/* Constant-time equality of two byte strings of the same length. */
int og_ct_equal(const void *a, const void *b, size_t len);

/* The index of s among the n names (a state's, say), or -1. */
int og_name_find(const char *const *names, int n, const char *s);

/* Wipes len bytes at p, then frees it (NULL: nothing). */
void og_freezero(void *p, size_t len);

/* Wipes a string up to its NUL, then frees it (NULL: nothing). */
void og_freezero_str(char *s);

/* Copies src into dst (cap bytes); OG_ERR_INVALID (dst empty) if it does not fit. */
int og_copy(char *dst, size_t cap, const char *src);

/*
 * 1 if s is non-empty, at most max bytes, every byte is in [A-Za-z0-9._@+-]
 * the first is not '-' (a name is passed to programs as an argument,
 * where it must never read as an option), and it is not "." or ".." (a
 * name also becomes a path component, e.g. the key drop's DROP/USER).
 */
int og_is_safe_name(const char *s, size_t max);

#endif

/*
 * hmac.h: HMAC (RFC 2104) with SHA-1, SHA-256 or SHA-512, its algorithm
 * fetched from libcrypto once per process, when first used.
 *
 * A fetch is a lookup in libcrypto's tables (and, the first time in a
 * process, the building of them); HMAC() and EVP_Q_mac() fetch on every
 * call, and a login computes a dozen HMACs in a process of its own.
 */
#ifndef OTPGATE_HMAC_H
#define OTPGATE_HMAC_H

#include <stddef.h>
#include <openssl/evp.h>

#include "otp.h"

/* One HMAC over a sequence of updates; a failure is sticky and told at the end. */
struct og_hmac {
	EVP_MAC_CTX *ctx;
	int ok;
};

void og_hmac_start(struct og_hmac *h, enum og_algo algo, const void *key, size_t keylen);
void og_hmac_add(struct og_hmac *h, const void *p, size_t n);
/* The mac (its digest's size, at most cap) into out, *len set; the context
 * is freed either way. OG_OK or OG_ERR_CRYPTO. */
int og_hmac_end(struct og_hmac *h, unsigned char *out, size_t cap, size_t *len);

/* One shot: HMAC of n bytes at p. */
int og_hmac(enum og_algo algo, const void *key, size_t keylen, const void *p, size_t n,
	    unsigned char *out, size_t cap, size_t *len);

#endif

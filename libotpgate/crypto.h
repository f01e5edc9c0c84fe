/* crypto.h: master key, AES-256-GCM sealing, envelope data keys. */
#ifndef OTPGATE_CRYPTO_H
#define OTPGATE_CRYPTO_H

#include <stddef.h>
#include "log.h"

#define OG_KEY_LEN 32
#define OG_SEAL_OVERHEAD (1 + 12 + 16)	/* version, nonce, tag */

struct og_key {
	unsigned char k[OG_KEY_LEN];
};

/*
 * Loads the master key file: 64 hex characters and an optional newline,
 * refused unless a regular file, owned by root or us, mode without any
 * group/world bits. OG_OK, OG_ERR_UNSAFE, OG_ERR_IO or OG_ERR_INVALID.
 */
int og_master_key_load(const char *path, struct og_key *key, const struct og_log *log);

/* Creates a new random master key file with mode 0400; OG_ERR_EXISTS if present. */
int og_master_key_create(const char *path);

/* Random key material. */
int og_key_generate(struct og_key *key);

/* Wipes a key. */
void og_key_wipe(struct og_key *key);

/*
 * A key for one purpose, named by label, from the master key:
 * HKDF-Expand-SHA256 (RFC 5869) of one block, with the master key as the
 * PRK (it is uniformly random already, so the Extract step adds nothing,
 * section 3.3): out = HMAC(master, label || 0x01). One HMAC, as a login
 * derives such keys (the EVP_KDF fetch would cost a fresh sshd process
 * some 50 us). OG_OK or OG_ERR_CRYPTO.
 */
int og_key_derive(const struct og_key *master, const char *label, unsigned char out[OG_KEY_LEN]);

/*
 * AES-256-GCM: out (ptlen + OG_SEAL_OVERHEAD bytes) = version byte,
 * random 96-bit nonce, ciphertext, tag. aad binds the blob to its context.
 */
int og_seal(const struct og_key *key, const void *aad, size_t aadlen,
	    const unsigned char *pt, size_t ptlen, unsigned char *out);

/*
 * Opens a sealed blob of inlen bytes into pt (inlen - OG_SEAL_OVERHEAD bytes).
 * OG_ERR_CRYPTO when the tag, version or aad do not match.
 */
int og_open(const struct og_key *key, const void *aad, size_t aadlen,
	    const unsigned char *in, size_t inlen, unsigned char *pt);

/* Wraps/unwraps a data key under the master key, bound to its id and org. */
int og_dek_wrap(const struct og_key *master, const char *dek_id, const char *org,
		const struct og_key *dek, unsigned char out[OG_KEY_LEN + OG_SEAL_OVERHEAD]);
int og_dek_unwrap(const struct og_key *master, const char *dek_id, const char *org,
		  const unsigned char *in, size_t inlen, struct og_key *dek);

/* Seals/opens a token secret under a data key, bound to token id and user. */
int og_secret_seal(const struct og_key *dek, const char *token_id, const char *user,
		   const unsigned char *secret, size_t len, unsigned char *out);
int og_secret_open(const struct og_key *dek, const char *token_id, const char *user,
		   const unsigned char *in, size_t inlen, unsigned char *secret);

#endif

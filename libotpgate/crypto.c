/* crypto.c: master key file, AES-256-GCM seal/open, envelope data keys. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "crypto.h"
#include "err.h"
#include "fileio.h"
#include "hmac.h"
#include "util.h"

#define SEAL_VERSION 1
#define NONCE_LEN 12
#define TAG_LEN 16

int og_master_key_load(const char *path, struct og_key *key, const struct og_log *log)
{
	char *buf = NULL;
	size_t len = 0;
	int r;

	if ((r = og_file_read(path, OG_FILE_SECRET, 256, &buf, &len, log)) != OG_OK)
		return r;
	if (len > 0 && buf[len - 1] == '\n')
		buf[--len] = '\0';
	r = OG_ERR_INVALID;
	if (len != 2 * OG_KEY_LEN || og_hex_decode(buf, key->k, sizeof(key->k)) != OG_KEY_LEN) {
		og_logf(log, LOG_ERR, "%.200s: not a master key (want %d hex digits)", path,
			2 * OG_KEY_LEN);
		og_key_wipe(key);
		goto out;
	}
	r = OG_OK;
out:
	og_freezero(buf, len);
	return r;
}

int og_key_generate(struct og_key *key)
{
	return og_random(key->k, sizeof(key->k));
}

void og_key_wipe(struct og_key *key)
{
	OPENSSL_cleanse(key, sizeof(*key));
}

int og_key_derive(const struct og_key *master, const char *label, unsigned char out[OG_KEY_LEN])
{
	unsigned char info[128];
	size_t n = strlen(label), len = 0;

	if (n >= sizeof(info))
		return OG_ERR_INVALID;
	memcpy(info, label, n);
	info[n] = 0x01;
	if (og_hmac(OG_SHA256, master->k, sizeof(master->k), info, n + 1, out, OG_KEY_LEN, &len) !=
	    OG_OK || len != OG_KEY_LEN)
		return OG_ERR_CRYPTO;
	return OG_OK;
}

int og_master_key_create(const char *path)
{
	struct og_key key = { 0 };
	char hex[2 * OG_KEY_LEN + 2];
	int r;

	if ((r = og_key_generate(&key)) != OG_OK)
		return r;
	og_hex_encode(key.k, sizeof(key.k), hex);
	strcat(hex, "\n");
	r = og_file_create(path, 0400, hex, strlen(hex));
	og_key_wipe(&key);
	OPENSSL_cleanse(hex, sizeof(hex));
	return r;
}

/*
 * AES-256-GCM, fetched from libcrypto once per process (EVP_aes_256_gcm()
 * would be looked up again at every EVP_CipherInit_ex).
 */
static EVP_CIPHER *aes_gcm;
static CRYPTO_ONCE aes_gcm_once = CRYPTO_ONCE_STATIC_INIT;

static void fetch_aes_gcm(void)
{
	aes_gcm = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
}

/* One AES-256-GCM operation; enc selects seal (1) or open (0). */
static int gcm(int enc, const struct og_key *key, const unsigned char *nonce,
	       const void *aad, size_t aadlen, const unsigned char *in, size_t len,
	       unsigned char *out, unsigned char *tag)
{
	EVP_CIPHER_CTX *ctx;
	int n = 0, ok;

	if (!CRYPTO_THREAD_run_once(&aes_gcm_once, fetch_aes_gcm) || aes_gcm == NULL)
		return OG_ERR_CRYPTO;
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL)
		return OG_ERR_NOMEM;
	ok = EVP_CipherInit_ex2(ctx, aes_gcm, key->k, nonce, enc, NULL) == 1 &&
	     EVP_CipherUpdate(ctx, NULL, &n, aad, (int)aadlen) == 1 &&
	     (len == 0 || EVP_CipherUpdate(ctx, out, &n, in, (int)len) == 1);
	if (ok && !enc)
		ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TAG_LEN, tag) == 1;
	ok = ok && EVP_CipherFinal_ex(ctx, out + n, &n) == 1;
	if (ok && enc)
		ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TAG_LEN, tag) == 1;
	EVP_CIPHER_CTX_free(ctx);
	return ok ? OG_OK : OG_ERR_CRYPTO;
}

int og_seal(const struct og_key *key, const void *aad, size_t aadlen,
	    const unsigned char *pt, size_t ptlen, unsigned char *out)
{
	out[0] = SEAL_VERSION;
	if (og_random(out + 1, NONCE_LEN) != OG_OK)
		return OG_ERR_CRYPTO;
	return gcm(1, key, out + 1, aad, aadlen, pt, ptlen, out + 1 + NONCE_LEN,
		   out + 1 + NONCE_LEN + ptlen);
}

int og_open(const struct og_key *key, const void *aad, size_t aadlen,
	    const unsigned char *in, size_t inlen, unsigned char *pt)
{
	size_t len;
	unsigned char tag[TAG_LEN];
	int r;

	if (inlen < OG_SEAL_OVERHEAD || in[0] != SEAL_VERSION)
		return OG_ERR_CRYPTO;
	len = inlen - OG_SEAL_OVERHEAD;
	memcpy(tag, in + 1 + NONCE_LEN + len, TAG_LEN);
	r = gcm(0, key, in + 1, aad, aadlen, in + 1 + NONCE_LEN, len, pt, tag);
	if (r != OG_OK)
		OPENSSL_cleanse(pt, len);
	return r;
}

/* "otpgate:<what>:v1" NUL a NUL b: unambiguous additional data. */
static size_t bind_aad(char *out, size_t cap, const char *what, const char *a, const char *b)
{
	int n = snprintf(out, cap, "otpgate:%s:v1%c%s%c%s", what, 0, a, 0, b);
	return n < 0 || (size_t)n >= cap ? 0 : (size_t)n;
}

int og_dek_wrap(const struct og_key *master, const char *dek_id, const char *org,
		const struct og_key *dek, unsigned char out[OG_KEY_LEN + OG_SEAL_OVERHEAD])
{
	char aad[512];
	size_t n = bind_aad(aad, sizeof(aad), "dek", dek_id, org);

	return n == 0 ? OG_ERR_INVALID : og_seal(master, aad, n, dek->k, OG_KEY_LEN, out);
}

int og_dek_unwrap(const struct og_key *master, const char *dek_id, const char *org,
		  const unsigned char *in, size_t inlen, struct og_key *dek)
{
	char aad[512];
	size_t n = bind_aad(aad, sizeof(aad), "dek", dek_id, org);

	if (n == 0 || inlen != OG_KEY_LEN + OG_SEAL_OVERHEAD)
		return OG_ERR_CRYPTO;
	return og_open(master, aad, n, in, inlen, dek->k);
}

int og_secret_seal(const struct og_key *dek, const char *token_id, const char *user,
		   const unsigned char *secret, size_t len, unsigned char *out)
{
	char aad[512];
	size_t n = bind_aad(aad, sizeof(aad), "token", token_id, user);

	return n == 0 ? OG_ERR_INVALID : og_seal(dek, aad, n, secret, len, out);
}

int og_secret_open(const struct og_key *dek, const char *token_id, const char *user,
		   const unsigned char *in, size_t inlen, unsigned char *secret)
{
	char aad[512];
	size_t n = bind_aad(aad, sizeof(aad), "token", token_id, user);

	return n == 0 ? OG_ERR_CRYPTO : og_open(dek, aad, n, in, inlen, secret);
}

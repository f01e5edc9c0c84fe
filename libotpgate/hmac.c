/* hmac.c: HMAC with its algorithm fetched once per process (hmac.h). */
#include <openssl/core_names.h>
#include <openssl/crypto.h>

#include "err.h"
#include "hmac.h"

/*
 * Per digest, an HMAC context to copy: fetched, its digest set, and keyed
 * with the empty key only so that it can be copied (OpenSSL copies no
 * unkeyed HMAC context). Made once, read-only afterwards.
 */
static EVP_MAC_CTX *templates[OG_SHA512 + 1];
static CRYPTO_ONCE once[OG_SHA512 + 1] = {
	CRYPTO_ONCE_STATIC_INIT, CRYPTO_ONCE_STATIC_INIT, CRYPTO_ONCE_STATIC_INIT
};

static void make_template(enum og_algo algo)
{
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)og_algo_name(algo), 0),
		OSSL_PARAM_construct_end(),
	};
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *ctx = mac != NULL ? EVP_MAC_CTX_new(mac) : NULL;

	EVP_MAC_free(mac);	/* the context holds its own reference */
	if (ctx != NULL && EVP_MAC_init(ctx, (const unsigned char *)"", 0, params) != 1) {
		EVP_MAC_CTX_free(ctx);
		ctx = NULL;
	}
	templates[algo] = ctx;
}

static void make_sha1(void) { make_template(OG_SHA1); }
static void make_sha256(void) { make_template(OG_SHA256); }
static void make_sha512(void) { make_template(OG_SHA512); }

static const EVP_MAC_CTX *template_of(enum og_algo algo)
{
	static void (*const make[])(void) = { make_sha1, make_sha256, make_sha512 };

	if ((unsigned)algo > OG_SHA512 || !CRYPTO_THREAD_run_once(&once[algo], make[algo]))
		return NULL;
	return templates[algo];
}

void og_hmac_start(struct og_hmac *h, enum og_algo algo, const void *key, size_t keylen)
{
	const EVP_MAC_CTX *t = template_of(algo);

	h->ctx = t != NULL ? EVP_MAC_CTX_dup(t) : NULL;
	h->ok = h->ctx != NULL && EVP_MAC_init(h->ctx, key, keylen, NULL) == 1;
}

void og_hmac_add(struct og_hmac *h, const void *p, size_t n)
{
	if (h->ok && n > 0)
		h->ok = EVP_MAC_update(h->ctx, p, n) == 1;
}

int og_hmac_end(struct og_hmac *h, unsigned char *out, size_t cap, size_t *len)
{
	int ok = h->ok && EVP_MAC_final(h->ctx, out, len, cap) == 1;

	EVP_MAC_CTX_free(h->ctx);	/* cleanses the keyed state */
	h->ctx = NULL;
	return ok ? OG_OK : OG_ERR_CRYPTO;
}

int og_hmac(enum og_algo algo, const void *key, size_t keylen, const void *p, size_t n,
	    unsigned char *out, size_t cap, size_t *len)
{
	struct og_hmac h;

	og_hmac_start(&h, algo, key, keylen);
	og_hmac_add(&h, p, n);
	return og_hmac_end(&h, out, cap, len);
}

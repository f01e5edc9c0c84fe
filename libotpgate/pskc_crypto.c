/*
 * pskc_crypto.c: the encrypted values of a PSKC file (RFC 6030 section 6):
 * the encryption key (a pre-shared key, or one derived from a password
 * with PBKDF2), the ciphers (AES-CBC with the IV in front, AES key wrap)
 * with the key's length checked against the algorithm each value names,
 * and the ValueMACs, checked before anything is decrypted.
 */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "err.h"
#include "pskc_int.h"
#include "util.h"

#define AES_BLOCK 16
#define SALT_MAX 64

struct cipher {
	const char *name;	/* after http://www.w3.org/2001/04/xmlenc# */
	size_t keylen;
	int wrap;		/* AES key wrap (else CBC, the IV in front) */
	const EVP_CIPHER *(*evp)(void);
	const EVP_CIPHER *(*evp_pad)(void);	/* key wrap with padding (RFC 5649) */
};

static const struct cipher ciphers[] = {
	{ "aes128-cbc", 16, 0, EVP_aes_128_cbc, NULL },
	{ "aes192-cbc", 24, 0, EVP_aes_192_cbc, NULL },
	{ "aes256-cbc", 32, 0, EVP_aes_256_cbc, NULL },
	{ "kw-aes128", 16, 1, EVP_aes_128_wrap, EVP_aes_128_wrap_pad },
	{ "kw-aes192", 24, 1, EVP_aes_192_wrap, EVP_aes_192_wrap_pad },
	{ "kw-aes256", 32, 1, EVP_aes_256_wrap, EVP_aes_256_wrap_pad },
};

/* HMACs by URI: the MACMethod, and a PBKDF2 PRF. */
static const struct {
	const char *uri;
	const EVP_MD *(*md)(void);
} hmacs[] = {
	{ "http://www.w3.org/2000/09/xmldsig#hmac-sha1", EVP_sha1 },
	{ "http://www.w3.org/2001/04/xmldsig-more#hmac-sha1", EVP_sha1 },
	{ "http://www.w3.org/2001/04/xmldsig-more#hmac-sha224", EVP_sha224 },
	{ "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256", EVP_sha256 },
	{ "http://www.w3.org/2001/04/xmldsig-more#hmac-sha384", EVP_sha384 },
	{ "http://www.w3.org/2001/04/xmldsig-more#hmac-sha512", EVP_sha512 },
};

static const char *const pbkdf2_uris[] = {
	"http://www.rsasecurity.com/rsalabs/pkcs/schemas/pkcs-5v2-0#pbkdf2",
	"http://www.w3.org/2009/xmlenc11#pbkdf2",
};

struct pbkdf2 {
	unsigned char salt[SALT_MAX];
	size_t saltlen;
	int64_t iterations;
	int64_t keylen;			/* 0: the cipher's */
	const EVP_MD *prf;
};

static const EVP_MD *hmac_by_uri(const char *uri)
{
	for (size_t i = 0; uri != NULL && i < sizeof(hmacs) / sizeof(hmacs[0]); i++)
		if (strcmp(uri, hmacs[i].uri) == 0)
			return hmacs[i].md();
	return NULL;
}

static int is_pbkdf2(const char *uri)
{
	for (size_t i = 0; uri != NULL && i < sizeof(pbkdf2_uris) / sizeof(pbkdf2_uris[0]); i++)
		if (strcmp(uri, pbkdf2_uris[i]) == 0)
			return 1;
	return 0;
}

/* The KeyDerivationMethod of x->derived: PBKDF2 and its parameters. */
static int read_pbkdf2(struct pskc_ctx *x, struct pbkdf2 *p)
{
	const xmlNode *m = pskc_child_any(x->derived, "KeyDerivationMethod"), *prm, *e;
	const char *alg = m != NULL ? pskc_attr(m, "Algorithm") : NULL;
	char text[PSKC_TEXT_MAX];
	int n;

	memset(p, 0, sizeof(*p));
	p->prf = EVP_sha1();
	if (m == NULL)
		return pskc_fail(x, pskc_line(x->derived), "%s", "DerivedKey has no KeyDerivationMethod");
	if (!is_pbkdf2(alg))
		return pskc_fail(x, pskc_line(m), "key derivation '%.80s' is not supported (only "
				 "PBKDF2)", alg != NULL ? alg : "");
	if ((prm = pskc_child_any(m, "PBKDF2-params")) == NULL)
		return pskc_fail(x, pskc_line(m), "%s", "KeyDerivationMethod has no PBKDF2-params");
	if ((e = pskc_child_any(pskc_child_any(prm, "Salt"), "Specified")) == NULL)
		return pskc_fail(x, pskc_line(prm), "%s", "PBKDF2-params has no Salt/Specified "
				 "(a salt from elsewhere is not supported)");
	if ((n = pskc_b64(x, e, "PBKDF2 Salt", p->salt, sizeof(p->salt))) < 0)
		return -1;
	p->saltlen = (size_t)n;
	e = pskc_child_any(prm, "IterationCount");
	if (e == NULL || pskc_text(e, text, sizeof(text), 0) != 0 ||
	    og_parse_int(text, 1, OG_PSKC_PBKDF2_ITER_MAX, &p->iterations) != OG_OK)
		return pskc_fail(x, pskc_line(e != NULL ? e : prm), "PBKDF2 IterationCount '%.32s' "
				 "is not a number from 1 to %d", e != NULL ? text : "",
				 OG_PSKC_PBKDF2_ITER_MAX);
	if ((e = pskc_child_any(prm, "KeyLength")) != NULL &&
	    (pskc_text(e, text, sizeof(text), 0) != 0 ||
	     og_parse_int(text, 16, PSKC_KEY_MAX, &p->keylen) != OG_OK || p->keylen % 8 != 0))
		return pskc_fail(x, pskc_line(e), "PBKDF2 KeyLength '%.32s' is not 16, 24 or 32",
				 text);
	if ((e = pskc_child_any(prm, "PRF")) != NULL && pskc_attr(e, "Algorithm") != NULL &&
	    (p->prf = hmac_by_uri(pskc_attr(e, "Algorithm"))) == NULL)
		return pskc_fail(x, pskc_line(e), "PBKDF2 PRF '%.80s' is not supported (HMAC-SHA1, "
				 "-SHA224, -SHA256, -SHA384 or -SHA512)", pskc_attr(e, "Algorithm"));
	if (e != NULL && pskc_attr(e, "Algorithm") == NULL && e->children != NULL &&
	    pskc_text(e, text, sizeof(text), 0) == 0 && text[0] != '\0')
		return pskc_fail(x, pskc_line(e), "PBKDF2 PRF '%.80s' is not supported (name it by "
				 "an Algorithm attribute)", text);
	return 0;
}

int pskc_check_encryption_key(struct pskc_ctx *x)
{
	const xmlNode *ek = pskc_child(x->root, PSKC_NS, "EncryptionKey");
	struct pbkdf2 p;
	int r;

	if (ek == NULL || pskc_child(ek, PSKC_NS_DS, "KeyName") != NULL)
		return 0;
	if ((x->derived = pskc_child_any(ek, "DerivedKey")) != NULL) {
		r = read_pbkdf2(x, &p);
		OPENSSL_cleanse(&p, sizeof(p));
		return r;
	}
	if (pskc_child_any(ek, "X509Data") != NULL)
		return pskc_fail(x, pskc_line(ek), "%s", "encryption with a public key "
				 "(ds:X509Data, RFC 6030 section 6.3) is not supported: ask the vendor "
				 "for a file encrypted with a pre-shared key or a password");
	for (const xmlNode *c = ek->children; c != NULL; c = c->next)
		if (c->type == XML_ELEMENT_NODE)
			return pskc_fail(x, pskc_line(c), "EncryptionKey %.40s is not supported (only "
					 "ds:KeyName, a pre-shared key, and a PBKDF2 DerivedKey)",
					 (const char *)c->name);
	return 0;
}

/* Derives x->key (len bytes) from the password, once. */
static int derive(struct pskc_ctx *x, size_t len, long line)
{
	struct pbkdf2 p;
	int r = -1;

	if (read_pbkdf2(x, &p) != 0)
		goto out;
	if (p.keylen != 0 && (size_t)p.keylen != len) {
		r = pskc_fail(x, line, "the PBKDF2 KeyLength %lld does not fit the encryption, which "
			      "needs %zu bytes", (long long)p.keylen, len);
		goto out;
	}
	if (PKCS5_PBKDF2_HMAC(x->cred.password, (int)x->cred.passlen, p.salt, (int)p.saltlen,
			      (int)p.iterations, p.prf, (int)len, x->key) != 1) {
		r = pskc_fail(x, line, "%s", "PBKDF2 failed");
		goto out;
	}
	x->keylen = len;
	r = 0;
out:
	OPENSSL_cleanse(&p, sizeof(p));
	return r;
}

/* The encryption key for c: the pre-shared key or the derived one, of c's length. */
static const unsigned char *enc_key(struct pskc_ctx *x, const struct cipher *c, long line)
{
	if (x->derived != NULL) {
		if (x->cred.password == NULL) {
			pskc_fail(x, line, "%s", "the file is encrypted with a key derived from a "
				  "password (PBKDF2): give the password (--password-file FILE or "
				  "--password PASSWORD)");
			return NULL;
		}
		if (x->keylen == 0 && derive(x, c->keylen, line) != 0)
			return NULL;
		if (x->keylen != c->keylen) {
			pskc_fail(x, line, "%s needs a %zu-byte key; the file's PBKDF2 key is %zu "
				  "bytes", c->name, c->keylen, x->keylen);
			return NULL;
		}
		return x->key;
	}
	if (x->cred.psk == NULL) {
		pskc_fail(x, line, "%s", "the file is encrypted with a pre-shared key: give the "
			  "pre-shared key (--psk HEXKEY or --psk-file FILE)");
		return NULL;
	}
	if (x->cred.psklen != c->keylen) {
		pskc_fail(x, line, "the pre-shared key is %zu bits; the file's %s needs %zu bits",
			  8 * x->cred.psklen, c->name, 8 * c->keylen);
		return NULL;
	}
	return x->cred.psk;
}

/*
 * The EncryptionMethod and CipherValue of n (an EncryptedValue or a
 * MACKey): the cipher into *c and the CipherValue's bytes into blob.
 * Returns their length or -1.
 */
static int cipher_value(struct pskc_ctx *x, const xmlNode *n, const char *what,
			const struct cipher **c, unsigned char *blob, size_t cap)
{
	const xmlNode *m = pskc_child(n, PSKC_NS_XENC, "EncryptionMethod");
	const xmlNode *cv = pskc_child(pskc_child(n, PSKC_NS_XENC, "CipherData"), PSKC_NS_XENC,
				       "CipherValue");
	const char *alg = m != NULL ? pskc_attr(m, "Algorithm") : NULL;
	size_t nslen = strlen(PSKC_NS_XENC);
	int len;

	if (alg == NULL)
		return pskc_fail(x, pskc_line(n), "%s has no xenc:EncryptionMethod Algorithm", what);
	*c = NULL;
	for (size_t i = 0; i < sizeof(ciphers) / sizeof(ciphers[0]); i++)
		if (strncmp(alg, PSKC_NS_XENC, nslen) == 0 && strcmp(alg + nslen, ciphers[i].name) == 0)
			*c = &ciphers[i];
	if (*c == NULL)
		return pskc_fail(x, pskc_line(m), "%s: encryption '%.80s' is not supported "
				 "(aes128-cbc, aes192-cbc, aes256-cbc, kw-aes128, kw-aes192 or "
				 "kw-aes256 of %s)", what, alg, PSKC_NS_XENC);
	if (cv == NULL)
		return pskc_fail(x, pskc_line(n), "%s has no xenc:CipherData/xenc:CipherValue", what);
	if ((len = pskc_b64(x, cv, "CipherValue", blob, cap)) < 0)
		return -1;
	if ((!(*c)->wrap && (len < 2 * AES_BLOCK || len % AES_BLOCK != 0)) ||
	    ((*c)->wrap && (len < 16 || len % 8 != 0))) {
		OPENSSL_cleanse(blob, cap);
		return pskc_fail(x, pskc_line(cv), "%s: CipherValue is not %s", what, (*c)->wrap ?
				 "a wrapped key (whole 64-bit blocks, at least two)" :
				 "an IV and whole AES blocks");
	}
	return len;
}

/* One EVP decryption of in (len bytes) into out; the length or -1. */
static int evp_decrypt(const EVP_CIPHER *evp, int wrap, const unsigned char *key,
		       const unsigned char *iv, const unsigned char *in, size_t len,
		       unsigned char *out)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n = 0, m = 0, ok;

	if (ctx == NULL)
		return -1;
	if (wrap)
		EVP_CIPHER_CTX_set_flags(ctx, EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
	ok = EVP_DecryptInit_ex(ctx, evp, NULL, key, iv) == 1 &&
	     EVP_DecryptUpdate(ctx, out, &n, in, (int)len) == 1 && n >= 0 &&
	     EVP_DecryptFinal_ex(ctx, out + n, &m) == 1;
	EVP_CIPHER_CTX_free(ctx);
	return ok ? n + m : -1;
}

/*
 * Decrypts blob (len bytes) with c under key into out (cap >= len bytes):
 * CBC with the IV in front and PKCS#7 padding; key wrap as RFC 3394, or
 * RFC 5649 (its padded form, which python-pskc and others write under the
 * same URI for values that are not whole 64-bit blocks). Length or -1.
 */
static int decrypt(const struct cipher *c, const unsigned char *key, const unsigned char *blob,
		   size_t len, unsigned char *out, size_t cap)
{
	int n = -1;

	if (cap < len)
		return -1;
	if (!c->wrap)
		n = evp_decrypt(c->evp(), 0, key, blob, blob + AES_BLOCK, len - AES_BLOCK, out);
	else if (len >= 24)
		n = evp_decrypt(c->evp(), 1, key, NULL, blob, len, out);
	if (c->wrap && n < 0)
		n = evp_decrypt(c->evp_pad(), 1, key, NULL, blob, len, out);
	if (n < 0)
		OPENSSL_cleanse(out, cap);
	return n;
}

static const char *wrong_key(const struct pskc_ctx *x)
{
	return x->derived != NULL ? "wrong password or a damaged file" :
				    "wrong pre-shared key or a damaged file";
}

/*
 * Reads the MACMethod once: its HMAC, and its key (the MACKey decrypted,
 * or the encryption key when there is no MACKey, as older exports do).
 */
static int load_mac(struct pskc_ctx *x, long keyline, const unsigned char *key,
		    const EVP_MD **md)
{
	unsigned char blob[PSKC_VALUE_MAX], plain[PSKC_VALUE_MAX];
	const xmlNode *mm = pskc_child(x->root, PSKC_NS, "MACMethod"), *mk;
	const struct cipher *c;
	const unsigned char *k;
	int blen, len = -1, r = -1;

	if (mm == NULL)
		return pskc_fail(x, keyline, "%s", "the file has a ValueMAC but no MACMethod");
	if ((*md = hmac_by_uri(pskc_attr(mm, "Algorithm"))) == NULL)
		return pskc_fail(x, pskc_line(mm), "MACMethod '%.80s' is not supported (HMAC-SHA1, "
				 "-SHA224, -SHA256, -SHA384 or -SHA512)",
				 pskc_attr(mm, "Algorithm") != NULL ? pskc_attr(mm, "Algorithm") : "");
	if (x->mackey_len > 0)
		return 0;
	if ((mk = pskc_child(mm, PSKC_NS, "MACKey")) == NULL) {
		memcpy(x->mackey, key, x->derived != NULL ? x->keylen : x->cred.psklen);
		x->mackey_len = x->derived != NULL ? x->keylen : x->cred.psklen;
		return 0;
	}
	if ((blen = cipher_value(x, mk, "MACKey", &c, blob, sizeof(blob))) < 0 ||
	    (k = enc_key(x, c, pskc_line(mk))) == NULL)
		goto out;
	if ((len = decrypt(c, k, blob, (size_t)blen, plain, sizeof(plain))) <= 0 ||
	    (size_t)len > sizeof(x->mackey)) {
		r = pskc_fail(x, keyline, "ValueMAC does not match: %s", wrong_key(x));
		goto out;
	}
	memcpy(x->mackey, plain, (size_t)len);
	x->mackey_len = (size_t)len;
	r = 0;
out:
	OPENSSL_cleanse(blob, sizeof(blob));
	OPENSSL_cleanse(plain, sizeof(plain));
	return r;
}

/* Checks the ValueMAC vm over blob (len bytes). */
static int check_mac(struct pskc_ctx *x, const xmlNode *vm, long keyline,
		     const unsigned char *key, const unsigned char *blob, size_t len)
{
	unsigned char want[EVP_MAX_MD_SIZE], got[EVP_MAX_MD_SIZE];
	unsigned int glen = 0;
	const EVP_MD *md = NULL;
	int wlen, r = -1;

	if ((wlen = pskc_b64(x, vm, "ValueMAC", want, sizeof(want))) < 0 ||
	    load_mac(x, keyline, key, &md) != 0)
		return -1;
	if (HMAC(md, x->mackey, (int)x->mackey_len, blob, len, got, &glen) == NULL)
		r = pskc_fail(x, keyline, "%s", "HMAC failed");
	else if ((unsigned int)wlen != glen || !og_ct_equal(want, got, glen))
		r = pskc_fail(x, keyline, "ValueMAC does not match: %s", wrong_key(x));
	else
		r = 0;
	OPENSSL_cleanse(got, sizeof(got));
	return r;
}

int pskc_decrypt_value(struct pskc_ctx *x, const xmlNode *e, const char *what, long keyline,
		       unsigned char *out, size_t cap)
{
	unsigned char blob[PSKC_VALUE_MAX];
	const xmlNode *ev = pskc_child(e, PSKC_NS, "EncryptedValue");
	const xmlNode *vm = pskc_child(e, PSKC_NS, "ValueMAC");
	const struct cipher *c = NULL;
	const unsigned char *key;
	int blen, n = -1;

	if ((blen = cipher_value(x, ev, what, &c, blob, sizeof(blob))) < 0 ||
	    (key = enc_key(x, c, pskc_line(ev))) == NULL)
		goto out;
	if (vm == NULL && !c->wrap) {
		pskc_fail(x, pskc_line(e), "encrypted %s has no ValueMAC (an unauthenticated CBC "
			  "value is refused)", what);
		goto out;
	}
	if (vm != NULL && check_mac(x, vm, keyline, key, blob, (size_t)blen) != 0)
		goto out;
	if ((n = decrypt(c, key, blob, (size_t)blen, out, cap)) < 0) {
		if (c->wrap)
			pskc_fail(x, keyline, "%s does not unwrap: %s", what, wrong_key(x));
		else
			pskc_fail(x, pskc_line(ev), "%s does not decrypt (bad padding): a damaged "
				  "file", what);
	}
out:
	OPENSSL_cleanse(blob, sizeof(blob));
	return n;
}

void pskc_wipe_keys(struct pskc_ctx *x)
{
	OPENSSL_cleanse(x->key, sizeof(x->key));
	OPENSSL_cleanse(x->mackey, sizeof(x->mackey));
	x->keylen = 0;
	x->mackey_len = 0;
}

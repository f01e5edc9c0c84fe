/* sshkey.c: OpenSSH public key lines, SHA256 fingerprints, Ed25519 keys in PROTOCOL.key format. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "err.h"
#include "sshkey.h"
#include "util.h"

#define ED25519_LEN 32
#define RSA_MIN_BITS 3072
#define RSA_MAX_BITS 16384	/* OpenSSH's own limit */
#define RSA_MAX_E_BITS 64	/* OpenSSL refuses larger exponents on big moduli */
#define SHA256_LEN 32

#define PEM_BEGIN "-----BEGIN OPENSSH PRIVATE KEY-----\n"
#define PEM_END "-----END OPENSSH PRIVATE KEY-----\n"
#define PEM_COLS 70
#define AUTH_MAGIC "openssh-key-v1"	/* written with its terminating NUL */
#define PRIV_BLOCK 8			/* cipher "none" pads to 8 bytes */
#define ED_NAME "ssh-ed25519"
#define ED_BLOB_LEN (4 + sizeof(ED_NAME) - 1 + 4 + ED25519_LEN)
#define PRIV_BIN_MAX 512		/* whole binary private key, comment <= 255 */
#define CERT_SUFFIX "-cert-v01@openssh.com"
#define TEXT_B64_MAX (1024 * 1024)	/* far above any key sshd takes (packets <= 256 KiB) */

enum kind { K_ED25519, K_RSA, K_ECDSA };

struct keytype {
	const char *name;
	enum kind kind;
	int sk;			/* FIDO key: an application string follows */
	int bits;		/* fixed size; RSA: taken from the modulus */
	const char *curve;	/* ECDSA: the SSH curve name in the blob */
	const char *group;	/* ECDSA: the OpenSSL group name */
};

static const struct keytype keytypes[] = {
	{ ED_NAME, K_ED25519, 0, 256, NULL, NULL },
	{ "sk-ssh-ed25519@openssh.com", K_ED25519, 1, 256, NULL, NULL },
	{ "ssh-rsa", K_RSA, 0, 0, NULL, NULL },
	{ "ecdsa-sha2-nistp256", K_ECDSA, 0, 256, "nistp256", "P-256" },
	{ "ecdsa-sha2-nistp384", K_ECDSA, 0, 384, "nistp384", "P-384" },
	{ "ecdsa-sha2-nistp521", K_ECDSA, 0, 521, "nistp521", "P-521" },
	/* accepted only if struct og_sshkey's type[] can hold the name */
	{ "sk-ecdsa-sha2-nistp256@openssh.com", K_ECDSA, 1, 256, "nistp256", "P-256" },
};

/* ---- reading and writing SSH wire data (RFC 4251 section 5) ---- */

struct rd {
	const unsigned char *p;
	size_t len;
};

/* 0, or -1 if fewer than 4 bytes are left. */
static int rd_u32(struct rd *r, uint32_t *v)
{
	if (r->len < 4)
		return -1;
	*v = (uint32_t)r->p[0] << 24 | (uint32_t)r->p[1] << 16 | (uint32_t)r->p[2] << 8 | r->p[3];
	r->p += 4;
	r->len -= 4;
	return 0;
}

/* A length-prefixed string; -1 if it runs past the end of the data. */
static int rd_string(struct rd *r, const unsigned char **s, size_t *n)
{
	uint32_t len;

	if (rd_u32(r, &len) != 0 || len > r->len)
		return -1;
	*s = r->p;
	*n = len;
	r->p += len;
	r->len -= len;
	return 0;
}

static int bytes_eq(const unsigned char *s, size_t n, const char *want)
{
	return n == strlen(want) && memcmp(s, want, n) == 0;
}

struct wr {
	unsigned char *p;
	size_t len, cap;
	int err;
};

static void wr_bytes(struct wr *w, const void *b, size_t n)
{
	if (w->err || n > w->cap - w->len) {
		w->err = 1;
		return;
	}
	if (n > 0)
		memcpy(w->p + w->len, b, n);
	w->len += n;
}

static void wr_u32(struct wr *w, uint32_t v)
{
	unsigned char b[4] = { (unsigned char)(v >> 24), (unsigned char)(v >> 16),
			       (unsigned char)(v >> 8), (unsigned char)v };

	wr_bytes(w, b, sizeof(b));
}

static void wr_string(struct wr *w, const void *b, size_t n)
{
	wr_u32(w, (uint32_t)n);
	wr_bytes(w, b, n);
}

static void wr_cstring(struct wr *w, const char *s)
{
	wr_string(w, s, strlen(s));
}

/* ---- base64 and fingerprints ---- */

static int b64_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '+' || c == '/';
}

/*
 * Decodes padded base64 (no whitespace) into a malloc'd buffer. Strict:
 * EVP_DecodeBlock alone skips whitespace, accepts '=' anywhere and stray
 * bits, and counts the padding as zero bytes, so the alphabet and padding are
 * checked first and the result must re-encode to exactly the input.
 */
static int b64_decode(const char *s, size_t n, unsigned char **out, size_t *outlen)
{
	unsigned char *buf = NULL, *enc = NULL;
	size_t pad = 0, want;
	int r = OG_ERR_INVALID, got;

	*out = NULL;
	*outlen = 0;
	if (n == 0 || n % 4 != 0 || n > INT32_MAX / 2)
		return OG_ERR_INVALID;
	while (pad < 2 && s[n - 1 - pad] == '=')
		pad++;
	for (size_t i = 0; i < n - pad; i++) {
		if (!b64_char(s[i]))
			return OG_ERR_INVALID;
	}
	want = n / 4 * 3;
	if ((buf = malloc(want)) == NULL || (enc = malloc(n + 1)) == NULL) {
		r = OG_ERR_NOMEM;
		goto out;
	}
	got = EVP_DecodeBlock(buf, (const unsigned char *)s, (int)n);
	if (got < 0 || (size_t)got != want)
		goto out;
	want -= pad;
	if ((size_t)EVP_EncodeBlock(enc, buf, (int)want) != n || memcmp(enc, s, n) != 0)
		goto out;
	*out = buf;
	*outlen = want;
	buf = NULL;
	r = OG_OK;
out:
	free(buf);
	free(enc);
	return r;
}

/* malloc'd NUL-terminated base64 of len bytes, or NULL. */
static char *b64_encode(const unsigned char *in, size_t len)
{
	char *out;

	if (len > INT32_MAX / 2 || (out = malloc((len + 2) / 3 * 4 + 1)) == NULL)
		return NULL;
	EVP_EncodeBlock((unsigned char *)out, in, (int)len);
	return out;
}

/* "SHA256:" and the unpadded base64 of SHA-256(blob), as ssh-keygen -l prints. */
static int fingerprint(const unsigned char *blob, size_t len, char out[OG_FP_LEN])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char b64[4 * ((SHA256_LEN + 2) / 3) + 1];

	if (EVP_Digest(blob, len, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != SHA256_LEN)
		return OG_ERR_CRYPTO;
	EVP_EncodeBlock((unsigned char *)b64, md, SHA256_LEN);
	memcpy(out, "SHA256:", 7);
	memcpy(out + 7, b64, OG_FP_LEN - 8);	/* 43 characters: drops the one '=' */
	out[OG_FP_LEN - 1] = '\0';
	return OG_OK;
}

/* ---- key blob checks ---- */

/*
 * Bit length of a positive RFC 4251 mpint of at most maxbits bits without
 * superfluous leading zero bytes; -1 if it is zero, negative, not minimal or
 * too large.
 */
static int mpint_bits(const unsigned char *s, size_t n, int maxbits)
{
	int bits;

	if (n == 0 || (s[0] & 0x80) != 0)
		return -1;
	if (s[0] == 0) {
		if (n < 2 || (s[1] & 0x80) == 0)
			return -1;
		s++;
		n--;
	}
	if (n > (size_t)maxbits / 8 + 1)
		return -1;
	bits = (int)(n - 1) * 8;
	for (unsigned c = s[0]; c != 0; c >>= 1)
		bits++;
	return bits <= maxbits ? bits : -1;
}

static int check_rsa(struct rd *r, int *bits, const char **why)
{
	const unsigned char *e, *n;
	size_t elen, nlen;
	int ebits;

	if (rd_string(r, &e, &elen) != 0 || rd_string(r, &n, &nlen) != 0) {
		*why = "truncated key data";
		return OG_ERR_INVALID;
	}
	ebits = mpint_bits(e, elen, RSA_MAX_E_BITS);
	if (ebits < 2 || (e[elen - 1] & 1) == 0) {
		*why = "RSA public exponent is invalid";
		return OG_ERR_INVALID;
	}
	*bits = mpint_bits(n, nlen, 8 * OG_SSHKEY_LINE_MAX);
	if (*bits < 0 || (n[nlen - 1] & 1) == 0) {
		*why = "malformed RSA modulus";
		return OG_ERR_INVALID;
	}
	if (*bits > RSA_MAX_BITS) {
		*why = "RSA keys must have at most 16384 bits";
		return OG_ERR_INVALID;
	}
	if (*bits < RSA_MIN_BITS) {
		*why = "RSA keys must have at least 3072 bits";
		return OG_ERR_INVALID;
	}
	return OG_OK;
}

/* Lets OpenSSL decode pt as a point of group and run its public key check. */
static int ec_point_check(const char *group, const unsigned char *pt, size_t len)
{
	EVP_PKEY_CTX *ctx = NULL, *chk = NULL;
	EVP_PKEY *pkey = NULL;
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)group, 0),
		OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, (void *)pt, len),
		OSSL_PARAM_construct_end(),
	};
	int r = OG_ERR_NOMEM;

	if ((ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) == NULL)
		goto out;
	r = OG_ERR_INVALID;
	if (EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
		goto out;
	if ((chk = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL)) == NULL) {
		r = OG_ERR_NOMEM;
		goto out;
	}
	if (EVP_PKEY_public_check(chk) == 1)
		r = OG_OK;
out:
	if (r != OG_OK)
		ERR_clear_error();
	EVP_PKEY_CTX_free(chk);
	EVP_PKEY_free(pkey);
	EVP_PKEY_CTX_free(ctx);
	return r;
}

static int check_ecdsa(const struct keytype *kt, struct rd *r, const char **why)
{
	const unsigned char *curve, *pt;
	size_t clen, plen, flen = ((size_t)kt->bits + 7) / 8;
	int rc;

	if (rd_string(r, &curve, &clen) != 0 || rd_string(r, &pt, &plen) != 0) {
		*why = "truncated key data";
		return OG_ERR_INVALID;
	}
	if (!bytes_eq(curve, clen, kt->curve)) {
		*why = "ECDSA curve does not match the key type";
		return OG_ERR_INVALID;
	}
	/* OpenSSH only uses uncompressed points: 0x04 || X || Y */
	if (plen != 1 + 2 * flen || pt[0] != 0x04) {
		*why = "malformed ECDSA public point";
		return OG_ERR_INVALID;
	}
	if ((rc = ec_point_check(kt->group, pt, plen)) != OG_OK) {
		*why = rc == OG_ERR_NOMEM ? "out of memory" : "ECDSA public point is not on the curve";
		return rc;
	}
	return OG_OK;
}

/* Checks the structure of blob for kt; sets *bits. */
static int check_blob(const struct keytype *kt, const unsigned char *blob, size_t len,
		      int *bits, const char **why)
{
	struct rd r = { blob, len };
	const unsigned char *s;
	size_t n;
	int rc = OG_OK;

	if (rd_string(&r, &s, &n) != 0) {
		*why = "truncated key data";
		return OG_ERR_INVALID;
	}
	if (!bytes_eq(s, n, kt->name)) {
		*why = "key type does not match the key data";
		return OG_ERR_INVALID;
	}
	*bits = kt->bits;
	switch (kt->kind) {
	case K_ED25519:
		if (rd_string(&r, &s, &n) != 0) {
			*why = "truncated key data";
			return OG_ERR_INVALID;
		}
		if (n != ED25519_LEN) {
			*why = "Ed25519 public key is not 32 bytes";
			return OG_ERR_INVALID;
		}
		break;
	case K_RSA:
		rc = check_rsa(&r, bits, why);
		break;
	case K_ECDSA:
		rc = check_ecdsa(kt, &r, why);
		break;
	}
	if (rc != OG_OK)
		return rc;
	if (kt->sk) {
		/* the FIDO application, "ssh:" by default; a C string for OpenSSH */
		if (rd_string(&r, &s, &n) != 0) {
			*why = "truncated key data";
			return OG_ERR_INVALID;
		}
		if (memchr(s, '\0', n) != NULL) {
			*why = "malformed security key application";
			return OG_ERR_INVALID;
		}
	}
	if (r.len != 0) {
		*why = "trailing data after the key";
		return OG_ERR_INVALID;
	}
	return OG_OK;
}

/* ---- public key lines ---- */

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static int is_ctrl(unsigned char c)
{
	return (c < 0x20 && c != '\t') || c == 0x7f;
}

static int has_suffix(const char *s, size_t n, const char *suffix)
{
	size_t m = strlen(suffix);

	return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

/* The table's type named s (n bytes), or NULL. */
static const struct keytype *find_type(const char *s, size_t n)
{
	for (size_t i = 0; i < sizeof(keytypes) / sizeof(keytypes[0]); i++) {
		if (bytes_eq((const unsigned char *)s, n, keytypes[i].name))
			return &keytypes[i];
	}
	return NULL;
}

/* The accepted type named s (n bytes), or NULL with *why set. */
static const struct keytype *lookup_type(const char *s, size_t n, const char **why)
{
	const struct keytype *kt = find_type(s, n);

	if (kt != NULL && n < sizeof(((struct og_sshkey *)NULL)->type))
		return kt;
	if (bytes_eq((const unsigned char *)s, n, "ssh-dss"))
		*why = "DSA keys are not accepted";
	else if (has_suffix(s, n, CERT_SUFFIX))
		*why = "SSH certificates are not accepted";
	else if (memchr(s, '=', n) != NULL || memchr(s, ',', n) != NULL)
		*why = "key options are not accepted";
	else
		*why = "unsupported key type";
	return NULL;
}

/* Fills key (zeroed by the caller) from a checked blob; OG_OK or OG_ERR_*. */
static int key_fill(struct og_sshkey *key, const char *type, const unsigned char *blob,
		    size_t len, const char *b64, size_t b64len, const char *comment,
		    size_t clen, int bits)
{
	int r;

	if (og_copy(key->type, sizeof(key->type), type) != OG_OK || clen >= sizeof(key->comment))
		return OG_ERR_INVALID;
	if ((r = fingerprint(blob, len, key->fingerprint)) != OG_OK)
		return r;
	if ((key->blob_b64 = malloc(b64len + 1)) == NULL)
		return OG_ERR_NOMEM;
	memcpy(key->blob_b64, b64, b64len);
	key->blob_b64[b64len] = '\0';
	memcpy(key->comment, comment, clen);
	key->comment[clen] = '\0';
	key->bits = bits;
	return OG_OK;
}

int og_sshkey_parse(const char *line, struct og_sshkey *key, const char **why)
{
	const struct keytype *kt;
	const char *dummy, *type, *b64, *comment;
	size_t len, start = 0, tlen = 0, blen = 0, bloblen = 0;
	unsigned char *blob = NULL;
	int r = OG_ERR_INVALID, bits = 0;

	if (why == NULL)
		why = &dummy;
	*why = NULL;
	if (key == NULL) {
		*why = "no key";
		return OG_ERR_INVALID;
	}
	memset(key, 0, sizeof(*key));
	if (line == NULL || (len = strnlen(line, OG_SSHKEY_LINE_MAX + 1)) == 0) {
		*why = "empty line";
		return OG_ERR_INVALID;
	}
	if (len > OG_SSHKEY_LINE_MAX) {
		*why = "line too long";
		return OG_ERR_INVALID;
	}
	while (len > 0 && (is_blank(line[len - 1]) || line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	while (start < len && is_blank(line[start]))
		start++;
	if (start == len) {
		*why = "empty line";
		return OG_ERR_INVALID;
	}
	for (size_t i = start; i < len; i++) {
		if (is_ctrl((unsigned char)line[i])) {
			*why = "line contains control characters";
			return OG_ERR_INVALID;
		}
	}
	type = line + start;
	while (start < len && !is_blank(line[start])) {
		start++;
		tlen++;
	}
	while (start < len && is_blank(line[start]))
		start++;
	b64 = line + start;
	while (start < len && !is_blank(line[start])) {
		start++;
		blen++;
	}
	while (start < len && is_blank(line[start]))
		start++;
	comment = line + start;
	if ((kt = lookup_type(type, tlen, why)) == NULL)
		return OG_ERR_INVALID;
	if (blen == 0) {
		*why = "missing key data";
		return OG_ERR_INVALID;
	}
	if (len - start >= sizeof(key->comment)) {
		*why = "comment too long";
		return OG_ERR_INVALID;
	}
	if ((r = b64_decode(b64, blen, &blob, &bloblen)) != OG_OK) {
		*why = r == OG_ERR_NOMEM ? "out of memory" : "malformed base64";
		goto out;
	}
	if ((r = check_blob(kt, blob, bloblen, &bits, why)) != OG_OK)
		goto out;
	r = key_fill(key, kt->name, blob, bloblen, b64, blen, comment, len - start, bits);
	if (r != OG_OK)
		*why = r == OG_ERR_NOMEM ? "out of memory" : "cannot compute the fingerprint";
out:
	free(blob);
	if (r != OG_OK)
		og_sshkey_free(key);
	return r;
}

void og_sshkey_free(struct og_sshkey *key)
{
	if (key == NULL)
		return;
	free(key->blob_b64);
	memset(key, 0, sizeof(*key));
}

int og_sshkey_format(const struct og_sshkey *key, char *out, size_t cap)
{
	int n;

	if (out == NULL || cap == 0)
		return OG_ERR_INVALID;
	out[0] = '\0';
	if (key == NULL || key->type[0] == '\0' || key->blob_b64 == NULL)
		return OG_ERR_INVALID;
	n = snprintf(out, cap, "%s %s", key->type, key->blob_b64);
	if (n < 0 || (size_t)n >= cap) {
		out[0] = '\0';
		return OG_ERR_INVALID;
	}
	return OG_OK;
}

/* ---- keys as sshd reports them (SSH_AUTH_INFO_0) ---- */

/* How many public key fields follow the type name in a blob of kt. */
static int key_fields(const struct keytype *kt)
{
	return (kt->kind == K_ED25519 ? 1 : 2) + kt->sk;
}

/*
 * The fingerprint of the key a certificate certifies (PROTOCOL.certkeys):
 * that key's blob is its type name and the public key fields, which the
 * certificate carries right after its type name and nonce.
 */
static int cert_fingerprint(const unsigned char *blob, size_t len, const char *type,
			    size_t tlen, char fp[OG_FP_LEN], const char **why)
{
	const struct keytype *kt = find_type(type, tlen - strlen(CERT_SUFFIX));
	struct rd r = { blob, len };
	const unsigned char *s, *fields;
	struct wr w = { NULL, 0, 0, 0 };
	size_t n;
	int rc;

	if (kt == NULL) {
		*why = "unsupported certificate type";
		return OG_ERR_INVALID;
	}
	if (rd_string(&r, &s, &n) != 0 || rd_string(&r, &s, &n) != 0)	/* type, nonce */
		goto truncated;
	fields = r.p;
	for (int i = 0; i < key_fields(kt); i++) {
		if (rd_string(&r, &s, &n) != 0)
			goto truncated;
	}
	n = (size_t)(r.p - fields);
	w.cap = 4 + strlen(kt->name) + n;
	if ((w.p = malloc(w.cap)) == NULL)
		return OG_ERR_NOMEM;
	wr_cstring(&w, kt->name);
	wr_bytes(&w, fields, n);
	rc = w.err ? OG_ERR_INVALID : fingerprint(w.p, w.len, fp);
	free(w.p);
	return rc;
truncated:
	*why = "truncated certificate";
	return OG_ERR_INVALID;
}

/* Length of the run of non-blank bytes at s, at most n. */
static size_t word_len(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && !is_blank(s[i]))
		i++;
	return i;
}

int og_sshkey_fingerprint_text(const char *text, size_t len, char fp[OG_FP_LEN], int *is_cert,
			       const char **why)
{
	const char *dummy, *b64;
	const unsigned char *s;
	unsigned char *blob = NULL;
	size_t tlen, blen, bloblen = 0, n;
	struct rd r;
	int rc;

	if (why == NULL)
		why = &dummy;
	*why = NULL;
	*is_cert = 0;
	fp[0] = '\0';
	tlen = word_len(text, len);
	for (b64 = text + tlen; b64 < text + len && is_blank(*b64); b64++)
		;
	blen = word_len(b64, len - (size_t)(b64 - text));
	if (tlen == 0 || blen == 0) {
		*why = "not a key type and key data";
		return OG_ERR_INVALID;
	}
	if (blen > TEXT_B64_MAX) {
		*why = "key data too long";
		return OG_ERR_INVALID;
	}
	if ((rc = b64_decode(b64, blen, &blob, &bloblen)) != OG_OK) {
		*why = rc == OG_ERR_NOMEM ? "out of memory" : "malformed base64";
		return rc;
	}
	r = (struct rd){ blob, bloblen };
	if (rd_string(&r, &s, &n) != 0 || n != tlen || memcmp(s, text, tlen) != 0) {
		*why = "key type does not match the key data";
		rc = OG_ERR_INVALID;
	} else if (has_suffix(text, tlen, CERT_SUFFIX)) {
		*is_cert = 1;
		rc = cert_fingerprint(blob, bloblen, text, tlen, fp, why);
	} else {
		rc = fingerprint(blob, bloblen, fp);
	}
	free(blob);
	if (rc != OG_OK) {
		fp[0] = '\0';
		if (*why == NULL)
			*why = rc == OG_ERR_NOMEM ? "out of memory" : "cannot compute the fingerprint";
	}
	return rc;
}

/* ---- Ed25519 key generation ---- */

/* A comment og_sshkey_parse would read back unchanged. */
static int comment_ok(const char *c)
{
	size_t n = strnlen(c, OG_SSHKEY_LINE_MAX);

	if (n >= sizeof(((struct og_sshkey *)NULL)->comment))
		return 0;
	if (n > 0 && (is_blank(c[0]) || is_blank(c[n - 1])))
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (is_ctrl((unsigned char)c[i]))
			return 0;
	}
	return 1;
}

static int ed25519_keygen(unsigned char pub[ED25519_LEN], unsigned char seed[ED25519_LEN])
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, NULL);
	EVP_PKEY *pkey = NULL;
	size_t plen = ED25519_LEN, slen = ED25519_LEN;
	int r = OG_ERR_CRYPTO;

	if (ctx == NULL)
		return OG_ERR_NOMEM;
	if (EVP_PKEY_keygen_init(ctx) != 1 || EVP_PKEY_keygen(ctx, &pkey) != 1 ||
	    EVP_PKEY_get_raw_public_key(pkey, pub, &plen) != 1 || plen != ED25519_LEN ||
	    EVP_PKEY_get_raw_private_key(pkey, seed, &slen) != 1 || slen != ED25519_LEN)
		goto out;
	r = OG_OK;
out:
	if (r != OG_OK)
		OPENSSL_cleanse(seed, ED25519_LEN);
	EVP_PKEY_free(pkey);
	EVP_PKEY_CTX_free(ctx);
	return r;
}

/* The unencrypted openssh-key-v1 binary (PROTOCOL.key) for one Ed25519 key. */
static int private_blob(struct wr *w, const unsigned char *pubblob, size_t publen,
			const unsigned char pub[ED25519_LEN], const unsigned char *priv64,
			const char *comment)
{
	unsigned char check[4];
	size_t seclen_at, start;
	uint32_t seclen;

	if (og_random(check, sizeof(check)) != OG_OK)
		return OG_ERR_CRYPTO;
	wr_bytes(w, AUTH_MAGIC, sizeof(AUTH_MAGIC));
	wr_cstring(w, "none");		/* cipher */
	wr_cstring(w, "none");		/* kdf */
	wr_string(w, "", 0);		/* kdf options */
	wr_u32(w, 1);			/* number of keys */
	wr_string(w, pubblob, publen);
	seclen_at = w->len;
	wr_u32(w, 0);			/* length of the private section, set below */
	start = w->len;
	wr_bytes(w, check, sizeof(check));
	wr_bytes(w, check, sizeof(check));
	wr_cstring(w, ED_NAME);
	wr_string(w, pub, ED25519_LEN);
	wr_string(w, priv64, 2 * ED25519_LEN);
	wr_cstring(w, comment);
	for (unsigned char pad = 1; !w->err && (w->len - start) % PRIV_BLOCK != 0; pad++)
		wr_bytes(w, &pad, 1);
	OPENSSL_cleanse(check, sizeof(check));
	if (w->err)
		return OG_ERR_INVALID;
	seclen = (uint32_t)(w->len - start);
	w->p[seclen_at] = (unsigned char)(seclen >> 24);
	w->p[seclen_at + 1] = (unsigned char)(seclen >> 16);
	w->p[seclen_at + 2] = (unsigned char)(seclen >> 8);
	w->p[seclen_at + 3] = (unsigned char)seclen;
	return OG_OK;
}

/* The armoured text: base64 of bin in 70-column lines between the markers. */
static char *pem_wrap(const unsigned char *bin, size_t len)
{
	char *b64 = b64_encode(bin, len), *pem = NULL, *p;
	size_t blen, cap;

	if (b64 == NULL)
		return NULL;
	blen = strlen(b64);
	cap = sizeof(PEM_BEGIN) - 1 + blen + (blen + PEM_COLS - 1) / PEM_COLS + sizeof(PEM_END);
	if ((pem = malloc(cap)) == NULL)
		goto out;
	p = pem;
	memcpy(p, PEM_BEGIN, sizeof(PEM_BEGIN) - 1);
	p += sizeof(PEM_BEGIN) - 1;
	for (size_t off = 0; off < blen; off += PEM_COLS) {
		size_t n = blen - off < PEM_COLS ? blen - off : PEM_COLS;

		memcpy(p, b64 + off, n);
		p += n;
		*p++ = '\n';
	}
	memcpy(p, PEM_END, sizeof(PEM_END));	/* with its NUL */
out:
	og_freezero(b64, blen);
	return pem;
}

int og_sshkey_generate_ed25519(const char *comment, struct og_sshkey *pub, char **priv_pem)
{
	unsigned char pk[ED25519_LEN], priv[2 * ED25519_LEN];
	unsigned char pubblob[ED_BLOB_LEN], bin[PRIV_BIN_MAX];
	struct wr pw = { pubblob, 0, sizeof(pubblob), 0 }, bw = { bin, 0, sizeof(bin), 0 };
	char *b64 = NULL;
	int r;

	if (priv_pem != NULL)
		*priv_pem = NULL;
	if (pub == NULL || priv_pem == NULL)
		return OG_ERR_INVALID;
	memset(pub, 0, sizeof(*pub));
	if (comment == NULL)
		comment = "";
	if (!comment_ok(comment))
		return OG_ERR_INVALID;
	if ((r = ed25519_keygen(pk, priv)) != OG_OK)
		return r;
	memcpy(priv + ED25519_LEN, pk, ED25519_LEN);	/* OpenSSH's private key: seed || public */
	wr_cstring(&pw, ED_NAME);
	wr_string(&pw, pk, ED25519_LEN);
	r = OG_ERR_INVALID;
	if (pw.err || pw.len != ED_BLOB_LEN)
		goto out;
	if ((r = private_blob(&bw, pubblob, pw.len, pk, priv, comment)) != OG_OK)
		goto out;
	r = OG_ERR_NOMEM;
	if ((b64 = b64_encode(pubblob, pw.len)) == NULL || (*priv_pem = pem_wrap(bin, bw.len)) == NULL)
		goto out;
	r = key_fill(pub, ED_NAME, pubblob, pw.len, b64, strlen(b64), comment, strlen(comment), 256);
out:
	if (r != OG_OK) {
		og_sshkey_free(pub);
		og_freezero_str(*priv_pem);
		*priv_pem = NULL;
	}
	free(b64);
	OPENSSL_cleanse(priv, sizeof(priv));
	OPENSSL_cleanse(bin, sizeof(bin));
	return r;
}

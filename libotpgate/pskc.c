/*
 * pskc.c: RFC 6030 PSKC files (KeyContainer/KeyPackage/Key) as token
 * vendors ship them. TOTP keys only; secrets in the clear or encrypted
 * with a pre-shared AES-128 key (RFC 6030 section 6.1) and authenticated
 * with the container's MACKey (HMAC-SHA1 over IV||ciphertext).
 *
 * The file is read whole (at most OG_PSKC_FILE_MAX bytes) and parsed with no
 * network, no entity substitution and no DTD loading; an external entity
 * loader that refuses everything is installed while parsing, and a file
 * with a DOCTYPE is refused. Every key is checked into a list before the
 * first callback, so a bad file reports nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "err.h"
#include "pskc.h"
#include "util.h"

#define PSKC_PSK_LEN 16			/* aes128-cbc */
#define AES_BLOCK 16
#define BLOB_MAX (AES_BLOCK + OG_SECRET_MAX + AES_BLOCK)	/* IV || padded secret */
#define B64_MAX 256			/* base64 characters of one value */
#define TEXT_MAX 256			/* other element texts */
#define SECRET_MIN 10
#define T0_MAX 253402300799LL		/* 9999-12-31T23:59:59Z */

static const char NS_PSKC[] = "urn:ietf:params:xml:ns:keyprov:pskc";
static const char NS_XENC[] = "http://www.w3.org/2001/04/xmlenc#";
static const char NS_DS[] = "http://www.w3.org/2000/09/xmldsig#";
static const char ALG_TOTP[] = "urn:ietf:params:xml:ns:keyprov:pskc:totp";
static const char ALG_HOTP[] = "urn:ietf:params:xml:ns:keyprov:pskc:hotp";
static const char ENC_AES128_CBC[] = "http://www.w3.org/2001/04/xmlenc#aes128-cbc";
static const char MAC_HMAC_SHA1[] = "http://www.w3.org/2000/09/xmldsig#hmac-sha1";

struct pskc_ctx {
	const char *path;
	char *err;
	size_t errlen;
	const unsigned char *psk;	/* NULL: none given */
	xmlNode *root;
	unsigned char mackey[OG_SECRET_MAX];
	size_t mackey_len;		/* 0 until the MACKey is decrypted */
};

static int fail(struct pskc_ctx *x, long line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * "FILE:LINE: what" into err (or "FILE: what" when line is 0), one line:
 * trailing line ends dropped (libxml2 ends its messages with one), any
 * other control byte quoted from the file written as '?'. Returns -1.
 */
static int fail(struct pskc_ctx *x, long line, const char *fmt, ...)
{
	va_list ap;
	size_t len;
	int n;

	if (x->errlen == 0)
		return -1;
	if (line > 0)
		n = snprintf(x->err, x->errlen, "%s:%ld: ", x->path, line);
	else
		n = snprintf(x->err, x->errlen, "%s: ", x->path);
	if (n < 0 || (size_t)n >= x->errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(x->err + n, x->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	len = strlen(x->err);
	while (len > (size_t)n && (x->err[len - 1] == '\n' || x->err[len - 1] == '\r'))
		x->err[--len] = '\0';
	for (char *p = x->err + n; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return -1;
}

static long line_of(const xmlNode *n)
{
	long l = n != NULL ? xmlGetLineNo(n) : 0;

	return l > 0 ? l : 0;
}

static int is_el(const xmlNode *n, const char *ns, const char *name)
{
	return n != NULL && n->type == XML_ELEMENT_NODE && n->ns != NULL &&
	       xmlStrEqual(n->ns->href, (const xmlChar *)ns) &&
	       xmlStrEqual(n->name, (const xmlChar *)name);
}

/* The first child element ns:name of parent, or NULL. */
static xmlNode *child(const xmlNode *parent, const char *ns, const char *name)
{
	if (parent == NULL)
		return NULL;
	for (xmlNode *c = parent->children; c != NULL; c = c->next)
		if (is_el(c, ns, name))
			return c;
	return NULL;
}

/* The attribute name (no namespace) of n, or NULL. Not a copy. */
static const char *attr(const xmlNode *n, const char *name)
{
	for (xmlAttr *a = n->properties; a != NULL; a = a->next) {
		if (a->ns == NULL && xmlStrEqual(a->name, (const xmlChar *)name) &&
		    a->children != NULL && a->children->type == XML_TEXT_NODE &&
		    a->children->next == NULL)
			return (const char *)a->children->content;
	}
	return NULL;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/*
 * Copies the text of n (its text and CDATA children) into buf (cap bytes):
 * every whitespace character dropped when squeeze, else only leading and
 * trailing whitespace. -1 if it does not fit.
 */
static int node_text(const xmlNode *n, char *buf, size_t cap, int squeeze)
{
	size_t len = 0;

	buf[0] = '\0';
	for (const xmlNode *c = n->children; c != NULL; c = c->next) {
		if ((c->type != XML_TEXT_NODE && c->type != XML_CDATA_SECTION_NODE) ||
		    c->content == NULL)
			continue;
		for (const char *p = (const char *)c->content; *p != '\0'; p++) {
			if ((squeeze || len == 0) && is_space(*p))
				continue;
			if (len + 1 >= cap) {
				OPENSSL_cleanse(buf, cap);
				return -1;
			}
			buf[len++] = *p;
		}
	}
	while (len > 0 && is_space(buf[len - 1]))
		len--;
	buf[len] = '\0';
	return 0;
}

static int b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/*
 * Strict padded base64 (no whitespace, unused bits zero) into out (cap
 * bytes). Returns the byte count, -1 for bad base64, -2 when it does not fit.
 */
static int b64_decode(const char *s, unsigned char *out, size_t cap)
{
	size_t n = strlen(s), o = 0;

	if (n == 0 || n % 4 != 0)
		return -1;
	for (size_t i = 0; i < n; i += 4) {
		unsigned long w = 0;
		int pad = 0;

		for (size_t j = 0; j < 4; j++) {
			int v = 0;

			if (s[i + j] == '=' && i + 4 == n && j >= 2)
				pad++;
			else if (pad > 0 || (v = b64_value(s[i + j])) < 0)
				return -1;
			w = w << 6 | (unsigned long)v;
		}
		if ((pad == 1 && (w & 0xff) != 0) || (pad == 2 && (w & 0xffff) != 0))
			return -1;	/* stray bits: XML Schema base64Binary forbids them */
		if (o + 3 - (size_t)pad > cap)
			return -2;
		out[o++] = (unsigned char)(w >> 16);
		if (pad < 2)
			out[o++] = (unsigned char)(w >> 8);
		if (pad < 1)
			out[o++] = (unsigned char)w;
	}
	return (int)o;
}

/* The base64 content of n into out (cap bytes): bytes, or -1 with err set. */
static int node_b64(struct pskc_ctx *x, const xmlNode *n, const char *what,
		    unsigned char *out, size_t cap)
{
	char text[B64_MAX];
	int len;

	if (node_text(n, text, sizeof(text), 1) != 0)
		return fail(x, line_of(n), "%s is too long", what);
	len = b64_decode(text, out, cap);
	OPENSSL_cleanse(text, sizeof(text));
	if (len == -2)
		return fail(x, line_of(n), "%s is too long", what);
	if (len < 0)
		return fail(x, line_of(n), "%s is not valid base64", what);
	return len;
}

/* AES-128-CBC with PKCS#7 padding of blob = IV || ciphertext. 0 or -1. */
static int aes_cbc_decrypt(const unsigned char *key, const unsigned char *blob, size_t len,
			   unsigned char *out, size_t cap, size_t *outlen)
{
	EVP_CIPHER_CTX *ctx;
	int n = 0, m = 0, ok;

	if (len < 2 * AES_BLOCK || len % AES_BLOCK != 0 || cap < len - AES_BLOCK)
		return -1;
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL)
		return -1;
	ok = EVP_DecryptInit_ex(ctx, EVP_aes_128_cbc(), NULL, key, blob) == 1 &&
	     EVP_DecryptUpdate(ctx, out, &n, blob + AES_BLOCK, (int)(len - AES_BLOCK)) == 1 &&
	     EVP_DecryptFinal_ex(ctx, out + n, &m) == 1;
	EVP_CIPHER_CTX_free(ctx);
	if (!ok) {
		OPENSSL_cleanse(out, cap);
		return -1;
	}
	*outlen = (size_t)n + (size_t)m;
	return 0;
}

/*
 * The xenc:EncryptionMethod and xenc:CipherData/CipherValue children of
 * n (an EncryptedValue or MACKey): checks the method is aes128-cbc and
 * decodes IV||ciphertext into blob. Returns its length or -1.
 */
static int cipher_value(struct pskc_ctx *x, const xmlNode *n, const char *what,
			unsigned char *blob, size_t cap)
{
	const xmlNode *m = child(n, NS_XENC, "EncryptionMethod");
	const xmlNode *cv = child(child(n, NS_XENC, "CipherData"), NS_XENC, "CipherValue");
	const char *alg = m != NULL ? attr(m, "Algorithm") : NULL;
	int len;

	if (alg == NULL)
		return fail(x, line_of(n), "%s has no xenc:EncryptionMethod Algorithm", what);
	if (strcmp(alg, ENC_AES128_CBC) != 0)
		return fail(x, line_of(m), "%s: encryption '%.80s' is not supported (only %s)",
			    what, alg, ENC_AES128_CBC);
	if (cv == NULL)
		return fail(x, line_of(n), "%s has no xenc:CipherData/xenc:CipherValue", what);
	if ((len = node_b64(x, cv, "CipherValue", blob, cap)) < 0)
		return -1;
	if (len < 2 * AES_BLOCK || len % AES_BLOCK != 0)
		return fail(x, line_of(cv), "%s: CipherValue is not an IV and whole AES blocks",
			    what);
	return len;
}

/*
 * Decrypts the container's MACKey with the pre-shared key, once. A key that
 * does not decrypt is reported like a MAC mismatch, at the line of the
 * Key that needed it: almost always the pre-shared key is wrong.
 */
static int load_mackey(struct pskc_ctx *x, long keyline)
{
	unsigned char blob[BLOB_MAX], plain[BLOB_MAX];
	const xmlNode *mm = child(x->root, NS_PSKC, "MACMethod"), *mk;
	const char *alg;
	size_t len = 0;
	int blen, r = -1;

	if (x->mackey_len > 0)
		return 0;
	if (mm == NULL)
		return fail(x, keyline, "%s", "the file has a ValueMAC but no MACMethod");
	alg = attr(mm, "Algorithm");
	if (alg == NULL || strcmp(alg, MAC_HMAC_SHA1) != 0)
		return fail(x, line_of(mm), "MACMethod '%.80s' is not supported (only %s)",
			    alg != NULL ? alg : "", MAC_HMAC_SHA1);
	if ((mk = child(mm, NS_PSKC, "MACKey")) == NULL)
		return fail(x, line_of(mm), "%s", "MACMethod has no MACKey");
	if ((blen = cipher_value(x, mk, "MACKey", blob, sizeof(blob))) < 0)
		goto out;
	if (aes_cbc_decrypt(x->psk, blob, (size_t)blen, plain, sizeof(plain), &len) != 0 ||
	    len == 0 || len > sizeof(x->mackey)) {
		r = fail(x, keyline, "%s",
			 "ValueMAC does not match: wrong pre-shared key or a damaged file");
		goto out;
	}
	memcpy(x->mackey, plain, len);
	x->mackey_len = len;
	r = 0;
out:
	OPENSSL_cleanse(blob, sizeof(blob));
	OPENSSL_cleanse(plain, sizeof(plain));
	return r;
}

/* Checks ValueMAC (a child of secret) over blob with the MACKey. */
static int check_mac(struct pskc_ctx *x, const xmlNode *secret, long keyline,
		     const unsigned char *blob, size_t len)
{
	unsigned char want[EVP_MAX_MD_SIZE], got[EVP_MAX_MD_SIZE];
	const xmlNode *vm = child(secret, NS_PSKC, "ValueMAC");
	unsigned int glen = 0;
	int wlen;

	if (vm == NULL)
		return fail(x, line_of(secret), "%s",
			    "encrypted Secret has no ValueMAC (an unauthenticated CBC value "
			    "is refused)");
	if ((wlen = node_b64(x, vm, "ValueMAC", want, sizeof(want))) < 0)
		return -1;
	if (load_mackey(x, keyline) != 0)
		return -1;
	if (HMAC(EVP_sha1(), x->mackey, (int)x->mackey_len, blob, len, got, &glen) == NULL) {
		OPENSSL_cleanse(got, sizeof(got));
		return fail(x, keyline, "%s", "HMAC-SHA1 failed");
	}
	if ((unsigned int)wlen != glen || !og_ct_equal(want, got, glen)) {
		OPENSSL_cleanse(got, sizeof(got));
		return fail(x, keyline, "%s",
			    "ValueMAC does not match: wrong pre-shared key or a damaged file");
	}
	OPENSSL_cleanse(got, sizeof(got));
	return 0;
}

/* Data/Secret: PlainValue, or EncryptedValue checked against ValueMAC. */
static int key_secret(struct pskc_ctx *x, const xmlNode *data, struct og_pskc_key *k)
{
	unsigned char blob[BLOB_MAX], plain[BLOB_MAX];
	const xmlNode *s = child(data, NS_PSKC, "Secret"), *pv, *ev;
	size_t len = 0;
	int blen, r = -1;

	if (s == NULL)
		return fail(x, k->line, "%s", "Key has no Data/Secret");
	pv = child(s, NS_PSKC, "PlainValue");
	ev = child(s, NS_PSKC, "EncryptedValue");
	if ((pv == NULL) == (ev == NULL))
		return fail(x, line_of(s), "%s",
			    "Secret must hold exactly one of PlainValue and EncryptedValue");
	if (pv != NULL) {
		if ((blen = node_b64(x, pv, "Secret PlainValue", blob, sizeof(blob))) < 0)
			goto out;
		len = (size_t)blen;
		memcpy(plain, blob, len);
	} else {
		if (x->psk == NULL) {
			r = fail(x, k->line, "%s", "the secret is encrypted: give the pre-shared "
				 "key (--psk HEXKEY or --psk-file FILE)");
			goto out;
		}
		if ((blen = cipher_value(x, ev, "EncryptedValue", blob, sizeof(blob))) < 0 ||
		    check_mac(x, s, k->line, blob, (size_t)blen) != 0)
			goto out;
		if (aes_cbc_decrypt(x->psk, blob, (size_t)blen, plain, sizeof(plain),
				    &len) != 0) {
			r = fail(x, line_of(ev), "%s",
				 "EncryptedValue does not decrypt (bad padding): a damaged file");
			goto out;
		}
	}
	if (len < SECRET_MIN || len > OG_SECRET_MAX) {
		r = fail(x, line_of(s), "secret is %zu bytes; it must be %d to %d", len,
			 SECRET_MIN, OG_SECRET_MAX);
		goto out;
	}
	memcpy(k->secret, plain, len);
	k->secret_len = len;
	r = 0;
out:
	OPENSSL_cleanse(blob, sizeof(blob));
	OPENSSL_cleanse(plain, sizeof(plain));
	return r;
}

/* Data/<name>/PlainValue as an integer in lo..hi; dflt when absent. */
static int data_int(struct pskc_ctx *x, const xmlNode *data, const char *name,
		    int64_t lo, int64_t hi, int64_t dflt, int64_t *out)
{
	const xmlNode *e = child(data, NS_PSKC, name), *pv;
	char text[TEXT_MAX];

	*out = dflt;
	if (e == NULL)
		return 0;
	if ((pv = child(e, NS_PSKC, "PlainValue")) == NULL)
		return fail(x, line_of(e), "%s has no PlainValue (an encrypted %s is not "
			    "supported)", name, name);
	if (node_text(pv, text, sizeof(text), 0) != 0 ||
	    og_parse_int(text, lo, hi, out) != OG_OK)
		return fail(x, line_of(pv), "%s '%.32s' is not a number from %lld to %lld", name,
			    text, (long long)lo, (long long)hi);
	return 0;
}

/* AlgorithmParameters: ResponseFormat (digits) and Suite (hash). */
static int key_params(struct pskc_ctx *x, const xmlNode *key, struct og_pskc_key *k)
{
	const xmlNode *ap = child(key, NS_PSKC, "AlgorithmParameters");
	const xmlNode *rf = child(ap, NS_PSKC, "ResponseFormat");
	const xmlNode *su = child(ap, NS_PSKC, "Suite");
	const char *len, *enc;
	char text[TEXT_MAX], *p = text;

	if (rf == NULL || (len = attr(rf, "Length")) == NULL)
		return fail(x, k->line, "%s", "Key has no AlgorithmParameters/ResponseFormat "
			    "Length (the number of digits)");
	enc = attr(rf, "Encoding");
	if (enc != NULL && strcmp(enc, "DECIMAL") != 0)
		return fail(x, line_of(rf), "ResponseFormat Encoding '%.32s' is not DECIMAL", enc);
	if (og_otp_digits_parse(len, &k->params.digits) != OG_OK)
		return fail(x, line_of(rf), "ResponseFormat Length '%.32s' is not 6 or 8", len);
	k->params.algo = OG_SHA1;
	if (su == NULL)
		return 0;
	if (node_text(su, text, sizeof(text), 0) != 0)
		return fail(x, line_of(su), "%s", "Suite is too long");
	if (strncasecmp(p, "HMAC-", 5) == 0)
		p += 5;
	if (strcasecmp(p, "SHA-1") == 0 || strcasecmp(p, "SHA-256") == 0 ||
	    strcasecmp(p, "SHA-512") == 0)
		memmove(p + 3, p + 4, strlen(p + 4) + 1);
	if (og_algo_parse(p, &k->params.algo) != OG_OK)
		return fail(x, line_of(su), "Suite '%.32s' is not HMAC-SHA1, HMAC-SHA256 or "
			    "HMAC-SHA512", text);
	return 0;
}

/* DeviceInfo/SerialNo of the package, else the Key's Id. */
static int key_serial(struct pskc_ctx *x, const xmlNode *pkg, const xmlNode *key,
		      struct og_pskc_key *k)
{
	const xmlNode *sn = child(child(pkg, NS_PSKC, "DeviceInfo"), NS_PSKC, "SerialNo");
	const char *id = attr(key, "Id");
	char text[TEXT_MAX];

	if (sn != NULL && node_text(sn, text, sizeof(text), 0) != 0)
		return fail(x, line_of(sn), "%s", "SerialNo is too long");
	if (sn == NULL || text[0] == '\0') {
		if (id == NULL)
			return fail(x, k->line, "%s", "Key has no DeviceInfo/SerialNo and no Id");
		if (og_copy(text, sizeof(text), id) != OG_OK)
			return fail(x, k->line, "%s", "Key Id is too long");
	}
	if (!og_is_safe_name(text, sizeof(k->serial) - 1))
		return fail(x, sn != NULL ? line_of(sn) : k->line,
			    "serial '%.64s' is not valid (1 to %zu of A-Z a-z 0-9 . _ @ + -, not "
			    "starting with -)",
			    text, sizeof(k->serial) - 1);
	return og_copy(k->serial, sizeof(k->serial), text) == OG_OK ? 0 : -1;
}

static int parse_key(struct pskc_ctx *x, const xmlNode *pkg, const xmlNode *key,
		     struct og_pskc_key *k)
{
	const char *alg = attr(key, "Algorithm");
	const xmlNode *data = child(key, NS_PSKC, "Data");
	int64_t period, t0;

	k->line = line_of(key);
	if (alg == NULL)
		return fail(x, k->line, "%s", "Key has no Algorithm");
	if (strcmp(alg, ALG_HOTP) == 0)
		return fail(x, k->line, "%s", "HOTP tokens are not supported (otpgate is TOTP "
			    "only)");
	if (strcmp(alg, ALG_TOTP) != 0)
		return fail(x, k->line, "Algorithm '%.80s' is not supported (only %s)", alg,
			    ALG_TOTP);
	k->totp = 1;
	if (key_serial(x, pkg, key, k) != 0 || key_params(x, key, k) != 0)
		return -1;
	if (data == NULL)
		return fail(x, k->line, "%s", "Key has no Data/Secret");
	if (data_int(x, data, "TimeInterval", 1, 86400, 30, &period) != 0 ||
	    data_int(x, data, "Time", 0, T0_MAX, 0, &t0) != 0)
		return -1;
	if (!og_otp_period_ok(period))
		return fail(x, line_of(child(data, NS_PSKC, "TimeInterval")),
			    "TimeInterval %lld is not 30 or 60", (long long)period);
	k->params.period = (int)period;
	k->params.t0 = t0;
	return key_secret(x, data, k);
}

/* The container's EncryptionKey, when there is one, must name a pre-shared key. */
static int check_encryption_key(struct pskc_ctx *x)
{
	const xmlNode *ek = child(x->root, NS_PSKC, "EncryptionKey");

	if (ek == NULL || child(ek, NS_DS, "KeyName") != NULL)
		return 0;
	for (const xmlNode *c = ek->children; c != NULL; c = c->next)
		if (c->type == XML_ELEMENT_NODE && xmlStrEqual(c->name, BAD_CAST "DerivedKey"))
			return fail(x, line_of(ek), "%s", "password-based (PBKDF2) encryption is "
				    "not supported: ask the vendor for a pre-shared-key file");
	for (const xmlNode *c = ek->children; c != NULL; c = c->next)
		if (c->type == XML_ELEMENT_NODE)
			return fail(x, line_of(ek), "%s", "only pre-shared-key (ds:KeyName) "
				    "encryption is supported");
	return 0;
}

/* Wipes every text in the tree (the base64 secrets among them). */
static void wipe_tree(xmlDoc *doc, xmlNode *n)
{
	for (; n != NULL; n = n->next) {
		if ((n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) &&
		    n->content != NULL && (doc->dict == NULL || !xmlDictOwns(doc->dict,
									 n->content)))
			OPENSSL_cleanse(n->content, strlen((const char *)n->content));
		if (n->type == XML_ELEMENT_NODE)
			wipe_tree(doc, n->children);
	}
}

/* Reads path whole into a malloc'd buffer, refusing non-files and big files. */
static int read_all(struct pskc_ctx *x, char **out, size_t *outlen)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0, cap;
	int fd, r = -1;

	if ((fd = open(x->path, O_RDONLY | O_CLOEXEC)) < 0)
		return fail(x, 0, "cannot open: %s", strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		r = fail(x, 0, "%s", "not a regular file");
		goto out;
	}
	if (st.st_size > OG_PSKC_FILE_MAX) {
		r = fail(x, 0, "file is larger than %ld MiB", OG_PSKC_FILE_MAX >> 20);
		goto out;
	}
	cap = (size_t)st.st_size + 1;
	if ((buf = malloc(cap)) == NULL) {
		r = fail(x, 0, "%s", "out of memory");
		goto out;
	}
	for (;;) {
		ssize_t n = read(fd, buf + len, cap - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = fail(x, 0, "read failed: %s", strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len == cap) {
			r = fail(x, 0, "%s", "file grew while being read");
			goto out;
		}
	}
	*out = buf;
	*outlen = len;
	buf = NULL;
	r = 0;
out:
	if (buf != NULL) {
		OPENSSL_cleanse(buf, cap);
		free(buf);
	}
	close(fd);
	return r;
}

static xmlParserInputPtr deny_loader(const char *url, const char *id, xmlParserCtxtPtr ctxt)
{
	(void)url;
	(void)id;
	(void)ctxt;
	return NULL;
}

/* Parses buf: no network, no entities substituted, nothing external loaded. */
static xmlDoc *parse_xml(struct pskc_ctx *x, const char *buf, size_t len)
{
	const int opts = XML_PARSE_NONET | XML_PARSE_NODICT | XML_PARSE_BIG_LINES |
			 XML_PARSE_NOERROR | XML_PARSE_NOWARNING;
	xmlExternalEntityLoader old = xmlGetExternalEntityLoader();
	xmlParserCtxt *ctxt = xmlNewParserCtxt();
	xmlDoc *doc = NULL;
	const xmlError *e;

	if (ctxt == NULL) {
		fail(x, 0, "%s", "out of memory");
		return NULL;
	}
	xmlSetExternalEntityLoader(deny_loader);
	doc = xmlCtxtReadMemory(ctxt, buf, (int)len, x->path, NULL, opts);
	xmlSetExternalEntityLoader(old);
	if (doc == NULL || !ctxt->wellFormed) {
		e = xmlCtxtGetLastError(ctxt);
		fail(x, e != NULL && e->line > 0 ? e->line : 0, "not well-formed XML: %.160s",
		     e != NULL && e->message != NULL ? e->message : "parse failed");
		if (doc != NULL) {
			wipe_tree(doc, doc->children);
			xmlFreeDoc(doc);
			doc = NULL;
		}
	}
	xmlFreeParserCtxt(ctxt);
	return doc;
}

/* Counts the KeyPackage/Key elements and checks the container. */
static long count_keys(struct pskc_ctx *x, xmlDoc *doc)
{
	long n = 0;

	if (doc->intSubset != NULL || doc->extSubset != NULL)
		return fail(x, doc->intSubset != NULL ? line_of((xmlNode *)doc->intSubset) : 0,
			    "%s", "a DOCTYPE is not allowed in a PSKC file");
	if ((x->root = xmlDocGetRootElement(doc)) == NULL ||
	    !is_el(x->root, NS_PSKC, "KeyContainer"))
		return fail(x, line_of(x->root), "%s", "not a PSKC file (the root element is "
			    "not KeyContainer in urn:ietf:params:xml:ns:keyprov:pskc)");
	if (check_encryption_key(x) != 0)
		return -1;
	for (xmlNode *p = x->root->children; p != NULL; p = p->next)
		if (is_el(p, NS_PSKC, "KeyPackage"))
			for (xmlNode *k = p->children; k != NULL; k = k->next)
				n += is_el(k, NS_PSKC, "Key");
	if (n == 0)
		return fail(x, line_of(x->root), "%s", "the file holds no KeyPackage/Key");
	return n;
}

/* Parses the document in buf and hands every key to cb once all are checked. */
static int parse_doc(struct pskc_ctx *x, const char *buf, size_t len, og_pskc_cb cb, void *arg)
{
	struct og_pskc_key *keys = NULL;
	xmlDoc *doc = parse_xml(x, buf, len);
	long n = 0, i = 0;
	int r = -1;

	if (doc == NULL || (n = count_keys(x, doc)) < 0)
		goto out;
	if ((keys = calloc((size_t)n, sizeof(*keys))) == NULL) {
		fail(x, 0, "%s", "out of memory");
		goto out;
	}
	for (xmlNode *p = x->root->children; p != NULL; p = p->next) {
		if (!is_el(p, NS_PSKC, "KeyPackage"))
			continue;
		for (xmlNode *k = p->children; k != NULL; k = k->next)
			if (is_el(k, NS_PSKC, "Key") && parse_key(x, p, k, &keys[i++]) != 0)
				goto out;
	}
	for (i = 0; i < n; i++) {
		if (cb(arg, &keys[i]) != 0) {
			fail(x, keys[i].line, "key '%s' was not imported", keys[i].serial);
			goto out;
		}
	}
	r = 0;
out:
	if (keys != NULL) {
		OPENSSL_cleanse(keys, (size_t)n * sizeof(*keys));
		free(keys);
	}
	OPENSSL_cleanse(x->mackey, sizeof(x->mackey));
	if (doc != NULL) {
		wipe_tree(doc, doc->children);
		xmlFreeDoc(doc);
	}
	return r;
}

/* Sets up x for name; -1 (err set) when the pre-shared key has the wrong length. */
static int ctx_init(struct pskc_ctx *x, const char *name, const unsigned char *psk,
		    size_t psklen, char *err, size_t errlen)
{
	memset(x, 0, sizeof(*x));
	x->path = name;
	x->err = err;
	x->errlen = errlen;
	x->psk = psk;
	if (errlen > 0)
		err[0] = '\0';
	if (psk != NULL && psklen != PSKC_PSK_LEN)
		return fail(x, 0, "the pre-shared key must be %d bytes (%d hex digits) for "
			    "aes128-cbc", PSKC_PSK_LEN, 2 * PSKC_PSK_LEN);
	return 0;
}

int og_pskc_parse(const char *path, const unsigned char *psk, size_t psklen,
		  og_pskc_cb cb, void *arg, char *err, size_t errlen)
{
	struct pskc_ctx x;
	char *buf = NULL;
	size_t len = 0;
	int r;

	if (ctx_init(&x, path, psk, psklen, err, errlen) != 0 || read_all(&x, &buf, &len) != 0)
		return -1;
	r = parse_doc(&x, buf, len, cb, arg);
	OPENSSL_cleanse(buf, len);
	free(buf);
	return r;
}

int og_pskc_parse_mem(const char *name, const char *buf, size_t len,
		      const unsigned char *psk, size_t psklen, og_pskc_cb cb, void *arg,
		      char *err, size_t errlen)
{
	struct pskc_ctx x;

	if (ctx_init(&x, name, psk, psklen, err, errlen) != 0)
		return -1;
	if (len > OG_PSKC_FILE_MAX)
		return fail(&x, 0, "file is larger than %ld MiB", OG_PSKC_FILE_MAX >> 20);
	return parse_doc(&x, buf, len, cb, arg);
}

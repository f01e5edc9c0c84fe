/*
 * pskc.c: RFC 6030 PSKC files (KeyContainer/KeyPackage/Key) as token
 * vendors ship them: every key with its kind, algorithm, parameters, data
 * (Secret, Counter, Time, TimeInterval, TimeDrift; plain or encrypted, see
 * pskc_crypto.c) and a serial unique in the file. The whole file is
 * checked before anything is handed back, so a bad file gives nothing.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "err.h"
#include "pskc_int.h"
#include "util.h"

#define SECRET_MIN 10

static const char ALG_TOTP[] = "urn:ietf:params:xml:ns:keyprov:pskc:totp";
static const char ALG_HOTP[] = "urn:ietf:params:xml:ns:keyprov:pskc:hotp";

/* s as a decimal integer with an optional '-', within lo..hi. */
static int parse_signed(const char *s, int64_t lo, int64_t hi, int64_t *out)
{
	int64_t v;

	if (s[0] != '-')
		return og_parse_int(s, lo > 0 ? lo : 0, hi, out);
	if (lo >= 0 || og_parse_int(s + 1, 0, -lo, &v) != OG_OK)
		return OG_ERR_INVALID;
	*out = -v;
	return OG_OK;
}

/*
 * A decrypted integer: its decimal text (an optional '-' and digits) or,
 * failing that, its big-endian bytes (1 to 8), within lo..hi.
 */
static int bytes_int(const unsigned char *b, size_t n, int64_t lo, int64_t hi, int64_t *out)
{
	char text[24];
	uint64_t v = 0;
	size_t digits = 0;

	if (n == 0)
		return OG_ERR_INVALID;
	for (size_t i = b[0] == '-' ? 1 : 0; i < n && b[i] >= '0' && b[i] <= '9'; i++)
		digits++;
	if (digits > 0 && digits + (b[0] == '-') == n && n < sizeof(text)) {
		memcpy(text, b, n);
		text[n] = '\0';
		return parse_signed(text, lo, hi, out);
	}
	if (n > 8)
		return OG_ERR_INVALID;
	for (size_t i = 0; i < n; i++)
		v = v << 8 | b[i];
	if (v > (uint64_t)INT64_MAX || (int64_t)v < lo || (int64_t)v > hi)
		return OG_ERR_INVALID;
	*out = (int64_t)v;
	return OG_OK;
}

/* Data/<name> as an integer in lo..hi (left as it is when absent). */
static int data_int(struct pskc_ctx *x, const xmlNode *data, const char *name, long keyline,
		    int64_t lo, int64_t hi, int64_t *out, int *present)
{
	const xmlNode *e = pskc_child(data, PSKC_NS, name);
	const xmlNode *pv = pskc_child(e, PSKC_NS, "PlainValue");
	const xmlNode *ev = pskc_child(e, PSKC_NS, "EncryptedValue");
	unsigned char plain[PSKC_VALUE_MAX];
	char text[PSKC_TEXT_MAX];
	int n, r = 0;

	if (present != NULL)
		*present = e != NULL;
	if (e == NULL)
		return 0;
	if ((pv == NULL) == (ev == NULL))
		return pskc_fail(x, pskc_line(e), "%s must hold exactly one of PlainValue and "
				 "EncryptedValue", name);
	if (pv != NULL) {
		if (pskc_text(pv, text, sizeof(text), 0) != 0 ||
		    parse_signed(text, lo, hi, out) != OG_OK)
			r = pskc_fail(x, pskc_line(pv), "%s '%.32s' is not a number from %lld to "
				      "%lld", name, text, (long long)lo, (long long)hi);
		return r;
	}
	if ((n = pskc_decrypt_value(x, e, name, keyline, plain, sizeof(plain))) < 0)
		return -1;
	if (bytes_int(plain, (size_t)n, lo, hi, out) != OG_OK)
		r = pskc_fail(x, pskc_line(ev), "encrypted %s (%d bytes) is not a number from %lld "
			      "to %lld", name, n, (long long)lo, (long long)hi);
	OPENSSL_cleanse(plain, sizeof(plain));
	return r;
}

/* Data/Secret: PlainValue, or EncryptedValue (ValueMAC checked first). */
static int key_secret(struct pskc_ctx *x, const xmlNode *data, struct og_pskc_key *k)
{
	unsigned char plain[PSKC_VALUE_MAX];
	const xmlNode *s = pskc_child(data, PSKC_NS, "Secret"), *pv, *ev;
	int len, r = -1;

	if (s == NULL)
		return pskc_fail(x, k->line, "%s", "Key has no Data/Secret");
	pv = pskc_child(s, PSKC_NS, "PlainValue");
	ev = pskc_child(s, PSKC_NS, "EncryptedValue");
	if ((pv == NULL) == (ev == NULL))
		return pskc_fail(x, pskc_line(s), "%s",
				 "Secret must hold exactly one of PlainValue and EncryptedValue");
	if (pv != NULL)
		len = pskc_b64(x, pv, "Secret PlainValue", plain, sizeof(plain));
	else
		len = pskc_decrypt_value(x, s, "Secret", k->line, plain, sizeof(plain));
	if (len < 0)
		goto out;
	if (len < SECRET_MIN || len > OG_SECRET_MAX) {
		r = pskc_fail(x, pskc_line(s), "secret is %d bytes; it must be %d to %d", len,
			      SECRET_MIN, OG_SECRET_MAX);
		goto out;
	}
	memcpy(k->secret, plain, (size_t)len);
	k->secret_len = (size_t)len;
	r = 0;
out:
	OPENSSL_cleanse(plain, sizeof(plain));
	return r;
}

/* Data: the secret and the integers; TOTP's time step is 30 or 60. */
static int key_data(struct pskc_ctx *x, const xmlNode *key, struct og_pskc_key *k)
{
	const xmlNode *data = pskc_child(key, PSKC_NS, "Data");
	int64_t period = 30;

	if (data == NULL)
		return pskc_fail(x, k->line, "%s", "Key has no Data/Secret");
	if (key_secret(x, data, k) != 0 ||
	    data_int(x, data, "Counter", k->line, 0, INT64_MAX, &k->counter, NULL) != 0 ||
	    data_int(x, data, "Time", k->line, 0, INT32_MAX, &k->time, &k->has_time) != 0 ||
	    data_int(x, data, "TimeInterval", k->line, 1, INT32_MAX, &period, NULL) != 0 ||
	    data_int(x, data, "TimeDrift", k->line, INT32_MIN, INT32_MAX, &k->drift, NULL) != 0)
		return -1;
	if (k->kind == OG_PSKC_TOTP && !og_otp_period_ok(period))
		return pskc_fail(x, pskc_line(pskc_child(data, PSKC_NS, "TimeInterval")),
				 "TimeInterval %lld is not 30 or 60", (long long)period);
	k->params.period = k->kind == OG_PSKC_TOTP ? (int)period : 30;
	k->params.t0 = 0;	/* PSKC carries no T0 (Time is not one): RFC 6238's 0 */
	k->params.otp_kind = k->kind == OG_PSKC_HOTP ? OG_OTP_HOTP : OG_OTP_TOTP;
	return 0;
}

/* AlgorithmParameters: ResponseFormat (digits) and Suite (hash). */
static int key_params(struct pskc_ctx *x, const xmlNode *key, struct og_pskc_key *k)
{
	const xmlNode *ap = pskc_child(key, PSKC_NS, "AlgorithmParameters");
	const xmlNode *rf = pskc_child(ap, PSKC_NS, "ResponseFormat");
	const xmlNode *su = pskc_child(ap, PSKC_NS, "Suite");
	const char *len, *enc;
	char text[PSKC_TEXT_MAX], *p = text;

	if (rf == NULL || (len = pskc_attr(rf, "Length")) == NULL)
		return pskc_fail(x, k->line, "%s", "Key has no AlgorithmParameters/ResponseFormat "
				 "Length (the number of digits)");
	enc = pskc_attr(rf, "Encoding");
	if (enc != NULL && strcmp(enc, "DECIMAL") != 0)
		return pskc_fail(x, pskc_line(rf), "ResponseFormat Encoding '%.32s' is not DECIMAL",
				 enc);
	if (og_otp_digits_parse(len, &k->params.digits) != OG_OK)
		return pskc_fail(x, pskc_line(rf), "ResponseFormat Length '%.32s' is not 6 or 8", len);
	k->params.algo = OG_SHA1;
	if (su == NULL)
		return 0;
	if (pskc_text(su, text, sizeof(text), 0) != 0)
		return pskc_fail(x, pskc_line(su), "%s", "Suite is too long");
	if (strncasecmp(p, "HMAC-", 5) == 0)
		p += 5;
	if (strcasecmp(p, "SHA-1") == 0 || strcasecmp(p, "SHA-256") == 0 ||
	    strcasecmp(p, "SHA-512") == 0)
		memmove(p + 3, p + 4, strlen(p + 4) + 1);
	if (og_algo_parse(p, &k->params.algo) != OG_OK)
		return pskc_fail(x, pskc_line(su), "Suite '%.32s' is not HMAC-SHA1, HMAC-SHA256 or "
				 "HMAC-SHA512", text);
	return 0;
}

/*
 * The package's DeviceInfo/SerialNo (which must be a valid serial) and the
 * Key's Id (kept when it is one); the serial itself is set by name_keys.
 */
static int key_ids(struct pskc_ctx *x, const xmlNode *pkg, const xmlNode *key,
		   struct og_pskc_key *k)
{
	const xmlNode *sn = pskc_child(pskc_child(pkg, PSKC_NS, "DeviceInfo"), PSKC_NS, "SerialNo");
	const char *id = pskc_attr(key, "Id");
	char text[PSKC_TEXT_MAX] = "";

	if (sn != NULL && pskc_text(sn, text, sizeof(text), 0) != 0)
		return pskc_fail(x, pskc_line(sn), "%s", "SerialNo is too long");
	if (text[0] != '\0' && !og_is_safe_name(text, OG_PSKC_SERIAL_MAX))
		return pskc_fail(x, pskc_line(sn), "serial '%.64s' is not valid (1 to %d of A-Z "
				 "a-z 0-9 . _ @ + -, not starting with -)", text,
				 OG_PSKC_SERIAL_MAX);
	og_copy(k->device_serial, sizeof(k->device_serial), text);
	if (id != NULL && og_is_safe_name(id, OG_PSKC_SERIAL_MAX))
		og_copy(k->key_id, sizeof(k->key_id), id);
	return 0;
}

static int parse_key(struct pskc_ctx *x, const xmlNode *pkg, const xmlNode *key,
		     struct og_pskc_key *k)
{
	const char *alg = pskc_attr(key, "Algorithm");

	k->line = pskc_line(key);
	if (key_ids(x, pkg, key, k) != 0)
		return -1;
	pskc_quote(k->algorithm, sizeof(k->algorithm), alg != NULL ? alg : "");
	if (alg != NULL && strcmp(alg, ALG_TOTP) == 0)
		k->kind = OG_PSKC_TOTP;
	else if (alg != NULL && strcmp(alg, ALG_HOTP) == 0)
		k->kind = OG_PSKC_HOTP;
	else
		k->kind = OG_PSKC_OTHER;	/* named, not read: the importer skips it or refuses */
	if (k->kind == OG_PSKC_OTHER)
		return 0;
	return key_params(x, key, k) != 0 || key_data(x, key, k) != 0 ? -1 : 0;
}

static int by_device(const void *a, const void *b, void *arg)
{
	const struct og_pskc_key *keys = arg, *p = &keys[*(const size_t *)a];
	const struct og_pskc_key *q = &keys[*(const size_t *)b];
	int c = strcmp(p->device_serial, q->device_serial);

	return c != 0 ? c : (p->line > q->line) - (p->line < q->line);
}

static int by_serial(const void *a, const void *b, void *arg)
{
	const struct og_pskc_key *keys = arg, *p = &keys[*(const size_t *)a];
	const struct og_pskc_key *q = &keys[*(const size_t *)b];
	int c = strcmp(p->serial, q->serial);

	return c != 0 ? c : (p->line > q->line) - (p->line < q->line);
}

/* The serial of k; shared: other keys of the file have its device serial. */
static int serial_of(struct pskc_ctx *x, struct og_pskc_key *k, int shared)
{
	int n;

	if (k->device_serial[0] != '\0' && !shared)
		return og_copy(k->serial, sizeof(k->serial), k->device_serial) == OG_OK ? 0 : -1;
	if (k->key_id[0] == '\0' && k->device_serial[0] == '\0')
		return pskc_fail(x, k->line, "%s", "Key has no DeviceInfo/SerialNo and no valid Id "
				 "(1 to 64 of A-Z a-z 0-9 . _ @ + -) to name it by");
	if (k->key_id[0] == '\0')
		return pskc_fail(x, k->line, "device '%s' holds several keys, and this one has no "
				 "valid Id (1 to 64 of A-Z a-z 0-9 . _ @ + -) to tell it by",
				 k->device_serial);
	if (k->device_serial[0] == '\0')
		return og_copy(k->serial, sizeof(k->serial), k->key_id) == OG_OK ? 0 : -1;
	n = snprintf(k->serial, sizeof(k->serial), "%s-%s", k->device_serial, k->key_id);
	if (n < 0 || (size_t)n >= sizeof(k->serial))
		return pskc_fail(x, k->line, "the serial of key '%s' of device '%s' (serial, '-' "
				 "and key Id) is longer than %d characters", k->key_id,
				 k->device_serial, OG_PSKC_SERIAL_MAX);
	return 0;
}

/*
 * Gives every key its serial (see pskc.h) and refuses a serial that two
 * keys would share.
 */
static int name_keys(struct pskc_ctx *x, struct og_pskc_key *keys, size_t n)
{
	size_t *idx = calloc(n, sizeof(*idx)), i, j;
	int r = -1;

	if (idx == NULL)
		return pskc_fail(x, 0, "%s", "out of memory");
	for (i = 0; i < n; i++)
		idx[i] = i;
	qsort_r(idx, n, sizeof(*idx), by_device, keys);
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && strcmp(keys[idx[i]].device_serial,
						 keys[idx[j]].device_serial) == 0; j++)
			;
		for (size_t m = i; m < j; m++)
			if (serial_of(x, &keys[idx[m]], j - i > 1) != 0)
				goto out;
	}
	qsort_r(idx, n, sizeof(*idx), by_serial, keys);
	for (i = 1; i < n; i++)
		if (strcmp(keys[idx[i]].serial, keys[idx[i - 1]].serial) == 0) {
			pskc_fail(x, keys[idx[i]].line, "serial '%s' is the serial of the key on line "
				  "%ld too", keys[idx[i]].serial, keys[idx[i - 1]].line);
			goto out;
		}
	r = 0;
out:
	free(idx);
	return r;
}

/* Checks the container and counts its KeyPackage/Key elements. */
static long count_keys(struct pskc_ctx *x, xmlDoc *doc)
{
	const char *version;
	long n = 0;

	if (doc->intSubset != NULL || doc->extSubset != NULL)
		return pskc_fail(x, doc->intSubset != NULL ? pskc_line((xmlNode *)doc->intSubset) : 0,
				 "%s", "a DOCTYPE is not allowed in a PSKC file");
	if ((x->root = xmlDocGetRootElement(doc)) == NULL ||
	    !pskc_is_el(x->root, PSKC_NS, "KeyContainer"))
		return pskc_fail(x, pskc_line(x->root), "%s", "not a PSKC file (the root element is "
				 "not KeyContainer in urn:ietf:params:xml:ns:keyprov:pskc)");
	if ((version = pskc_attr(x->root, "Version")) == NULL)
		return pskc_fail(x, pskc_line(x->root), "%s", "KeyContainer has no Version (a PSKC "
				 "1.0 file says Version=\"1.0\")");
	if (strcmp(version, "1.0") != 0)
		return pskc_fail(x, pskc_line(x->root), "PSKC Version '%.16s' is not supported "
				 "(only 1.0)", version);
	if (pskc_check_encryption_key(x) != 0)
		return -1;
	for (xmlNode *p = x->root->children; p != NULL; p = p->next)
		if (pskc_is_el(p, PSKC_NS, "KeyPackage"))
			for (xmlNode *k = p->children; k != NULL; k = k->next)
				n += pskc_is_el(k, PSKC_NS, "Key");
	if (n == 0)
		return pskc_fail(x, pskc_line(x->root), "%s", "the file holds no KeyPackage/Key");
	return n;
}

static void free_keys(struct og_pskc_key *keys, size_t n)
{
	if (keys == NULL)
		return;
	OPENSSL_cleanse(keys, n * sizeof(*keys));
	free(keys);
}

/* Parses the document in buf into out once every key is checked. */
static int parse_doc(struct pskc_ctx *x, const char *buf, size_t len, struct og_pskc_file *out)
{
	struct og_pskc_key *keys = NULL;
	xmlDoc *doc = pskc_parse_xml(x, buf, len);
	long n = 0, i = 0;
	int r = -1;

	if (doc == NULL || (n = count_keys(x, doc)) < 0)
		goto out;
	if ((keys = calloc((size_t)n, sizeof(*keys))) == NULL) {
		pskc_fail(x, 0, "%s", "out of memory");
		goto out;
	}
	for (xmlNode *p = x->root->children; p != NULL; p = p->next) {
		if (!pskc_is_el(p, PSKC_NS, "KeyPackage"))
			continue;
		for (xmlNode *k = p->children; k != NULL; k = k->next)
			if (pskc_is_el(k, PSKC_NS, "Key") && parse_key(x, p, k, &keys[i++]) != 0)
				goto out;
	}
	if (name_keys(x, keys, (size_t)n) != 0)
		goto out;
	out->keys = keys;
	out->n = (size_t)n;
	keys = NULL;
	r = 0;
out:
	free_keys(keys, n > 0 ? (size_t)n : 0);
	pskc_wipe_keys(x);
	pskc_free_doc(doc);
	return r;
}

static void ctx_init(struct pskc_ctx *x, const char *name, const struct og_pskc_cred *cred,
		     struct og_pskc_file *out, char *err, size_t errlen)
{
	memset(x, 0, sizeof(*x));
	x->path = name;
	x->err = err;
	x->errlen = errlen;
	if (cred != NULL)
		x->cred = *cred;
	if (errlen > 0)
		err[0] = '\0';
	out->n = 0;
	out->keys = NULL;
}

int og_pskc_read(const char *path, const struct og_pskc_cred *cred, struct og_pskc_file *out,
		 char *err, size_t errlen)
{
	struct pskc_ctx x;
	char *buf = NULL;
	size_t len = 0;
	int r;

	ctx_init(&x, path, cred, out, err, errlen);
	if (pskc_read_file(&x, &buf, &len) != 0)
		return -1;
	r = parse_doc(&x, buf, len, out);
	OPENSSL_cleanse(buf, len);
	free(buf);
	return r;
}

int og_pskc_read_mem(const char *name, const char *buf, size_t len,
		     const struct og_pskc_cred *cred, struct og_pskc_file *out, char *err,
		     size_t errlen)
{
	struct pskc_ctx x;

	ctx_init(&x, name, cred, out, err, errlen);
	if (len > OG_PSKC_FILE_MAX)
		return pskc_fail(&x, 0, "file is larger than %ld MiB", OG_PSKC_FILE_MAX >> 20);
	return parse_doc(&x, buf, len, out);
}

void og_pskc_free(struct og_pskc_file *f)
{
	free_keys(f->keys, f->n);
	f->keys = NULL;
	f->n = 0;
}

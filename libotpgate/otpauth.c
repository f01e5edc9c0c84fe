/* otpauth.c: build and parse otpauth://totp/ and otpauth://hotp/ URIs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <openssl/crypto.h>

#include "base32.h"
#include "err.h"
#include "otpauth.h"
#include "util.h"

static int is_unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
}

/* Appends s percent-encoded at out[*o]; OG_ERR_INVALID if it does not fit. */
static int pct_append(char *out, size_t cap, size_t *o, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*o + 4 > cap)
			return OG_ERR_INVALID;
		if (is_unreserved(*p)) {
			out[(*o)++] = (char)*p;
		} else {
			out[(*o)++] = '%';
			out[(*o)++] = hex[*p >> 4];
			out[(*o)++] = hex[*p & 15];
		}
	}
	out[*o] = '\0';
	return OG_OK;
}

static int raw_append(char *out, size_t cap, size_t *o, const char *s)
{
	size_t n = strlen(s);

	if (*o + n + 1 > cap)
		return OG_ERR_INVALID;
	memcpy(out + *o, s, n + 1);
	*o += n;
	return OG_OK;
}

/*
 * 1 if og_otpauth_parse reads u back as it is: the label is ISSUER:ACCOUNT
 * split at the first colon (so none in the issuer) with the spaces after
 * it dropped (so the account is not empty and starts with none), and the
 * secret and parameters are ones it accepts.
 */
static int readable(const struct og_otpauth *u)
{
	return strchr(u->issuer, ':') == NULL && u->account[0] != '\0' && u->account[0] != ' ' &&
	       u->secret_len >= 10 && u->secret_len <= OG_SECRET_MAX && og_otp_params_ok(&u->params) &&
	       (u->params.otp_kind != OG_OTP_HOTP || og_hotp_counter_ok(u->counter));
}

/* What follows the issuer: the parameters of the URI's type. */
static void type_tail(const struct og_otpauth *u, char *out, size_t cap)
{
	if (u->params.otp_kind == OG_OTP_HOTP)
		snprintf(out, cap, "&algorithm=%s&digits=%d&counter=%lld",
			 og_algo_name(u->params.algo), u->params.digits, (long long)u->counter);
	else
		snprintf(out, cap, "&algorithm=%s&digits=%d&period=%d",
			 og_algo_name(u->params.algo), u->params.digits, u->params.period);
}

int og_otpauth_build(const struct og_otpauth *u, char *out, size_t cap)
{
	char secret[OG_SECRET_MAX * 2], tail[96], scheme[32];
	size_t o = 0;
	int r;

	if (!readable(u) || og_base32_encode(u->secret, u->secret_len, secret, sizeof(secret)) < 0)
		return OG_ERR_INVALID;
	type_tail(u, tail, sizeof(tail));
	snprintf(scheme, sizeof(scheme), "otpauth://%s/", og_otp_kind_name(u->params.otp_kind));
	if ((r = raw_append(out, cap, &o, scheme)) != 0 ||
	    (r = pct_append(out, cap, &o, u->issuer)) != 0 ||
	    (r = raw_append(out, cap, &o, ":")) != 0 ||
	    (r = pct_append(out, cap, &o, u->account)) != 0 ||
	    (r = raw_append(out, cap, &o, "?secret=")) != 0 ||
	    (r = raw_append(out, cap, &o, secret)) != 0 ||
	    (r = raw_append(out, cap, &o, "&issuer=")) != 0 ||
	    (r = pct_append(out, cap, &o, u->issuer)) != 0 ||
	    (r = raw_append(out, cap, &o, tail)) != 0)
		goto out;
	r = (int)o;
out:
	OPENSSL_cleanse(secret, sizeof(secret));
	return r;
}

/* Percent-decodes in[0..len) into out (cap incl. NUL); rejects NUL bytes. */
static int pct_decode(const char *in, size_t len, char *out, size_t cap)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		if (c == '%') {
			char h[3] = { 0 };
			unsigned char v;
			if (i + 2 >= len)
				return OG_ERR_INVALID;
			h[0] = in[i + 1];
			h[1] = in[i + 2];
			if (og_hex_decode(h, &v, 1) != 1 || v == 0)
				return OG_ERR_INVALID;
			c = v;
			i += 2;
		} else if (c == '+') {
			c = ' ';
		}
		if (o + 1 >= cap)
			return OG_ERR_INVALID;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return OG_OK;
}

/* The parameters of one type only: an hotp URI's counter, a totp URI's period. */
static int parse_type_param(struct og_otpauth *u, const char *key, size_t klen, const char *v,
			    int *have_counter)
{
	int hotp = u->params.otp_kind == OG_OTP_HOTP;

	if (klen == 7 && strncmp(key, "counter", 7) == 0 && hotp) {
		*have_counter = 1;
		return og_hotp_counter_parse(v, &u->counter);
	}
	if (klen == 6 && strncmp(key, "period", 6) == 0 && !hotp)
		return og_otp_period_parse(v, &u->params.period);
	/* other parameters (image, ...) are ignored, as apps do */
	return OG_OK;
}

static int parse_param(struct og_otpauth *u, const char *key, size_t klen,
		       const char *val, size_t vlen, int *have_secret, int *have_counter)
{
	char v[256];

	if (pct_decode(val, vlen, v, sizeof(v)) != OG_OK)
		return OG_ERR_INVALID;
	if (klen == 6 && strncmp(key, "secret", 6) == 0) {
		int len = og_base32_decode(v, u->secret, sizeof(u->secret));
		OPENSSL_cleanse(v, sizeof(v));
		if (len < 10)
			return OG_ERR_INVALID;	/* fewer than 80 bits is not a secret */
		u->secret_len = (size_t)len;
		*have_secret = 1;
	} else if (klen == 6 && strncmp(key, "issuer", 6) == 0) {
		if (u->issuer[0] != '\0' && strcmp(u->issuer, v) != 0)
			return OG_ERR_INVALID;	/* label and parameter disagree */
		return og_copy(u->issuer, sizeof(u->issuer), v);
	} else if (klen == 9 && strncmp(key, "algorithm", 9) == 0) {
		return og_algo_parse(v, &u->params.algo);
	} else if (klen == 6 && strncmp(key, "digits", 6) == 0) {
		return og_otp_digits_parse(v, &u->params.digits);
	}
	return parse_type_param(u, key, klen, v, have_counter);
}

static int parse_label(struct og_otpauth *u, const char *label, size_t len)
{
	char buf[260];
	char *colon;

	if (len == 0 || pct_decode(label, len, buf, sizeof(buf)) != OG_OK)
		return OG_ERR_INVALID;
	if ((colon = strchr(buf, ':')) != NULL) {
		*colon = '\0';
		if (og_copy(u->issuer, sizeof(u->issuer), buf) != OG_OK)
			return OG_ERR_INVALID;
		colon++;
		while (*colon == ' ')
			colon++;
	} else {
		colon = buf;
	}
	if (*colon == '\0')
		return OG_ERR_INVALID;
	return og_copy(u->account, sizeof(u->account), colon);
}

/* The type of "otpauth://TYPE/..." into u; the label after it, or NULL. */
static const char *parse_type(const char *uri, struct og_otpauth *u)
{
	static const char scheme[] = "otpauth://";
	char type[5];

	if (strncasecmp(uri, scheme, sizeof(scheme) - 1) != 0)
		return NULL;
	uri += sizeof(scheme) - 1;
	if (strlen(uri) < 5 || uri[4] != '/')
		return NULL;
	memcpy(type, uri, 4);
	type[4] = '\0';
	return og_otp_kind_parse(type, &u->params.otp_kind) == OG_OK ? uri + 5 : NULL;
}

int og_otpauth_parse(const char *uri, struct og_otpauth *u)
{
	const char *label, *q, *p;
	int have_secret = 0, have_counter = 0;

	memset(u, 0, sizeof(*u));
	u->params.algo = OG_SHA1;
	u->params.digits = 6;
	u->params.period = 30;
	if (uri == NULL || strlen(uri) > 2048 || (label = parse_type(uri, u)) == NULL)
		return OG_ERR_INVALID;
	if ((q = strchr(label, '?')) == NULL ||
	    parse_label(u, label, (size_t)(q - label)) != OG_OK)
		goto bad;
	for (p = q + 1; *p != '\0';) {
		const char *amp = strchr(p, '&'), *eq;
		size_t plen = amp ? (size_t)(amp - p) : strlen(p);
		eq = memchr(p, '=', plen);
		if (eq == NULL ||
		    parse_param(u, p, (size_t)(eq - p), eq + 1, plen - (size_t)(eq - p) - 1,
				&have_secret, &have_counter) != OG_OK)
			goto bad;
		p += plen + (amp ? 1 : 0);
	}
	if (!have_secret || (u->params.otp_kind == OG_OTP_HOTP && !have_counter))
		goto bad;
	return OG_OK;
bad:
	OPENSSL_cleanse(u, sizeof(*u));
	return OG_ERR_INVALID;
}

/* otp.c: RFC 4226 HOTP, RFC 6238 TOTP, constant-time window verification. */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "err.h"
#include "hmac.h"
#include "otp.h"
#include "util.h"

int64_t og_hotp(const unsigned char *key, size_t keylen, enum og_algo algo,
		uint64_t counter, int digits)
{
	unsigned char msg[8], mac[EVP_MAX_MD_SIZE];
	size_t maclen = 0;
	uint32_t bin, mod = 1;
	int off;

	if ((unsigned)algo > OG_SHA512 || !og_otp_digits_ok(digits) || keylen == 0)
		return OG_ERR_INVALID;
	for (int i = 7; i >= 0; i--) {
		msg[i] = (unsigned char)(counter & 0xff);
		counter >>= 8;
	}
	if (og_hmac(algo, key, keylen, msg, sizeof(msg), mac, sizeof(mac), &maclen) != OG_OK ||
	    maclen < 20)
		return OG_ERR_CRYPTO;
	off = mac[maclen - 1] & 0x0f;
	bin = ((uint32_t)(mac[off] & 0x7f) << 24) | ((uint32_t)mac[off + 1] << 16) |
	      ((uint32_t)mac[off + 2] << 8) | mac[off + 3];
	OPENSSL_cleanse(mac, sizeof(mac));
	for (int i = 0; i < digits; i++)
		mod *= 10;
	return bin % mod;
}

int64_t og_totp_step(const struct og_otp_params *p, int64_t now)
{
	int64_t t = now - p->t0;

	/* floor division: times before t0 give negative steps, which never verify */
	return t >= 0 ? t / p->period : -((-t + p->period - 1) / p->period);
}

int og_otp_format(const unsigned char *key, size_t keylen,
		  const struct og_otp_params *p, int64_t step, char *out)
{
	int64_t v;

	if (step < 0)
		return OG_ERR_INVALID;
	v = og_hotp(key, keylen, p->algo, (uint64_t)step, p->digits);
	if (v < 0)
		return (int)v;
	snprintf(out, 9, "%0*lld", p->digits, (long long)v);
	return OG_OK;
}

int64_t og_drift_bound(int64_t drift, int max_drift)
{
	int64_t m = max_drift < 0 ? 0 : max_drift;

	return drift > m ? m : drift < -m ? -m : drift;
}

static int code_is_wellformed(const char *code, int digits)
{
	size_t n = 0;

	if (code == NULL)
		return 0;
	for (; code[n] != '\0'; n++) {
		if (n >= (size_t)digits || code[n] < '0' || code[n] > '9')
			return 0;
	}
	return n == (size_t)digits;
}

int og_otp_verify(const unsigned char *key, size_t keylen,
		  const struct og_otp_params *p, int64_t center, int window,
		  const char *code, int64_t *matched)
{
	char want[9], got[9] = "00000000";
	int found = 0, wellformed = code_is_wellformed(code, p->digits);
	int64_t best = 0, bestdist = INT64_MAX;

	if (wellformed)
		memcpy(got, code, (size_t)p->digits);
	for (int64_t d = -window; d <= window; d++) {
		int64_t step = center + d, dist = d < 0 ? -d : d;
		int eq;
		if (og_otp_format(key, keylen, p, step, want) != OG_OK)
			continue;
		eq = CRYPTO_memcmp(want, got, (size_t)p->digits) == 0;
		if (eq && dist < bestdist) {
			best = step;
			bestdist = dist;
		}
		found |= eq;
	}
	OPENSSL_cleanse(want, sizeof(want));
	OPENSSL_cleanse(got, sizeof(got));
	if (!found || !wellformed)
		return OG_ERR_INVALID;
	*matched = best;
	return OG_OK;
}

int og_hotp_verify(const unsigned char *key, size_t keylen, const struct og_otp_params *p,
		   int64_t last, int look_ahead, const char *code, int64_t *matched)
{
	char want[9], got[9] = "00000000";
	int wellformed = code_is_wellformed(code, p->digits);
	int64_t fresh = -1, spent = -1;

	if (look_ahead < 1 || look_ahead > OG_HOTP_LOOK_AHEAD_MAX || last < -1 ||
	    last > OG_HOTP_COUNTER_MAX)
		return OG_ERR_INVALID;
	if (wellformed)
		memcpy(got, code, (size_t)p->digits);
	/* counters below 0 do not exist: og_otp_format refuses them */
	for (int64_t c = last - look_ahead + 1; c <= last + look_ahead; c++) {
		int eq;
		if (og_otp_format(key, keylen, p, c, want) != OG_OK)
			continue;
		eq = CRYPTO_memcmp(want, got, (size_t)p->digits) == 0;
		if (eq && c > last && fresh < 0)
			fresh = c;
		if (eq && c <= last)
			spent = c;
	}
	OPENSSL_cleanse(want, sizeof(want));
	OPENSSL_cleanse(got, sizeof(got));
	if (!wellformed || (fresh < 0 && spent < 0))
		return OG_ERR_INVALID;
	*matched = fresh >= 0 ? fresh : spent;
	return OG_OK;
}

/* otp_params.c: an OTP's parameters (kind, algorithm, digits, period,
 * counter) named, parsed and checked; no cryptography, so the config
 * reader needs no libcrypto. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "err.h"
#include "otp.h"
#include "util.h"

static const char *algo_names[] = { "SHA1", "SHA256", "SHA512" };
static const char *const kind_names[] = { "totp", "hotp" };

int og_otp_kind_parse(const char *s, enum og_otp_kind *out)
{
	for (int i = 0; i < 2; i++) {
		if (s != NULL && strcasecmp(s, kind_names[i]) == 0) {
			*out = (enum og_otp_kind)i;
			return OG_OK;
		}
	}
	return OG_ERR_INVALID;
}

const char *og_otp_kind_name(enum og_otp_kind k)
{
	return (unsigned)k < 2 ? kind_names[k] : "?";
}

int og_hotp_counter_ok(int64_t counter)
{
	return counter >= 0 && counter <= OG_HOTP_COUNTER_MAX;
}

int og_hotp_counter_parse(const char *s, int64_t *out)
{
	return og_parse_int(s, 0, OG_HOTP_COUNTER_MAX, out);
}

int og_algo_parse(const char *s, enum og_algo *out)
{
	for (int i = 0; i < 3; i++) {
		if (s != NULL && strcasecmp(s, algo_names[i]) == 0) {
			*out = (enum og_algo)i;
			return OG_OK;
		}
	}
	return OG_ERR_INVALID;
}

const char *og_algo_name(enum og_algo a)
{
	return (unsigned)a < 3 ? algo_names[a] : "?";
}

int og_otp_digits_ok(int64_t digits)
{
	return digits == 6 || digits == 8;
}

int og_otp_period_ok(int64_t period)
{
	return period == 30 || period == 60;
}

int og_otp_params_ok(const struct og_otp_params *p)
{
	return (unsigned)p->algo <= OG_SHA512 && og_otp_digits_ok(p->digits) &&
	       og_otp_period_ok(p->period) && (unsigned)p->otp_kind <= OG_OTP_HOTP;
}

/* A decimal number that is_ok accepts. */
static int parse_param(const char *s, int (*is_ok)(int64_t), int *out)
{
	int64_t n;

	if (og_parse_int(s, 0, 86400, &n) != OG_OK || !is_ok(n))
		return OG_ERR_INVALID;
	*out = (int)n;
	return OG_OK;
}

int og_otp_digits_parse(const char *s, int *out)
{
	return parse_param(s, og_otp_digits_ok, out);
}

int og_otp_period_parse(const char *s, int *out)
{
	return parse_param(s, og_otp_period_ok, out);
}

/*
 * fuzz_otpauth_roundtrip.c: og_otpauth_build then og_otpauth_parse. Any
 * issuer, account and secret of a valid token: what the builder accepts,
 * the parser must read back exactly (an app shows and uses what we meant).
 */
#include "err.h"
#include "fuzz.h"
#include "otpauth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int digits[] = { 6, 8 }, periods[] = { 30, 60 };
	struct fz_in in = { data, size };
	struct og_otpauth u, back;
	char uri[4096];
	uint8_t b = fz_byte(&in);
	int n;

	memset(&u, 0, sizeof(u));
	u.params.algo = (enum og_algo)(b % 3);
	u.params.digits = digits[(b >> 2) & 1];
	u.params.period = periods[(b >> 3) & 1];
	if (b & 0x10) {		/* an HOTP token: no period, a counter */
		u.params.otp_kind = OG_OTP_HOTP;
		u.params.period = 30;
		u.counter = (int64_t)(fz_u64(&in) % ((uint64_t)OG_HOTP_COUNTER_MAX + 1));
	}
	u.secret_len = 10 + fz_byte(&in) % (OG_SECRET_MAX - 9);
	for (size_t i = 0; i < u.secret_len; i++)
		u.secret[i] = fz_byte(&in);
	fz_str(&in, u.issuer, sizeof(u.issuer));
	fz_str(&in, u.account, sizeof(u.account));
	if ((n = og_otpauth_build(&u, uri, sizeof(uri))) < 0)
		return 0;
	FZ_CHECK((size_t)n == strlen(uri));
	FZ_CHECK(og_otpauth_parse(uri, &back) == OG_OK);
	FZ_CHECK(strcmp(u.issuer, back.issuer) == 0);
	FZ_CHECK(strcmp(u.account, back.account) == 0);
	FZ_CHECK(u.secret_len == back.secret_len);
	FZ_CHECK(memcmp(u.secret, back.secret, u.secret_len) == 0);
	FZ_CHECK(u.params.algo == back.params.algo);
	FZ_CHECK(u.params.digits == back.params.digits);
	FZ_CHECK(u.params.period == back.params.period);
	FZ_CHECK(u.params.otp_kind == back.params.otp_kind);
	FZ_CHECK(u.counter == back.counter);
	return 0;
}

/*
 * fuzz_otpauth.c: otpauth:// URIs as an authenticator export or a user
 * pastes them. A URI read must hold a valid secret and parameters, and
 * when it can be built again, the rebuilt URI must read back the same.
 */
#include "err.h"
#include "fuzz.h"
#include "otpauth.h"

static void check_same(const struct og_otpauth *a, const struct og_otpauth *b)
{
	FZ_CHECK(strcmp(a->issuer, b->issuer) == 0);
	FZ_CHECK(strcmp(a->account, b->account) == 0);
	FZ_CHECK(a->secret_len == b->secret_len);
	FZ_CHECK(memcmp(a->secret, b->secret, a->secret_len) == 0);
	FZ_CHECK(a->params.algo == b->params.algo);
	FZ_CHECK(a->params.digits == b->params.digits);
	FZ_CHECK(a->params.period == b->params.period);
	FZ_CHECK(a->params.otp_kind == b->params.otp_kind);
	FZ_CHECK(a->counter == b->counter);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct og_otpauth u, again;
	char *uri = fz_string(data, size), built[4096];

	if (og_otpauth_parse(uri, &u) == OG_OK) {
		FZ_CHECK(memchr(u.issuer, '\0', sizeof(u.issuer)) != NULL);
		FZ_CHECK(memchr(u.account, '\0', sizeof(u.account)) != NULL);
		FZ_CHECK(u.account[0] != '\0');
		FZ_CHECK(u.secret_len >= 10 && u.secret_len <= OG_SECRET_MAX);
		FZ_CHECK(u.params.algo == OG_SHA1 || u.params.algo == OG_SHA256 ||
			 u.params.algo == OG_SHA512);
		FZ_CHECK(og_otp_params_ok(&u.params));
		FZ_CHECK(u.params.otp_kind == OG_OTP_TOTP ? u.counter == 0
							   : og_hotp_counter_ok(u.counter));
		if (og_otpauth_build(&u, built, sizeof(built)) >= 0) {
			FZ_CHECK(og_otpauth_parse(built, &again) == OG_OK);
			check_same(&u, &again);
		}
	}
	free(uri);
	return 0;
}

/* test_otp.c: HOTP (RFC 4226), TOTP (RFC 6238), steps and verification windows. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "crypto.h"
#include "err.h"
#include "otp.h"
#include "token.h"
#include "test_helpers.h"

static const unsigned char SEED20[] = "12345678901234567890";
static const unsigned char SEED32[] = "12345678901234567890123456789012";
static const unsigned char SEED64[] =
	"1234567890123456789012345678901234567890123456789012345678901234";

/* RFC 4226 Appendix D: HOTP values for counters 0..9, 6 digits, SHA1. */
static const char *const rfc4226[10] = {
	"755224", "287082", "359152", "969429", "338314",
	"254676", "287922", "162583", "399871", "520489",
};
static const int64_t rfc4226_int[10] = {
	755224, 287082, 359152, 969429, 338314, 254676, 287922, 162583, 399871, 520489,
};

static void test_hotp_rfc4226(void **state)
{
	int nfail = 0;

	(void)state;
	for (uint64_t c = 0; c < 10; c++) {
		int64_t v = og_hotp(SEED20, 20, OG_SHA1, c, 6);

		if (v != rfc4226_int[c]) {
			print_error("og_hotp(rfc seed, SHA1, counter %llu, 6) = %lld, want %lld\n",
				    (unsigned long long)c, (long long)v, (long long)rfc4226_int[c]);
			nfail++;
		}
	}
	assert_int_equal(nfail, 0);
}

/* RFC 6238 Appendix B. */
struct totp_case {
	int64_t time;
	int64_t step;
	const char *sha1, *sha256, *sha512;
};

static const struct totp_case rfc6238[] = {
	{ 59, 1, "94287082", "46119246", "90693936" },
	{ 1111111109, 0x23523EC, "07081804", "68084774", "25091201" },
	{ 1111111111, 0x23523ED, "14050471", "67062674", "99943326" },
	{ 1234567890, 0x273EF07, "89005924", "91819424", "93441116" },
	{ 2000000000, 0x3F940AA, "69279037", "90698825", "38618901" },
	{ 20000000000LL, 0x27BC86AA, "65353130", "77737706", "47863826" },
};

static void test_totp_step_rfc6238(void **state)
{
	struct og_otp_params p = { .algo = OG_SHA1, .digits = 8, .period = 30, .t0 = 0 };
	int nfail = 0;

	(void)state;
	for (size_t i = 0; i < TH_ARRAY_LEN(rfc6238); i++) {
		int64_t s = og_totp_step(&p, rfc6238[i].time);

		if (s != rfc6238[i].step) {
			print_error("og_totp_step(30, t0 0, %lld) = %lld, want %lld\n",
				    (long long)rfc6238[i].time, (long long)s,
				    (long long)rfc6238[i].step);
			nfail++;
		}
	}
	assert_int_equal(nfail, 0);
}

static int check_totp(enum og_algo algo, const unsigned char *key, size_t keylen,
		      int64_t time, const char *want)
{
	struct og_otp_params p = { .algo = algo, .digits = 8, .period = 30, .t0 = 0 };
	char out[16];
	int64_t step = og_totp_step(&p, time);
	int rc;

	memset(out, 'X', sizeof(out));
	out[sizeof(out) - 1] = '\0';
	rc = og_otp_format(key, keylen, &p, step, out);
	if (rc < 0 || strcmp(out, want) != 0) {
		print_error("og_otp_format(%s, 8 digits, t=%lld step %lld) rc=%d code=\"%.15s\", want \"%s\"\n",
			    og_algo_name(algo), (long long)time, (long long)step, rc, out, want);
		return 1;
	}
	return 0;
}

static void test_totp_rfc6238_sha1(void **state)
{
	int nfail = 0;

	(void)state;
	for (size_t i = 0; i < TH_ARRAY_LEN(rfc6238); i++)
		nfail += check_totp(OG_SHA1, SEED20, 20, rfc6238[i].time, rfc6238[i].sha1);
	assert_int_equal(nfail, 0);
}

static void test_totp_rfc6238_sha256(void **state)
{
	int nfail = 0;

	(void)state;
	for (size_t i = 0; i < TH_ARRAY_LEN(rfc6238); i++)
		nfail += check_totp(OG_SHA256, SEED32, 32, rfc6238[i].time, rfc6238[i].sha256);
	assert_int_equal(nfail, 0);
}

static void test_totp_rfc6238_sha512(void **state)
{
	int nfail = 0;

	(void)state;
	for (size_t i = 0; i < TH_ARRAY_LEN(rfc6238); i++)
		nfail += check_totp(OG_SHA512, SEED64, 64, rfc6238[i].time, rfc6238[i].sha512);
	assert_int_equal(nfail, 0);
}

/* og_hotp with 8 digits agrees with the RFC 6238 values (same HMAC, mod 10^8). */
static void test_hotp_8_digits(void **state)
{
	(void)state;
	assert_int_equal(og_hotp(SEED20, 20, OG_SHA1, 1, 8), 94287082);
	assert_int_equal(og_hotp(SEED32, 32, OG_SHA256, 1, 8), 46119246);
	assert_int_equal(og_hotp(SEED64, 64, OG_SHA512, 1, 8), 90693936);
	/* leading zero: value below 10^7 */
	assert_int_equal(og_hotp(SEED20, 20, OG_SHA1, 0x23523EC, 8), 7081804);
}

static void test_format_zero_padding_6_digits(void **state)
{
	struct og_otp_params p = { .algo = OG_SHA1, .digits = 6, .period = 30, .t0 = 0 };
	char out[16];

	(void)state;
	/* step 0x23523EC gives 07081804 at 8 digits, so 081804 at 6 */
	memset(out, 'X', sizeof(out));
	assert_true(og_otp_format(SEED20, 20, &p, 0x23523EC, out) >= 0);
	assert_string_equal(out, "081804");
	for (int64_t c = 0; c < 10; c++) {
		memset(out, 'X', sizeof(out));
		assert_true(og_otp_format(SEED20, 20, &p, c, out) >= 0);
		assert_string_equal(out, rfc4226[c]);
	}
}

static void test_totp_step_t0_and_period(void **state)
{
	struct og_otp_params p = { .algo = OG_SHA1, .digits = 6, .period = 30, .t0 = 1000 };

	(void)state;
	assert_int_equal(og_totp_step(&p, 1000), 0);
	assert_int_equal(og_totp_step(&p, 1029), 0);
	assert_int_equal(og_totp_step(&p, 1030), 1);
	assert_int_equal(og_totp_step(&p, 1000 + 30 * 12345 + 29), 12345);

	p.period = 60;
	assert_int_equal(og_totp_step(&p, 1000), 0);
	assert_int_equal(og_totp_step(&p, 1059), 0);
	assert_int_equal(og_totp_step(&p, 1060), 1);
	assert_int_equal(og_totp_step(&p, 1000 + 60 * 777), 777);

	p.t0 = 0;
	assert_int_equal(og_totp_step(&p, 59), 0);
	assert_int_equal(og_totp_step(&p, 60), 1);
	assert_int_equal(og_totp_step(&p, 1111111109), 1111111109 / 60);
}

/* The header says floor((now - t0) / period): before t0 that is negative. */
static void test_totp_step_before_t0_floors(void **state)
{
	struct og_otp_params p = { .algo = OG_SHA1, .digits = 6, .period = 30, .t0 = 1000 };

	(void)state;
	assert_int_equal(og_totp_step(&p, 999), -1);
	assert_int_equal(og_totp_step(&p, 970), -1);
	assert_int_equal(og_totp_step(&p, 969), -2);
}

/* A 60 s period: the code at time t is HOTP(floor(t / 60)). */
static void test_totp_period_60(void **state)
{
	struct og_otp_params p = { .algo = OG_SHA1, .digits = 6, .period = 60, .t0 = 0 };
	char out[16];
	int64_t m = -1;

	(void)state;
	/* t = 240..299 is step 4: RFC 4226 counter 4 = 338314 */
	assert_int_equal(og_totp_step(&p, 240), 4);
	assert_int_equal(og_totp_step(&p, 299), 4);
	assert_true(og_otp_format(SEED20, 20, &p, og_totp_step(&p, 299), out) >= 0);
	assert_string_equal(out, "338314");
	assert_int_equal(og_otp_verify(SEED20, 20, &p, og_totp_step(&p, 270), 0, "338314", &m),
			 OG_OK);
	assert_int_equal(m, 4);
	/* with period 30 the same time is step 9 */
	p.period = 30;
	assert_int_equal(og_totp_step(&p, 270), 9);
	assert_int_equal(og_otp_verify(SEED20, 20, &p, 9, 0, "338314", &m), OG_ERR_INVALID);
	assert_int_equal(og_otp_verify(SEED20, 20, &p, 9, 0, "520489", &m), OG_OK);
	assert_int_equal(m, 9);
}

/* ---- og_otp_verify windows, using the RFC 4226 codes as steps 0..9 ---- */

static void test_verify_window(void **state)
{
	struct og_otp_params p = { .algo = OG_SHA1, .digits = 6, .period = 30, .t0 = 0 };
	int nfail = 0;

	(void)state;
	for (int window = 0; window <= 3; window++) {
		const int64_t center = 5;

		for (int64_t s = 0; s < 10; s++) {
			int64_t m = -100;
			int rc = og_otp_verify(SEED20, 20, &p, center, window, rfc4226[s], &m);
			int in = s >= center - window && s <= center + window;

			if (in && (rc != OG_OK || m != s)) {
				print_error("verify(center 5, window %d, code of step %lld): rc=%d matched=%lld, want OK %lld\n",
					    window, (long long)s, rc, (long long)m, (long long)s);
				nfail++;
			} else if (!in && rc != OG_ERR_INVALID) {
				print_error("verify(center 5, window %d, code of step %lld): rc=%d matched=%lld, want OG_ERR_INVALID\n",
					    window, (long long)s, rc, (long long)m);
				nfail++;
			}
		}
	}
	assert_int_equal(nfail, 0);
}

/*
 * With the RFC seed, steps 103424 and 103427 share the 6-digit code 746629
 * and steps 153567 and 153569 share 468457 (found by search). The match
 * reported is the one nearest the center.
 */
static void test_verify_nearest_center(void **state)
{
	struct og_otp_params p = { .algo = OG_SHA1, .digits = 6, .period = 30, .t0 = 0 };
	char code[16];
	int64_t m;

	(void)state;
	assert_true(og_otp_format(SEED20, 20, &p, 103424, code) >= 0);
	assert_string_equal(code, "746629");
	assert_true(og_otp_format(SEED20, 20, &p, 103427, code) >= 0);
	assert_string_equal(code, "746629");

	m = -1;
	assert_int_equal(og_otp_verify(SEED20, 20, &p, 103425, 3, "746629", &m), OG_OK);
	assert_int_equal(m, 103424);
	m = -1;
	assert_int_equal(og_otp_verify(SEED20, 20, &p, 103426, 3, "746629", &m), OG_OK);
	assert_int_equal(m, 103427);
	m = -1;
	assert_int_equal(og_otp_verify(SEED20, 20, &p, 103430, 3, "746629", &m), OG_OK);
	assert_int_equal(m, 103427);
	m = -1;
	assert_int_equal(og_otp_verify(SEED20, 20, &p, 103421, 3, "746629", &m), OG_OK);
	assert_int_equal(m, 103424);

	m = -1;
	assert_int_equal(og_otp_verify(SEED20, 20, &p, 153566, 3, "468457", &m), OG_OK);
	assert_int_equal(m, 153567);
	m = -1;
	assert_int_equal(og_otp_verify(SEED20, 20, &p, 153570, 3, "468457", &m), OG_OK);
	assert_int_equal(m, 153569);
	m = -1;
	assert_int_equal(og_otp_verify(SEED20, 20, &p, 153569, 3, "468457", &m), OG_OK);
	assert_int_equal(m, 153569);
}

static void test_verify_rfc6238_8_digits(void **state)
{
	struct og_otp_params p = { .algo = OG_SHA256, .digits = 8, .period = 30, .t0 = 0 };
	int64_t m = 0;

	(void)state;
	/* 1234567890 is step 0x273EF07 */
	assert_int_equal(og_otp_verify(SEED32, 32, &p, 0x273EF07, 1, "91819424", &m), OG_OK);
	assert_int_equal(m, 0x273EF07);
	assert_int_equal(og_otp_verify(SEED32, 32, &p, 0x273EF07 + 1, 1, "91819424", &m), OG_OK);
	assert_int_equal(m, 0x273EF07);
	assert_int_equal(og_otp_verify(SEED32, 32, &p, 0x273EF07 + 2, 1, "91819424", &m),
			 OG_ERR_INVALID);
	/* the SHA1 code for that time is not a SHA256 code */
	assert_int_equal(og_otp_verify(SEED32, 32, &p, 0x273EF07, 1, "89005924", &m),
			 OG_ERR_INVALID);

	p.algo = OG_SHA512;
	assert_int_equal(og_otp_verify(SEED64, 64, &p, 0x27BC86AA, 0, "47863826", &m), OG_OK);
	assert_int_equal(m, 0x27BC86AA);
	p.algo = OG_SHA1;
	assert_int_equal(og_otp_verify(SEED20, 20, &p, 0x23523EC, 0, "07081804", &m), OG_OK);
	assert_int_equal(m, 0x23523EC);
}

static void test_verify_rejects_malformed_codes(void **state)
{
	struct og_otp_params p6 = { .algo = OG_SHA1, .digits = 6, .period = 30, .t0 = 0 };
	struct og_otp_params p8 = { .algo = OG_SHA1, .digits = 8, .period = 30, .t0 = 0 };
	/* all of these are near-misses of the valid code for step 4 (338314) */
	static const char *const bad6[] = {
		"",
		"33831",	/* too short */
		"3383140",	/* too long */
		"0338314",
		"33831a",
		"3383l4",
		" 338314",
		"338314 ",
		"338 314",
		"338-314",
		"338314\n",
		"+338314",
		"-338314",
		"\xef\xbc\x93" "38314",	/* full-width digit 3 */
		"338314\xc2\xa0",
		"94287082",	/* 8-digit code of step 1 with 6 digits expected */
	};
	static const char *const bad8[] = {
		"",
		"338314",	/* the 6-digit code when 8 are expected */
		"9428708",
		"942870820",
		"9428708a",
		" 94287082",
		"94287082 ",
		"94287082\n",
	};
	int nfail = 0;

	(void)state;
	/* sanity: the valid codes do match */
	{
		int64_t m = 0;

		assert_int_equal(og_otp_verify(SEED20, 20, &p6, 4, 1, "338314", &m), OG_OK);
		assert_int_equal(og_otp_verify(SEED20, 20, &p8, 1, 1, "94287082", &m), OG_OK);
	}
	for (size_t i = 0; i < TH_ARRAY_LEN(bad6); i++) {
		int64_t m = 0;
		int rc = og_otp_verify(SEED20, 20, &p6, 4, 2, bad6[i], &m);

		if (rc != OG_ERR_INVALID) {
			print_error("og_otp_verify(6 digits, \"%s\") = %d, want OG_ERR_INVALID\n",
				    bad6[i], rc);
			nfail++;
		}
	}
	for (size_t i = 0; i < TH_ARRAY_LEN(bad8); i++) {
		int64_t m = 0;
		int rc = og_otp_verify(SEED20, 20, &p8, 1, 2, bad8[i], &m);

		if (rc != OG_ERR_INVALID) {
			print_error("og_otp_verify(8 digits, \"%s\") = %d, want OG_ERR_INVALID\n",
				    bad8[i], rc);
			nfail++;
		}
	}
	assert_int_equal(nfail, 0);
}

static void test_verify_wrong_key(void **state)
{
	struct og_otp_params p = { .algo = OG_SHA1, .digits = 6, .period = 30, .t0 = 0 };
	unsigned char other[20];
	int64_t m = 0;

	(void)state;
	memcpy(other, SEED20, 20);
	other[19] ^= 1;
	assert_int_equal(og_otp_verify(other, 20, &p, 4, 1, "338314", &m), OG_ERR_INVALID);
	/* a shorter key is a different key */
	assert_int_equal(og_otp_verify(SEED20, 19, &p, 4, 1, "338314", &m), OG_ERR_INVALID);
}

/* ---- algorithm names ---- */

static void test_algo_parse(void **state)
{
	static const struct {
		const char *s;
		enum og_algo want;
	} ok[] = {
		{ "SHA1", OG_SHA1 },	 { "sha1", OG_SHA1 },	  { "Sha1", OG_SHA1 },
		{ "SHA256", OG_SHA256 }, { "sha256", OG_SHA256 }, { "sHa256", OG_SHA256 },
		{ "SHA512", OG_SHA512 }, { "sha512", OG_SHA512 }, { "ShA512", OG_SHA512 },
	};
	static const char *const bad[] = {
		"", "SHA", "SHA2", "SHA12", "SHA-1", "SHA384", "SHA224", "MD5", "sha1 ", " sha1",
		"SHA1\n", "sha256x", "512", "SHA5121",
	};
	int nfail = 0;

	(void)state;
	for (size_t i = 0; i < TH_ARRAY_LEN(ok); i++) {
		enum og_algo a = (enum og_algo)99;
		int rc = og_algo_parse(ok[i].s, &a);

		if (rc != OG_OK || a != ok[i].want) {
			print_error("og_algo_parse(\"%s\") = %d algo %d, want OK %d\n", ok[i].s, rc,
				    (int)a, (int)ok[i].want);
			nfail++;
		}
	}
	for (size_t i = 0; i < TH_ARRAY_LEN(bad); i++) {
		enum og_algo a = OG_SHA1;
		int rc = og_algo_parse(bad[i], &a);

		if (rc != OG_ERR_INVALID) {
			print_error("og_algo_parse(\"%s\") = %d, want OG_ERR_INVALID\n", bad[i], rc);
			nfail++;
		}
	}
	assert_int_equal(nfail, 0);
}

static void test_algo_name(void **state)
{
	static const enum og_algo all[] = { OG_SHA1, OG_SHA256, OG_SHA512 };
	static const char *const names[] = { "SHA1", "SHA256", "SHA512" };

	(void)state;
	for (size_t i = 0; i < TH_ARRAY_LEN(all); i++) {
		const char *n = og_algo_name(all[i]);
		enum og_algo back = (enum og_algo)99;

		assert_non_null(n);
		assert_int_equal(strcasecmp(n, names[i]), 0);
		assert_int_equal(og_algo_parse(n, &back), OG_OK);
		assert_int_equal(back, all[i]);
	}
}

/* og_drift_bound holds a drift to -max .. +max; a negative max counts as 0. */
static void test_drift_bound(void **state)
{
	static const struct { int64_t drift; int max; int64_t want; } cases[] = {
		{ 0, 10, 0 }, { 10, 10, 10 }, { -10, 10, -10 }, { 11, 10, 10 }, { -11, 10, -10 },
		{ 2880, 10, 10 }, { INT64_MAX, 10, 10 }, { INT64_MIN, 10, -10 }, { 3, 0, 0 },
		{ -3, 0, 0 }, { 5, -1, 0 }, { 2880, 2880, 2880 },
	};

	(void)state;
	for (size_t i = 0; i < TH_ARRAY_LEN(cases); i++)
		assert_int_equal(og_drift_bound(cases[i].drift, cases[i].max), cases[i].want);
}

/* A sealed token for og_token_match: secret SEED20, SHA1, 6 digits, 30 s. */
static void sealed_token(const struct og_key *master, struct og_token *t)
{
	static const struct og_otp_params p = { OG_SHA1, 6, 30, 0, OG_OTP_TOTP };
	struct og_key dek;

	assert_int_equal(og_key_generate(&dek), OG_OK);
	assert_int_equal(og_token_build(&dek, "dek1", "walker", "W-1", "hardware", SEED20, 20, &p,
					0, t), OG_OK);
	assert_int_equal(og_dek_wrap(master, "dek1", "", &dek, t->wrapped_dek), OG_OK);
	t->dek_org[0] = '\0';
	og_key_wipe(&dek);
}

/*
 * A token whose codes always come one step ahead of what it has learnt
 * would walk its drift away from real time, a window at a time. The
 * learnt drift stops at max_drift, and a code further than max_drift +
 * window steps from now is refused; a stored drift beyond the bound (an
 * older version's) counts as the bound.
 */
static void test_token_drift_is_bounded(void **state)
{
	static const struct og_otp_params p = { OG_SHA1, 6, 30, 0, OG_OTP_TOTP };
	static const struct og_code_reach reach = { 1, 3, 10 }, reach0 = { 1, 0, 10 };
	const int64_t now = 1700000000, now_step = now / 30;
	struct og_key master;
	struct og_token t;
	int64_t step, drift;
	char code[9];

	(void)state;
	assert_int_equal(og_key_generate(&master), OG_OK);
	sealed_token(&master, &t);
	for (int64_t ahead = 1; ahead <= 4; ahead++) {
		assert_int_equal(og_otp_format(SEED20, 20, &p, now_step + ahead, code), OG_OK);
		assert_int_equal(og_token_match(&master, &t, 1, now, &reach, code, &step, &drift, NULL), 0);
		assert_int_equal(step, now_step + ahead);
		assert_int_equal(drift, ahead < 3 ? ahead : 3);
		t.drift = drift;	/* what the store keeps */
	}
	/* max_drift 3 + window 1: step now+4 was the furthest; now+5 is refused */
	assert_int_equal(og_otp_format(SEED20, 20, &p, now_step + 5, code), OG_OK);
	assert_int_equal(og_token_match(&master, &t, 1, now, &reach, code, &step, &drift, NULL), -1);
	/* the other way, and a stored drift beyond the bound */
	t.drift = -500;
	assert_int_equal(og_otp_format(SEED20, 20, &p, now_step - 500, code), OG_OK);
	assert_int_equal(og_token_match(&master, &t, 1, now, &reach, code, &step, &drift, NULL), -1);
	assert_int_equal(og_otp_format(SEED20, 20, &p, now_step - 4, code), OG_OK);
	assert_int_equal(og_token_match(&master, &t, 1, now, &reach, code, &step, &drift, NULL), 0);
	assert_int_equal(drift, -3);
	/* max_drift 0: nothing is learnt, the window alone applies */
	t.drift = 0;
	assert_int_equal(og_otp_format(SEED20, 20, &p, now_step + 1, code), OG_OK);
	assert_int_equal(og_token_match(&master, &t, 1, now, &reach0, code, &step, &drift, NULL), 0);
	assert_int_equal(drift, 0);
	og_key_wipe(&master);
}

/* ---- HOTP: og_hotp_verify with the RFC 4226 Appendix D codes as counters 0..9 ---- */

static const struct og_otp_params hotp6 = { OG_SHA1, 6, 30, 0, OG_OTP_HOTP };

/*
 * A code matches the look_ahead counters after the last one accepted
 * (last+1 .. last+look_ahead) as that counter; one of the look_ahead
 * counters up to last matches as that spent counter (a replay); any
 * other does not match.
 */
static void test_hotp_verify_look_ahead(void **state)
{
	int nfail = 0;

	(void)state;
	for (int64_t last = -1; last <= 9; last++) {
		for (int ahead = 1; ahead <= 4; ahead++) {
			for (int64_t c = 0; c < 10; c++) {
				int64_t m = -100;
				int rc = og_hotp_verify(SEED20, 20, &hotp6, last, ahead, rfc4226[c], &m);
				int in = c > last - ahead && c <= last + ahead;
				if ((in && (rc != OG_OK || m != c)) || (!in && rc != OG_ERR_INVALID)) {
					print_error("hotp_verify(last %lld, look_ahead %d, code of %lld): "
						    "rc=%d matched=%lld\n", (long long)last, ahead,
						    (long long)c, rc, (long long)m);
					nfail++;
				}
			}
		}
	}
	assert_int_equal(nfail, 0);
}

/*
 * Counters 103424 and 103427 of the RFC seed share the code 746629. The
 * lowest counter after last that matches is taken; a fresh one over a
 * spent one; only when both are spent does it match as a spent counter.
 */
static void test_hotp_verify_prefers_lowest_fresh(void **state)
{
	int64_t m = 0;

	(void)state;
	assert_int_equal(og_hotp_verify(SEED20, 20, &hotp6, 103423, 10, "746629", &m), OG_OK);
	assert_int_equal(m, 103424);
	assert_int_equal(og_hotp_verify(SEED20, 20, &hotp6, 103425, 10, "746629", &m), OG_OK);
	assert_int_equal(m, 103427);
	assert_int_equal(og_hotp_verify(SEED20, 20, &hotp6, 103430, 10, "746629", &m), OG_OK);
	assert_int_equal(m, 103427);
}

/* RFC 4226's codes at 8 digits; malformed codes, a look_ahead or a
 * watermark out of bounds never match. */
static void test_hotp_verify_refusals(void **state)
{
	struct og_otp_params p8 = hotp6;
	int64_t m = -100;

	(void)state;
	p8.digits = 8;
	/* counter 1 at 8 digits: RFC 6238 Appendix B (step 1), ending in RFC 4226's 287082 */
	assert_int_equal(og_hotp_verify(SEED20, 20, &p8, 0, 1, "94287082", &m), OG_OK);
	assert_int_equal(m, 1);
	assert_int_equal(og_hotp_verify(SEED20, 20, &hotp6, -1, 10, "75522", &m), OG_ERR_INVALID);
	assert_int_equal(og_hotp_verify(SEED20, 20, &hotp6, -1, 10, "7552240", &m), OG_ERR_INVALID);
	assert_int_equal(og_hotp_verify(SEED20, 20, &hotp6, -1, 10, "75522a", &m), OG_ERR_INVALID);
	assert_int_equal(og_hotp_verify(SEED20, 20, &hotp6, -1, 10, NULL, &m), OG_ERR_INVALID);
	assert_int_equal(og_hotp_verify(SEED20, 20, &hotp6, -1, 0, "755224", &m), OG_ERR_INVALID);
	assert_int_equal(og_hotp_verify(SEED20, 20, &hotp6, -1, OG_HOTP_LOOK_AHEAD_MAX + 1,
					"755224", &m), OG_ERR_INVALID);
	assert_int_equal(og_hotp_verify(SEED20, 20, &hotp6, -2, 10, "755224", &m), OG_ERR_INVALID);
	assert_int_equal(og_hotp_verify(SEED20, 20, &hotp6, INT64_MAX - 5, 10, "755224", &m),
			 OG_ERR_INVALID);
	assert_int_equal(og_hotp_verify(SEED20, 19, &hotp6, -1, 10, "755224", &m), OG_ERR_INVALID);
	assert_int_equal(m, 1);	/* never written by a refusal */
}

/*
 * An HOTP token in og_token_match: its next codes match as their counter
 * whatever the time, its drift kept; a spent counter matches at or below
 * the watermark (the attempt's replay). It starts where og_token_start
 * puts it: counter 3 (the next code shown) is watermark 2.
 */
static void test_token_match_hotp(void **state)
{
	static const struct og_code_reach reach = { 1, 3, 3 };
	struct og_key master, dek;
	struct og_token t;
	int64_t step = 0, drift = 0;

	(void)state;
	assert_int_equal(og_key_generate(&master), OG_OK);
	assert_int_equal(og_key_generate(&dek), OG_OK);
	assert_int_equal(og_token_build(&dek, "dek1", "walker", "H-1", "hardware", SEED20, 20,
					&hotp6, 0, &t), OG_OK);
	assert_int_equal(og_dek_wrap(&master, "dek1", "", &dek, t.wrapped_dek), OG_OK);
	og_key_wipe(&dek);
	assert_int_equal(t.last_step, -1);
	assert_int_equal(og_token_counter(&t), 0);
	og_token_start(&t, 7, 3);
	assert_int_equal(t.last_step, 2);
	assert_int_equal(t.drift, 0);
	assert_int_equal(og_token_counter(&t), 3);
	for (int64_t now = 0; now <= 1700000000; now += 1700000000) {
		assert_int_equal(og_token_match(&master, &t, 1, now, &reach, rfc4226[5], &step, &drift,
						NULL), 0);
		assert_int_equal(step, 5);
		assert_int_equal(drift, 0);
	}
	/* look_ahead 3 from watermark 2: counters 3..5, not 6 */
	assert_int_equal(og_token_match(&master, &t, 1, 0, &reach, rfc4226[6], &step, &drift, NULL),
			 -1);
	assert_int_equal(og_token_match(&master, &t, 1, 0, &reach, rfc4226[1], &step, &drift, NULL),
			 0);
	assert_true(step <= t.last_step);
	og_key_wipe(&master);
}

/* The kinds by name, and the counter rule. */
static void test_otp_kind_and_counter(void **state)
{
	struct og_otp_params p = hotp6;
	enum og_otp_kind k = OG_OTP_TOTP;
	int64_t c = -5;

	(void)state;
	assert_int_equal(og_otp_kind_parse("hotp", &k), OG_OK);
	assert_int_equal(k, OG_OTP_HOTP);
	assert_int_equal(og_otp_kind_parse("TOTP", &k), OG_OK);
	assert_int_equal(k, OG_OTP_TOTP);
	assert_int_equal(og_otp_kind_parse("ocra", &k), OG_ERR_INVALID);
	assert_int_equal(og_otp_kind_parse("", &k), OG_ERR_INVALID);
	assert_int_equal(og_otp_kind_parse(NULL, &k), OG_ERR_INVALID);
	assert_string_equal(og_otp_kind_name(OG_OTP_HOTP), "hotp");
	assert_string_equal(og_otp_kind_name(OG_OTP_TOTP), "totp");
	assert_string_equal(og_otp_kind_name((enum og_otp_kind)2), "?");
	assert_true(og_otp_params_ok(&p));
	p.otp_kind = (enum og_otp_kind)2;
	assert_false(og_otp_params_ok(&p));
	assert_int_equal(og_hotp_counter_parse("0", &c), OG_OK);
	assert_int_equal(c, 0);
	assert_int_equal(og_hotp_counter_parse("4611686018427387904", &c), OG_OK);
	assert_true(c == OG_HOTP_COUNTER_MAX);
	assert_int_equal(og_hotp_counter_parse("4611686018427387905", &c), OG_ERR_INVALID);
	assert_int_equal(og_hotp_counter_parse("-1", &c), OG_ERR_INVALID);
	assert_int_equal(og_hotp_counter_parse("", &c), OG_ERR_INVALID);
	assert_int_equal(og_hotp_counter_parse("1e3", &c), OG_ERR_INVALID);
	assert_false(og_hotp_counter_ok(-1));
	assert_true(og_hotp_counter_ok(0));
}

/* The token parameter rule, one for every way a token comes in. */
static void test_params_rule(void **state)
{
	static const struct { const char *s; int digits, period; } cases[] = {
		{ "6", 1, 0 }, { "8", 1, 0 }, { "30", 0, 1 }, { "60", 0, 1 }, { "7", 0, 0 },
		{ "0", 0, 0 }, { "45", 0, 0 }, { "06", 1, 0 }, { "+6", 0, 0 }, { "6 ", 0, 0 },
		{ "", 0, 0 }, { "99999999999999999999", 0, 0 },
	};
	struct og_otp_params p = { OG_SHA1, 6, 30, 0, OG_OTP_TOTP };
	int out;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		out = -1;
		assert_int_equal(og_otp_digits_parse(cases[i].s, &out) == OG_OK, cases[i].digits);
		assert_int_equal(out, cases[i].digits ? atoi(cases[i].s) : -1);
		out = -1;
		assert_int_equal(og_otp_period_parse(cases[i].s, &out) == OG_OK, cases[i].period);
		assert_int_equal(out, cases[i].period ? atoi(cases[i].s) : -1);
	}
	assert_true(og_otp_params_ok(&p));
	p.digits = 7;
	assert_false(og_otp_params_ok(&p));
	p.digits = 8;
	p.period = 90;
	assert_false(og_otp_params_ok(&p));
	p.period = 60;
	p.algo = (enum og_algo)3;
	assert_false(og_otp_params_ok(&p));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hotp_rfc4226),
		cmocka_unit_test(test_hotp_8_digits),
		cmocka_unit_test(test_totp_step_rfc6238),
		cmocka_unit_test(test_totp_rfc6238_sha1),
		cmocka_unit_test(test_totp_rfc6238_sha256),
		cmocka_unit_test(test_totp_rfc6238_sha512),
		cmocka_unit_test(test_format_zero_padding_6_digits),
		cmocka_unit_test(test_totp_step_t0_and_period),
		cmocka_unit_test(test_totp_step_before_t0_floors),
		cmocka_unit_test(test_totp_period_60),
		cmocka_unit_test(test_verify_window),
		cmocka_unit_test(test_verify_nearest_center),
		cmocka_unit_test(test_verify_rfc6238_8_digits),
		cmocka_unit_test(test_verify_rejects_malformed_codes),
		cmocka_unit_test(test_verify_wrong_key),
		cmocka_unit_test(test_algo_parse),
		cmocka_unit_test(test_algo_name),
		cmocka_unit_test(test_drift_bound),
		cmocka_unit_test(test_token_drift_is_bounded),
		cmocka_unit_test(test_params_rule),
		cmocka_unit_test(test_hotp_verify_look_ahead),
		cmocka_unit_test(test_hotp_verify_prefers_lowest_fresh),
		cmocka_unit_test(test_hotp_verify_refusals),
		cmocka_unit_test(test_token_match_hotp),
		cmocka_unit_test(test_otp_kind_and_counter),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_otpauth.c: building and parsing otpauth://totp/ URIs. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "err.h"
#include "otp.h"
#include "otpauth.h"
#include "test_helpers.h"

/* base32("12345678901234567890") without padding */
#define SEED20_B32 "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"

static void fill(struct og_otpauth *u, const char *issuer, const char *account,
		 const void *secret, size_t len, enum og_algo algo, int digits, int period)
{
	memset(u, 0, sizeof(*u));
	snprintf(u->issuer, sizeof(u->issuer), "%s", issuer);
	snprintf(u->account, sizeof(u->account), "%s", account);
	memcpy(u->secret, secret, len);
	u->secret_len = len;
	u->params.algo = algo;
	u->params.digits = digits;
	u->params.period = period;
	u->params.t0 = 0;
}

static void assert_same(const struct og_otpauth *a, const struct og_otpauth *b)
{
	assert_string_equal(a->issuer, b->issuer);
	assert_string_equal(a->account, b->account);
	assert_int_equal(a->secret_len, b->secret_len);
	assert_memory_equal(a->secret, b->secret, a->secret_len);
	assert_int_equal(a->params.algo, b->params.algo);
	assert_int_equal(a->params.digits, b->params.digits);
	assert_int_equal(a->params.period, b->params.period);
	assert_int_equal(a->params.otp_kind, b->params.otp_kind);
	assert_int_equal(a->counter, b->counter);
	assert_int_equal(b->params.t0, 0);
}

struct rt_case {
	const char *issuer;
	const char *account;
	enum og_algo algo;
	int digits;
	int period;
	size_t secret_len;
};

static const struct rt_case rt[] = {
	{ "ACME", "alice", OG_SHA1, 6, 30, 20 },
	{ "ACME Co", "alice@example.com", OG_SHA256, 8, 60, 32 },
	{ "Example Inc", "bob:ops", OG_SHA512, 6, 30, 64 },
	{ "a&b=c?d/e%f#g+h", "x y&z=1?#%+", OG_SHA1, 8, 30, 10 },
	{ "otpgate", "j\xc3\xbcrgen", OG_SHA256, 6, 60, 16 },
};

static void test_build_parse_round_trip(void **state)
{
	int nfail = 0;

	(void)state;
	for (size_t i = 0; i < TH_ARRAY_LEN(rt); i++) {
		struct og_otpauth in, out;
		unsigned char secret[OG_SECRET_MAX];
		char uri[1024];
		int n;

		for (size_t j = 0; j < sizeof(secret); j++)
			secret[j] = (unsigned char)(j * 37 + i);
		fill(&in, rt[i].issuer, rt[i].account, secret, rt[i].secret_len, rt[i].algo,
		     rt[i].digits, rt[i].period);
		memset(uri, 0, sizeof(uri));
		n = og_otpauth_build(&in, uri, sizeof(uri));
		if (n < 0)
			fail_msg("og_otpauth_build(issuer \"%s\", account \"%s\") = %d", rt[i].issuer,
				 rt[i].account, n);
		assert_int_equal((size_t)n, strlen(uri));
		assert_int_equal(strncmp(uri, "otpauth://totp/", 15), 0);
		/* nothing that would need quoting in a URI or on a terminal */
		for (const char *c = uri; *c; c++) {
			if (*c == ' ' || (unsigned char)*c >= 0x7f || (unsigned char)*c < 0x20 ||
			    *c == '#')
				fail_msg("case %zu: unencoded byte 0x%02x in %s", i, (unsigned char)*c,
					 uri);
		}
		memset(&out, 0x5a, sizeof(out));
		if (og_otpauth_parse(uri, &out) != OG_OK) {
			print_error("case %zu: og_otpauth_parse(%s) failed (built from issuer \"%s\" account \"%s\")\n",
				    i, uri, rt[i].issuer, rt[i].account);
			nfail++;
			continue;
		}
		if (strcmp(in.issuer, out.issuer) != 0 || strcmp(in.account, out.account) != 0) {
			print_error("case %zu: %s parsed as issuer \"%s\" account \"%s\", want \"%s\" \"%s\"\n",
				    i, uri, out.issuer, out.account, in.issuer, in.account);
			nfail++;
			continue;
		}
		assert_same(&in, &out);
	}
	assert_int_equal(nfail, 0);
}

/*
 * An issuer containing ':' is ambiguous in the label (the Key Uri Format
 * forbids it, and accepts "%3A" as the separator too). Either build refuses
 * it, or what it builds parses back to the same issuer and account: it must
 * never emit a URI that the parser rejects or reads differently.
 */
static void test_issuer_with_colon_consistent(void **state)
{
	static const char *const issuers[] = { "Example: Inc", "a:b", ":x" };
	int nfail = 0;

	(void)state;
	for (size_t i = 0; i < TH_ARRAY_LEN(issuers); i++) {
		struct og_otpauth in, out;
		char uri[1024];
		int n, rc;

		fill(&in, issuers[i], "bob", "12345678901234567890", 20, OG_SHA1, 6, 30);
		n = og_otpauth_build(&in, uri, sizeof(uri));
		if (n < 0)
			continue;	/* refused: fine */
		rc = og_otpauth_parse(uri, &out);
		if (rc != OG_OK) {
			print_error("issuer \"%s\": built %s, which og_otpauth_parse rejects (%d)\n",
				    issuers[i], uri, rc);
			nfail++;
		} else if (strcmp(out.issuer, in.issuer) != 0 || strcmp(out.account, in.account) != 0) {
			print_error("issuer \"%s\": %s parses as issuer \"%s\" account \"%s\"\n",
				    issuers[i], uri, out.issuer, out.account);
			nfail++;
		}
	}
	assert_int_equal(nfail, 0);
}

/*
 * The same for the account: the parser drops spaces after the label's
 * colon and refuses an empty account, so build must refuse those (found by
 * fuzz/fuzz_otpauth_roundtrip.c: an empty account, then " l..." ).
 */
static void test_account_consistent(void **state)
{
	static const char *const accounts[] = { "", " alice", "   ", " " };
	int nfail = 0;

	(void)state;
	for (size_t i = 0; i < TH_ARRAY_LEN(accounts); i++) {
		struct og_otpauth in, out;
		char uri[1024];
		int rc;

		fill(&in, i % 2 ? "ACME" : "", accounts[i], "12345678901234567890", 20, OG_SHA1,
		     6, 30);
		if (og_otpauth_build(&in, uri, sizeof(uri)) < 0)
			continue;	/* refused: fine */
		rc = og_otpauth_parse(uri, &out);
		if (rc != OG_OK || strcmp(out.account, in.account) != 0) {
			print_error("account \"%s\": built %s, which parses as %d \"%s\"\n",
				    accounts[i], uri, rc, rc == OG_OK ? out.account : "");
			nfail++;
		}
	}
	assert_int_equal(nfail, 0);
}

/* Nor a secret or parameters the parser refuses: such a URI is never shown. */
static void test_build_refuses_unreadable(void **state)
{
	static const unsigned char secret[OG_SECRET_MAX + 8] = { 1, 2, 3 };
	struct og_otpauth u;
	char uri[1024];

	(void)state;
	fill(&u, "ACME", "alice", secret, 9, OG_SHA1, 6, 30);
	assert_int_equal(og_otpauth_build(&u, uri, sizeof(uri)), OG_ERR_INVALID);
	u.secret_len = 0;
	assert_int_equal(og_otpauth_build(&u, uri, sizeof(uri)), OG_ERR_INVALID);
	u.secret_len = OG_SECRET_MAX + 1;	/* would read past u.secret */
	assert_int_equal(og_otpauth_build(&u, uri, sizeof(uri)), OG_ERR_INVALID);
	u.secret_len = OG_SECRET_MAX;
	assert_true(og_otpauth_build(&u, uri, sizeof(uri)) > 0);
	u.params.digits = 7;
	assert_int_equal(og_otpauth_build(&u, uri, sizeof(uri)), OG_ERR_INVALID);
	u.params.digits = 8;
	u.params.period = 45;
	assert_int_equal(og_otpauth_build(&u, uri, sizeof(uri)), OG_ERR_INVALID);
	u.params.period = 60;
	u.params.algo = (enum og_algo)3;
	assert_int_equal(og_otpauth_build(&u, uri, sizeof(uri)), OG_ERR_INVALID);
	u.params.algo = OG_SHA512;
	assert_true(og_otpauth_build(&u, uri, sizeof(uri)) > 0);
}

static void test_build_contents(void **state)
{
	struct og_otpauth u;
	char uri[1024];
	const char *q;
	int n;

	(void)state;
	fill(&u, "ACME Co", "alice:ops@example.com", "12345678901234567890", 20, OG_SHA256, 8,
	     60);
	n = og_otpauth_build(&u, uri, sizeof(uri));
	assert_true(n > 0);
	assert_int_equal((size_t)n, strlen(uri));

	q = strchr(uri, '?');
	assert_non_null(q);
	/* the label: ISSUER:ACCOUNT with the issuer's space and the account's colon encoded */
	assert_non_null(strstr(uri, "otpauth://totp/ACME%20Co:alice"));
	assert_true(strcasestr(uri, "alice%3Aops%40example.com") != NULL ||
		    strcasestr(uri, "alice%3Aops@example.com") != NULL);
	/* exactly one literal ':' in the label (the separator), after "otpauth:" */
	{
		int colons = 0;

		for (const char *c = uri + strlen("otpauth://"); c < q; c++)
			colons += *c == ':';
		assert_int_equal(colons, 1);
	}
	assert_non_null(strstr(q, "secret=" SEED20_B32));
	assert_null(strstr(q, "secret=" SEED20_B32 "="));	/* no padding */
	assert_true(strstr(q, "issuer=ACME%20Co") != NULL || strstr(q, "issuer=ACME+Co") != NULL);
	assert_non_null(strstr(q, "algorithm=SHA256"));
	assert_non_null(strstr(q, "digits=8"));
	assert_non_null(strstr(q, "period=60"));
}

static void test_build_cap(void **state)
{
	struct og_otpauth u;
	char uri[1024];
	int n, m;

	(void)state;
	fill(&u, "ACME", "alice", "12345678901234567890", 20, OG_SHA1, 6, 30);
	n = og_otpauth_build(&u, uri, sizeof(uri));
	assert_true(n > 0);
	/* exactly enough room (n + NUL) works, one byte less does not */
	memset(uri, 'X', sizeof(uri));
	assert_int_equal(og_otpauth_build(&u, uri, (size_t)n + 1), n);
	assert_int_equal(strlen(uri), (size_t)n);
	memset(uri, 'X', sizeof(uri));
	m = og_otpauth_build(&u, uri, (size_t)n);
	assert_int_equal(m, OG_ERR_INVALID);
	assert_int_equal(uri[n], 'X');	/* no write past cap */
	assert_int_equal(og_otpauth_build(&u, uri, 10), OG_ERR_INVALID);
}

static void test_parse_defaults(void **state)
{
	struct og_otpauth u;

	(void)state;
	memset(&u, 0x5a, sizeof(u));
	assert_int_equal(og_otpauth_parse("otpauth://totp/Example:alice@google.com"
					  "?secret=JBSWY3DPEHPK3PXP&issuer=Example",
					  &u),
			 OG_OK);
	assert_string_equal(u.issuer, "Example");
	assert_string_equal(u.account, "alice@google.com");
	assert_int_equal(u.secret_len, 10);
	assert_memory_equal(u.secret, "Hello!\xde\xad\xbe\xef", 10);
	assert_int_equal(u.params.algo, OG_SHA1);
	assert_int_equal(u.params.digits, 6);
	assert_int_equal(u.params.period, 30);
	assert_int_equal(u.params.t0, 0);
}

static void test_parse_explicit_and_encoded(void **state)
{
	struct og_otpauth u;

	(void)state;
	memset(&u, 0, sizeof(u));
	assert_int_equal(og_otpauth_parse("otpauth://totp/ACME%20Co:john.doe%40email.com"
					  "?secret=" SEED20_B32 "&issuer=ACME%20Co"
					  "&algorithm=SHA512&digits=8&period=60",
					  &u),
			 OG_OK);
	assert_string_equal(u.issuer, "ACME Co");
	assert_string_equal(u.account, "john.doe@email.com");
	assert_int_equal(u.secret_len, 20);
	assert_memory_equal(u.secret, "12345678901234567890", 20);
	assert_int_equal(u.params.algo, OG_SHA512);
	assert_int_equal(u.params.digits, 8);
	assert_int_equal(u.params.period, 60);

	/* parameters in another order, lower-case secret with padding */
	memset(&u, 0, sizeof(u));
	assert_int_equal(og_otpauth_parse("otpauth://totp/ACME:bob"
					  "?period=30&digits=6&algorithm=SHA256"
					  "&secret=gezdgnbvgy3tqojqgezdgnbvgy======&issuer=ACME",
					  &u),
			 OG_OK);
	assert_string_equal(u.account, "bob");
	assert_int_equal(u.secret_len, 16);
	assert_memory_equal(u.secret, "1234567890123456", 16);
	assert_int_equal(u.params.algo, OG_SHA256);

	/* an encoded colon inside the account is not the separator */
	memset(&u, 0, sizeof(u));
	assert_int_equal(og_otpauth_parse("otpauth://totp/ACME:bob%3Aops"
					  "?secret=" SEED20_B32 "&issuer=ACME",
					  &u),
			 OG_OK);
	assert_string_equal(u.issuer, "ACME");
	assert_string_equal(u.account, "bob:ops");
}

static void test_parse_label_without_issuer(void **state)
{
	struct og_otpauth u;

	(void)state;
	memset(&u, 0, sizeof(u));
	assert_int_equal(og_otpauth_parse("otpauth://totp/alice?secret=" SEED20_B32, &u), OG_OK);
	assert_string_equal(u.account, "alice");
	assert_int_equal(u.secret_len, 20);
}

/*
 * hotp URIs (the Key Uri Format's counter-based type): the counter is the
 * next code's, a period is ignored as apps ignore it; built back with its
 * counter and no period. A totp URI's counter is ignored the same way.
 */
static void test_hotp(void **state)
{
	struct og_otpauth u, back;
	char uri[1024];

	(void)state;
	memset(&u, 0, sizeof(u));
	assert_int_equal(og_otpauth_parse("otpauth://HOTP/ACME:alice?secret=" SEED20_B32
					  "&issuer=ACME&counter=42&digits=8&period=45", &u), OG_OK);
	assert_int_equal(u.params.otp_kind, OG_OTP_HOTP);
	assert_int_equal(u.counter, 42);
	assert_int_equal(u.params.digits, 8);
	assert_int_equal(u.params.period, 30);
	assert_true(og_otpauth_build(&u, uri, sizeof(uri)) > 0);
	assert_string_equal(uri, "otpauth://hotp/ACME:alice?secret=" SEED20_B32
			    "&issuer=ACME&algorithm=SHA1&digits=8&counter=42");
	assert_int_equal(og_otpauth_parse(uri, &back), OG_OK);
	assert_same(&u, &back);
	assert_int_equal(back.counter, 42);
	u.counter = -1;
	assert_int_equal(og_otpauth_build(&u, uri, sizeof(uri)), OG_ERR_INVALID);
	memset(&u, 0, sizeof(u));
	assert_int_equal(og_otpauth_parse("otpauth://totp/ACME:alice?secret=" SEED20_B32
					  "&counter=7", &u), OG_OK);
	assert_int_equal(u.params.otp_kind, OG_OTP_TOTP);
	assert_int_equal(u.counter, 0);
}

static void test_parse_rejects(void **state)
{
	static const char *const bad[] = {
		/* other type / scheme; an hotp URI without its counter or with a bad one */
		"otpauth://ocra/ACME:alice?secret=" SEED20_B32,
		"otpauth://hotp/ACME:alice?secret=" SEED20_B32,
		"otpauth://hotp/ACME:alice?secret=" SEED20_B32 "&counter=",
		"otpauth://hotp/ACME:alice?secret=" SEED20_B32 "&counter=-1",
		"otpauth://hotp/ACME:alice?secret=" SEED20_B32 "&counter=1x",
		"otpauth://hotp/ACME:alice?secret=" SEED20_B32 "&counter=4611686018427387905",
		"otpauth://hotpx/ACME:alice?secret=" SEED20_B32 "&counter=0",
		"otpauth://hotp",
		"http://totp/ACME:alice?secret=" SEED20_B32,
		"otpauth:/totp/ACME:alice?secret=" SEED20_B32,
		"otpauth//totp/ACME:alice?secret=" SEED20_B32,
		"totp/ACME:alice?secret=" SEED20_B32,
		"",
		/* missing or bad secret */
		"otpauth://totp/ACME:alice?issuer=ACME",
		"otpauth://totp/ACME:alice",
		"otpauth://totp/ACME:alice?secret=",
		"otpauth://totp/ACME:alice?secret=!!!!&issuer=ACME",
		"otpauth://totp/ACME:alice?secret=GEZDGNBV1Y3TQOJQ",
		/* 65 bytes of secret: one more than OG_SECRET_MAX */
		"otpauth://totp/ACME:alice?secret="
		"AAAQEAYEAUDAOCAJBIFQYDIOB4IBCEQTCQKRMFYYDENBWHA5DYPSAIJCEMSCKJRH"
		"FAUSUKZMFUXC6MBRGIZTINJWG44DSOR3HQ6T4P2A",
		/* digits */
		"otpauth://totp/ACME:alice?secret=" SEED20_B32 "&digits=7",
		"otpauth://totp/ACME:alice?secret=" SEED20_B32 "&digits=0",
		"otpauth://totp/ACME:alice?secret=" SEED20_B32 "&digits=abc",
		"otpauth://totp/ACME:alice?secret=" SEED20_B32 "&digits=",
		"otpauth://totp/ACME:alice?secret=" SEED20_B32 "&digits=-6",
		"otpauth://totp/ACME:alice?secret=" SEED20_B32 "&digits=10",
		/* period */
		"otpauth://totp/ACME:alice?secret=" SEED20_B32 "&period=0",
		"otpauth://totp/ACME:alice?secret=" SEED20_B32 "&period=45",
		"otpauth://totp/ACME:alice?secret=" SEED20_B32 "&period=-30",
		"otpauth://totp/ACME:alice?secret=" SEED20_B32 "&period=30s",
		"otpauth://totp/ACME:alice?secret=" SEED20_B32 "&period=",
		"otpauth://totp/ACME:alice?secret=" SEED20_B32 "&period=99999999999999999999",
		/* algorithm */
		"otpauth://totp/ACME:alice?secret=" SEED20_B32 "&algorithm=MD5",
		"otpauth://totp/ACME:alice?secret=" SEED20_B32 "&algorithm=SHA384",
		"otpauth://totp/ACME:alice?secret=" SEED20_B32 "&algorithm=",
	};
	int nfail = 0;

	(void)state;
	for (size_t i = 0; i < TH_ARRAY_LEN(bad); i++) {
		struct og_otpauth u;
		int rc;

		memset(&u, 0, sizeof(u));
		rc = og_otpauth_parse(bad[i], &u);
		if (rc != OG_ERR_INVALID) {
			print_error("og_otpauth_parse(\"%s\") = %d, want OG_ERR_INVALID\n", bad[i], rc);
			nfail++;
		}
	}
	assert_int_equal(nfail, 0);
}

/* Values that do not fit the struct are refused, not silently truncated. */
static void test_parse_rejects_oversized_fields(void **state)
{
	char uri[1024], longname[201];
	struct og_otpauth u;
	int rc;

	(void)state;
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';

	snprintf(uri, sizeof(uri), "otpauth://totp/alice?secret=%s&issuer=%s", SEED20_B32,
		 longname);
	memset(&u, 0, sizeof(u));
	rc = og_otpauth_parse(uri, &u);
	if (rc == OG_OK)
		fail_msg("issuer parameter of %zu chars accepted as \"%s\" (%zu chars)",
			 strlen(longname), u.issuer, strlen(u.issuer));
	assert_int_equal(rc, OG_ERR_INVALID);

	snprintf(uri, sizeof(uri), "otpauth://totp/ACME:%s?secret=%s", longname, SEED20_B32);
	memset(&u, 0, sizeof(u));
	rc = og_otpauth_parse(uri, &u);
	assert_int_equal(rc, OG_ERR_INVALID);
}

/* Malformed percent escapes are refused rather than passed through. */
static void test_parse_rejects_bad_escapes(void **state)
{
	static const char *const bad[] = {
		"otpauth://totp/ACME:al%ZZice?secret=" SEED20_B32,
		"otpauth://totp/ACME:alice%?secret=" SEED20_B32,
		"otpauth://totp/ACME:alice%4?secret=" SEED20_B32,
		"otpauth://totp/ACME:alice%00x?secret=" SEED20_B32,
	};
	int nfail = 0;

	(void)state;
	for (size_t i = 0; i < TH_ARRAY_LEN(bad); i++) {
		struct og_otpauth u;
		int rc;

		memset(&u, 0, sizeof(u));
		rc = og_otpauth_parse(bad[i], &u);
		if (rc != OG_ERR_INVALID) {
			print_error("og_otpauth_parse(\"%s\") = %d (account \"%s\"), want OG_ERR_INVALID\n",
				    bad[i], rc, u.account);
			nfail++;
		}
	}
	assert_int_equal(nfail, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_parse_round_trip),
		cmocka_unit_test(test_issuer_with_colon_consistent),
		cmocka_unit_test(test_account_consistent),
		cmocka_unit_test(test_build_refuses_unreadable),
		cmocka_unit_test(test_build_contents),
		cmocka_unit_test(test_build_cap),
		cmocka_unit_test(test_parse_defaults),
		cmocka_unit_test(test_parse_explicit_and_encoded),
		cmocka_unit_test(test_parse_label_without_issuer),
		cmocka_unit_test(test_hotp),
		cmocka_unit_test(test_parse_rejects),
		cmocka_unit_test(test_parse_rejects_oversized_fields),
		cmocka_unit_test(test_parse_rejects_bad_escapes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

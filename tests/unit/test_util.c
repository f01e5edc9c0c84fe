/* test_util.c: og_parse_int, og_parse_duration, hex, randomness, og_ct_equal,
 * og_is_safe_name and og_strerror. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ctype.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "err.h"
#include "util.h"
#include "test_helpers.h"

/* ---- og_parse_int ---- */

struct int_ok_case {
	const char *s;
	int64_t lo, hi;
	int64_t want;
};

static const struct int_ok_case int_ok[] = {
	{ "0", 0, 10, 0 },
	{ "10", 0, 10, 10 },
	{ "5", 5, 5, 5 },
	{ "7", 0, 10, 7 },
	{ "123456", 0, 1000000, 123456 },
	{ "9223372036854775807", 0, INT64_MAX, INT64_MAX },
	{ "3", -5, 5, 3 },
};

static void test_parse_int_accepts(void **state)
{
	int nfail = 0;

	(void)state;
	for (size_t i = 0; i < TH_ARRAY_LEN(int_ok); i++) {
		int64_t v = -4242;
		int rc = og_parse_int(int_ok[i].s, int_ok[i].lo, int_ok[i].hi, &v);

		if (rc != OG_OK || v != int_ok[i].want) {
			print_error("og_parse_int(\"%s\", %lld, %lld): rc=%d value=%lld, want OK %lld\n",
				 int_ok[i].s, (long long)int_ok[i].lo, (long long)int_ok[i].hi,
				 rc, (long long)v, (long long)int_ok[i].want);
			nfail++;
		}
	}
	assert_int_equal(nfail, 0);
}

struct int_bad_case {
	const char *s;
	int64_t lo, hi;
};

static const struct int_bad_case int_bad[] = {
	{ "", 0, 100 },
	{ "-1", -10, 100 },	/* no sign, even when the range allows it */
	{ "-1", 0, 100 },
	{ "+1", 0, 100 },
	{ " 1", 0, 100 },
	{ "1 ", 0, 100 },
	{ "1x", 0, 100 },
	{ "x1", 0, 100 },
	{ "0x10", 0, 100 },
	{ "1.0", 0, 100 },
	{ "1e3", 0, 100000 },
	{ "1\n", 0, 100 },
	{ "11", 0, 10 },	/* above hi */
	{ "4", 5, 10 },		/* below lo */
	{ "99999999999999999999", 0, INT64_MAX },	/* overflows int64 */
	{ "9223372036854775808", 0, INT64_MAX },	/* INT64_MAX + 1 */
	{ "18446744073709551617", 0, INT64_MAX },	/* wraps to 1 in uint64 */
	{ "18446744073709551616", 0, INT64_MAX },	/* wraps to 0 in uint64 */
};

static void test_parse_int_rejects(void **state)
{
	int nfail = 0;

	(void)state;
	for (size_t i = 0; i < TH_ARRAY_LEN(int_bad); i++) {
		int64_t v = 0;
		int rc = og_parse_int(int_bad[i].s, int_bad[i].lo, int_bad[i].hi, &v);

		if (rc != OG_ERR_INVALID) {
			print_error("og_parse_int(\"%s\", %lld, %lld): rc=%d value=%lld, want OG_ERR_INVALID\n",
				 int_bad[i].s, (long long)int_bad[i].lo, (long long)int_bad[i].hi,
				 rc, (long long)v);
			nfail++;
		}
	}
	assert_int_equal(nfail, 0);
}

/* ---- og_parse_duration ---- */

struct dur_ok_case {
	const char *s;
	int64_t want;
};

static const struct dur_ok_case dur_ok[] = {
	{ "0", 0 },
	{ "1", 1 },
	{ "90", 90 },
	{ "45s", 45 },
	{ "10m", 600 },
	{ "15m", 900 },
	{ "2h", 7200 },
	{ "1d", 86400 },
	{ "30d", 30 * 86400 },
	{ "3650d", 3650LL * 86400 },	/* 10 years of 365 days: within "at most 10 years" */
	{ "315360000", 315360000 },
};

static void test_parse_duration_accepts(void **state)
{
	int nfail = 0;

	(void)state;
	for (size_t i = 0; i < TH_ARRAY_LEN(dur_ok); i++) {
		int64_t v = -4242;
		int rc = og_parse_duration(dur_ok[i].s, &v);

		if (rc != OG_OK || v != dur_ok[i].want) {
			print_error("og_parse_duration(\"%s\"): rc=%d value=%lld, want OK %lld\n",
				 dur_ok[i].s, rc, (long long)v, (long long)dur_ok[i].want);
			nfail++;
		}
	}
	assert_int_equal(nfail, 0);
}

static const char *const dur_bad[] = {
	"",
	"m",
	"s",
	"10x",
	"10 minutes",
	"10 m",
	" 10m",
	"10m ",
	"10mm",
	"10ms",
	"1h30m",
	"1.5h",
	"-1",
	"-5m",
	"+5m",
	"0x10",
	"3700d",			/* more than 10 years */
	"400000000",			/* more than 10 years of seconds */
	"99999999999999999999",		/* overflows int64 */
	"9223372036854775807s",
	"153722867280912931m",		/* overflows when multiplied by 60 */
	"106751991167301d",		/* overflows when multiplied by 86400 */
};

static void test_parse_duration_rejects(void **state)
{
	int nfail = 0;

	(void)state;
	for (size_t i = 0; i < TH_ARRAY_LEN(dur_bad); i++) {
		int64_t v = 0;
		int rc = og_parse_duration(dur_bad[i], &v);

		if (rc != OG_ERR_INVALID) {
			print_error("og_parse_duration(\"%s\"): rc=%d value=%lld, want OG_ERR_INVALID\n",
				 dur_bad[i], rc, (long long)v);
			nfail++;
		}
	}
	assert_int_equal(nfail, 0);
}

/* ---- hex ---- */

static void test_hex_encode_known(void **state)
{
	const unsigned char in[] = { 0x00, 0x01, 0x7f, 0x80, 0xab, 0xcd, 0xef, 0xff };
	char out[2 * sizeof(in) + 1];

	(void)state;
	memset(out, 'X', sizeof(out));
	og_hex_encode(in, sizeof(in), out);
	assert_string_equal(out, "00017f80abcdefff");

	memset(out, 'X', sizeof(out));
	og_hex_encode(in, 0, out);
	assert_string_equal(out, "");
}

static void test_hex_decode_known(void **state)
{
	unsigned char out[8];
	const unsigned char want[] = { 0x00, 0x01, 0x7f, 0x80, 0xab, 0xcd, 0xef, 0xff };

	(void)state;
	memset(out, 0x55, sizeof(out));
	assert_int_equal(og_hex_decode("00017f80abcdefff", out, sizeof(out)), 8);
	assert_memory_equal(out, want, sizeof(want));

	memset(out, 0x55, sizeof(out));
	assert_int_equal(og_hex_decode("00017F80ABCDEFFF", out, sizeof(out)), 8);
	assert_memory_equal(out, want, sizeof(want));

	memset(out, 0x55, sizeof(out));
	assert_int_equal(og_hex_decode("aBcD", out, sizeof(out)), 2);
	assert_int_equal(out[0], 0xab);
	assert_int_equal(out[1], 0xcd);

	assert_int_equal(og_hex_decode("", out, sizeof(out)), 0);
}

static void test_hex_decode_rejects(void **state)
{
	static const char *const bad[] = {
		"a", "abc", "0", "zz", "0g", "g0", "00 11", " 0011", "0011 ", "0x11",
		"00-11", "0011\n", "+1", "\xc3\xa9",
	};
	int nfail = 0;
	unsigned char out[16];

	(void)state;
	for (size_t i = 0; i < TH_ARRAY_LEN(bad); i++) {
		int rc = og_hex_decode(bad[i], out, sizeof(out));

		if (rc != OG_ERR_INVALID) {
			print_error("og_hex_decode(\"%s\"): rc=%d, want OG_ERR_INVALID\n", bad[i], rc);
			nfail++;
		}
	}
	assert_int_equal(nfail, 0);
}

static void test_hex_decode_cap(void **state)
{
	unsigned char out[8];

	(void)state;
	memset(out, 0xAA, sizeof(out));
	assert_int_equal(og_hex_decode("00112233", out, 3), OG_ERR_INVALID);
	/* nothing beyond cap may be written */
	assert_int_equal(out[3], 0xAA);
	assert_int_equal(og_hex_decode("00112233", out, 4), 4);
	assert_int_equal(out[3], 0x33);
	assert_int_equal(og_hex_decode("00", out, 0), OG_ERR_INVALID);
}

static void test_hex_round_trip(void **state)
{
	unsigned char in[64], back[64];
	char hex[2 * sizeof(in) + 1];

	(void)state;
	for (size_t len = 0; len <= sizeof(in); len++) {
		assert_int_equal(og_random(in, sizeof(in)), OG_OK);
		og_hex_encode(in, len, hex);
		assert_int_equal(strlen(hex), 2 * len);
		for (size_t i = 0; i < 2 * len; i++)
			assert_true(isdigit((unsigned char)hex[i]) ||
				    (hex[i] >= 'a' && hex[i] <= 'f'));
		memset(back, 0, sizeof(back));
		assert_int_equal(og_hex_decode(hex, back, sizeof(back)), (int)len);
		assert_memory_equal(back, in, len);
	}
}

/* ---- randomness ---- */

static void test_random(void **state)
{
	unsigned char a[32], b[32], zero[32];

	(void)state;
	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	memset(zero, 0, sizeof(zero));
	assert_int_equal(og_random(a, sizeof(a)), OG_OK);
	assert_int_equal(og_random(b, sizeof(b)), OG_OK);
	assert_memory_not_equal(a, b, sizeof(a));
	assert_memory_not_equal(a, zero, sizeof(a));
	assert_int_equal(og_random(a, 0), OG_OK);
}

/* Bulk mode: every draw fresh, also across the buffer's refills, and
 * none of them shown to another process forked meanwhile. */
static void test_random_bulk(void **state)
{
	enum { N = 600 };	/* 16-byte draws: more than the buffer holds */
	static unsigned char seen[N][16];
	unsigned char mine[32], child[32];
	int p[2], status;
	pid_t pid;

	(void)state;
	og_random_bulk(1);
	for (int i = 0; i < N; i++) {
		assert_int_equal(og_random(seen[i], sizeof(seen[i])), OG_OK);
		for (int j = 0; j < i; j++)
			assert_memory_not_equal(seen[i], seen[j], sizeof(seen[i]));
	}
	assert_int_equal(pipe(p), 0);
	if ((pid = fork()) == 0) {
		ssize_t w = og_random(child, sizeof(child)) == OG_OK ?
			write(p[1], child, sizeof(child)) : -1;
		_exit(w == (ssize_t)sizeof(child) ? 0 : 1);
	}
	assert_true(pid > 0);
	assert_int_equal(read(p[0], child, sizeof(child)), (ssize_t)sizeof(child));
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(og_random(mine, sizeof(mine)), OG_OK);
	assert_memory_not_equal(mine, child, sizeof(mine));
	close(p[0]);
	close(p[1]);
	og_random_bulk(0);
	assert_int_equal(og_random(mine, sizeof(mine)), OG_OK);
	assert_memory_not_equal(mine, child, sizeof(mine));
}

static void test_random_id(void **state)
{
	char a[33], b[33];

	(void)state;
	memset(a, 'X', sizeof(a));
	memset(b, 'X', sizeof(b));
	assert_int_equal(og_random_id(a), OG_OK);
	assert_int_equal(og_random_id(b), OG_OK);
	assert_int_equal(a[32], '\0');
	assert_int_equal(strlen(a), 32);
	assert_int_equal(strlen(b), 32);
	for (int i = 0; i < 32; i++)
		assert_true(isdigit((unsigned char)a[i]) || (a[i] >= 'a' && a[i] <= 'f'));
	assert_string_not_equal(a, b);
}

/* ---- og_ct_equal ---- */

static void test_ct_equal(void **state)
{
	unsigned char a[32], b[32];

	(void)state;
	for (size_t i = 0; i < sizeof(a); i++)
		a[i] = b[i] = (unsigned char)(i * 7 + 1);
	assert_true(og_ct_equal(a, b, sizeof(a)));
	assert_true(og_ct_equal(a, b, 0));
	b[31] ^= 0x01;
	assert_false(og_ct_equal(a, b, sizeof(a)));
	assert_true(og_ct_equal(a, b, 31));	/* only the prefix is compared */
	b[31] ^= 0x01;
	b[0] ^= 0x80;
	assert_false(og_ct_equal(a, b, sizeof(a)));
	assert_true(og_ct_equal("abc", "abc", 3));
	assert_false(og_ct_equal("abc", "abd", 3));
}

/* ---- og_code_normalize ---- */

/* A typed code: hyphens and spaces dropped, case folded to the alphabet's. */
static void test_code_normalize(void **state)
{
	char out[8];

	(void)state;
	assert_int_equal(og_code_normalize("ab-c d", "abcd", 4, out), 0);
	assert_string_equal(out, "abcd");
	assert_int_equal(og_code_normalize("AB-CD", "abcd", 4, out), 0);
	assert_string_equal(out, "abcd");
	assert_int_equal(og_code_normalize("k7-qd", "K7QD", 4, out), 0);
	assert_string_equal(out, "K7QD");
	assert_int_equal(og_code_normalize("abc", "abcd", 4, out), -1);	/* short */
	assert_int_equal(og_code_normalize("abcda", "abcd", 4, out), -1);	/* long */
	assert_int_equal(strlen(out), 4);
	assert_int_equal(og_code_normalize("abce", "abcd", 4, out), -1);	/* not in it */
	assert_int_equal(og_code_normalize("ab\xc3\xa4", "abcd", 4, out), -1);
	assert_int_equal(og_code_normalize("", "abcd", 4, out), -1);
	assert_string_equal(out, "");
}

/* ---- og_is_safe_name ---- */

struct name_case {
	const char *s;
	size_t max;
	int want;
};

static const struct name_case names[] = {
	{ "alice", 32, 1 },
	{ "a", 1, 1 },
	{ "Alice.Bob_99@example.com", 64, 1 },
	{ "svc-backup+ops", 64, 1 },
	{ "abcd", 4, 1 },
	{ "abcde", 4, 0 },	/* longer than max */
	{ "", 32, 0 },
	{ "a b", 32, 0 },
	{ "a/b", 32, 0 },
	{ "../etc", 32, 0 },
	{ "a;b", 32, 0 },
	{ "a:b", 32, 0 },
	{ "a=b", 32, 0 },
	{ "a\"b", 32, 0 },
	{ "a\\b", 32, 0 },
	{ "a\nb", 32, 0 },
	{ "a\tb", 32, 0 },
	{ "alice\n", 32, 0 },
	{ "j\xc3\xbcrgen", 32, 0 },
	{ "a*", 32, 0 },
	{ "$(id)", 32, 0 },
	{ "a-", 32, 1 },
	{ "-alice", 32, 0 },	/* would read as an option to a program */
	{ "-", 32, 0 },
	{ "--help", 32, 0 },
	{ ".", 32, 0 },		/* a directory, as a path component */
	{ "..", 32, 0 },
	{ "...", 32, 1 },
	{ ".alice", 32, 1 },
};

static void test_is_safe_name(void **state)
{
	int nfail = 0;

	(void)state;
	for (size_t i = 0; i < TH_ARRAY_LEN(names); i++) {
		int got = og_is_safe_name(names[i].s, names[i].max) ? 1 : 0;

		if (got != names[i].want) {
			print_error("og_is_safe_name(\"%s\", %zu) = %d, want %d\n", names[i].s,
				 names[i].max, got, names[i].want);
			nfail++;
		}
	}
	assert_int_equal(nfail, 0);
}

/* ---- og_copy ---- */

static void test_copy(void **state)
{
	char dst[8];

	(void)state;
	memset(dst, 'X', sizeof(dst));
	assert_int_equal(og_copy(dst, sizeof(dst), "abc"), OG_OK);
	assert_string_equal(dst, "abc");

	/* cap - 1 characters fit exactly */
	memset(dst, 'X', sizeof(dst));
	assert_int_equal(og_copy(dst, sizeof(dst), "1234567"), OG_OK);
	assert_string_equal(dst, "1234567");

	/* cap characters do not: dst left empty, nothing written past cap */
	memset(dst, 'X', sizeof(dst));
	assert_int_equal(og_copy(dst, 4, "abcd"), OG_ERR_INVALID);
	assert_string_equal(dst, "");
	assert_int_equal(dst[4], 'X');
	memset(dst, 'X', sizeof(dst));
	assert_int_equal(og_copy(dst, 4, "a much longer string"), OG_ERR_INVALID);
	assert_string_equal(dst, "");
	assert_int_equal(dst[4], 'X');

	memset(dst, 'X', sizeof(dst));
	assert_int_equal(og_copy(dst, 1, ""), OG_OK);
	assert_string_equal(dst, "");
	memset(dst, 'X', sizeof(dst));
	assert_int_equal(og_copy(dst, 0, ""), OG_ERR_INVALID);
	assert_int_equal(dst[0], 'X');
}

/* ---- og_strerror ---- */

static void test_strerror(void **state)
{
	static const int codes[] = {
		OG_OK, OG_ERR_NOMEM, OG_ERR_INVALID, OG_ERR_IO, OG_ERR_UNSAFE, OG_ERR_CRYPTO,
		OG_ERR_STORE, OG_ERR_NOTFOUND, OG_ERR_REPLAY, OG_ERR_EXISTS, OG_ERR_CONFIG,
		OG_ERR_SCHEMA,
	};
	const char *unknown = og_strerror(-12345);

	(void)state;
	assert_non_null(unknown);
	for (size_t i = 0; i < TH_ARRAY_LEN(codes); i++) {
		const char *s = og_strerror(codes[i]);

		assert_non_null(s);
		assert_true(strlen(s) > 0);
		assert_string_not_equal(s, unknown);
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(s, og_strerror(codes[j]));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_int_accepts),
		cmocka_unit_test(test_parse_int_rejects),
		cmocka_unit_test(test_parse_duration_accepts),
		cmocka_unit_test(test_parse_duration_rejects),
		cmocka_unit_test(test_hex_encode_known),
		cmocka_unit_test(test_hex_decode_known),
		cmocka_unit_test(test_hex_decode_rejects),
		cmocka_unit_test(test_hex_decode_cap),
		cmocka_unit_test(test_hex_round_trip),
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_random_bulk),
		cmocka_unit_test(test_random_id),
		cmocka_unit_test(test_ct_equal),
		cmocka_unit_test(test_code_normalize),
		cmocka_unit_test(test_is_safe_name),
		cmocka_unit_test(test_copy),
		cmocka_unit_test(test_strerror),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

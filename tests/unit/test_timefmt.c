/* test_timefmt.c: UTC times as audit prints them, and as operators type them. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "err.h"
#include "timefmt.h"

#define NOW 1764477646	/* 2025-11-30T04:40:46Z */

static int64_t parsed(const char *s)
{
	int64_t t = -1;

	if (og_time_parse(s, NOW, &t) != OG_OK)
		fail_msg("'%s' refused", s);
	return t;
}

static void test_format_utc(void **state)
{
	char out[OG_TIME_LEN];

	(void)state;
	og_time_utc(0, out);
	assert_string_equal(out, "1970-01-01T00:00:00Z");
	og_time_utc(NOW, out);
	assert_string_equal(out, "2025-11-30T04:40:46Z");
}

/* When a lock ends, as the person waiting is told: the minute rounded up,
 * the date too when it is not within a day. */
static void test_until(void **state)
{
	char out[OG_TIME_LEN];

	(void)state;
	og_time_until(NOW + 900, NOW, out);
	assert_string_equal(out, "04:56 UTC");
	og_time_until(NOW + 14, NOW, out);
	assert_string_equal(out, "04:41 UTC");
	og_time_until(NOW + 14 + 60, NOW, out);
	assert_string_equal(out, "04:42 UTC");
	og_time_until(NOW + 86399, NOW, out);
	assert_string_equal(out, "04:41 UTC");
	og_time_until(NOW + 2 * 86400, NOW, out);
	assert_string_equal(out, "2025-12-02 04:41 UTC");
}

/* What audit prints, audit --since takes back. */
static void test_round_trip(void **state)
{
	char out[OG_TIME_LEN];

	(void)state;
	for (int64_t t = 951782400 - 86400; t < 951782400 + 86400 * 3; t += 3607) {
		og_time_utc(t, out);
		assert_int_equal(parsed(out), t);
	}
}

static void test_forms(void **state)
{
	(void)state;
	assert_int_equal(parsed("2025-11-30"), NOW - (4 * 3600 + 40 * 60 + 46));
	assert_int_equal(parsed("2025-11-30T04:40"), NOW - 46);
	assert_int_equal(parsed("2025-11-30T04:40:46"), NOW);
	assert_int_equal(parsed("2025-11-30T06:40:46+02:00"), NOW);
	assert_int_equal(parsed("2025-11-30T01:10:46-0330"), NOW);
	assert_int_equal(parsed("2024-02-29T00:00:00Z"), 1709164800);
	assert_int_equal(parsed("2h"), NOW - 7200);
	assert_int_equal(parsed("7d"), NOW - 7 * 86400);
	assert_int_equal(parsed("90"), NOW - 90);
	assert_int_equal(parsed("1700000000"), 1700000000);
}

static void test_refused(void **state)
{
	static const char *const bad[] = {
		"", "yesterday", "2h30m", "-2h", "2025-11-31", "2023-02-29", "2025-13-01",
		"2025-11-30T24:00:00Z", "2025-11-30T10:60Z", "2025-11-30 10:00:00",
		"2025-11-30T10", "2025-11-30T10:00:00ZZ", "2025-11-30T10:00:00+2",
		"2025-11-30:10", "25-11-30", "1969-12-31", "2025-1-30", "2025-11-30T10:00:00.5Z",
		"2025-11-30T10:00:00+24:00",
		"2025-11-30T10:00:00Z0000000000000000000000000000000000000000",
	};
	int64_t t;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (og_time_parse(bad[i], NOW, &t) == OG_OK)
			fail_msg("'%s' accepted as %lld", bad[i], (long long)t);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_utc),
		cmocka_unit_test(test_until),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_forms),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

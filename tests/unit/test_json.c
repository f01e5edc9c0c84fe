/* test_json.c: JSON strings out of any bytes. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

static char *quoted(const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	og_json_quote(f, s);
	fclose(f);
	return buf;
}

static void check(const char *in, const char *want)
{
	char *got = quoted(in);

	assert_string_equal(got, want);
	free(got);
}

static void test_quote(void **state)
{
	(void)state;
	check("plain /var/lib/otpgate", "\"plain /var/lib/otpgate\"");
	check("", "\"\"");
	check(NULL, "null");
	check("a\"b\\c", "\"a\\\"b\\\\c\"");
	check("line\nfeed\ttab\x01\x7f", "\"line\\u000afeed\\u0009tab\\u0001\\u007f\"");
	check("caf\xc3\xa9", "\"caf\\u00c3\\u00a9\"");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quote),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

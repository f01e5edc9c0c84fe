/* test_json.c: JSON strings, under the one escaping rule of audit values. */
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
	/* a quote is JSON's to escape; a backslash is the rule's own escape */
	check("a\"b\\c", "\"a\\\"b\\\\x5cc\"");
	/* the one escaping rule of audit values first: a control character, an
	 * invalid byte or a bidirectional control reads \xHH, as in the trail */
	check("line\nfeed\ttab\x01\x7f", "\"line\\\\x0afeed\\\\x09tab\\\\x01\\\\x7f\"");
	check("bad\xff byte", "\"bad\\\\xff byte\"");
	check("rtl\xe2\x80\xaeoverride", "\"rtl\\\\xe2\\\\x80\\\\xaeoverride\"");
	/* valid UTF-8 is kept as it is, as og_audit_json keeps it */
	check("caf\xc3\xa9", "\"caf\xc3\xa9\"");
}

/* og_json_string: the JSON string of a value in its stored form; 0 when it
 * does not fit. */
static void test_string(void **state)
{
	char out[16];

	(void)state;
	assert_int_equal(og_json_string("a\"b\\c", out, sizeof(out)), 9);
	assert_string_equal(out, "\"a\\\"b\\\\c\"");
	assert_int_equal(og_json_string("\x1f", out, sizeof(out)), 8);
	assert_string_equal(out, "\"\\u001f\"");
	assert_int_equal(og_json_string("0123456789abcdef", out, sizeof(out)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quote),
		cmocka_unit_test(test_string),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_codesplit.c: the password and the code of a combined answer. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "codesplit.h"
#include "err.h"

static void test_password_then_code(void **state)
{
	char answer[32] = "s3cret pass123456", code[9];

	(void)state;
	assert_int_equal(og_code_split(answer, 6, code, sizeof(code)), OG_OK);
	assert_string_equal(code, "123456");
	assert_string_equal(answer, "s3cret pass");
	/* the code's bytes are gone from the answer, not only cut off */
	for (size_t i = strlen("s3cret pass"); i < strlen("s3cret pass123456"); i++)
		assert_int_equal(answer[i], 0);
}

static void test_code_only_and_short(void **state)
{
	char answer[32] = "12345678", code[9];

	(void)state;
	assert_int_equal(og_code_split(answer, 8, code, sizeof(code)), OG_OK);
	assert_string_equal(code, "12345678");
	assert_string_equal(answer, "");
	/* shorter than a code: all password, no code */
	strcpy(answer, "12345");
	assert_int_equal(og_code_split(answer, 6, code, sizeof(code)), OG_OK);
	assert_string_equal(code, "");
	assert_string_equal(answer, "12345");
	strcpy(answer, "");
	assert_int_equal(og_code_split(answer, 6, code, sizeof(code)), OG_OK);
	assert_string_equal(code, "");
}

static void test_bad_digits(void **state)
{
	char answer[32] = "password123456", code[7];

	(void)state;
	assert_int_equal(og_code_split(answer, 0, code, sizeof(code)), OG_ERR_INVALID);
	assert_int_equal(og_code_split(answer, -6, code, sizeof(code)), OG_ERR_INVALID);
	assert_int_equal(og_code_split(answer, 8, code, sizeof(code)), OG_ERR_INVALID);
	assert_string_equal(code, "");
	assert_string_equal(answer, "password123456");
	assert_int_equal(og_code_split(answer, 6, code, sizeof(code)), OG_OK);
	assert_string_equal(code, "123456");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_password_then_code),
		cmocka_unit_test(test_code_only_and_short),
		cmocka_unit_test(test_bad_digits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_recovery.c: recovery codes are generated, normalised and matched. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <ctype.h>
#include <string.h>
#include <cmocka.h>

#include "err.h"
#include "recovery.h"

static void test_generate_and_match(void **state)
{
	char codes[OG_RECOVERY_CODES][OG_RECOVERY_LEN + 2], typed[16];
	struct og_recovery_set set;

	(void)state;
	assert_int_equal(og_recovery_generate(codes, &set), OG_OK);
	assert_int_equal(set.n, OG_RECOVERY_CODES);
	for (int i = 0; i < OG_RECOVERY_CODES; i++) {
		assert_int_equal(strlen(codes[i]), 11);
		assert_int_equal(codes[i][5], '-');
		assert_true(og_recovery_shaped(codes[i]));
		for (int j = 0; j < i; j++)
			assert_string_not_equal(codes[i], codes[j]);
	}
	assert_int_equal(og_recovery_match(&set, codes[3]), 3);
	/* as people type it: capitals, no hyphen, spaces */
	size_t o = 0;
	for (int k = 0; codes[7][k]; k++) {
		if (codes[7][k] != '-')
			typed[o++] = (char)toupper((unsigned char)codes[7][k]);
	}
	typed[o] = '\0';
	assert_int_equal(og_recovery_match(&set, typed), 7);
	/* a used code still matches (the caller reports a replay) */
	set.used[3] = 1;
	assert_int_equal(og_recovery_match(&set, codes[3]), 3);
	/* another set's salt: no match */
	struct og_recovery_set other;
	char other_codes[OG_RECOVERY_CODES][OG_RECOVERY_LEN + 2];
	assert_int_equal(og_recovery_generate(other_codes, &other), OG_OK);
	assert_int_equal(og_recovery_match(&other, codes[0]), -1);
}

static void test_shapes(void **state)
{
	(void)state;
	assert_true(og_recovery_shaped("abcde-fghjk"));
	assert_true(og_recovery_shaped("ABCDE FGHJK"));
	assert_false(og_recovery_shaped("123456"));	/* a TOTP code */
	assert_false(og_recovery_shaped("abcde-fghj"));	/* too short */
	assert_false(og_recovery_shaped("abcde-fghjkm"));	/* too long */
	assert_false(og_recovery_shaped("abcde-fgh0k"));	/* 0 is not in the alphabet */
	assert_false(og_recovery_shaped("abcde-fghlk"));	/* nor is l */
	assert_false(og_recovery_shaped(""));
	assert_false(og_recovery_shaped(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_generate_and_match),
		cmocka_unit_test(test_shapes),
	};

	return cmocka_run_group_tests_name("recovery", tests, NULL, NULL);
}

/* test_accesskey.c: key states, validity and sshd's expiry-time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "accesskey.h"
#include "err.h"

static void test_validity_by_state_and_time(void **state)
{
	struct og_access_key k;
	static const struct { enum og_key_state st; int64_t not_after; int valid; } cases[] = {
		{ OG_KEY_ACTIVE, 2000, 1 }, { OG_KEY_GRACE, 2000, 1 },
		{ OG_KEY_ACTIVE, 1000, 0 },	/* not-after is exclusive: at 1000 it is over */
		{ OG_KEY_GRACE, 999, 0 }, { OG_KEY_EXPIRED, 2000, 0 }, { OG_KEY_REVOKED, 2000, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&k, 0, sizeof(k));
		k.state = cases[i].st;
		k.not_after = cases[i].not_after;
		assert_int_equal(og_access_key_valid(&k, 1000), cases[i].valid);
	}
}

static void test_state_names_round_trip(void **state)
{
	enum og_key_state st;

	(void)state;
	for (int i = OG_KEY_ACTIVE; i <= OG_KEY_REVOKED; i++) {
		assert_int_equal(og_key_state_parse(og_key_state_name((enum og_key_state)i), &st), OG_OK);
		assert_int_equal((int)st, i);
	}
	assert_int_equal(og_key_state_parse("Active", &st), OG_ERR_INVALID);
	assert_int_equal(og_key_state_parse("", &st), OG_ERR_INVALID);
}

static void test_expiry_time_is_utc(void **state)
{
	char out[32];

	(void)state;
	og_expiry_time(0, out);
	assert_string_equal(out, "19700101000000Z");
	og_expiry_time(1795442660, out);	/* 2026-11-23 14:04:20 UTC */
	assert_string_equal(out, "20261123140420Z");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_validity_by_state_and_time),
		cmocka_unit_test(test_state_names_round_trip),
		cmocka_unit_test(test_expiry_time_is_utc),
	};

	return cmocka_run_group_tests_name("accesskey", tests, NULL, NULL);
}

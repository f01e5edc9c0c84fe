/* test_accesskey.c: key states, validity, sshd's expiry-time, and the rotation rules. */
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
	static const struct { enum og_access_key_state st; int64_t not_after; int valid; } cases[] = {
		{ OG_ACCESS_KEY_ACTIVE, 2000, 1 }, { OG_ACCESS_KEY_GRACE, 2000, 1 },
		{ OG_ACCESS_KEY_ACTIVE, 1000, 0 },	/* not-after is exclusive: at 1000 it is over */
		{ OG_ACCESS_KEY_GRACE, 999, 0 }, { OG_ACCESS_KEY_EXPIRED, 2000, 0 },
		{ OG_ACCESS_KEY_REVOKED, 2000, 0 },
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
	enum og_access_key_state st;

	(void)state;
	for (int i = OG_ACCESS_KEY_ACTIVE; i <= OG_ACCESS_KEY_REVOKED; i++) {
		const char *name = og_access_key_state_name((enum og_access_key_state)i);
		assert_int_equal(og_access_key_state_parse(name, &st), OG_OK);
		assert_int_equal((int)st, i);
	}
	assert_int_equal(og_access_key_state_parse("Active", &st), OG_ERR_INVALID);
	assert_int_equal(og_access_key_state_parse("", &st), OG_ERR_INVALID);
}

static void test_expiry_time_is_utc(void **state)
{
	char out[32];

	(void)state;
	og_access_key_expiry(0, out);
	assert_string_equal(out, "19700101000000Z");
	og_access_key_expiry(1795442660, out);	/* 2026-11-23 14:04:20 UTC */
	assert_string_equal(out, "20261123140420Z");
}

static struct og_access_key key_at(enum og_access_key_state st, int64_t created, int64_t not_after)
{
	struct og_access_key k;

	memset(&k, 0, sizeof(k));
	k.state = st;
	k.created = created;
	k.not_after = not_after;
	return k;
}

/* At most two valid keys; the current key is the newest valid active one. */
static void test_current_and_valid_keys(void **state)
{
	struct og_access_key keys[] = {
		key_at(OG_ACCESS_KEY_GRACE, 100, 2000), key_at(OG_ACCESS_KEY_ACTIVE, 200, 5000),
		key_at(OG_ACCESS_KEY_REVOKED, 300, 9000), key_at(OG_ACCESS_KEY_ACTIVE, 400, 900),
	};

	(void)state;
	assert_int_equal(og_access_key_count_valid(keys, 4, 1000), 2);
	assert_ptr_equal(og_access_key_current(keys, 4, 1000), &keys[1]);
	assert_ptr_equal(og_access_key_current(keys, 4, 800), &keys[3]);
	assert_null(og_access_key_current(keys, 1, 1000));
	assert_int_equal(og_access_key_count_valid(keys, 4, 6000), 0);
}

/* A rotation expires what is past its not-after (no successor), and
 * replaces a current key older than max_age; grace never outlives a key. */
static void test_rotation_rules(void **state)
{
	static const struct {
		enum og_access_key_state st;
		int64_t created, not_after;
		enum og_rotation_step due;
	} cases[] = {
		{ OG_ACCESS_KEY_ACTIVE, 900, 5000, OG_ROTATE_KEEP },
		{ OG_ACCESS_KEY_ACTIVE, 500, 5000, OG_ROTATE_REPLACE },	/* created <= now - max_age */
		{ OG_ACCESS_KEY_ACTIVE, 499, 1000, OG_ROTATE_EXPIRE },	/* past not-after: no successor */
		{ OG_ACCESS_KEY_GRACE, 100, 1000, OG_ROTATE_EXPIRE },
		{ OG_ACCESS_KEY_GRACE, 100, 1001, OG_ROTATE_KEEP },	/* grace is never replaced */
		{ OG_ACCESS_KEY_REVOKED, 100, 900, OG_ROTATE_KEEP },
		{ OG_ACCESS_KEY_EXPIRED, 100, 900, OG_ROTATE_KEEP },
	};
	struct og_access_key k;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		k = key_at(cases[i].st, cases[i].created, cases[i].not_after);
		assert_int_equal(og_access_key_due(&k, 1000, 500), cases[i].due);
	}
	k = key_at(OG_ACCESS_KEY_ACTIVE, 100, 1500);
	assert_int_equal(og_access_key_grace_until(&k, 1000, 200), 1200);
	assert_int_equal(og_access_key_grace_until(&k, 1000, 900), 1500);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_validity_by_state_and_time),
		cmocka_unit_test(test_state_names_round_trip),
		cmocka_unit_test(test_expiry_time_is_utc),
		cmocka_unit_test(test_current_and_valid_keys),
		cmocka_unit_test(test_rotation_rules),
	};

	return cmocka_run_group_tests_name("accesskey", tests, NULL, NULL);
}

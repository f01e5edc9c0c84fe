/* test_lockout.c: the failure-counting rule shared by all store backends. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "err.h"
#include "lockout.h"

static const struct og_lockout three_in_10m = { 3, 600, 900 };

static void test_third_failure_locks(void **state)
{
	struct og_failures f = { 0, 0, 0 };

	(void)state;
	assert_int_equal(og_lockout_count(&f, 0, 1000, &three_in_10m), 0);
	assert_int_equal(f.count, 1);
	assert_int_equal(og_lockout_count(&f, 1, 1010, &three_in_10m), 0);
	assert_int_equal(og_lockout_count(&f, 1, 1020, &three_in_10m), 1);
	assert_int_equal(f.locked_until, 1020 + 900);
	assert_int_equal(f.count, 0);
	/* while locked, failures never extend or renew the lock */
	assert_int_equal(og_lockout_count(&f, 1, 1030, &three_in_10m), 0);
	assert_int_equal(f.locked_until, 1920);
}

static void test_old_failures_expire(void **state)
{
	struct og_failures f = { 0, 0, 0 };

	(void)state;
	og_lockout_count(&f, 0, 1000, &three_in_10m);
	og_lockout_count(&f, 1, 1100, &three_in_10m);
	/* the window started at 1000: at 1600 it is over, the count starts again */
	assert_int_equal(og_lockout_count(&f, 1, 1600, &three_in_10m), 0);
	assert_int_equal(f.count, 1);
	assert_int_equal(f.window_start, 1600);
}

static void test_expired_lock_is_cleared(void **state)
{
	struct og_failures f = { 0, 100, 500 };

	(void)state;
	assert_int_equal(og_lockout_count(&f, 1, 1000, &three_in_10m), 0);
	assert_int_equal(f.locked_until, 0);
	assert_int_equal(f.count, 1);
}

static void test_until_unlocked_and_disabled(void **state)
{
	const struct og_lockout forever = { 1, 60, 0 }, never = { 0, 60, 900 };
	struct og_failures f = { 0, 0, 0 };

	(void)state;
	assert_int_equal(og_lockout_count(&f, 0, 50, &forever), 1);
	assert_true(f.locked_until == INT64_MAX);
	f = (struct og_failures){ 0, 0, 0 };
	for (int i = 0; i < 100; i++)
		assert_int_equal(og_lockout_count(&f, i > 0, 50 + i, &never), 0);
	assert_int_equal(f.locked_until, 0);
}

/* What bars a login: removal (of the user or the organisation) over a lock. */
static void test_standing(void **state)
{
	const struct og_standing clear = { 0, 0, 0 }, expired = { 0, 0, 999 },
		locked = { 0, 0, 1001 }, forever = { 0, 0, INT64_MAX },
		removed = { 900, 0, 0 }, org = { 0, 1, 0 }, both = { 900, 0, INT64_MAX };

	(void)state;
	assert_int_equal(og_lockout_standing(&clear, 1000), OG_OK);
	assert_int_equal(og_lockout_standing(&expired, 1000), OG_OK);
	assert_int_equal(og_lockout_standing(&locked, 1000), OG_ERR_LOCKED);
	assert_int_equal(og_lockout_standing(&locked, 1001), OG_OK);
	assert_int_equal(og_lockout_standing(&forever, 1000), OG_ERR_LOCKED);
	assert_int_equal(og_lockout_standing(&removed, 1000), OG_ERR_REMOVED);
	assert_int_equal(og_lockout_standing(&org, 1000), OG_ERR_REMOVED);
	assert_int_equal(og_lockout_standing(&both, 1000), OG_ERR_REMOVED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_third_failure_locks),
		cmocka_unit_test(test_old_failures_expire),
		cmocka_unit_test(test_expired_lock_is_cleared),
		cmocka_unit_test(test_until_unlocked_and_disabled),
		cmocka_unit_test(test_standing),
	};

	return cmocka_run_group_tests_name("lockout", tests, NULL, NULL);
}

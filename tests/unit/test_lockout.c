/* test_lockout.c: the failure-counting rule shared by all store backends. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "err.h"
#include "lockout.h"

static const struct og_lockout three_in_10m = { 3, 600, 900, 0 };
static const struct og_lockout step_up_3 = { 3, 600, 900, 1 };
#define NONE { 0, 0, 0, 0, -1 }

static void test_third_failure_locks(void **state)
{
	struct og_failures f = NONE;

	(void)state;
	assert_int_equal(og_lockout_count(&f, 0, 1000, &three_in_10m, -1), OG_COUNT_ONE);
	assert_int_equal(f.count, 1);
	assert_int_equal(og_lockout_count(&f, 1, 1010, &three_in_10m, -1), OG_COUNT_ONE);
	assert_int_equal(og_lockout_count(&f, 1, 1020, &three_in_10m, -1), OG_COUNT_LOCKED);
	assert_int_equal(f.locked_until, 1020 + 900);
	assert_int_equal(f.failure_mode_until, 0);
	assert_int_equal(f.count, 0);
	/* while locked, failures never extend or renew the lock */
	assert_int_equal(og_lockout_count(&f, 1, 1030, &three_in_10m, -1), OG_COUNT_ONE);
	assert_int_equal(f.locked_until, 1920);
}

static void test_old_failures_expire(void **state)
{
	struct og_failures f = NONE;

	(void)state;
	og_lockout_count(&f, 0, 1000, &three_in_10m, -1);
	og_lockout_count(&f, 1, 1100, &three_in_10m, -1);
	/* the window started at 1000: at 1600 it is over, the count starts again */
	assert_int_equal(og_lockout_count(&f, 1, 1600, &three_in_10m, -1), OG_COUNT_ONE);
	assert_int_equal(f.count, 1);
	assert_int_equal(f.window_start, 1600);
}

static void test_expired_lock_is_cleared(void **state)
{
	struct og_failures f = { 0, 100, 500, 0, -1 };

	(void)state;
	assert_int_equal(og_lockout_count(&f, 1, 1000, &three_in_10m, -1), OG_COUNT_ONE);
	assert_int_equal(f.locked_until, 0);
	assert_int_equal(f.count, 1);
}

static void test_until_unlocked_and_disabled(void **state)
{
	const struct og_lockout forever = { 1, 60, 0, 0 }, never = { 0, 60, 900, 0 };
	struct og_failures f = NONE;

	(void)state;
	assert_int_equal(og_lockout_count(&f, 0, 50, &forever, -1), OG_COUNT_LOCKED);
	assert_true(f.locked_until == INT64_MAX);
	f = (struct og_failures)NONE;
	for (int i = 0; i < 100; i++)
		assert_int_equal(og_lockout_count(&f, i > 0, 50 + i, &never, -1), OG_COUNT_ONE);
	assert_int_equal(f.locked_until, 0);
}

/* lockout.mode "step-up": the third failure puts the user into failure
 * mode for lock_for instead of locking; failures within it are counted
 * but begin nothing again (so it is notified once); it ends on time. */
static void test_step_up_enters_failure_mode(void **state)
{
	const struct og_lockout for_good = { 1, 60, 0, 1 };
	struct og_failures f = NONE;

	(void)state;
	assert_int_equal(og_lockout_count(&f, 0, 1000, &step_up_3, -1), OG_COUNT_ONE);
	assert_int_equal(og_lockout_count(&f, 1, 1010, &step_up_3, -1), OG_COUNT_ONE);
	assert_int_equal(og_lockout_count(&f, 1, 1020, &step_up_3, -1), OG_COUNT_FAILURE_MODE);
	assert_int_equal(f.failure_mode_until, 1920);
	assert_int_equal(f.locked_until, 0);
	for (int i = 0; i < 5; i++)
		assert_int_equal(og_lockout_count(&f, 1, 1030 + i, &step_up_3, -1), OG_COUNT_ONE);
	assert_int_equal(f.failure_mode_until, 1920);
	assert_int_equal(f.locked_until, 0);
	/* over: the next failures count from the start, and may begin it again */
	assert_int_equal(og_lockout_count(&f, 1, 1920, &step_up_3, -1), OG_COUNT_ONE);
	assert_int_equal(f.failure_mode_until, 0);
	f = (struct og_failures)NONE;
	assert_int_equal(og_lockout_count(&f, 0, 5, &for_good, -1), OG_COUNT_FAILURE_MODE);
	assert_true(f.failure_mode_until == INT64_MAX);
}

/* A replay of the user's own last accepted code counts once per step; a
 * replay of another step, or another failure, counts as before. */
static void test_replay_counts_once_per_step(void **state)
{
	struct og_failures f = NONE;

	(void)state;
	assert_int_equal(og_lockout_count(&f, 0, 1000, &three_in_10m, 77), OG_COUNT_ONE);
	assert_int_equal(f.replay_step, 77);
	for (int i = 0; i < 10; i++)
		assert_int_equal(og_lockout_count(&f, 1, 1001 + i, &three_in_10m, 77),
				 OG_COUNT_SKIPPED);
	assert_int_equal(f.count, 1);
	assert_int_equal(og_lockout_count(&f, 1, 1020, &three_in_10m, 78), OG_COUNT_ONE);
	assert_int_equal(f.replay_step, 78);
	assert_int_equal(og_lockout_count(&f, 1, 1030, &three_in_10m, -1), OG_COUNT_LOCKED);
	assert_int_equal(f.replay_step, 78);
}

/* What bars a login: removal (of the user or the organisation) over a
 * lock, a lock over failure mode. */
static void test_standing(void **state)
{
	const struct og_standing clear = { 0, 0, 0, 0 }, expired = { 0, 0, 999, 999 },
		locked = { 0, 0, 1001, 0 }, forever = { 0, 0, INT64_MAX, 0 },
		removed = { 900, 0, 0, 0 }, org = { 0, 1, 0, 0 }, both = { 900, 0, INT64_MAX, 0 },
		mode = { 0, 0, 0, 1001 }, mode_locked = { 0, 0, 1001, 2000 },
		mode_removed = { 900, 0, 0, INT64_MAX };

	(void)state;
	assert_int_equal(og_lockout_standing(&clear, 1000), OG_OK);
	assert_int_equal(og_lockout_standing(&expired, 1000), OG_OK);
	assert_int_equal(og_lockout_standing(&locked, 1000), OG_ERR_LOCKED);
	assert_int_equal(og_lockout_standing(&locked, 1001), OG_OK);
	assert_int_equal(og_lockout_standing(&forever, 1000), OG_ERR_LOCKED);
	assert_int_equal(og_lockout_standing(&removed, 1000), OG_ERR_REMOVED);
	assert_int_equal(og_lockout_standing(&org, 1000), OG_ERR_REMOVED);
	assert_int_equal(og_lockout_standing(&both, 1000), OG_ERR_REMOVED);
	assert_int_equal(og_lockout_standing(&mode, 1000), OG_ERR_FAILURE_MODE);
	assert_int_equal(og_lockout_standing(&mode, 1001), OG_OK);
	assert_int_equal(og_lockout_standing(&mode_locked, 1000), OG_ERR_LOCKED);
	assert_int_equal(og_lockout_standing(&mode_removed, 1000), OG_ERR_REMOVED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_third_failure_locks),
		cmocka_unit_test(test_old_failures_expire),
		cmocka_unit_test(test_expired_lock_is_cleared),
		cmocka_unit_test(test_until_unlocked_and_disabled),
		cmocka_unit_test(test_step_up_enters_failure_mode),
		cmocka_unit_test(test_replay_counts_once_per_step),
		cmocka_unit_test(test_standing),
	};

	return cmocka_run_group_tests_name("lockout", tests, NULL, NULL);
}

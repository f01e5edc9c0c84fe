/*
 * test_invite.c: invitation codes are made, read back as people type them,
 * and hashed for one user under the master key; an invitation's state.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <ctype.h>
#include <string.h>
#include <cmocka.h>

#include "err.h"
#include "invite.h"
#include "util.h"

static const struct og_key master = { { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
					17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30,
					31, 32 } };

static void test_codes(void **state)
{
	char a[OG_INVITE_TEXT + 1], b[OG_INVITE_TEXT + 1];

	(void)state;
	assert_int_equal(og_invite_code_new(a), OG_OK);
	assert_int_equal(og_invite_code_new(b), OG_OK);
	assert_string_not_equal(a, b);
	/* five groups of four, no look-alikes */
	assert_int_equal(strlen(a), 24);
	for (int i = 0; i < 24; i++) {
		if (i % 5 == 4)
			assert_int_equal(a[i], '-');
		else
			assert_non_null(strchr("ABCDEFGHJKMNPQRSTUVWXYZ23456789", a[i]));
	}
	assert_true(og_invite_shaped(a));
}

static void test_shapes(void **state)
{
	(void)state;
	assert_true(og_invite_shaped("K7QD-9XPM-3RT6-WZ2A-HHNB"));
	assert_true(og_invite_shaped("k7qd9xpm3rt6wz2ahhnb"));	/* as people type it */
	assert_true(og_invite_shaped("k7qd 9xpm 3rt6 wz2a hhnb"));
	assert_false(og_invite_shaped("K7QD-9XPM-3RT6-WZ2A-HHN"));	/* too short */
	assert_false(og_invite_shaped("K7QD-9XPM-3RT6-WZ2A-HHNBB"));	/* too long */
	assert_false(og_invite_shaped("K7QD-9XPM-3RT6-WZ2A-HHN0"));	/* 0 is not in the alphabet */
	assert_false(og_invite_shaped("K7QD-9XPM-3RT6-WZ2A-HHNI"));	/* nor is I */
	assert_false(og_invite_shaped("123456"));			/* a verification code */
	assert_false(og_invite_shaped("abcde-fghjk"));		/* a recovery code */
	assert_false(og_invite_shaped(""));
	assert_false(og_invite_shaped(NULL));
}

/* The hash: the same however the code is typed; another user's, another
 * master key's, another code's differ. */
static void test_hash(void **state)
{
	unsigned char h1[OG_INVITE_HASH], h2[OG_INVITE_HASH];
	struct og_key other = master;
	struct og_invite inv;

	(void)state;
	assert_int_equal(og_invite_hash(&master, "alice", "K7QD-9XPM-3RT6-WZ2A-HHNB", h1), OG_OK);
	assert_int_equal(og_invite_hash(&master, "alice", "k7qd9xpm3rt6wz2ahhnb", h2), OG_OK);
	assert_memory_equal(h1, h2, sizeof(h1));
	memcpy(inv.hash, h1, sizeof(h1));
	assert_true(og_invite_matches(&inv, h2));
	assert_int_equal(og_invite_hash(&master, "alicf", "K7QD-9XPM-3RT6-WZ2A-HHNB", h2), OG_OK);
	assert_false(og_invite_matches(&inv, h2));
	assert_int_equal(og_invite_hash(&master, "alice", "K7QD-9XPM-3RT6-WZ2A-HHNC", h2), OG_OK);
	assert_false(og_invite_matches(&inv, h2));
	other.k[0] ^= 1;
	assert_int_equal(og_invite_hash(&other, "alice", "K7QD-9XPM-3RT6-WZ2A-HHNB", h2), OG_OK);
	assert_false(og_invite_matches(&inv, h2));
	assert_int_equal(og_invite_hash(&master, "alice", "123456", h2), OG_ERR_INVALID);
}

static void test_states(void **state)
{
	struct og_invite inv = { .created = 100, .expires = 200 };

	(void)state;
	assert_int_equal(og_invite_state(&inv, 199), OG_INVITE_OPEN);
	assert_int_equal(og_invite_state(&inv, 200), OG_INVITE_EXPIRED);
	inv.used = 150;
	assert_int_equal(og_invite_state(&inv, 160), OG_INVITE_USED);
	assert_int_equal(og_invite_state(&inv, 300), OG_INVITE_USED);
	assert_string_equal(og_invite_state_name(OG_INVITE_OPEN), "open");
	assert_string_equal(og_invite_state_name(OG_INVITE_EXPIRED), "expired");
	assert_string_equal(og_invite_state_name(OG_INVITE_USED), "used");
}

/* Random characters of an alphabet: only its characters, each of them. */
static void test_random_chars(void **state)
{
	char out[4000];
	int seen[3] = { 0 };

	(void)state;
	assert_int_equal(og_random_chars("xyz", out, sizeof(out)), OG_OK);
	for (size_t i = 0; i < sizeof(out); i++) {
		assert_non_null(strchr("xyz", out[i]));
		seen[out[i] - 'x']++;
	}
	for (int i = 0; i < 3; i++)
		assert_true(seen[i] > 1000);
	assert_int_equal(og_random_chars("", out, 1), OG_ERR_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_codes),
		cmocka_unit_test(test_shapes),
		cmocka_unit_test(test_hash),
		cmocka_unit_test(test_states),
		cmocka_unit_test(test_random_chars),
	};

	return cmocka_run_group_tests_name("invitations", tests, NULL, NULL);
}

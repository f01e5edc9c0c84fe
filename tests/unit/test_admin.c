/*
 * test_admin: who may do what (admin.c), on a real store: the roles, the
 * scope of each kind of action, and the names an action reaches.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "admin.h"
#include "th_store.h"
#include "token.h"

struct fx {
	char dir[256];
	struct og_config cfg;
	struct og_store *st;
	struct th_logbuf lb;
	struct og_log log;
};

/* A token sealed under org's key, user's (in stock when user is NULL). */
static void add_token(struct fx *x, const char *user, const char *org, const char *serial)
{
	static const unsigned char secret[20] = "12345678901234567890";
	const struct og_otp_params p = { OG_SHA1, 6, 30, 0, OG_OTP_TOTP };
	char key[300], dek_id[OG_ID_LEN + 1];
	struct og_key master, dek;
	struct og_token t;

	th_path(key, sizeof(key), x->dir, "master.key");
	assert_int_equal(og_master_key_load(key, &master, NULL), OG_OK);
	assert_int_equal(og_token_dek(x->st, &master, org, 10, dek_id, &dek), OG_OK);
	assert_int_equal(og_token_build(&dek, dek_id, user ? user : "", serial, "hardware", secret,
					sizeof(secret), &p, 10, &t), OG_OK);
	og_key_wipe(&dek);
	og_key_wipe(&master);
	t.state = user ? OG_TOKEN_ACTIVE : OG_TOKEN_STOCK;
	assert_int_equal(og_store_token_add(x->st, &t), OG_OK);
}

static int setup(void **state)
{
	struct fx *x = calloc(1, sizeof(*x));
	char key[300];
	int64_t users;

	if (x == NULL)
		return -1;
	th_log_init(&x->log, &x->lb);
	th_mkdtemp(x->dir, sizeof(x->dir));
	th_path(key, sizeof(key), x->dir, "master.key");
	if (og_master_key_create(key) != OG_OK ||
	    th_store_config(x->dir, "otpgate.conf", key, NULL, NULL, &x->cfg, &x->log) != 0 ||
	    th_store_init(&x->cfg, &x->log, &x->st) != 0)
		return -1;
	if (og_admin_add_superuser(x->st, "root", 1) != OG_OK ||
	    og_admin_add(x->st, "alice", "acme", 1) != OG_OK ||
	    og_admin_add(x->st, "gary", "globex", 1) != OG_OK ||
	    og_store_user_ensure(x->st, "bob", "acme", 1) != OG_OK ||
	    og_store_user_ensure(x->st, "carol", "globex", 1) != OG_OK ||
	    og_admin_add(x->st, "olga", "initech", 1) != OG_OK ||
	    og_store_user_ensure(x->st, "ivan", "initech", 1) != OG_OK ||
	    og_store_org_remove(x->st, "initech", 5, &users) != OG_OK)
		return -1;
	*state = x;
	add_token(x, NULL, "acme", "HW-1");
	add_token(x, "carol", "globex", "HW-2");
	return 0;
}

static int teardown(void **state)
{
	struct fx *x = *state;

	th_store_remove(x->dir, &x->cfg, x->st);
	free(x);
	return 0;
}

/* Who is an admin, and who is refused before any scope is looked at. */
static void test_load(void **state)
{
	struct fx *x = *state;
	struct og_admin a;
	char why[256];

	assert_int_equal(og_admin_load(x->st, "root", &a, why, sizeof(why)), OG_OK);
	assert_true(og_admin_is_super(&a));
	assert_null(og_admin_view(&a));
	assert_false(og_admin_needs_step_up(&a));
	assert_false(og_admin_writes_as_self(&a));
	assert_int_equal(og_admin_load(x->st, "alice", &a, why, sizeof(why)), OG_OK);
	assert_string_equal(og_admin_view(&a), "acme");
	assert_true(og_admin_needs_step_up(&a));
	assert_true(og_admin_writes_as_self(&a));
	assert_int_equal(og_admin_load(x->st, "mallory", &a, why, sizeof(why)), OG_ERR_FORBIDDEN);
	assert_non_null(strstr(why, "not an otpgate admin"));
	assert_int_equal(og_admin_load(x->st, "olga", &a, why, sizeof(why)), OG_ERR_FORBIDDEN);
	assert_non_null(strstr(why, "your organisation is removed"));
}

/* What each admin may do, and the reason of each refusal. */
static void test_scopes(void **state)
{
	static const struct {
		const char *admin;
		enum og_scope scope;
		const char *user, *org;
		int serial_ok;
		const char *refusal;	/* NULL: allowed */
	} cases[] = {
		{ "root", OG_SCOPE_STORE, NULL, NULL, 0, NULL },
		{ "root", OG_SCOPE_USER, "carol", NULL, 0, NULL },
		{ "alice", OG_SCOPE_OPEN, NULL, NULL, 0, NULL },
		{ "alice", OG_SCOPE_STORE, NULL, NULL, 0, "only the superuser" },
		{ "alice", OG_SCOPE_USER, "bob", NULL, 0, NULL },
		{ "alice", OG_SCOPE_USER, "carol", NULL, 0, "carol is not in your organisation" },
		{ "alice", OG_SCOPE_USER, NULL, NULL, 0, "name a user" },
		/* a user not stored yet belongs to the organisation named with them */
		{ "alice", OG_SCOPE_USER, "newbie", "acme", 0, NULL },
		{ "alice", OG_SCOPE_USER, "newbie", NULL, 0, "newbie is not in your organisation" },
		{ "alice", OG_SCOPE_USER, "newbie", "globex", 0, "globex is not your organisation" },
		/* a stored user's organisation wins over the one named */
		{ "gary", OG_SCOPE_USER, "bob", "globex", 0, "bob is not in your organisation" },
		{ "alice", OG_SCOPE_ADMIN, NULL, NULL, 0, NULL },
		{ "alice", OG_SCOPE_ADMIN, NULL, "globex", 0, "globex is not your organisation" },
		{ "alice", OG_SCOPE_ORG, NULL, "acme", 0, NULL },
		{ "alice", OG_SCOPE_ORG, NULL, NULL, 0, "name your organisation" },
		/* a serial stands for its token's user */
		{ "gary", OG_SCOPE_USER, "HW-2", NULL, 1, NULL },
		{ "alice", OG_SCOPE_USER, "HW-2", NULL, 1, "HW-2 is not in your organisation" },
		{ "alice", OG_SCOPE_USER, "HW-2", NULL, 0, "HW-2 is not in your organisation" },
		/* a token in stock is nobody's: only the superuser acts on it */
		{ "alice", OG_SCOPE_USER, "HW-1", NULL, 1, "HW-1 is not in your organisation" },
		{ "root", OG_SCOPE_USER, "HW-1", NULL, 1, NULL },
	};
	struct fx *x = *state;
	struct og_admin a;
	char why[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct og_target t = { cases[i].user, cases[i].serial_ok, cases[i].org, 0 };
		int r;
		assert_int_equal(og_admin_load(x->st, cases[i].admin, &a, why, sizeof(why)), OG_OK);
		why[0] = '\0';
		r = og_admin_may(x->st, &a, cases[i].scope, &t, why, sizeof(why));
		if (cases[i].refusal == NULL) {
			assert_int_equal(r, OG_OK);
			continue;
		}
		assert_int_equal(r, OG_ERR_FORBIDDEN);
		if (strstr(why, cases[i].refusal) == NULL)
			fail_msg("case %zu: '%s' is not '%s'", i, why, cases[i].refusal);
	}
}

/* New admins: only of an organisation that is not removed, once each. */
static void test_add(void **state)
{
	struct fx *x = *state;
	char role[OG_KEYWORD_MAX + 1], org[OG_ORG_MAX + 1];

	assert_int_equal(og_admin_add(x->st, "alice", "acme", 2), OG_ERR_EXISTS);
	assert_int_equal(og_admin_add(x->st, "pat", "initech", 2), OG_ERR_GONE);
	assert_int_equal(og_admin_add(x->st, "-pat", "acme", 2), OG_ERR_INVALID);
	assert_int_equal(og_admin_add(x->st, "pat", "acme", 2), OG_OK);
	assert_int_equal(og_store_admin_get(x->st, "pat", role, org), OG_OK);
	assert_string_equal(role, OG_ROLE_ORG_ADMIN);
	assert_string_equal(org, "acme");
	assert_true(og_admin_role_known(OG_ROLE_SUPERUSER));
	assert_false(og_admin_role_known("root"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_load, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scopes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_add, setup, teardown),
	};

	return cmocka_run_group_tests_name("admin", tests, NULL, NULL);
}

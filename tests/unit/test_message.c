/* test_message.c: the one line a refused login is told, and when it may be. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "message.h"

#define NOW 1764477646	/* 2025-11-30T04:40:46Z */

static struct og_ctx ctx;

/* A login refused for reason, whose key sshd accepted (key) or not. */
static struct og_login refused(const char *reason, int key)
{
	struct og_login l;

	memset(&l, 0, sizeof(l));
	l.user = "alice";
	l.reason = reason;
	l.key_accepted = key;
	l.now = NOW;
	strcpy(l.source, "192.0.2.7");
	return l;
}

static const char *told(const struct og_login *l, char *buf)
{
	return og_login_message(&ctx, l, buf, OG_MESSAGE_MAX);
}

/* Each reason told, with what to do. */
static void test_each_reason(void **state)
{
	char buf[OG_MESSAGE_MAX];
	struct og_login l = refused("locked", 1);

	(void)state;
	ctx.cfg.messages = OG_MESSAGES_AFTER_KEY;
	l.locked_until = NOW + 900;
	assert_string_equal(told(&l, buf), "otpgate: too many failed logins: this account is locked"
			    " until 04:56 UTC.");
	l.locked_until = INT64_MAX;
	assert_non_null(strstr(told(&l, buf), "locked until an administrator unlocks it"));
	l = refused("failure-mode", 1);
	l.failure_mode_until = NOW + 900;
	assert_string_equal(told(&l, buf), "otpgate: too many failed logins: until 04:56 UTC this"
			    " account needs two consecutive codes (enter the next one when asked) or"
			    " a recovery code.");
	l = refused("no-token", 1);
	assert_non_null(strstr(told(&l, buf), "no device is enrolled for this account: ask an"
			       " administrator"));
	l.us.npending = 1;
	assert_non_null(strstr(told(&l, buf), "device is not confirmed yet"));
	l = refused("policy", 1);
	assert_string_equal(told(&l, buf), "otpgate: logins from 192.0.2.7 are not allowed for this"
			    " account.");
	l = refused("replay", 1);
	assert_string_equal(told(&l, buf), "otpgate: that code was already used: wait for your"
			    " device to show the next one.");
}

/* A wrong code says nothing of itself, only of what it brought about. */
static void test_wrong_code(void **state)
{
	char buf[OG_MESSAGE_MAX];
	struct og_login l = refused("bad-code", 1);

	(void)state;
	ctx.cfg.messages = OG_MESSAGES_ALWAYS;
	assert_null(told(&l, buf));
	l.locked_until = NOW + 60;
	assert_non_null(strstr(told(&l, buf), "locked until 04:42 UTC"));
	l.locked_until = 0;
	l.failure_mode_until = NOW + 60;
	assert_non_null(strstr(told(&l, buf), "two consecutive codes"));
	l = refused("bad-next-code", 1);
	l.failure_mode_until = NOW + 60;
	assert_non_null(strstr(told(&l, buf), "two consecutive codes"));
	/* nor do refusals that are not the user's to act on */
	l = refused("unknown-user", 1);
	assert_null(told(&l, buf));
	l = refused("store-error", 1);
	assert_null(told(&l, buf));
	l = refused(NULL, 1);
	assert_null(told(&l, buf));
}

/* after-key: only a client whose public key sshd accepted is told;
 * always: everyone; never: no one. */
static void test_when(void **state)
{
	char buf[OG_MESSAGE_MAX];
	struct og_login with = refused("policy", 1), without = refused("policy", 0);

	(void)state;
	ctx.cfg.messages = OG_MESSAGES_AFTER_KEY;
	assert_non_null(told(&with, buf));
	assert_null(told(&without, buf));
	ctx.cfg.messages = OG_MESSAGES_ALWAYS;
	assert_non_null(told(&with, buf));
	assert_non_null(told(&without, buf));
	ctx.cfg.messages = OG_MESSAGES_NEVER;
	assert_null(told(&with, buf));
	assert_null(told(&without, buf));
}

/*
 * Invitations: used or expired ones are told to ask for a new one (unless
 * the failure locked: then that); a wrong one says nothing; a right one
 * where no QR code can be shown is told to use SSH whatever the setting,
 * as only its holder gets there.
 */
static void test_invitations(void **state)
{
	char buf[OG_MESSAGE_MAX];
	struct og_login l = refused("invitation-expired", 1);

	(void)state;
	ctx.cfg.messages = OG_MESSAGES_AFTER_KEY;
	assert_string_equal(told(&l, buf), "otpgate: that invitation has expired: ask an"
			    " administrator for a new one.");
	l = refused("invitation-used", 1);
	assert_string_equal(told(&l, buf), "otpgate: that invitation was used already: ask an"
			    " administrator for a new one.");
	l.locked_until = NOW + 60;
	assert_non_null(strstr(told(&l, buf), "locked until 04:42 UTC"));
	l = refused("invitation-used", 0);
	assert_null(told(&l, buf));
	l = refused("bad-invitation", 1);
	assert_null(told(&l, buf));
	ctx.cfg.messages = OG_MESSAGES_NEVER;
	l = refused("enrol-needs-ssh", 0);
	assert_string_equal(told(&l, buf), "otpgate: this connection cannot show your new device's"
			    " QR code: log in over SSH to enrol it with your invitation code.");
}

/* The line fits what it is given, cut rather than overrun. */
static void test_bounded(void **state)
{
	char buf[24];
	struct og_login l = refused("policy", 1);

	(void)state;
	ctx.cfg.messages = OG_MESSAGES_ALWAYS;
	memset(l.source, '9', sizeof(l.source) - 1);
	l.source[sizeof(l.source) - 1] = '\0';
	assert_non_null(og_login_message(&ctx, &l, buf, sizeof(buf)));
	assert_int_equal(strlen(buf), sizeof(buf) - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_reason),
		cmocka_unit_test(test_wrong_code),
		cmocka_unit_test(test_when),
		cmocka_unit_test(test_invitations),
		cmocka_unit_test(test_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_spool.c: spooled audit rows come back exactly as they went in. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "err.h"
#include "spool.h"
#include "test_helpers.h"

static void assert_same_str(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		assert_true(a == b || (a && !*a) || (b && !*b));
	else
		assert_string_equal(a, b);
}

static void test_round_trip(void **state)
{
	char dir[] = "/tmp/otpgate-spool-XXXXXX", path[64], line[4096], buf[4096];
	const struct og_audit_event in = {
		.ts = 1795440000, .event = "auth", .result = "failure",
		.reason = "store-unavailable", .user = "x result=success\n\"q\"\\",
		.source = "2001:db8::1", .service = "sshd", .token = NULL, .actor = "",
		.detail = "caf\xc3\xa9 = ok", .host = "bastion-2",
	};
	struct og_audit_event out;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/spool", dir);
	assert_int_equal(og_spool_append(path, &in, NULL), OG_OK);
	assert_int_equal(og_spool_append(path, &in, NULL), OG_OK);
	f = fopen(path, "r");
	assert_non_null(f);
	for (int i = 0; i < 2; i++) {
		assert_non_null(fgets(line, sizeof(line), f));
		assert_int_equal(og_spool_parse(line, &out, buf, sizeof(buf)), OG_OK);
		assert_int_equal(out.ts, in.ts);
		assert_same_str(out.event, in.event);
		assert_same_str(out.user, in.user);
		assert_same_str(out.detail, in.detail);
		assert_same_str(out.source, in.source);
		assert_same_str(out.host, in.host);
		assert_null(out.token);
	}
	assert_null(fgets(line, sizeof(line), f));
	fclose(f);
	unlink(path);
	rmdir(dir);
}

static void test_malformed_lines(void **state)
{
	static const char *const bad[] = {
		"", "event=auth", "ts=12 noequals", "ts=-1 event=auth", "ts=1 colour=red event=x",
		"ts=1 event=a\\x4", "ts=1 event=a\\q41", "ts=1 result=success",
	};
	struct og_audit_event ev;
	char buf[256];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(og_spool_parse(bad[i], &ev, buf, sizeof(buf)), OG_ERR_INVALID);
}

/* A name of 250 bytes is a valid user name: spooled whole (it was cut at
 * 200, naming someone else). A longer one comes back in the same cut form
 * as the store would give it directly. */
static void test_long_names_round_trip(void **state)
{
	char dir[256], path[300], line[OG_SPOOL_LINE_MAX], buf[OG_SPOOL_LINE_MAX];
	char name[251], hostile[1001], a[OG_AUDIT_VALUE_MAX + 1], b[OG_AUDIT_VALUE_MAX + 1];
	struct og_audit_event in = { .ts = 1795440000, .event = "auth", .result = "failure",
				     .reason = "store-unavailable" }, out;
	FILE *f;

	(void)state;
	th_mkdtemp(dir, sizeof(dir));
	th_path(path, sizeof(path), dir, "spool");
	memset(name, 'n', 250);
	name[250] = '\0';
	for (int i = 0; i < 1000; i++)
		hostile[i] = "\xff\\ =\""[i % 5];
	hostile[1000] = '\0';
	in.user = name;
	assert_int_equal(og_spool_append(path, &in, NULL), OG_OK);
	in.user = hostile;
	assert_int_equal(og_spool_append(path, &in, NULL), OG_OK);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	assert_int_equal(og_spool_parse(line, &out, buf, sizeof(buf)), OG_OK);
	assert_string_equal(out.user, name);
	assert_non_null(fgets(line, sizeof(line), f));
	assert_int_equal(og_spool_parse(line, &out, buf, sizeof(buf)), OG_OK);
	og_audit_escape(hostile, OG_AUDIT_TEXT, a, sizeof(a));
	og_audit_escape(out.user, OG_AUDIT_TEXT, b, sizeof(b));
	assert_string_equal(a, b);
	assert_non_null(strstr(a, "[cut:1000:"));
	fclose(f);
	th_rmtree(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_malformed_lines),
		cmocka_unit_test(test_long_names_round_trip),
	};

	return cmocka_run_group_tests_name("spool", tests, NULL, NULL);
}

/* test_cliargs.c: cli_parse: what the scope check and the command both read. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "test_helpers.h"

static int fn(struct cli *c, const struct cli_args *a)
{
	(void)c;
	(void)a;
	return 0;
}

static const struct cli_command enrol = {
	.name = "enrol", .fn = fn, .usage = "enrol USER  x", .options = "org= qr= json",
	.min_args = 1, .max_args = 1,
};
static const struct cli_command check = {
	.name = "check-config", .fn = fn, .usage = "check-config [-c FILE]  x", .options = "c=",
};
static const struct cli_command confirm = {
	.name = "confirm", .fn = fn, .usage = "confirm USER CODE  x", .min_args = 2, .max_args = 2,
};

/* Parses a NULL-terminated argument list (argv[0] the command), with the
 * refusals' one-line messages (the CLI's, on stderr) kept out of the run. */
static int parse(const struct cli_command *cmd, struct cli_args *a, ...)
{
	char *argv[16];
	int argc = 0, saved, null, r;
	va_list ap;

	va_start(ap, a);
	while (argc < 15 && (argv[argc] = va_arg(ap, char *)) != NULL)
		argc++;
	va_end(ap);
	argv[argc] = NULL;
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	assert_true(saved >= 0 && null >= 0 && dup2(null, STDERR_FILENO) >= 0);
	r = cli_parse(cmd, argc, argv, a);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(null);
	return r;
}

static void test_spellings_of_an_option(void **state)
{
	struct cli_args a;

	(void)state;
	assert_int_equal(parse(&enrol, &a, "enrol", "--org", "acme", "bob", NULL), 0);
	assert_string_equal(cli_opt(&a, "org"), "acme");
	assert_int_equal(parse(&enrol, &a, "enrol", "bob", "--org=acme", NULL), 0);
	assert_string_equal(cli_opt(&a, "org"), "acme");
	assert_string_equal(a.arg[0], "bob");
	assert_int_equal(parse(&enrol, &a, "enrol", "--or=globex", "bob", NULL), 0);
	assert_string_equal(cli_opt(&a, "org"), "globex");
	assert_int_equal(parse(&enrol, &a, "enrol", "bob", "--o", "globex", NULL), 0);
	assert_string_equal(cli_opt(&a, "org"), "globex");
	assert_null(cli_opt(&a, "qr"));
	assert_false(cli_flag(&a, "json"));
}

static void test_repeated_option_refused(void **state)
{
	struct cli_args a;

	(void)state;
	assert_int_equal(parse(&enrol, &a, "enrol", "--org", "acme", "--org=globex", "bob", NULL), -1);
	assert_int_equal(parse(&enrol, &a, "enrol", "bob", "--org", "acme", "--or", "globex", NULL), -1);
	assert_int_equal(parse(&enrol, &a, "enrol", "--json", "bob", "--json", NULL), -1);
}

static void test_operands_anywhere(void **state)
{
	struct cli_args a;

	(void)state;
	assert_int_equal(parse(&enrol, &a, "enrol", "--json", "bob", "--qr", "none", NULL), 0);
	assert_int_equal(a.n, 1);
	assert_string_equal(a.arg[0], "bob");
	assert_true(cli_flag(&a, "json"));
	assert_string_equal(cli_opt(&a, "json"), "");
	/* getopt's POSIX mode stops at the first operand; the parse must not */
	setenv("POSIXLY_CORRECT", "1", 1);
	assert_int_equal(parse(&enrol, &a, "enrol", "bob", "--org", "globex", NULL), 0);
	unsetenv("POSIXLY_CORRECT");
	assert_string_equal(cli_opt(&a, "org"), "globex");
	assert_int_equal(a.n, 1);
	/* after "--" everything is an operand */
	assert_int_equal(parse(&enrol, &a, "enrol", "--", "--org", NULL), 0);
	assert_string_equal(a.arg[0], "--org");
	assert_null(cli_opt(&a, "org"));
}

static void test_usage_errors(void **state)
{
	struct cli_args a;

	(void)state;
	assert_int_equal(parse(&enrol, &a, "enrol", NULL), -1);
	assert_int_equal(parse(&enrol, &a, "enrol", "bob", "carol", NULL), -1);
	assert_int_equal(parse(&enrol, &a, "enrol", "bob", "--qr", NULL), -1);
	assert_int_equal(parse(&enrol, &a, "enrol", "bob", "--colour=red", NULL), -1);
	assert_int_equal(parse(&enrol, &a, "enrol", "bob", "--json=yes", NULL), -1);
	assert_int_equal(parse(&enrol, &a, "enrol", "a", "b", "c", "d", "e", NULL), -1);
}

static void test_no_options_all_operands(void **state)
{
	struct cli_args a;

	(void)state;
	assert_int_equal(parse(&confirm, &a, "confirm", "--org=globex", "123456", NULL), 0);
	assert_string_equal(a.arg[0], "--org=globex");
	assert_null(cli_opt(&a, "org"));
	assert_int_equal(parse(&confirm, &a, "confirm", "bob", NULL), -1);
}

/* A one-letter option is a short one: "-c FILE" (or "-cFILE"), once. */
static void test_short_option(void **state)
{
	struct cli_args a;

	(void)state;
	assert_int_equal(parse(&check, &a, "check-config", NULL), 0);
	assert_null(cli_opt(&a, "c"));
	assert_int_equal(parse(&check, &a, "check-config", "-c", "/etc/x.conf", NULL), 0);
	assert_string_equal(cli_opt(&a, "c"), "/etc/x.conf");
	assert_int_equal(parse(&check, &a, "check-config", "-c/etc/y.conf", NULL), 0);
	assert_string_equal(cli_opt(&a, "c"), "/etc/y.conf");
	assert_int_equal(parse(&check, &a, "check-config", "-c", NULL), -1);
	assert_int_equal(parse(&check, &a, "check-config", "-c", "a", "-c", "b", NULL), -1);
	assert_int_equal(parse(&check, &a, "check-config", "--c", "a", NULL), -1);
	assert_int_equal(parse(&check, &a, "check-config", "-x", NULL), -1);
	assert_int_equal(parse(&check, &a, "check-config", "extra", NULL), -1);
	/* long options take no short form */
	assert_int_equal(parse(&enrol, &a, "enrol", "-o", "acme", "bob", NULL), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spellings_of_an_option),
		cmocka_unit_test(test_repeated_option_refused),
		cmocka_unit_test(test_operands_anywhere),
		cmocka_unit_test(test_usage_errors),
		cmocka_unit_test(test_no_options_all_operands),
		cmocka_unit_test(test_short_option),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_notify.c: og_notify's start and its report, and the close-on-exec sweep. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "err.h"
#include "notify.h"
#include "test_helpers.h"

static char dir[PATH_MAX];

static int setup(void **state)
{
	(void)state;
	th_mkdtemp(dir, sizeof(dir));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	th_rmtree(dir);
	return 0;
}

/* Waits (at most 30 s) for path to exist; 0 once it does. */
static int wait_for_file(const char *path)
{
	for (int i = 0; i < 300; i++) {
		if (access(path, F_OK) == 0)
			return 0;
		usleep(100000);
	}
	return -1;
}

/*
 * In a child: opens a few descriptors without close-on-exec, runs sweep
 * from the first of them and exits 0 if exactly those (and not the one
 * below) are close-on-exec now.
 */
static int swept_in_child(int (*sweep)(int))
{
	int below = open("/dev/null", O_RDONLY), p[2], nul, st = 0;
	pid_t pid;

	assert_true(below >= 0);
	assert_int_equal(pipe(p), 0);
	nul = open("/dev/null", O_RDWR);
	assert_true(nul > below && p[0] > below && p[1] > below);
	if ((pid = fork()) == 0) {
		int low = p[0] < nul ? p[0] : nul;
		if (below > low || sweep(low) != 0)
			_exit(2);
		if (fcntl(below, F_GETFD) & FD_CLOEXEC)
			_exit(3);
		for (int fd = low; fd <= (nul > p[1] ? nul : p[1]); fd++) {
			if (!(fcntl(fd, F_GETFD) & FD_CLOEXEC))
				_exit(4);
		}
		_exit(0);
	}
	assert_true(pid > 0);
	waitpid(pid, &st, 0);
	close(below);
	close(p[0]);
	close(p[1]);
	close(nul);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The /proc/self/fd walk (the fallback without close_range) and the front door. */
static void test_cloexec_sweeps(void **state)
{
	(void)state;
	assert_int_equal(swept_in_child(og_notify_cloexec_walk), 0);
	assert_int_equal(swept_in_child(og_notify_cloexec_from), 0);
}

static void test_notify_starts_program(void **state)
{
	struct th_logbuf lb;
	struct og_log log;
	char prog[PATH_MAX + 16], out[PATH_MAX + 16], script[4 * PATH_MAX], why[256], got[256];

	(void)state;
	th_log_init(&log, &lb);
	snprintf(out, sizeof(out), "%s/argv", dir);
	snprintf(script, sizeof(script), "#!/bin/sh\necho \"$@\" > %s.tmp && mv %s.tmp %s\n", out,
		 out, out);
	snprintf(prog, sizeof(prog), "%s/notify.sh", dir);
	assert_int_equal(th_write_str(prog, script, 0755), 0);
	assert_int_equal(og_notify(prog, "key-expiring", "bob", "0123abcd", "20270301101500Z", why,
				   sizeof(why), &log), OG_OK);
	assert_string_equal(why, "");
	assert_int_equal(wait_for_file(out), 0);
	assert_true(th_read_file(out, got, sizeof(got)) > 0);
	assert_string_equal(got, "key-expiring bob 0123abcd 20270301101500Z\n");
	assert_int_equal(lb.lines, 0);
	/* no program configured: nothing to do */
	assert_int_equal(og_notify(NULL, "lockout", "bob", "local", "-1", why, sizeof(why), &log),
			 OG_OK);
}

/* A program that cannot be started is reported, with the reason, and logged. */
static void test_notify_failures(void **state)
{
	struct th_logbuf lb;
	struct og_log log;
	char prog[PATH_MAX + 16], why[256];

	(void)state;
	th_log_init(&log, &lb);
	snprintf(prog, sizeof(prog), "%s/missing", dir);
	assert_int_equal(og_notify(prog, "lockout", "bob", "local", "-1", why, sizeof(why), &log),
			 OG_ERR_IO);
	assert_string_equal(why, "exec: No such file or directory");
	assert_non_null(strstr(lb.text, "not started: exec: No such file or directory"));
	snprintf(prog, sizeof(prog), "%s/notexec", dir);
	assert_int_equal(th_write_str(prog, "#!/bin/sh\n", 0644), 0);
	assert_int_equal(og_notify(prog, "lockout", "bob", "local", "-1", why, sizeof(why), &log),
			 OG_ERR_IO);
	assert_string_equal(why, "exec: Permission denied");
	/* a user name that is not a safe name never reaches a program */
	assert_int_equal(og_notify(prog, "lockout", "a b", "local", "-1", why, sizeof(why), &log),
			 OG_ERR_INVALID);
	assert_non_null(strstr(why, "not safe"));
	assert_int_equal(lb.lines, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cloexec_sweeps),
		cmocka_unit_test(test_notify_starts_program),
		cmocka_unit_test(test_notify_failures),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

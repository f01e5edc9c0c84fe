/* test_fileio.c: og_file_check, og_path_check, og_file_read, og_file_create,
 * og_file_open_append. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "err.h"
#include "fileio.h"
#include "test_helpers.h"

struct fixture {
	char dir[PATH_MAX];
	struct og_log log;
	struct th_logbuf lb;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	th_mkdtemp(f->dir, sizeof(f->dir));
	th_log_init(&f->log, &f->lb);
	umask(022);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	th_rmtree(f->dir);
	free(f);
	return 0;
}

static const char CONTENT[] = "line one\nline two\n";

/* ---- og_file_read modes ---- */

struct mode_case {
	enum og_file_kind kind;
	mode_t mode;
	int want;
};

static const struct mode_case modes[] = {
	{ OG_FILE_CONFIG, 0644, OG_OK },
	{ OG_FILE_CONFIG, 0600, OG_OK },
	{ OG_FILE_CONFIG, 0444, OG_OK },
	{ OG_FILE_CONFIG, 0640, OG_OK },
	{ OG_FILE_CONFIG, 0400, OG_OK },
	{ OG_FILE_CONFIG, 0664, OG_ERR_UNSAFE },
	{ OG_FILE_CONFIG, 0646, OG_ERR_UNSAFE },
	{ OG_FILE_CONFIG, 0666, OG_ERR_UNSAFE },
	{ OG_FILE_CONFIG, 0620, OG_ERR_UNSAFE },
	{ OG_FILE_CONFIG, 0602, OG_ERR_UNSAFE },
	{ OG_FILE_CONFIG, 0777, OG_ERR_UNSAFE },
	{ OG_FILE_SECRET, 0600, OG_OK },
	{ OG_FILE_SECRET, 0400, OG_OK },
	{ OG_FILE_SECRET, 0640, OG_ERR_UNSAFE },
	{ OG_FILE_SECRET, 0604, OG_ERR_UNSAFE },
	{ OG_FILE_SECRET, 0644, OG_ERR_UNSAFE },
	{ OG_FILE_SECRET, 0440, OG_ERR_UNSAFE },
	{ OG_FILE_SECRET, 0404, OG_ERR_UNSAFE },
	{ OG_FILE_SECRET, 0620, OG_ERR_UNSAFE },
	{ OG_FILE_SECRET, 0602, OG_ERR_UNSAFE },
	{ OG_FILE_SECRET, 0610, OG_ERR_UNSAFE },
	{ OG_FILE_SECRET, 0601, OG_ERR_UNSAFE },
	{ OG_FILE_SECRET, 0666, OG_ERR_UNSAFE },
};

static const char *kind_name(enum og_file_kind k)
{
	return k == OG_FILE_SECRET ? "secret" : "config";
}

static void test_read_modes(void **state)
{
	struct fixture *f = *state;
	char path[PATH_MAX];
	int nfail = 0;

	th_path(path, sizeof(path), f->dir, "file");
	for (size_t i = 0; i < TH_ARRAY_LEN(modes); i++) {
		char *buf = NULL;
		size_t len = 12345;
		int rc;

		unlink(path);
		assert_int_equal(th_write_str(path, CONTENT, modes[i].mode), 0);
		f->lb.len = 0;
		f->lb.text[0] = '\0';
		rc = og_file_read(path, modes[i].kind, 4096, &buf, &len, &f->log);
		if (rc != modes[i].want) {
			print_error("og_file_read(%s, mode %04o) = %d, want %d\n",
				    kind_name(modes[i].kind), (unsigned)modes[i].mode, rc,
				    modes[i].want);
			nfail++;
		} else if (rc == OG_OK) {
			if (buf == NULL || len != strlen(CONTENT) || strcmp(buf, CONTENT) != 0) {
				print_error("og_file_read(%s, mode %04o): wrong content (len %zu)\n",
					    kind_name(modes[i].kind), (unsigned)modes[i].mode, len);
				nfail++;
			}
		} else if (strstr(f->lb.text, path) == NULL) {
			/* refusals are logged with the path */
			print_error("og_file_read(%s, mode %04o) refused without logging the path; log: %s\n",
				    kind_name(modes[i].kind), (unsigned)modes[i].mode, f->lb.text);
			nfail++;
		}
		free(buf);
	}
	assert_int_equal(nfail, 0);
}

static void test_read_refuses_symlink(void **state)
{
	struct fixture *f = *state;
	char path[PATH_MAX], link[PATH_MAX];
	char *buf = NULL;
	size_t len = 0;
	int k, rc;

	th_path(path, sizeof(path), f->dir, "real");
	th_path(link, sizeof(link), f->dir, "link");
	assert_int_equal(th_write_str(path, CONTENT, 0600), 0);
	assert_int_equal(symlink(path, link), 0);
	for (k = 0; k < 2; k++) {
		enum og_file_kind kind = k ? OG_FILE_SECRET : OG_FILE_CONFIG;

		buf = NULL;
		rc = og_file_read(link, kind, 4096, &buf, &len, &f->log);
		if (rc == OG_OK) {
			free(buf);
			fail_msg("og_file_read(%s) followed a symlink", kind_name(kind));
		}
		/* OG_ERR_UNSAFE (not a regular file) or OG_ERR_IO (ELOOP from O_NOFOLLOW) */
		if (rc != OG_ERR_UNSAFE && rc != OG_ERR_IO)
			fail_msg("og_file_read(%s, symlink) = %d", kind_name(kind), rc);
	}
	/* the real file reads fine */
	assert_int_equal(og_file_read(path, OG_FILE_SECRET, 4096, &buf, &len, &f->log), OG_OK);
	free(buf);
}

static void test_read_size_cap(void **state)
{
	struct fixture *f = *state;
	char path[PATH_MAX], data[100];
	char *buf = NULL;
	size_t len = 0;
	int rc;

	memset(data, 'a', sizeof(data));
	th_path(path, sizeof(path), f->dir, "big");
	assert_int_equal(th_write_file(path, data, sizeof(data), 0600), 0);

	assert_int_equal(og_file_read(path, OG_FILE_CONFIG, 100, &buf, &len, &f->log), OG_OK);
	assert_int_equal(len, 100);
	assert_non_null(buf);
	assert_int_equal(buf[100], '\0');
	assert_memory_equal(buf, data, 100);
	free(buf);

	buf = NULL;
	rc = og_file_read(path, OG_FILE_CONFIG, 99, &buf, &len, &f->log);
	if (rc == OG_OK) {
		free(buf);
		fail_msg("og_file_read of 100 bytes with max 99 succeeded (len %zu)", len);
	}
	assert_true(rc < 0);

	buf = NULL;
	rc = og_file_read(path, OG_FILE_SECRET, 10, &buf, &len, &f->log);
	if (rc == OG_OK)
		free(buf);
	assert_true(rc < 0);
}

static void test_read_empty_and_missing(void **state)
{
	struct fixture *f = *state;
	char path[PATH_MAX];
	char *buf = NULL;
	size_t len = 99;

	th_path(path, sizeof(path), f->dir, "empty");
	assert_int_equal(th_write_str(path, "", 0600), 0);
	assert_int_equal(og_file_read(path, OG_FILE_CONFIG, 100, &buf, &len, &f->log), OG_OK);
	assert_non_null(buf);
	assert_int_equal(len, 0);
	assert_string_equal(buf, "");
	free(buf);

	th_path(path, sizeof(path), f->dir, "missing");
	buf = NULL;
	assert_int_equal(og_file_read(path, OG_FILE_CONFIG, 100, &buf, &len, &f->log), OG_ERR_IO);
	assert_null(buf);
}

static void test_read_refuses_directory_and_fifo(void **state)
{
	struct fixture *f = *state;
	char path[PATH_MAX];
	char *buf = NULL;
	size_t len = 0;
	int rc;

	th_path(path, sizeof(path), f->dir, "d");
	assert_int_equal(mkdir(path, 0755), 0);
	rc = og_file_read(path, OG_FILE_CONFIG, 100, &buf, &len, &f->log);
	assert_true(rc == OG_ERR_UNSAFE || rc == OG_ERR_IO);

	th_path(path, sizeof(path), f->dir, "fifo");
	assert_int_equal(mkfifo(path, 0600), 0);
	/*
	 * Must be refused without blocking in open() on a FIFO that has no
	 * writer. Run in a child with an alarm so a hang is reported, not
	 * waited for.
	 */
	{
		pid_t pid = fork();
		int status = 0;

		assert_true(pid >= 0);
		if (pid == 0) {
			alarm(3);
			rc = og_file_read(path, OG_FILE_CONFIG, 100, &buf, &len, &f->log);
			_exit(rc == OG_ERR_UNSAFE || rc == OG_ERR_IO ? 0 : 1);
		}
		assert_int_equal(waitpid(pid, &status, 0), pid);
		if (WIFSIGNALED(status))
			fail_msg("og_file_read(FIFO) blocked (killed by signal %d after 3 s)",
				 WTERMSIG(status));
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			fail_msg("og_file_read(FIFO) was not refused with OG_ERR_UNSAFE/OG_ERR_IO");
	}
}

static void test_read_refuses_foreign_owner(void **state)
{
	struct fixture *f = *state;
	char path[PATH_MAX];
	char *buf = NULL;
	size_t len = 0;

	if (geteuid() != 0)
		skip();
	th_path(path, sizeof(path), f->dir, "foreign");
	assert_int_equal(th_write_str(path, CONTENT, 0644), 0);
	assert_int_equal(chown(path, 4242, 4242), 0);
	assert_int_equal(og_file_read(path, OG_FILE_CONFIG, 4096, &buf, &len, &f->log),
			 OG_ERR_UNSAFE);
	assert_int_equal(og_path_check(path, OG_FILE_CONFIG, &f->log), OG_ERR_UNSAFE);
}

/* ---- og_file_check on synthetic stat results ---- */

static void test_file_check(void **state)
{
	struct fixture *f = *state;
	static const struct {
		mode_t mode;
		int uid_other;
		enum og_file_kind kind;
		int want;
	} cases[] = {
		{ S_IFREG | 0644, 0, OG_FILE_CONFIG, OG_OK },
		{ S_IFREG | 0600, 0, OG_FILE_SECRET, OG_OK },
		{ S_IFREG | 0664, 0, OG_FILE_CONFIG, OG_ERR_UNSAFE },
		{ S_IFREG | 0646, 0, OG_FILE_CONFIG, OG_ERR_UNSAFE },
		{ S_IFREG | 0640, 0, OG_FILE_SECRET, OG_ERR_UNSAFE },
		{ S_IFREG | 0604, 0, OG_FILE_SECRET, OG_ERR_UNSAFE },
		{ S_IFDIR | 0755, 0, OG_FILE_CONFIG, OG_ERR_UNSAFE },
		{ S_IFLNK | 0777, 0, OG_FILE_CONFIG, OG_ERR_UNSAFE },
		{ S_IFLNK | 0600, 0, OG_FILE_SECRET, OG_ERR_UNSAFE },
		{ S_IFIFO | 0600, 0, OG_FILE_CONFIG, OG_ERR_UNSAFE },
		{ S_IFCHR | 0600, 0, OG_FILE_SECRET, OG_ERR_UNSAFE },
		{ S_IFREG | 0644, 1, OG_FILE_CONFIG, OG_ERR_UNSAFE },
		{ S_IFREG | 0600, 1, OG_FILE_SECRET, OG_ERR_UNSAFE },
	};
	uid_t me = geteuid();
	uid_t other = me == 4242 ? 4243 : 4242;
	int nfail = 0;

	for (size_t i = 0; i < TH_ARRAY_LEN(cases); i++) {
		struct stat st;
		int rc;

		memset(&st, 0, sizeof(st));
		st.st_mode = cases[i].mode;
		st.st_uid = cases[i].uid_other ? other : me;
		st.st_gid = 0;
		st.st_nlink = 1;
		f->lb.len = 0;
		f->lb.text[0] = '\0';
		rc = og_file_check("/some/where/file.conf", &st, cases[i].kind, &f->log);
		if (rc != cases[i].want) {
			print_error("og_file_check(mode %06o, %s uid, %s) = %d, want %d\n",
				    (unsigned)cases[i].mode, cases[i].uid_other ? "other" : "own",
				    kind_name(cases[i].kind), rc, cases[i].want);
			nfail++;
		} else if (rc != OG_OK && strstr(f->lb.text, "/some/where/file.conf") == NULL) {
			print_error("og_file_check(mode %06o) refused without naming the path; log: %s\n",
				    (unsigned)cases[i].mode, f->lb.text);
			nfail++;
		}
	}
	/* root-owned files are fine whoever we are */
	{
		struct stat st;

		memset(&st, 0, sizeof(st));
		st.st_mode = S_IFREG | 0600;
		st.st_uid = 0;
		st.st_nlink = 1;
		if (og_file_check("/x", &st, OG_FILE_SECRET, &f->log) != OG_OK) {
			print_error("og_file_check(root-owned 0600 secret) refused\n");
			nfail++;
		}
	}
	assert_int_equal(nfail, 0);
}

static void test_path_check(void **state)
{
	struct fixture *f = *state;
	char path[PATH_MAX], link[PATH_MAX];
	int rc;

	th_path(path, sizeof(path), f->dir, "c");
	assert_int_equal(th_write_str(path, CONTENT, 0644), 0);
	assert_int_equal(og_path_check(path, OG_FILE_CONFIG, &f->log), OG_OK);
	assert_int_equal(og_path_check(path, OG_FILE_SECRET, &f->log), OG_ERR_UNSAFE);
	assert_int_equal(chmod(path, 0664), 0);
	assert_int_equal(og_path_check(path, OG_FILE_CONFIG, &f->log), OG_ERR_UNSAFE);
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(og_path_check(path, OG_FILE_SECRET, &f->log), OG_OK);

	th_path(path, sizeof(path), f->dir, "nope");
	assert_int_equal(og_path_check(path, OG_FILE_CONFIG, &f->log), OG_ERR_IO);

	th_path(path, sizeof(path), f->dir, "sub");
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(og_path_check(path, OG_FILE_CONFIG, &f->log), OG_ERR_UNSAFE);

	/* a symlink to a good file: either refused as a link, or checked as the target */
	th_path(path, sizeof(path), f->dir, "c");
	th_path(link, sizeof(link), f->dir, "clink");
	assert_int_equal(symlink(path, link), 0);
	rc = og_path_check(link, OG_FILE_SECRET, &f->log);
	assert_true(rc == OG_OK || rc == OG_ERR_UNSAFE);
}

/* ---- og_file_create ---- */

static void test_create(void **state)
{
	struct fixture *f = *state;
	char path[PATH_MAX], back[256];
	static const char data[] = "hello, file\n";

	th_path(path, sizeof(path), f->dir, "new");
	assert_int_equal(og_file_create(path, 0600, data, strlen(data)), OG_OK);
	assert_int_equal(th_mode_of(path), 0600);
	assert_int_equal(th_read_file(path, back, sizeof(back)), (ssize_t)strlen(data));
	assert_string_equal(back, data);

	/* exclusive: a second create fails and leaves the file as it was */
	assert_int_equal(og_file_create(path, 0644, "other", 5), OG_ERR_EXISTS);
	assert_int_equal(th_read_file(path, back, sizeof(back)), (ssize_t)strlen(data));
	assert_string_equal(back, data);
	assert_int_equal(th_mode_of(path), 0600);

	th_path(path, sizeof(path), f->dir, "ro");
	assert_int_equal(og_file_create(path, 0400, data, strlen(data)), OG_OK);
	assert_int_equal(th_mode_of(path), 0400);

	th_path(path, sizeof(path), f->dir, "empty");
	assert_int_equal(og_file_create(path, 0600, "", 0), OG_OK);
	assert_int_equal(th_read_file(path, back, sizeof(back)), 0);
}

static void test_create_does_not_follow_symlinks(void **state)
{
	struct fixture *f = *state;
	char path[PATH_MAX], target[PATH_MAX], back[64];
	int rc;

	/* dangling link: must not create the target */
	th_path(target, sizeof(target), f->dir, "target");
	th_path(path, sizeof(path), f->dir, "link");
	assert_int_equal(symlink(target, path), 0);
	rc = og_file_create(path, 0600, "x", 1);
	assert_true(rc < 0);
	assert_int_equal(access(target, F_OK), -1);

	/* link to an existing file: must not overwrite it */
	assert_int_equal(th_write_str(target, "keep", 0600), 0);
	rc = og_file_create(path, 0600, "x", 1);
	assert_true(rc < 0);
	assert_int_equal(th_read_file(target, back, sizeof(back)), 4);
	assert_string_equal(back, "keep");
}

static void test_create_in_missing_dir(void **state)
{
	struct fixture *f = *state;
	char path[PATH_MAX];

	th_path(path, sizeof(path), f->dir, "no/such/dir/file");
	assert_int_equal(og_file_create(path, 0600, "x", 1), OG_ERR_IO);
}

/* Appending: a new file 0600, an existing one appended to, and no FIFO,
 * directory or symlink (opened without blocking on a FIFO). */
static void test_open_append(void **state)
{
	struct fixture *f = *state;
	char path[PATH_MAX], link[PATH_MAX], back[64];
	struct stat sb;
	int fd;

	th_path(path, sizeof(path), f->dir, "log");
	for (int i = 0; i < 2; i++) {
		assert_true((fd = og_file_open_append(path)) >= 0);
		assert_int_equal(og_write_all(fd, "ab", 2), OG_OK);
		assert_true((fcntl(fd, F_GETFL) & O_NONBLOCK) == 0);
		close(fd);
	}
	assert_int_equal(th_read_file(path, back, sizeof(back)), 4);
	assert_string_equal(back, "abab");
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);

	th_path(link, sizeof(link), f->dir, "link");
	assert_int_equal(symlink(path, link), 0);
	assert_int_equal(og_file_open_append(link), -1);

	th_path(path, sizeof(path), f->dir, "fifo");
	assert_int_equal(mkfifo(path, 0600), 0);
	{
		pid_t pid = fork();
		int status = 0;

		assert_true(pid >= 0);
		if (pid == 0) {
			alarm(3);
			fd = og_file_open_append(path);
			_exit(fd == -1 ? 0 : 1);	/* ENXIO: no reader */
		}
		assert_int_equal(waitpid(pid, &status, 0), pid);
		if (WIFSIGNALED(status))
			fail_msg("og_file_open_append(FIFO) blocked (signal %d)", WTERMSIG(status));
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	th_path(path, sizeof(path), f->dir, "dir");
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(og_file_open_append(path), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_read_modes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_refuses_symlink, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_size_cap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_empty_and_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_refuses_directory_and_fifo, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_refuses_foreign_owner, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_check, setup, teardown),
		cmocka_unit_test_setup_teardown(test_path_check, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_does_not_follow_symlinks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_in_missing_dir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_append, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_outfile.c: og_outfile_create and friends: new files a person named. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "fileio.h"
#include "outfile.h"
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

/* Creates, writes and finishes path; returns og_outfile_create's result. */
static int make(struct fixture *fx, const char *path, const struct og_ident *as)
{
	struct og_outfile of;
	int r = og_outfile_create(&of, path, 0600, as, &fx->log);

	if (r == OG_OK) {
		assert_int_equal(og_write_all(of.fd, "data\n", 5), OG_OK);
		assert_int_equal(og_outfile_finish(&of), OG_OK);
	}
	og_outfile_close(&of);
	return r;
}

static void test_creates_new_private_file(void **state)
{
	struct fixture *fx = *state;
	char path[PATH_MAX], buf[16];

	umask(0);
	th_path(path, sizeof(path), fx->dir, "qr.png");
	assert_int_equal(make(fx, path, NULL), OG_OK);
	assert_int_equal(th_mode_of(path), 0600);
	assert_int_equal(th_read_file(path, buf, sizeof(buf)), 5);
	/* never over what exists */
	assert_int_equal(make(fx, path, NULL), OG_ERR_EXISTS);
	assert_non_null(strstr(fx->lb.text, "exists; not overwriting it"));
	assert_int_equal(th_read_file(path, buf, sizeof(buf)), 5);
}

static void test_symlink_at_the_name(void **state)
{
	struct fixture *fx = *state;
	char path[PATH_MAX], target[PATH_MAX];

	th_path(target, sizeof(target), fx->dir, "target");
	th_path(path, sizeof(path), fx->dir, "link");
	assert_int_equal(symlink(target, path), 0);
	assert_int_equal(make(fx, path, NULL), OG_ERR_EXISTS);
	assert_int_equal(access(target, F_OK), -1);
}

static void test_symlink_on_the_way(void **state)
{
	struct fixture *fx = *state;
	char real[PATH_MAX], link[PATH_MAX], path[PATH_MAX];

	th_path(real, sizeof(real), fx->dir, "real");
	th_path(link, sizeof(link), fx->dir, "link");
	assert_int_equal(mkdir(real, 0700), 0);
	assert_int_equal(symlink("real", link), 0);
	th_path(path, sizeof(path), link, "f");
	assert_int_equal(make(fx, path, NULL), OG_ERR_UNSAFE);
	assert_non_null(strstr(fx->lb.text, "link on the way is a symbolic link"));
	th_path(path, sizeof(path), real, "f");
	assert_int_equal(access(path, F_OK), -1);
	/* through the real directory, and with "." and ".." on the way, it works */
	th_path(path, sizeof(path), fx->dir, "real/./../real/f");
	assert_int_equal(make(fx, path, NULL), OG_OK);
}

static void test_not_a_file_name(void **state)
{
	struct fixture *fx = *state;
	static const char *const bad[] = { "", "/", ".", "..", "x/", "x/.", "x/.." };
	char path[PATH_MAX];

	for (size_t i = 0; i < TH_ARRAY_LEN(bad); i++)
		assert_int_equal(make(fx, bad[i], NULL), OG_ERR_UNSAFE);
	th_path(path, sizeof(path), fx->dir, "missing/f");
	assert_int_equal(make(fx, path, NULL), OG_ERR_IO);
}

static void test_relative_path(void **state)
{
	struct fixture *fx = *state;
	char cwd[PATH_MAX], path[PATH_MAX];

	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(fx->dir), 0);
	assert_int_equal(make(fx, "rel", NULL), OG_OK);
	assert_int_equal(chdir(cwd), 0);
	th_path(path, sizeof(path), fx->dir, "rel");
	assert_int_equal(access(path, F_OK), 0);
}

/* remove takes away only the file create made, not one put in its place */
static void test_remove_only_its_own(void **state)
{
	struct fixture *fx = *state;
	char path[PATH_MAX], other[PATH_MAX];
	struct og_outfile of;

	th_path(path, sizeof(path), fx->dir, "f");
	th_path(other, sizeof(other), fx->dir, "other");
	assert_int_equal(og_outfile_create(&of, path, 0600, NULL, &fx->log), OG_OK);
	og_outfile_remove(&of);
	assert_int_equal(access(path, F_OK), -1);
	og_outfile_close(&of);

	assert_int_equal(og_outfile_create(&of, path, 0600, NULL, &fx->log), OG_OK);
	assert_int_equal(th_write_str(other, "other", 0600), 0);
	assert_int_equal(rename(other, path), 0);
	og_outfile_remove(&of);
	assert_int_equal(access(path, F_OK), 0);
	og_outfile_close(&of);
}

static void test_ident_of(void **state)
{
	struct og_ident id;

	(void)state;
	assert_int_equal(og_outfile_ident_of("root", &id), OG_OK);
	assert_int_equal(id.uid, 0);
	assert_true(id.ngroups >= 1);
	og_outfile_ident_free(&id);
	assert_int_equal(og_outfile_ident_of("no-such-user-otpgate", &id), OG_ERR_NOTFOUND);
	og_outfile_ident_free(&id);
}

/* As root: the file is nobody's, only where nobody may write, and the
 * process is root again afterwards. */
static void test_as_someone_else(void **state)
{
	struct fixture *fx = *state;
	char home[PATH_MAX], path[PATH_MAX];
	gid_t groups[64];
	int ngroups = getgroups(64, groups);
	struct og_ident id;
	struct stat st;

	if (geteuid() != 0 || getpwnam("nobody") == NULL)
		skip();
	assert_int_equal(og_outfile_ident_of("nobody", &id), OG_OK);
	assert_int_equal(chmod(fx->dir, 0711), 0);
	th_path(home, sizeof(home), fx->dir, "home");
	assert_int_equal(mkdir(home, 0700), 0);
	assert_int_equal(chown(home, id.uid, id.gid), 0);
	th_path(path, sizeof(path), home, "qr.png");
	assert_int_equal(make(fx, path, &id), OG_OK);
	assert_int_equal(lstat(path, &st), 0);
	assert_int_equal(st.st_uid, id.uid);
	assert_int_equal(st.st_gid, id.gid);
	th_path(path, sizeof(path), fx->dir, "root-only");
	assert_int_equal(make(fx, path, &id), OG_ERR_IO);
	assert_non_null(strstr(fx->lb.text, "Permission denied (writing as nobody)"));
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(geteuid(), 0);
	assert_int_equal(getegid(), getgid());
	assert_int_equal(getgroups(0, NULL), ngroups);
	og_outfile_ident_free(&id);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_creates_new_private_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_symlink_at_the_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_symlink_on_the_way, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_a_file_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_relative_path, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove_only_its_own, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ident_of, setup, teardown),
		cmocka_unit_test_setup_teardown(test_as_someone_else, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

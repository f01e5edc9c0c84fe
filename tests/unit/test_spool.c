/*
 * test_spool.c: spooled audit rows come back exactly as they went in, and
 * reach a real (SQLite) store once each: after a flush that died, after
 * one that stored a chunk and died, with rows the store refuses, with two
 * flushes at once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "err.h"
#include "spool.h"
#include "store.h"
#include "th_store.h"
#include "trail.h"

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

/* A real store for the flush tests, and the spool beside it. */
struct fx {
	char dir[256], spool[300], claim[310], dead[310], db[300];
	struct og_config cfg;
	struct og_store *st;
};

static char last_log[1024];
static struct og_log quiet = { og_log_capture, last_log, 0 };

static void fx_open(struct fx *x)
{
	assert_int_equal(og_store_open(&x->cfg, &quiet, 0, &x->st), OG_OK);
	assert_true(og_store_chain_key(x->st) != NULL);
}

static int fx_setup(void **state)
{
	struct fx *x = calloc(1, sizeof(*x));
	char key[300], store[800];

	if (x == NULL)
		return -1;
	th_mkdtemp(x->dir, sizeof(x->dir));
	th_path(x->spool, sizeof(x->spool), x->dir, "spool");
	snprintf(x->claim, sizeof(x->claim), "%s.claim", x->spool);
	snprintf(x->dead, sizeof(x->dead), "%s.dead", x->spool);
	th_path(x->db, sizeof(x->db), x->dir, "otpgate.db");
	th_path(key, sizeof(key), x->dir, "master.key");
	snprintf(store, sizeof(store), "store = { backend = \"sqlite\"; path = \"%s\";"
		 " spool = \"%s\"; };", x->db, x->spool);
	if (og_master_key_create(key) != OG_OK ||
	    th_store_config(x->dir, "otpgate.conf", key, store, NULL, &x->cfg, &quiet) != 0 ||
	    th_store_init(&x->cfg, &quiet, &x->st) != 0)
		return -1;
	og_store_close(x->st);
	fx_open(x);
	*state = x;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *x = *state;

	th_store_remove(x->dir, &x->cfg, x->st);
	free(x);
	return 0;
}

/* Runs sql on the store's database beside the store's own connection. */
static void fx_sql(struct fx *x, const char *sql)
{
	sqlite3 *db;

	assert_int_equal(sqlite3_open(x->db, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	sqlite3_close(db);
}

/* Spooled row i: a failure named by its detail. */
static void spool_rows(const char *path, int from, int to, const char *reason)
{
	for (int i = from; i < to; i++) {
		char detail[32];
		struct og_audit_event ev = { .ts = 1795440000 + i, .event = "auth",
					     .result = "failure", .reason = reason,
					     .user = "spooled1", .detail = detail };

		snprintf(detail, sizeof(detail), "row %d", i);
		assert_int_equal(og_spool_append(path, &ev, NULL), OG_OK);
	}
}

struct tally {
	int seen[4000];
	int other, set_aside;
};

static int tally_row(void *arg, const struct og_audit_row *row)
{
	struct tally *t = arg;
	int i;

	if (row->ev.reason && strcmp(row->ev.reason, "set-aside") == 0)
		t->set_aside++;
	else if (row->ev.detail && sscanf(row->ev.detail, "row %d", &i) == 1 && i >= 0 && i < 4000)
		t->seen[i]++;
	else
		t->other++;
	return 0;
}

/* Every row in [0, n) stored exactly once, except those in `gone`. */
static void assert_once(struct fx *x, int n, const int *gone, int ngone, int set_aside)
{
	struct og_trail_report rep;
	struct tally *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	assert_int_equal(og_store_audit_list(x->st, tally_row, t), OG_OK);
	for (int i = 0; i < n; i++) {
		int want = 1;
		for (int k = 0; k < ngone; k++)
			want &= gone[k] != i;
		if (t->seen[i] != want)
			fail_msg("row %d stored %d times, want %d", i, t->seen[i], want);
	}
	assert_int_equal(t->set_aside, set_aside);
	assert_int_equal(og_trail_verify(x->st, &rep), OG_OK);
	free(t);
}

/* A flush that claimed the spool and died before storing anything left the
 * claim: the next flush stores it, then the rows spooled since. */
static void test_dead_claim_is_picked_up(void **state)
{
	struct fx *x = *state;

	spool_rows(x->spool, 0, 250, "store-unavailable");
	assert_int_equal(rename(x->spool, x->claim), 0);
	spool_rows(x->spool, 250, 260, "store-unavailable");
	assert_int_equal(og_spool_flush(x->spool, x->st, &quiet), 260);
	assert_once(x, 260, NULL, 0, 0);
	assert_int_equal(access(x->claim, F_OK), -1);
	assert_int_equal(access(x->spool, F_OK), -1);
	assert_int_equal(og_spool_flush(x->spool, x->st, &quiet), 0);
}

/* A flush that stored some chunks, or all, and died before removing its
 * claim: the chunks it stored are not stored again. */
static void test_stored_chunks_not_again(void **state)
{
	struct fx *x = *state;
	char *claim = malloc(1 << 20);
	ssize_t n;

	assert_non_null(claim);
	/* the store fails after the first chunk: the flush stops there */
	fx_sql(x, "CREATE TRIGGER down BEFORE INSERT ON audit WHEN"
		  " (SELECT count(*) FROM audit WHERE detail LIKE 'row %') >= 100"
		  " BEGIN SELECT RAISE(ABORT, 'down'); END;");
	spool_rows(x->spool, 0, 250, "store-unavailable");
	assert_true(og_spool_flush(x->spool, x->st, &quiet) < 0);
	n = th_read_file(x->claim, claim, 1 << 20);
	assert_true(n > 0);
	assert_non_null(strstr(claim, "\n#batch "));
	fx_sql(x, "DROP TRIGGER down");
	assert_int_equal(og_spool_flush(x->spool, x->st, &quiet), 250 - OG_SPOOL_CHUNK);
	assert_once(x, 250, NULL, 0, 0);
	/* everything was stored, but the claim was not removed (a crash) */
	assert_int_equal(th_write_file(x->claim, claim, (size_t)n, 0600), 0);
	assert_int_equal(og_spool_flush(x->spool, x->st, &quiet), 0);
	assert_int_equal(access(x->claim, F_OK), -1);
	assert_once(x, 250, NULL, 0, 0);
	free(claim);
}

/* Rows the store refuses, and a line that does not parse, are set aside in
 * the dead-letter file (0600), each told of by an audit row; the others
 * are stored; nothing waits behind them. */
static void test_refused_rows_set_aside(void **state)
{
	struct fx *x = *state;
	const int gone[] = { 120 };
	char dead[8192];
	struct stat sb;
	int fd;

	fx_sql(x, "CREATE TRIGGER poison BEFORE INSERT ON audit WHEN NEW.reason = 'poison'"
		  " BEGIN SELECT RAISE(ABORT, 'refused'); END;");
	spool_rows(x->spool, 0, 120, "store-unavailable");
	spool_rows(x->spool, 120, 121, "poison");
	fd = open(x->spool, O_WRONLY | O_APPEND);
	assert_true(write(fd, "not a spool line\n", 17) == 17);
	close(fd);
	spool_rows(x->spool, 121, 300, "store-unavailable");
	assert_int_equal(og_spool_flush(x->spool, x->st, &quiet), 299);
	assert_once(x, 300, gone, 1, 2);
	assert_int_equal(stat(x->dead, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	assert_true(th_read_file(x->dead, dead, sizeof(dead)) > 0);
	assert_non_null(strstr(dead, "reason=poison user=spooled1 detail=row\\x20120\n"));
	assert_non_null(strstr(dead, "not a spool line\n"));
	assert_int_equal(access(x->claim, F_OK), -1);
	/* nothing left to hold the next flush back */
	spool_rows(x->spool, 300, 301, "store-unavailable");
	assert_int_equal(og_spool_flush(x->spool, x->st, &quiet), 1);
}

/* A store that takes no audit rows at all is down, not a row refused: the
 * claim stays, nothing set aside, and all goes in once it works again. */
static void test_store_failure_keeps_claim(void **state)
{
	struct fx *x = *state;

	fx_sql(x, "CREATE TRIGGER down BEFORE INSERT ON audit"
		  " BEGIN SELECT RAISE(ABORT, 'down'); END;");
	spool_rows(x->spool, 0, 150, "store-unavailable");
	assert_true(og_spool_flush(x->spool, x->st, &quiet) < 0);
	assert_int_equal(access(x->claim, F_OK), 0);
	assert_int_equal(access(x->dead, F_OK), -1);
	spool_rows(x->spool, 150, 160, "store-unavailable");
	fx_sql(x, "DROP TRIGGER down");
	assert_int_equal(og_spool_flush(x->spool, x->st, &quiet), 160);
	assert_once(x, 160, NULL, 0, 0);
}

/* Two programs flush the same spool at once: every row once. */
static void test_two_flushes_at_once(void **state)
{
	struct fx *x = *state;
	pid_t pid[2];

	spool_rows(x->spool, 0, 1500, "store-unavailable");
	og_store_close(x->st);
	x->st = NULL;
	for (int i = 0; i < 2; i++) {
		if ((pid[i] = fork()) == 0) {
			struct og_store *st = NULL;
			/* as a login or a tool does: open the store, flush the spool */
			int r = og_store_open(&x->cfg, &quiet, 0, &st);
			if (r == OG_OK)
				og_spool_flush(x->spool, st, &quiet);
			og_store_close(st);
			og_config_free(&x->cfg);
			_exit(r == OG_OK ? 0 : 1);
		}
	}
	for (int i = 0; i < 2; i++) {
		int status = 0;
		assert_int_equal(waitpid(pid[i], &status, 0), pid[i]);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	fx_open(x);
	assert_int_equal(og_spool_flush(x->spool, x->st, &quiet), 0);
	assert_once(x, 1500, NULL, 0, 0);
}

/* What status reports of a spool: rows waiting in it and in a claim (less
 * those its notes set aside), the oldest of them, and the rows in the
 * dead-letter file; a file anyone else may read is refused, by name. */
static void test_backlog(void **state)
{
	struct fx *x = *state;
	struct og_spool_backlog b;
	int fd;

	assert_int_equal(og_spool_backlog(x->spool, &b, &quiet), OG_OK);
	assert_true(b.rows == 0 && b.oldest == 0 && b.claimed == 0 && b.dead == 0);
	/* a claim of five rows, its second set aside, and three rows spooled since */
	spool_rows(x->spool, 0, 5, "store-unavailable");
	fd = open(x->spool, O_WRONLY | O_APPEND);
	assert_true(write(fd, "#batch 0123456789abcdef0123456789abcdef\n#skip 2\n", 48) == 48);
	close(fd);
	assert_int_equal(rename(x->spool, x->claim), 0);
	spool_rows(x->spool, 5, 8, "store-unavailable");
	fd = open(x->dead, O_WRONLY | O_CREAT | O_APPEND, 0600);
	assert_true(write(fd, "not a spool line\nts=1 event=auth\n", 33) == 33);
	close(fd);
	assert_int_equal(og_spool_backlog(x->spool, &b, &quiet), OG_OK);
	assert_int_equal(b.rows, 7);
	assert_int_equal(b.claimed, 4);
	assert_int_equal(b.oldest, 1795440000);
	assert_int_equal(b.dead, 2);
	/* a flush stores the waiting rows, and leaves the dead letters */
	assert_int_equal(og_spool_flush(x->spool, x->st, &quiet), 7);
	assert_int_equal(og_spool_backlog(x->spool, &b, &quiet), OG_OK);
	assert_true(b.rows == 0 && b.claimed == 0 && b.dead == 2);
	assert_int_equal(chmod(x->dead, 0644), 0);
	last_log[0] = '\0';
	assert_int_equal(og_spool_backlog(x->spool, &b, &quiet), OG_ERR_UNSAFE);
	assert_non_null(strstr(last_log, x->dead));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_malformed_lines),
		cmocka_unit_test(test_long_names_round_trip),
		cmocka_unit_test_setup_teardown(test_dead_claim_is_picked_up, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_stored_chunks_not_again, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_refused_rows_set_aside, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_store_failure_keeps_claim, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_two_flushes_at_once, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_backlog, fx_setup, fx_teardown),
	};

	return cmocka_run_group_tests_name("spool", tests, NULL, NULL);
}

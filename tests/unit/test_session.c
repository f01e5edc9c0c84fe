/*
 * test_session.c: a process told apart from later ones with its pid
 * (procid.c), and sessions recorded, cleaned up, warned about and ended
 * (session.c) on a real SQLite store, with real child processes.
 */
#include <setjmp.h>
#include <signal.h>
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

#include "procid.h"
#include "session.h"
#include "th_store.h"
#include "util.h"

#define NOW 1800000000LL

struct fx {
	char dir[256], conf[300];
	struct og_ctx ctx;
	struct th_logbuf lb;
	struct og_log log;
	pid_t kids[16];	/* children alive, reaped at teardown */
	char told[4][1024];
	int ntold;
};

static void reap(struct fx *x, pid_t pid);

/* A child that waits for a signal; a plain kill ends it. */
static pid_t child(struct fx *x)
{
	pid_t pid;

	signal(SIGHUP, SIG_DFL);	/* a session's process ends on it, even under nohup */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		for (;;)
			pause();
	}
	for (int i = 0; i < 16; i++) {
		if (x->kids[i] == 0) {
			x->kids[i] = pid;
			return pid;
		}
	}
	reap(x, pid);
	fail_msg("more than 16 children");
	return -1;
}

/* Ends and reaps a child (once; a reaped one's slot is cleared). */
static void reap(struct fx *x, pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	for (int i = 0; i < 16; i++)
		if (x->kids[i] == pid)
			x->kids[i] = 0;
}

static int setup(void **state)
{
	struct fx *x = calloc(1, sizeof(*x));
	char key[300], err[512];
	struct og_config cfg;
	struct og_store *st;

	if (x == NULL)
		return -1;
	th_log_init(&x->log, &x->lb);
	th_mkdtemp(x->dir, sizeof(x->dir));
	th_path(key, sizeof(key), x->dir, "master.key");
	th_path(x->conf, sizeof(x->conf), x->dir, "otpgate.conf");
	if (og_master_key_create(key) != OG_OK ||
	    th_store_config(x->dir, "otpgate.conf", key, NULL,
			    "host = \"bastion-a\";\naudit = { syslog = false; };\n", &cfg, &x->log) != 0 ||
	    th_store_init(&cfg, &x->log, &st) != 0)
		return -1;
	og_store_close(st);
	og_config_free(&cfg);
	if (og_ctx_open(&x->ctx, x->conf, &x->log, err, sizeof(err)) != OG_OK) {
		fprintf(stderr, "open: %s\n", err);
		return -1;
	}
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct fx *x = *state;

	for (int i = 0; i < 16; i++)
		if (x->kids[i] > 0)
			reap(x, x->kids[i]);
	og_ctx_close(&x->ctx);
	th_rmtree(x->dir);
	free(x);
	return 0;
}

static void tell(void *arg, const char *line)
{
	struct fx *x = arg;

	if (x->ntold < 4)
		snprintf(x->told[x->ntold++], sizeof(x->told[0]), "%s", line);
}

/* A session of user from rhost opened by process pid, as the module opens it. */
static int open_as(struct fx *x, const char *user, const char *rhost, pid_t pid,
		   char id[OG_ID_LEN + 1])
{
	struct og_login l;

	memset(&l, 0, sizeof(l));
	l.user = user;
	l.service = "sshd";
	l.rhost = rhost;
	l.now = NOW;
	x->ntold = 0;
	return og_session_open(&x->ctx, &l, "/dev/pts/9", pid, tell, x, id);
}

/* The newest entry with reason: "event/result/user/source", or "". */
static int last_of(void *arg, const struct og_audit_row *row)
{
	snprintf(arg, 256, "%s/%s/%s/%s", row->ev.event, row->ev.result,
		 row->ev.user ? row->ev.user : "-", row->ev.source ? row->ev.source : "-");
	return 0;
}

static const char *audited(struct fx *x, const char *reason)
{
	static char text[256];

	text[0] = '\0';
	assert_int_equal(og_store_audit_last(x->ctx.st, reason, last_of, text), OG_OK);
	return text;
}

static int64_t count_sessions(struct fx *x)
{
	struct og_store_counts n;

	assert_int_equal(og_store_counts(x->ctx.st, &n), OG_OK);
	return n.sessions;
}

/* Which process a pid is: its start time and boot set it apart. */
static void test_proc_id(void **state)
{
	struct fx *x = *state;
	struct og_proc_id me, kid, other;
	pid_t pid = child(x);

	assert_int_equal(og_proc_id_of(getpid(), &me), OG_OK);
	assert_int_equal(me.pid, getpid());
	assert_true(me.start > 0);
	assert_int_equal(strlen(me.boot_id), 36);
	assert_int_equal(og_proc_id_of(pid, &kid), OG_OK);
	assert_true(kid.start >= me.start);
	assert_string_equal(kid.boot_id, me.boot_id);
	assert_true(og_proc_id_alive(&kid));
	other = kid;
	other.start++;
	assert_false(og_proc_id_alive(&other));
	other = kid;
	other.boot_id[0] = other.boot_id[0] == '0' ? '1' : '0';
	assert_false(og_proc_id_alive(&other));
	assert_int_equal(og_proc_id_of(0, &other), OG_ERR_INVALID);
	assert_int_equal(og_proc_id_of(1, &other), OG_ERR_INVALID);
	assert_int_equal(og_proc_id_of(-5, &other), OG_ERR_INVALID);
	reap(x, pid);
	assert_false(og_proc_id_alive(&kid));
	assert_int_equal(og_proc_id_of(pid, &other), OG_ERR_NOTFOUND);
}

/* SIGHUP goes to the recorded process only: never to another that has
 * its pid (told apart by its start time). */
static void test_hangup(void **state)
{
	struct fx *x = *state;
	struct og_proc_id kid, wrong;
	pid_t pid = child(x);
	int ended = -1, status = 0;

	assert_int_equal(og_proc_id_of(pid, &kid), OG_OK);
	wrong = kid;
	wrong.start--;
	assert_int_equal(og_proc_hangup(&wrong, 100, &ended), OG_ERR_NOTFOUND);
	assert_int_equal(ended, 0);
	assert_int_equal(waitpid(pid, &status, WNOHANG), 0);	/* untouched */
	assert_int_equal(og_proc_hangup(&kid, 3000, &ended), OG_OK);
	assert_int_equal(ended, 1);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGHUP);
	x->kids[0] = 0;
	assert_int_equal(og_proc_hangup(&kid, 100, &ended), OG_ERR_NOTFOUND);
}

/* A second session from another address is warned about the first (one
 * line, with how to end it), audited; from the same address it is not. */
static void test_open_warns_of_other_sources(void **state)
{
	struct fx *x = *state;
	char a[OG_ID_LEN + 1], b[OG_ID_LEN + 1], c[OG_ID_LEN + 1], want[256];
	pid_t p1 = child(x), p2 = child(x), p3 = child(x);
	struct og_session_row s;

	assert_int_equal(open_as(x, "alice", "127.0.0.1", p1, a), OG_OK);
	assert_true(og_session_id_ok(a));
	assert_int_equal(x->ntold, 0);
	assert_string_equal(audited(x, "multiple-sources"), "");
	assert_int_equal(open_as(x, "alice", "127.0.0.1", p2, b), OG_OK);
	assert_int_equal(x->ntold, 0);
	assert_int_equal(open_as(x, "alice", "::ffff:127.0.0.2", p3, c), OG_OK);
	assert_int_equal(x->ntold, 2);
	assert_string_equal(audited(x, "multiple-sources"), "session/warning/alice/127.0.0.2");
	/* one line each (the same start: in the order of their ids) */
	snprintf(want, sizeof(want), "otpgate: you also have a session on bastion-a from 127.0.0.1"
		 " (/dev/pts/9) since 2027-01-15T08:00:00Z; end it with: otpgate-provision close %s"
		 " (process %d)", a, (int)p1);
	assert_string_equal(x->told[strcmp(a, b) < 0 ? 0 : 1], want);
	assert_non_null(strstr(x->told[strcmp(a, b) < 0 ? 1 : 0], b));
	assert_int_equal(og_store_session_get(x->ctx.st, c, &s), OG_OK);
	assert_string_equal(s.source, "127.0.0.2");
	assert_string_equal(s.host, "bastion-a");
	assert_string_equal(s.tty, "/dev/pts/9");
	assert_int_equal(s.pid, p3);
	assert_int_equal(count_sessions(x), 3);
	/* a session of another bastion is named by its host */
	og_copy(s.id, sizeof(s.id), "00000000000000000000000000000000");
	og_copy(s.host, sizeof(s.host), "bastion-b");
	og_copy(s.source, sizeof(s.source), "192.0.2.5");
	assert_int_equal(og_store_session_add(x->ctx.st, &s), OG_OK);
	assert_int_equal(open_as(x, "alice", "127.0.0.1", p3, c), OG_OK);
	assert_int_equal(x->ntold, 2);
	/* oldest first, then by id: the other bastion's (id 000...: before any random id) first */
	assert_non_null(strstr(x->told[0], "from 192.0.2.5"));
	assert_non_null(strstr(x->told[0], "it runs on host bastion-b: end it there"));
	assert_non_null(strstr(x->told[1], "from 127.0.0.2"));
}

/* sessions.warn_multiple off: nothing on the terminal, still audited. */
static void test_warn_off(void **state)
{
	struct fx *x = *state;
	char a[OG_ID_LEN + 1], b[OG_ID_LEN + 1];

	x->ctx.cfg.sessions_warn_multiple = 0;
	assert_int_equal(open_as(x, "bob", "127.0.0.1", child(x), a), OG_OK);
	assert_int_equal(open_as(x, "bob", "127.0.0.3", child(x), b), OG_OK);
	assert_int_equal(x->ntold, 0);
	assert_string_equal(audited(x, "multiple-sources"), "session/warning/bob/127.0.0.3");
}

/* Closed by id, or by process when the id was lost; those whose process
 * is gone are forgotten at the next open on their bastion, others' kept. */
static void test_close_and_cleanup(void **state)
{
	struct fx *x = *state;
	char a[OG_ID_LEN + 1], b[OG_ID_LEN + 1], c[OG_ID_LEN + 1];
	pid_t p1 = child(x), p2 = child(x), p3 = child(x);
	struct og_session_row s, far;

	assert_int_equal(open_as(x, "carol", "127.0.0.1", p1, a), OG_OK);
	assert_int_equal(open_as(x, "carol", "127.0.0.1", p2, b), OG_OK);
	assert_int_equal(og_session_close(&x->ctx, a, p1), OG_OK);
	assert_int_equal(og_store_session_get(x->ctx.st, a, &s), OG_ERR_NOTFOUND);
	assert_int_equal(og_session_close(&x->ctx, a, p1), OG_OK);	/* closed already */
	assert_int_equal(og_session_close(&x->ctx, NULL, p2), OG_OK);
	assert_int_equal(og_store_session_get(x->ctx.st, b, &s), OG_ERR_NOTFOUND);
	assert_int_equal(open_as(x, "carol", "127.0.0.1", p1, a), OG_OK);
	far = s;
	assert_int_equal(og_store_session_get(x->ctx.st, a, &far), OG_OK);
	og_copy(far.id, sizeof(far.id), "fedcba9876543210fedcba9876543210");
	og_copy(far.host, sizeof(far.host), "bastion-b");
	assert_int_equal(og_store_session_add(x->ctx.st, &far), OG_OK);
	reap(x, p1);
	assert_int_equal(og_session_state("bastion-a", &far), OG_SESSION_ELSEWHERE);
	assert_int_equal(og_store_session_get(x->ctx.st, a, &s), OG_OK);
	assert_int_equal(og_session_state("bastion-a", &s), OG_SESSION_GONE);
	assert_int_equal(open_as(x, "dave", "127.0.0.1", p3, c), OG_OK);
	assert_int_equal(og_store_session_get(x->ctx.st, a, &s), OG_ERR_NOTFOUND);
	assert_int_equal(og_store_session_get(x->ctx.st, far.id, &s), OG_OK);
	assert_int_equal(og_session_state("bastion-a", &s), OG_SESSION_ELSEWHERE);
}

/* An administrator ends a session of this bastion; one of another
 * bastion is refused, untouched. */
static void test_hangup_session(void **state)
{
	struct fx *x = *state;
	char a[OG_ID_LEN + 1];
	pid_t p1 = child(x);
	struct og_session_row s;
	enum og_session_end end;
	int status = 0;

	assert_int_equal(open_as(x, "erin", "127.0.0.1", p1, a), OG_OK);
	assert_int_equal(og_store_session_get(x->ctx.st, a, &s), OG_OK);
	assert_int_equal(og_session_hangup(x->ctx.st, "bastion-b", &s, &end), OG_OK);
	assert_int_equal(end, OG_SESSION_OTHER_HOST);
	assert_int_equal(waitpid(p1, &status, WNOHANG), 0);
	assert_int_equal(og_store_session_get(x->ctx.st, a, &s), OG_OK);
	assert_int_equal(og_session_hangup(x->ctx.st, "bastion-a", &s, &end), OG_OK);
	assert_int_equal(end, OG_SESSION_ENDED);
	assert_int_equal(waitpid(p1, &status, 0), p1);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGHUP);
	x->kids[0] = 0;
	assert_int_equal(og_store_session_get(x->ctx.st, a, &s), OG_ERR_NOTFOUND);
}

/*
 * A process that holds several sessions (a daemon that opens one per
 * client, as strongSwan's xauth-pam can): SIGHUP would end every one of
 * them, whoever's they are, so close refuses and signals nothing. Its
 * close without the session's id (lost by the application) cannot tell
 * which of them ended, and forgets none.
 */
static void test_shared_process(void **state)
{
	struct fx *x = *state;
	char a[OG_ID_LEN + 1], b[OG_ID_LEN + 1], c[OG_ID_LEN + 1];
	pid_t daemon = child(x), own = child(x);
	struct og_session_row s;
	enum og_session_end end;
	int status = 0;

	assert_int_equal(open_as(x, "ivan", "127.0.0.1", daemon, a), OG_OK);
	assert_int_equal(open_as(x, "judy", "127.0.0.2", daemon, b), OG_OK);
	assert_int_equal(og_store_session_get(x->ctx.st, a, &s), OG_OK);
	assert_int_equal(og_session_hangup(x->ctx.st, "bastion-a", &s, &end), OG_OK);
	assert_int_equal(end, OG_SESSION_SHARED);
	assert_int_equal(waitpid(daemon, &status, WNOHANG), 0);	/* untouched */
	assert_int_equal(og_store_session_get(x->ctx.st, a, &s), OG_OK);
	assert_int_equal(og_session_close(&x->ctx, NULL, daemon), OG_OK);
	assert_int_equal(og_store_session_get(x->ctx.st, a, &s), OG_OK);
	assert_int_equal(og_store_session_get(x->ctx.st, b, &s), OG_OK);
	assert_non_null(strstr(x->lb.text, "holds 2 sessions"));
	/* closed by id, the other is the process's alone, and closes */
	assert_int_equal(og_session_close(&x->ctx, a, daemon), OG_OK);
	assert_int_equal(og_store_session_get(x->ctx.st, b, &s), OG_OK);
	assert_int_equal(og_session_hangup(x->ctx.st, "bastion-a", &s, &end), OG_OK);
	assert_int_equal(end, OG_SESSION_ENDED);
	assert_int_equal(waitpid(daemon, &status, 0), daemon);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGHUP);
	x->kids[0] = 0;
	/* a row of a process gone that had the same pid is not another holder */
	assert_int_equal(open_as(x, "ivan", "127.0.0.1", own, c), OG_OK);
	assert_int_equal(og_store_session_get(x->ctx.st, c, &s), OG_OK);
	og_copy(s.id, sizeof(s.id), "abababababababababababababababab");
	s.pid_start--;
	assert_int_equal(og_store_session_add(x->ctx.st, &s), OG_OK);
	assert_int_equal(og_session_close(&x->ctx, NULL, own), OG_OK);
	assert_int_equal(og_store_session_get(x->ctx.st, c, &s), OG_ERR_NOTFOUND);
}

/* Runs sql on the store's database beside the store's own connection
 * (as another bastion, or anyone who can write the store, would). */
static void raw_sql(struct fx *x, const char *sql)
{
	char path[300];
	sqlite3 *db;

	th_path(path, sizeof(path), x->dir, "otpgate.db");
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	sqlite3_close(db);
}

static int count_row(void *arg, const struct og_session_row *s)
{
	(void)s;
	++*(int *)arg;
	return 0;
}

/* 1 if every line told is printable ASCII. */
static int told_printable(const struct fx *x)
{
	for (int i = 0; i < x->ntold; i++)
		for (const char *p = x->told[i]; *p != '\0'; p++)
			if (*p < 0x20 || *p > 0x7e)
				return 0;
	return 1;
}

/*
 * What another bastion (or anyone who can write the store) put in a
 * session row reaches the user's terminal, an administrator's, a notify
 * program and the logs: a row that is not of the shape otpgate writes
 * (an escape sequence in its tty, service or host, an id or source that
 * is not one) is malformed, never shown; nor is one stored.
 */
static void test_hostile_rows(void **state)
{
	static const char *const bad[] = {
		"'0123456789abcdef0123456789abcdef', 'gina', '192.0.2.9', 'bastion-b', 'sshd',"
		" char(27) || ']0;owned' || char(7) || char(27) || '[2J'",
		"'0123456789abcdef0123456789abcdef', 'gina', '192.0.2.9', 'bastion-b',"
		" 'ssh' || char(10) || 'otpgate: all is well', '/dev/pts/1'",
		"'0123456789abcdef0123456789abcdef', 'gina', '192.0.2.9',"
		" 'b' || char(27) || '[31m', 'sshd', '/dev/pts/1'",
		"'0123456789abcdef0123456789abcde' || char(27), 'gina', '192.0.2.9', 'bastion-b',"
		" 'sshd', '/dev/pts/1'",
		"'0123456789abcdef0123456789abcdef', 'gina', '192.0.2.9 -x' || char(27), 'bastion-b',"
		" 'sshd', '/dev/pts/1'",
		"'0123456789abcdef0123456789abcdef', 'gina', '192.0.2.9', 'bastion-b', 'sshd',"
		" '/dev/pts/1 x=\"y\"'",
	};
	struct fx *x = *state;
	char a[OG_ID_LEN + 1], sql[512];
	struct og_session_row s;
	int n = 0;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(sql, sizeof(sql), "DELETE FROM sessions WHERE \"user\" = 'gina';"
			 " INSERT INTO sessions VALUES(%s, 4242, 1, 'b00t', 1700000000)", bad[i]);
		raw_sql(x, sql);
		x->lb.len = 0;
		x->lb.text[0] = '\0';
		assert_int_equal(open_as(x, "gina", "127.0.0.1", child(x), a),
				 OG_ERR_STORE);
		assert_true(told_printable(x));
		assert_int_equal(x->ntold, 0);
		assert_non_null(strstr(x->lb.text, "list sessions: a row is malformed"));
		/* the administrator's listing (sessions) does not show it either */
		assert_int_equal(og_store_session_list(x->ctx.st, NULL, count_row, &n), OG_ERR_STORE);
	}
	/* nor is such a row stored */
	raw_sql(x, "DELETE FROM sessions WHERE \"user\" = 'gina'");
	assert_int_equal(open_as(x, "gina", "127.0.0.1", child(x), a), OG_OK);
	assert_int_equal(og_store_session_get(x->ctx.st, a, &s), OG_OK);
	og_copy(s.id, sizeof(s.id), "fedcba9876543210fedcba9876543210");
	og_copy(s.tty, sizeof(s.tty), "\x1b]0;owned\x07");
	assert_int_equal(og_store_session_add(x->ctx.st, &s), OG_ERR_INVALID);
	og_copy(s.tty, sizeof(s.tty), "/dev/pts/1");
	og_copy(s.source, sizeof(s.source), "-oProxyCommand=x");
	assert_int_equal(og_store_session_add(x->ctx.st, &s), OG_ERR_INVALID);
	og_copy(s.source, sizeof(s.source), "192.0.2.9");
	og_copy(s.id, sizeof(s.id), "FEDCBA9876543210FEDCBA9876543210");
	assert_int_equal(og_store_session_add(x->ctx.st, &s), OG_ERR_INVALID);
	og_copy(s.id, sizeof(s.id), "fedcba9876543210fedcba9876543210");
	assert_int_equal(og_store_session_add(x->ctx.st, &s), OG_OK);
}

/* The longest host and source a row may hold: the line is told whole,
 * with the session's id at its end. */
static void test_long_names_told_whole(void **state)
{
	struct fx *x = *state;
	char a[OG_ID_LEN + 1], host[OG_HOST_MAX + 1];
	struct og_session_row s;

	memset(host, 'h', OG_HOST_MAX);
	host[OG_HOST_MAX] = '\0';
	assert_int_equal(open_as(x, "hank", "127.0.0.1", child(x), a), OG_OK);
	assert_int_equal(og_store_session_get(x->ctx.st, a, &s), OG_OK);
	og_copy(s.id, sizeof(s.id), "00112233445566778899aabbccddeeff");
	og_copy(s.host, sizeof(s.host), host);
	og_copy(s.source, sizeof(s.source), "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe");
	memset(s.tty, 't', OG_SESSION_TEXT_MAX);
	s.tty[OG_SESSION_TEXT_MAX] = '\0';
	assert_int_equal(og_store_session_add(x->ctx.st, &s), OG_OK);
	assert_int_equal(open_as(x, "hank", "127.0.0.3", child(x), a), OG_OK);
	assert_int_equal(x->ntold, 2);
	/* whichever line it is (the same start: in the order of their ids) */
	assert_true(strstr(x->told[0], "(session 00112233445566778899aabbccddeeff)") != NULL ||
		    strstr(x->told[1], "(session 00112233445566778899aabbccddeeff)") != NULL);
}

/* Ids: 32 lowercase hex digits, nothing else. */
static void test_id_shape(void **state)
{
	(void)state;
	assert_true(og_session_id_ok("0123456789abcdef0123456789abcdef"));
	assert_false(og_session_id_ok("0123456789ABCDEF0123456789abcdef"));
	assert_false(og_session_id_ok("0123456789abcdef0123456789abcde"));
	assert_false(og_session_id_ok("0123456789abcdef0123456789abcdef0"));
	assert_false(og_session_id_ok("-123456789abcdef0123456789abcdef"));
	assert_false(og_session_id_ok(""));
	assert_false(og_session_id_ok(NULL));
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_proc_id),
		T(test_hangup),
		T(test_open_warns_of_other_sources),
		T(test_warn_off),
		T(test_close_and_cleanup),
		T(test_hangup_session),
		T(test_shared_process),
		T(test_hostile_rows),
		T(test_long_names_told_whole),
		T(test_id_shape),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

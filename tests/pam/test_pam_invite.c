/*
 * test_pam_invite: a user enrols their own device at the prompt, with an
 * invitation, through the real libpam and the built pam_otpgate.so, on a
 * store made by otpgate-provision (SQLite, or PostgreSQL when
 * OTPGATE_TEST_CONNINFO names a database, as tests/pg/with-postgres sets
 * it). The conversation plays the user: it types the invitation code,
 * reads what it is shown (the QR code, the otpauth URI), computes the new
 * device's code from that URI, and types it. OTPGATE_BUILD names the build
 * directory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <security/pam_appl.h>

#include "otp.h"
#include "otpauth.h"

#define PROMPT "Verification code: "
#define PROMPT_NEW "Verification code from your new device: "
#define SSH_ENV "SSH_CONNECTION=127.0.0.1 50000 127.0.0.1 22"

static char dir[256], build[512];
static const char *conninfo;

/* What the new device's prompt is answered with. */
enum device { D_RIGHT, D_WRONG, D_NONE, D_NEXT };

struct login {
	const char *service, *user, *rhost, *env;
	const char *code;		/* typed at "Verification code: " (NULL: no answer) */
	enum device device;		/* typed at the new device's prompt */
	int64_t counter;		/* the HOTP code typed there, D_RIGHT (0: the first) */
	char uri[1024];			/* the otpauth URI it was shown */
	int prompts, new_prompts, infos, errors;
	size_t longest;			/* the longest message, in bytes */
	char shown[16384];		/* the PAM_TEXT_INFO messages, a line each */
	char error[512];		/* the last PAM_ERROR_MSG */
};

/* The device's code for the URI it was shown, at step or counter n from now. */
static void device_code(const char *uri, int64_t n, char code[9])
{
	struct og_otpauth u;

	assert_int_equal(og_otpauth_parse(uri, &u), 0);
	if (u.params.otp_kind == OG_OTP_HOTP)
		assert_int_equal(og_otp_format(u.secret, u.secret_len, &u.params, n, code), 0);
	else
		assert_int_equal(og_otp_format(u.secret, u.secret_len, &u.params,
					       og_totp_step(&u.params, (int64_t)time(NULL)) + n,
					       code), 0);
}

/* The URI among the lines shown: "Or add it by hand: otpauth://...". */
static void uri_shown(struct login *l)
{
	const char *p = strstr(l->shown, "otpauth://");

	assert_non_null(p);
	snprintf(l->uri, sizeof(l->uri), "%.*s", (int)strcspn(p, "\n"), p);
}

/* Racing logins: each says it is at the prompt (write end of ready) and
 * answers only once told to go (read end of go), so that both read the
 * user's state before either answers. -1: no race. */
static int race_ready = -1, race_go = -1;

/* Waits up to 30 s for fd to be readable; 1 if it is. */
static int readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 30000) == 1;
}

static char *answer(struct login *l, const char *prompt)
{
	char code[9], c = 'x';

	if (strcmp(prompt, PROMPT) == 0) {
		l->prompts++;
		if (race_ready >= 0 && (write(race_ready, &c, 1) != 1 || !readable(race_go) ||
					read(race_go, &c, 1) != 1))
			return NULL;
		return l->code ? strdup(l->code) : NULL;
	}
	assert_string_equal(prompt, PROMPT_NEW);
	l->new_prompts++;
	uri_shown(l);
	if (l->device == D_NONE)
		return NULL;
	device_code(l->uri, l->device == D_NEXT ? 1 : l->counter, code);
	if (l->device == D_WRONG)
		code[0] = code[0] == '9' ? '0' : (char)(code[0] + 1);
	return strdup(code);
}

static int conv(int n, const struct pam_message **msg, struct pam_response **resp, void *data)
{
	struct login *l = data;
	struct pam_response *r = calloc((size_t)n, sizeof(*r));
	int ok = 1;

	if (r == NULL)
		return PAM_BUF_ERR;
	for (int i = 0; i < n; i++) {
		const char *m = msg[i]->msg;
		size_t o = strlen(l->shown);
		if (strlen(m) > l->longest)
			l->longest = strlen(m);
		switch (msg[i]->msg_style) {
		case PAM_TEXT_INFO:
			l->infos++;
			snprintf(l->shown + o, sizeof(l->shown) - o, "%s\n", m);
			break;
		case PAM_ERROR_MSG:
			l->errors++;
			snprintf(l->error, sizeof(l->error), "%s", m);
			break;
		default:
			r[i].resp = answer(l, m);
			ok = ok && r[i].resp != NULL;
		}
	}
	*resp = r;
	return ok ? PAM_SUCCESS : PAM_CONV_ERR;
}

static int do_login(struct login *l)
{
	struct pam_conv pc = { conv, l };
	pam_handle_t *ph = NULL;
	char confdir[300];
	int rc;

	snprintf(confdir, sizeof(confdir), "%s/pam.d", dir);
	assert_int_equal(pam_start_confdir(l->service ? l->service : "og", l->user, &pc, confdir,
					   &ph), PAM_SUCCESS);
	pam_set_item(ph, PAM_RHOST, l->rhost ? l->rhost : "127.0.0.1");
	if (l->env != NULL)
		pam_putenv(ph, l->env);
	rc = pam_authenticate(ph, 0);
	pam_end(ph, rc);
	return rc;
}

/* A login over SSH (sshd puts SSH_CONNECTION in the PAM environment). */
static int ssh_login(struct login *l, const char *user, const char *code, enum device d)
{
	memset(l, 0, sizeof(*l));
	l->user = user;
	l->code = code;
	l->device = d;
	l->env = SSH_ENV;
	return do_login(l);
}

static void run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void run(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	assert_int_equal(system(cmd), 0);
}

/* Runs a query through the backend's own client; its first line in out. */
static void sql(char *out, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void sql(char *out, size_t cap, const char *fmt, ...)
{
	char cmd[1024], path[300], line[256] = "";
	va_list ap;
	FILE *p;

	snprintf(path, sizeof(path), "%s/query.sql", dir);
	p = fopen(path, "w");
	assert_non_null(p);
	va_start(ap, fmt);
	vfprintf(p, fmt, ap);
	va_end(ap);
	fputs(";\n", p);
	fclose(p);
	if (conninfo != NULL)
		snprintf(cmd, sizeof(cmd), "psql -Atq '%s' -f %s", conninfo, path);
	else
		snprintf(cmd, sizeof(cmd), "sqlite3 %s/otpgate.db < %s", dir, path);
	p = popen(cmd, "r");
	assert_non_null(p);
	if (fgets(line, sizeof(line), p) == NULL)
		line[0] = '\0';
	/* a query that fails must fail the test, not read as 0 */
	assert_int_equal(pclose(p), 0);
	line[strcspn(line, "\n")] = '\0';
	if (out != NULL) {
		assert_true(line[0] != '\0');
		snprintf(out, cap, "%s", line);
	}
}

/* The number a query (fmt, ...) gives. */
static int sql_int(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sql_int(const char *fmt, ...)
{
	char q[512], out[64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(q, sizeof(q), fmt, ap);
	va_end(ap);
	sql(out, sizeof(out), "%s", q);
	return atoi(out);
}

/* Audit rows of user with event/result/reason. */
static int audited(const char *user, const char *event, const char *result, const char *reason)
{
	char q[512], out[64];

	snprintf(q, sizeof(q), "select count(*) from audit_named where \"user\" = '%s' and"
		 " event = '%s' and result = '%s' and reason = '%s'", user, event, result, reason);
	sql(out, sizeof(out), "%s", q);
	return atoi(out);
}

/* otpgate-provision invite USER ARGS --json: the code it prints. */
static void invite(const char *user, const char *args, char code[32])
{
	char cmd[1024], line[512] = "";
	const char *p;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "%s/otpgate-provision -c %s/otpgate.conf invite %s %s --json",
		 build, dir, user, args);
	f = popen(cmd, "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	assert_int_equal(pclose(f), 0);
	p = strstr(line, "\"code\":\"");
	assert_non_null(p);
	snprintf(code, 32, "%.24s", p + 8);
	assert_int_equal(strlen(code), 24);
}

static void write_file(const char *name, mode_t mode, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	chmod(path, mode);
}

static void write_config(const char *name, const char *extra)
{
	char text[3072], store[1024];

	if (conninfo != NULL)
		snprintf(store, sizeof(store), "store = { backend = \"postgresql\"; conninfo = \"%s\";"
			 " spool = \"%s/audit.spool\"; };\n", conninfo, dir);
	else
		snprintf(store, sizeof(store), "store = { backend = \"sqlite\"; path = \"%s/otpgate.db\";"
			 " spool = \"%s/audit.spool\"; };\n", dir, dir);
	snprintf(text, sizeof(text), "%smaster_key = \"%s/master.key\";\n"
		 "keys = { registry = \"%s/keys.db\"; };\n"
		 "policy = ( { match = \"*\"; allow_from = [ \"127.0.0.0/8\" ]; } );\n"
		 "lockout = { max_failures = 4; interval = \"10m\"; lock_for = \"15m\"; };\n"
		 "audit = { syslog = false; };\n%s", store, dir, dir, extra);
	write_file(name, 0600, text);
}

static void write_service(const char *name, const char *conf, const char *args)
{
	char text[2048];

	snprintf(text, sizeof(text), "auth required %s/pam_otpgate.so config=%s/%s %s\n", build, dir,
		 conf, args);
	write_file(name, 0644, text);
}

static int setup(void **state)
{
	char path[300];

	(void)state;
	snprintf(build, sizeof(build), "%s", getenv("OTPGATE_BUILD") ? getenv("OTPGATE_BUILD") : "build");
	conninfo = getenv("OTPGATE_TEST_CONNINFO");
	if (conninfo != NULL && *conninfo == '\0')
		conninfo = NULL;
	snprintf(dir, sizeof(dir), "/tmp/otpgate-invitetest-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/pam.d", dir);
	mkdir(path, 0755);
	write_config("otpgate.conf", "auth = { uniform_refusals = false; };\n");
	write_config("uniform.conf", "");
	write_config("unenrolled.conf", "auth = { allow_unenrolled = true; };\n");
	run("%s/otpgate-provision -c %s/otpgate.conf init >/dev/null", build, dir);
	write_service("pam.d/og", "otpgate.conf", "");
	write_service("pam.d/uniform", "uniform.conf", "");
	write_service("pam.d/unenrolled", "unenrolled.conf", "");
	return 0;
}

static int teardown(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Waits until at least margin seconds remain in the current TOTP step. */
static void wait_margin(int margin)
{
	while (30 - time(NULL) % 30 < margin)
		usleep(200000);
}

/* The QR code among the lines shown: its half-block lines (a light
 * border, so each starts with a full block), all as many characters wide. */
static int qr_lines(const char *shown)
{
	int n = 0, width = -1;

	for (const char *p = shown; *p; p += strcspn(p, "\n") + 1) {
		size_t len = strcspn(p, "\n");
		int chars = 0;
		if (strncmp(p, "\u2588", 3) != 0)
			continue;
		for (size_t i = 0; i < len; i++)
			chars += ((unsigned char)p[i] & 0xc0) != 0x80;
		if (width >= 0 && width != chars)
			return -1;
		width = chars;
		n++;
	}
	return n;
}

/*
 * The whole flow: invite, the invitation code at the prompt, the QR code,
 * the URI and the key shown, the new device's first code, the token
 * active, and the next login with the device's next code.
 */
static void test_enrol_at_the_prompt(void **state)
{
	struct login l;
	char code[32], next[9];

	(void)state;
	wait_margin(5);
	invite("alice", "--org acme", code);
	assert_int_equal(ssh_login(&l, "alice", code, D_RIGHT), PAM_SUCCESS);
	assert_int_equal(l.prompts, 1);
	assert_int_equal(l.new_prompts, 1);
	assert_non_null(strstr(l.shown, "Enrol your new device"));
	assert_true(qr_lines(l.shown) > 10);
	assert_non_null(strstr(l.shown, "Key (base32): "));
	assert_non_null(strstr(l.uri, "otpauth://totp/otpgate:alice?secret="));
	/* several messages, each within PAM_MAX_MSG_SIZE */
	assert_true(l.infos > 2);
	assert_true(l.longest < 512);
	assert_int_equal(audited("alice", "enrol", "pending", "invite"), 1);
	assert_int_equal(audited("alice", "enrol", "success", "invite"), 1);
	assert_int_equal(sql_int("select count(*) from tokens where \"user\" = '%s' and"
				 " state = 'active'", "alice"), 1);
	assert_int_equal(sql_int("select count(*) from invitations where \"user\" = '%s' and"
				 " used > 0", "alice"), 1);
	/* the next login: the device's next code, an ordinary login */
	memset(&l.shown, 0, sizeof(l.shown));
	device_code(l.uri, 1, next);
	assert_int_equal(ssh_login(&l, "alice", next, D_RIGHT), PAM_SUCCESS);
	assert_int_equal(l.new_prompts, 0);
	assert_int_equal(audited("alice", "auth", "success", "ok"), 1);
	/* the invitation cannot be typed again: with a token it is a wrong code */
	assert_int_equal(ssh_login(&l, "alice", code, D_RIGHT), PAM_AUTH_ERR);
	assert_int_equal(audited("alice", "auth", "failure", "bad-code"), 1);
}

/* An HOTP token: its first code (counter 0) enrols it, the next logs in. */
static void test_enrol_hotp(void **state)
{
	struct login l;
	char code[32], next[9];

	(void)state;
	invite("hugo", "--hotp", code);
	assert_int_equal(ssh_login(&l, "hugo", code, D_RIGHT), PAM_SUCCESS);
	assert_non_null(strstr(l.uri, "otpauth://hotp/otpgate:hugo?secret="));
	assert_non_null(strstr(l.uri, "counter=0"));
	device_code(l.uri, 1, next);
	assert_int_equal(ssh_login(&l, "hugo", next, D_RIGHT), PAM_SUCCESS);
	assert_int_equal(sql_int("select last_step from tokens where \"user\" = '%s'", "hugo"), 1);
}

/* A wrong invitation code is a failure counted towards the lock; the
 * invitation stays open, and typed in lower case without its dashes it
 * still enrols. */
static void test_wrong_invitation_counted(void **state)
{
	struct login l;
	char code[32], wrong[32], lower[32];
	size_t o = 0;

	(void)state;
	wait_margin(5);
	invite("bob", "", code);
	snprintf(wrong, sizeof(wrong), "%s", code);
	wrong[0] = wrong[0] == 'A' ? 'B' : 'A';
	assert_int_equal(ssh_login(&l, "bob", wrong, D_RIGHT), PAM_AUTH_ERR);
	assert_int_equal(l.new_prompts, 0);
	assert_int_equal(audited("bob", "auth", "failure", "bad-invitation"), 1);
	assert_int_equal(sql_int("select count from failures where \"user\" = '%s'", "bob"), 1);
	for (const char *p = code; *p; p++) {
		if (*p != '-')
			lower[o++] = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
	}
	lower[o] = '\0';
	assert_int_equal(ssh_login(&l, "bob", lower, D_RIGHT), PAM_SUCCESS);
	/* the device's code cleared the failure */
	assert_int_equal(sql_int("select count(*) from failures where \"user\" = '%s'", "bob"), 0);
}

/* An expired invitation is refused, and counted; it stays unused. */
static void test_expired_invitation(void **state)
{
	struct login l;
	char code[32];

	(void)state;
	invite("carol", "--expires 1h", code);
	sql(NULL, 0, "update invitations set created = created - 7200, expires = expires - 7200"
	    " where \"user\" = 'carol'");
	assert_int_equal(ssh_login(&l, "carol", code, D_RIGHT), PAM_AUTH_ERR);
	assert_int_equal(l.new_prompts, 0);
	assert_int_equal(audited("carol", "auth", "failure", "invitation-expired"), 1);
	assert_int_equal(sql_int("select count from failures where \"user\" = '%s'", "carol"), 1);
	assert_int_equal(sql_int("select count(*) from tokens where \"user\" = '%s'", "carol"), 0);
}

/*
 * Two wrong codes of the new device: the token is deleted and the
 * invitation spent; typed again, it is refused as used.
 */
static void test_two_wrong_device_codes(void **state)
{
	struct login l;
	char code[32];

	(void)state;
	wait_margin(5);
	invite("dave", "", code);
	assert_int_equal(ssh_login(&l, "dave", code, D_WRONG), PAM_AUTH_ERR);
	assert_int_equal(l.new_prompts, 2);
	assert_non_null(strstr(l.error, "one more try"));
	assert_int_equal(audited("dave", "enrol", "failure", "bad-code"), 2);
	assert_int_equal(sql_int("select count(*) from tokens where \"user\" = '%s'", "dave"), 0);
	assert_int_equal(ssh_login(&l, "dave", code, D_RIGHT), PAM_AUTH_ERR);
	assert_int_equal(l.new_prompts, 0);
	assert_int_equal(audited("dave", "auth", "failure", "invitation-used"), 1);
	/* each of them counted */
	assert_int_equal(sql_int("select count from failures where \"user\" = '%s'", "dave"), 3);
}

/* No answer at the new device's prompt: the token is deleted. */
static void test_no_device_code(void **state)
{
	struct login l;
	char code[32];

	(void)state;
	invite("erin", "", code);
	assert_int_equal(ssh_login(&l, "erin", code, D_NONE), PAM_AUTH_ERR);
	assert_int_equal(l.new_prompts, 1);
	assert_int_equal(audited("erin", "enrol", "failure", "no-code"), 1);
	assert_int_equal(sql_int("select count(*) from tokens where \"user\" = '%s'", "erin"), 0);
}

/*
 * Where the user cannot be shown the QR code (a VPN plugin: no
 * SSH_CONNECTION), the right invitation is refused with a notice to
 * enrol over SSH, and left unspent: over SSH it then enrols.
 */
static void test_vpn_told_to_use_ssh(void **state)
{
	struct login l = { .user = "frank", .device = D_RIGHT };
	char code[32];

	(void)state;
	wait_margin(5);
	invite("frank", "", code);
	l.code = code;
	assert_int_equal(do_login(&l), PAM_AUTH_ERR);
	assert_int_equal(l.new_prompts, 0);
	assert_int_equal(l.infos, 0);
	assert_non_null(strstr(l.error, "log in over SSH"));
	assert_int_equal(audited("frank", "auth", "failure", "enrol-needs-ssh"), 1);
	assert_int_equal(sql_int("select used from invitations where \"user\" = '%s'", "frank"), 0);
	assert_int_equal(ssh_login(&l, "frank", code, D_RIGHT), PAM_SUCCESS);
}

/* An invitation never widens where a user may come from; the refusal
 * comes after the prompt, and leaves the invitation as it was. */
static void test_policy_before_invitation(void **state)
{
	struct login l;
	char code[32];

	(void)state;
	invite("gina", "", code);
	memset(&l, 0, sizeof(l));
	l.service = "uniform";
	l.user = "gina";
	l.rhost = "192.0.2.7";
	l.env = SSH_ENV;
	l.code = code;
	assert_int_equal(do_login(&l), PAM_AUTH_ERR);
	assert_int_equal(l.prompts, 1);
	assert_int_equal(l.new_prompts, 0);
	assert_int_equal(audited("gina", "auth", "failure", "policy"), 1);
	assert_int_equal(sql_int("select used from invitations where \"user\" = '%s'", "gina"), 0);
}

/* With auth.allow_unenrolled a user without a token is let in unasked,
 * unless they have an open invitation: then they are asked, to enrol. */
static void test_unenrolled_with_invitation(void **state)
{
	struct login l;
	char code[32];

	(void)state;
	wait_margin(5);
	memset(&l, 0, sizeof(l));
	l.service = "unenrolled";
	l.user = "root";
	l.env = SSH_ENV;
	assert_int_equal(do_login(&l), PAM_SUCCESS);
	assert_int_equal(l.prompts, 0);
	invite("ivan", "", code);
	l.user = "ivan";
	l.code = code;
	assert_int_equal(do_login(&l), PAM_SUCCESS);
	assert_int_equal(l.prompts, 1);
	assert_int_equal(l.new_prompts, 1);
	assert_int_equal(audited("ivan", "enrol", "success", "invite"), 1);
}

/*
 * Two logins race with one invitation, both at the prompt (their user
 * read, without a token) before either answers: exactly one enrols; the
 * other is refused as the invitation used.
 */
static void test_race_one_invitation(void **state)
{
	enum { N = 2 };
	struct login l;
	char code[32], go[N] = { 'g', 'g' }, c;
	int ready[2], gate[2], ok = 0;
	pid_t pids[N];

	(void)state;
	wait_margin(8);
	invite("jack", "", code);
	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(gate), 0);
	for (int i = 0; i < N; i++) {
		if ((pids[i] = fork()) == 0) {
			race_ready = ready[1];
			race_go = gate[0];
			_exit(ssh_login(&l, "jack", code, D_RIGHT) == PAM_SUCCESS ? 0 : 1);
		}
		assert_true(pids[i] > 0);
	}
	for (int i = 0; i < N; i++)
		assert_true(readable(ready[0]) && read(ready[0], &c, 1) == 1);
	assert_int_equal(write(gate[1], go, N), N);
	for (int i = 0; i < N; i++) {
		int st = 0;
		assert_int_equal(waitpid(pids[i], &st, 0), pids[i]);
		ok += WIFEXITED(st) && WEXITSTATUS(st) == 0;
	}
	close(ready[0]);
	close(ready[1]);
	close(gate[0]);
	close(gate[1]);
	assert_int_equal(ok, 1);
	assert_int_equal(audited("jack", "enrol", "success", "invite"), 1);
	assert_int_equal(audited("jack", "auth", "failure", "invitation-used"), 1);
	assert_int_equal(sql_int("select count(*) from tokens where \"user\" = '%s'", "jack"), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_enrol_at_the_prompt),
		cmocka_unit_test(test_enrol_hotp),
		cmocka_unit_test(test_wrong_invitation_counted),
		cmocka_unit_test(test_expired_invitation),
		cmocka_unit_test(test_two_wrong_device_codes),
		cmocka_unit_test(test_no_device_code),
		cmocka_unit_test(test_vpn_told_to_use_ssh),
		cmocka_unit_test(test_policy_before_invitation),
		cmocka_unit_test(test_unenrolled_with_invitation),
		cmocka_unit_test(test_race_one_invitation),
	};

	return cmocka_run_group_tests_name(getenv("OTPGATE_TEST_CONNINFO") ? "invitations on postgresql"
					   : "invitations on sqlite", tests, setup, teardown);
}

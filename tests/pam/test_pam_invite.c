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
#include <fcntl.h>
#include <poll.h>
#include <syslog.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <security/pam_appl.h>

#include "stack.h"
#include "otp.h"
#include "otpauth.h"

#define PROMPT "Verification code: "
#define PROMPT_NEW "Verification code from your new device: "
#define SSH_ENV "SSH_CONNECTION=127.0.0.1 50000 127.0.0.1 22"

static char dir[256], build[512];
static const char *conninfo;

/* What the new device's prompt is answered with. D_GONE: the login's
 * process ends there, its URI kept in DIR/gone.uri (sshd kills it when
 * the client goes away, or at LoginGraceTime). D_WRONG_ONCE: a wrong code,
 * then the right one. */
enum device { D_RIGHT, D_WRONG, D_NONE, D_NEXT, D_GONE, D_WRONG_ONCE };

struct login {
	const char *service, *user, *rhost, *env;
	const char *code;		/* typed at "Verification code: " (NULL: no answer) */
	const char *at_prompt;		/* run there first, as if done meanwhile (a shell command) */
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

static void gone(const struct login *l);

static char *answer(struct login *l, const char *prompt)
{
	char code[9], c = 'x';

	if (strcmp(prompt, PROMPT) == 0) {
		l->prompts++;
		if (l->at_prompt != NULL && system(l->at_prompt) != 0)
			return NULL;
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
	if (l->device == D_GONE)
		gone(l);
	device_code(l->uri, l->device == D_NEXT ? 1 : l->counter, code);
	if (l->device == D_WRONG || (l->device == D_WRONG_ONCE && l->new_prompts == 1))
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

/* otpgate-provision ARGS: its exit status. */
static int tool(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int tool(const char *fmt, ...)
{
	char cmd[2048], args[1024];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd), "%s/otpgate-provision -c %s/otpgate.conf %s >/dev/null 2>&1",
		 build, dir, args);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* D_GONE: the URI shown kept for the test, and the process gone. */
static void gone(const struct login *l)
{
	char path[300];
	FILE *f;

	snprintf(path, sizeof(path), "%s/gone.uri", dir);
	if ((f = fopen(path, "w")) != NULL) {
		fputs(l->uri, f);
		fclose(f);
	}
	_exit(3);
}

static void write_file(const char *name, mode_t mode, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	put_text(f, text);
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
		 "%s%s", store, dir, dir,
		 strstr(extra, "audit = ") ? "" : "audit = { syslog = false; };\n", extra);
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
	char path[600];

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
	write_config("told.conf", "messages = \"always\";\n");
	snprintf(path, sizeof(path), "audit = { syslog = true; jsonl = \"%s/audit.jsonl\"; };\n", dir);
	write_config("logged.conf", path);
	run("%s/otpgate-provision -c %s/otpgate.conf init >/dev/null", build, dir);
	write_service("pam.d/og", "otpgate.conf", "");
	write_service("pam.d/uniform", "uniform.conf", "");
	write_service("pam.d/unenrolled", "unenrolled.conf", "");
	write_service("pam.d/told", "told.conf", "");
	write_service("pam.d/logged", "logged.conf", "debug");
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

/* Pending tokens of user, and all their tokens. */
static int pending_of(const char *user)
{
	return sql_int("select count(*) from tokens where \"user\" = '%s' and state = 'pending'",
		       user);
}

static int tokens_of(const char *user)
{
	return sql_int("select count(*) from tokens where \"user\" = '%s'", user);
}

/*
 * The login's process ends at the new device's prompt, where nothing can
 * clean up after it (sshd kills it when the client goes away, or at
 * LoginGraceTime): the QR code it showed is never finished. An
 * administrator's confirm, with the code of the secret it showed, does not
 * activate its token; the user is not told to ask for one; a new
 * invitation discards the token, and enrols a new secret.
 */
static void test_gone_at_the_qr_code(void **state)
{
	struct login l;
	char code[32], code2[32], uri[1024] = "", now[9], path[300];
	int st = 0;
	pid_t pid;
	FILE *f;

	(void)state;
	wait_margin(8);
	invite("kim", "", code);
	if ((pid = fork()) == 0)
		_exit(ssh_login(&l, "kim", code, D_GONE) == PAM_SUCCESS ? 0 : 1);
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 3);
	snprintf(path, sizeof(path), "%s/gone.uri", dir);
	assert_non_null(f = fopen(path, "r"));
	assert_non_null(fgets(uri, sizeof(uri), f));
	fclose(f);
	/* what is left of it: the invitation taken, its token pending; through
	 * otpgated, whose run outlives the process, the conversation failed
	 * instead, and the enrolment ended there: the token deleted */
	assert_int_equal(audited("kim", "enrol", "pending", "invite"), 1);
	assert_int_equal(sql_int("select count(*) from invitations where \"user\" = '%s' and"
				 " used > 0", "kim"), 1);
	if (getenv("OTPGATE_TEST_DAEMON") != NULL) {
		for (int i = 0; i < 100 && audited("kim", "enrol", "failure", "no-code") == 0; i++)
			usleep(50000);
		assert_int_equal(audited("kim", "enrol", "failure", "no-code"), 1);
		assert_int_equal(pending_of("kim"), 0);
	} else {
		assert_int_equal(pending_of("kim"), 1);
	}
	device_code(uri, 0, now);
	assert_int_not_equal(tool("confirm kim %s", now), 0);
	assert_int_equal(sql_int("select count(*) from tokens where \"user\" = '%s' and"
				 " state = 'active'", "kim"), 0);
	memset(&l, 0, sizeof(l));
	l.service = "told";
	l.user = "kim";
	l.env = SSH_ENV;
	l.code = "123456";
	assert_int_equal(do_login(&l), PAM_AUTH_ERR);
	assert_int_equal(audited("kim", "auth", "failure", "no-token"), 1);
	assert_non_null(strstr(l.error, "no device is enrolled"));
	/* a new invitation: the token is gone, and the next enrolment's secret is new */
	invite("kim", "", code2);
	assert_int_equal(tokens_of("kim"), 0);
	assert_int_equal(audited("kim", "admin", "success", "invite"), 2);
	wait_margin(5);
	assert_int_equal(ssh_login(&l, "kim", code2, D_RIGHT), PAM_SUCCESS);
	assert_string_not_equal(l.uri, uri);
	assert_int_equal(tokens_of("kim"), 1);
}

/*
 * An administrator gives the user a token while their login waits at the
 * prompt: the invitation, for a user without one, is not taken by the
 * code typed next (checked when it is taken, not only before the prompt),
 * and the user keeps the one token.
 */
static void test_token_given_while_at_the_prompt(void **state)
{
	struct login l;
	char code[32], csv[300], cmd[2048];

	(void)state;
	invite("lena", "", code);
	snprintf(csv, sizeof(csv), "user,serial,secret\nlena,HW-LENA-1,%s\n",
		 "3132333435363738393031323334353637383930");
	write_file("lena.csv", 0600, csv);
	snprintf(cmd, sizeof(cmd), "%s/otpgate-provision -c %s/otpgate.conf import --format csv"
		 " %s/lena.csv >/dev/null 2>&1", build, dir, dir);
	memset(&l, 0, sizeof(l));
	l.user = "lena";
	l.env = SSH_ENV;
	l.code = code;
	l.device = D_RIGHT;
	l.at_prompt = cmd;
	assert_int_equal(do_login(&l), PAM_AUTH_ERR);
	assert_int_equal(l.new_prompts, 0);
	assert_int_equal(audited("lena", "auth", "failure", "invitation-used"), 1);
	assert_int_equal(tokens_of("lena"), 1);
	assert_int_equal(sql_int("select used from invitations where \"user\" = '%s'", "lena"), 0);
}

/* 1 if the file at path holds text (a missing file holds nothing). */
static int file_holds(const char *path, const char *text)
{
	char *buf = NULL;
	size_t cap = 0, n = 0;
	int found;
	FILE *f = fopen(path, "r");

	if (f == NULL)
		return 0;
	do {
		assert_non_null(buf = realloc(buf, cap += 65536));
		n += fread(buf + n, 1, cap - n - 1, f);
	} while (n == cap - 1);
	fclose(f);
	buf[n] = '\0';
	found = strstr(buf, text) != NULL;
	free(buf);
	return found;
}

/* A login of the "logged" service, its module's syslog lines (LOG_PERROR:
 * there is no syslog daemon to ask) appended to DIR/syslog.txt. */
static int logged_login(struct login *l, const char *user, const char *code, enum device d)
{
	char path[300];
	int fd, saved = dup(2), rc;

	snprintf(path, sizeof(path), "%s/syslog.txt", dir);
	assert_true(saved >= 0);
	assert_true((fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0600)) >= 0);
	dup2(fd, 2);
	close(fd);
	openlog("test_pam_invite", LOG_PERROR | LOG_PID, LOG_AUTHPRIV);
	memset(l, 0, sizeof(*l));
	l->service = "logged";
	l->user = user;
	l->code = code;
	l->device = d;
	l->env = SSH_ENV;
	rc = do_login(l);
	openlog(NULL, 0, LOG_AUTHPRIV);	/* LOG_PERROR off again */
	closelog();
	dup2(saved, 2);
	close(saved);
	return rc;
}

/*
 * Nothing written anywhere holds an invitation code or a device's secret:
 * not the module's syslog lines (debug on), the JSON-lines audit file,
 * the store's audit trail, the spool. Through a wrong invitation code, a
 * wrong code of the new device, and an enrolment.
 */
static void test_nothing_secret_written(void **state)
{
	static const char *const files[] = { "syslog.txt", "audit.jsonl", "trail.txt",
					     "audit.spool", NULL };
	struct login l;
	char code[32], wrong[32], plain[32], secret[64] = "", path[300], cmd[1024];
	const char *p;
	size_t o = 0;

	(void)state;
	wait_margin(8);
	invite("nina", "", code);
	snprintf(wrong, sizeof(wrong), "%s", code);
	wrong[1] = wrong[1] == 'A' ? 'B' : 'A';
	assert_int_equal(logged_login(&l, "nina", wrong, D_RIGHT), PAM_AUTH_ERR);
	assert_int_equal(logged_login(&l, "nina", code, D_WRONG_ONCE), PAM_SUCCESS);
	assert_int_equal(l.new_prompts, 2);
	assert_int_equal(audited("nina", "enrol", "failure", "bad-code"), 1);
	assert_non_null(p = strstr(l.uri, "secret="));
	snprintf(secret, sizeof(secret), "%.*s", (int)strcspn(p + 7, "&"), p + 7);
	assert_true(strlen(secret) >= 32);
	for (p = code; *p; p++)
		if (*p != '-')
			plain[o++] = *p;
	plain[o] = '\0';
	/* the trail as the store holds it, every column */
	if (conninfo != NULL)
		snprintf(cmd, sizeof(cmd), "psql -Atq '%s' -c 'select * from audit' > %s/trail.txt",
			 conninfo, dir);
	else
		snprintf(cmd, sizeof(cmd), "sqlite3 %s/otpgate.db .dump > %s/trail.txt", dir, dir);
	assert_int_equal(system(cmd), 0);
	/* what was written is there to look at */
	snprintf(path, sizeof(path), "%s/syslog.txt", dir);
	assert_true(file_holds(path, "took their invitation"));
	snprintf(path, sizeof(path), "%s/audit.jsonl", dir);
	assert_true(file_holds(path, "\"invite\""));
	for (int i = 0; files[i] != NULL; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		if (file_holds(path, code) || file_holds(path, plain) || file_holds(path, wrong) ||
		    file_holds(path, secret) || file_holds(path, "otpauth:"))
			fail_msg("%s holds an invitation code or the secret", files[i]);
	}
}

/*
 * A user name of any length the store takes (up to 256 bytes), of the
 * characters an otpauth URI percent-encodes: invited, the user enrols,
 * and the URI names them whole, as the device will show them.
 */
static void test_long_name(void **state)
{
	struct login l;
	char name[201], code[32], label[700];
	struct og_otpauth u;
	size_t o = 0;

	(void)state;
	name[0] = 'x';
	for (size_t i = 1; i < sizeof(name) - 1; i++)
		name[i] = "@+.w"[i % 4];
	name[sizeof(name) - 1] = '\0';
	wait_margin(5);
	invite(name, "", code);
	assert_int_equal(ssh_login(&l, name, code, D_RIGHT), PAM_SUCCESS);
	assert_int_equal(audited(name, "enrol", "success", "invite"), 1);
	assert_int_equal(og_otpauth_parse(l.uri, &u), 0);
	o = (size_t)snprintf(label, sizeof(label), "%s", u.account);
	assert_int_equal(o, strlen(name));
	assert_string_equal(label, name);
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
		cmocka_unit_test(test_gone_at_the_qr_code),
		cmocka_unit_test(test_token_given_while_at_the_prompt),
		cmocka_unit_test(test_nothing_secret_written),
		cmocka_unit_test(test_long_name),
	};

	return cmocka_run_group_tests_name(getenv("OTPGATE_TEST_CONNINFO") ? "invitations on postgresql"
					   : "invitations on sqlite", tests, setup, teardown);
}

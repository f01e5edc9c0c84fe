/*
 * test_pam: pam_otpgate.so driven through the real libpam with
 * pam_start_confdir(), on a real store made by otpgate-provision.
 * OTPGATE_BUILD names the build directory holding the module and the CLI.
 * The store is SQLite, or PostgreSQL when OTPGATE_TEST_CONNINFO names a
 * database (tests/pg/with-postgres sets it): one suite for both backends.
 */
#include <dirent.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <dlfcn.h>
#include <openssl/evp.h>
#include <security/pam_appl.h>

#include "stack.h"
#include "otp.h"

static char dir[256], build[512];
static const char *conninfo;	/* PostgreSQL under test, or NULL for SQLite */
static const struct og_otp_params params = { OG_SHA1, 6, 30, 0, OG_OTP_TOTP };
static const struct og_otp_params hotp6 = { OG_SHA1, 6, 30, 0, OG_OTP_HOTP };
static const struct og_otp_params hotp8 = { OG_SHA1, 8, 30, 0, OG_OTP_HOTP };

/* Every test user has its own secret, derived from its name. */
static void secret_of(const char *user, unsigned char key[20])
{
	unsigned h = 5381;

	for (const char *p = user; *p; p++)
		h = h * 33 + (unsigned char)*p;
	for (int i = 0; i < 20; i++)
		key[i] = (unsigned char)(h >> (i % 4 * 8)) ^ (unsigned char)(i * 37);
}

static void code_at(const char *user, int64_t step, char code[9])
{
	unsigned char key[20];

	secret_of(user, key);
	assert_int_equal(og_otp_format(key, sizeof(key), &params, step, code), 0);
}

/* An HOTP user's code of counter (hvpn1's token shows 8 digits, the others 6). */
static void hotp_code(const char *user, int64_t counter, char code[9])
{
	unsigned char key[20];

	secret_of(user, key);
	assert_int_equal(og_otp_format(key, sizeof(key), strcmp(user, "hvpn1") == 0 ? &hotp8 : &hotp6,
				       counter, code), 0);
}

static int64_t step_now(void)
{
	return og_totp_step(&params, (int64_t)time(NULL));
}

/* Waits until at least margin seconds remain in the current step. */
static void wait_margin(int margin)
{
	while (30 - time(NULL) % 30 < margin)
		usleep(200000);
}

/* A conversation that says PAM_SUCCESS but gives no answer (resp NULL). */
static const char NO_ANSWER[] = "(no answer)";

/* Answer with the user's code of the moment the answer is given. */
static const char FRESH[] = "(fresh code)";

struct login {
	const char *service, *user, *rhost, *env, *code;
	const char *next;		/* at "Next verification code: " (NULL: code) */
	int account;
	/* run while the module waits at the prompt, as another terminal would */
	void (*at_prompt)(struct login *l);
	const char *arg;		/* for at_prompt */
	int64_t acted_at;		/* when at_prompt was done */
	int prompted;
	char transcript[1024];		/* every message: "STYLE:TEXT;" */
};

static int conv(int n, const struct pam_message **msg, struct pam_response **resp, void *data)
{
	struct login *l = data;
	struct pam_response *r = calloc((size_t)n, sizeof(*r));
	char fresh[9];

	if (r == NULL)
		return PAM_BUF_ERR;
	if (l->at_prompt != NULL) {
		l->at_prompt(l);
		l->acted_at = (int64_t)time(NULL);
	}
	if (l->code == FRESH)
		code_at(l->user, step_now(), fresh);
	for (int i = 0; i < n; i++) {
		size_t o = strlen(l->transcript);
		snprintf(l->transcript + o, sizeof(l->transcript) - o, "%d:%s;", msg[i]->msg_style,
			 msg[i]->msg);
		if (msg[i]->msg_style == PAM_PROMPT_ECHO_OFF &&
		    strcmp(msg[i]->msg, "Next verification code: ") == 0 && l->next != NULL) {
			r[i].resp = strdup(l->next);
			l->prompted++;
		} else if (msg[i]->msg_style == PAM_PROMPT_ECHO_OFF) {
			assert_true(strcmp(msg[i]->msg, "Verification code: ") == 0 ||
				    strcmp(msg[i]->msg, "Next verification code: ") == 0 ||
				    strcmp(msg[i]->msg, "Password and verification code: ") == 0);
			r[i].resp = l->code == FRESH ? strdup(fresh)
				  : l->code && l->code != NO_ANSWER ? strdup(l->code) : NULL;
			l->prompted++;
		}
	}
	*resp = r;
	return l->code ? PAM_SUCCESS : PAM_CONV_ERR;
}

static int do_login(struct login *l)
{
	struct pam_conv pc = { conv, l };
	pam_handle_t *ph = NULL;
	char confdir[300];
	int rc;

	snprintf(confdir, sizeof(confdir), "%s/pam.d", dir);
	rc = pam_start_confdir(l->service ? l->service : "og", l->user, &pc, confdir, &ph);
	assert_int_equal(rc, PAM_SUCCESS);
	if (l->rhost)
		pam_set_item(ph, PAM_RHOST, l->rhost);
	if (l->env)
		pam_putenv(ph, l->env);
	l->prompted = 0;
	l->transcript[0] = '\0';
	rc = l->account ? pam_acct_mgmt(ph, 0) : pam_authenticate(ph, 0);
	pam_end(ph, rc);
	return rc;
}

static int login_code(const char *user, const char *rhost, const char *code)
{
	struct login l = { .user = user, .rhost = rhost, .code = code };
	return do_login(&l);
}

static int login_now_service(const char *service, const char *user, int64_t offset)
{
	char code[9];
	struct login l = { .service = service, .user = user, .rhost = "127.0.0.1", .code = code };

	code_at(user, step_now() + offset, code);
	return do_login(&l);
}

static int login_now(const char *user, const char *rhost, int64_t offset)
{
	char code[9];

	code_at(user, step_now() + offset, code);
	return login_code(user, rhost, code);
}

static void run(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	assert_int_equal(system(cmd), 0);
}

/* The number a one-value query (fmt, ...) gives, asked through the backend's CLI. */
static int sql_int(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sql_int(const char *fmt, ...)
{
	char cmd[1024], sqlfile[300], out[64] = "";
	va_list ap;
	FILE *p;

	snprintf(sqlfile, sizeof(sqlfile), "%s/query.sql", dir);
	p = fopen(sqlfile, "w");
	assert_non_null(p);
	va_start(ap, fmt);
	vfprintf(p, fmt, ap);
	va_end(ap);
	fputs(";\n", p);
	fclose(p);
	if (conninfo != NULL)
		snprintf(cmd, sizeof(cmd), "psql -Atq '%s' -f %s", conninfo, sqlfile);
	else
		snprintf(cmd, sizeof(cmd), "sqlite3 %s/otpgate.db < %s", dir, sqlfile);
	p = popen(cmd, "r");
	assert_non_null(p);
	assert_non_null(fgets(out, sizeof(out), p));
	pclose(p);
	return atoi(out);
}

/* Number of audit rows matching a WHERE clause. */
static int audit_count(const char *where)
{
	/* entries name people by pseudonym: the view shows their names */
	return sql_int("select count(*) from audit_named where %s", where);
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

/* Reads the first line of a file into out (newline removed). */
static void read_line(const char *path, char *out, size_t cap)
{
	FILE *f = fopen(path, "r");

	assert_non_null(f);
	assert_non_null(fgets(out, (int)cap, f));
	fclose(f);
	out[strcspn(out, "\n")] = '\0';
}

static const char *const users[] = {
	"ok1", "wrong1", "replay1", "prev1", "next1", "far1", "drift1", "v6in", "mapped1",
	"host1", "lock1", "conc1", "acct1", "dave", "eve", "root", "notif1", "notif2", "notif3",
	"vpn1", "vpn2", "reset1", "key1", "key2", "local1", "rec1",
	"gone1", "lockp1", "orgp1", "recp1", "uni1", "unilock", "unigone", "maxdrift1",
	"msg1", "msg2", "mode1", "mode2", "mode3", "replay2", "sess1", NULL
};

/* Users of an HOTP token, imported at counter 0 (hvpn1's of 8 digits). */
static const char *const hotp_users[] = { "hotp1", "hsync1", "hconc1", "hvpn1", "hmode1",
					  NULL };

/* The organisation each test user is imported into ("" for none). */
static const char *org_of(const char *user)
{
	if (strcmp(user, "eve") == 0)
		return "acme";
	if (strcmp(user, "orgp1") == 0)
		return "initech";
	return "";
}

/* The store line: the SQLite file name under dir, or the database under test. */
static void store_line(char *out, size_t cap, const char *file)
{
	if (conninfo != NULL && strcmp(file, "missing.db") == 0)
		snprintf(out, cap, "store = { backend = \"postgresql\"; timeout = \"2s\";"
			 " conninfo = \"%s dbname=no_such_db\"; spool = \"%s/audit.spool\"; };\n",
			 conninfo, dir);
	else if (conninfo != NULL)
		snprintf(out, cap, "store = { backend = \"postgresql\"; conninfo = \"%s\";"
			 " spool = \"%s/audit.spool\"; };\n", conninfo, dir);
	else
		snprintf(out, cap, "store = { backend = \"sqlite\"; path = \"%s/%s\";"
			 " spool = \"%s/audit.spool\"; };\n", dir, file, dir);
}

static void write_config(const char *name, const char *store, const char *extra)
{
	char text[3072], line[1024];

	store_line(line, sizeof(line), store);
	snprintf(text, sizeof(text),
		 "%s"
		 "master_key = \"%s/master.key\";\n"
		 "networks = { loop = [ \"127.0.0.0/8\", \"::1/128\" ];\n"
		 "             partner = [ \"198.51.100.0/24\" ]; };\n"
		 "policy = ( { match = \"group:root\"; allow_from = [ \"203.0.113.0/24\" ]; },\n"
		 "           { match = \"org:acme\"; allow_from = [ \"partner\" ]; },\n"
		 "           { match = \"user:dave\"; allow_from = [ \"2001:db8::/32\" ]; },\n"
		 "           { match = \"*\"; allow_from = [ \"loop\" ]; } );\n"
		 "%s"
		 "audit = { jsonl = \"%s/audit.jsonl\"; };\n%s",
		 line, dir, strstr(extra, "lockout") ? "" :
		 "lockout = { max_failures = 3; interval = \"10m\"; lock_for = \"15m\"; };\n",
		 dir, extra);
	write_file(name, 0600, text);
}

static void write_service(const char *name, const char *args)
{
	char text[4096];

	snprintf(text, sizeof(text), "auth required %s/pam_otpgate.so %s\n"
		 "account required %s/pam_otpgate.so %s\n", build, args, build, args);
	write_file(name, 0644, text);
}

/* Same store, but lockout after 2 failures runs program (under dir) as lockout.notify. */
static void write_notify_conf(const char *name, const char *program)
{
	char text[2048], line[1024];

	store_line(line, sizeof(line), "otpgate.db");
	snprintf(text, sizeof(text),
		 "%s"
		 "master_key = \"%s/master.key\";\n"
		 "policy = ( { match = \"*\"; allow_from = [ \"127.0.0.0/8\" ]; } );\n"
		 "lockout = { max_failures = 2; interval = \"1m\"; lock_for = \"0\";\n"
		 "            notify = \"%s/%s\"; };\n", line, dir, dir, program);
	write_file(name, 0600, text);
}

/*
 * notify.sh records its argv, the environment it was started with and its
 * pid, then becomes a sleep that outlives the test unless teardown kills
 * it; notexec.sh is not executable.
 */
static void write_notify_config(void)
{
	char text[2048];

	snprintf(text, sizeof(text), "#!/bin/sh\necho \"$@\" > %1$s/notified\n"
		 "tr '\\0' ';' < /proc/$$/environ > %1$s/notify.env\n"
		 "echo $$ > %1$s/notify.pid.tmp && mv %1$s/notify.pid.tmp %1$s/notify.pid\n"
		 "exec sleep 600\n", dir);
	write_file("notify.sh", 0755, text);
	write_file("notexec.sh", 0644, "#!/bin/sh\nexit 0\n");
	write_notify_conf("notify.conf", "notify.sh");
	write_notify_conf("notify-missing.conf", "no-such-program");
	write_notify_conf("notify-notexec.conf", "notexec.sh");
}

/*
 * VPN-style stacks: the code arrives after the password in one answer and
 * the password goes on, in PAM_AUTHTOK, to the next module (here pam_exec
 * with a script that accepts only "s3cret"); and a stack that must never
 * prompt (use_first_pass with nothing before it).
 */
static void write_vpn_services(void)
{
	char text[2048];

	write_file("checkpass.sh", 0755, "#!/bin/sh\nread -r pw\n[ \"$pw\" = s3cret ]\n");
	snprintf(text, sizeof(text),
		 "auth requisite %s/pam_otpgate.so config=%s/otpgate.conf combined forward_pass\n"
		 "auth required pam_exec.so quiet expose_authtok %s/checkpass.sh\n", build, dir, dir);
	write_file("pam.d/vpn", 0644, text);
	snprintf(text, sizeof(text),
		 "auth required %s/pam_otpgate.so config=%s/otpgate.conf use_first_pass\n", build, dir);
	write_file("pam.d/firstpass", 0644, text);
	snprintf(text, sizeof(text),
		 "auth required %s/pam_otpgate.so config=%s/otpgate.conf forward_pass\n", build, dir);
	write_file("pam.d/badcombo", 0644, text);
}

/*
 * What the person at the terminal is told (messages), the failure mode
 * (lockout.mode "step-up", its notification logged by notify-log.sh, one
 * line a call) and sessions (a stack with the session line).
 */
static void write_told_services(void)
{
	char text[2048], svc[600];

	snprintf(text, sizeof(text), "#!/bin/sh\necho \"$@\" >> %s/notify.log\n", dir);
	write_file("notify-log.sh", 0755, text);
	write_config("always.conf", "otpgate.db", "messages = \"always\";\n");
	write_config("never.conf", "otpgate.db", "messages = \"never\";\n");
	snprintf(text, sizeof(text), "messages = \"always\";\n"
		 "lockout = { max_failures = 3; interval = \"10m\"; lock_for = \"15m\";"
		 " mode = \"step-up\"; notify = \"%s/notify-log.sh\"; };\n", dir);
	write_config("stepup.conf", "otpgate.db", text);
	snprintf(text, sizeof(text), "host = \"bastion-t\";\n"
		 "lockout = { notify = \"%s/notify-log.sh\"; };\n"
		 "sessions = { notify_multiple = true; };\n", dir);
	write_config("sessions.conf", "otpgate.db", text);
	snprintf(svc, sizeof(svc), "config=%s/always.conf", dir);
	write_service("pam.d/always", svc);
	snprintf(svc, sizeof(svc), "config=%s/never.conf", dir);
	write_service("pam.d/never", svc);
	snprintf(svc, sizeof(svc), "config=%s/stepup.conf", dir);
	write_service("pam.d/stepup", svc);
	snprintf(text, sizeof(text), "auth required %1$s/pam_otpgate.so config=%2$s/sessions.conf\n"
		 "session optional %1$s/pam_otpgate.so config=%2$s/sessions.conf\n", build, dir);
	write_file("pam.d/sessions", 0644, text);
}

/* The HOTP users' tokens, as a vendor's CSV file of both kinds says them. */
static void write_hotp_csv(void)
{
	char csv[2048] = "user,serial,secret,type,counter,digits\n";
	unsigned char key[20];
	size_t o = strlen(csv);

	for (int i = 0; hotp_users[i]; i++) {
		secret_of(hotp_users[i], key);
		o += (size_t)snprintf(csv + o, sizeof(csv) - o, "%s,HW-%s,", hotp_users[i],
				      hotp_users[i]);
		for (int j = 0; j < 20; j++)
			o += (size_t)snprintf(csv + o, sizeof(csv) - o, "%02x", key[j]);
		o += (size_t)snprintf(csv + o, sizeof(csv) - o, ",hotp,0,%d\n",
				      strcmp(hotp_users[i], "hvpn1") == 0 ? 8 : 6);
	}
	write_file("hotp.csv", 0600, csv);
}

static int setup(void **state)
{
	char path[600], csv[4096] = "user,serial,secret,org\n", svc[600];
	unsigned char key[20];
	size_t o = strlen(csv);

	(void)state;
	snprintf(build, sizeof(build), "%s", getenv("OTPGATE_BUILD") ? getenv("OTPGATE_BUILD") : "build");
	conninfo = getenv("OTPGATE_TEST_CONNINFO");
	snprintf(dir, sizeof(dir), "/tmp/otpgate-pamtest-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/pam.d", dir);
	mkdir(path, 0755);
	/* most cases check the distinct codes of the revealing setting; the
	 * default (uniform refusals) has a service of its own */
	write_config("otpgate.conf", "otpgate.db", "auth = { uniform_refusals = false; };\n");
	write_config("uniform.conf", "otpgate.db", "");
	write_config("unenrolled.conf", "otpgate.db", "auth = { allow_unenrolled = true; };\n");
	write_config("nostore.conf", "missing.db", "");
	write_notify_config();
	for (int i = 0; users[i]; i++) {
		secret_of(users[i], key);
		o += (size_t)snprintf(csv + o, sizeof(csv) - o, "%s,HW-%s,", users[i], users[i]);
		for (int j = 0; j < 20; j++)
			o += (size_t)snprintf(csv + o, sizeof(csv) - o, "%02x", key[j]);
		o += (size_t)snprintf(csv + o, sizeof(csv) - o, ",%s\n",
				      org_of(users[i]));
	}
	write_file("tokens.csv", 0600, csv);
	write_hotp_csv();
	run("%s/otpgate-provision -c %s/otpgate.conf init >/dev/null", build, dir);
	run("%s/otpgate-provision -c %s/otpgate.conf import --format csv %s/tokens.csv >/dev/null",
	    build, dir, dir);
	run("%s/otpgate-provision -c %s/otpgate.conf import --format csv %s/hotp.csv >/dev/null",
	    build, dir, dir);
	snprintf(svc, sizeof(svc), "config=%s/otpgate.conf", dir);
	write_service("pam.d/og", svc);
	snprintf(svc, sizeof(svc), "config=%s/unenrolled.conf", dir);
	write_service("pam.d/unenrolled", svc);
	snprintf(svc, sizeof(svc), "config=%s/uniform.conf", dir);
	write_service("pam.d/uniform", svc);
	snprintf(svc, sizeof(svc), "config=%s/nostore.conf", dir);
	write_service("pam.d/nostore", svc);
	snprintf(svc, sizeof(svc), "config=%s/notify.conf", dir);
	write_service("pam.d/notify", svc);
	snprintf(svc, sizeof(svc), "config=%s/notify-missing.conf", dir);
	write_service("pam.d/notify-missing", svc);
	snprintf(svc, sizeof(svc), "config=%s/notify-notexec.conf", dir);
	write_service("pam.d/notify-notexec", svc);
	write_vpn_services();
	write_config("local.conf", "otpgate.db", "auth = { allow_no_rhost = true; };\n");
	snprintf(svc, sizeof(svc), "config=%s/local.conf", dir);
	write_service("pam.d/local", svc);
	write_config("keycheck.conf", "otpgate.db", "keys = { check_at_login = true; };\n");
	write_config("drift.conf", "otpgate.db", "totp = { max_drift = 2; };\n");
	snprintf(svc, sizeof(svc), "config=%s/drift.conf", dir);
	write_service("pam.d/drift", svc);
	snprintf(svc, sizeof(svc), "config=%s/keycheck.conf", dir);
	write_service("pam.d/keycheck", svc);
	snprintf(svc, sizeof(svc), "config=%s/otpgate.conf bogus", dir);
	write_service("pam.d/badarg", svc);
	write_told_services();
	return 0;
}

static pid_t notifier;	/* the notify.sh process, which never exits by itself */

static int teardown(void **state)
{
	char cmd[300];

	(void)state;
	if (notifier > 0)
		kill(notifier, SIGKILL);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_right_code(void **state)
{
	(void)state;
	wait_margin(3);
	assert_int_equal(login_now("ok1", "127.0.0.1", 0), PAM_SUCCESS);
	assert_int_equal(audit_count("\"user\"='ok1' and event='auth' and result='success' and "
				     "reason='ok' and source='127.0.0.1' and service='og' and "
				     "token='HW-ok1'"), 1);
}

static void test_wrong_code(void **state)
{
	char code[9];

	(void)state;
	wait_margin(3);
	code_at("wrong1", step_now(), code);
	code[5] = code[5] == '9' ? '0' : (char)(code[5] + 1);
	assert_int_equal(login_code("wrong1", "127.0.0.1", code), PAM_AUTH_ERR);
	assert_int_equal(login_code("wrong1", "127.0.0.1", "12345"), PAM_AUTH_ERR);
	/* the third failure within the interval locks (max_failures = 3) */
	assert_int_equal(login_code("wrong1", "127.0.0.1", "12a456"), PAM_MAXTRIES);
	assert_int_equal(audit_count("\"user\"='wrong1' and event='auth' and reason='bad-code'"), 3);
	run("%s/otpgate-provision -c %s/otpgate.conf unlock wrong1 >/dev/null", build, dir);
}

static void test_replayed_code(void **state)
{
	char code[9];

	(void)state;
	wait_margin(3);
	code_at("replay1", step_now(), code);
	assert_int_equal(login_code("replay1", "127.0.0.1", code), PAM_SUCCESS);
	assert_int_equal(login_code("replay1", "127.0.0.1", code), PAM_AUTH_ERR);
	/* an older step than the watermark is a replay too */
	assert_int_equal(login_now("replay1", "127.0.0.1", -1), PAM_AUTH_ERR);
	assert_int_equal(audit_count("\"user\"='replay1' and reason='replay'"), 2);
}

static void test_window(void **state)
{
	(void)state;
	wait_margin(3);
	assert_int_equal(login_now("prev1", "127.0.0.1", -1), PAM_SUCCESS);
	assert_int_equal(login_now("next1", "127.0.0.1", +1), PAM_SUCCESS);
	assert_int_equal(login_now("far1", "127.0.0.1", +2), PAM_AUTH_ERR);
	assert_int_equal(login_now("far1", "127.0.0.1", -2), PAM_AUTH_ERR);
}

static void test_drift_is_learnt(void **state)
{
	(void)state;
	wait_margin(3);
	/* the token runs one step ahead: accepted, and the drift recorded */
	assert_int_equal(login_now("drift1", "127.0.0.1", +1), PAM_SUCCESS);
	/* two steps ahead is outside a window of 1, but not around the learnt drift */
	assert_int_equal(login_now("drift1", "127.0.0.1", +2), PAM_SUCCESS);
}

/*
 * totp.max_drift = 2: a token whose codes keep coming a step further ahead
 * learns its drift up to 2 steps and no further, so with a window of 1 no
 * code more than 3 steps from now is accepted, however the logins go.
 */
static void test_drift_is_bounded(void **state)
{
	(void)state;
	wait_margin(5);
	for (int ahead = 1; ahead <= 3; ahead++)
		assert_int_equal(login_now_service("drift", "maxdrift1", ahead), PAM_SUCCESS);
	assert_int_equal(sql_int("select drift from tokens where serial = 'HW-maxdrift1'"), 2);
	assert_int_equal(login_now_service("drift", "maxdrift1", 4), PAM_AUTH_ERR);
	assert_int_equal(audit_count("\"user\"='maxdrift1' and reason='bad-code'"), 1);
	assert_int_equal(audit_count("\"user\"='maxdrift1' and reason='ok'"), 3);
}

static void test_source_ranges(void **state)
{
	struct login l = { .user = "v6in", .code = "000000", .account = 1 };

	(void)state;
	wait_margin(3);
	assert_int_equal(login_now("v6in", "10.1.2.3", 0), PAM_PERM_DENIED);
	assert_int_equal(login_now("v6in", "2001:db9::1", 0), PAM_PERM_DENIED);
	assert_int_equal(login_now("v6in", "::1", 0), PAM_SUCCESS);
	assert_int_equal(login_now("mapped1", "::ffff:10.0.0.1", 0), PAM_PERM_DENIED);
	assert_int_equal(login_now("mapped1", "::ffff:127.0.0.1", 0), PAM_SUCCESS);
	assert_int_equal(audit_count("\"user\"='mapped1' and result='success' and source='127.0.0.1'"), 1);
	/* a refused source is never prompted */
	l.rhost = "192.0.2.1";
	l.account = 0;
	assert_int_equal(do_login(&l), PAM_PERM_DENIED);
	assert_int_equal(l.prompted, 0);
}

static void test_rules_by_user_group_org(void **state)
{
	(void)state;
	wait_margin(3);
	/* root is in group root: only 203.0.113.0/24 */
	assert_int_equal(login_now("root", "127.0.0.1", 0), PAM_PERM_DENIED);
	/* eve is in org acme: only the partner network */
	assert_int_equal(login_now("eve", "127.0.0.1", 0), PAM_PERM_DENIED);
	assert_int_equal(login_now("eve", "198.51.100.7", 0), PAM_SUCCESS);
	/* dave by name: only 2001:db8::/32 */
	assert_int_equal(login_now("dave", "127.0.0.1", 0), PAM_PERM_DENIED);
	assert_int_equal(login_now("dave", "2001:db8::42", 0), PAM_SUCCESS);
}

static void test_hostname_rhost(void **state)
{
	struct login l = { .user = "host1", .rhost = "client.example.org" };
	char code[9];

	(void)state;
	wait_margin(3);
	code_at("host1", step_now(), code);
	l.code = code;
	/* no SSH_CONNECTION: no numeric address to check, refused */
	assert_int_equal(do_login(&l), PAM_PERM_DENIED);
	l.env = "SSH_CONNECTION=not-an-address 50000 127.0.0.1 22";
	assert_int_equal(do_login(&l), PAM_PERM_DENIED);
	l.env = "SSH_CONNECTION=10.9.9.9 50000 127.0.0.1 22";
	assert_int_equal(do_login(&l), PAM_PERM_DENIED);
	l.env = "SSH_CONNECTION=127.0.0.5 50000 127.0.0.1 22";
	assert_int_equal(do_login(&l), PAM_SUCCESS);
	assert_int_equal(audit_count("\"user\"='host1' and reason='bad-source'"), 2);
	/* no rhost at all (a local login): refused by default */
	l.rhost = NULL;
	l.env = NULL;
	assert_int_equal(do_login(&l), PAM_PERM_DENIED);
	assert_int_equal(audit_count("\"user\"='host1' and reason='no-source'"), 1);
}

static void test_no_token_and_unknown_user(void **state)
{
	struct login l = { .user = "daemon", .rhost = "127.0.0.1", .code = "123456" };

	(void)state;
	/* known to NSS, no token: still prompted, then refused */
	assert_int_equal(do_login(&l), PAM_AUTH_ERR);
	assert_int_equal(l.prompted, 1);
	assert_int_equal(audit_count("\"user\"='daemon' and reason='no-token'"), 1);
	/* the rollout option lets a user without a token through, unprompted */
	l.service = "unenrolled";
	assert_int_equal(do_login(&l), PAM_SUCCESS);
	assert_int_equal(l.prompted, 0);
	/* unknown everywhere: prompted like everyone, then PAM_USER_UNKNOWN */
	l.service = NULL;
	l.user = "no-such-user-x";
	assert_int_equal(do_login(&l), PAM_USER_UNKNOWN);
	assert_int_equal(l.prompted, 1);
	/* a hostile name is refused without touching the store */
	l.user = "x result=success";
	assert_int_equal(do_login(&l), PAM_USER_UNKNOWN);
	/* so is one that would read as an option to the notify program, unprompted */
	l.user = "-oProxyCommand";
	assert_int_equal(do_login(&l), PAM_USER_UNKNOWN);
	assert_int_equal(l.prompted, 0);
}

static void test_lockout(void **state)
{
	struct login acct = { .user = "lock1", .rhost = "127.0.0.1", .account = 1 };

	(void)state;
	wait_margin(3);
	assert_int_equal(login_code("lock1", "127.0.0.1", "000000"), PAM_AUTH_ERR);
	assert_int_equal(login_code("lock1", "127.0.0.1", "000001"), PAM_AUTH_ERR);
	assert_int_equal(login_code("lock1", "127.0.0.1", "000002"), PAM_MAXTRIES);
	/* locked: even the right code is refused (PAM_MAXTRIES, as for the failure that locked) */
	assert_int_equal(login_now("lock1", "127.0.0.1", 0), PAM_MAXTRIES);
	assert_int_equal(do_login(&acct), PAM_PERM_DENIED);
	assert_int_equal(audit_count("\"user\"='lock1' and event='lockout'"), 1);
	assert_int_equal(audit_count("\"user\"='lock1' and reason='locked'"), 2);
	run("%s/otpgate-provision -c %s/otpgate.conf unlock lock1 >/dev/null", build, dir);
	assert_int_equal(login_now("lock1", "127.0.0.1", 0), PAM_SUCCESS);
	assert_int_equal(do_login(&acct), PAM_SUCCESS);
}

/* A good login clears the failures before it: 2 + 2 failures do not lock. */
static void test_success_resets_failures(void **state)
{
	(void)state;
	wait_margin(3);
	assert_int_equal(login_code("reset1", "127.0.0.1", "000000"), PAM_AUTH_ERR);
	assert_int_equal(login_code("reset1", "127.0.0.1", "000001"), PAM_AUTH_ERR);
	assert_int_equal(login_now("reset1", "127.0.0.1", 0), PAM_SUCCESS);
	assert_int_equal(login_code("reset1", "127.0.0.1", "000002"), PAM_AUTH_ERR);
	assert_int_equal(login_code("reset1", "127.0.0.1", "000003"), PAM_AUTH_ERR);
	assert_int_equal(audit_count("\"user\"='reset1' and event='lockout'"), 0);
}

static void test_account_phase(void **state)
{
	struct login l = { .user = "acct1", .rhost = "127.0.0.1", .account = 1 };

	(void)state;
	assert_int_equal(do_login(&l), PAM_SUCCESS);
	l.rhost = "10.0.0.1";
	assert_int_equal(do_login(&l), PAM_PERM_DENIED);
	l.rhost = "::ffff:127.0.0.9";
	assert_int_equal(do_login(&l), PAM_SUCCESS);
	assert_int_equal(audit_count("\"user\"='acct1' and event='account'"), 3);
}

/*
 * N processes submit the same valid code of user at once: exactly one
 * gets in. Each refusal is audited once: a replay, or (once the third
 * replay locked the account, max_failures = 3) refused as locked.
 */
static void race(const char *user, const char *code)
{
	enum { N = 6 };
	char where[128];
	pid_t pids[N];
	int ok = 0, refused = 0;

	for (int i = 0; i < N; i++) {
		if ((pids[i] = fork()) == 0)
			_exit(login_code(user, "127.0.0.1", code) == PAM_SUCCESS ? 0 : 1);
	}
	for (int i = 0; i < N; i++) {
		int st = 0;
		waitpid(pids[i], &st, 0);
		if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
			ok++;
		else
			refused++;
	}
	assert_int_equal(ok, 1);
	assert_int_equal(refused, N - 1);
	snprintf(where, sizeof(where), "\"user\"='%s' and event='auth' and result='failure'", user);
	assert_int_equal(audit_count(where), N - 1);
	/* each refusal audited once, as a replay of the code the winner spent;
	 * the replay rule counts them once, so they do not lock (max_failures = 3) */
	snprintf(where, sizeof(where), "\"user\"='%s' and event='auth' and reason='replay'", user);
	assert_int_equal(audit_count(where), N - 1);
	assert_int_equal(sql_int("select count from failures where \"user\" = '%s'", user), 1);
}

static void test_concurrent_same_code(void **state)
{
	char code[9];

	(void)state;
	wait_margin(5);
	code_at("conc1", step_now(), code);
	race("conc1", code);
}

/* The same with an HOTP code: its counter is claimed once, fleet-wide. */
static void test_concurrent_same_hotp_code(void **state)
{
	char code[9];

	(void)state;
	hotp_code("hconc1", 2, code);
	race("hconc1", code);
	assert_int_equal(sql_int("select last_step from tokens where serial = 'HW-hconc1'"), 2);
}

/*
 * An HOTP token logs in with any of its next hotp.look_ahead (10) codes,
 * whatever the time; each moves its counter past it, so that code, and
 * every one before it, is spent (a replay), and a code further ahead
 * than the look-ahead is refused.
 */
static void test_hotp_look_ahead_and_replay(void **state)
{
	char code[9];

	(void)state;
	hotp_code("hotp1", 0, code);
	assert_int_equal(login_code("hotp1", "127.0.0.1", code), PAM_SUCCESS);
	assert_int_equal(login_code("hotp1", "127.0.0.1", code), PAM_AUTH_ERR);
	hotp_code("hotp1", 3, code);	/* two presses lost */
	assert_int_equal(login_code("hotp1", "127.0.0.1", code), PAM_SUCCESS);
	hotp_code("hotp1", 2, code);	/* skipped over: spent */
	assert_int_equal(login_code("hotp1", "127.0.0.1", code), PAM_AUTH_ERR);
	hotp_code("hotp1", 14, code);	/* 3 + 11: past the look-ahead */
	assert_int_equal(login_code("hotp1", "127.0.0.1", code), PAM_AUTH_ERR);
	hotp_code("hotp1", 13, code);	/* 3 + 10: the furthest it takes */
	assert_int_equal(login_code("hotp1", "127.0.0.1", code), PAM_SUCCESS);
	assert_int_equal(audit_count("\"user\"='hotp1' and event='auth' and result='success' and "
				     "reason='ok' and token='HW-hotp1'"), 3);
	assert_int_equal(audit_count("\"user\"='hotp1' and event='auth' and reason='replay' and "
				     "token='HW-hotp1'"), 2);
	assert_int_equal(audit_count("\"user\"='hotp1' and event='auth' and reason='bad-code'"), 1);
	assert_int_equal(sql_int("select last_step from tokens where serial = 'HW-hotp1'"), 13);
}

/* A token pressed past the look-ahead: resync finds it from two
 * consecutive codes and sets its counter after them. */
static void test_hotp_resync(void **state)
{
	char c1[9], c2[9], code[9];

	(void)state;
	hotp_code("hsync1", 50, c1);
	hotp_code("hsync1", 51, c2);
	assert_int_equal(login_code("hsync1", "127.0.0.1", c1), PAM_AUTH_ERR);
	run("%s/otpgate-provision -c %s/otpgate.conf resync hsync1 %s %s >/dev/null", build, dir, c1,
	    c2);
	assert_int_equal(sql_int("select last_step from tokens where serial = 'HW-hsync1'"), 51);
	assert_int_equal(login_code("hsync1", "127.0.0.1", c2), PAM_AUTH_ERR);
	hotp_code("hsync1", 52, code);
	assert_int_equal(login_code("hsync1", "127.0.0.1", code), PAM_SUCCESS);
	assert_int_equal(audit_count("\"user\"='hsync1' and event='auth' and reason='bad-code'"), 1);
	assert_int_equal(audit_count("\"user\"='hsync1' and event='auth' and reason='replay'"), 1);
	assert_int_equal(audit_count("\"user\"='hsync1' and event='admin' and reason='resync' and "
				     "result='success'"), 1);
}

/* combined: the code split off the answer is as long as the user's HOTP
 * token's (8 digits here), the password forwarded to the next module. */
static void test_hotp_combined(void **state)
{
	struct login l = { .service = "vpn", .user = "hvpn1", .rhost = "127.0.0.1" };
	char code[9], answer[64];

	(void)state;
	hotp_code("hvpn1", 0, code);
	assert_int_equal(strlen(code), 8);
	snprintf(answer, sizeof(answer), "s3cret%s", code);
	l.code = answer;
	assert_int_equal(do_login(&l), PAM_SUCCESS);
	assert_int_equal(l.prompted, 1);
	assert_int_equal(do_login(&l), PAM_AUTH_ERR);
	assert_int_equal(audit_count("\"user\"='hvpn1' and reason='replay'"), 1);
}

static void test_fail_closed(void **state)
{
	struct login l = { .user = "ok1", .rhost = "127.0.0.1", .code = "123456" };
	char path[512];

	(void)state;
	l.service = "nostore";
	assert_int_equal(do_login(&l), PAM_AUTHINFO_UNAVAIL);
	/* the refused attempt waits in the spool, and the next open writes it */
	snprintf(path, sizeof(path), "%s/audit.spool", dir);
	assert_int_equal(access(path, F_OK), 0);
	l.service = NULL;
	assert_int_equal(do_login(&l), PAM_AUTH_ERR);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(audit_count("\"user\"='ok1' and reason='store-unavailable'"), 1);
	l.service = "badarg";
	assert_int_equal(do_login(&l), PAM_SERVICE_ERR);
	/* a store file readable by others is refused, not used */
	l.service = NULL;
	if (conninfo == NULL) {
		snprintf(path, sizeof(path), "%s/otpgate.db", dir);
		chmod(path, 0644);
		assert_int_equal(do_login(&l), PAM_AUTHINFO_UNAVAIL);
		chmod(path, 0600);
	}
	/* so is a master key readable by others */
	snprintf(path, sizeof(path), "%s/master.key", dir);
	chmod(path, 0444);
	wait_margin(3);
	assert_int_equal(login_now("ok1", "127.0.0.1", +1), PAM_AUTHINFO_UNAVAIL);
	chmod(path, 0400);
	/* and a config writable by others */
	snprintf(path, sizeof(path), "%s/otpgate.conf", dir);
	chmod(path, 0666);
	assert_int_equal(do_login(&l), PAM_AUTHINFO_UNAVAIL);
	chmod(path, 0600);
}

static void test_conversation_failure(void **state)
{
	struct login l = { .user = "ok1", .rhost = "127.0.0.1", .code = NULL };

	(void)state;
	assert_int_equal(do_login(&l), PAM_AUTH_ERR);
	assert_int_equal(audit_count("\"user\"='ok1' and reason='no-code'"), 1);
	/* PAM_SUCCESS with no answer in it: the same, and no failure counted */
	l.code = NO_ANSWER;
	assert_int_equal(do_login(&l), PAM_AUTH_ERR);
	assert_int_equal(audit_count("\"user\"='ok1' and reason='no-code'"), 2);
}

/* A recovery code in place of the TOTP code: once each, audited as such. */
static void test_recovery_codes(void **state)
{
	char path[512], first[32], second[32];
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/rec1.codes", dir);
	run("%s/otpgate-provision -c %s/otpgate.conf recovery rec1 > %s 2>/dev/null", build, dir, path);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(first, sizeof(first), f));
	assert_non_null(fgets(second, sizeof(second), f));
	fclose(f);
	first[strcspn(first, "\n")] = '\0';
	second[strcspn(second, "\n")] = '\0';
	assert_int_equal(strlen(first), 11);
	assert_int_equal(login_code("rec1", "127.0.0.1", first), PAM_SUCCESS);
	assert_int_equal(login_code("rec1", "127.0.0.1", first), PAM_AUTH_ERR);
	assert_int_equal(login_code("rec1", "127.0.0.1", second), PAM_SUCCESS);
	assert_int_equal(login_code("rec1", "127.0.0.1", "aaaaa-bbbbb"), PAM_AUTH_ERR);
	assert_int_equal(audit_count("\"user\"='rec1' and reason='recovery' and token='recovery'"), 2);
	assert_int_equal(audit_count("\"user\"='rec1' and reason='replay'"), 1);
}

/* A login with no remote host (strongSwan, a console) under allow_no_rhost. */
static void test_no_rhost_allowed(void **state)
{
	struct login l = { .service = "local", .user = "local1" };
	char code[9];

	(void)state;
	wait_margin(3);
	code_at("local1", step_now(), code);
	l.code = code;
	assert_int_equal(do_login(&l), PAM_SUCCESS);
	l.account = 1;
	assert_int_equal(do_login(&l), PAM_SUCCESS);
	assert_int_equal(audit_count("\"user\"='local1' and source='local' and result='success'"), 2);
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

/* The target of the symbolic link /proc/PID/NAME, "" if none. */
static void proc_link(pid_t pid, const char *name, char *out, size_t cap)
{
	char path[512];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/%.300s", (int)pid, name);
	n = readlink(path, out, cap - 1);
	out[n > 0 ? n : 0] = '\0';
}

/* Waits (at most 30 s) until pid runs program; 0 once it does. */
static int wait_for_exe(pid_t pid, const char *program)
{
	char exe[512];

	for (int i = 0; i < 300; i++) {
		proc_link(pid, "exe", exe, sizeof(exe));
		if (strcmp(exe, program) == 0)
			return 0;
		usleep(100000);
	}
	return -1;
}

/* What pid holds open, as "FD:TARGET;" for each descriptor. */
static void proc_fds(pid_t pid, char *fds, size_t fcap)
{
	char path[128], target[512];
	struct dirent *d;
	size_t o = 0;
	DIR *dp;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	assert_non_null(dp = opendir(path));
	fds[0] = '\0';
	while ((d = readdir(dp)) != NULL) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "fd/%.20s", d->d_name);
		proc_link(pid, path, target, sizeof(target));
		o += (size_t)snprintf(fds + o, fcap - o, "%s:%s;", d->d_name, target);
		assert_true(o < fcap);
	}
	closedir(dp);
}

/*
 * lock_for = 0: locked until an admin unlocks; the notify command is run,
 * with its arguments, /dev/null as 0 to 2 and no other descriptor of ours
 * (a pipe like sshd's is open meanwhile), only PATH in its environment, in
 * /; and the login does not wait for it, though it never exits. This
 * service keeps the default uniform refusals: the failure that locks is
 * told as any other (PAM_AUTH_ERR), the audit says what happened.
 */
static void test_lockout_notifies_admin(void **state)
{
	struct login l = { .service = "notify", .user = "notif1", .rhost = "127.0.0.1",
			   .code = "000000" };
	char path[512], text[256] = "", fds[1024], env[1024], cwd[512];
	int leak[2];

	(void)state;
	assert_int_equal(pipe(leak), 0);
	assert_int_equal(do_login(&l), PAM_AUTH_ERR);
	l.code = "000001";
	assert_int_equal(do_login(&l), PAM_AUTH_ERR);
	close(leak[0]);
	close(leak[1]);
	snprintf(path, sizeof(path), "%s/notify.pid", dir);
	assert_int_equal(wait_for_file(path), 0);
	read_line(path, text, sizeof(text));
	notifier = (pid_t)atoi(text);
	assert_true(notifier > 1);
	snprintf(path, sizeof(path), "%s/notified", dir);
	read_line(path, text, sizeof(text));
	assert_string_equal(text, "lockout notif1 127.0.0.1 -1");
	snprintf(path, sizeof(path), "%s/notify.env", dir);
	read_line(path, env, sizeof(env));
	assert_string_equal(env, "PATH=/usr/sbin:/usr/bin:/sbin:/bin;");
	assert_int_equal(wait_for_exe(notifier, "/usr/bin/sleep"), 0);
	proc_fds(notifier, fds, sizeof(fds));
	assert_string_equal(fds, "0:/dev/null;1:/dev/null;2:/dev/null;");
	assert_int_equal(kill(notifier, 0), 0);	/* still running, the login long done */
	proc_link(notifier, "cwd", cwd, sizeof(cwd));
	assert_string_equal(cwd, "/");
	assert_int_equal(audit_count("\"user\"='notif1' and event='lockout' and "
				     "detail='until unlocked by an admin'"), 1);
	assert_int_equal(audit_count("event='notify'"), 0);
	/* locked, even with the right code */
	wait_margin(3);
	assert_int_equal(login_now_service("notify", "notif1", 0), PAM_AUTH_ERR);
	assert_int_equal(audit_count("\"user\"='notif1' and event='auth' and reason='locked'"), 1);
	kill(notifier, SIGKILL);
	notifier = 0;
}

/* A notify program that cannot be started: logged, and audited as such. */
static void test_lockout_notify_not_started(void **state)
{
	struct login l = { .service = "notify-missing", .user = "notif2", .rhost = "127.0.0.1",
			   .code = "000000" };

	(void)state;
	assert_int_equal(do_login(&l), PAM_AUTH_ERR);
	assert_int_equal(do_login(&l), PAM_AUTH_ERR);
	assert_int_equal(audit_count("\"user\"='notif2' and event='lockout'"), 1);
	assert_int_equal(audit_count("\"user\"='notif2' and event='notify' and result='failure' "
				     "and reason='lockout' and "
				     "detail='exec: No such file or directory'"), 1);
	l.service = "notify-notexec";
	l.user = "notif3";
	assert_int_equal(do_login(&l), PAM_AUTH_ERR);
	assert_int_equal(do_login(&l), PAM_AUTH_ERR);
	assert_int_equal(audit_count("\"user\"='notif3' and event='notify' and result='failure' "
				     "and reason='lockout' and detail='exec: Permission denied'"), 1);
}

/* Password and code in one answer; the password checked by the next module. */
static void test_combined_password_and_code(void **state)
{
	struct login l = { .service = "vpn", .user = "vpn1", .rhost = "127.0.0.1" };
	char code[9], answer[64];

	(void)state;
	wait_margin(3);
	code_at("vpn1", step_now(), code);
	snprintf(answer, sizeof(answer), "wrong%s", code);
	l.code = answer;
	/* the code is right, the forwarded password is not: refused by pam_exec */
	assert_int_not_equal(do_login(&l), PAM_SUCCESS);
	assert_int_equal(l.prompted, 1);
	assert_int_equal(audit_count("\"user\"='vpn1' and result='success'"), 1);
	/* the code was spent by that attempt: a replay now, even with the password */
	snprintf(answer, sizeof(answer), "s3cret%s", code);
	assert_int_equal(do_login(&l), PAM_AUTH_ERR);
	assert_int_equal(audit_count("\"user\"='vpn1' and reason='replay'"), 1);
	/* a fresh user: right password and code, one message, one answer */
	code_at("vpn2", step_now(), code);
	snprintf(answer, sizeof(answer), "s3cret%s", code);
	l.user = "vpn2";
	assert_int_equal(do_login(&l), PAM_SUCCESS);
	assert_int_equal(l.prompted, 1);
	/* too short to hold a code */
	l.code = "123";
	assert_int_equal(do_login(&l), PAM_AUTH_ERR);
}

static void test_first_pass_and_bad_arguments(void **state)
{
	struct login l = { .service = "firstpass", .user = "ok1", .rhost = "127.0.0.1",
			   .code = "123456" };

	(void)state;
	/* use_first_pass with no PAM_AUTHTOK: refused without a prompt */
	assert_int_equal(do_login(&l), PAM_AUTH_ERR);
	assert_int_equal(l.prompted, 0);
	l.service = "badcombo";
	assert_int_equal(do_login(&l), PAM_SERVICE_ERR);
}

/*
 * The key sshd accepted (SSH_AUTH_INFO_0) is named in the audit trail, and
 * with keys.check_at_login it must be valid in the registry: registered to
 * this user, not revoked, not expired.
 */
static void test_login_key_checked(void **state)
{
	struct login l = { .service = "keycheck", .user = "key1", .rhost = "127.0.0.1",
			   .account = 1 };
	char pub[1024], other[1024], env[1200], fpq[256], fp[128];

	(void)state;
	run("ssh-keygen -q -t ed25519 -N '' -f %s/k1 && ssh-keygen -q -t ed25519 -N '' -f %s/k2",
	    dir, dir);
	run("%s/otpgate-keyrotate -c %s/keycheck.conf add key1 %s/k1.pub >/dev/null", build, dir, dir);
	run("ssh-keygen -l -f %s/k1.pub | cut -d' ' -f2 > %s/k1.fp", dir, dir);
	read_line(strcat(strcpy(fpq, dir), "/k1.pub"), pub, sizeof(pub));
	read_line(strcat(strcpy(fpq, dir), "/k2.pub"), other, sizeof(other));
	read_line(strcat(strcpy(fpq, dir), "/k1.fp"), fp, sizeof(fp));
	*strrchr(pub, ' ') = '\0';	/* drop the comment, as sshd does */
	*strrchr(other, ' ') = '\0';

	snprintf(env, sizeof(env), "SSH_AUTH_INFO_0=publickey %s\n", pub);
	l.env = env;
	assert_int_equal(do_login(&l), PAM_SUCCESS);
	snprintf(fpq, sizeof(fpq), "\"user\"='key1' and event='account' and result='success' "
		 "and key='%s'", fp);
	assert_int_equal(audit_count(fpq), 1);
	/* a key the registry does not hold for this user */
	snprintf(env, sizeof(env), "SSH_AUTH_INFO_0=publickey %s\n", other);
	assert_int_equal(do_login(&l), PAM_PERM_DENIED);
	assert_int_equal(audit_count("\"user\"='key1' and reason='key-not-registered'"), 1);
	/* revoked: refused at once */
	run("%s/otpgate-keyrotate -c %s/keycheck.conf revoke --user key1 >/dev/null", build, dir);
	snprintf(env, sizeof(env), "SSH_AUTH_INFO_0=publickey %s\n", pub);
	assert_int_equal(do_login(&l), PAM_PERM_DENIED);
	assert_int_equal(audit_count("\"user\"='key1' and reason='key-revoked'"), 1);
	/* the same store without check_at_login: named in the audit, not checked */
	l.service = NULL;
	assert_int_equal(do_login(&l), PAM_SUCCESS);
}

/* Waits for the clock to turn past when the login began, then runs cmd. */
static void at_prompt_run(struct login *l)
{
	int64_t began = (int64_t)time(NULL);

	while ((int64_t)time(NULL) == began)
		usleep(50000);
	run("%s", l->arg);
}

/* Audit rows of user with this result and reason, stamped at or after t. */
static int audit_since(const char *user, const char *result, const char *reason, int64_t t)
{
	char where[512];

	snprintf(where, sizeof(where), "\"user\"='%s' and event='auth' and result='%s' and "
		 "reason='%s' and ts >= %lld", user, result, reason, (long long)t);
	return audit_count(where);
}

/*
 * A user removed while the login waits at the prompt: the acceptance
 * refuses it with the right code, and says so at the time it refused.
 */
static void test_removed_at_prompt(void **state)
{
	struct login l = { .user = "gone1", .rhost = "127.0.0.1", .code = FRESH,
			   .at_prompt = at_prompt_run };
	char cmd[1024];

	(void)state;
	wait_margin(4);
	snprintf(cmd, sizeof(cmd), "%s/otpgate-provision -c %s/otpgate.conf remove gone1 >/dev/null",
		 build, dir);
	l.arg = cmd;
	assert_int_equal(do_login(&l), PAM_AUTH_ERR);
	assert_int_equal(l.prompted, 1);
	assert_int_equal(audit_since("gone1", "failure", "removed", l.acted_at), 1);
	assert_int_equal(audit_count("\"user\"='gone1' and event='auth' and result='success'"), 0);
	/* restored, the same code still works: the refusal spent nothing */
	run("%s/otpgate-provision -c %s/otpgate.conf restore gone1 >/dev/null", build, dir);
	l.at_prompt = NULL;
	assert_int_equal(do_login(&l), PAM_SUCCESS);
}

/* The same when the whole organisation is removed (remove --org). */
static void test_org_removed_at_prompt(void **state)
{
	struct login l = { .user = "orgp1", .rhost = "127.0.0.1", .code = FRESH,
			   .at_prompt = at_prompt_run };
	char cmd[1024];

	(void)state;
	wait_margin(4);
	snprintf(cmd, sizeof(cmd), "%s/otpgate-provision -c %s/otpgate.conf remove --org initech"
		 " >/dev/null", build, dir);
	l.arg = cmd;
	assert_int_equal(do_login(&l), PAM_AUTH_ERR);
	assert_int_equal(audit_since("orgp1", "failure", "removed", l.acted_at), 1);
	assert_int_equal(audit_count("\"user\"='orgp1' and event='auth' and result='success'"), 0);
	run("%s/otpgate-provision -c %s/otpgate.conf restore --org initech >/dev/null", build, dir);
	l.at_prompt = NULL;
	assert_int_equal(do_login(&l), PAM_SUCCESS);
}

/*
 * Failures from another session lock the user while this login waits at
 * the prompt: the right code is refused as locked, and a wrong one too,
 * without counting it.
 */
static void test_locked_at_prompt(void **state)
{
	struct login l = { .user = "lockp1", .rhost = "127.0.0.1", .code = FRESH,
			   .at_prompt = at_prompt_run };
	char cmd[1024];

	(void)state;
	wait_margin(4);
	/* max_failures = 3: three wrong codes from elsewhere lock the user */
	snprintf(cmd, sizeof(cmd), "for c in 000000 000001 000002; do %s/tests/pam-login -d %s/pam.d"
		 " -s og -u lockp1 -r 127.0.0.1 $c | grep -q 'failure\\|tries' || exit 1; done",
		 build, dir);
	l.arg = cmd;
	assert_int_equal(do_login(&l), PAM_MAXTRIES);
	assert_int_equal(audit_count("\"user\"='lockp1' and event='lockout'"), 1);
	assert_int_equal(audit_since("lockp1", "failure", "locked", l.acted_at), 1);
	assert_int_equal(audit_count("\"user\"='lockp1' and event='auth' and result='success'"), 0);
	/* once more, answering a wrong code: refused as locked, not counted */
	run("%s/otpgate-provision -c %s/otpgate.conf unlock lockp1 >/dev/null", build, dir);
	l.code = "999999";
	assert_int_equal(do_login(&l), PAM_MAXTRIES);
	assert_int_equal(audit_since("lockp1", "failure", "locked", l.acted_at), 1);
	assert_int_equal(audit_count("\"user\"='lockp1' and event='auth' and reason='bad-code'"), 6);
	run("%s/otpgate-provision -c %s/otpgate.conf unlock lockp1 >/dev/null", build, dir);
	l.code = FRESH;
	l.at_prompt = NULL;
	assert_int_equal(do_login(&l), PAM_SUCCESS);
}

/* A recovery code typed by a user removed at the prompt: refused, not spent. */
static void test_recovery_removed_at_prompt(void **state)
{
	struct login l = { .user = "recp1", .rhost = "127.0.0.1", .at_prompt = at_prompt_run };
	char path[512], code[32], cmd[1024];
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/recp1.codes", dir);
	run("%s/otpgate-provision -c %s/otpgate.conf recovery recp1 > %s 2>/dev/null", build, dir, path);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(code, sizeof(code), f));
	fclose(f);
	code[strcspn(code, "\n")] = '\0';
	snprintf(cmd, sizeof(cmd), "%s/otpgate-provision -c %s/otpgate.conf remove recp1 >/dev/null",
		 build, dir);
	l.arg = cmd;
	l.code = code;
	assert_int_equal(do_login(&l), PAM_AUTH_ERR);
	assert_int_equal(audit_since("recp1", "failure", "removed", l.acted_at), 1);
	run("%s/otpgate-provision -c %s/otpgate.conf restore recp1 >/dev/null", build, dir);
	l.at_prompt = NULL;
	assert_int_equal(do_login(&l), PAM_SUCCESS);
	assert_int_equal(audit_count("\"user\"='recp1' and event='auth' and reason='recovery'"), 1);
}

/* One login through the "uniform" service (the default setting), checked:
 * refused after exactly the prompt the first one got, reason audited. */
static void uniform_refusal(const char *user, const char *rhost, const char *code,
			    const char *reason, char first[1024])
{
	struct login l = { .service = "uniform", .user = user, .rhost = rhost, .code = code };
	char where[512];
	int before, rc;

	snprintf(where, sizeof(where), "\"user\"='%s' and event='auth' and service='uniform' and "
		 "result='failure' and reason='%s'", user, reason);
	before = audit_count(where);
	rc = do_login(&l);
	if (rc != PAM_AUTH_ERR || l.prompted != 1)
		fail_msg("%s from %s (%s): PAM code %d, prompted %d times; want %d after one prompt",
			 user, rhost ? rhost : "nowhere", reason, rc, l.prompted, PAM_AUTH_ERR);
	if (first[0] == '\0')
		snprintf(first, 1024, "%s", l.transcript);
	if (strcmp(l.transcript, first) != 0)
		fail_msg("%s (%s): conversation '%s', not '%s'", user, reason, l.transcript, first);
	if (audit_count(where) != before + 1)
		fail_msg("%s: no audit row with reason %s", user, reason);
}

/*
 * auth.uniform_refusals (the default): unknown, unenrolled, enrolled,
 * locked and removed users, members of a group, an organisation or a
 * named user rule from a refused source, and bad names or sources: each is
 * prompted the same way and refused after it, with PAM_AUTH_ERR; only the
 * audit trail tells them apart.
 */
static void test_uniform_refusals(void **state)
{
	char first[1024] = "", code[9], eve[9], dave[9], root[9];

	(void)state;
	wait_margin(8);
	code_at("uni1", step_now(), code);
	/* the right code, one step ahead (so no earlier test spent it) */
	code_at("eve", step_now() + 1, eve);
	code_at("dave", step_now() + 1, dave);
	code_at("root", step_now() + 1, root);
	uniform_refusal("eve", "127.0.0.1", eve, "policy", first);	/* org:acme */
	uniform_refusal("dave", "127.0.0.1", dave, "policy", first);	/* user:dave */
	uniform_refusal("root", "127.0.0.1", root, "policy", first);	/* group:root */
	uniform_refusal("no-such-user-u", "127.0.0.1", "000000", "unknown-user", first);
	uniform_refusal("daemon", "127.0.0.1", "000000", "no-token", first);
	uniform_refusal("uni1", "127.0.0.1", "000000", "bad-code", first);
	/* three wrong codes lock unilock, the last one without telling */
	for (int i = 0; i < 3; i++)
		uniform_refusal("unilock", "127.0.0.1", "000000", "bad-code", first);
	assert_int_equal(audit_count("\"user\"='unilock' and event='lockout'"), 1);
	uniform_refusal("unilock", "127.0.0.1", code, "locked", first);
	run("%s/otpgate-provision -c %s/otpgate.conf remove unigone >/dev/null", build, dir);
	uniform_refusal("unigone", "127.0.0.1", code, "removed", first);
	uniform_refusal("x result=success", "127.0.0.1", "000000", "bad-user-name", first);
	uniform_refusal("uni1", NULL, code, "no-source", first);
	uniform_refusal("uni1", "client.example.org", code, "bad-source", first);
	assert_string_equal(first, "1:Verification code: ;");
	/* a code typed at a refused source was not checked, let alone spent */
	struct login l = { .service = "uniform", .user = "eve", .rhost = "198.51.100.7", .code = eve };
	assert_int_equal(do_login(&l), PAM_SUCCESS);
	assert_int_equal(audit_count("\"user\"='eve' and event='auth' and reason='bad-code'"), 0);
	l.user = "uni1";
	l.rhost = "127.0.0.1";
	l.code = code;
	assert_int_equal(do_login(&l), PAM_SUCCESS);
}

/*
 * Every answered prompt reads the master key, not only an enrolled
 * user's: with the key unusable, all are refused alike, after the prompt,
 * and a refusal held back still reaches the audit trail with its reason.
 */
static void test_uniform_key_read_for_all(void **state)
{
	struct login l = { .service = "uniform", .user = "no-such-user-k", .rhost = "127.0.0.1",
			   .code = "000000" };
	char path[512];

	(void)state;
	snprintf(path, sizeof(path), "%s/master.key", dir);
	chmod(path, 0444);
	assert_int_equal(do_login(&l), PAM_AUTHINFO_UNAVAIL);
	assert_int_equal(l.prompted, 1);
	l.user = "uni1";
	assert_int_equal(do_login(&l), PAM_AUTHINFO_UNAVAIL);
	assert_int_equal(l.prompted, 1);
	chmod(path, 0400);
	/* the next login takes the spooled row into the store */
	l.user = "daemon";
	assert_int_equal(do_login(&l), PAM_AUTH_ERR);
	assert_int_equal(audit_count("\"user\"='no-such-user-k' and event='auth' and "
				     "reason='unknown-user'"), 1);
}

/* Runs one account phase of key2 with SSH_AUTH_INFO_0 set to info (unset if NULL). */
static int key2_account(const char *service, const char *info)
{
	static char env[40000];
	struct login l = { .service = service, .user = "key2", .rhost = "127.0.0.1",
			   .account = 1 };

	if (info != NULL) {
		assert_true((size_t)snprintf(env, sizeof(env), "SSH_AUTH_INFO_0=%s", info) <
			    sizeof(env));
		l.env = env;
	}
	return do_login(&l);
}

/* Audit rows of key2 with this reason and key field. */
static int key2_audited(const char *reason, const char *key)
{
	char where[256];

	snprintf(where, sizeof(where), "\"user\"='key2' and event='account' and reason='%s' and "
		 "key %s%s%s", reason, key ? "= '" : "is null", key ? key : "", key ? "'" : "");
	return audit_count(where);
}

/*
 * With keys.check_at_login a login passes only on a registry key: never on
 * no key at all (keyboard-interactive alone, a host key, no SSH_AUTH_INFO_0),
 * a certificate (even one for a registered key, signed by a CA the user made
 * up), or a publickey line that cannot be read, whatever its length. The
 * audit key field names the key, or says it could not be read.
 */
static void test_login_key_shapes(void **state)
{
	static char info[36000], pub[1024], cert[34000], longcert[34000];
	char path[512], fp1[128], fp2[128];

	(void)state;
	run("cd %s && ssh-keygen -q -t ed25519 -N '' -f r1 && ssh-keygen -q -t ed25519 -N '' -f r2 "
	    "&& ssh-keygen -q -t ed25519 -N '' -f ca && cp r2.pub long.pub && "
	    "ssh-keygen -q -s ca -I short -n key2 r1.pub && "
	    "ssh-keygen -q -s ca -I \"$(head -c 13000 /dev/zero | tr '\\0' x)\" -n key2 long.pub && "
	    "ssh-keygen -l -f r1-cert.pub | cut -d' ' -f2 > r1.fp && "
	    "ssh-keygen -l -f long-cert.pub | cut -d' ' -f2 > r2.fp", dir);
	run("%s/otpgate-keyrotate -c %s/keycheck.conf add key2 %s/r1.pub >/dev/null", build, dir, dir);
	read_line(strcat(strcpy(path, dir), "/r1.pub"), pub, sizeof(pub));
	read_line(strcat(strcpy(path, dir), "/r1-cert.pub"), cert, sizeof(cert));
	read_line(strcat(strcpy(path, dir), "/long-cert.pub"), longcert, sizeof(longcert));
	read_line(strcat(strcpy(path, dir), "/r1.fp"), fp1, sizeof(fp1));
	read_line(strcat(strcpy(path, dir), "/r2.fp"), fp2, sizeof(fp2));
	assert_true(strlen(longcert) > 17000);
	assert_int_equal(strncmp(fp1, "SHA256:", 7), 0);

	/* the registered key itself passes */
	snprintf(info, sizeof(info), "publickey %s\nkeyboard-interactive/pam\n", pub);
	assert_int_equal(key2_account("keycheck", info), PAM_SUCCESS);
	assert_int_equal(key2_audited("ok", fp1), 1);

	/* no key: nothing, keyboard-interactive only, the registered key as a host key */
	assert_int_equal(key2_account("keycheck", NULL), PAM_PERM_DENIED);
	assert_int_equal(key2_account("keycheck", "keyboard-interactive/pam\n"), PAM_PERM_DENIED);
	snprintf(info, sizeof(info), "hostbased %s\n", pub);
	assert_int_equal(key2_account("keycheck", info), PAM_PERM_DENIED);
	assert_int_equal(key2_audited("no-key", NULL), 3);

	/* certificates, named by the key they certify: short and 13,000-byte key ids */
	snprintf(info, sizeof(info), "publickey %s ID short (serial 0) CA ssh-ed25519 x\n", cert);
	assert_int_equal(key2_account("keycheck", info), PAM_PERM_DENIED);
	assert_int_equal(key2_audited("key-not-registered", fp1), 1);
	snprintf(info, sizeof(info), "publickey %s\nkeyboard-interactive/pam\n", longcert);
	assert_int_equal(key2_account("keycheck", info), PAM_PERM_DENIED);
	assert_int_equal(key2_audited("key-not-registered", fp2), 1);

	/* unreadable lines, short and 20,000 bytes, also after a good key */
	assert_int_equal(key2_account("keycheck", "publickey \n"), PAM_PERM_DENIED);
	memset(info, 'A', 20000);
	memcpy(info, "publickey ssh-ed25519 ", 22);
	strcpy(info + 20000, "\n");
	assert_int_equal(key2_account("keycheck", info), PAM_PERM_DENIED);
	snprintf(info, sizeof(info), "publickey %s\npublickey ssh-ed25519 AAAA!\n", pub);
	assert_int_equal(key2_account("keycheck", info), PAM_PERM_DENIED);
	assert_int_equal(key2_audited("key-not-registered", "unreadable"), 3);

	/* without the check: let through, the key named all the same */
	assert_int_equal(key2_account("og", NULL), PAM_SUCCESS);
	snprintf(info, sizeof(info), "publickey %s\n", longcert);
	assert_int_equal(key2_account("og", info), PAM_SUCCESS);
	assert_int_equal(key2_audited("ok", fp2), 1);
	assert_int_equal(key2_account("og", "publickey x\n"), PAM_SUCCESS);
	assert_int_equal(key2_audited("ok", "unreadable"), 1);
}

/* Runs a command and returns its first line of output, asserting it exits 0. */
static void run_output(char *out, size_t cap, const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	FILE *p;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	out[0] = '\0';
	p = popen(cmd, "r");
	assert_non_null(p);
	if (fgets(out, (int)cap, p) == NULL)
		out[0] = '\0';
	out[strcspn(out, "\n")] = '\0';
	if (pclose(p) != 0)
		fail_msg("%s: failed, said: %s", cmd, out);
}

/* "audit verify" passes (it said a long name's mapping was altered). */
static void assert_trail_intact(void)
{
	char out[512];

	run_output(out, sizeof(out), "%s/otpgate-provision -c %s/otpgate.conf audit verify 2>&1",
		   build, dir);
	if (strncmp(out, "audit trail intact", 18) != 0)
		fail_msg("audit verify: %s", out);
}

/* name as the audit trail must show it when it is longer than 256 bytes:
 * its first bytes, then "[cut:LENGTH:" the first 32 hex digits of its
 * SHA-256 "]", 256 bytes in all. */
static void cut_form(const char *name, char *out, size_t cap)
{
	unsigned char md[32];
	char mark[64];
	unsigned int n = 0;
	int o;

	assert_int_equal(EVP_Digest(name, strlen(name), md, &n, EVP_sha256(), NULL), 1);
	o = snprintf(mark, sizeof(mark), "[cut:%zu:", strlen(name));
	for (int i = 0; i < 16; i++)
		o += snprintf(mark + o, sizeof(mark) - (size_t)o, "%02x", md[i]);
	snprintf(mark + o, sizeof(mark) - (size_t)o, "]");
	assert_true(cap > 256);
	snprintf(out, cap, "%.*s%s", (int)(256 - strlen(mark)), name, mark);
}

/* Every line of the JSON-lines file is valid UTF-8 and parses as JSON; and
 * the line of the refused name `user` shows it as the store does. */
static void assert_jsonl_parses(const char *user)
{
	char out[512];

	run_output(out, sizeof(out), "python3 -c 'import json, sys\n"
		   "n = 0\n"
		   "for line in open(sys.argv[1], encoding=\"utf-8\", errors=\"strict\"):\n"
		   "    row = json.loads(line)\n"
		   "    n += row.get(\"user\") == sys.argv[2] and row[\"reason\"] == \"bad-user-name\"\n"
		   "print(n)' %s/audit.jsonl '%s' 2>&1", dir, user);
	if (strcmp(out, "1") != 0)
		fail_msg("audit.jsonl: %s", out);
}

/*
 * Names nobody can have, from an allowed address and without a token:
 * refused as bad-user-name, and audited in a bounded, escaped form that
 * both stores take at once (PostgreSQL refused byte 0xff, and the row
 * blocked the spool), so the trail still verifies and every JSON line
 * parses (a long name cut the line before its closing brace).
 */
static void test_hostile_names_audited(void **state)
{
	char long_name[301], huge[5001], want[300], where[1200], path[512];
	const char *names[] = { long_name, huge, "bob\xff" "x", "x\nevent=admin", "a\\x61",
				"\xe2\x80\xae" "evil" };

	(void)state;
	memset(long_name, 'a', 300);
	long_name[300] = '\0';
	for (int i = 0; i < 5000; i++)
		huge[i] = "q\"\\\xff"[i % 4];
	huge[5000] = '\0';
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct login l = { .user = names[i], .rhost = "127.0.0.1", .code = "123456" };
		assert_int_equal(do_login(&l), PAM_USER_UNKNOWN);
	}
	snprintf(path, sizeof(path), "%s/audit.spool", dir);
	assert_int_equal(access(path, F_OK), -1);
	cut_form(long_name, want, sizeof(want));
	snprintf(where, sizeof(where), "reason='bad-user-name' and \"user\"='%s'", want);
	assert_int_equal(audit_count(where), 1);
	assert_int_equal(audit_count("reason='bad-user-name' and \"user\" like '%[cut:5000:%]'"), 1);
	assert_int_equal(audit_count("reason='bad-user-name' and \"user\"='bob\\xffx'"), 1);
	assert_int_equal(audit_count("reason='bad-user-name' and \"user\"='x\\x0aevent=admin'"), 1);
	assert_int_equal(audit_count("reason='bad-user-name' and \"user\"='a\\x5cx61'"), 1);
	assert_int_equal(audit_count("reason='bad-user-name' and \"user\"='\\xe2\\x80\\xaeevil'"), 1);
	assert_trail_intact();
	assert_jsonl_parses("bob\\xffx");
	assert_jsonl_parses(want);
}

/*
 * With the store away, attempts wait in the spool: a 250-byte name (a name
 * a user can have) comes back whole, not cut at 200 bytes into someone
 * else's, and a 300-byte one in the same cut form as when stored at once.
 */
static void test_spooled_names_whole(void **state)
{
	char name[251], long_name[301], want[300], where[1200], path[512];
	struct login l = { .service = "nostore", .rhost = "127.0.0.1", .code = "123456" };

	(void)state;
	memset(name, 'n', 250);
	name[250] = '\0';
	memset(long_name, 'a', 300);
	long_name[300] = '\0';
	l.user = name;
	assert_int_equal(do_login(&l), PAM_AUTHINFO_UNAVAIL);
	l.user = long_name;
	assert_int_equal(do_login(&l), PAM_AUTHINFO_UNAVAIL);
	snprintf(path, sizeof(path), "%s/audit.spool", dir);
	assert_int_equal(access(path, F_OK), 0);
	/* the next login that opens the store writes them */
	l.service = NULL;
	l.user = "ok1";
	assert_int_equal(do_login(&l), PAM_AUTH_ERR);
	assert_int_equal(access(path, F_OK), -1);
	snprintf(where, sizeof(where), "reason='store-unavailable' and \"user\"='%s'", name);
	assert_int_equal(audit_count(where), 1);
	cut_form(long_name, want, sizeof(want));
	snprintf(where, sizeof(where), "reason='store-unavailable' and \"user\"='%s'", want);
	assert_int_equal(audit_count(where), 1);
	assert_trail_intact();
}

/* Whether the login was told a PAM_ERROR_MSG line holding text. */
static int told_error(const struct login *l, const char *text)
{
	const char *p = l->transcript;

	while ((p = strstr(p, "3:otpgate: ")) != NULL) {
		const char *end = strchr(p, ';');
		if (end != NULL && memmem(p, (size_t)(end - p), text, strlen(text)) != NULL)
			return 1;
		p += 2;
	}
	return 0;
}

/* How many PAM_ERROR_MSG lines the login was told. */
static int error_lines(const struct login *l)
{
	int n = 0;

	for (const char *p = l->transcript; (p = strstr(p, "3:")) != NULL; p += 2)
		n += p == l->transcript || p[-1] == ';';
	return n;
}

/*
 * messages = "always": each refusal a person can act on gets one line
 * (PAM_ERROR_MSG) saying why and what to do; a wrong code alone none.
 */
static void test_messages(void **state)
{
	struct login l = { .service = "always", .user = "msg1", .rhost = "127.0.0.1",
			   .code = "000000" };
	char code[9];

	(void)state;
	wait_margin(3);
	assert_int_equal(do_login(&l), PAM_AUTH_ERR);
	assert_int_equal(error_lines(&l), 0);
	assert_int_equal(do_login(&l), PAM_AUTH_ERR);
	assert_int_equal(do_login(&l), PAM_AUTH_ERR);
	assert_true(told_error(&l, "too many failed logins: this account is locked until "));
	assert_true(told_error(&l, " UTC."));
	assert_int_equal(error_lines(&l), 1);
	code_at("msg1", step_now(), code);
	l.code = code;
	assert_int_equal(do_login(&l), PAM_AUTH_ERR);
	assert_true(told_error(&l, "this account is locked until "));
	/* no device, a device not confirmed yet */
	l.user = "daemon";
	assert_int_equal(do_login(&l), PAM_AUTH_ERR);
	assert_true(told_error(&l, "no device is enrolled for this account: ask an administrator"));
	run("%s/otpgate-provision -c %s/always.conf enrol pend1 --qr none >/dev/null 2>&1", build, dir);
	l.user = "pend1";
	assert_int_equal(do_login(&l), PAM_AUTH_ERR);
	assert_true(told_error(&l, "this account's device is not confirmed yet"));
	/* the address seen, and a code already used */
	l.user = "msg2";
	l.rhost = "10.1.2.3";
	code_at("msg2", step_now(), code);
	assert_int_equal(do_login(&l), PAM_AUTH_ERR);
	assert_true(told_error(&l, "logins from 10.1.2.3 are not allowed for this account"));
	l.rhost = "127.0.0.1";
	assert_int_equal(do_login(&l), PAM_SUCCESS);
	assert_int_equal(error_lines(&l), 0);
	assert_int_equal(do_login(&l), PAM_AUTH_ERR);
	assert_true(told_error(&l, "that code was already used: wait for your device to show the"
			       " next one"));
	assert_int_equal(error_lines(&l), 1);
}

/*
 * after-key (the default): told only once sshd accepted the user's public
 * key (SSH_AUTH_INFO_0), so a client that has not authenticated learns
 * nothing; never: no one is told.
 */
static void test_messages_after_key(void **state)
{
	struct login l = { .user = "msg2", .rhost = "10.1.2.4", .code = "000000" };
	char pub[1024], env[1200], path[512];
	static char big[256 * 1024];
	size_t n;

	(void)state;
	run("ssh-keygen -q -t ed25519 -N '' -f %s/km", dir);
	snprintf(path, sizeof(path), "%s/km.pub", dir);
	read_line(path, pub, sizeof(pub));
	*strrchr(pub, ' ') = '\0';
	assert_int_equal(do_login(&l), PAM_PERM_DENIED);
	assert_int_equal(error_lines(&l), 0);
	snprintf(env, sizeof(env), "SSH_AUTH_INFO_0=publickey %s\n", pub);
	l.env = env;
	assert_int_equal(do_login(&l), PAM_PERM_DENIED);
	assert_true(told_error(&l, "logins from 10.1.2.4 are not allowed for this account"));
	/* a line that is not a key the user's, a password: nothing */
	l.env = "SSH_AUTH_INFO_0=password\n";
	assert_int_equal(do_login(&l), PAM_PERM_DENIED);
	assert_int_equal(error_lines(&l), 0);
	/* the key beside a publickey line that cannot be read, or a huge one:
	 * nothing (every line must be a key the user's) */
	snprintf(big, sizeof(big), "SSH_AUTH_INFO_0=publickey %s\npublickey ssh-ed25519 AAAA!\n",
		 pub);
	l.env = big;
	assert_int_equal(do_login(&l), PAM_PERM_DENIED);
	assert_int_equal(error_lines(&l), 0);
	n = (size_t)snprintf(big, sizeof(big), "SSH_AUTH_INFO_0=publickey %s\npublickey ssh-ed25519 ",
			     pub);
	memset(big + n, 'A', sizeof(big) - n - 2);
	big[sizeof(big) - 2] = '\n';
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(do_login(&l), PAM_PERM_DENIED);
	assert_int_equal(error_lines(&l), 0);
	l.env = env;
	l.service = "never";
	assert_int_equal(do_login(&l), PAM_AUTH_ERR);
	assert_int_equal(error_lines(&l), 0);
	/* the account phase tells it too */
	l.service = "always";
	l.account = 1;
	assert_int_equal(do_login(&l), PAM_PERM_DENIED);
	assert_true(told_error(&l, "logins from 10.1.2.4 are not allowed"));
}

/* The lines of notify.log naming user. */
static int notified_now(const char *user, char *last, size_t cap)
{
	char path[512], line[256];
	int n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/notify.log", dir);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		char *u = strchr(line, ' ');
		if (u == NULL || strncmp(u + 1, user, strlen(user)) != 0 ||
		    u[1 + strlen(user)] != ' ')
			continue;
		n++;
		line[strcspn(line, "\n")] = '\0';
		snprintf(last, cap, "%s", line);
	}
	fclose(f);
	return n;
}

/* The same, once the program (started detached, so it may not have run
 * yet when the login returns) has written a line for user; at most 30 s. */
static int notified(const char *user, char *last, size_t cap)
{
	int n;

	for (int i = 0; (n = notified_now(user, last, cap)) == 0 && i < 300; i++)
		usleep(100000);
	return n;
}

/* Three failures put user into failure mode (lockout.mode "step-up"). */
static void into_failure_mode(const char *user)
{
	struct login l = { .service = "stepup", .user = user, .rhost = "127.0.0.1",
			   .code = "000000" };
	char where[256];

	assert_int_equal(do_login(&l), PAM_AUTH_ERR);
	assert_int_equal(do_login(&l), PAM_AUTH_ERR);
	assert_int_equal(do_login(&l), PAM_AUTH_ERR);
	assert_true(told_error(&l, "until an administrator unlocks it") ||
		    told_error(&l, "UTC this account needs two consecutive codes"));
	snprintf(where, sizeof(where), "\"user\"='%s' and event='lockout' and result='failure-mode'"
		 " and reason='bad-code'", user);
	assert_int_equal(audit_count(where), 1);
	assert_int_equal(sql_int("select count(*) from failures where \"user\" = '%s' and"
				 " failure_mode_until > 0 and locked_until = 0", user), 1);
}

/*
 * The failure mode: not locked, but one code is not enough: after a
 * right code the module asks for the next one ("Next verification code: ",
 * after a line saying to wait for it). One code is refused, two consecutive
 * codes log in and end it; entering it is audited and notified once.
 */
static void test_failure_mode(void **state)
{
	struct login l = { .service = "stepup", .user = "mode1", .rhost = "127.0.0.1" };
	char code[9], next[9], last[256] = "";

	(void)state;
	wait_margin(4);
	into_failure_mode("mode1");
	assert_int_equal(notified("mode1", last, sizeof(last)), 1);
	assert_int_equal(strncmp(last, "failure-mode mode1 127.0.0.1 ", 29), 0);
	/* the right code alone: asked for the next, a wrong one refused */
	code_at("mode1", step_now(), code);
	l.code = code;
	l.next = "000000";
	assert_int_equal(do_login(&l), PAM_AUTH_ERR);
	assert_int_equal(l.prompted, 2);
	assert_non_null(strstr(l.transcript, "4:otpgate: too many failed logins put this account in"
			       " failure mode: wait for your device to show its next code"));
	assert_non_null(strstr(l.transcript, "1:Next verification code: ;"));
	assert_true(told_error(&l, "this account needs two consecutive codes"));
	assert_int_equal(audit_count("\"user\"='mode1' and reason='bad-next-code'"), 1);
	/* the first code was spent: the same two again is a replay */
	assert_int_equal(do_login(&l), PAM_AUTH_ERR);
	assert_int_equal(l.prompted, 1);
	assert_int_equal(audit_count("\"user\"='mode1' and reason='replay'"), 1);
	/* a wrong first code is not asked for the next */
	l.code = "123456";
	assert_int_equal(do_login(&l), PAM_AUTH_ERR);
	assert_int_equal(l.prompted, 1);
	/* still failure mode, not a lock, and notified once */
	assert_int_equal(sql_int("select count(*) from failures where \"user\" = 'mode1' and"
				 " failure_mode_until > 0 and locked_until = 0"), 1);
	assert_int_equal(notified("mode1", last, sizeof(last)), 1);
	/* two consecutive codes */
	l.user = "mode2";
	into_failure_mode("mode2");
	code_at("mode2", step_now(), code);
	code_at("mode2", step_now() + 1, next);
	l.code = code;
	l.next = next;
	assert_int_equal(do_login(&l), PAM_SUCCESS);
	assert_int_equal(l.prompted, 2);
	assert_int_equal(audit_count("\"user\"='mode2' and event='auth' and result='success' and"
				     " reason='failure-mode-passed' and token='HW-mode2'"), 1);
	assert_int_equal(sql_int("select count(*) from failures where \"user\" = 'mode2'"), 0);
	assert_int_equal(notified("mode2", last, sizeof(last)), 1);
	/* unlock ends it */
	l.user = "mode1";
	run("%s/otpgate-provision -c %s/stepup.conf unlock mode1 >/dev/null", build, dir);
	assert_int_equal(sql_int("select count(*) from failures where \"user\" = 'mode1'"), 0);
}

/* An HOTP token in failure mode: after a right code, the next counter's. */
static void test_failure_mode_hotp(void **state)
{
	struct login l = { .service = "stepup", .user = "hmode1", .rhost = "127.0.0.1" };
	char code[9], next[9];

	(void)state;
	into_failure_mode("hmode1");
	hotp_code("hmode1", 0, code);
	hotp_code("hmode1", 2, next);	/* not the next press */
	l.code = code;
	l.next = next;
	assert_int_equal(do_login(&l), PAM_AUTH_ERR);
	assert_int_equal(l.prompted, 2);
	assert_int_equal(audit_count("\"user\"='hmode1' and reason='bad-next-code'"), 1);
	/* the first code was spent: counters 1 and 2 are what comes next */
	hotp_code("hmode1", 1, code);
	l.next = next;
	assert_int_equal(do_login(&l), PAM_SUCCESS);
	assert_int_equal(l.prompted, 2);
	assert_int_equal(audit_count("\"user\"='hmode1' and result='success' and"
				     " reason='failure-mode-passed' and token='HW-hmode1'"), 1);
	assert_int_equal(sql_int("select last_step from tokens where serial = 'HW-hmode1'"), 2);
	assert_int_equal(sql_int("select count(*) from failures where \"user\" = 'hmode1'"), 0);
}

/* In failure mode a recovery code is the additional check in itself. */
static void test_failure_mode_recovery(void **state)
{
	struct login l = { .service = "stepup", .user = "mode3", .rhost = "127.0.0.1" };
	char path[512], first[32], code[9], last[256];
	FILE *f;

	(void)state;
	wait_margin(4);
	snprintf(path, sizeof(path), "%s/mode3.codes", dir);
	run("%s/otpgate-provision -c %s/stepup.conf recovery mode3 > %s 2>/dev/null", build, dir,
	    path);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(first, sizeof(first), f));
	fclose(f);
	first[strcspn(first, "\n")] = '\0';
	into_failure_mode("mode3");
	/* at the second prompt, after a right code */
	code_at("mode3", step_now(), code);
	l.code = code;
	l.next = first;
	assert_int_equal(do_login(&l), PAM_SUCCESS);
	assert_int_equal(audit_count("\"user\"='mode3' and result='success' and"
				     " reason='failure-mode-passed' and token='recovery'"), 1);
	assert_int_equal(sql_int("select count(*) from failures where \"user\" = 'mode3'"), 0);
	assert_int_equal(notified("mode3", last, sizeof(last)), 1);
}

/*
 * A tool that reconnects with the code it was given (scp, rsync,
 * ansible): each refused as a replay, but the replay of the user's own
 * last accepted code counts once in its step, so it does not lock them.
 */
static void test_replay_counts_once(void **state)
{
	char code[9];

	(void)state;
	wait_margin(4);
	code_at("replay2", step_now(), code);
	assert_int_equal(login_code("replay2", "127.0.0.1", code), PAM_SUCCESS);
	for (int i = 0; i < 5; i++)
		assert_int_equal(login_code("replay2", "127.0.0.1", code), PAM_AUTH_ERR);
	assert_int_equal(audit_count("\"user\"='replay2' and reason='replay'"), 5);
	assert_int_equal(audit_count("\"user\"='replay2' and reason='replay' and detail like"
				     " 'not counted%%'"), 4);
	assert_int_equal(audit_count("\"user\"='replay2' and event='lockout'"), 0);
	assert_int_equal(sql_int("select count from failures where \"user\" = 'replay2'"), 1);
	/* other failures still count: two more lock (max_failures = 3) */
	assert_int_equal(login_code("replay2", "127.0.0.1", "000000"), PAM_AUTH_ERR);
	assert_int_equal(login_code("replay2", "127.0.0.1", "000001"), PAM_MAXTRIES);
	run("%s/otpgate-provision -c %s/otpgate.conf unlock replay2 >/dev/null", build, dir);
}

/* A session of user from rhost, opened through libpam and left open. */
static pam_handle_t *session_open(struct login *l, const char *rhost)
{
	struct pam_conv pc = { conv, l };
	pam_handle_t *ph = NULL;
	char confdir[300];

	snprintf(confdir, sizeof(confdir), "%s/pam.d", dir);
	l->transcript[0] = '\0';
	assert_int_equal(pam_start_confdir("sessions", l->user, &pc, confdir, &ph), PAM_SUCCESS);
	pam_set_item(ph, PAM_RHOST, rhost);
	pam_set_item(ph, PAM_TTY, "/dev/pts/7");
	assert_int_equal(pam_open_session(ph, 0), PAM_SUCCESS);
	return ph;
}

static void session_close(pam_handle_t *ph)
{
	assert_int_equal(pam_close_session(ph, 0), PAM_SUCCESS);
	pam_end(ph, PAM_SUCCESS);
}

/*
 * The session phase: each session recorded while open; one that opens
 * while the user has another from a different address is told of it on
 * the terminal (PAM_TEXT_INFO), audited and notified; one from the same
 * address is not.
 */
static void test_sessions(void **state)
{
	struct login a = { .user = "sess1", .code = "" }, b = a, c = a;
	pam_handle_t *pa, *pb, *pc;
	char last[256] = "";

	(void)state;
	pa = session_open(&a, "127.0.0.1");
	assert_string_equal(a.transcript, "");
	assert_int_equal(sql_int("select count(*) from sessions where \"user\" = 'sess1' and"
				 " source = '127.0.0.1' and host = 'bastion-t' and tty = '/dev/pts/7'"
				 " and pid = %d", (int)getpid()), 1);
	pc = session_open(&c, "127.0.0.1");
	assert_string_equal(c.transcript, "");
	pb = session_open(&b, "::ffff:127.0.0.2");
	assert_non_null(strstr(b.transcript, "4:otpgate: you also have a session on bastion-t from"
			       " 127.0.0.1 (/dev/pts/7) since "));
	assert_non_null(strstr(b.transcript, "; end it with: otpgate-provision close "));
	assert_int_equal(audit_count("\"user\"='sess1' and event='session' and result='warning' and"
				     " reason='multiple-sources' and source='127.0.0.2'"), 1);
	assert_int_equal(notified("sess1", last, sizeof(last)), 1);
	assert_string_equal(last, "multiple-sources sess1 127.0.0.2 127.0.0.1,127.0.0.1");
	assert_int_equal(sql_int("select count(*) from sessions where \"user\" = 'sess1'"), 3);
	session_close(pb);
	session_close(pc);
	assert_int_equal(sql_int("select count(*) from sessions where \"user\" = 'sess1'"), 1);
	session_close(pa);
	assert_int_equal(sql_int("select count(*) from sessions where \"user\" = 'sess1'"), 0);
	assert_trail_intact();
}

/* The module exports the PAM entry points and nothing of the core. */
static void test_exports(void **state)
{
	char path[600];
	void *h;

	(void)state;
	snprintf(path, sizeof(path), "%s/pam_otpgate.so", build);
	h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	assert_non_null(h);
	assert_non_null(dlsym(h, "pam_sm_authenticate"));
	assert_non_null(dlsym(h, "pam_sm_acct_mgmt"));
	assert_non_null(dlsym(h, "pam_sm_setcred"));
	assert_non_null(dlsym(h, "pam_sm_open_session"));
	assert_non_null(dlsym(h, "pam_sm_close_session"));
	assert_null(dlsym(h, "og_login_verify"));
	assert_null(dlsym(h, "og_config_load"));
	assert_null(dlsym(h, "og_store_open"));
	dlclose(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_right_code),
		cmocka_unit_test(test_wrong_code),
		cmocka_unit_test(test_replayed_code),
		cmocka_unit_test(test_window),
		cmocka_unit_test(test_drift_is_learnt),
		cmocka_unit_test(test_drift_is_bounded),
		cmocka_unit_test(test_source_ranges),
		cmocka_unit_test(test_rules_by_user_group_org),
		cmocka_unit_test(test_hostname_rhost),
		cmocka_unit_test(test_no_token_and_unknown_user),
		cmocka_unit_test(test_lockout),
		cmocka_unit_test(test_success_resets_failures),
		cmocka_unit_test(test_account_phase),
		cmocka_unit_test(test_concurrent_same_code),
		cmocka_unit_test(test_concurrent_same_hotp_code),
		cmocka_unit_test(test_hotp_look_ahead_and_replay),
		cmocka_unit_test(test_hotp_resync),
		cmocka_unit_test(test_hotp_combined),
		cmocka_unit_test(test_fail_closed),
		cmocka_unit_test(test_conversation_failure),
		cmocka_unit_test(test_no_rhost_allowed),
		cmocka_unit_test(test_recovery_codes),
		cmocka_unit_test(test_lockout_notifies_admin),
		cmocka_unit_test(test_lockout_notify_not_started),
		cmocka_unit_test(test_combined_password_and_code),
		cmocka_unit_test(test_first_pass_and_bad_arguments),
		cmocka_unit_test(test_login_key_checked),
		cmocka_unit_test(test_login_key_shapes),
		cmocka_unit_test(test_removed_at_prompt),
		cmocka_unit_test(test_org_removed_at_prompt),
		cmocka_unit_test(test_locked_at_prompt),
		cmocka_unit_test(test_recovery_removed_at_prompt),
		cmocka_unit_test(test_uniform_refusals),
		cmocka_unit_test(test_uniform_key_read_for_all),
		cmocka_unit_test(test_hostile_names_audited),
		cmocka_unit_test(test_spooled_names_whole),
		cmocka_unit_test(test_messages),
		cmocka_unit_test(test_messages_after_key),
		cmocka_unit_test(test_failure_mode),
		cmocka_unit_test(test_failure_mode_recovery),
		cmocka_unit_test(test_failure_mode_hotp),
		cmocka_unit_test(test_replay_counts_once),
		cmocka_unit_test(test_sessions),
		cmocka_unit_test(test_exports),
	};

	return cmocka_run_group_tests_name(getenv("OTPGATE_TEST_CONNINFO") ? "pam_otpgate on postgresql"
					   : "pam_otpgate on sqlite", tests, setup, teardown);
}

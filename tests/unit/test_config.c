/* test_config.c: og_config_load on valid and invalid otpgate.conf files. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cidr.h"
#include "config.h"
#include "err.h"
#include "otp.h"
#include "test_helpers.h"

struct fixture {
	char dir[PATH_MAX];
	char path[PATH_MAX];
	char err[512];
	struct og_log log;
	struct th_logbuf lb;
	struct og_config cfg;
	int loaded;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	th_mkdtemp(f->dir, sizeof(f->dir));
	th_log_init(&f->log, &f->lb);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	if (f->loaded)
		og_config_free(&f->cfg);
	th_rmtree(f->dir);
	free(f);
	return 0;
}

/* Writes text to a fresh mkstemp file in the fixture's directory with mode. */
static void write_conf(struct fixture *f, const char *text, mode_t mode)
{
	int fd;

	th_path(f->path, sizeof(f->path), f->dir, "otpgate.conf.XXXXXX");
	fd = mkstemp(f->path);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(th_write_str(f->path, text, mode), 0);
	assert_int_equal(th_mode_of(f->path), mode);
}

/* Loads text; on success the fixture owns the config (freed in teardown). */
static int load(struct fixture *f, const char *text, mode_t mode)
{
	int rc;

	if (f->loaded) {
		og_config_free(&f->cfg);
		f->loaded = 0;
	}
	write_conf(f, text, mode);
	memset(&f->cfg, 0, sizeof(f->cfg));
	memset(f->err, 0, sizeof(f->err));
	rc = og_config_load(f->path, &f->cfg, f->err, sizeof(f->err), &f->log);
	if (rc == OG_OK)
		f->loaded = 1;
	return rc;
}

static int contains(const struct og_cidrset *set, const char *s)
{
	struct og_addr a;

	memset(&a, 0, sizeof(a));
	if (og_addr_parse(s, &a) != OG_OK)
		fail_msg("test bug: bad address %s", s);
	return og_cidrset_contains(set, &a) ? 1 : 0;
}

/* ---- the example from the documentation ---- */

#define EXAMPLE \
	"store = { backend = \"sqlite\"; path = \"/var/lib/otpgate/otpgate.db\"; };\n" \
	"master_key = \"/etc/otpgate/master.key\";\n" \
	"networks = { office = [ \"203.0.113.0/24\", \"2001:db8::/32\" ];\n" \
	"             loop = [ \"127.0.0.0/8\", \"::1/128\" ]; };\n" \
	"policy = ( { match = \"group:wheel\"; allow_from = [ \"office\" ]; },\n" \
	"           { match = \"*\"; allow_from = [ \"loop\", \"office\" ]; } );\n" \
	"lockout = { max_failures = 3; interval = \"10m\"; lock_for = \"15m\"; };\n"

static void test_example_loads(void **state)
{
	struct fixture *f = *state;
	const struct og_config *c = &f->cfg;
	int rc = load(f, EXAMPLE, 0600);

	if (rc != OG_OK)
		fail_msg("example config refused: rc=%d err=\"%s\"", rc, f->err);

	assert_non_null(c->path);
	assert_string_equal(c->path, f->path);
	assert_non_null(c->store_backend);
	assert_string_equal(c->store_backend, "sqlite");
	assert_non_null(c->store_path);
	assert_string_equal(c->store_path, "/var/lib/otpgate/otpgate.db");
	assert_non_null(c->master_key);
	assert_string_equal(c->master_key, "/etc/otpgate/master.key");

	/* defaults */
	assert_int_equal(c->totp.digits, 6);
	assert_int_equal(c->totp.period, 30);
	assert_int_equal(c->totp.algo, OG_SHA1);
	assert_int_equal(c->totp.t0, 0);
	assert_int_equal(c->window, 1);
	assert_int_equal(c->max_drift, 10);
	assert_int_equal(c->hotp_look_ahead, 10);
	assert_int_equal(c->hotp_resync_window, 1000);
	assert_null(c->lock_notify);
	assert_true(c->uniform_refusals);	/* nothing told before the prompt */

	/* lockout */
	assert_int_equal(c->max_failures, 3);
	assert_int_equal(c->lock_interval, 600);
	assert_int_equal(c->lock_for, 900);

	/* policy */
	assert_int_equal(c->nrules, 2);
	assert_non_null(c->rules);
	assert_int_equal(c->rules[0].kind, OG_MATCH_GROUP);
	assert_non_null(c->rules[0].name);
	assert_string_equal(c->rules[0].name, "wheel");
	assert_int_equal(c->rules[0].line, 5);
	assert_int_equal(c->rules[1].kind, OG_MATCH_ANY);
	assert_null(c->rules[1].name);
	assert_int_equal(c->rules[1].line, 6);

	/* allow sets resolved from the named networks */
	assert_int_equal(contains(&c->rules[0].allow, "203.0.113.7"), 1);
	assert_int_equal(contains(&c->rules[0].allow, "2001:db8:1::7"), 1);
	assert_int_equal(contains(&c->rules[0].allow, "::ffff:203.0.113.7"), 1);
	assert_int_equal(contains(&c->rules[0].allow, "127.0.0.1"), 0);
	assert_int_equal(contains(&c->rules[0].allow, "::1"), 0);
	assert_int_equal(contains(&c->rules[0].allow, "198.51.100.1"), 0);
	assert_int_equal(contains(&c->rules[1].allow, "127.0.0.1"), 1);
	assert_int_equal(contains(&c->rules[1].allow, "127.255.0.1"), 1);
	assert_int_equal(contains(&c->rules[1].allow, "::1"), 1);
	assert_int_equal(contains(&c->rules[1].allow, "203.0.113.200"), 1);
	assert_int_equal(contains(&c->rules[1].allow, "2001:db8::5"), 1);
	assert_int_equal(contains(&c->rules[1].allow, "::2"), 0);
	assert_int_equal(contains(&c->rules[1].allow, "198.51.100.1"), 0);
}

/* ---- every documented key set ---- */

static const char FULL[] =
	"store = { backend = \"sqlite\"; path = \"/tmp/og.db\"; timeout = \"5s\"; };\n"	/* 1 */
	"master_key = \"/etc/otpgate/master.key\";\n"						/* 2 */
	"totp = { digits = 8; period = 60; algorithm = \"SHA256\"; window = 2; issuer = \"ACME Corp\"; };\n" /* 3 */
	"hotp = { look_ahead = 20; resync_window = 500; };\n"
	"networks = { office = [ \"203.0.113.0/24\" ]; vpn = [ \"10.8.0.0/16\", \"fd00::/8\" ]; };\n" /* 5 */
	"policy = (\n"										/* 6 */
	"  { match = \"user:alice\"; allow_from = [ \"vpn\" ]; },\n"				/* 7 */
	"  { match = \"group:wheel\"; allow_from = [ \"office\", \"192.0.2.0/24\" ]; },\n"	/* 8 */
	"  { match = \"org:acme\"; allow_from = [ \"office\" ]; },\n"				/* 9 */
	"  { match = \"*\"; allow_from = [ \"office\" ]; }\n"					/* 10 */
	");\n"
	"lockout = { max_failures = 5; interval = \"1h\"; lock_for = \"0\";\n"
	"            notify = \"/usr/local/bin/og-notify\"; };\n"
	"audit = { syslog = false; store = true; };\n"
	"auth = { allow_unenrolled = true; allow_no_rhost = true; uniform_refusals = false; };\n";

static void test_full_config(void **state)
{
	struct fixture *f = *state;
	const struct og_config *c = &f->cfg;
	int rc = load(f, FULL, 0600);

	if (rc != OG_OK)
		fail_msg("full config refused: rc=%d err=\"%s\"", rc, f->err);

	assert_string_equal(c->store_backend, "sqlite");
	assert_string_equal(c->store_path, "/tmp/og.db");
	assert_int_equal(c->store_timeout, 5);
	assert_int_equal(c->totp.digits, 8);
	assert_int_equal(c->totp.period, 60);
	assert_int_equal(c->totp.algo, OG_SHA256);
	assert_int_equal(c->window, 2);
	assert_non_null(c->issuer);
	assert_string_equal(c->issuer, "ACME Corp");
	assert_int_equal(c->hotp_look_ahead, 20);
	assert_int_equal(c->hotp_resync_window, 500);

	assert_int_equal(c->nrules, 4);
	assert_int_equal(c->rules[0].kind, OG_MATCH_USER);
	assert_string_equal(c->rules[0].name, "alice");
	assert_int_equal(c->rules[0].line, 7);
	assert_int_equal(c->rules[1].kind, OG_MATCH_GROUP);
	assert_string_equal(c->rules[1].name, "wheel");
	assert_int_equal(c->rules[1].line, 8);
	assert_int_equal(c->rules[2].kind, OG_MATCH_ORG);
	assert_string_equal(c->rules[2].name, "acme");
	assert_int_equal(c->rules[2].line, 9);
	assert_int_equal(c->rules[3].kind, OG_MATCH_ANY);
	assert_int_equal(c->rules[3].line, 10);

	assert_int_equal(contains(&c->rules[0].allow, "10.8.3.4"), 1);
	assert_int_equal(contains(&c->rules[0].allow, "fd12::1"), 1);
	assert_int_equal(contains(&c->rules[0].allow, "203.0.113.1"), 0);
	/* a literal CIDR next to a network name */
	assert_int_equal(contains(&c->rules[1].allow, "192.0.2.99"), 1);
	assert_int_equal(contains(&c->rules[1].allow, "203.0.113.1"), 1);
	assert_int_equal(contains(&c->rules[1].allow, "10.8.3.4"), 0);

	assert_int_equal(c->max_failures, 5);
	assert_int_equal(c->lock_interval, 3600);
	assert_int_equal(c->lock_for, 0);	/* until an admin unlocks */
	assert_non_null(c->lock_notify);
	assert_string_equal(c->lock_notify, "/usr/local/bin/og-notify");

	assert_false(c->audit_syslog);
	assert_true(c->audit_store);
	assert_true(c->allow_unenrolled);
	assert_true(c->allow_no_rhost);
	assert_false(c->uniform_refusals);
}

/* A small valid config, used as the base of the cases below. */
#define L_STORE "store = { backend = \"sqlite\"; path = \"/var/lib/otpgate/otpgate.db\"; };\n"
#define L_KEY "master_key = \"/etc/otpgate/master.key\";\n"
#define L_NETS "networks = { office = [ \"203.0.113.0/24\", \"2001:db8::/32\" ]; };\n"
#define L_POLICY "policy = ( { match = \"*\"; allow_from = [ \"office\" ]; } );\n"
#define BASE L_STORE L_KEY L_NETS L_POLICY	/* four lines */

/* The opposite booleans, and boundary values that are still valid. */
static void test_boundaries_accepted(void **state)
{
	struct fixture *f = *state;
	static const char *const ok[] = {
		"totp = { window = 0; };\n",
		"totp = { window = 10; };\n",
		"totp = { max_drift = 0; };\n",
		"totp = { max_drift = 2880; };\n",
		"totp = { digits = 6; period = 30; };\n",
		"totp = { digits = 8; period = 60; algorithm = \"SHA512\"; };\n",
		"totp = { algorithm = \"SHA1\"; };\n",
		"hotp = { look_ahead = 1; resync_window = 2; };\n",
		"hotp = { look_ahead = 100; resync_window = 100000; };\n",
		"lockout = { max_failures = 0; };\n",
		"lockout = { interval = \"90\"; lock_for = \"1d\"; };\n",
		"audit = { syslog = true; store = false; };\n",
		"auth = { allow_unenrolled = false; allow_no_rhost = false; };\n",
		"auth = { uniform_refusals = true; };\n",
	};
	int nfail = 0;

	for (size_t i = 0; i < TH_ARRAY_LEN(ok); i++) {
		char text[2048];
		int rc;

		snprintf(text, sizeof(text), "%s%s", BASE, ok[i]);
		rc = load(f, text, 0600);
		if (rc != OG_OK) {
			print_error("refused: %s  rc=%d err=\"%s\"\n", ok[i], rc, f->err);
			nfail++;
		}
	}
	assert_int_equal(nfail, 0);

	assert_int_equal(load(f, BASE "audit = { syslog = true; store = false; };\n"
				       "auth = { allow_unenrolled = false; allow_no_rhost = false; };\n"
				       "totp = { window = 10; max_drift = 3; };\n",
			      0600),
			 OG_OK);
	assert_true(f->cfg.audit_syslog);
	assert_false(f->cfg.audit_store);
	assert_false(f->cfg.allow_unenrolled);
	assert_false(f->cfg.allow_no_rhost);
	assert_int_equal(f->cfg.window, 10);
	assert_int_equal(f->cfg.max_drift, 3);
}

/* ---- errors carry FILE:LINE: of the offending setting ---- */

struct err_case {
	const char *name;
	const char *text;
	int line;
};

static const struct err_case errs[] = {
	{ "unknown top-level key", BASE "bogus = 1;\n", 5 },
	{ "unknown top-level group", BASE "\nldap = { uri = \"ldap://x\"; };\n", 6 },
	{ "unknown key in totp", BASE "totp = {\n  digits = 6;\n  colour = \"red\";\n};\n", 7 },
	{ "unknown key in store",
	  L_KEY L_NETS L_POLICY
	  "store = {\n  backend = \"sqlite\";\n  path = \"/x.db\";\n  hostname = \"db\";\n};\n",
	  7 },
	{ "unknown key in lockout",
	  BASE "lockout = {\n  max_failures = 3;\n  lockout_time = \"5m\";\n};\n", 7 },
	{ "unknown key in audit", BASE "audit = { syslog = true; file = \"/x\"; };\n", 5 },
	{ "unknown key in auth", BASE "auth = { allow_root = true; };\n", 5 },
	{ "unknown key in a rule",
	  L_STORE L_KEY L_NETS
	  "policy = (\n  { match = \"*\"; allow_from = [ \"office\" ];\n    deny = true; }\n);\n",
	  6 },
	{ "bad duration \"10 minutes\"",
	  BASE "lockout = {\n  max_failures = 3;\n  interval = \"10 minutes\";\n};\n", 7 },
	{ "bad lock_for", BASE "lockout = { lock_for = \"forever\"; };\n", 5 },
	{ "negative max_failures", BASE "lockout = { max_failures = -1; };\n", 5 },
	{ "notify not a string", BASE "lockout = {\n  notify = 5;\n};\n", 6 },
	{ "bad timeout",
	  L_KEY L_NETS L_POLICY
	  "store = { backend = \"sqlite\"; path = \"/x.db\";\n  timeout = \"5 s\"; };\n",
	  5 },
	{ "digits = 7", BASE "totp = {\n  digits = 7;\n};\n", 6 },
	{ "digits as a string", BASE "totp = { digits = \"6\"; };\n", 5 },
	{ "period = 45", BASE "totp = {\n  period = 45;\n};\n", 6 },
	{ "window = -1", BASE "totp = {\n  window = -1;\n};\n", 6 },
	{ "window = 11", BASE "totp = {\n  window = 11;\n};\n", 6 },
	{ "max_drift = -1", BASE "totp = {\n  max_drift = -1;\n};\n", 6 },
	{ "max_drift = 2881", BASE "totp = {\n  max_drift = 2881;\n};\n", 6 },
	{ "max_drift as a string", BASE "totp = {\n  max_drift = \"10\";\n};\n", 6 },
	{ "algorithm MD5", BASE "totp = {\n  algorithm = \"MD5\";\n};\n", 6 },
	{ "unknown key in hotp", BASE "hotp = {\n  window = 3;\n};\n", 6 },
	{ "look_ahead = 0", BASE "hotp = {\n  look_ahead = 0;\n};\n", 6 },
	{ "look_ahead = 101", BASE "hotp = {\n  look_ahead = 101;\n};\n", 6 },
	{ "resync_window = 1", BASE "hotp = {\n  resync_window = 1;\n};\n", 6 },
	{ "resync_window = 100001", BASE "hotp = {\n  resync_window = 100001;\n};\n", 6 },
	{ "hotp not a group", BASE "hotp = 10;\n", 5 },
	{ "boolean as a string", BASE "auth = {\n  allow_unenrolled = \"yes\";\n};\n", 6 },
	{ "unknown network in allow_from",
	  L_STORE L_KEY L_NETS
	  "policy = (\n  { match = \"*\"; allow_from = [ \"office\" ]; },\n"
	  "  { match = \"user:bob\"; allow_from = [ \"nowhere\" ]; }\n);\n",
	  6 },
	{ "bad CIDR in networks (host bits)",
	  L_STORE L_KEY
	  "networks = {\n  office = [ \"203.0.113.0/24\" ];\n  bad = [ \"10.0.0.1/8\" ];\n};\n"
	  L_POLICY,
	  5 },
	{ "bad CIDR in networks (name)",
	  L_STORE L_KEY
	  "networks = {\n  office = [ \"203.0.113.0/24\" ];\n  bad = [ \"localhost\" ];\n};\n"
	  L_POLICY,
	  5 },
	{ "rule without match",
	  L_STORE L_KEY L_NETS
	  "policy = (\n  { match = \"*\"; allow_from = [ \"office\" ]; },\n"
	  "  { allow_from = [ \"office\" ]; }\n);\n",
	  6 },
	{ "match = \"team:x\"",
	  L_STORE L_KEY L_NETS
	  "policy = (\n  { match = \"*\"; allow_from = [ \"office\" ]; },\n"
	  "  { match = \"team:x\"; allow_from = [ \"office\" ]; }\n);\n",
	  6 },
	{ "syntax error", BASE "lockout = { max_failures = = 3; };\n", 5 },
	{ "duplicate setting", BASE "master_key = \"/other.key\";\n", 5 },
	{ "host with a space", BASE "host = \"bastion 1\";\n", 5 },
	{ "host not a string", BASE "host = 1;\n", 5 },
	{ "lockout.mode unknown", BASE "lockout = {\n  mode = \"lockdown\";\n};\n", 6 },
	{ "lockout.mode not a string", BASE "lockout = { mode = 1; };\n", 5 },
	{ "messages unknown", BASE "\nmessages = \"verbose\";\n", 6 },
	{ "messages a boolean", BASE "messages = true;\n", 5 },
	{ "sessions not a group", BASE "sessions = true;\n", 5 },
	{ "unknown key in sessions", BASE "sessions = {\n  warn_multiple = true;\n  close = 1;\n};\n",
	  7 },
	{ "sessions.warn_multiple as a string", BASE "sessions = {\n  warn_multiple = \"yes\";\n};\n",
	  6 },
};

/*
 * A store moved by store.path takes its spool and key registry along; the
 * drop location, which every user can write to, stays in a tree of its
 * own so that users cannot fill the store's file system.
 */
static void test_store_files_and_drop_location(void **state)
{
	struct fixture *f = *state;
	const struct og_config *c = &f->cfg;

	assert_int_equal(load(f, BASE, 0600), OG_OK);
	assert_string_equal(c->keys_drop_dir, "/var/lib/otpgate-keys");
	assert_int_equal(load(f, "store = { backend = \"sqlite\"; path = \"/srv/og/otpgate.db\"; };\n"
			      "master_key = \"/etc/otpgate/master.key\";\n", 0600), OG_OK);
	assert_string_equal(c->store_spool, "/srv/og/audit.spool");
	assert_string_equal(c->keys_registry, "/srv/og/keys.db");
	assert_string_equal(c->keys_drop_dir, "/var/lib/otpgate-keys");
}

static void test_errors_have_file_and_line(void **state)
{
	struct fixture *f = *state;
	int nfail = 0;

	for (size_t i = 0; i < TH_ARRAY_LEN(errs); i++) {
		char want[PATH_MAX + 32];
		int rc = load(f, errs[i].text, 0600);

		snprintf(want, sizeof(want), "%s:%d:", f->path, errs[i].line);
		if (rc == OG_OK) {
			print_error("%s: accepted\n", errs[i].name);
			nfail++;
		} else if (rc != OG_ERR_CONFIG) {
			print_error("%s: rc=%d, want OG_ERR_CONFIG (%d); err=\"%s\"\n", errs[i].name, rc,
				    OG_ERR_CONFIG, f->err);
			nfail++;
		} else if (strstr(f->err, want) == NULL) {
			print_error("%s: err=\"%s\", want it to contain \"%s\"\n", errs[i].name, f->err,
				    want);
			nfail++;
		} else if (strchr(f->err, '\n') != NULL) {
			print_error("%s: err is not one line: \"%s\"\n", errs[i].name, f->err);
			nfail++;
		}
	}
	assert_int_equal(nfail, 0);
}

/* The baseline used by the error cases is itself valid. */
static void test_error_baseline_is_valid(void **state)
{
	struct fixture *f = *state;
	int rc = load(f, BASE, 0600);

	if (rc != OG_OK)
		fail_msg("baseline refused: rc=%d err=\"%s\"", rc, f->err);
}

/* ---- file safety ---- */

static void test_refuses_writable_by_others(void **state)
{
	struct fixture *f = *state;
	static const mode_t bad[] = { 0664, 0646, 0666, 0620, 0602 };
	static const mode_t good[] = { 0644, 0600, 0640, 0444 };
	int nfail = 0;

	for (size_t i = 0; i < TH_ARRAY_LEN(bad); i++) {
		int rc = load(f, EXAMPLE, bad[i]);

		if (rc == OG_OK) {
			print_error("mode %04o accepted\n", (unsigned)bad[i]);
			nfail++;
		} else if (strstr(f->err, f->path) == NULL) {
			print_error("mode %04o: rc=%d but err does not name the file: \"%s\"\n",
				    (unsigned)bad[i], rc, f->err);
			nfail++;
		}
	}
	for (size_t i = 0; i < TH_ARRAY_LEN(good); i++) {
		int rc = load(f, EXAMPLE, good[i]);

		if (rc != OG_OK) {
			print_error("mode %04o refused: rc=%d err=\"%s\"\n", (unsigned)good[i], rc,
				    f->err);
			nfail++;
		}
	}
	assert_int_equal(nfail, 0);
}

/*
 * libconfig reads "@include FILE" as that file's text: a world-writable
 * file would then set the policy, and a relative name is read from the
 * caller's working directory. The directive is refused, naming its line.
 */
static void test_refuses_include(void **state)
{
	struct fixture *f = *state;
	char inc[PATH_MAX], text[PATH_MAX + 256], want[PATH_MAX + 64];
	int rc;

	th_path(inc, sizeof(inc), f->dir, "included.conf");
	assert_int_equal(th_write_str(inc, "lockout = { max_failures = 0; };\n", 0666), 0);
	snprintf(text, sizeof(text), "%s\n  @include \"%s\"\n", BASE, inc);
	rc = load(f, text, 0600);
	if (rc == OG_OK)
		fail_msg("@include loaded: max_failures = %d from a mode 0666 file",
			 f->cfg.max_failures);
	snprintf(want, sizeof(want), "%s:6: @include is not supported", f->path);
	if (strstr(f->err, want) == NULL)
		fail_msg("err=\"%s\", want it to contain \"%s\"", f->err, want);
	assert_int_equal(load(f, BASE "x = \"not @include at the start of a line\";\n", 0600),
			 OG_ERR_CONFIG);
	assert_null(strstr(f->err, "@include is not supported"));	/* unknown setting x */
}

/*
 * A string value may hold a raw newline or any control byte; the error
 * that quotes it stays one line of printable text (found by
 * fuzz/fuzz_config.c: "store backend 'pos<newline>gresql' is not ...").
 */
static void test_error_is_one_line(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(load(f, "store = { backend = \"pos\ngresql\x1b[2J\r\"; };\n", 0600),
			 OG_ERR_CONFIG);
	for (const char *p = f->err; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			fail_msg("control byte 0x%02x in err=\"%s\"", (unsigned char)*p, f->err);
	assert_non_null(strstr(f->err, "store backend 'pos?gresql?[2J?' is not supported"));
}

static void test_refuses_missing(void **state)
{
	struct fixture *f = *state;
	char missing[PATH_MAX];
	struct og_config cfg;
	int rc;

	/* missing file */
	th_path(missing, sizeof(missing), f->dir, "does-not-exist.conf");
	memset(&cfg, 0, sizeof(cfg));
	memset(f->err, 0, sizeof(f->err));
	rc = og_config_load(missing, &cfg, f->err, sizeof(f->err), &f->log);
	if (rc == OG_OK) {
		og_config_free(&cfg);
		fail_msg("missing config loaded");
	}
	assert_true(strlen(f->err) > 0);
	assert_non_null(strstr(f->err, missing));
}

/*
 * A NUL byte ends the text libconfig sees: the policy after it would be
 * dropped silently. The file is refused, naming its line and byte offset.
 */
static void test_refuses_nul_byte(void **state)
{
	static const char tail[] = "policy = ( { match = \"*\"; allow_from = [ \"0.0.0.0/0\" ]; } );\n";
	struct fixture *f = *state;
	char text[2048], want[PATH_MAX + 64];
	size_t n = strlen(BASE);
	int rc;

	assert_true(n + 1 + sizeof(tail) <= sizeof(text));
	memcpy(text, BASE, n);
	text[n] = '\0';
	memcpy(text + n + 1, tail, sizeof(tail));
	write_conf(f, "", 0600);
	assert_int_equal(th_write_file(f->path, text, n + sizeof(tail), 0600), 0);
	memset(&f->cfg, 0, sizeof(f->cfg));
	rc = og_config_load(f->path, &f->cfg, f->err, sizeof(f->err), &f->log);
	if (rc == OG_OK) {
		og_config_free(&f->cfg);
		fail_msg("a config with a NUL byte at offset %zu loaded", n);
	}
	assert_int_equal(rc, OG_ERR_CONFIG);
	snprintf(want, sizeof(want), "%s:5: a NUL byte at byte offset %zu", f->path, n);
	if (strstr(f->err, want) == NULL)
		fail_msg("err=\"%s\", want it to contain \"%s\"", f->err, want);
	assert_null(strchr(f->err, '\n'));
}

/* A long error message is cut to errlen, NUL-terminated, no overflow. */
static void test_err_buffer_bounded(void **state)
{
	struct fixture *f = *state;
	struct og_config cfg;
	char small[24];
	int rc;

	write_conf(f, BASE "bogus_key_with_a_long_name_to_overflow_small_buffers = 1;\n", 0600);
	memset(small, 'X', sizeof(small));
	memset(&cfg, 0, sizeof(cfg));
	rc = og_config_load(f->path, &cfg, small, 16, &f->log);
	assert_int_equal(rc, OG_ERR_CONFIG);
	assert_non_null(memchr(small, '\0', 16));
	assert_int_equal(small[16], 'X');
}

/* host names the bastion in audit entries: the host name unless set. */
static void test_host(void **state)
{
	struct fixture *f = *state;
	char name[256] = "";

	assert_int_equal(gethostname(name, sizeof(name) - 1), 0);
	assert_int_equal(load(f, BASE, 0600), OG_OK);
	assert_non_null(f->cfg.host);
	assert_string_equal(f->cfg.host, name);
	assert_int_equal(load(f, BASE "host = \"bastion-7.example.org\";\n", 0600), OG_OK);
	assert_string_equal(f->cfg.host, "bastion-7.example.org");
}

/* The failure mode, sessions and what a refused login is told: their
 * defaults and each setting. */
static void test_modes_and_messages(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(load(f, BASE, 0600), OG_OK);
	assert_false(f->cfg.lock_step_up);
	assert_int_equal(f->cfg.messages, OG_MESSAGES_AFTER_KEY);
	assert_true(f->cfg.sessions_warn_multiple);
	assert_false(f->cfg.sessions_notify_multiple);
	assert_int_equal(load(f, BASE "lockout = { mode = \"step-up\"; };\nmessages = \"always\";\n"
			      "sessions = { warn_multiple = false; notify_multiple = true; };\n", 0600),
			 OG_OK);
	assert_true(f->cfg.lock_step_up);
	assert_int_equal(f->cfg.messages, OG_MESSAGES_ALWAYS);
	assert_false(f->cfg.sessions_warn_multiple);
	assert_true(f->cfg.sessions_notify_multiple);
	assert_int_equal(load(f, BASE "lockout = { mode = \"lock\"; };\nmessages = \"never\";\n",
			      0600), OG_OK);
	assert_false(f->cfg.lock_step_up);
	assert_int_equal(f->cfg.messages, OG_MESSAGES_NEVER);
	assert_int_equal(load(f, BASE "messages = \"after-key\";\n", 0600), OG_OK);
	assert_int_equal(f->cfg.messages, OG_MESSAGES_AFTER_KEY);
	/* the words are named in the error */
	assert_int_equal(load(f, BASE "messages = \"loud\";\n", 0600), OG_ERR_CONFIG);
	assert_non_null(strstr(f->err, "'messages' must be \"after-key\", \"always\" or \"never\""));
	assert_int_equal(load(f, BASE "lockout = { mode = \"ban\"; };\n", 0600), OG_ERR_CONFIG);
	assert_non_null(strstr(f->err, "'mode' must be \"lock\" or \"step-up\""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_example_loads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_config, setup, teardown),
		cmocka_unit_test_setup_teardown(test_boundaries_accepted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_error_baseline_is_valid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors_have_file_and_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_files_and_drop_location, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuses_writable_by_others, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuses_include, setup, teardown),
		cmocka_unit_test_setup_teardown(test_error_is_one_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuses_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_err_buffer_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_host, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modes_and_messages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuses_nul_byte, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

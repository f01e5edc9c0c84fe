/*
 * test_store: the store contract. One set of cases, run against every
 * backend with the same expected results: SQLite, and PostgreSQL when
 * OTPGATE_TEST_CONNINFO names a database (tests/pg/with-postgres starts
 * one). Everything goes through the public interface (store.h); each case
 * starts on a fresh, initialised store.
 */
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
#include <unistd.h>
#include <cmocka.h>
#include <openssl/crypto.h>

#include "../unit/th_store.h"
#include "store.h"
#include "store_copy.h"
#include "token.h"
#include "trail.h"
#include "util.h"

static const char *conninfo;	/* PostgreSQL under test, or NULL for SQLite */
static const char *admin;	/* the server itself, for psql (not a pooler in front of it) */
static const struct og_otp_params params = { OG_SHA1, 6, 30, 0, OG_OTP_TOTP };
static const struct og_otp_params hotp = { OG_SHA1, 6, 30, 0, OG_OTP_HOTP };
static const struct og_lockout lockout = { 3, 300, 600, 0 };

struct fx {
	char dir[256], key[300];
	struct og_config cfg, cfg2;
	struct og_store *st;
	struct og_key master;
	struct th_logbuf lb;
	struct og_log log;
};

/* Runs one SQL command on the test server (a fresh schema, a database);
 * FORCE: a pooler in front may still hold a connection to the database. */
static void psql(const char *dbname, const char *sql)
{
	char cmd[2048];

	snprintf(cmd, sizeof(cmd), "psql -Atq '%s%s%s' -c '%s' >/dev/null 2>&1", admin,
		 dbname ? " dbname=" : "", dbname ? dbname : "", sql);
	assert_int_equal(system(cmd), 0);
}

/* A config for store `name` of the backend under test, in x->dir: the
 * test's database (a second one, otpgate_b, for b.conf), or SQLite files. */
static int write_config(struct fx *x, const char *name, struct og_config *cfg)
{
	int second = strcmp(name, "a.conf") != 0;
	char store[1024];

	if (conninfo != NULL)
		snprintf(store, sizeof(store), "store = { backend = \"postgresql\"; conninfo = \"%s%s\";"
			 " spool = \"%s/%s.spool\"; };", conninfo, second ? " dbname=otpgate_b" : "",
			 x->dir, name);
	else
		snprintf(store, sizeof(store), "store = { backend = \"sqlite\"; path = \"%s/%s.db\"; };\n"
			 "keys = { registry = \"%s/%s.keys\"; };", x->dir, name, x->dir, name);
	return th_store_config(x->dir, name, x->key, store, "host = \"contract\";\n", cfg, &x->log);
}

static int open_init(struct fx *x, const struct og_config *cfg, struct og_store **st)
{
	if (th_store_init(cfg, &x->log, st) != 0)
		return -1;
	og_store_close(*st);
	return og_store_open(cfg, &x->log, 0, st) == OG_OK && og_store_chain_key(*st) != NULL ? 0 : -1;
}

static int setup(void **state)
{
	struct fx *x = calloc(1, sizeof(*x));

	if (x == NULL)
		return -1;
	th_log_init(&x->log, &x->lb);
	th_mkdtemp(x->dir, sizeof(x->dir));
	th_path(x->key, sizeof(x->key), x->dir, "master.key");
	if (conninfo != NULL) {
		psql(NULL, "DROP SCHEMA public CASCADE; CREATE SCHEMA public");
		psql(NULL, "DROP DATABASE IF EXISTS otpgate_b WITH (FORCE)");
	}
	if (og_master_key_create(x->key) != OG_OK ||
	    og_master_key_load(x->key, &x->master, NULL) != OG_OK ||
	    write_config(x, "a.conf", &x->cfg) != 0 || open_init(x, &x->cfg, &x->st) != 0) {
		fprintf(stderr, "setup: %s\n", x->lb.text);
		return -1;
	}
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct fx *x = *state;

	og_key_wipe(&x->master);
	th_store_remove(x->dir, &x->cfg, x->st);
	free(x);
	return 0;
}

/* An event as a login would record it, at ts. */
static struct og_audit_event event(const char *user, const char *reason, int64_t ts)
{
	struct og_audit_event ev = {
		.ts = ts, .event = "auth", .result = strcmp(reason, "ok") ? "failure" : "success",
		.reason = reason, .user = user, .source = "127.0.0.1", .service = "sshd",
	};

	return ev;
}

/* A new token of user (in org) with parameters p, in state s, an HOTP one
 * at counter (the next code's); its id in t. */
static void add_token_of(struct fx *x, const char *user, const char *org, const char *serial,
			 const struct og_otp_params *p, int64_t counter, enum og_token_state s,
			 int64_t created, struct og_token *t)
{
	static const unsigned char secret[20] = "12345678901234567890";
	struct og_key dek;
	char dek_id[OG_ID_LEN + 1];

	assert_int_equal(og_store_user_ensure(x->st, user, org, created), OG_OK);
	assert_int_equal(og_token_dek(x->st, &x->master, org, created, dek_id, &dek), OG_OK);
	assert_int_equal(og_token_build(&dek, dek_id, user, serial, "virtual", secret, sizeof(secret),
					p, created, t), OG_OK);
	og_key_wipe(&dek);
	og_token_start(t, 0, counter);
	t->state = s;
	assert_int_equal(og_store_token_add(x->st, t), OG_OK);
}

/* A new TOTP token of user (in org), in state s; its id in t. */
static void add_token(struct fx *x, const char *user, const char *org, const char *serial,
		      enum og_token_state s, int64_t created, struct og_token *t)
{
	add_token_of(x, user, org, serial, &params, 0, s, created, t);
}

static void state_of(struct fx *x, const char *user, struct og_user_state *us)
{
	assert_int_equal(og_store_user_state(x->st, user, us), OG_OK);
}

static int64_t audit_count(struct fx *x)
{
	struct og_store_counts n;

	assert_int_equal(og_store_counts(x->st, &n), OG_OK);
	return n.audit;
}

static void trail_intact(struct og_store *st)
{
	struct og_trail_report rep;
	int r = og_trail_verify(st, &rep);

	if (r != OG_OK)
		fprintf(stderr, "audit verify: %s (entry %lld)\n", rep.why, (long long)rep.bad_id);
	assert_int_equal(r, OG_OK);
}

/* A code's step is claimed once: the watermark only moves up. */
static void test_replay_and_claim(void **state)
{
	struct fx *x = *state;
	struct og_audit_event ev = event("alice", "ok", 1000);
	struct og_user_state us;
	struct og_token t, b;

	add_token(x, "alice", "acme", "s-1", OG_TOKEN_ACTIVE, 900, &t);
	state_of(x, "alice", &us);
	assert_true(us.known);
	assert_string_equal(us.org, "acme");
	assert_int_equal(us.ntokens, 1);
	assert_int_equal(us.tokens[0].last_step, -1);
	assert_string_equal(us.tokens[0].serial, "s-1");
	assert_int_equal(og_store_login_accept(x->st, t.user, t.id, 100, 0, 0, &ev), OG_OK);
	assert_int_equal(og_store_login_accept(x->st, t.user, t.id, 100, 0, 0, &ev), OG_ERR_REPLAY);
	assert_int_equal(og_store_login_accept(x->st, t.user, t.id, 99, 0, 0, &ev), OG_ERR_REPLAY);
	ev.ts = 1030;
	assert_int_equal(og_store_login_accept(x->st, t.user, t.id, 101, 2, 0, &ev), OG_OK);
	assert_int_equal(og_store_login_accept(x->st, "alice", "no-such-token", 500, 0, 0, &ev), OG_ERR_REPLAY);
	/* another user's token is not alice's to log in with */
	add_token(x, "bob", "acme", "s-2", OG_TOKEN_ACTIVE, 900, &b);
	assert_int_equal(og_store_login_accept(x->st, "alice", b.id, 500, 0, 0, &ev), OG_ERR_REPLAY);
	state_of(x, "bob", &us);
	assert_int_equal(us.tokens[0].last_step, -1);
	og_store_user_state_wipe(&us);
	state_of(x, "alice", &us);
	assert_int_equal(us.tokens[0].last_step, 101);
	assert_int_equal(us.tokens[0].drift, 2);
	assert_int_equal(us.tokens[0].last_used, 1030);
	assert_int_equal(audit_count(x), 2);
	og_store_user_state_wipe(&us);
	trail_intact(x->st);
}

/* The SQLite store's WAL file, in bytes (-1: none). */
static long wal_bytes(const struct fx *x)
{
	char wal[1100];
	struct stat sb;

	snprintf(wal, sizeof(wal), "%s-wal", x->cfg.store_path);
	return stat(wal, &sb) == 0 ? (long)sb.st_size : -1;
}

#define FRAME_BYTES (4096 + 24)	/* a WAL frame of a 4 KiB page */

/* n logins accepted on token t from step first on (og_store_upkeep after
 * each with upkeep); the WAL's largest size in *most, and whether it ever
 * shrank in *shrank */
static void logins(struct fx *x, const struct og_token *t, int first, int n, int upkeep,
		   long *most, int *shrank)
{
	for (int i = 0; i < n; i++) {
		struct og_audit_event ev = event("alice", "ok", 1000 + 30 * (first + i));
		long now;

		assert_int_equal(og_store_login_accept(x->st, t->user, t->id, first + i, 0, 0, &ev), OG_OK);
		if (upkeep)
			og_store_upkeep(x->st);
		if (conninfo != NULL)
			continue;
		now = wal_bytes(x);
		*shrank |= now < *most;
		*most = now > *most ? now : *most;
	}
}

/* A store kept open between calls (otpgated): its commits are seen at
 * once by everyone, as a short-lived connection's are. On SQLite, a
 * short-lived connection truncates the WAL every few logins; a kept one
 * checkpoints only in og_store_upkeep and never truncates: later commits
 * overwrite what the WAL holds, so its file neither shrinks nor grows. */
static void test_kept_store(void **state)
{
	struct fx *x = *state;
	struct og_user_state us;
	struct og_token t;
	struct og_store *other;
	long most = 0, before;
	int shrank = 0;

	add_token(x, "alice", "acme", "s-1", OG_TOKEN_ACTIVE, 900, &t);
	logins(x, &t, 100, 60, 0, &most, &shrank);
	if (conninfo == NULL) {
		assert_true(shrank);
		assert_true(wal_bytes(x) <= 24 * FRAME_BYTES + 32);
	}
	og_store_keep(x->st);
	most = wal_bytes(x);
	shrank = 0;
	logins(x, &t, 200, 60, 0, &most, &shrank);
	if (conninfo == NULL)	/* no checkpoint without upkeep: the WAL grew */
		assert_true(most > 64 * FRAME_BYTES);
	assert_int_equal(og_store_open(&x->cfg, &x->log, 0, &other), OG_OK);
	assert_int_equal(og_store_user_state(other, "alice", &us), OG_OK);
	assert_int_equal(us.tokens[0].last_step, 259);
	og_store_user_state_wipe(&us);
	og_store_upkeep(x->st);
	before = most;
	logins(x, &t, 300, 200, 1, &most, &shrank);
	if (conninfo == NULL) {	/* started over from the top, never cut */
		assert_false(shrank);
		assert_int_equal(most, before);
	}
	assert_int_equal(og_store_user_state(other, "alice", &us), OG_OK);
	assert_int_equal(us.tokens[0].last_step, 499);
	og_store_user_state_wipe(&us);
	og_store_close(other);
	/* a WAL grown past 1 MiB (upkeep long held back) is cut back when
	 * started over */
	logins(x, &t, 500, 300, 0, &most, &shrank);
	if (conninfo == NULL)
		assert_true(most > 1048576);
	og_store_upkeep(x->st);
	logins(x, &t, 800, 1, 1, &most, &shrank);
	if (conninfo == NULL)
		assert_true(wal_bytes(x) <= 1048576);
	assert_int_equal(audit_count(x), 621);
	trail_intact(x->st);
}

/* An HOTP token: its kind and counter come back as stored, and a claim of
 * its counter is the TOTP watermark's: only ever up, each value once. */
static void test_hotp_claim(void **state)
{
	struct fx *x = *state;
	struct og_audit_event ev = event("hana", "ok", 1000);
	struct og_user_state us;
	struct og_token t, got;

	add_token_of(x, "hana", "acme", "h-1", &hotp, 5, OG_TOKEN_ACTIVE, 900, &t);
	state_of(x, "hana", &us);
	assert_int_equal(us.ntokens, 1);
	assert_int_equal(us.tokens[0].params.otp_kind, OG_OTP_HOTP);
	assert_int_equal(us.tokens[0].last_step, 4);
	assert_int_equal(og_token_counter(&us.tokens[0]), 5);
	/* the next code was counter 7 (5 and 6 pressed away): 7 is claimed, 5..7 are spent */
	assert_int_equal(og_store_login_accept(x->st, t.user, t.id, 7, 0, 0, &ev), OG_OK);
	assert_int_equal(og_store_login_accept(x->st, t.user, t.id, 7, 0, 0, &ev), OG_ERR_REPLAY);
	assert_int_equal(og_store_login_accept(x->st, t.user, t.id, 5, 0, 0, &ev), OG_ERR_REPLAY);
	ev.ts = 1001;
	assert_int_equal(og_store_login_accept(x->st, t.user, t.id, 8, 0, 0, &ev), OG_OK);
	assert_int_equal(og_store_token_get(x->st, "h-1", &got), OG_OK);
	assert_int_equal(got.params.otp_kind, OG_OTP_HOTP);
	assert_int_equal(got.last_step, 8);
	assert_int_equal(og_token_counter(&got), 9);
	assert_int_equal(got.last_used, 1001);
	/* a resync moves the counter on, never back */
	assert_int_equal(og_store_token_resync(x->st, t.id, 0, 20), OG_OK);
	assert_int_equal(og_store_token_resync(x->st, t.id, 0, 12), OG_OK);
	assert_int_equal(og_store_token_get(x->st, "h-1", &got), OG_OK);
	assert_int_equal(got.last_step, 20);
	assert_int_equal(og_store_login_accept(x->st, t.user, t.id, 20, 0, 0, &ev), OG_ERR_REPLAY);
	assert_int_equal(audit_count(x), 2);
	og_store_user_state_wipe(&us);
	trail_intact(x->st);
}

/*
 * N processes, each with its own connection, claim the same HOTP counter
 * at once, as N bastions would with one code: exactly one has it, the
 * others are told it is spent.
 */
static void test_hotp_claim_race(void **state)
{
	enum { N = 8 };
	struct fx *x = *state;
	struct og_token t;
	pid_t pids[N];
	int won = 0, replay = 0;

	add_token_of(x, "ivo", "acme", "h-race", &hotp, 0, OG_TOKEN_ACTIVE, 900, &t);
	for (int i = 0; i < N; i++) {
		if ((pids[i] = fork()) == 0) {
			struct og_audit_event ev = event("ivo", "ok", 1000 + i);
			struct og_store *st;
			int r = og_store_open(&x->cfg, &x->log, 0, &st);
			if (r == OG_OK)
				r = og_store_login_accept(st, t.user, t.id, 3, 0, 0, &ev);
			_exit(r == OG_OK ? 0 : r == OG_ERR_REPLAY ? 1 : 2);
		}
		assert_true(pids[i] > 0);
	}
	for (int i = 0; i < N; i++) {
		int st = 0;
		assert_int_equal(waitpid(pids[i], &st, 0), pids[i]);
		assert_true(WIFEXITED(st));
		won += WEXITSTATUS(st) == 0;
		replay += WEXITSTATUS(st) == 1;
	}
	assert_int_equal(won, 1);
	assert_int_equal(replay, N - 1);
	assert_int_equal(audit_count(x), 1);
	trail_intact(x->st);
}

/* An invitation of user (in org) with hash {h, h, ...}, valid 900..1900. */
static void add_invite(struct fx *x, const char *user, const char *org, unsigned char h)
{
	struct og_invite inv = { .kind = OG_OTP_TOTP, .created = 900, .expires = 1900 };

	snprintf(inv.user, sizeof(inv.user), "%s", user);
	memset(inv.hash, h, sizeof(inv.hash));
	assert_int_equal(og_store_user_ensure(x->st, user, org, 900), OG_OK);
	assert_int_equal(og_store_invite_put(x->st, &inv), OG_OK);
}

/* A pending token of user, as a login taking an invitation makes it. */
static void new_device(struct fx *x, const char *user, const char *org, const char *serial,
		       struct og_token *t)
{
	static const unsigned char secret[20] = "abcdefghijklmnopqrst";
	struct og_key dek;
	char dek_id[OG_ID_LEN + 1];

	assert_int_equal(og_token_dek(x->st, &x->master, org, 1000, dek_id, &dek), OG_OK);
	assert_int_equal(og_token_build(&dek, dek_id, user, serial, "virtual", secret,
					sizeof(secret), &params, 1000, t), OG_OK);
	og_key_wipe(&dek);
	t->state = OG_TOKEN_PENDING;
}

static struct og_audit_event enrol_event(const char *user, const char *result, int64_t ts)
{
	struct og_audit_event ev = event(user, "invite", ts);

	ev.event = "enrol";
	ev.result = result;
	return ev;
}

/*
 * Invitations: one per user, read back whole; taken once, by the right
 * hash, before it expires, with the token it makes (both or neither);
 * the token activated by a claim that clears the failures; revoked only
 * while not taken.
 */
static void test_invitations(void **state)
{
	struct fx *x = *state;
	struct og_audit_event ev = enrol_event("ivy", "pending", 1000);
	unsigned char right[OG_INVITE_HASH], wrong[OG_INVITE_HASH];
	struct og_invite got;
	struct og_user_state us;
	struct og_token t, t2, back;
	struct og_fail f = { NULL, -1, OG_COUNT_ONE, 0, 0 };

	memset(right, 7, sizeof(right));
	memset(wrong, 8, sizeof(wrong));
	add_invite(x, "ivy", "acme", 7);
	assert_int_equal(og_store_invite_get(x->st, "ivy", &got), OG_OK);
	assert_string_equal(got.org, "acme");
	assert_memory_equal(got.hash, right, sizeof(right));
	assert_int_equal(got.kind, OG_OTP_TOTP);
	assert_int_equal(got.expires, 1900);
	assert_int_equal(got.used, 0);
	assert_string_equal(got.token, "");
	assert_int_equal(og_store_invite_get(x->st, "nobody", &got), OG_ERR_NOTFOUND);
	new_device(x, "ivy", "acme", "v-ivy", &t);
	/* a wrong hash, or too late: nothing taken, no token, nothing appended */
	assert_int_equal(og_store_invite_take(x->st, "ivy", wrong, &t, &ev), OG_ERR_REPLAY);
	ev.ts = 1900;
	assert_int_equal(og_store_invite_take(x->st, "ivy", right, &t, &ev), OG_ERR_REPLAY);
	assert_int_equal(og_store_token_get(x->st, "v-ivy", &back), OG_ERR_NOTFOUND);
	assert_int_equal(audit_count(x), 0);
	/* a failure before: kept by the take, cleared by the activation */
	ev = event("ivy", "bad-invitation", 1001);
	assert_int_equal(og_store_login_fail(x->st, "ivy", &lockout, &ev, &f), OG_OK);
	ev = enrol_event("ivy", "pending", 1002);
	assert_int_equal(og_store_invite_take(x->st, "ivy", right, &t, &ev), OG_OK);
	assert_int_equal(og_store_invite_get(x->st, "ivy", &got), OG_OK);
	assert_int_equal(got.used, 1002);
	assert_string_equal(got.token, "v-ivy");
	assert_int_equal(og_store_token_get(x->st, "v-ivy", &back), OG_OK);
	assert_int_equal(back.state, OG_TOKEN_PENDING);
	/* taken once: the same again, with another token, is refused */
	new_device(x, "ivy", "acme", "v-ivy2", &t2);
	assert_int_equal(og_store_invite_take(x->st, "ivy", right, &t2, &ev), OG_ERR_REPLAY);
	assert_int_equal(og_store_token_get(x->st, "v-ivy2", &back), OG_ERR_NOTFOUND);
	assert_int_equal(og_store_invite_revoke(x->st, "ivy"), OG_ERR_NOTFOUND);
	state_of(x, "ivy", &us);
	assert_int_equal(us.ntokens, 0);
	assert_int_equal(us.has_failures, 1);
	ev = enrol_event("ivy", "success", 1030);
	assert_int_equal(og_store_enrol_activate(x->st, t.id, 34, 0, &ev), OG_OK);
	assert_int_equal(og_store_enrol_activate(x->st, t.id, 35, 0, &ev), OG_ERR_REPLAY);
	state_of(x, "ivy", &us);
	assert_int_equal(us.ntokens, 1);
	assert_int_equal(us.tokens[0].last_step, 34);
	assert_int_equal(us.has_failures, 0);
	assert_int_equal(og_store_token_discard(x->st, t.id), OG_ERR_NOTFOUND);
	assert_int_equal(audit_count(x), 3);
	/* a new invitation replaces the old; it is not taken while the user
	 * has an active token; an open one is revoked */
	add_invite(x, "ivy", "acme", 9);
	assert_int_equal(og_store_invite_get(x->st, "ivy", &got), OG_OK);
	assert_int_equal(got.used, 0);
	assert_int_equal(got.hash[0], 9);
	memset(right, 9, sizeof(right));
	ev = enrol_event("ivy", "pending", 1040);
	assert_int_equal(og_store_invite_take(x->st, "ivy", right, &t2, &ev), OG_ERR_REPLAY);
	assert_int_equal(og_store_token_get(x->st, "v-ivy2", &back), OG_ERR_NOTFOUND);
	/* a row put from anywhere (migrate-store) names its token by a serial */
	for (size_t i = 0; i < 3; i++) {
		static const char *const bad[] = { "v-\"}", "v-\x1b[2J", "-v" };
		struct og_invite odd = got;
		snprintf(odd.token, sizeof(odd.token), "%s", bad[i]);
		odd.used = 1040;
		assert_int_equal(og_store_invite_put(x->st, &odd), OG_ERR_INVALID);
	}
	assert_int_equal(og_store_invite_revoke(x->st, "ivy"), OG_OK);
	assert_int_equal(og_store_invite_get(x->st, "ivy", &got), OG_ERR_NOTFOUND);
	og_store_user_state_wipe(&us);
	trail_intact(x->st);
}

/* A pending token is deleted; a locked or removed user takes nothing and
 * activates nothing. */
static void test_invitation_barred(void **state)
{
	struct fx *x = *state;
	struct og_audit_event ev = event("jo", "bad-code", 1000);
	unsigned char right[OG_INVITE_HASH];
	struct og_token t, back;
	struct og_fail f = { NULL, -1, OG_COUNT_ONE, 0, 0 };

	memset(right, 3, sizeof(right));
	add_invite(x, "jo", "acme", 3);
	new_device(x, "jo", "acme", "v-jo", &t);
	for (int i = 0; i < 3; i++) {
		ev.ts = 1000 + i;
		assert_int_equal(og_store_login_fail(x->st, "jo", &lockout, &ev, &f), OG_OK);
	}
	ev = enrol_event("jo", "pending", 1005);
	assert_int_equal(og_store_invite_take(x->st, "jo", right, &t, &ev), OG_ERR_LOCKED);
	assert_int_equal(og_store_token_get(x->st, "v-jo", &back), OG_ERR_NOTFOUND);
	assert_int_equal(og_store_unlock(x->st, "jo"), OG_OK);
	assert_int_equal(og_store_invite_take(x->st, "jo", right, &t, &ev), OG_OK);
	assert_int_equal(og_store_user_remove(x->st, "jo", 1010), OG_OK);
	ev = enrol_event("jo", "success", 1020);
	assert_int_equal(og_store_enrol_activate(x->st, t.id, 34, 0, &ev), OG_ERR_REMOVED);
	assert_int_equal(og_store_token_discard(x->st, t.id), OG_OK);
	assert_int_equal(og_store_token_get(x->st, "v-jo", &back), OG_ERR_NOTFOUND);
	trail_intact(x->st);
}

/*
 * N processes, each with its own connection, take the same invitation at
 * once, as two sessions typing one code would: exactly one has it (and
 * its token), the others are told it is taken.
 */
static void test_invitation_race(void **state)
{
	enum { N = 6 };
	struct fx *x = *state;
	unsigned char right[OG_INVITE_HASH];
	struct og_token t;
	pid_t pids[N];
	int won = 0, taken = 0;

	memset(right, 5, sizeof(right));
	add_invite(x, "kai", "acme", 5);
	new_device(x, "kai", "acme", "v-kai", &t);	/* the data key made before */
	for (int i = 0; i < N; i++) {
		if ((pids[i] = fork()) == 0) {
			struct og_audit_event ev = enrol_event("kai", "pending", 1000 + i);
			struct og_store *st;
			char serial[32];
			int r = og_store_open(&x->cfg, &x->log, 0, &st);
			snprintf(serial, sizeof(serial), "v-kai-%d", i);
			snprintf(t.serial, sizeof(t.serial), "%s", serial);
			if (r == OG_OK)
				r = og_random_id(t.id);
			if (r == OG_OK)
				r = og_store_invite_take(st, "kai", right, &t, &ev);
			_exit(r == OG_OK ? 0 : r == OG_ERR_REPLAY ? 1 : 2);
		}
		assert_true(pids[i] > 0);
	}
	for (int i = 0; i < N; i++) {
		int st = 0;
		assert_int_equal(waitpid(pids[i], &st, 0), pids[i]);
		assert_true(WIFEXITED(st));
		won += WEXITSTATUS(st) == 0;
		taken += WEXITSTATUS(st) == 1;
	}
	assert_int_equal(won, 1);
	assert_int_equal(taken, N - 1);
	{
		struct og_user_state us;
		struct og_invite got;
		int pending = 0;
		for (int i = 0; i < N; i++) {
			struct og_token back;
			char serial[32];
			snprintf(serial, sizeof(serial), "v-kai-%d", i);
			pending += og_store_token_get(x->st, serial, &back) == OG_OK;
		}
		assert_int_equal(pending, 1);
		assert_int_equal(og_store_invite_get(x->st, "kai", &got), OG_OK);
		assert_true(got.used >= 1000);
		state_of(x, "kai", &us);
		og_store_user_state_wipe(&us);
	}
	assert_int_equal(audit_count(x), 1);
	trail_intact(x->st);
}

/*
 * The first token of an organisation made by N logins at once (users
 * enrolling with their invitations): one data key is made, and every
 * one of them gets it.
 */
static void test_first_data_key_race(void **state)
{
	enum { N = 6 };
	struct fx *x = *state;
	char id[OG_ID_LEN + 1];
	unsigned char wrapped[OG_WRAPPED_DEK_LEN];
	pid_t pids[N];
	int ok = 0;

	for (int i = 0; i < N; i++) {
		if ((pids[i] = fork()) == 0) {
			struct og_store *st;
			struct og_key dek;
			char dek_id[OG_ID_LEN + 1];
			int r = og_store_open(&x->cfg, &x->log, 0, &st);
			if (r == OG_OK)
				r = og_token_dek(st, &x->master, "newco", 1000, dek_id, &dek);
			_exit(r == OG_OK ? 0 : 1);
		}
		assert_true(pids[i] > 0);
	}
	for (int i = 0; i < N; i++) {
		int st = 0;
		assert_int_equal(waitpid(pids[i], &st, 0), pids[i]);
		ok += WIFEXITED(st) && WEXITSTATUS(st) == 0;
	}
	assert_int_equal(ok, N);
	assert_int_equal(og_store_dek_get(x->st, "newco", id, wrapped), OG_OK);
}

/* Only active tokens log in; activate, resync and revoke move states once. */
static void test_token_states_and_drift(void **state)
{
	struct fx *x = *state;
	struct og_audit_event ev = event("bob", "ok", 2000);
	struct og_token p, a, got;
	struct og_user_state us;
	int64_t n;

	add_token(x, "bob", "acme", "s-p", OG_TOKEN_PENDING, 1000, &p);
	add_token(x, "bob", "acme", "s-a", OG_TOKEN_ACTIVE, 1001, &a);
	assert_int_equal(og_store_token_add(x->st, &a), OG_ERR_EXISTS);
	state_of(x, "bob", &us);
	assert_int_equal(us.ntokens, 1);
	assert_string_equal(us.tokens[0].serial, "s-a");
	assert_int_equal(og_store_login_accept(x->st, p.user, p.id, 10, 0, 0, &ev), OG_ERR_REPLAY);
	assert_int_equal(og_store_token_activate(x->st, p.id, 50, -1), OG_OK);
	assert_int_equal(og_store_token_activate(x->st, p.id, 50, -1), OG_ERR_NOTFOUND);
	assert_int_equal(og_store_token_resync(x->st, p.id, 3, 40), OG_OK);
	assert_int_equal(og_store_token_get(x->st, "s-p", &got), OG_OK);
	assert_int_equal(got.state, OG_TOKEN_ACTIVE);
	assert_int_equal(got.drift, 3);
	assert_int_equal(got.last_step, 50);
	assert_int_equal(og_store_token_resync(x->st, p.id, -2, 60), OG_OK);
	assert_int_equal(og_store_token_get(x->st, "s-p", &got), OG_OK);
	assert_int_equal(got.last_step, 60);
	assert_int_equal(got.drift, -2);
	assert_int_equal(got.params.digits, 6);
	assert_int_equal(got.params.period, 30);
	assert_string_equal(got.dek_org, "acme");
	assert_int_equal(og_store_token_revoke(x->st, "s-p"), OG_OK);
	assert_int_equal(og_store_token_revoke(x->st, "s-p"), OG_ERR_NOTFOUND);
	assert_int_equal(og_store_token_resync(x->st, p.id, 1, 70), OG_ERR_NOTFOUND);
	assert_int_equal(og_store_token_get(x->st, "no-such", &got), OG_ERR_NOTFOUND);
	assert_int_equal(og_store_token_count(x->st, OG_TOKEN_ACTIVE, 1002, &n), OG_OK);
	assert_int_equal(n, 1);
	assert_int_equal(og_store_token_count(x->st, OG_TOKEN_REVOKED, 1001, &n), OG_OK);
	assert_int_equal(n, 1);
	og_store_user_state_wipe(&us);
}

/* Failures count within the interval, lock at the limit, and bar claims. */
static void test_failures_and_lock(void **state)
{
	struct fx *x = *state;
	struct og_audit_event ev = event("carol", "bad-code", 1000);
	struct og_user_state us;
	struct og_token t;
	struct og_fail f = { NULL, -1, OG_COUNT_ONE, 0, 0 };

	add_token(x, "carol", "acme", "s-c", OG_TOKEN_ACTIVE, 900, &t);
	state_of(x, "carol", &us);
	assert_int_equal(us.has_failures, 0);
	assert_int_equal(og_store_login_fail(x->st, "carol", &lockout, &ev, &f), OG_OK);
	assert_int_equal(f.counted, OG_COUNT_ONE);
	assert_int_equal(f.locked_until, 0);
	state_of(x, "carol", &us);
	assert_int_equal(us.has_failures, 1);
	assert_int_equal(us.locked_until, 0);
	ev.ts = 1001;
	assert_int_equal(og_store_login_fail(x->st, "carol", &lockout, &ev, &f), OG_OK);
	ev.ts = 1002;
	assert_int_equal(og_store_login_fail(x->st, "carol", &lockout, &ev, &f), OG_OK);
	assert_int_equal(f.counted, OG_COUNT_LOCKED);
	assert_int_equal(f.locked_until, 1602);
	state_of(x, "carol", &us);
	assert_int_equal(us.locked_until, 1602);
	/* locked: neither a failure nor a success is claimed, nothing appended */
	ev.ts = 1003;
	assert_int_equal(og_store_login_fail(x->st, "carol", &lockout, &ev, &f),
			 OG_ERR_LOCKED);
	ev.reason = "ok";
	assert_int_equal(og_store_login_accept(x->st, t.user, t.id, 5, 0, 0, &ev), OG_ERR_LOCKED);
	assert_int_equal(audit_count(x), 3);
	/* after the lock: a success clears the record */
	ev.ts = 1700;
	assert_int_equal(og_store_login_accept(x->st, t.user, t.id, 5, 0, 0, &ev), OG_OK);
	state_of(x, "carol", &us);
	assert_int_equal(us.has_failures, 0);
	assert_int_equal(us.locked_until, 0);
	og_store_user_state_wipe(&us);
}

/* Failures further apart than the interval start over; a lock for good;
 * unlock; a failure without a user is only appended. */
static void test_lock_for_good_and_unlock(void **state)
{
	struct fx *x = *state;
	const struct og_lockout forever = { 2, 100, 0, 0 };
	struct og_audit_event ev = event("dave", "bad-code", 1000);
	struct og_user_state us;
	struct og_fail f = { NULL, -1, OG_COUNT_ONE, 0, 0 };

	assert_int_equal(og_store_user_ensure(x->st, "dave", "", 900), OG_OK);
	assert_int_equal(og_store_login_fail(x->st, "dave", &forever, &ev, &f), OG_OK);
	ev.ts = 1200;
	assert_int_equal(og_store_login_fail(x->st, "dave", &forever, &ev, &f), OG_OK);
	assert_int_equal(f.counted, OG_COUNT_ONE);
	ev.ts = 1201;
	assert_int_equal(og_store_login_fail(x->st, "dave", &forever, &ev, &f), OG_OK);
	assert_int_equal(f.counted, OG_COUNT_LOCKED);
	assert_true(f.locked_until == INT64_MAX);
	state_of(x, "dave", &us);
	assert_true(us.locked_until == INT64_MAX);
	assert_int_equal(og_store_unlock(x->st, "dave"), OG_OK);
	state_of(x, "dave", &us);
	assert_int_equal(us.locked_until, 0);
	assert_int_equal(us.has_failures, 0);
	ev.user = NULL;
	assert_int_equal(og_store_login_fail(x->st, NULL, &forever, &ev, &f), OG_OK);
	assert_int_equal(audit_count(x), 4);
	og_store_user_state_wipe(&us);
	trail_intact(x->st);
}

/* Recovery codes: a set replaces the last, each code is claimed once. */
static void test_recovery_codes(void **state)
{
	struct fx *x = *state;
	char codes[OG_RECOVERY_CODES][OG_RECOVERY_LEN + 2];
	struct og_audit_event ev = event("erin", "recovery", 1000);
	struct og_recovery_set set, got;
	struct og_user_state us;
	struct og_fail f = { NULL, -1, OG_COUNT_ONE, 0, 0 };

	assert_int_equal(og_store_user_ensure(x->st, "erin", "acme", 900), OG_OK);
	assert_int_equal(og_recovery_generate(codes, &set), OG_OK);
	assert_int_equal(og_store_recovery_set(x->st, "erin", &set, 950), OG_OK);
	assert_int_equal(og_store_recovery_get(x->st, "erin", &got), OG_OK);
	assert_int_equal(got.n, OG_RECOVERY_CODES);
	assert_memory_equal(got.salt, set.salt, sizeof(set.salt));
	assert_memory_equal(got.hash[3], set.hash[3], OG_RECOVERY_HASH);
	assert_int_equal(og_recovery_match(&got, codes[3]), 3);
	ev.reason = "bad-code";
	assert_int_equal(og_store_login_fail(x->st, "erin", &lockout, &ev, &f), OG_OK);
	ev.reason = "recovery";
	assert_int_equal(og_store_recovery_use(x->st, "erin", got.idx[3], &ev), OG_OK);
	assert_int_equal(og_store_recovery_use(x->st, "erin", got.idx[3], &ev), OG_ERR_REPLAY);
	state_of(x, "erin", &us);
	assert_int_equal(us.has_failures, 0);
	assert_int_equal(og_store_recovery_get(x->st, "erin", &got), OG_OK);
	assert_true(got.used[3]);
	assert_false(got.used[4]);
	assert_int_equal(og_store_recovery_set(x->st, "erin", &set, 960), OG_OK);
	assert_int_equal(og_store_recovery_get(x->st, "erin", &got), OG_OK);
	assert_false(got.used[3]);
	assert_int_equal(og_store_user_remove(x->st, "erin", 970), OG_OK);
	assert_int_equal(og_store_recovery_use(x->st, "erin", got.idx[4], &ev), OG_ERR_REMOVED);
	og_store_user_state_wipe(&us);
}

static int last_row(void *arg, const struct og_audit_row *row)
{
	struct og_audit_row *out = arg;

	*out = *row;
	out->ev.user = row->ev.user ? strdup(row->ev.user) : NULL;
	out->ev.detail = row->ev.detail ? strdup(row->ev.detail) : NULL;
	out->ev.reason = row->ev.reason ? strdup(row->ev.reason) : NULL;
	return 0;
}

static void row_free(struct og_audit_row *row)
{
	free((char *)row->ev.user);
	free((char *)row->ev.detail);
	free((char *)row->ev.reason);
	memset(row, 0, sizeof(*row));
}

/* lockout.mode "step-up": the failure that reaches max_failures begins
 * failure mode; a claim of one code is then refused (nothing changed or
 * appended), failures still count but begin nothing again, and the
 * claim of a second consecutive code, or a recovery code, ends it. */
static void test_failure_mode(void **state)
{
	struct fx *x = *state;
	const struct og_lockout step_up = { 3, 300, 600, 1 };
	struct og_audit_event ev = event("mia", "bad-code", 1000), ok = event("mia", "ok", 1010);
	struct og_fail f = { NULL, -1, OG_COUNT_ONE, 0, 0 };
	char codes[OG_RECOVERY_CODES][OG_RECOVERY_LEN + 2];
	struct og_recovery_set set;
	struct og_user_state us;
	struct og_token t;

	add_token(x, "mia", "acme", "s-m", OG_TOKEN_ACTIVE, 900, &t);
	for (int i = 0; i < 3; i++) {
		ev.ts = 1000 + i;
		assert_int_equal(og_store_login_fail(x->st, "mia", &step_up, &ev, &f), OG_OK);
	}
	assert_int_equal(f.counted, OG_COUNT_FAILURE_MODE);
	assert_int_equal(f.failure_mode_until, 1602);
	assert_int_equal(f.locked_until, 0);
	state_of(x, "mia", &us);
	assert_int_equal(us.failure_mode_until, 1602);
	assert_int_equal(us.locked_until, 0);
	/* one code is not enough; failures go on counting, beginning nothing */
	assert_int_equal(og_store_login_accept(x->st, t.user, t.id, 50, 0, 0, &ok), OG_ERR_FAILURE_MODE);
	for (int i = 0; i < 3; i++) {
		ev.ts = 1020 + i;
		assert_int_equal(og_store_login_fail(x->st, "mia", &step_up, &ev, &f), OG_OK);
		assert_int_equal(f.counted, OG_COUNT_ONE);
		assert_int_equal(f.failure_mode_until, 1602);
	}
	assert_int_equal(audit_count(x), 6);
	state_of(x, "mia", &us);
	assert_int_equal(us.tokens[0].last_step, -1);
	/* the first of two codes is spent, without a login or an entry */
	assert_int_equal(og_store_step_spend(x->st, t.id, 50), OG_OK);
	assert_int_equal(og_store_step_spend(x->st, t.id, 50), OG_ERR_REPLAY);
	assert_int_equal(og_store_login_accept(x->st, t.user, t.id, 50, 0, 1, &ok), OG_ERR_REPLAY);
	state_of(x, "mia", &us);
	assert_int_equal(us.tokens[0].last_step, 50);
	assert_int_equal(us.failure_mode_until, 1602);
	assert_int_equal(audit_count(x), 6);
	/* the second of two codes passes, and ends failure mode */
	ok.ts = 1030;
	assert_int_equal(og_store_login_accept(x->st, t.user, t.id, 51, 0, 1, &ok), OG_OK);
	state_of(x, "mia", &us);
	assert_int_equal(us.failure_mode_until, 0);
	assert_int_equal(us.has_failures, 0);
	assert_int_equal(us.tokens[0].last_step, 51);
	/* again, ended by a recovery code; then by unlock */
	for (int i = 0; i < 3; i++) {
		ev.ts = 1100 + i;
		assert_int_equal(og_store_login_fail(x->st, "mia", &step_up, &ev, &f), OG_OK);
	}
	assert_int_equal(f.counted, OG_COUNT_FAILURE_MODE);
	assert_int_equal(og_recovery_generate(codes, &set), OG_OK);
	assert_int_equal(og_store_recovery_set(x->st, "mia", &set, 1100), OG_OK);
	ok.ts = 1110;
	assert_int_equal(og_store_recovery_use(x->st, "mia", set.idx[0], &ok), OG_OK);
	state_of(x, "mia", &us);
	assert_int_equal(us.failure_mode_until, 0);
	for (int i = 0; i < 3; i++) {
		ev.ts = 1200 + i;
		assert_int_equal(og_store_login_fail(x->st, "mia", &step_up, &ev, &f), OG_OK);
	}
	assert_int_equal(og_store_unlock(x->st, "mia"), OG_OK);
	state_of(x, "mia", &us);
	assert_int_equal(us.failure_mode_until, 0);
	ok.ts = 1210;
	assert_int_equal(og_store_login_accept(x->st, t.user, t.id, 60, 0, 0, &ok), OG_OK);
	og_store_user_state_wipe(&us);
	trail_intact(x->st);
}

/* A replay of the token's last accepted step counts once per step (read
 * with the failure, in its transaction); the entry says when it did not.
 * Replays of older steps, and other failures, count each time. */
static void test_replay_rule(void **state)
{
	struct fx *x = *state;
	struct og_audit_event ev = event("nina", "ok", 1000);
	struct og_audit_row row = { 0 };
	struct og_fail f = { NULL, -1, OG_COUNT_ONE, 0, 0 };
	struct og_user_state us;
	struct og_token t;

	add_token(x, "nina", "acme", "s-n", OG_TOKEN_ACTIVE, 900, &t);
	assert_int_equal(og_store_login_accept(x->st, t.user, t.id, 100, 0, 0, &ev), OG_OK);
	f.replay_token = t.id;
	f.replay_step = 100;
	for (int i = 0; i < 5; i++) {
		ev = event("nina", "replay", 1001 + i);
		assert_int_equal(og_store_login_fail(x->st, "nina", &lockout, &ev, &f), OG_OK);
		assert_int_equal(f.counted, i == 0 ? OG_COUNT_ONE : OG_COUNT_SKIPPED);
		if (i == 0)
			assert_null(ev.detail);
		else
			assert_string_equal(ev.detail, OG_FAIL_NOT_COUNTED);
	}
	assert_int_equal(og_store_audit_last(x->st, "replay", last_row, &row), OG_OK);
	assert_string_equal(row.ev.detail, OG_FAIL_NOT_COUNTED);
	row_free(&row);
	assert_int_equal(audit_count(x), 6);
	state_of(x, "nina", &us);
	assert_int_equal(us.locked_until, 0);
	/* an older step than the last accepted one counts each time */
	f.replay_step = 99;
	ev = event("nina", "replay", 1010);
	assert_int_equal(og_store_login_fail(x->st, "nina", &lockout, &ev, &f), OG_OK);
	assert_int_equal(f.counted, OG_COUNT_ONE);
	ev = event("nina", "replay", 1011);
	assert_int_equal(og_store_login_fail(x->st, "nina", &lockout, &ev, &f), OG_OK);
	assert_int_equal(f.counted, OG_COUNT_LOCKED);
	og_store_user_state_wipe(&us);
	trail_intact(x->st);
}

/* Sessions: recorded, listed by user, by bastion and all (with the
 * user's organisation), read, forgotten; a value that would not come back
 * whole, or is not of a session's shape (store.h), is refused; erase takes a person's sessions with the rest. */
static struct og_session_row session(const char *id, const char *user, const char *host,
				     int64_t pid, int64_t started)
{
	struct og_session_row s = { .pid = pid, .pid_start = 4242, .started = started };

	og_copy(s.id, sizeof(s.id), id);
	og_copy(s.user, sizeof(s.user), user);
	og_copy(s.source, sizeof(s.source), "192.0.2.1");
	og_copy(s.host, sizeof(s.host), host);
	og_copy(s.service, sizeof(s.service), "sshd");
	og_copy(s.tty, sizeof(s.tty), "/dev/pts/3");
	og_copy(s.boot_id, sizeof(s.boot_id), "0b1d2c3e-4f50-6172-8394-a5b6c7d8e9f0");
	return s;
}

struct sessions {
	struct og_session_row v[4];
	int n;
};

static int collect_session(void *arg, const struct og_session_row *s)
{
	struct sessions *ss = arg;

	if (ss->n < 4)
		ss->v[ss->n++] = *s;
	return 0;
}

static void test_sessions(void **state)
{
	struct fx *x = *state;
	struct og_session_row a = session("0123456789abcdef0123456789abcdef", "olly", "bastion-a", 100,
					  2000),
		b = session("fedcba9876543210fedcba9876543210", "olly", "bastion-b", 200, 2100),
		c = session("00000000000000000000000000000001", "pat", "bastion-a", 300, 2200), got;
	struct og_audit_event er = { .ts = 3000, .event = "admin", .result = "success",
				     .reason = "erase", .user = "pat", .actor = "root" };
	char pseudonym[OG_SUBJECT_LEN + 1];
	struct sessions ss = { .n = 0 };
	struct og_session_row bad = a;
	struct og_token t;

	add_token(x, "olly", "acme", "s-o", OG_TOKEN_ACTIVE, 900, &t);
	add_token(x, "pat", "globex", "s-p", OG_TOKEN_ACTIVE, 900, &t);
	assert_int_equal(og_store_session_add(x->st, &a), OG_OK);
	assert_int_equal(og_store_session_add(x->st, &b), OG_OK);
	assert_int_equal(og_store_session_add(x->st, &c), OG_OK);
	assert_int_equal(og_store_session_add(x->st, &a), OG_ERR_EXISTS);
	og_copy(bad.id, sizeof(bad.id), "not an id");
	assert_int_equal(og_store_session_add(x->st, &bad), OG_ERR_INVALID);
	bad = a;
	og_copy(bad.host, sizeof(bad.host), "-oProxyCommand");
	assert_int_equal(og_store_session_add(x->st, &bad), OG_ERR_INVALID);
	/* what reaches a terminal is printable, and a pid a process's: each
	 * refused with an id of its own (a taken one alone would be refused) */
	bad = a;
	og_copy(bad.id, sizeof(bad.id), "0000000000000000000000000000000b");
	og_copy(bad.tty, sizeof(bad.tty), "\x1b]0;owned\x07");
	assert_int_equal(og_store_session_add(x->st, &bad), OG_ERR_INVALID);
	og_copy(bad.tty, sizeof(bad.tty), a.tty);
	og_copy(bad.service, sizeof(bad.service), "sshd\notpgate: all is well");
	assert_int_equal(og_store_session_add(x->st, &bad), OG_ERR_INVALID);
	og_copy(bad.service, sizeof(bad.service), a.service);
	og_copy(bad.source, sizeof(bad.source), "192.0.2.1 -x");
	assert_int_equal(og_store_session_add(x->st, &bad), OG_ERR_INVALID);
	og_copy(bad.source, sizeof(bad.source), a.source);
	bad.pid = 1;
	assert_int_equal(og_store_session_add(x->st, &bad), OG_ERR_INVALID);
	bad.pid = a.pid;
	assert_int_equal(og_store_session_add(x->st, &bad), OG_OK);
	assert_int_equal(og_store_session_del(x->st, bad.id), OG_OK);
	assert_int_equal(og_store_session_get(x->st, b.id, &got), OG_OK);
	assert_string_equal(got.host, "bastion-b");
	assert_string_equal(got.tty, "/dev/pts/3");
	assert_string_equal(got.boot_id, b.boot_id);
	assert_int_equal(got.pid, 200);
	assert_int_equal(got.pid_start, 4242);
	assert_int_equal(got.started, 2100);
	assert_int_equal(og_store_session_list(x->st, "olly", collect_session, &ss), OG_OK);
	assert_int_equal(ss.n, 2);
	assert_string_equal(ss.v[0].id, a.id);
	assert_string_equal(ss.v[1].id, b.id);
	ss.n = 0;
	assert_int_equal(og_store_session_list_on(x->st, "bastion-a", collect_session, &ss), OG_OK);
	assert_int_equal(ss.n, 2);
	assert_string_equal(ss.v[1].user, "pat");
	ss.n = 0;
	assert_int_equal(og_store_session_list(x->st, NULL, collect_session, &ss), OG_OK);
	assert_int_equal(ss.n, 3);
	assert_string_equal(ss.v[0].org, "acme");
	assert_string_equal(ss.v[2].org, "globex");
	assert_int_equal(og_store_session_del(x->st, a.id), OG_OK);
	assert_int_equal(og_store_session_del(x->st, a.id), OG_ERR_NOTFOUND);
	assert_int_equal(og_store_session_get(x->st, a.id, &got), OG_ERR_NOTFOUND);
	/* a person's sessions go with their erasure */
	assert_int_equal(og_store_erase(x->st, "pat", &er, pseudonym), OG_OK);
	assert_int_equal(og_store_session_get(x->st, c.id, &got), OG_ERR_NOTFOUND);
	assert_int_equal(og_store_session_get(x->st, b.id, &got), OG_OK);
}

/* Users and organisations: removed, restored, purged for good. */
static void test_org_remove_restore_purge(void **state)
{
	struct fx *x = *state;
	struct og_audit_event ev = event("a2", "ok", 5100);
	struct og_access_key k = { .id = "k1", .user = "a2", .org = "acme", .type = "ssh-ed25519",
				   .pubkey = "ssh-ed25519 AAAA", .fingerprint = "SHA256:k1",
				   .origin = "added", .state = OG_ACCESS_KEY_ACTIVE, .not_after = 99999 };
	struct og_session_row s1 = session("11111111111111111111111111111111", "a1", "bastion-a",
					   100, 1000);
	struct og_token a1, a2, b1;
	struct og_user_state us;
	unsigned char wrapped[OG_WRAPPED_DEK_LEN];
	char dek_id[OG_ID_LEN + 1];
	int64_t users, orgs, at;

	add_token(x, "a1", "acme", "s-a1", OG_TOKEN_ACTIVE, 1000, &a1);
	add_token(x, "a2", "acme", "s-a2", OG_TOKEN_ACTIVE, 1000, &a2);
	add_token(x, "b1", "globex", "s-b1", OG_TOKEN_ACTIVE, 1000, &b1);
	assert_int_equal(og_store_session_add(x->st, &s1), OG_OK);
	assert_int_equal(og_store_keys_ready(x->st), OG_OK);
	assert_int_equal(og_store_key_add(x->st, &k), OG_OK);
	assert_int_equal(og_store_user_remove(x->st, "a1", 4000), OG_OK);
	assert_int_equal(og_store_user_remove(x->st, "a1", 4001), OG_ERR_NOTFOUND);
	assert_int_equal(og_store_user_remove(x->st, "nobody", 4001), OG_ERR_NOTFOUND);
	assert_int_equal(og_store_org_remove(x->st, "acme", 5000, &users), OG_OK);
	assert_int_equal(users, 1);
	assert_int_equal(og_store_org_remove(x->st, "acme", 5001, &users), OG_ERR_EXISTS);
	assert_int_equal(og_store_org_remove(x->st, "initech", 5001, &users), OG_ERR_NOTFOUND);
	assert_int_equal(og_store_org_removed(x->st, "acme", &at), OG_OK);
	assert_int_equal(at, 5000);
	assert_int_equal(og_store_org_removed(x->st, "globex", &at), OG_OK);
	assert_int_equal(at, 0);
	assert_int_equal(og_store_login_accept(x->st, a2.user, a2.id, 10, 0, 0, &ev), OG_ERR_REMOVED);
	/* restoring brings back whom the removal took, not a1 */
	assert_int_equal(og_store_org_remove(x->st, "acme", 0, &users), OG_OK);
	assert_int_equal(users, 1);
	assert_int_equal(og_store_org_remove(x->st, "acme", 0, &users), OG_ERR_NOTFOUND);
	state_of(x, "a2", &us);
	assert_int_equal(us.removed_at, 0);
	state_of(x, "a1", &us);
	assert_int_equal(us.removed_at, 4000);
	assert_int_equal(og_store_login_accept(x->st, a2.user, a2.id, 10, 0, 0, &ev), OG_OK);
	/* remove again and purge: a1 and all of acme, down to its data key */
	assert_int_equal(og_store_org_remove(x->st, "acme", 5200, &users), OG_OK);
	assert_int_equal(og_store_purge(x->st, 5100, &users, &orgs), OG_OK);
	assert_int_equal(users, 1);
	assert_int_equal(orgs, 0);
	assert_int_equal(og_store_purge(x->st, 6000, &users, &orgs), OG_OK);
	assert_int_equal(users, 1);
	assert_int_equal(orgs, 1);
	state_of(x, "a2", &us);
	assert_false(us.known);
	assert_int_equal(og_store_dek_get(x->st, "acme", dek_id, wrapped), OG_ERR_NOTFOUND);
	assert_int_equal(og_store_dek_get(x->st, "globex", dek_id, wrapped), OG_OK);
	assert_int_equal(og_store_token_get(x->st, "s-a2", &a2), OG_ERR_NOTFOUND);
	assert_int_equal(og_store_key_by_fp(x->st, "SHA256:k1", &k), OG_ERR_NOTFOUND);
	assert_int_equal(og_store_session_get(x->st, s1.id, &s1), OG_ERR_NOTFOUND);
	assert_int_equal(og_store_org_removed(x->st, "acme", &at), OG_OK);
	assert_int_equal(at, 0);
	state_of(x, "b1", &us);
	assert_int_equal(us.ntokens, 1);
	og_store_user_state_wipe(&us);
}

static int find_subject(void *arg, const struct og_subject_row *s)
{
	const char **name = arg;

	if (*name != NULL && strcmp(s->name, *name) == 0)
		*name = NULL;
	return 0;
}

/* Erase deletes the person at once and keeps the chain verifiable, also
 * with audit.store off. */
static void test_erase(void **state)
{
	struct fx *x = *state;
	struct og_audit_event ev = event("frank", "bad-code", 1000), er = {
		.ts = 1100, .event = "admin", .result = "success", .reason = "erase",
		.user = "frank", .actor = "root", .source = "local", .syslog_only = 1,
	};
	struct og_access_key k = { .id = "k2", .user = "frank", .org = "acme", .type = "ssh-ed25519",
				   .pubkey = "ssh-ed25519 BBBB", .fingerprint = "SHA256:k2",
				   .origin = "added", .state = OG_ACCESS_KEY_ACTIVE, .not_after = 99999 };
	char pseudonym[OG_SUBJECT_LEN + 1];
	const char *name = "frank";
	struct og_audit_row row = { 0 };
	struct og_user_state us;
	struct og_token t;
	struct og_fail f = { NULL, -1, OG_COUNT_ONE, 0, 0 };

	add_token(x, "frank", "acme", "s-f", OG_TOKEN_ACTIVE, 900, &t);
	add_invite(x, "frank", "acme", 1);
	assert_int_equal(og_store_keys_ready(x->st), OG_OK);
	assert_int_equal(og_store_key_add(x->st, &k), OG_OK);
	assert_int_equal(og_store_login_fail(x->st, "frank", &lockout, &ev, &f), OG_OK);
	assert_int_equal(og_store_erase(x->st, "frank", &er, pseudonym), OG_OK);
	assert_true(pseudonym[0] != '\0');
	assert_null(er.user);
	assert_string_equal(er.detail, pseudonym);
	assert_int_equal(audit_count(x), 2);
	assert_int_equal(og_store_audit_last(x->st, "erase", last_row, &row), OG_OK);
	assert_null(row.ev.user);
	assert_string_equal(row.ev.detail, pseudonym);
	row_free(&row);
	assert_int_equal(og_store_subject_list(x->st, find_subject, &name), OG_OK);
	assert_non_null(name);
	state_of(x, "frank", &us);
	assert_false(us.known);
	assert_int_equal(og_store_token_get(x->st, "s-f", &t), OG_ERR_NOTFOUND);
	assert_int_equal(og_store_key_by_fp(x->st, "SHA256:k2", &k), OG_ERR_NOTFOUND);
	{
		struct og_invite inv;
		assert_int_equal(og_store_invite_get(x->st, "frank", &inv), OG_ERR_NOTFOUND);
	}
	assert_int_equal(og_store_erase(x->st, "frank", &er, pseudonym), OG_ERR_NOTFOUND);
	trail_intact(x->st);
	og_store_user_state_wipe(&us);
}

struct keys {
	struct og_access_key v[4];
	int n;
};

static int collect_key(void *arg, const struct og_access_key *k)
{
	struct keys *ks = arg;

	if (ks->n < 4)
		ks->v[ks->n++] = *k;
	return 0;
}

/* The key registry: fingerprints unique for ever, states by compare-and-set. */
static void test_key_states(void **state)
{
	struct fx *x = *state;
	struct og_access_key k = { .id = "k3", .user = "gina", .org = "acme", .type = "ssh-ed25519",
				   .pubkey = "ssh-ed25519 CCCC", .fingerprint = "SHA256:k3",
				   .origin = "issued", .state = OG_ACCESS_KEY_ACTIVE, .created = 10,
				   .not_after = 5000 }, got;
	struct keys ks = { .n = 0 };

	assert_int_equal(og_store_keys_ready(x->st), OG_OK);
	assert_int_equal(og_store_key_add(x->st, &k), OG_OK);
	og_copy(k.id, sizeof(k.id), "k4");
	assert_int_equal(og_store_key_add(x->st, &k), OG_ERR_EXISTS);
	og_copy(k.fingerprint, sizeof(k.fingerprint), "SHA256:k4");
	og_copy(k.predecessor, sizeof(k.predecessor), "k3");
	k.created = 20;
	assert_int_equal(og_store_key_add(x->st, &k), OG_OK);
	assert_int_equal(og_store_key_set_state(x->st, "k3", OG_ACCESS_KEY_ACTIVE,
						OG_ACCESS_KEY_GRACE, 3000), OG_OK);
	assert_int_equal(og_store_key_set_state(x->st, "k3", OG_ACCESS_KEY_ACTIVE,
						OG_ACCESS_KEY_GRACE, 3000), OG_ERR_NOTFOUND);
	assert_int_equal(og_store_key_touch(x->st, "SHA256:k4", 77), OG_OK);
	assert_int_equal(og_store_key_by_fp(x->st, "SHA256:k4", &got), OG_OK);
	assert_int_equal(got.last_used, 77);
	assert_string_equal(got.predecessor, "k3");
	assert_string_equal(got.origin, "issued");
	assert_int_equal(og_store_key_by_fp(x->st, "SHA256:none", &got), OG_ERR_NOTFOUND);
	assert_int_equal(og_store_key_list(x->st, "gina", collect_key, &ks), OG_OK);
	assert_int_equal(ks.n, 2);
	assert_string_equal(ks.v[0].id, "k3");
	assert_int_equal(ks.v[0].state, OG_ACCESS_KEY_GRACE);
	assert_int_equal(ks.v[0].not_after, 3000);
	assert_string_equal(ks.v[1].id, "k4");
}

/* Hostile text goes in bounded and valid, the chain verifies, and the
 * monitoring reads agree. */
static void test_audit_chain(void **state)
{
	struct fx *x = *state;
	char long_user[300], bad[8] = "a\xff" "b";
	struct og_audit_event ev = event("harry", "bad-code", 1000);
	struct og_audit_row row = { 0 };
	struct og_audit_head head;

	memset(long_user, 'u', sizeof(long_user) - 1);
	long_user[sizeof(long_user) - 1] = '\0';
	assert_int_equal(og_store_audit_add(x->st, &ev), OG_OK);
	ev.user = long_user;
	ev.ts = 1001;
	assert_int_equal(og_store_audit_add(x->st, &ev), OG_OK);
	ev.user = bad;
	ev.detail = bad;
	ev.ts = 1002;
	assert_int_equal(og_store_audit_add(x->st, &ev), OG_OK);
	ev.syslog_only = 1;
	assert_int_equal(og_store_audit_add(x->st, &ev), OG_OK);
	ev.syslog_only = 0;
	ev.reason = "policy";
	ev.ts = 1003;
	assert_int_equal(og_store_audit_add(x->st, &ev), OG_OK);
	assert_int_equal(og_store_audit_head(x->st, &head), OG_OK);
	assert_int_equal(head.entries, 4);
	assert_int_equal(head.last_ts, 1003);
	assert_true(head.mac_ok);
	assert_int_equal(og_store_audit_last(x->st, "bad-code", last_row, &row), OG_OK);
	assert_string_equal(row.ev.user, "a\\xffb");
	assert_string_equal(row.ev.detail, "a\\xffb");
	row_free(&row);
	trail_intact(x->st);
}

static int user_named(void *arg, const struct og_user_row *u)
{
	const char **name = arg;

	if (*name != NULL && strcmp(u->name, *name) == 0)
		*name = NULL;
	return 0;
}

static int admin_named(void *arg, const struct og_admin_row *a)
{
	const char **name = arg;

	if (*name != NULL && strcmp(a->name, *name) == 0)
		*name = NULL;
	return 0;
}

/* Whatever the store takes comes back whole: a value it cannot give back
 * is refused, never cut short or emptied on the way out. */
static void test_values_come_back_whole(void **state)
{
	struct fx *x = *state;
	char long_user[300], long_admin[100];
	const char *name;

	memset(long_user, 'v', sizeof(long_user) - 1);
	long_user[sizeof(long_user) - 1] = '\0';
	memset(long_admin, 'w', sizeof(long_admin) - 1);
	long_admin[sizeof(long_admin) - 1] = '\0';
	if (og_store_user_ensure(x->st, long_user, "acme", 10) == OG_OK) {
		name = long_user;
		assert_int_equal(og_store_user_list(x->st, user_named, &name), OG_OK);
		assert_null(name);
	}
	if (og_store_admin_add(x->st, long_admin, "org-admin", "acme", 10) == OG_OK) {
		name = long_admin;
		assert_int_equal(og_store_admin_list(x->st, admin_named, &name), OG_OK);
		assert_null(name);
	}
}

static void test_admins_and_spool_marks(void **state)
{
	struct fx *x = *state;
	char role[OG_KEYWORD_MAX + 1], org[OG_ORG_MAX + 1];

	assert_int_equal(og_store_admin_get(x->st, "ivy", role, org), OG_ERR_NOTFOUND);
	assert_int_equal(og_store_admin_add(x->st, "ivy", "org-admin", "acme", 10), OG_OK);
	assert_int_equal(og_store_admin_add(x->st, "ivy", "org-admin", "acme", 10), OG_ERR_EXISTS);
	assert_int_equal(og_store_admin_get(x->st, "ivy", role, org), OG_OK);
	assert_string_equal(role, "org-admin");
	assert_string_equal(org, "acme");
	assert_int_equal(og_store_spool_mark(x->st, "batch-1-0", 10), OG_OK);
	assert_int_equal(og_store_spool_mark(x->st, "batch-1-0", 11), OG_ERR_EXISTS);
}

/* Fills a store with a row of every table (a trail of several entries). */
static void fill(struct fx *x)
{
	char codes[OG_RECOVERY_CODES][OG_RECOVERY_LEN + 2];
	struct og_access_key k = { .id = "k5", .user = "jack", .org = "acme", .type = "ssh-ed25519",
				   .pubkey = "ssh-ed25519 DDDD", .fingerprint = "SHA256:k5",
				   .origin = "added", .state = OG_ACCESS_KEY_ACTIVE, .not_after = 99999 };
	struct og_audit_event ev = event("jack", "bad-code", 1000), er = {
		.ts = 1300, .event = "admin", .result = "success", .reason = "erase", .user = "kim",
	};
	char pseudonym[OG_SUBJECT_LEN + 1];
	struct og_recovery_set set;
	struct og_token t;
	struct og_fail f = { NULL, -1, OG_COUNT_ONE, 0, 0 };
	struct og_session_row sess = session("22222222222222222222222222222222", "jack", "bastion-a",
					     100, 1000);
	const struct og_failure_row mode = { "lee", { 1, 1000, 0, 1600, 77 } };
	int64_t users;

	add_token(x, "jack", "acme", "s-j", OG_TOKEN_ACTIVE, 900, &t);
	add_token_of(x, "jack", "acme", "h-j", &hotp, 42, OG_TOKEN_ACTIVE, 901, &t);
	add_token(x, "kim", "globex", "s-k", OG_TOKEN_ACTIVE, 900, &t);
	add_invite(x, "lou", "acme", 4);
	assert_int_equal(og_store_login_fail(x->st, "jack", &lockout, &ev, &f), OG_OK);
	assert_int_equal(og_recovery_generate(codes, &set), OG_OK);
	assert_int_equal(og_store_recovery_set(x->st, "jack", &set, 950), OG_OK);
	assert_int_equal(og_store_admin_add(x->st, "lee", "org-admin", "acme", 10), OG_OK);
	assert_int_equal(og_store_keys_ready(x->st), OG_OK);
	assert_int_equal(og_store_key_add(x->st, &k), OG_OK);
	assert_int_equal(og_store_spool_mark(x->st, "batch-2-0", 10), OG_OK);
	assert_int_equal(og_store_session_add(x->st, &sess), OG_OK);
	assert_int_equal(og_store_failure_put(x->st, &mode), OG_OK);
	assert_int_equal(og_store_org_remove(x->st, "globex", 1200, &users), OG_OK);
	assert_int_equal(og_store_erase(x->st, "kim", &er, pseudonym), OG_OK);
}

static int find_mode(void *arg, const struct og_failure_row *f)
{
	if (strcmp(f->user, "lee") == 0)
		*(struct og_failure_row *)arg = *f;
	return 0;
}

/* migrate-store: every table into an empty store of the same backend. */
static void test_migrate(void **state)
{
	struct fx *x = *state;
	struct og_failure_row moved = { "", { 0, 0, 0, 0, -1 } };
	struct og_store_counts a, b;
	struct og_copy_report rep;
	struct og_store *to = NULL;
	struct og_token t;

	fill(x);
	if (conninfo != NULL)
		psql(NULL, "CREATE DATABASE otpgate_b");
	assert_int_equal(write_config(x, "b.conf", &x->cfg2), 0);
	assert_int_equal(open_init(x, &x->cfg2, &to), 0);
	assert_int_equal(og_store_keys_ready(to), OG_OK);
	assert_int_equal(og_store_begin(to), OG_OK);
	memset(&rep, 0, sizeof(rep));
	assert_int_equal(og_store_copy(x->st, to, &rep), OG_OK);
	assert_int_equal(og_store_commit(to), OG_OK);
	assert_int_equal(og_store_counts(x->st, &a), OG_OK);
	assert_int_equal(og_store_counts(to, &b), OG_OK);
	assert_memory_equal(&a, &b, sizeof(a));
	assert_memory_equal(&rep.copied, &a, sizeof(a));
	assert_int_equal(a.sessions, 1);
	assert_int_equal(og_store_failure_list(to, find_mode, &moved), OG_OK);
	assert_int_equal(moved.f.failure_mode_until, 1600);
	assert_int_equal(moved.f.replay_step, 77);
	/* a token's kind and counter go with it */
	assert_int_equal(og_store_token_get(to, "h-j", &t), OG_OK);
	assert_int_equal(t.params.otp_kind, OG_OTP_HOTP);
	assert_int_equal(og_token_counter(&t), 42);
	assert_int_equal(og_store_token_get(to, "s-j", &t), OG_OK);
	assert_int_equal(t.params.otp_kind, OG_OTP_TOTP);
	/* an invitation goes with its hash and dates */
	{
		struct og_invite a_inv, b_inv;
		assert_int_equal(og_store_invite_get(x->st, "lou", &a_inv), OG_OK);
		assert_int_equal(og_store_invite_get(to, "lou", &b_inv), OG_OK);
		assert_memory_equal(&a_inv, &b_inv, sizeof(a_inv));
		assert_int_equal(b.invitations, 1);
	}
	trail_intact(to);
	og_store_close(to);
	og_config_free(&x->cfg2);
}


/* Tokens of user (in org, "" for stock: no user) to import, with serials
 * PREFIX-0, PREFIX-1, ... from first. */
static void import_tokens(struct fx *x, struct og_token *t, int n, const char *user,
			  const char *org, const char *prefix, int first)
{
	static const unsigned char secret[20] = "12345678901234567890";
	char dek_id[OG_ID_LEN + 1], serial[64];
	struct og_key dek;

	assert_int_equal(og_token_dek(x->st, &x->master, org, 900, dek_id, &dek), OG_OK);
	for (int i = 0; i < n; i++) {
		snprintf(serial, sizeof(serial), "%s-%d", prefix, first + i);
		assert_int_equal(og_token_build(&dek, dek_id, user, serial, "hardware", secret,
						sizeof(secret), &params, 900, &t[i]), OG_OK);
		snprintf(t[i].dek_org, sizeof(t[i].dek_org), "%s", org);
		if (user[0] == '\0')
			t[i].state = OG_TOKEN_STOCK;
	}
	og_key_wipe(&dek);
}

/* 1 if name has a pseudonym in the trail's subjects. */
static int has_subject(struct fx *x, const char *name)
{
	const char *n = name;

	assert_int_equal(og_store_subject_list(x->st, find_subject, &n), OG_OK);
	return n == NULL;
}

/* Imports batch and expects refusal why at token bad; nothing is stored. */
static void import_refused(struct fx *x, const struct og_token *batch, int n, int bad,
			   enum og_import_why why)
{
	struct og_store_counts before, after;
	enum og_import_why w;
	int b;

	assert_int_equal(og_store_counts(x->st, &before), OG_OK);
	assert_int_equal(og_store_begin(x->st), OG_OK);
	assert_int_equal(og_store_tokens_import(x->st, batch, n, 950, &b, &w), OG_ERR_EXISTS);
	assert_int_equal(b, bad);
	assert_int_equal(w, why);
	assert_int_equal(og_store_rollback(x->st), OG_OK);
	assert_int_equal(og_store_counts(x->st, &after), OG_OK);
	assert_int_equal(after.users, before.users);
	assert_int_equal(after.tokens, before.tokens);
}

/*
 * A bulk import: a batch's new users are made with their pseudonym, a user
 * already there keeps theirs, stock tokens get none; the first token that
 * cannot go in is named, and why (a serial taken, in the store or earlier
 * in the batch; a user of another organisation), even when a later one
 * could not go in either.
 */
static void test_bulk_import(void **state)
{
	struct fx *x = *state;
	struct og_token t[OG_IMPORT_BATCH], bad[4];
	struct og_user_state us;
	struct og_store_counts n;
	enum og_import_why why;
	int at = 0;

	add_token(x, "olga", "acme", "s-olga", OG_TOKEN_ACTIVE, 900, &t[0]);
	import_tokens(x, t, 30, "pat", "acme", "P", 0);
	import_tokens(x, t + 30, 30, "", "acme", "STOCK", 0);
	import_tokens(x, t + 60, 4, "olga", "acme", "O", 0);
	assert_int_equal(og_store_begin(x->st), OG_OK);
	assert_int_equal(og_store_tokens_import(x->st, t, OG_IMPORT_BATCH, 950, &at, &why), OG_OK);
	assert_int_equal(og_store_commit(x->st), OG_OK);
	assert_int_equal(og_store_counts(x->st, &n), OG_OK);
	assert_int_equal(n.users, 2);
	assert_int_equal(n.tokens, 1 + OG_IMPORT_BATCH);
	assert_true(has_subject(x, "pat"));
	state_of(x, "pat", &us);
	assert_string_equal(us.org, "acme");
	assert_int_equal(us.ntokens, 16);	/* the most a login reads */
	og_store_user_state_wipe(&us);
	state_of(x, "olga", &us);
	assert_int_equal(us.ntokens, 5);
	og_store_user_state_wipe(&us);

	/* a serial the store has: the third token */
	import_tokens(x, bad, 4, "quinn", "acme", "Q", 0);
	snprintf(bad[2].serial, sizeof(bad[2].serial), "P-7");
	import_refused(x, bad, 4, 2, OG_IMPORT_SERIAL_TAKEN);
	/* a serial earlier in the batch */
	snprintf(bad[2].serial, sizeof(bad[2].serial), "Q-0");
	import_refused(x, bad, 4, 2, OG_IMPORT_SERIAL_TAKEN);
	/* a user of another organisation: named, though a later serial is taken too */
	import_tokens(x, bad, 4, "quinn", "acme", "Q", 0);
	import_tokens(x, bad + 1, 1, "pat", "globex", "G", 0);
	snprintf(bad[3].serial, sizeof(bad[3].serial), "P-8");
	import_refused(x, bad, 4, 1, OG_IMPORT_OTHER_ORG);
	/* and a taken serial before it is named first */
	snprintf(bad[0].serial, sizeof(bad[0].serial), "P-9");
	import_refused(x, bad, 4, 0, OG_IMPORT_SERIAL_TAKEN);
	assert_false(has_subject(x, "quinn"));
	trail_intact(x->st);	/* pat's pseudonym is the mac of its salt */
	OPENSSL_cleanse(t, sizeof(t));
}

/* One large transaction (an import) leaves no large WAL behind: on
 * SQLite its commit's checkpoint truncates it. */
static void test_large_commit_wal(void **state)
{
	struct fx *x = *state;
	struct og_token t[OG_IMPORT_BATCH];
	struct og_store_counts n;
	enum og_import_why why;
	char user[32], prefix[32];
	int at = 0;

	assert_int_equal(og_store_begin(x->st), OG_OK);
	for (int b = 0; b < 60; b++) {
		snprintf(user, sizeof(user), "bulk%d", b);
		snprintf(prefix, sizeof(prefix), "B%d", b);
		import_tokens(x, t, OG_IMPORT_BATCH, user, "acme", prefix, 0);
		assert_int_equal(og_store_tokens_import(x->st, t, OG_IMPORT_BATCH, 950, &at, &why),
				 OG_OK);
	}
	assert_int_equal(og_store_commit(x->st), OG_OK);
	assert_int_equal(og_store_counts(x->st, &n), OG_OK);
	assert_int_equal(n.tokens, 60 * OG_IMPORT_BATCH);
	if (conninfo == NULL)
		assert_int_equal(wal_bytes(x), 0);
	OPENSSL_cleanse(t, sizeof(t));
}

static void test_schema_version(void **state)
{
	struct fx *x = *state;
	int found, want;

	assert_int_equal(og_store_schema_version(x->st), 8);
	assert_int_equal(og_store_probe(&x->cfg, &x->log, &found, &want), OG_OK);
	assert_int_equal(found, want);
	assert_int_equal(want, 8);
}

/* Runs sql on the store under test through its backend's own client. */
static void backend_sql(struct fx *x, const char *sql)
{
	char cmd[2048];

	if (conninfo != NULL) {
		psql(NULL, sql);
		return;
	}
	snprintf(cmd, sizeof(cmd), "sqlite3 '%s/a.conf.db' \"%s\" >/dev/null", x->dir, sql);
	assert_int_equal(system(cmd), 0);
}

/*
 * A store of schema 5 (tokens without their OTP kind) is refused until
 * init upgrades it; its tokens are then TOTP, as they were, and an HOTP
 * token can be added.
 */
static void test_upgrade_from_5(void **state)
{
	struct fx *x = *state;
	struct og_store *st = NULL;
	struct og_token t, got;

	add_token(x, "otto", "acme", "s-old", OG_TOKEN_ACTIVE, 900, &t);
	og_store_close(x->st);
	x->st = NULL;
	backend_sql(x, "ALTER TABLE tokens DROP COLUMN otp_kind");
	/* (psql's command is in single quotes: a dollar-quoted string instead) */
	backend_sql(x, conninfo != NULL ? "UPDATE otpgate_meta SET value = $$5$$"
					  " WHERE key = $$schema_version$$" : "PRAGMA user_version = 5");
	assert_int_equal(og_store_open(&x->cfg, &x->log, 0, &st), OG_ERR_SCHEMA);
	assert_int_equal(open_init(x, &x->cfg, &x->st), 0);
	assert_int_equal(og_store_token_get(x->st, "s-old", &got), OG_OK);
	assert_int_equal(got.params.otp_kind, OG_OTP_TOTP);
	add_token_of(x, "otto", "acme", "h-new", &hotp, 0, OG_TOKEN_ACTIVE, 901, &t);
	assert_int_equal(og_store_token_get(x->st, "h-new", &got), OG_OK);
	assert_int_equal(got.params.otp_kind, OG_OTP_HOTP);
}

/*
 * A store of schema 6 (no sessions, failures without failure mode or the
 * replay rule's step) is refused until init upgrades it, whatever its
 * failure records: they are kept, and what schema 7 adds works.
 */
static void test_upgrade_from_6(void **state)
{
	struct fx *x = *state;
	const struct og_lockout step_up = { 1, 300, 600, 1 };
	struct og_audit_event ev = event("uma", "bad-code", 1000);
	struct og_fail f = { NULL, -1, OG_COUNT_ONE, 0, 0 };
	struct og_session_row s = session("33333333333333333333333333333333", "uma", "bastion-a",
					  100, 1000);
	struct og_store *st = NULL;
	struct og_user_state us;
	struct og_token t;

	add_token(x, "uma", "acme", "s-uma", OG_TOKEN_ACTIVE, 900, &t);
	assert_int_equal(og_store_login_fail(x->st, "uma", &lockout, &ev, &f), OG_OK);
	og_store_close(x->st);
	x->st = NULL;
	backend_sql(x, "DROP TABLE sessions");
	backend_sql(x, "DROP TABLE invitations");
	backend_sql(x, "ALTER TABLE failures DROP COLUMN failure_mode_until");
	backend_sql(x, "ALTER TABLE failures DROP COLUMN replay_step");
	backend_sql(x, conninfo != NULL ? "UPDATE otpgate_meta SET value = $$6$$"
					  " WHERE key = $$schema_version$$" : "PRAGMA user_version = 6");
	assert_int_equal(og_store_open(&x->cfg, &x->log, 0, &st), OG_ERR_SCHEMA);
	assert_int_equal(open_init(x, &x->cfg, &x->st), 0);
	assert_int_equal(og_store_schema_version(x->st), 8);
	state_of(x, "uma", &us);
	assert_int_equal(us.has_failures, 1);
	assert_int_equal(us.failure_mode_until, 0);
	ev.ts = 1001;
	assert_int_equal(og_store_login_fail(x->st, "uma", &step_up, &ev, &f), OG_OK);
	assert_int_equal(f.counted, OG_COUNT_FAILURE_MODE);
	assert_int_equal(og_store_session_add(x->st, &s), OG_OK);
	og_store_user_state_wipe(&us);
}

/*
 * A store of schema 7 (no invitations) is refused until init upgrades it;
 * its tokens are kept, and then a user can be invited.
 */
static void test_upgrade_from_7(void **state)
{
	struct fx *x = *state;
	struct og_store *st = NULL;
	struct og_invite inv;
	struct og_token t, got;

	add_token(x, "otto", "acme", "s-old", OG_TOKEN_ACTIVE, 900, &t);
	og_store_close(x->st);
	x->st = NULL;
	backend_sql(x, "DROP TABLE invitations");
	backend_sql(x, conninfo != NULL ? "UPDATE otpgate_meta SET value = $$7$$"
					  " WHERE key = $$schema_version$$" : "PRAGMA user_version = 7");
	assert_int_equal(og_store_open(&x->cfg, &x->log, 0, &st), OG_ERR_SCHEMA);
	assert_int_equal(open_init(x, &x->cfg, &x->st), 0);
	assert_int_equal(og_store_schema_version(x->st), 8);
	assert_int_equal(og_store_token_get(x->st, "s-old", &got), OG_OK);
	add_invite(x, "otto2", "acme", 2);
	assert_int_equal(og_store_invite_get(x->st, "otto2", &inv), OG_OK);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_replay_and_claim),
		T(test_hotp_claim),
		T(test_kept_store),
		T(test_hotp_claim_race),
		T(test_invitations),
		T(test_invitation_barred),
		T(test_invitation_race),
		T(test_first_data_key_race),
		T(test_token_states_and_drift),
		T(test_failures_and_lock),
		T(test_lock_for_good_and_unlock),
		T(test_failure_mode),
		T(test_replay_rule),
		T(test_sessions),
		T(test_recovery_codes),
		T(test_org_remove_restore_purge),
		T(test_erase),
		T(test_key_states),
		T(test_audit_chain),
		T(test_values_come_back_whole),
		T(test_admins_and_spool_marks),
		T(test_migrate),
		T(test_bulk_import),
		T(test_large_commit_wal),
		T(test_schema_version),
		T(test_upgrade_from_5),
		T(test_upgrade_from_6),
		T(test_upgrade_from_7),
	};

	conninfo = getenv("OTPGATE_TEST_CONNINFO");
	if (conninfo != NULL && *conninfo == '\0')
		conninfo = NULL;
	/* with-postgres --pooled: conninfo names PgBouncer, this the server */
	admin = getenv("OTPGATE_TEST_DIRECT_CONNINFO");
	if (admin == NULL || *admin == '\0')
		admin = conninfo;
	fprintf(stderr, "store contract: %s\n", conninfo == NULL ? "sqlite"
				: admin != conninfo ? "postgresql through pgbouncer" : "postgresql");
	return cmocka_run_group_tests_name(conninfo ? "store contract (postgresql)"
						    : "store contract (sqlite)", tests, NULL, NULL);
}

/*
 * cmd_token.c: a token's life after enrolment. confirm proves the user's
 * device shows the right code (a new phone token is pending until then),
 * revoke stops a token or all of a user's at once, show prints what the
 * store holds about a user (never a secret).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <openssl/crypto.h>

#include "commands.h"
#include "err.h"
#include "recovery.h"
#include "crypto.h"
#include "timefmt.h"
#include "token.h"
#include "util.h"

struct tokens {
	struct og_token v[OG_MAX_TOKENS * 4];
	int n;
};

static int collect(void *arg, const struct og_token *t)
{
	struct tokens *ts = arg;

	if (ts->n < (int)(sizeof(ts->v) / sizeof(ts->v[0])))
		ts->v[ts->n++] = *t;
	return 0;
}

/* A code as a person types it: exactly digits ASCII digits, nothing else. */
static int check_code(const char *code, int digits)
{
	size_t n = strspn(code, "0123456789");

	if (code[n] != '\0' || n != (size_t)digits)
		return cli_error("the code must be exactly %d digits, no spaces", digits), -1;
	return 0;
}

/* Tries code against one pending token; 1 on a match (and activates it). */
static int confirm_one(struct cli *c, const struct og_key *master, const struct og_token *t,
		       const char *code, int64_t now)
{
	int64_t step, drift;

	return og_token_match(master, t, 1, now, c->cfg.window, c->cfg.max_drift, code, &step, &drift,
			      &c->log) == 0 &&
	       og_store_token_activate(c->st, t->id, step, drift) == OG_OK;
}

int cmd_confirm(struct cli *c, const struct cli_args *a)
{
	const char *user = a->arg[0], *code = a->arg[1];
	struct tokens ts = { .n = 0 };
	struct og_key master;
	int64_t now = (int64_t)time(NULL);
	int pending = 0, r = 1;

	if (!og_is_safe_name(user, OG_USER_MAX))
		return cli_error("usage: otpgate-provision confirm USER CODE"), 2;
	if (cli_open(c, 0) != OG_OK || og_store_token_list(c->st, user, collect, &ts) != OG_OK)
		return 1;
	if (cli_master_key(c, &master) != OG_OK)
		goto out_nokey;
	for (int i = 0; i < ts.n; i++) {
		const struct og_token *t = &ts.v[i];
		if (t->state != OG_TOKEN_PENDING || t->created <= now - c->cfg.enrol_pending_for)
			continue;
		pending++;
		if (check_code(code, t->params.digits) != 0)
			goto out;
		if (confirm_one(c, &master, t, code, now)) {
			cli_audit(c, "confirm", "success", user, t->serial, NULL);
			printf("confirmed %s: token %s is active\n", user, t->serial);
			r = 0;
			goto out;
		}
	}
	if (pending == 0)
		cli_error("%s has no pending token (none enrolled, or older than enrol.pending_for)",
			  user);
	else
		cli_error("the code does not match %s's pending token", user);
	cli_audit(c, "confirm", "failure", user, NULL, pending ? "bad-code" : "no-pending-token");
out:
	og_key_wipe(&master);
out_nokey:
	OPENSSL_cleanse(&ts, sizeof(ts));
	return r;
}

int cmd_revoke(struct cli *c, const struct cli_args *a)
{
	const char *which = a->arg[0];
	struct tokens ts = { .n = 0 };
	int revoked = 0;

	if (!og_is_safe_name(which, OG_USER_MAX))
		return cli_error("usage: otpgate-provision revoke USER|SERIAL"), 2;
	if (cli_open(c, 0) != OG_OK)
		return 1;
	/* a serial first; otherwise every active or pending token of the user */
	if (og_store_token_revoke(c->st, which) == OG_OK) {
		cli_audit(c, "revoke", "success", NULL, which, NULL);
		printf("revoked token %s\n", which);
		return 0;
	}
	if (og_store_token_list(c->st, which, collect, &ts) != OG_OK)
		return 1;
	for (int i = 0; i < ts.n; i++) {
		if (og_store_token_revoke(c->st, ts.v[i].serial) != OG_OK)
			continue;
		cli_audit(c, "revoke", "success", which, ts.v[i].serial, NULL);
		printf("revoked token %s of %s\n", ts.v[i].serial, which);
		revoked++;
	}
	OPENSSL_cleanse(&ts, sizeof(ts));
	if (revoked == 0)
		return cli_error("no active or pending token is %s or belongs to %s", which, which), 1;
	return 0;
}

static void show_text(const char *user, const struct og_user_state *us, const struct tokens *ts,
		      int64_t now, int64_t pending_for)
{
	char until[OG_TIME_LEN];

	printf("user: %s\norganisation: %s\n", user, us->org[0] ? us->org : "-");
	og_time_utc(us->locked_until, until);
	if (us->locked_until == INT64_MAX)
		printf("locked: until unlocked by an admin\n");
	else if (us->locked_until > now)
		printf("locked: until %s (unlock to clear)\n", until);
	else
		printf("locked: no\n");
	for (int i = 0; i < ts->n; i++) {
		const struct og_token *t = &ts->v[i];
		int expired = t->state == OG_TOKEN_PENDING && t->created <= now - pending_for;
		printf("token: %s %s %s%s %s %d digits %d s, drift %lld, last used %lld\n", t->serial,
		       t->kind, og_token_state_name(t->state), expired ? " (expired)" : "",
		       og_algo_name(t->params.algo), t->params.digits, t->params.period,
		       (long long)t->drift, (long long)t->last_used);
	}
}

static void show_json(const char *user, const struct og_user_state *us, const struct tokens *ts,
		      int64_t now, int64_t pending_for)
{
	printf("{\"user\":\"%s\",\"org\":\"%s\",\"locked\":%s,\"locked_until\":%lld,"
	       "\"removed_at\":%lld,\"tokens\":[", user, us->org, us->locked_until > now ? "true" : "false",
	       (long long)(us->locked_until > now ? us->locked_until : 0), (long long)us->removed_at);
	for (int i = 0; i < ts->n; i++) {
		const struct og_token *t = &ts->v[i];
		int expired = t->state == OG_TOKEN_PENDING && t->created <= now - pending_for;
		printf("%s{\"serial\":\"%s\",\"kind\":\"%s\",\"state\":\"%s\",\"expired\":%s,"
		       "\"algorithm\":\"%s\",\"digits\":%d,\"period\":%d,\"drift\":%lld,"
		       "\"last_used\":%lld}", i ? "," : "", t->serial, t->kind,
		       og_token_state_name(t->state), expired ? "true" : "false",
		       og_algo_name(t->params.algo), t->params.digits, t->params.period,
		       (long long)t->drift, (long long)t->last_used);
	}
	printf("]}\n");
}

/* show USER [--json]: organisation, lock, removal and tokens (never secrets). */
int cmd_show(struct cli *c, const struct cli_args *a)
{
	const char *user = a->arg[0];
	struct og_user_state us;
	struct tokens ts = { .n = 0 };
	int64_t now = (int64_t)time(NULL);
	int r = 1;

	if (!og_is_safe_name(user, OG_USER_MAX))
		return cli_error("usage: otpgate-provision show USER [--json]"), 2;
	if (cli_open(c, 0) != OG_OK || og_store_user_state(c->st, user, &us) != OG_OK)
		return 1;
	if (!us.known)
		cli_error("unknown user '%s'", user);
	else if (og_store_token_list(c->st, user, collect, &ts) == OG_OK)
		r = 0;
	if (r == 0 && cli_flag(a, "json"))
		show_json(user, &us, &ts, now, c->cfg.enrol_pending_for);
	else if (r == 0)
		show_text(user, &us, &ts, now, c->cfg.enrol_pending_for);
	og_user_state_wipe(&us);
	OPENSSL_cleanse(&ts, sizeof(ts));
	return r;
}

#define RESYNC_SPAN (24 * 3600)	/* how far a hardware clock may have wandered */

/*
 * The step s (within a day either side of now) where code1 is s's code and
 * code2 is s+1's, for the token's secret; -1 when none, -2 when several.
 */
static int64_t find_pair(const unsigned char *secret, size_t len, const struct og_otp_params *p,
			 int64_t now_step, const char *code1, const char *code2)
{
	int64_t span = RESYNC_SPAN / p->period, found = -1;
	char a[9], b[9];

	if (og_otp_format(secret, len, p, now_step - span, a) != OG_OK)
		return -1;
	for (int64_t s = now_step - span; s <= now_step + span; s++) {
		if (og_otp_format(secret, len, p, s + 1, b) != OG_OK)
			break;
		if (og_ct_equal(a, code1, (size_t)p->digits) && og_ct_equal(b, code2, (size_t)p->digits))
			found = found == -1 ? s : -2;
		memcpy(a, b, sizeof(a));
	}
	OPENSSL_cleanse(a, sizeof(a));
	OPENSSL_cleanse(b, sizeof(b));
	return found;
}

/* "6030 s ahead": how far a token's clock is off, drift steps of period s. */
static const char *offset_text(int64_t drift, int period, char *buf, size_t cap)
{
	snprintf(buf, cap, "%lld s %s", (long long)(llabs(drift) * period),
		 drift >= 0 ? "ahead" : "behind");
	return buf;
}

int cmd_resync(struct cli *c, const struct cli_args *a)
{
	const char *user = a->arg[0], *code1 = a->arg[1], *code2 = a->arg[2];
	struct tokens ts = { .n = 0 };
	unsigned char secret[OG_SECRET_MAX];
	struct og_key master;
	int64_t now = (int64_t)time(NULL);
	char off[48];
	size_t len;
	int r = 1;

	if (!og_is_safe_name(user, OG_USER_MAX))
		return cli_error("usage: otpgate-provision resync USER CODE1 CODE2"), 2;
	if (cli_open(c, 0) != OG_OK || og_store_token_list(c->st, user, collect, &ts) != OG_OK)
		return 1;
	if (cli_master_key(c, &master) != OG_OK)
		goto out_nokey;
	for (int i = 0; i < ts.n && r != 0; i++) {
		const struct og_token *t = &ts.v[i];
		int64_t now_step = og_totp_step(&t->params, now), s;
		if (t->state != OG_TOKEN_ACTIVE)
			continue;
		if (check_code(code1, t->params.digits) != 0 || check_code(code2, t->params.digits) != 0)
			goto out;
		if (og_token_secret(&master, t, secret, &len) != OG_OK)
			continue;
		s = find_pair(secret, len, &t->params, now_step, code1, code2);
		OPENSSL_cleanse(secret, sizeof(secret));
		if (s == -2) {
			cli_error("the two codes match more than one place within a day; try two later ones");
			goto out;
		}
		if (s < 0)
			continue;
		/* a drift past the bound is never stored: logins would not honour it */
		if (og_drift_bound(s + 1 - now_step, c->cfg.max_drift) != s + 1 - now_step) {
			cli_error("token %s runs %s, beyond totp.max_drift (%d steps of %d s); nothing "
				  "changed: replace the token, or raise totp.max_drift", t->serial,
				  offset_text(s + 1 - now_step, t->params.period, off, sizeof(off)),
				  c->cfg.max_drift, t->params.period);
			cli_audit(c, "resync", "failure", user, t->serial, "beyond totp.max_drift");
			goto out;
		}
		if (og_store_token_resync(c->st, t->id, s + 1 - now_step, s + 1) != OG_OK)
			continue;
		cli_audit(c, "resync", "success", user, t->serial, NULL);
		printf("resynced %s: token %s runs %s\n", user, t->serial,
		       offset_text(s + 1 - now_step, t->params.period, off, sizeof(off)));
		r = 0;
	}
	if (r != 0) {
		cli_error("no active token of %s shows these two codes in a row within a day", user);
		cli_audit(c, "resync", "failure", user, NULL, NULL);
	}
out:
	og_key_wipe(&master);
out_nokey:
	OPENSSL_cleanse(&ts, sizeof(ts));
	return r;
}

int cmd_recovery(struct cli *c, const struct cli_args *a)
{
	const char *user = a->arg[0];
	char codes[OG_RECOVERY_CODES][OG_RECOVERY_LEN + 2];
	struct og_recovery_set set;
	struct og_user_state us;
	int known, r = 1;

	if (!og_is_safe_name(user, OG_USER_MAX))
		return cli_error("usage: otpgate-provision recovery USER"), 2;
	if (cli_open(c, 0) != OG_OK || og_store_user_state(c->st, user, &us) != OG_OK)
		return 1;
	known = us.known;
	og_user_state_wipe(&us);
	if (!known)
		return cli_error("unknown user '%s'", user), 1;
	if (og_recovery_generate(codes, &set) != OG_OK ||
	    og_store_recovery_set(c->st, user, &set, (int64_t)time(NULL)) != OG_OK) {
		cli_error("cannot make recovery codes for %s", user);
		goto out;
	}
	cli_audit(c, "recovery", "success", user, NULL, "10 new codes; earlier ones void");
	fprintf(stderr, "recovery codes for %s: each works once in place of a verification "
		"code; shown only now, and the earlier ones no longer work\n", user);
	for (int i = 0; i < OG_RECOVERY_CODES; i++)
		printf("%s\n", codes[i]);
	r = 0;
out:
	OPENSSL_cleanse(codes, sizeof(codes));
	OPENSSL_cleanse(&set, sizeof(set));
	return r;
}

/* Re-seals a stock token's secret for user under the user's organisation key. */
static int reseal_for(struct cli *c, const struct og_key *master, struct og_token *t,
		      const char *user, const char *org, int64_t now)
{
	unsigned char secret[OG_SECRET_MAX];
	struct og_key dek;
	size_t len;
	int r;

	if ((r = og_token_secret(master, t, secret, &len)) != OG_OK)
		return r;
	if ((r = og_dek_for_org(c->st, master, org, now, t->dek_id, &dek)) == OG_OK) {
		og_copy(t->user, sizeof(t->user), user);
		t->sealed_len = len + OG_SEAL_OVERHEAD;
		r = og_secret_seal(&dek, t->id, t->user, secret, len, t->sealed);
		og_key_wipe(&dek);
	}
	OPENSSL_cleanse(secret, sizeof(secret));
	return r;
}

int cmd_assign(struct cli *c, const struct cli_args *a)
{
	const char *serial = a->arg[0], *user = a->arg[1];
	struct og_user_state us;
	struct og_key master;
	struct og_token t;
	int64_t now = (int64_t)time(NULL);
	char org[OG_ORG_MAX + 1] = "";
	int r = 1;

	if (!og_is_safe_name(serial, OG_SERIAL_MAX) || !og_is_safe_name(user, OG_USER_MAX))
		return cli_error("usage: otpgate-provision assign SERIAL USER"), 2;
	if (cli_open(c, 0) != OG_OK)
		return 1;
	if (og_store_token_get(c->st, serial, &t) != OG_OK || t.state != OG_TOKEN_STOCK)
		return cli_error("no token %s in stock", serial), 1;
	if (og_store_user_state(c->st, user, &us) == OG_OK && us.known)
		og_copy(org, sizeof(org), us.org);
	og_user_state_wipe(&us);
	if (cli_master_key(c, &master) != OG_OK)
		goto out_nokey;
	if ((r = og_store_begin(c->st)) != OG_OK ||
	    (r = og_store_user_ensure(c->st, user, org, now)) != OG_OK ||
	    (r = reseal_for(c, &master, &t, user, org, now)) != OG_OK ||
	    (r = og_store_token_assign(c->st, &t)) != OG_OK || (r = og_store_commit(c->st)) != OG_OK) {
		og_store_rollback(c->st);
		cli_error("cannot assign token %s to %s%s%s", serial, user,
			  r == OG_ERR_GONE ? ": " : "", r == OG_ERR_GONE ? og_strerror(r) : "");
		r = 1;
		goto out;
	}
	cli_audit(c, "assign", "success", user, serial, NULL);
	printf("assigned token %s to %s\n", serial, user);
	r = 0;
out:
	og_key_wipe(&master);
out_nokey:
	OPENSSL_cleanse(&t, sizeof(t));
	return r;
}

/*
 * cmd_token.c: a token's life after enrolment, as tokenlife.c decides it.
 * confirm proves the user's device shows the right code (a new phone token
 * is pending until then), resync finds a drifted token's offset (an HOTP
 * token's counter), assign
 * gives a stock token to a user; revoke stops a token or all of a user's
 * at once, show prints what the store holds about a user (never a
 * secret), recovery makes a user's recovery codes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <openssl/crypto.h>

#include "commands.h"
#include "err.h"
#include "recovery.h"
#include "timefmt.h"
#include "tokenlife.h"
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

int cmd_confirm(struct cli *c, const struct cli_args *a)
{
	const char *user = a->arg[0], *code = a->arg[1];
	struct og_token_result res = { .outcome = OG_TOKEN_NONE };
	struct og_key master = { 0 };
	int r = 1;

	if (!og_is_safe_name(user, OG_USER_MAX))
		return cli_error("usage: otpgate-provision confirm USER CODE"), 2;
	if (cli_open(c, 0) != OG_OK || cli_master_key(c, &master) != OG_OK ||
	    og_token_confirm(c->st, &c->cfg, &master, user, code, (int64_t)time(NULL), &res,
			     &c->log) != OG_OK)
		goto out;
	switch (res.outcome) {
	case OG_TOKEN_DONE:
		cli_audit(c, "confirm", "success", user, res.token.serial, NULL);
		printf("confirmed %s: token %s is active\n", user, res.token.serial);
		r = 0;
		break;
	case OG_TOKEN_BAD_CODE:
		cli_error("the code must be exactly %d digits, no spaces", res.token.params.digits);
		break;
	case OG_TOKEN_NONE:
		cli_error("%s has no pending token (none enrolled, or older than enrol.pending_for)",
			  user);
		cli_audit(c, "confirm", "failure", user, NULL, "no-pending-token");
		break;
	default:
		cli_error("the code does not match %s's pending token", user);
		cli_audit(c, "confirm", "failure", user, NULL, "bad-code");
	}
out:
	og_key_wipe(&master);
	OPENSSL_cleanse(&res, sizeof(res));
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
		char otp[TOKEN_OTP_LEN];
		token_otp_text(t, otp, sizeof(otp));
		printf("token: %s %s %s%s %s, last used %lld\n", t->serial, t->kind,
		       og_token_state_name(t->state), expired ? " (expired)" : "", otp,
		       (long long)t->last_used);
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
		char otp[TOKEN_OTP_LEN];
		token_otp_json(t, otp, sizeof(otp));
		printf("%s{\"serial\":\"%s\",\"kind\":\"%s\",\"state\":\"%s\",\"expired\":%s,%s,"
		       "\"last_used\":%lld}", i ? "," : "", t->serial, t->kind,
		       og_token_state_name(t->state), expired ? "true" : "false", otp,
		       (long long)t->last_used);
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
	og_store_user_state_wipe(&us);
	OPENSSL_cleanse(&ts, sizeof(ts));
	return r;
}

/* "6030 s ahead": how far a token's clock is off, drift steps of period s. */
static const char *offset_text(int64_t drift, int period, char *buf, size_t cap)
{
	snprintf(buf, cap, "%lld s %s", (long long)(llabs(drift) * period),
		 drift >= 0 ? "ahead" : "behind");
	return buf;
}

/* What a resync found, told and audited. 0 when the token was resynced. */
static int resync_told(struct cli *c, const char *user, const struct og_token_result *res)
{
	const struct og_token *t = &res->token;
	char off[48];

	offset_text(res->drift, t->params.period, off, sizeof(off));
	switch (res->outcome) {
	case OG_TOKEN_DONE:
		cli_audit(c, "resync", "success", user, t->serial, NULL);
		if (t->params.otp_kind == OG_OTP_HOTP)
			printf("resynced %s: token %s's counter is %lld (its next code's)\n", user,
			       t->serial, (long long)og_token_counter(t));
		else
			printf("resynced %s: token %s runs %s\n", user, t->serial, off);
		return 0;
	case OG_TOKEN_BAD_CODE:
		return cli_error("the code must be exactly %d digits, no spaces", t->params.digits), 1;
	case OG_TOKEN_AMBIGUOUS:
		return cli_error("the two codes match more than one place %s; try two later ones",
				 t->params.otp_kind == OG_OTP_HOTP ? "within hotp.resync_window"
								   : "within a day"), 1;
	case OG_TOKEN_TOO_FAR:
		cli_error("token %s runs %s, beyond totp.max_drift (%d steps of %d s); nothing "
			  "changed: replace the token, or raise totp.max_drift", t->serial, off,
			  c->cfg.max_drift, t->params.period);
		cli_audit(c, "resync", "failure", user, t->serial, "beyond totp.max_drift");
		return 1;
	default:
		cli_error("no active token of %s shows these two codes in a row (within a day, or "
			  "within hotp.resync_window (%d) after an HOTP token's counter)", user,
			  c->cfg.hotp_resync_window);
		cli_audit(c, "resync", "failure", user, NULL, NULL);
		return 1;
	}
}

int cmd_resync(struct cli *c, const struct cli_args *a)
{
	const char *user = a->arg[0], *code1 = a->arg[1], *code2 = a->arg[2];
	struct og_token_result res = { .outcome = OG_TOKEN_NONE };
	struct og_key master = { 0 };
	int r = 1;

	if (!og_is_safe_name(user, OG_USER_MAX))
		return cli_error("usage: otpgate-provision resync USER CODE1 CODE2"), 2;
	if (cli_open(c, 0) == OG_OK && cli_master_key(c, &master) == OG_OK &&
	    og_token_resync(c->st, &c->cfg, &master, user, code1, code2, (int64_t)time(NULL),
			    &res) == OG_OK)
		r = resync_told(c, user, &res);
	og_key_wipe(&master);
	OPENSSL_cleanse(&res, sizeof(res));
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
	og_store_user_state_wipe(&us);
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

int cmd_assign(struct cli *c, const struct cli_args *a)
{
	const char *serial = a->arg[0], *user = a->arg[1];
	struct og_key master = { 0 };
	int r;

	if (!og_is_safe_name(serial, OG_SERIAL_MAX) || !og_is_safe_name(user, OG_USER_MAX))
		return cli_error("usage: otpgate-provision assign SERIAL USER"), 2;
	if (cli_open(c, 0) != OG_OK || cli_master_key(c, &master) != OG_OK)
		r = OG_ERR_IO;	/* said why */
	else if ((r = og_token_assign(c->st, &master, serial, user, (int64_t)time(NULL))) ==
		 OG_ERR_NOTFOUND)
		cli_error("no token %s in stock", serial);
	else if (r != OG_OK)
		cli_error("cannot assign token %s to %s%s%s", serial, user,
			  r == OG_ERR_GONE ? ": " : "", r == OG_ERR_GONE ? og_strerror(r) : "");
	og_key_wipe(&master);
	if (r != OG_OK)
		return 1;
	cli_audit(c, "assign", "success", user, serial, NULL);
	printf("assigned token %s to %s\n", serial, user);
	return 0;
}

/* enrol.c: a user's own device enrolled at the prompt, with an invitation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>

#include "auth.h"
#include "base32.h"
#include "enrol.h"
#include "err.h"
#include "invite.h"
#include "otpauth.h"
#include "qr.h"
#include "util.h"


void og_enrol_wipe(struct og_enrolment *e)
{
	OPENSSL_cleanse(e, sizeof(*e));
}

/* The parameters of the new token: the configured ones, of the invitation's kind. */
static struct og_otp_params params_of(const struct og_ctx *ctx, const struct og_invite *inv)
{
	struct og_otp_params p = ctx->cfg.totp;

	p.t0 = 0;
	p.otp_kind = inv->kind;
	if (p.otp_kind == OG_OTP_HOTP)
		p.period = 30;	/* unused */
	return p;
}

/* A new pending token for l->user with a fresh secret, sealed under their
 * organisation's data key (made when it has none), and its URI. */
static int new_device(struct og_ctx *ctx, struct og_login *l, const struct og_invite *inv,
		      const struct og_key *master)
{
	struct og_enrolment *e = &l->enrol;
	struct og_otp_params p = params_of(ctx, inv);
	struct og_otpauth u;
	struct og_key dek = { 0 };
	char dek_id[OG_ID_LEN + 1];
	int r;

	memset(&u, 0, sizeof(u));
	if ((r = og_random(e->secret, sizeof(e->secret))) == OG_OK &&
	    (r = og_token_dek(ctx->st, master, l->us.org, l->now, dek_id, &dek)) == OG_OK &&
	    (r = og_token_build(&dek, dek_id, l->user, NULL, "virtual", e->secret,
				sizeof(e->secret), &p, l->now, &e->token)) == OG_OK) {
		og_token_start(&e->token, 0, 0);	/* an HOTP app's first code is counter 0's */
		e->token.state = OG_TOKEN_PENDING;
		og_copy(u.issuer, sizeof(u.issuer), ctx->cfg.issuer);
		og_copy(u.account, sizeof(u.account), l->user);
		u.params = p;
		memcpy(u.secret, e->secret, sizeof(e->secret));
		u.secret_len = sizeof(e->secret);
		r = og_otpauth_build(&u, e->uri, sizeof(e->uri)) < 0 ? OG_ERR_INVALID : OG_OK;
	}
	og_key_wipe(&dek);
	OPENSSL_cleanse(&u, sizeof(u));
	return r;
}

/* How the user's invitation answers code: OG_OK when it is theirs and
 * open at the attempt's time, else the refusal's reason in *why. */
static int check(struct og_ctx *ctx, struct og_login *l, struct og_attempt *a,
		 const struct og_key *master, const char *code, unsigned char hash[OG_INVITE_HASH],
		 const char **why, struct og_invite *inv)
{
	int h = og_invite_hash(master, l->user, code, hash);
	int r = og_store_invite_get(ctx->st, l->user, inv);

	*why = NULL;
	if (r != OG_OK && r != OG_ERR_NOTFOUND)
		return *why = "store-error", r;
	if (h != OG_OK || r != OG_OK || !og_invite_matches(inv, hash))
		*why = "bad-invitation";
	else if (og_invite_state(inv, a->ev.ts) == OG_INVITE_USED)
		*why = "invitation-used";
	else if (og_invite_state(inv, a->ev.ts) == OG_INVITE_EXPIRED)
		*why = "invitation-expired";
	return *why ? OG_ERR_INVALID : OG_OK;
}

/* The invitation taken with the new token, or why not. */
static enum og_verdict take(struct og_ctx *ctx, struct og_login *l, struct og_attempt *a,
			    const unsigned char hash[OG_INVITE_HASH])
{
	int r;

	og_copy(a->token, sizeof(a->token), l->enrol.token.serial);
	a->ev.event = "enrol";
	r = og_store_invite_take(ctx->st, l->user, hash, &l->enrol.token,
				 og_attempt_outcome(a, "pending", "invite"));
	if (r == OG_OK) {
		og_audit_emit(a->audit, &a->ev, 1);
		og_logf(&ctx->log, LOG_NOTICE, "user %.100s took their invitation: token %s, "
			"pending until the new device's code", l->user, l->enrol.token.serial);
		return OG_ENROL;
	}
	og_enrol_wipe(&l->enrol);
	a->ev.event = "auth";
	a->token[0] = '\0';
	if (r == OG_ERR_REPLAY)
		return og_attempt_failed(a, "invitation-used");	/* another login took it first */
	if (og_attempt_is_barred(r))
		return og_attempt_barred(a, r);
	og_logf(&ctx->log, LOG_ERR, "user %.100s: invitation not taken: %s", l->user,
		og_strerror(r));
	return og_attempt_refuse(a, "store-error", OG_UNAVAIL);
}

/* A refusal of the invitation path, for why: counted unless it says
 * nothing of the code (a store that cannot answer, a user removed) or
 * the code was right (where no QR code can be shown). */
static enum og_verdict refused(struct og_attempt *a, const char *why)
{
	if (strcmp(why, "store-error") == 0)
		return og_attempt_refuse(a, why, OG_UNAVAIL);
	/* the code stays unspent, for the login over SSH (message.h tells so) */
	if (strcmp(why, "enrol-needs-ssh") == 0 || strcmp(why, "removed") == 0)
		return og_attempt_refuse(a, why, OG_DENY);
	return og_attempt_failed(a, why);
}

enum og_verdict og_enrol_take(struct og_ctx *ctx, struct og_login *l, struct og_attempt *a,
			      struct og_key *master, const char *code)
{
	unsigned char hash[OG_INVITE_HASH];
	struct og_invite inv;
	enum og_verdict v;
	const char *why;
	int r = check(ctx, l, a, master, code, hash, &why, &inv);

	if (r == OG_OK && !l->shows_text) {
		why = "enrol-needs-ssh";
	} else if (r == OG_OK && (r = new_device(ctx, l, &inv, master)) != OG_OK) {
		og_enrol_wipe(&l->enrol);
		og_logf(&ctx->log, LOG_ERR, "user %.100s: no new token: %s", l->user, og_strerror(r));
		why = r == OG_ERR_GONE ? "removed" : "store-error";
	}
	og_key_wipe(master);
	OPENSSL_cleanse(&inv, sizeof(inv));
	v = why == NULL ? take(ctx, l, a, hash) : refused(a, why);
	OPENSSL_cleanse(hash, sizeof(hash));
	return v;
}

/* The secret in base32, in groups of four for typing by hand (apps take
 * the spaces, or ignore them). */
static int key_text(const struct og_enrolment *e, char *out, size_t cap)
{
	char b32[64];
	size_t o = 0;
	int n = og_base32_encode(e->secret, sizeof(e->secret), b32, sizeof(b32));

	for (int i = 0; n > 0 && i < n && o + 2 < cap; i++) {
		if (i > 0 && i % 4 == 0)
			out[o++] = ' ';
		out[o++] = b32[i];
	}
	out[o] = '\0';
	OPENSSL_cleanse(b32, sizeof(b32));
	return n > 0 ? OG_OK : OG_ERR_INVALID;
}

char *og_enrol_text(const struct og_login *l)
{
	const struct og_enrolment *e = &l->enrol;
	char key[80], how[96], *qr, *out;
	size_t cap;

	if (key_text(e, key, sizeof(key)) != OG_OK || (qr = og_qr_terminal(e->uri)) == NULL)
		return NULL;
	if (e->token.params.otp_kind == OG_OTP_HOTP)
		snprintf(how, sizeof(how), "counter-based (HOTP), %s, %d digits",
			 og_algo_name(e->token.params.algo), e->token.params.digits);
	else
		snprintf(how, sizeof(how), "time-based (TOTP), %s, %d digits, %d s",
			 og_algo_name(e->token.params.algo), e->token.params.digits,
			 e->token.params.period);
	cap = strlen(qr) + strlen(e->uri) + sizeof(key) + sizeof(how) + 256;
	if ((out = malloc(cap)) != NULL)
		snprintf(out, cap, "Enrol your new device: scan this QR code with your authenticator"
			 " app.\n%sOr add it by hand: %s\nKey (base32): %s\nIt is %s.\n", qr, e->uri,
			 key, how);
	og_freezero_str(qr);
	OPENSSL_cleanse(key, sizeof(key));
	return out;
}

/* The enrolment ends without a device: its token deleted (the invitation
 * stays spent). */
static void drop(struct og_ctx *ctx, struct og_login *l)
{
	int r = og_store_token_discard(ctx->st, l->enrol.token.id);

	if (r != OG_OK && r != OG_ERR_NOTFOUND)
		og_logf(&ctx->log, LOG_ERR, "user %.100s: pending token %s not deleted: %s",
			l->user, l->enrol.token.serial, og_strerror(r));
	og_enrol_wipe(&l->enrol);
}

/* The new device's right code: the token active, the login through. */
static enum og_verdict confirmed(struct og_ctx *ctx, struct og_login *l, struct og_attempt *a,
				 int64_t step, int64_t drift)
{
	int r = og_store_enrol_activate(ctx->st, l->enrol.token.id, step, drift,
					og_attempt_outcome(a, "success", "invite"));

	if (r == OG_OK) {
		og_audit_emit(a->audit, &a->ev, 1);
		og_logf(&ctx->log, LOG_NOTICE, "user %.100s enrolled token %s with their invitation",
			l->user, l->enrol.token.serial);
		og_enrol_wipe(&l->enrol);
		return OG_ALLOW;
	}
	if (r == OG_ERR_REPLAY) {
		og_enrol_wipe(&l->enrol);	/* revoked while at the prompt */
		return og_attempt_refuse(a, "token-revoked", OG_DENY);
	}
	if (og_attempt_is_barred(r)) {
		drop(ctx, l);
		return og_attempt_barred(a, r);
	}
	og_logf(&ctx->log, LOG_ERR, "user %.100s: token %s not activated: %s", l->user,
		l->enrol.token.serial, og_strerror(r));
	og_enrol_wipe(&l->enrol);
	return og_attempt_refuse(a, "store-error", OG_UNAVAIL);
}

/* A wrong code of the new device: counted; the last try ends it. */
static enum og_verdict wrong(struct og_ctx *ctx, struct og_login *l, struct og_attempt *a)
{
	int last = ++l->enrol.tries >= OG_ENROL_TRIES;
	enum og_verdict v;

	if (last)
		a->ev.detail = "token deleted, invitation spent";
	v = og_attempt_failed(a, "bad-code");
	if (v == OG_DENY && !last)
		return OG_ENROL;	/* asked again (message.h: OG_MESSAGE_ENROL_RETRY) */
	drop(ctx, l);
	return v;
}

/* The new device's code, as attempt a. */
static enum og_verdict finish(struct og_ctx *ctx, struct og_login *l, struct og_attempt *a,
			      const char *code)
{
	const struct og_code_reach reach = { ctx->cfg.window, ctx->cfg.max_drift,
					     ctx->cfg.hotp_look_ahead };
	struct og_enrolment *e = &l->enrol;
	int64_t step = 0, drift = 0;

	if (e->token.id[0] == '\0')
		return og_attempt_refuse(a, "no-enrolment", OG_DENY);
	if (code == NULL) {
		a->ev.detail = "token deleted, invitation spent";
		drop(ctx, l);
		return og_attempt_refuse(a, "no-code", OG_DENY);
	}
	if (og_token_match_secret(&e->token, e->secret, sizeof(e->secret), a->ev.ts, &reach, code,
				  &step, &drift) == OG_OK && step > e->token.last_step)
		return confirmed(ctx, l, a, step, drift);
	return wrong(ctx, l, a);
}

enum og_verdict og_enrol_finish(struct og_ctx *ctx, struct og_login *l, const char *code,
				int64_t answered_at)
{
	const struct og_auditor aud = { &ctx->cfg, ctx->st, &ctx->log, &ctx->log };
	struct og_attempt a;
	enum og_verdict v;

	l->now = answered_at;
	og_copy(l->token, sizeof(l->token), l->enrol.token.serial);
	og_login_attempt(ctx, l, &aud, "enrol", &a);
	v = finish(ctx, l, &a, code);
	l->reason = a.reason;
	return og_login_shown(ctx, v);
}

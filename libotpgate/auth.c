/* auth.c: the login decision: source, policy, lock, code, replay, audit. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>

#include "auth.h"
#include "err.h"
#include "invite.h"
#include "policy.h"
#include "spool.h"
#include "sshkey.h"
#include "util.h"

int og_ctx_open(struct og_ctx *ctx, const char *config_path, const struct og_log *log,
		char *err, size_t errlen)
{
	int r;

	memset(ctx, 0, sizeof(*ctx));
	ctx->log = *log;
	if ((r = og_config_load(config_path, &ctx->cfg, err, errlen, &ctx->log)) != OG_OK)
		return r;
	ctx->cfg_loaded = 1;
	/* on failure the config stays loaded, so the attempt can still be spooled */
	if ((r = og_store_open(&ctx->cfg, &ctx->log, 0, &ctx->st)) != OG_OK) {
		snprintf(err, errlen, "store %.200s: %s", og_config_store_name(&ctx->cfg), og_strerror(r));
		return r;
	}
	/* rows spooled while the store was away go in now, oldest first */
	og_spool_flush(ctx->cfg.store_spool, ctx->st, &ctx->log);
	return OG_OK;
}

void og_ctx_close(struct og_ctx *ctx)
{
	og_store_close(ctx->st);
	if (ctx->cfg_loaded)
		og_config_free(&ctx->cfg);
	memset(ctx, 0, sizeof(*ctx));
}

void og_login_clear(struct og_login *l)
{
	og_store_user_state_wipe(&l->us);
	og_enrol_wipe(&l->enrol);
}

static void audit_init(const struct og_ctx *ctx, const struct og_login *l,
		       struct og_audit_event *ev, const char *event, const char *result,
		       const char *reason)
{
	memset(ev, 0, sizeof(*ev));
	ev->ts = l->now;
	ev->event = event;
	ev->result = result;
	ev->reason = reason;
	ev->user = l->user;
	ev->source = l->source[0] ? l->source : l->rhost;
	ev->service = l->service;
	ev->token = l->token[0] ? l->token : NULL;
	ev->key = l->key_fp[0] ? l->key_fp : NULL;
	ev->syslog_only = !ctx->cfg.audit_store;
}

/* Syslog, and the store unless it already took the row; if the store
 * cannot, the row waits in the spool (og_audit_emit). */
static void audit_emit(struct og_ctx *ctx, const struct og_audit_event *ev, int stored)
{
	const struct og_auditor a = { &ctx->cfg, ctx->st, &ctx->log, &ctx->log };

	og_audit_emit(&a, ev, stored);
}

/* Audits a refusal decided without touching login state. */
static enum og_verdict refuse(struct og_ctx *ctx, struct og_login *l, const char *event,
			      const char *reason, enum og_verdict v)
{
	struct og_audit_event ev;

	l->reason = reason;
	audit_init(ctx, l, &ev, event, "failure", reason);
	audit_emit(ctx, &ev, 0);
	return v;
}

int og_login_source(const char *rhost, const char *ssh_connection, struct og_addr *addr,
		    char *out, size_t cap)
{
	char first[64];
	size_t n;

	if (rhost == NULL || rhost[0] == '\0')
		return OG_ERR_NOTFOUND;
	if (og_addr_parse(rhost, addr) == OG_OK) {
		og_addr_format(addr, out, cap);
		return OG_OK;
	}
	/* UseDNS yes: PAM_RHOST is a name; sshd puts the address in SSH_CONNECTION */
	n = ssh_connection ? strcspn(ssh_connection, " ") : 0;
	if (n > 0 && n < sizeof(first)) {
		memcpy(first, ssh_connection, n);
		first[n] = '\0';
		if (og_addr_parse(first, addr) == OG_OK) {
			og_addr_format(addr, out, cap);
			return OG_OK;
		}
	}
	return OG_ERR_INVALID;
}

/* Sets l->source and l->addr; returns a refusal reason or NULL. */
static const char *resolve_source(struct og_ctx *ctx, struct og_login *l)
{
	int r = og_login_source(l->rhost, l->ssh_connection, &l->addr, l->source,
				sizeof(l->source));

	if (r == OG_OK)
		return NULL;
	if (r == OG_ERR_NOTFOUND && ctx->cfg.allow_no_rhost) {
		snprintf(l->source, sizeof(l->source), "local");
		return NULL;
	}
	if (r == OG_ERR_NOTFOUND) {
		og_logf(&ctx->log, LOG_NOTICE, "user %.100s: no remote host (PAM_RHOST) "
			"and auth.allow_no_rhost is off", l->user);
		return "no-source";
	}
	og_logf(&ctx->log, LOG_NOTICE, "user %.100s: remote host '%.100s' is not a numeric "
		"address and SSH_CONNECTION %s", l->user, l->rhost,
		l->ssh_connection ? "holds none" : "is not set");
	return "bad-source";
}

/* A refusal kept until after the prompt (reason and verdict). */
static void hold(struct og_login *l, const char *reason, enum og_verdict v)
{
	l->pending = reason;
	l->pending_verdict = v;
}

/* 1 if the user has an invitation open at l->now (a store that cannot
 * say: no). */
static int invited(struct og_ctx *ctx, const struct og_login *l)
{
	struct og_invite inv;
	int open = og_store_invite_get(ctx->st, l->user, &inv) == OG_OK &&
		   og_invite_state(&inv, l->now) == OG_INVITE_OPEN;

	OPENSSL_cleanse(&inv, sizeof(inv));
	return open;
}

/*
 * Refusals kept until after the prompt, so a guesser learns nothing early.
 * A known user without an active token may type an invitation code; with
 * auth.allow_unenrolled such a user is let in without a prompt, unless an
 * invitation of theirs is open: then they are asked, to enrol.
 */
static void decide_pending(struct og_ctx *ctx, struct og_login *l)
{
	/* NSS is asked for everyone, not only for whom the store does not know */
	int in_nss = og_policy_user_in_nss(l->user) == 1, bar = og_attempt_standing(&l->us, l->now);

	l->locked_until = l->us.locked_until;
	l->failure_mode_until = l->us.failure_mode_until;
	if (!l->us.known && !in_nss) {
		hold(l, "unknown-user", OG_DENY_UNKNOWN);
	} else if (bar == OG_ERR_REMOVED) {
		hold(l, "removed", OG_DENY);
	} else if (bar == OG_ERR_LOCKED) {
		hold(l, "locked", OG_DENY_LOCKED);
	} else if (l->us.ntokens == 0 && !ctx->cfg.allow_unenrolled) {
		hold(l, "no-token", OG_DENY);
		l->may_enrol = l->us.known;
	} else if (l->us.ntokens == 0) {
		l->may_enrol = l->us.known && invited(ctx, l);
		l->skip_prompt = !l->may_enrol;
	}
}

#define KEY_UNREADABLE "unreadable"	/* the audit key field for a line that cannot be parsed */

/*
 * One key sshd accepted, "TYPE BASE64 ..." of len bytes. Sets l->key_fp to
 * its fingerprint (a certificate's: that of the key it certifies), or to
 * KEY_UNREADABLE, and counts it in *plain when it is a plain key (not a
 * certificate). With keys.check_at_login, returns a refusal reason unless
 * it is a plain key the registry holds for this user and valid now; NULL
 * otherwise.
 */
static const char *check_one_key(struct og_ctx *ctx, struct og_login *l, const char *text,
				 size_t len, int *plain)
{
	struct og_access_key k;
	const char *why = NULL;
	int cert = 0, r;

	if (og_sshkey_fingerprint_text(text, len, l->key_fp, &cert, &why) != OG_OK) {
		og_copy(l->key_fp, sizeof(l->key_fp), KEY_UNREADABLE);
		og_logf(&ctx->log, LOG_NOTICE, "user %.100s: a publickey line of SSH_AUTH_INFO_0 "
			"(%zu bytes) cannot be read: %s", l->user, len, why);
		return ctx->cfg.keys_check_at_login ? "key-not-registered" : NULL;
	}
	*plain += !cert;
	if (!ctx->cfg.keys_check_at_login)
		return NULL;
	/* the registry holds plain keys; a certificate's CA is nobody's to trust here */
	if (cert) {
		og_logf(&ctx->log, LOG_NOTICE, "user %.100s: SSH key %s came in a certificate, "
			"which is never a registry key", l->user, l->key_fp);
		return "key-not-registered";
	}
	r = og_store_key_by_fp(ctx->st, l->key_fp, &k);
	if (r != OG_OK && r != OG_ERR_NOTFOUND)
		return "store-error";
	if (r == OG_ERR_NOTFOUND || strcmp(k.user, l->user) != 0)
		return "key-not-registered";
	if (!og_access_key_valid(&k, l->now))
		return k.state == OG_ACCESS_KEY_REVOKED ? "key-revoked" : "key-expired";
	return NULL;
}

/*
 * The SSH keys sshd accepted for this login: the SSH_AUTH_INFO_0 lines
 * "publickey TYPE BASE64 ...", of any length. l->key_fp names the last one
 * looked at (for the audit trail). With keys.check_at_login, returns a
 * refusal reason unless there is at least one such line and every key is
 * valid in the registry for this user (not revoked or expired since
 * sshd's lookup, not from an authorized_keys file, not a certificate);
 * NULL otherwise. Sets l->key_accepted when there is at least one such
 * line, each a plain key (a certificate is never a registry key) that
 * passed: sshd accepted the user's own public key.
 */
static const char *check_login_key(struct og_ctx *ctx, struct og_login *l)
{
	const char *p = l->auth_info, *why = NULL;
	int nkeys = 0, plain = 0;

	for (; p != NULL && *p != '\0' && why == NULL; p += strcspn(p, "\n"), p += *p == '\n') {
		size_t n = strcspn(p, "\n");
		if (n < 10 || strncmp(p, "publickey ", 10) != 0)
			continue;
		nkeys++;
		why = check_one_key(ctx, l, p + 10, n - 10, &plain);
	}
	if (why == NULL && nkeys == 0 && ctx->cfg.keys_check_at_login)
		why = "no-key";
	l->key_accepted = why == NULL && nkeys > 0 && plain == nkeys;
	return why;
}

/* A refusal decided, not audited yet: its reason in l->reason. */
static enum og_verdict deny(struct og_login *l, const char *reason, enum og_verdict v)
{
	l->reason = reason;
	return v;
}

/*
 * Source, store read, policy and SSH key; shared by auth and account.
 * OG_ALLOW, or a refusal with its reason in l->reason, not audited yet
 * (the caller says when); a failed store read is OG_UNAVAIL, store-error.
 * The key is looked at before the policy decides (whether it was the
 * user's decides what a refusal may tell), and refuses after it.
 */
static enum og_verdict check_source_policy(struct og_ctx *ctx, struct og_login *l)
{
	const char *why, *key_why;
	int line, r;

	l->reason = NULL;
	if (l->user == NULL || !og_is_safe_name(l->user, OG_USER_MAX))
		return deny(l, "bad-user-name", OG_DENY_UNKNOWN);
	if ((why = resolve_source(ctx, l)) != NULL)
		return deny(l, why, OG_DENY_POLICY);
	if ((r = og_store_user_state(ctx->st, l->user, &l->us)) != OG_OK) {
		og_logf(&ctx->log, LOG_ERR, "user %.100s: store read failed: %s", l->user,
			og_strerror(r));
		return deny(l, "store-error", OG_UNAVAIL);
	}
	key_why = check_login_key(ctx, l);
	if (key_why != NULL && strcmp(key_why, "store-error") == 0)
		return deny(l, key_why, OG_UNAVAIL);
	if (strcmp(l->source, "local") != 0 &&
	    !og_policy_allows(&ctx->cfg, l->user, l->us.org, &l->addr, &line)) {
		og_logf(&ctx->log, LOG_NOTICE, "user %.100s from %s: refused by %s", l->user,
			l->source, line ? "policy rule" : "policy (no rule matches)");
		return deny(l, "policy", OG_DENY_POLICY);
	}
	if ((why = key_why) != NULL) {
		og_logf(&ctx->log, LOG_NOTICE, "user %.100s from %s: SSH key %s refused: %s",
			l->user, l->source, l->key_fp[0] ? l->key_fp : "?", why);
		return deny(l, why, OG_DENY_POLICY);
	}
	return OG_ALLOW;
}

/*
 * With auth.uniform_refusals, a refusal decided before the prompt is kept
 * until after it, whatever it depends on (who the user is, where they come
 * from, their key); only a store that cannot answer is told at once, as it
 * is the same for everyone.
 */
static int held_back(const struct og_ctx *ctx, enum og_verdict v)
{
	return ctx->cfg.uniform_refusals && v != OG_UNAVAIL;
}

/*
 * What the client is told of an auth verdict. With auth.uniform_refusals
 * every refusal is OG_DENY (PAM_AUTH_ERR), whatever its reason (the audit
 * keeps that): no PAM_MAXTRIES for a lock, no PAM_USER_UNKNOWN, no
 * PAM_PERM_DENIED. A system that cannot decide still says so.
 */
enum og_verdict og_login_shown(const struct og_ctx *ctx, enum og_verdict v)
{
	return ctx->cfg.uniform_refusals && v != OG_ALLOW && v != OG_UNAVAIL && v != OG_NEXT_CODE &&
	       v != OG_ENROL ? OG_DENY : v;
}

enum og_verdict og_login_unavailable(struct og_ctx *ctx, struct og_login *l, const char *event)
{
	l->source[0] = '\0';
	if (l->rhost != NULL && og_addr_parse(l->rhost, &l->addr) == OG_OK)
		og_addr_format(&l->addr, l->source, sizeof(l->source));
	return refuse(ctx, l, event, "store-unavailable", OG_UNAVAIL);
}

enum og_verdict og_login_precheck(struct og_ctx *ctx, struct og_login *l)
{
	enum og_verdict v = check_source_policy(ctx, l);

	if (v != OG_ALLOW && !held_back(ctx, v))
		return refuse(ctx, l, "auth", l->reason, v);
	if (v != OG_ALLOW)
		hold(l, l->reason, v);
	else
		decide_pending(ctx, l);
	l->reason = NULL;
	/* the name is only logged once it passed the check */
	og_logf(&ctx->log, LOG_DEBUG, "user %.100s from %s: %s, %d active token(s)%s%s",
		l->user && og_is_safe_name(l->user, OG_USER_MAX) ? l->user : "(bad name)",
		l->source[0] ? l->source : "?", l->us.known ? "known" : "not in the store",
		l->us.ntokens, l->pending ? ", will refuse after the prompt: " : "",
		l->pending ? l->pending : "");
	if (l->skip_prompt) {
		struct og_audit_event ev;
		l->reason = "unenrolled-allowed";
		audit_init(ctx, l, &ev, "auth", "success", l->reason);
		audit_emit(ctx, &ev, 0);
	}
	return OG_ALLOW;
}

/* The code of this login is checked, claimed, counted and audited as an
 * attempt (attempt.h). done() takes back what it decided. */
void og_login_attempt(struct og_ctx *ctx, struct og_login *l, const struct og_auditor *aud,
		      const char *event, struct og_attempt *a)
{
	memset(a, 0, sizeof(*a));
	a->cfg = &ctx->cfg;
	a->st = ctx->st;
	a->log = &ctx->log;
	a->audit = aud;
	audit_init(ctx, l, &a->ev, event, NULL, NULL);
	og_copy(a->token, sizeof(a->token), l->token);
	a->locked_until = l->locked_until;
	a->failure_mode_until = l->failure_mode_until;
	a->next_token = l->next_token;
	a->next_after = l->next_after;
	a->next_drift = l->next_drift;
}

static enum og_verdict done(struct og_login *l, const struct og_attempt *a, enum og_verdict v)
{
	l->reason = a->reason;
	og_copy(l->token, sizeof(l->token), a->token);
	l->locked_until = a->locked_until;
	l->failure_mode_until = a->failure_mode_until;
	l->next_token = a->next_token;
	l->next_after = a->next_after;
	l->next_drift = a->next_drift;
	return v;
}

/*
 * A recovery code typed at the prompt (its shape is not a TOTP code's):
 * matched against the user's unused codes and consumed atomically. It is
 * failure mode's additional check in itself, and ends it.
 */
static enum og_verdict verify_recovery(struct og_ctx *ctx, struct og_login *l,
				       struct og_attempt *a, const char *code)
{
	struct og_recovery_set set;
	int i, idx, used, r;

	if ((r = og_store_recovery_get(ctx->st, l->user, &set)) != OG_OK)
		return og_attempt_refuse(a, "store-error", OG_UNAVAIL);
	i = og_recovery_match(&set, code);
	idx = i >= 0 ? set.idx[i] : -1;
	used = i >= 0 && set.used[i];
	OPENSSL_cleanse(&set, sizeof(set));
	if (idx < 0)
		return og_attempt_failed(a, "bad-code");
	og_copy(a->token, sizeof(a->token), "recovery");
	if (used)
		return og_attempt_failed(a, "replay");
	r = og_store_recovery_use(ctx->st, l->user, idx, og_attempt_outcome(a, "success",
				  og_attempt_standing(&l->us, l->now) == OG_ERR_FAILURE_MODE ||
				  l->next_token >= 0 ? "failure-mode-passed" : "recovery"));
	if (r == OG_ERR_REPLAY)
		return og_attempt_failed(a, "replay");
	if (og_attempt_is_barred(r))
		return og_attempt_barred(a, r);
	if (r != OG_OK)
		return og_attempt_refuse(a, "store-error", OG_UNAVAIL);
	og_audit_emit(a->audit, &a->ev, 1);
	og_logf(&ctx->log, LOG_NOTICE, "user %.100s logged in with a recovery code", l->user);
	return OG_ALLOW;
}

/*
 * Every answered prompt reads the master key first, whatever refusal is
 * held back, so the time to the answer does not tell an enrolled user from
 * another. When it cannot be read no code is checked: the attempt is
 * audited as master-key, or with the refusal held back (the row waits in
 * the spool, as the chain key cannot be had either).
 */
static enum og_verdict verify(struct og_ctx *ctx, struct og_login *l, const char *code)
{
	const struct og_auditor aud = { &ctx->cfg, ctx->st, &ctx->log, &ctx->log };
	struct og_attempt a;
	struct og_key master = { 0 };

	if (og_master_key_load(ctx->cfg.master_key, &master, &ctx->log) != OG_OK)
		return refuse(ctx, l, "auth", l->pending ? l->pending : "master-key", OG_UNAVAIL);
	if (ctx->st != NULL)
		og_store_chain_key_from(ctx->st, &master);	/* the audit entry needs it */
	og_login_attempt(ctx, l, &aud, "auth", &a);
	if (l->may_enrol && code != NULL && og_invite_shaped(code))
		return done(l, &a, og_enrol_take(ctx, l, &a, &master, code));	/* wipes it */
	if (l->pending == NULL && code != NULL && !og_recovery_shaped(code))
		return done(l, &a, og_attempt_code(&a, &l->us, &master, code));	/* wipes it */
	og_key_wipe(&master);
	if (l->pending != NULL)
		return refuse(ctx, l, "auth", l->pending, l->pending_verdict);
	if (code == NULL)
		return refuse(ctx, l, "auth", "no-code", OG_DENY);
	return done(l, &a, verify_recovery(ctx, l, &a, code));
}

enum og_verdict og_login_verify(struct og_ctx *ctx, struct og_login *l, const char *code,
				int64_t answered_at)
{
	l->now = answered_at;
	l->next_token = -1;
	return og_login_shown(ctx, verify(ctx, l, code));
}

/* The next code of failure mode, or a recovery code in its place. */
static enum og_verdict verify_next(struct og_ctx *ctx, struct og_login *l, const char *code)
{
	const struct og_auditor aud = { &ctx->cfg, ctx->st, &ctx->log, &ctx->log };
	struct og_attempt a;
	struct og_key master = { 0 };

	if (og_master_key_load(ctx->cfg.master_key, &master, &ctx->log) != OG_OK)
		return refuse(ctx, l, "auth", "master-key", OG_UNAVAIL);
	og_login_attempt(ctx, l, &aud, "auth", &a);
	if (code != NULL && !og_recovery_shaped(code))
		return done(l, &a, og_attempt_next(&a, &l->us, &master, code));	/* wipes it */
	og_key_wipe(&master);
	if (code == NULL)
		return refuse(ctx, l, "auth", "no-code", OG_DENY);
	return done(l, &a, verify_recovery(ctx, l, &a, code));
}

enum og_verdict og_login_verify_next(struct og_ctx *ctx, struct og_login *l, const char *code,
				     int64_t answered_at)
{
	l->now = answered_at;
	if (l->next_token < 0)
		return og_login_shown(ctx, refuse(ctx, l, "auth", "no-code", OG_DENY));
	return og_login_shown(ctx, verify_next(ctx, l, code));
}

enum og_verdict og_account_check(struct og_ctx *ctx, struct og_login *l)
{
	struct og_audit_event ev;
	enum og_verdict v = check_source_policy(ctx, l);
	int bar;

	/* after authentication: told at once, as it is */
	if (v != OG_ALLOW)
		return refuse(ctx, l, "account", l->reason, v);
	l->locked_until = l->us.locked_until;
	l->failure_mode_until = l->us.failure_mode_until;
	if ((bar = og_attempt_standing(&l->us, l->now)) == OG_ERR_LOCKED)
		return refuse(ctx, l, "account", "locked", OG_DENY_LOCKED);
	if (bar == OG_ERR_REMOVED)
		return refuse(ctx, l, "account", "removed", OG_DENY_POLICY);
	/* the additional check is made at a code prompt: a login that made none
	 * (key alone) is not let past failure mode */
	if (bar == OG_ERR_FAILURE_MODE)
		return refuse(ctx, l, "account", "failure-mode", OG_DENY_POLICY);
	l->reason = "ok";
	if (l->key_fp[0] && ctx->cfg.keys_check_at_login)
		og_store_key_touch(ctx->st, l->key_fp, l->now);
	audit_init(ctx, l, &ev, "account", "success", "ok");
	audit_emit(ctx, &ev, 0);
	return OG_ALLOW;
}

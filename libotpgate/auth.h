/*
 * auth.h: the login decision, shared by the PAM module's auth and account
 * phases. The PAM layer gathers inputs, runs the conversation and maps the
 * verdict to a PAM code; everything else happens here.
 */
#ifndef OTPGATE_AUTH_H
#define OTPGATE_AUTH_H

#include <stdint.h>
#include "attempt.h"
#include "cidr.h"
#include "config.h"
#include "enrol.h"
#include "log.h"
#include "store.h"

struct og_ctx {
	struct og_config cfg;
	struct og_store *st;
	struct og_log log;
	int cfg_loaded;
};

struct og_login {
	/* inputs */
	const char *user;
	const char *service;
	const char *rhost;		/* PAM_RHOST, may be NULL */
	const char *ssh_connection;	/* SSH_CONNECTION from the PAM env, may be NULL */
	const char *auth_info;		/* SSH_AUTH_INFO_0: the methods (and keys) sshd accepted */
	int shows_text;			/* the user is shown text messages between prompts (sshd's
					 * keyboard-interactive; not a VPN): an enrolment can be */
	int64_t now;			/* before the prompt; og_login_verify moves it on */
	/* filled in by og_login_precheck */
	char source[64];		/* numeric address or "local" */
	struct og_addr addr;
	struct og_user_state us;
	char key_fp[52];		/* fingerprint of the SSH key used, or "" */
	int key_accepted;		/* sshd accepted the user's public key (and with
					 * keys.check_at_login the registry holds it) */
	int skip_prompt;		/* allowed without a code (allow_unenrolled) */
	int may_enrol;			/* no active token: an invitation code may be typed */
	const char *pending;		/* refusal decided before the prompt, or NULL */
	enum og_verdict pending_verdict;
	/* filled in by og_login_verify */
	const char *reason;
	char token[OG_SERIAL_MAX + 1];
	int64_t locked_until;		/* the lock the user is under, as last known */
	int64_t failure_mode_until;	/* failure mode, as last known */
	int next_token;			/* OG_NEXT_CODE: what og_login_verify_next checks */
	int64_t next_after, next_drift;
	struct og_enrolment enrol;	/* after OG_ENROL: the new device (enrol.h) */
};

/*
 * The client's address from PAM_RHOST, or (when that is a host name) the
 * first field of SSH_CONNECTION: numeric, an IPv4-mapped address as IPv4,
 * into addr and out. OG_OK; OG_ERR_NOTFOUND when rhost is unset or empty;
 * OG_ERR_INVALID when no numeric address can be had.
 */
int og_login_source(const char *rhost, const char *ssh_connection, struct og_addr *addr,
		    char *out, size_t cap);

/*
 * Loads config and opens the store. err gets a one-line reason. When only
 * the store failed, ctx->cfg_loaded stays set (for og_login_unavailable);
 * og_ctx_close must be called either way.
 */
int og_ctx_open(struct og_ctx *ctx, const char *config_path, const struct og_log *log,
		char *err, size_t errlen);
void og_ctx_close(struct og_ctx *ctx);

/*
 * Before prompting: resolves the source, reads the user's state and
 * applies source policy. Returns OG_ALLOW to go on and prompt (a refusal
 * that must not be revealed before the prompt is kept in l->pending: with
 * auth.uniform_refusals every one but a store that cannot answer), or a
 * final verdict (policy, unavailable) already audited.
 */
enum og_verdict og_login_precheck(struct og_ctx *ctx, struct og_login *l);

/*
 * After the prompt: checks code (NULL when the conversation failed) as of
 * answered_at, when the conversation returned (it becomes l->now), and
 * records the outcome atomically and audits it. The store's claim refuses
 * a user locked or removed while the login waited at the prompt. With
 * auth.uniform_refusals every refusal is returned as OG_DENY (the audit
 * keeps its reason); OG_UNAVAIL stays. OG_ENROL when code was the user's
 * invitation: the enrolment goes on with og_enrol_text and
 * og_enrol_finish (enrol.h).
 */
enum og_verdict og_login_verify(struct og_ctx *ctx, struct og_login *l, const char *code,
				int64_t answered_at);

/*
 * Failure mode: after og_login_verify gave OG_NEXT_CODE (a right code),
 * the code the same token shows next, or a recovery code (NULL when the
 * conversation gave none), as of answered_at; claimed, it ends failure
 * mode. Verdicts as og_login_verify.
 */
enum og_verdict og_login_verify_next(struct og_ctx *ctx, struct og_login *l, const char *code,
				     int64_t answered_at);

/* The login's outcome as attempt a (attempt.h) of event, as of l->now:
 * who, from where, the service, the key; audited through aud. */
void og_login_attempt(struct og_ctx *ctx, struct og_login *l, const struct og_auditor *aud,
		      const char *event, struct og_attempt *a);

/* With auth.uniform_refusals, a refusal is told as OG_DENY whatever its
 * reason; other verdicts as they are. */
enum og_verdict og_login_shown(const struct og_ctx *ctx, enum og_verdict v);

/* Account phase: source policy, lock and failure mode again, audited. */
enum og_verdict og_account_check(struct og_ctx *ctx, struct og_login *l);

/* The store cannot be reached: audits the attempt (syslog, and the spool
 * for the store to take later). Returns OG_UNAVAIL. */
enum og_verdict og_login_unavailable(struct og_ctx *ctx, struct og_login *l, const char *event);

/* Wipes and clears the login's secrets. */
void og_login_clear(struct og_login *l);

#endif

/*
 * flow.c: the module's core: a login's steps, run on inputs the front
 * gathered (pamio.h), in the application's process (otpgate-pam.so) or in
 * otpgated. It maps the core's verdicts to PAM codes; the decision itself
 * lives in libotpgate/auth.c, what a refusal tells in message.c, and
 * sessions in session.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <security/pam_appl.h>

#include "auth.h"
#include "config.h"
#include "ctxsrc.h"
#include "input.h"
#include "message.h"
#include "pamio.h"
#include "session.h"
#include "store.h"
#include "util.h"
#include "version.h"

static void login_from(const struct og_pam_in *in, struct og_login *l)
{
	memset(l, 0, sizeof(*l));
	l->user = in->user;
	l->service = in->service;
	l->rhost = in->rhost;
	l->ssh_connection = in->ssh_connection;
	l->auth_info = in->auth_info;
	l->now = (int64_t)time(NULL);
}

static int has_user(const struct og_pam_in *in)
{
	return in->user != NULL && *in->user != '\0';
}

/*
 * Loads config and store (ctxsrc.h) into *ctx; PAM_SUCCESS or the PAM
 * code to return. When only the store is unreachable, the attempt is
 * audited (and spooled) first.
 */
static int open_ctx(const struct og_pam_in *in, const struct og_pam_io *io, const char *event,
		    struct og_ctx **ctx)
{
	struct og_log log = og_pam_io_log(io, in->args.debug);
	struct og_login l;
	char err[512];
	int r = 0;

	if (in->args.debug)
		og_logf(&log, LOG_DEBUG, "pam_otpgate %s (plugin directory %s%s)", OTPGATE_VERSION,
			og_store_plugin_dir(), in->args.daemon ? ", through otpgated" : "");
	if ((*ctx = og_pam_ctx_open(in->args.config, &log, err, sizeof(err), &r)) == NULL)
		return PAM_BUF_ERR;
	if (r == 0)
		return PAM_SUCCESS;
	io->log(io->h, LOG_ERR, err);
	if ((*ctx)->cfg_loaded && has_user(in)) {
		login_from(in, &l);
		og_login_unavailable(*ctx, &l, event);
	}
	og_pam_ctx_done(*ctx, 0);
	return PAM_AUTHINFO_UNAVAIL;
}

static int verdict_to_pam(enum og_verdict v)
{
	switch (v) {
	case OG_ALLOW: return PAM_SUCCESS;
	case OG_DENY: return PAM_AUTH_ERR;
	case OG_DENY_POLICY: return PAM_PERM_DENIED;
	case OG_DENY_LOCKED: return PAM_MAXTRIES;
	case OG_DENY_UNKNOWN: return PAM_USER_UNKNOWN;
	case OG_UNAVAIL: return PAM_AUTHINFO_UNAVAIL;
	case OG_NEXT_CODE: return PAM_AUTH_ERR;	/* never let through unanswered */
	case OG_ENROL: return PAM_AUTH_ERR;	/* never the end of a login */
	}
	return PAM_AUTH_ERR;
}

/* A refusal's one line, when the core says it may be told (PAM_ERROR_MSG). */
static void tell_refusal(const struct og_pam_io *io, const struct og_ctx *ctx,
			 const struct og_login *l, enum og_verdict v)
{
	char line[OG_MESSAGE_MAX];

	if (v != OG_ALLOW && v != OG_UNAVAIL && og_login_message(ctx, l, line, sizeof(line)))
		io->converse(io->h, PAM_ERROR_MSG, line, NULL);
}

/* Digits of the code to split off a combined answer: the user's tokens'. */
static int code_digits(const struct og_ctx *ctx, const struct og_login *l)
{
	return l->us.ntokens > 0 ? l->us.tokens[0].params.digits : ctx->cfg.totp.digits;
}

/* The code, then in failure mode the next one; each checked as of when it
 * was entered, not when asked for. */
static enum og_verdict codes(const struct og_pam_in *in, const struct og_pam_io *io,
			     struct og_ctx *ctx, struct og_login *l)
{
	char *code = og_pam_get_code(in, io, code_digits(ctx, l));
	enum og_verdict v = og_login_verify(ctx, l, code, (int64_t)time(NULL));

	og_freezero_str(code);
	if (v != OG_NEXT_CODE)
		return v;
	code = og_pam_get_next_code(in, io, OG_MESSAGE_NEXT_CODE);
	v = og_login_verify_next(ctx, l, code, (int64_t)time(NULL));
	og_freezero_str(code);
	return v;
}

/* The user took their invitation: shown their new device, then asked for
 * its code until the core has decided (enrol.h); a wrong first code is
 * told so, and asked again. */
static enum og_verdict enrol(const struct og_pam_io *io, struct og_ctx *ctx, struct og_login *l)
{
	char *text = og_enrol_text(l), *code = NULL;
	enum og_verdict v = OG_ENROL;

	if (text == NULL || og_pam_show(io, text) != PAM_SUCCESS)
		v = og_enrol_finish(ctx, l, NULL, (int64_t)time(NULL));
	og_freezero_str(text);
	while (v == OG_ENROL) {
		code = og_pam_ask(io, OG_PROMPT_NEW_DEVICE);
		v = og_enrol_finish(ctx, l, code, (int64_t)time(NULL));
		og_freezero_str(code);
		if (v == OG_ENROL)
			io->converse(io->h, PAM_ERROR_MSG, OG_MESSAGE_ENROL_RETRY, NULL);
	}
	return v;
}

static int authenticate(const struct og_pam_in *in, const struct og_pam_io *io,
			struct og_ctx *ctx)
{
	struct og_login l;
	enum og_verdict v;

	login_from(in, &l);
	l.shows_text = og_pam_shows_text(in);
	v = og_login_precheck(ctx, &l);
	if (v == OG_ALLOW && !l.skip_prompt)
		v = codes(in, io, ctx, &l);
	if (v == OG_ENROL)
		v = enrol(io, ctx, &l);
	tell_refusal(io, ctx, &l, v);
	og_login_clear(&l);
	return verdict_to_pam(v);
}

static int account(const struct og_pam_in *in, const struct og_pam_io *io, struct og_ctx *ctx)
{
	struct og_login l;
	enum og_verdict v;

	login_from(in, &l);
	v = og_account_check(ctx, &l);
	tell_refusal(io, ctx, &l, v);
	og_login_clear(&l);
	return v == OG_DENY_LOCKED ? PAM_PERM_DENIED : verdict_to_pam(v);
}

static void tell_info(void *io, const char *line)
{
	const struct og_pam_io *p = io;

	p->converse(p->h, PAM_TEXT_INFO, line, NULL);
}

/* Records the session; the user hears of their other sessions from other
 * sources. A failure here is logged, never a reason to hold a login back
 * (the stack line is "optional"). */
static int open_session(const struct og_pam_in *in, const struct og_pam_io *io,
			struct og_ctx *ctx)
{
	struct og_login l;
	char id[OG_ID_LEN + 1], line[128];

	login_from(in, &l);
	if (og_session_open(ctx, &l, in->tty, in->pid, tell_info, (void *)io, id) != 0)
		return PAM_SESSION_ERR;
	if (io->keep_session(io->h, id) != PAM_SUCCESS) {
		snprintf(line, sizeof(line), "session %s: its close will find it by process", id);
		io->log(io->h, LOG_ERR, line);
	}
	return PAM_SUCCESS;
}

static int close_session(const struct og_pam_in *in, struct og_ctx *ctx)
{
	return og_session_close(ctx, in->session_id, in->pid) == 0 ? PAM_SUCCESS : PAM_SESSION_ERR;
}

int og_pam_run(const struct og_pam_in *in, const struct og_pam_io *io)
{
	static const char *const event[] = { "auth", "account", "session", "session" };
	int session = in->fn == OG_PAM_OPEN || in->fn == OG_PAM_CLOSE;
	struct og_ctx *ctx;
	int r;

	if ((r = open_ctx(in, io, event[in->fn], &ctx)) != PAM_SUCCESS)
		return session && r != PAM_SERVICE_ERR ? PAM_SESSION_ERR : r;
	if (in->fn != OG_PAM_CLOSE && !has_user(in))
		r = session ? PAM_SESSION_ERR : PAM_USER_UNKNOWN;
	else if (in->fn == OG_PAM_AUTH)
		r = authenticate(in, io, ctx);
	else if (in->fn == OG_PAM_ACCOUNT)
		r = account(in, io, ctx);
	else if (in->fn == OG_PAM_OPEN)
		r = open_session(in, io, ctx);
	else
		r = close_session(in, ctx);
	og_pam_ctx_done(ctx, r != PAM_AUTHINFO_UNAVAIL && r != PAM_SESSION_ERR);
	return r;
}

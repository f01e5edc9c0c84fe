/*
 * pam_otpgate.c: the PAM entry points. They gather inputs, run the
 * conversation and map the core's verdict to a PAM code; the decision
 * itself lives in libotpgate/auth.c, what a refusal tells in message.c,
 * and sessions in session.c.
 */
#define PAM_SM_AUTH
#define PAM_SM_ACCOUNT
#define PAM_SM_SESSION
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "auth.h"
#include "config.h"
#include "input.h"
#include "message.h"
#include "session.h"
#include "store.h"
#include "util.h"
#include "version.h"

/* Where the open session's id waits for its close (pam_set_data). */
#define SESSION_DATA "pam_otpgate_session"

static int gather(pam_handle_t *ph, struct og_login *l);

static void log_to_pam(void *ph, int prio, const char *msg)
{
	pam_syslog(ph, prio, "%s", msg);
}

/*
 * Loads config and store; PAM_SUCCESS or the PAM code to return. When only
 * the store is unreachable, the attempt is audited (and spooled) first.
 */
static int open_ctx(pam_handle_t *ph, int argc, const char **argv, const char *event,
		    struct og_pam_args *a, struct og_ctx *ctx)
{
	struct og_log log = { log_to_pam, ph, 0 };
	struct og_login l;
	char err[512];
	int r;

	memset(ctx, 0, sizeof(*ctx));
	if ((r = og_pam_parse_args(ph, argc, argv, a)) != PAM_SUCCESS)
		return r;
	log.debug = a->debug;
	if (a->debug)
		pam_syslog(ph, LOG_DEBUG, "pam_otpgate %s (plugin directory %s)", OTPGATE_VERSION,
			   og_store_plugin_dir());
	if (og_ctx_open(ctx, a->config, &log, err, sizeof(err)) == 0)
		return PAM_SUCCESS;
	pam_syslog(ph, LOG_ERR, "%s", err);
	if (ctx->cfg_loaded && gather(ph, &l) == PAM_SUCCESS)
		og_login_unavailable(ctx, &l, event);
	og_ctx_close(ctx);
	return PAM_AUTHINFO_UNAVAIL;
}

static int gather(pam_handle_t *ph, struct og_login *l)
{
	const void *item = NULL;
	const char *user = NULL;

	memset(l, 0, sizeof(*l));
	if (pam_get_user(ph, &user, NULL) != PAM_SUCCESS || user == NULL || *user == '\0')
		return PAM_USER_UNKNOWN;
	l->user = user;
	if (pam_get_item(ph, PAM_SERVICE, &item) == PAM_SUCCESS)
		l->service = item;
	item = NULL;
	if (pam_get_item(ph, PAM_RHOST, &item) == PAM_SUCCESS)
		l->rhost = item;
	l->ssh_connection = pam_getenv(ph, "SSH_CONNECTION");
	l->auth_info = pam_getenv(ph, "SSH_AUTH_INFO_0");
	l->now = (int64_t)time(NULL);
	return PAM_SUCCESS;
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
static void tell_refusal(pam_handle_t *ph, const struct og_ctx *ctx, const struct og_login *l,
			 enum og_verdict v)
{
	char line[OG_MESSAGE_MAX];

	if (v != OG_ALLOW && v != OG_UNAVAIL && og_login_message(ctx, l, line, sizeof(line)))
		pam_error(ph, "%s", line);
}

/* Digits of the code to split off a combined answer: the user's tokens'. */
static int code_digits(const struct og_ctx *ctx, const struct og_login *l)
{
	return l->us.ntokens > 0 ? l->us.tokens[0].params.digits : ctx->cfg.totp.digits;
}

static void code_free(char *code)
{
	if (code != NULL) {
		OPENSSL_cleanse(code, strlen(code));
		free(code);
	}
}

/* The code, then in failure mode the next one; each checked as of when it
 * was entered, not when asked for. */
static enum og_verdict codes(pam_handle_t *ph, const struct og_pam_args *a, struct og_ctx *ctx,
			     struct og_login *l)
{
	char *code = og_pam_get_code(ph, a, code_digits(ctx, l));
	enum og_verdict v = og_login_verify(ctx, l, code, (int64_t)time(NULL));

	code_free(code);
	if (v != OG_NEXT_CODE)
		return v;
	code = og_pam_get_next_code(ph, a, OG_MESSAGE_NEXT_CODE);
	v = og_login_verify_next(ctx, l, code, (int64_t)time(NULL));
	code_free(code);
	return v;
}

/* The user took their invitation: shown their new device, then asked for
 * its code until the core has decided (enrol.h); a wrong first code is
 * told so, and asked again. */
static enum og_verdict enrol(pam_handle_t *ph, struct og_ctx *ctx, struct og_login *l)
{
	char *text = og_enrol_text(l), *code = NULL;
	enum og_verdict v = OG_ENROL;

	if (text == NULL || og_pam_show(ph, text) != PAM_SUCCESS)
		v = og_enrol_finish(ctx, l, NULL, (int64_t)time(NULL));
	og_freezero_str(text);
	while (v == OG_ENROL) {
		code = og_pam_ask(ph, OG_PROMPT_NEW_DEVICE);
		v = og_enrol_finish(ctx, l, code, (int64_t)time(NULL));
		code_free(code);
		if (v == OG_ENROL)
			pam_error(ph, "%s", OG_MESSAGE_ENROL_RETRY);
	}
	return v;
}

PAM_EXTERN int pam_sm_authenticate(pam_handle_t *ph, int flags, int argc, const char **argv)
{
	struct og_pam_args a;
	struct og_ctx ctx;
	struct og_login l;
	enum og_verdict v;
	int r;

	(void)flags;
	if ((r = open_ctx(ph, argc, argv, "auth", &a, &ctx)) != PAM_SUCCESS)
		return r;
	if ((r = gather(ph, &l)) != PAM_SUCCESS)
		goto out;
	l.shows_text = og_pam_shows_text(ph, &a);
	v = og_login_precheck(&ctx, &l);
	if (v == OG_ALLOW && !l.skip_prompt)
		v = codes(ph, &a, &ctx, &l);
	if (v == OG_ENROL)
		v = enrol(ph, &ctx, &l);
	tell_refusal(ph, &ctx, &l, v);
	r = verdict_to_pam(v);
out:
	og_login_clear(&l);
	og_ctx_close(&ctx);
	return r;
}

PAM_EXTERN int pam_sm_setcred(pam_handle_t *ph, int flags, int argc, const char **argv)
{
	(void)ph;
	(void)flags;
	(void)argc;
	(void)argv;
	return PAM_SUCCESS;
}

PAM_EXTERN int pam_sm_acct_mgmt(pam_handle_t *ph, int flags, int argc, const char **argv)
{
	struct og_pam_args a;
	struct og_ctx ctx;
	struct og_login l;
	enum og_verdict v;
	int r;

	(void)flags;
	if ((r = open_ctx(ph, argc, argv, "account", &a, &ctx)) != PAM_SUCCESS)
		return r;
	if ((r = gather(ph, &l)) == PAM_SUCCESS) {
		v = og_account_check(&ctx, &l);
		tell_refusal(ph, &ctx, &l, v);
		r = v == OG_DENY_LOCKED ? PAM_PERM_DENIED : verdict_to_pam(v);
		og_login_clear(&l);
	}
	og_ctx_close(&ctx);
	return r;
}

static void tell_info(void *ph, const char *line)
{
	pam_info(ph, "%s", line);
}

static void session_data_free(pam_handle_t *ph, void *data, int status)
{
	(void)ph;
	(void)status;
	free(data);
}

/* Records the session; the user hears of their other sessions from other
 * sources. A failure here is logged, never a reason to hold a login back
 * (the stack line is "optional"). */
PAM_EXTERN int pam_sm_open_session(pam_handle_t *ph, int flags, int argc, const char **argv)
{
	struct og_pam_args a;
	struct og_ctx ctx;
	struct og_login l;
	const void *tty = NULL;
	char id[OG_ID_LEN + 1], *kept;
	int r;

	(void)flags;
	if ((r = open_ctx(ph, argc, argv, "session", &a, &ctx)) != PAM_SUCCESS)
		return r == PAM_SERVICE_ERR ? r : PAM_SESSION_ERR;
	if ((r = gather(ph, &l)) == PAM_SUCCESS) {
		pam_get_item(ph, PAM_TTY, &tty);
		r = og_session_open(&ctx, &l, tty, (int64_t)getpid(), tell_info, ph, id) == 0
			    ? PAM_SUCCESS : PAM_SESSION_ERR;
	}
	if (r == PAM_SUCCESS && ((kept = strdup(id)) == NULL ||
				 pam_set_data(ph, SESSION_DATA, kept, session_data_free) != PAM_SUCCESS)) {
		pam_syslog(ph, LOG_ERR, "session %s: its close will find it by process", id);
		free(kept);
	}
	og_ctx_close(&ctx);
	return r == PAM_USER_UNKNOWN ? PAM_SESSION_ERR : r;
}

PAM_EXTERN int pam_sm_close_session(pam_handle_t *ph, int flags, int argc, const char **argv)
{
	struct og_pam_args a;
	struct og_ctx ctx;
	const void *id = NULL;
	int r;

	(void)flags;
	if ((r = open_ctx(ph, argc, argv, "session", &a, &ctx)) != PAM_SUCCESS)
		return r == PAM_SERVICE_ERR ? r : PAM_SESSION_ERR;
	if (pam_get_data(ph, SESSION_DATA, &id) != PAM_SUCCESS)
		id = NULL;
	r = og_session_close(&ctx, id, (int64_t)getpid()) == 0 ? PAM_SUCCESS : PAM_SESSION_ERR;
	og_ctx_close(&ctx);
	return r;
}

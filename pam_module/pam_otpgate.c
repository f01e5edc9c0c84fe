/*
 * pam_otpgate.c: the PAM entry points. They gather inputs, run the
 * conversation and map the core's verdict to a PAM code; the decision
 * itself lives in libotpgate/auth.c.
 */
#define PAM_SM_AUTH
#define PAM_SM_ACCOUNT
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <openssl/crypto.h>
#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "auth.h"
#include "config.h"
#include "input.h"
#include "store.h"
#include "util.h"
#include "version.h"

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
	case OG_ENROL: return PAM_AUTH_ERR;	/* never the end of a login */
	}
	return PAM_AUTH_ERR;
}

/* Digits of the code to split off a combined answer: the user's tokens'. */
static int code_digits(const struct og_ctx *ctx, const struct og_login *l)
{
	return l->us.ntokens > 0 ? l->us.tokens[0].params.digits : ctx->cfg.totp.digits;
}

/* What the core has to tell the user, if anything. */
static void tell(pam_handle_t *ph, const struct og_login *l)
{
	if (l->notice != NULL)
		pam_error(ph, "%s", l->notice);
}

/* The user took their invitation: shown their new device, then asked for
 * its code until the core has decided (enrol.h). */
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
		og_freezero_str(code);
		tell(ph, l);
	}
	return v;
}

PAM_EXTERN int pam_sm_authenticate(pam_handle_t *ph, int flags, int argc, const char **argv)
{
	struct og_pam_args a;
	struct og_ctx ctx;
	struct og_login l;
	enum og_verdict v;
	char *code = NULL;
	int r;

	(void)flags;
	if ((r = open_ctx(ph, argc, argv, "auth", &a, &ctx)) != PAM_SUCCESS)
		return r;
	if ((r = gather(ph, &l)) != PAM_SUCCESS)
		goto out;
	l.shows_text = og_pam_shows_text(ph, &a);
	v = og_login_precheck(&ctx, &l);
	if (v == OG_ALLOW && !l.skip_prompt) {
		code = og_pam_get_code(ph, &a, code_digits(&ctx, &l));
		/* the code is checked as of when it was entered, not when asked for */
		v = og_login_verify(&ctx, &l, code, (int64_t)time(NULL));
		tell(ph, &l);
	}
	if (v == OG_ENROL)
		v = enrol(ph, &ctx, &l);
	r = verdict_to_pam(v);
out:
	if (code != NULL) {
		OPENSSL_cleanse(code, strlen(code));
		free(code);
	}
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
		r = v == OG_DENY_LOCKED ? PAM_PERM_DENIED : verdict_to_pam(v);
		og_login_clear(&l);
	}
	og_ctx_close(&ctx);
	return r;
}

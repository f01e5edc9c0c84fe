/*
 * pam_otpgate.c: the PAM entry points: the module's front. It parses the
 * arguments and gathers the login's inputs through libpam (pamio.h), then
 * has the core run the login: otpgated with the `daemon` argument (a warm
 * process: the store open, libcrypto ready), or otpgate-pam.so loaded into
 * this process. The front links neither libcrypto nor the store, so the
 * process sshd forks for each connection loads them only when it runs the
 * core itself.
 */
#define PAM_SM_AUTH
#define PAM_SM_ACCOUNT
#define PAM_SM_SESSION
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "client.h"
#include "input.h"
#include "pamio.h"
#include "plugin.h"

/* Where the open session's id waits for its close (pam_set_data). */
#define SESSION_DATA "pam_otpgate_session"

typedef int (*core_fn)(const struct og_pam_in *, const struct og_pam_io *);

static int io_converse(void *ph, int style, const char *msg, char **resp)
{
	return pam_prompt(ph, style, resp, "%s", msg);
}

static int io_set_authtok(void *ph, const char *tok)
{
	return pam_set_item(ph, PAM_AUTHTOK, tok);
}

static void session_data_free(pam_handle_t *ph, void *data, int status)
{
	(void)ph;
	(void)status;
	free(data);
}

static int io_keep_session(void *ph, const char *id)
{
	char *kept = strdup(id);

	if (kept == NULL || pam_set_data(ph, SESSION_DATA, kept, session_data_free) != PAM_SUCCESS) {
		free(kept);
		return PAM_BUF_ERR;
	}
	return PAM_SUCCESS;
}

static void io_log(void *ph, int prio, const char *msg)
{
	pam_syslog(ph, prio, "%s", msg);
}

static const char *item(pam_handle_t *ph, int type)
{
	const void *v = NULL;

	return pam_get_item(ph, type, &v) == PAM_SUCCESS ? v : NULL;
}

static void gather(pam_handle_t *ph, struct og_pam_in *in)
{
	const char *user = NULL;
	const void *id = NULL;

	if (pam_get_user(ph, &user, NULL) == PAM_SUCCESS)
		in->user = user;
	in->service = item(ph, PAM_SERVICE);
	in->rhost = item(ph, PAM_RHOST);
	in->tty = item(ph, PAM_TTY);
	in->ssh_connection = pam_getenv(ph, "SSH_CONNECTION");
	in->auth_info = pam_getenv(ph, "SSH_AUTH_INFO_0");
	if (in->fn == OG_PAM_AUTH && (in->args.use_first_pass || in->args.try_first_pass))
		in->authtok = item(ph, PAM_AUTHTOK);
	if (in->fn == OG_PAM_CLOSE && pam_get_data(ph, SESSION_DATA, &id) == PAM_SUCCESS)
		in->session_id = id;
	in->pid = (int64_t)getpid();
}

/* The core in this process: otpgate-pam.so, loaded once and kept. */
static core_fn load_core(pam_handle_t *ph)
{
	static core_fn core;
	struct og_log log = { io_log, ph, 0 };
	void *h;

	if (core == NULL && (h = og_plugin_open(OG_PAM_CORE, &log)) != NULL &&
	    (core = (core_fn)dlsym(h, OG_PAM_CORE_SYMBOL)) == NULL)
		pam_syslog(ph, LOG_ERR, "%s: not the module's core", OG_PAM_CORE);
	return core;
}

static int call(pam_handle_t *ph, enum og_pam_fn fn, int argc, const char **argv)
{
	struct og_pam_io io = { ph, io_converse, io_set_authtok, io_keep_session, io_log };
	struct og_pam_in in;
	core_fn core;
	int r;

	memset(&in, 0, sizeof(in));
	in.fn = fn;
	if ((r = og_pam_parse_args(ph, argc, argv, &in.args)) != PAM_SUCCESS)
		return r;
	gather(ph, &in);
	if (in.args.daemon != NULL && (r = og_pam_client(in.args.daemon, &in, &io)) != OG_PAM_NO_DAEMON)
		return r;
	if ((core = load_core(ph)) == NULL)
		return fn == OG_PAM_OPEN || fn == OG_PAM_CLOSE ? PAM_SESSION_ERR : PAM_AUTHINFO_UNAVAIL;
	return core(&in, &io);
}

PAM_EXTERN int pam_sm_authenticate(pam_handle_t *ph, int flags, int argc, const char **argv)
{
	(void)flags;
	return call(ph, OG_PAM_AUTH, argc, argv);
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
	(void)flags;
	return call(ph, OG_PAM_ACCOUNT, argc, argv);
}

PAM_EXTERN int pam_sm_open_session(pam_handle_t *ph, int flags, int argc, const char **argv)
{
	(void)flags;
	return call(ph, OG_PAM_OPEN, argc, argv);
}

PAM_EXTERN int pam_sm_close_session(pam_handle_t *ph, int flags, int argc, const char **argv)
{
	(void)flags;
	return call(ph, OG_PAM_CLOSE, argc, argv);
}

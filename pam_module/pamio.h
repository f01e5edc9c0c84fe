/*
 * pamio.h: what a login's PAM call hands the module's core (flow.c), and
 * how the core talks back. The module's front (pam_otpgate.c) gathers the
 * inputs through libpam and either runs the core in its own process
 * (otpgate-pam.so, loaded on demand) or has otpgated run it (client.c),
 * which relays every conversation message, log line and PAM item the core
 * sets back to the front. The core itself never calls libpam.
 */
#ifndef OTPGATE_PAMIO_H
#define OTPGATE_PAMIO_H

#include <stdint.h>

#include "input.h"
#include "log.h"

enum og_pam_fn { OG_PAM_AUTH, OG_PAM_ACCOUNT, OG_PAM_OPEN, OG_PAM_CLOSE };

/* The inputs, gathered before the core runs (NULL: not set). */
struct og_pam_in {
	enum og_pam_fn fn;
	struct og_pam_args args;
	const char *user;		/* PAM_USER; NULL when pam_get_user gave none */
	const char *service;		/* PAM_SERVICE */
	const char *rhost;		/* PAM_RHOST */
	const char *tty;		/* PAM_TTY */
	const char *ssh_connection;	/* SSH_CONNECTION in the PAM environment */
	const char *auth_info;		/* SSH_AUTH_INFO_0 */
	const char *authtok;		/* PAM_AUTHTOK, read only with *_first_pass */
	const char *session_id;		/* close: what open kept (pam_set_data) */
	int64_t pid;			/* the application's process */
};

/* How the core talks back; h is the front's (or the relay's) handle. */
struct og_pam_io {
	void *h;
	/* One message of style PAM_PROMPT_ECHO_OFF (*resp: a malloc'd answer
	 * the caller wipes and frees), PAM_TEXT_INFO or PAM_ERROR_MSG (resp
	 * NULL). A PAM code. */
	int (*converse)(void *h, int style, const char *msg, char **resp);
	/* PAM_AUTHTOK := tok (forward_pass). A PAM code. */
	int (*set_authtok)(void *h, const char *tok);
	/* keeps the open session's id for its close (pam_set_data). A PAM code. */
	int (*keep_session)(void *h, const char *id);
	void (*log)(void *h, int prio, const char *msg);
};

/* A log sink (og_logf) that writes through io->log. */
struct og_log og_pam_io_log(const struct og_pam_io *io, int debug);

/* The core: runs in->fn; the PAM code to return. otpgate-pam.so exports it
 * under this name (OG_PAM_CORE_SYMBOL). */
int og_pam_run(const struct og_pam_in *in, const struct og_pam_io *io);

#define OG_PAM_CORE "otpgate-pam.so"
#define OG_PAM_CORE_SYMBOL "og_pam_run"

#endif

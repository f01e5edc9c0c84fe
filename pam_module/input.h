/* input.h: what the module is told (arguments) and asked for (the code). */
#ifndef OTPGATE_PAM_INPUT_H
#define OTPGATE_PAM_INPUT_H

#include <security/pam_modules.h>

#define OG_PROMPT_CODE "Verification code: "
#define OG_PROMPT_COMBINED "Password and verification code: "
#define OG_PROMPT_NEXT "Next verification code: "
#define OG_PROMPT_NEW_DEVICE "Verification code from your new device: "

/* otpgated's socket when the `daemon` argument names none */
#define OG_DAEMON_SOCKET "/run/otpgate/otpgated.sock"

struct og_pam_args {
	const char *config;	/* config=FILE */
	const char *daemon;	/* daemon[=SOCKET]: have otpgated run the login; NULL: in process */
	int debug;		/* debug */
	int combined;		/* the answer is the password followed by the code */
	int use_first_pass;	/* take the answer from PAM_AUTHTOK, never prompt */
	int try_first_pass;	/* PAM_AUTHTOK if set, else prompt */
	int forward_pass;	/* combined: leave the password in PAM_AUTHTOK */
};

/* Parses module arguments; an unknown or contradictory one is logged and
 * gives PAM_SERVICE_ERR. The strings point into argv. */
int og_pam_parse_args(pam_handle_t *ph, int argc, const char **argv, struct og_pam_args *a);

struct og_pam_in;
struct og_pam_io;

/*
 * Obtains the code the way the arguments say: its own prompt (one message,
 * echo off), or PAM_AUTHTOK, and with `combined` the last `digits`
 * characters of the answer (the rest, the password, is put in PAM_AUTHTOK
 * with `forward_pass`). Returns a malloc'd code the caller wipes and frees,
 * or NULL when the conversation or PAM_AUTHTOK gave nothing.
 */
char *og_pam_get_code(const struct og_pam_in *in, const struct og_pam_io *io, int digits);

/*
 * Failure mode's second code: info (why, and that the user waits for
 * the next code) as PAM_TEXT_INFO, then its own prompt, "Next
 * verification code: " (echo off), whatever the arguments (only
 * use_first_pass never prompts: NULL). A malloc'd answer, or NULL.
 */
char *og_pam_get_next_code(const struct og_pam_in *in, const struct og_pam_io *io,
			   const char *info);

/* 1 if the application shows the user the text of PAM_TEXT_INFO messages
 * and the module asks for the code itself: sshd (which puts
 * SSH_CONNECTION in the PAM environment), without *_first_pass or
 * combined. OpenVPN's and strongSwan's plugins show nothing. */
int og_pam_shows_text(const struct og_pam_in *in);

/*
 * Shows text (lines ending in '\n') as PAM_TEXT_INFO messages of whole
 * lines, each within PAM_MAX_MSG_SIZE (the limit of the PAM
 * specification, which some applications enforce; sshd joins them again,
 * a line each, into the next prompt). PAM_SUCCESS or the conversation's
 * error.
 */
int og_pam_show(const struct og_pam_io *io, const char *text);

/* Asks prompt (echo off); a malloc'd answer the caller wipes and frees, or NULL. */
char *og_pam_ask(const struct og_pam_io *io, const char *prompt);

#endif

/*
 * pam-login: one login through the real libpam, as sshd would do it.
 *
 *   pam-login -d CONFDIR -s SERVICE -u USER [-r RHOST] [-E NAME=VALUE]
 *             [-n COUNT] [-A] [-O] [-L] [-P COMMAND] [-S SECRETHEX | CODE]
 *   pam-login -d CONFDIR -s SERVICE -U USERFILE [-r RHOST] [-A]
 *
 * Answers every prompt with CODE (or, with -S, the current TOTP of the hex
 * secret), runs pam_authenticate and, with -A, pam_acct_mgmt. -P runs
 * COMMAND (through sh -c) at each prompt before answering, as if something
 * happened while the user typed; a failing COMMAND fails the login with
 * PAM_CONV_ERR, so the test notices. Prints the
 * PAM result as text and exits 0 on PAM_SUCCESS, 1 otherwise. -n repeats
 * the login COUNT times with a fresh handle each. -U logs in once as each
 * "name hexsecret" line of USERFILE and exits 0 only if all succeeded
 * (for leak checks over many logins). -L also copies the module's syslog
 * lines to stderr (syslog's LOG_PERROR), for tests that read them. -O then
 * opens a session (pam_open_session, on PAM_TTY /dev/pts/otpgate-test),
 * prints its result, holds it open until standard input ends and closes
 * it, as sshd does around a session: the process that holds it is the
 * session's. What the module tells the user (PAM_TEXT_INFO, PAM_ERROR_MSG)
 * goes to stderr, a line each, "info: " or "error: " before it.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <security/pam_appl.h>

#include "otp.h"
#include "util.h"

struct answer {
	const char *code;
	const char *secret_hex;
	const char *at_prompt;
};

static int conv(int n, const struct pam_message **msg, struct pam_response **resp, void *data)
{
	const struct answer *a = data;
	struct pam_response *r = calloc((size_t)n, sizeof(*r));
	char code[16] = "";

	if (r == NULL)
		return PAM_BUF_ERR;
	for (int i = 0; i < n; i++) {
		if (msg[i]->msg_style == PAM_TEXT_INFO || msg[i]->msg_style == PAM_ERROR_MSG)
			fprintf(stderr, "%s: %s\n", msg[i]->msg_style == PAM_TEXT_INFO ? "info" : "error",
				msg[i]->msg);
	}
	if (a->at_prompt != NULL && system(a->at_prompt) != 0) {
		fprintf(stderr, "pam-login: -P %s failed\n", a->at_prompt);
		free(r);
		return PAM_CONV_ERR;
	}
	if (a->secret_hex != NULL) {
		unsigned char key[64];
		int len = og_hex_decode(a->secret_hex, key, sizeof(key));
		struct og_otp_params p = { OG_SHA1, 6, 30, 0, OG_OTP_TOTP };
		if (len <= 0 || og_otp_format(key, (size_t)len, &p,
					      og_totp_step(&p, (int64_t)time(NULL)), code) != 0) {
			free(r);
			return PAM_CONV_ERR;
		}
	} else {
		snprintf(code, sizeof(code), "%s", a->code);
	}
	for (int i = 0; i < n; i++) {
		if (msg[i]->msg_style == PAM_PROMPT_ECHO_OFF || msg[i]->msg_style == PAM_PROMPT_ECHO_ON)
			r[i].resp = strdup(code);
	}
	*resp = r;
	return PAM_SUCCESS;
}

/* -O: a session opened, held until standard input ends, and closed. */
static int hold_session(pam_handle_t *ph)
{
	char buf[64];
	int rc;

	/* a session's process ends on SIGHUP (close), as a login shell does,
	 * even when whatever started the test ignores it (nohup) */
	signal(SIGHUP, SIG_DFL);
	pam_set_item(ph, PAM_TTY, "/dev/pts/otpgate-test");
	if ((rc = pam_open_session(ph, 0)) != PAM_SUCCESS)
		return rc;
	printf("session open\n");
	fflush(stdout);
	while (read(STDIN_FILENO, buf, sizeof(buf)) > 0)
		;
	return pam_close_session(ph, 0);
}

int main(int argc, char **argv)
{
	const char *confdir = NULL, *service = NULL, *user = NULL, *rhost = NULL, *env = NULL;
	const char *userfile = NULL;
	char line[256], name[128], hex[160];
	FILE *uf = NULL;
	long failed = 0;
	struct answer a = { NULL, NULL, NULL };
	int opt, account = 0, session = 0, rc = PAM_SUCCESS;
	long count = 1;

	while ((opt = getopt(argc, argv, "d:s:u:r:E:n:AOLP:S:U:")) != -1) {
		switch (opt) {
		case 'd': confdir = optarg; break;
		case 's': service = optarg; break;
		case 'u': user = optarg; break;
		case 'r': rhost = optarg; break;
		case 'E': env = optarg; break;
		case 'n': count = atol(optarg); break;
		case 'A': account = 1; break;
		case 'O': session = 1; break;
		case 'L': openlog("pam-login", LOG_PERROR, LOG_AUTHPRIV); break;
		case 'P': a.at_prompt = optarg; break;
		case 'S': a.secret_hex = optarg; break;
		case 'U': userfile = optarg; break;
		default: goto usage;
		}
	}
	if (userfile != NULL) {
		if ((uf = fopen(userfile, "r")) == NULL) {
			perror(userfile);
			return 2;
		}
		user = name;
		a.secret_hex = hex;
		count = 0;
		while (fgets(line, sizeof(line), uf) != NULL)
			count++;
		rewind(uf);
	}
	if (a.secret_hex == NULL && optind < argc)
		a.code = argv[optind++];
	if (!confdir || !service || !user || (a.code == NULL && a.secret_hex == NULL) ||
	    optind != argc || count < 1) {
usage:
		fprintf(stderr, "usage: pam-login -d CONFDIR -s SERVICE -u USER [-r RHOST] "
			"[-E NAME=VALUE] [-n COUNT] [-A] [-O] [-L] [-P COMMAND] [-S SECRETHEX | CODE]\n");
		return 2;
	}
	for (long i = 0; i < count; i++) {
		struct pam_conv pc = { conv, &a };
		pam_handle_t *ph = NULL;
		if (uf != NULL && (fgets(line, sizeof(line), uf) == NULL ||
				   sscanf(line, "%127s %159s", name, hex) != 2))
			break;
		rc = pam_start_confdir(service, user, &pc, confdir, &ph);
		if (rc != PAM_SUCCESS)
			break;
		if (rhost != NULL)
			pam_set_item(ph, PAM_RHOST, rhost);
		if (env != NULL)
			pam_putenv(ph, env);
		rc = pam_authenticate(ph, 0);
		if (rc == PAM_SUCCESS && account)
			rc = pam_acct_mgmt(ph, 0);
		if (rc == PAM_SUCCESS && session)
			rc = hold_session(ph);
		printf("%s%s%s\n", uf ? name : "", uf ? ": " : "", pam_strerror(ph, rc));
		failed += rc != PAM_SUCCESS;
		pam_end(ph, rc);
	}
	if (uf != NULL)
		fclose(uf);
	return rc == PAM_SUCCESS && failed == 0 ? 0 : 1;
}

/*
 * input.c: module arguments, and getting the code from wherever the
 * application puts it. sshd answers our own prompt; OpenVPN's auth-pam
 * plugin answers it from the static-challenge response, or answers one
 * password prompt with password and code together; strongSwan answers
 * exactly one prompt.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "codesplit.h"
#include "config.h"
#include "input.h"

int og_pam_parse_args(pam_handle_t *ph, int argc, const char **argv, struct og_pam_args *a)
{
	static const struct { const char *name; size_t off; } flags[] = {
		{ "debug", offsetof(struct og_pam_args, debug) },
		{ "combined", offsetof(struct og_pam_args, combined) },
		{ "use_first_pass", offsetof(struct og_pam_args, use_first_pass) },
		{ "try_first_pass", offsetof(struct og_pam_args, try_first_pass) },
		{ "forward_pass", offsetof(struct og_pam_args, forward_pass) },
	};

	memset(a, 0, sizeof(*a));
	a->config = OG_DEFAULT_CONFIG;
	for (int i = 0; i < argc; i++) {
		size_t k = 0;
		if (strncmp(argv[i], "config=", 7) == 0 && argv[i][7] != '\0') {
			a->config = argv[i] + 7;
			continue;
		}
		while (k < sizeof(flags) / sizeof(flags[0]) && strcmp(argv[i], flags[k].name) != 0)
			k++;
		if (k == sizeof(flags) / sizeof(flags[0])) {
			pam_syslog(ph, LOG_ERR, "unknown module argument '%.100s'", argv[i]);
			return PAM_SERVICE_ERR;
		}
		*(int *)((char *)a + flags[k].off) = 1;
	}
	if ((a->forward_pass && !a->combined) || (a->use_first_pass && a->try_first_pass)) {
		pam_syslog(ph, LOG_ERR, "forward_pass needs combined; use_first_pass and "
			   "try_first_pass exclude each other");
		return PAM_SERVICE_ERR;
	}
	return PAM_SUCCESS;
}

static void wipe_free(char *s)
{
	if (s != NULL) {
		OPENSSL_cleanse(s, strlen(s));
		free(s);
	}
}

char *og_pam_ask(pam_handle_t *ph, const char *prompt)
{
	char *resp = NULL;

	if (pam_prompt(ph, PAM_PROMPT_ECHO_OFF, &resp, "%s", prompt) != PAM_SUCCESS) {
		wipe_free(resp);
		return NULL;
	}
	return resp;
}

/* The whole answer: PAM_AUTHTOK, or one prompt. Caller wipes and frees. */
static char *get_answer(pam_handle_t *ph, const struct og_pam_args *a)
{
	const void *tok = NULL;

	if ((a->use_first_pass || a->try_first_pass) &&
	    pam_get_item(ph, PAM_AUTHTOK, &tok) == PAM_SUCCESS && tok != NULL)
		return strdup(tok);
	if (a->use_first_pass)
		return NULL;
	return og_pam_ask(ph, a->combined ? OG_PROMPT_COMBINED : OG_PROMPT_CODE);
}

char *og_pam_get_code(pam_handle_t *ph, const struct og_pam_args *a, int digits)
{
	char *answer = get_answer(ph, a), *code, split[16];

	if (answer == NULL || !a->combined)
		return answer;
	/* password then code: the code is the last `digits` characters */
	og_code_split(answer, digits, split, sizeof(split));
	code = strdup(split);
	OPENSSL_cleanse(split, sizeof(split));
	if (a->forward_pass && pam_set_item(ph, PAM_AUTHTOK, answer) != PAM_SUCCESS)
		pam_syslog(ph, LOG_ERR, "cannot hand the password on in PAM_AUTHTOK");
	wipe_free(answer);
	return code;
}

char *og_pam_get_next_code(pam_handle_t *ph, const struct og_pam_args *a, const char *info)
{
	if (a->use_first_pass)
		return NULL;
	/* an application that shows no text still gets the prompt */
	pam_prompt(ph, PAM_TEXT_INFO, NULL, "%s", info);
	return og_pam_ask(ph, OG_PROMPT_NEXT);
}

int og_pam_shows_text(pam_handle_t *ph, const struct og_pam_args *a)
{
	return pam_getenv(ph, "SSH_CONNECTION") != NULL && !a->use_first_pass &&
	       !a->try_first_pass && !a->combined;
}

/*
 * How many bytes of p the next message takes: whole lines (with their
 * newlines) while its text, without the last newline, fits in cap - 1
 * bytes; or, of a line longer than that, as much as fits, cut between
 * two UTF-8 characters.
 */
static size_t next_message(const char *p, size_t cap)
{
	size_t len = 0, line;

	while (p[len] != '\0' && len + (line = strcspn(p + len, "\n")) < cap)
		len += line + (p[len + line] == '\n');
	if (len > 0)
		return len;
	len = strnlen(p, cap - 1);
	while (len > 0 && ((unsigned char)p[len] & 0xc0) == 0x80)
		len--;
	return len;
}

int og_pam_show(pam_handle_t *ph, const char *text)
{
	char msg[PAM_MAX_MSG_SIZE];
	const char *p = text;
	int r = PAM_SUCCESS;
	size_t len;

	while (*p != '\0' && r == PAM_SUCCESS && (len = next_message(p, sizeof(msg))) > 0) {
		memcpy(msg, p, len);
		msg[len - (msg[len - 1] == '\n')] = '\0';
		p += len;
		r = pam_info(ph, "%s", msg);
	}
	OPENSSL_cleanse(msg, sizeof(msg));
	return r;
}

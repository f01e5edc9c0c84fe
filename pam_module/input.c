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

/* The whole answer: PAM_AUTHTOK, or one prompt. Caller wipes and frees. */
static char *get_answer(pam_handle_t *ph, const struct og_pam_args *a)
{
	const void *tok = NULL;
	char *resp = NULL;

	if ((a->use_first_pass || a->try_first_pass) &&
	    pam_get_item(ph, PAM_AUTHTOK, &tok) == PAM_SUCCESS && tok != NULL)
		return strdup(tok);
	if (a->use_first_pass)
		return NULL;
	if (pam_prompt(ph, PAM_PROMPT_ECHO_OFF, &resp,
		       a->combined ? OG_PROMPT_COMBINED : OG_PROMPT_CODE) != PAM_SUCCESS) {
		wipe_free(resp);
		return NULL;
	}
	return resp;
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
	char *resp = NULL;

	if (a->use_first_pass)
		return NULL;
	/* an application that shows no text still gets the prompt */
	pam_prompt(ph, PAM_TEXT_INFO, NULL, "%s", info);
	if (pam_prompt(ph, PAM_PROMPT_ECHO_OFF, &resp, OG_PROMPT_NEXT) != PAM_SUCCESS) {
		wipe_free(resp);
		return NULL;
	}
	return resp;
}

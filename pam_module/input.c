/*
 * input.c: the module's core getting the code from wherever the
 * application puts it. sshd answers our own prompt; OpenVPN's auth-pam
 * plugin answers it from the static-challenge response, or answers one
 * password prompt with password and code together; strongSwan answers
 * exactly one prompt.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include <security/pam_modules.h>

#include "codesplit.h"
#include "config.h"
#include "input.h"
#include "pamio.h"
#include "util.h"

char *og_pam_ask(const struct og_pam_io *io, const char *prompt)
{
	char *resp = NULL;

	if (io->converse(io->h, PAM_PROMPT_ECHO_OFF, prompt, &resp) != PAM_SUCCESS) {
		og_freezero_str(resp);
		return NULL;
	}
	return resp;
}

/* The whole answer: PAM_AUTHTOK, or one prompt. Caller wipes and frees. */
static char *get_answer(const struct og_pam_in *in, const struct og_pam_io *io)
{
	const struct og_pam_args *a = &in->args;

	if ((a->use_first_pass || a->try_first_pass) && in->authtok != NULL)
		return strdup(in->authtok);
	if (a->use_first_pass)
		return NULL;
	return og_pam_ask(io, a->combined ? OG_PROMPT_COMBINED : OG_PROMPT_CODE);
}

char *og_pam_get_code(const struct og_pam_in *in, const struct og_pam_io *io, int digits)
{
	const struct og_pam_args *a = &in->args;
	char *answer = get_answer(in, io), *code, split[16];

	if (answer == NULL || !a->combined)
		return answer;
	/* password then code: the code is the last `digits` characters */
	og_code_split(answer, digits, split, sizeof(split));
	code = strdup(split);
	OPENSSL_cleanse(split, sizeof(split));
	if (a->forward_pass && io->set_authtok(io->h, answer) != PAM_SUCCESS)
		io->log(io->h, LOG_ERR, "cannot hand the password on in PAM_AUTHTOK");
	og_freezero_str(answer);
	return code;
}

char *og_pam_get_next_code(const struct og_pam_in *in, const struct og_pam_io *io,
			   const char *info)
{
	if (in->args.use_first_pass)
		return NULL;
	/* an application that shows no text still gets the prompt */
	io->converse(io->h, PAM_TEXT_INFO, info, NULL);
	return og_pam_ask(io, OG_PROMPT_NEXT);
}

int og_pam_shows_text(const struct og_pam_in *in)
{
	const struct og_pam_args *a = &in->args;

	return in->ssh_connection != NULL && !a->use_first_pass && !a->try_first_pass &&
	       !a->combined;
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

int og_pam_show(const struct og_pam_io *io, const char *text)
{
	char msg[PAM_MAX_MSG_SIZE];
	const char *p = text;
	int r = PAM_SUCCESS;
	size_t len;

	while (*p != '\0' && r == PAM_SUCCESS && (len = next_message(p, sizeof(msg))) > 0) {
		memcpy(msg, p, len);
		msg[len - (msg[len - 1] == '\n')] = '\0';
		p += len;
		r = io->converse(io->h, PAM_TEXT_INFO, msg, NULL);
	}
	OPENSSL_cleanse(msg, sizeof(msg));
	return r;
}

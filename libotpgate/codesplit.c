/* codesplit.c: the password and the code of a combined answer. */
#include <string.h>
#include <openssl/crypto.h>

#include "codesplit.h"
#include "err.h"

int og_code_split(char *answer, int digits, char *code, size_t cap)
{
	size_t len = strlen(answer);

	if (cap > 0)
		code[0] = '\0';
	if (digits < 1 || (size_t)digits >= cap)
		return OG_ERR_INVALID;
	if (len < (size_t)digits)
		return OG_OK;
	memcpy(code, answer + len - (size_t)digits, (size_t)digits + 1);
	OPENSSL_cleanse(answer + len - (size_t)digits, (size_t)digits);
	return OG_OK;
}

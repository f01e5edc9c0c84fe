/*
 * fuzz_codesplit.c: a combined answer (password then code) as any client
 * may send it, split for any code length. The password and the code
 * together are the answer, and the code has exactly the length asked.
 */
#include "codesplit.h"
#include "err.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in = { data, size };
	int digits = (int)(fz_byte(&in) % 12) - 1;	/* -1 to 10: some refused */
	char *answer = fz_string(in.p, in.n), *orig = strdup(answer), code[9];
	size_t len = strlen(orig);
	int r = og_code_split(answer, digits, code, sizeof(code));

	FZ_CHECK(orig != NULL);
	if (r != OG_OK) {
		FZ_CHECK(digits < 1 || digits >= (int)sizeof(code));
		FZ_CHECK(code[0] == '\0' && strcmp(answer, orig) == 0);
	} else if (len < (size_t)digits) {
		FZ_CHECK(code[0] == '\0' && strcmp(answer, orig) == 0);
	} else {
		FZ_CHECK(strlen(code) == (size_t)digits);
		FZ_CHECK(strlen(answer) == len - (size_t)digits);
		FZ_CHECK(memcmp(orig, answer, strlen(answer)) == 0);
		FZ_CHECK(strcmp(orig + strlen(answer), code) == 0);
	}
	free(orig);
	free(answer);
	return 0;
}

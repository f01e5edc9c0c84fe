/*
 * fuzz_sshkey.c: authorized_keys lines, as users register them, and key
 * texts as sshd hands them to the login check. A key read must come back
 * the same from its own formatting (type, blob, fingerprint, size,
 * comment), and the login check must give it the same fingerprint; a
 * refused line says why.
 */
#include "err.h"
#include "fuzz.h"
#include "sshkey.h"

static void check_back(const struct og_sshkey *k)
{
	struct og_sshkey back;
	char line[2 * OG_SSHKEY_LINE_MAX];
	const char *why = NULL;
	size_t n;

	FZ_CHECK(og_sshkey_format(k, line, sizeof(line)) == OG_OK);
	n = strlen(line);
	if (k->comment[0] != '\0')
		snprintf(line + n, sizeof(line) - n, " %s", k->comment);
	FZ_CHECK(og_sshkey_parse(line, &back, &why) == OG_OK && why == NULL);
	FZ_CHECK(strcmp(back.type, k->type) == 0);
	FZ_CHECK(strcmp(back.blob_b64, k->blob_b64) == 0);
	FZ_CHECK(strcmp(back.fingerprint, k->fingerprint) == 0);
	FZ_CHECK(strcmp(back.comment, k->comment) == 0);
	FZ_CHECK(back.bits == k->bits);
	og_sshkey_free(&back);
}

/* The fingerprint the login check takes from text: OG_OK with fp, or a reason. */
static int login_fingerprint(const char *text, size_t len, char fp[OG_FP_LEN], int *is_cert)
{
	const char *why = NULL;
	int r = og_sshkey_fingerprint_text(text, len, fp, is_cert, &why);

	if (r == OG_OK)
		FZ_CHECK(strncmp(fp, "SHA256:", 7) == 0 && strlen(fp) == OG_FP_LEN - 1);
	else
		FZ_CHECK(why != NULL);
	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = fz_string(data, size), fp[OG_FP_LEN];
	struct og_sshkey k;
	const char *why = NULL;
	int r = og_sshkey_parse(line, &k, &why), is_cert = 0;

	if (login_fingerprint(line, strlen(line), fp, &is_cert) == OG_OK && r == OG_OK)
		FZ_CHECK(!is_cert && strcmp(fp, k.fingerprint) == 0);
	if (r == OG_OK) {
		FZ_CHECK(why == NULL);
		FZ_CHECK(strncmp(k.fingerprint, "SHA256:", 7) == 0 &&
			 strlen(k.fingerprint) == OG_FP_LEN - 1);
		FZ_CHECK(k.bits > 0);
		check_back(&k);
	} else {
		FZ_CHECK(why != NULL);
		FZ_CHECK(k.blob_b64 == NULL);
	}
	og_sshkey_free(&k);
	free(line);
	return 0;
}

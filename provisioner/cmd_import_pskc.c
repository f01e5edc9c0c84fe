/*
 * cmd_import_pskc.c: 'import --format pskc': a vendor's RFC 6030 file into
 * stock. The file is read and checked whole before the store is touched;
 * TOTP and HOTP keys are imported, and a key of an algorithm otpgate does
 * not know (OCRA, a vendor's own) refuses the file, naming each such key,
 * unless --skip-unsupported, which imports the rest and lists each key it
 * skipped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>

#include "err.h"
#include "fileio.h"
#include "import.h"
#include "pskc.h"
#include "util.h"

#define PSK_MAX 32
#define PASSWORD_MAX 1024

/* The file's credential, from the command line or a file only root may read. */
struct cred_buf {
	unsigned char psk[PSK_MAX];
	char *text;		/* what a --psk-file or --password-file held */
	size_t textlen;
	struct og_pskc_cred cred;
};

int import_pskc_options_ok(const struct cli_args *a)
{
	int n = 0;

	n += cli_opt(a, "psk") != NULL;
	n += cli_opt(a, "psk-file") != NULL;
	n += cli_opt(a, "password") != NULL;
	n += cli_opt(a, "password-file") != NULL;
	return n <= 1;
}

/* Reads a secret file (not readable by group or others) into b->text. */
static int read_secret_file(struct cred_buf *b, const char *file)
{
	char msg[1024] = "";
	struct og_log capture = { og_log_capture, msg, 0 };

	if (og_file_read(file, OG_FILE_SECRET, PASSWORD_MAX, &b->text, &b->textlen,
			 &capture) != OG_OK) {
		cli_error("%s", msg[0] ? msg : file);
		return -1;
	}
	return 0;
}

/* The pre-shared key: 32, 48 or 64 hex digits (AES-128, -192, -256). */
static int load_psk(struct cred_buf *b, const char *hex, const char *file)
{
	size_t n;
	int len;

	if (file != NULL) {
		if (read_secret_file(b, file) != 0)
			return -1;
		b->text[strcspn(b->text, " \t\r\n")] = '\0';
		hex = b->text;
	}
	n = strlen(hex);
	if ((n != 32 && n != 48 && n != 64) || (len = og_hex_decode(hex, b->psk, PSK_MAX)) < 0 ||
	    (size_t)len * 2 != n) {
		cli_error("the pre-shared key must be 32, 48 or 64 hex digits (128, 192 or 256 bits)");
		return -1;
	}
	b->cred.psk = b->psk;
	b->cred.psklen = (size_t)len;
	return 0;
}

/* The password: the argument, or a file's first line (its line end dropped). */
static int load_password(struct cred_buf *b, const char *arg, const char *file)
{
	if (file != NULL) {
		if (read_secret_file(b, file) != 0)
			return -1;
		b->text[strcspn(b->text, "\r\n")] = '\0';
		arg = b->text;
	}
	if (arg[0] == '\0') {
		cli_error("the password is empty");
		return -1;
	}
	b->cred.password = arg;
	b->cred.passlen = strlen(arg);
	return 0;
}

static int load_cred(struct cred_buf *b, const struct cli_args *a)
{
	const char *psk = cli_opt(a, "psk"), *psk_file = cli_opt(a, "psk-file");
	const char *pass = cli_opt(a, "password"), *pass_file = cli_opt(a, "password-file");

	memset(b, 0, sizeof(*b));
	if (psk != NULL || psk_file != NULL)
		return load_psk(b, psk, psk_file);
	if (pass != NULL || pass_file != NULL)
		return load_password(b, pass, pass_file);
	return 0;
}

static void wipe_cred(struct cred_buf *b)
{
	if (b->text != NULL) {
		OPENSSL_cleanse(b->text, b->textlen);
		free(b->text);
	}
	OPENSSL_cleanse(b, sizeof(*b));
}

/* Why otpgate cannot import k, or NULL when it can. */
static const char *unsupported(const struct og_pskc_key *k)
{
	switch (k->kind) {
	case OG_PSKC_TOTP:
	case OG_PSKC_HOTP:
		return NULL;
	case OG_PSKC_OTHER:
		break;
	}
	return "otpgate does not support this algorithm";
}

/* Prints "PREFIX FILE:LINE: key 'SERIAL' (ALGORITHM): why" for each key skipped. */
static void list_unsupported(const struct importer *im, const struct og_pskc_file *f,
			     FILE *out, const char *prefix)
{
	for (size_t i = 0; i < f->n; i++) {
		const struct og_pskc_key *k = &f->keys[i];

		if (unsupported(k) != NULL)
			fprintf(out, "%s%s:%ld: key '%s' (%s): %s\n", prefix, im->path, k->line,
				k->serial, k->algorithm[0] != '\0' ? k->algorithm : "no Algorithm",
				unsupported(k));
	}
}

/*
 * What makes the file refused although it parsed: a TOTP key whose
 * TimeDrift a login could not use (past totp.max_drift), an HOTP key whose
 * Counter no token reaches, then keys otpgate cannot import, unless skip.
 * Counts those into im->skipped.
 */
static int check_keys(struct importer *im, const struct og_pskc_file *f, int skip)
{
	int max = im->c->cfg.max_drift;

	for (size_t i = 0; i < f->n; i++) {
		const struct og_pskc_key *k = &f->keys[i];

		im->line = k->line;
		if (k->kind == OG_PSKC_TOTP && og_drift_bound(k->drift, max) != k->drift)
			return import_bad(im, "key '%s': TimeDrift %lld steps is beyond "
					  "totp.max_drift (%d steps); raise totp.max_drift to import "
					  "it", k->serial, (long long)k->drift, max);
		if (k->kind == OG_PSKC_HOTP && !og_hotp_counter_ok(k->counter))
			return import_bad(im, "key '%s': Counter %lld is beyond 2^62", k->serial,
					  (long long)k->counter);
		im->skipped += unsupported(k) != NULL;
	}
	if (im->skipped == 0 || skip)
		return OG_OK;
	list_unsupported(im, f, stderr, "otpgate-provision: ");
	fprintf(stderr, "otpgate-provision: %s: %ld of %zu keys are not supported; nothing "
		"imported (--skip-unsupported imports the other %zu and lists the skipped ones)\n",
		im->path, im->skipped, f->n, f->n - (size_t)im->skipped);
	return OG_ERR_INVALID;
}

int import_pskc_read(struct importer *im, const struct cli_args *a, struct og_pskc_file *f)
{
	struct cred_buf b;
	char err[512];
	int r = OG_ERR_INVALID;

	if (load_cred(&b, a) != 0)
		goto out;
	if (og_pskc_read(im->path, &b.cred, f, err, sizeof(err)) != 0) {
		fprintf(stderr, "otpgate-provision: %s; nothing imported\n", err);
		goto out;
	}
	if ((r = check_keys(im, f, cli_flag(a, "skip-unsupported"))) != OG_OK)
		og_pskc_free(f);
out:
	wipe_cred(&b);
	return r;
}

int import_pskc_keys(struct importer *im, const struct og_pskc_file *f)
{
	int r;

	for (size_t i = 0; i < f->n; i++) {
		const struct og_pskc_key *k = &f->keys[i];

		if (unsupported(k) != NULL)
			continue;
		im->line = k->line;
		if ((r = import_add_token(im, NULL, k->serial, "", &k->params, k->drift, k->counter,
					  k->secret, k->secret_len)) != OG_OK)
			return r;
		im->rows++;
	}
	return import_flush(im);
}

void import_pskc_report(const struct importer *im, const struct og_pskc_file *f)
{
	list_unsupported(im, f, stdout, "skipped ");
}

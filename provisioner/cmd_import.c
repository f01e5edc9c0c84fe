/*
 * cmd_import.c: bulk import of hardware tokens from a vendor CSV file.
 * All rows go in one transaction: a bad row names its line and nothing
 * is imported.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <openssl/crypto.h>

#include "commands.h"
#include "err.h"
#include "fileio.h"
#include "pskc.h"
#include "token.h"
#include "tokencsv.h"
#include "util.h"

#define ORG_CACHE 8

struct importer {
	struct cli *c;
	const char *path;
	long line;
	struct og_csv_header head;	/* head.ncols 0: no header line yet */
	struct og_key master;
	struct { char org[OG_ORG_MAX + 1]; char id[OG_ID_LEN + 1]; struct og_key dek; } orgs[ORG_CACHE];
	int norgs;
	long rows;
	int64_t now;
};

static int bad(struct importer *im, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int bad(struct importer *im, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "otpgate-provision: %s:%ld: ", im->path, im->line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("; nothing imported\n", stderr);
	return OG_ERR_INVALID;
}

static int parse_header(struct importer *im, char *line)
{
	char why[256];

	if (og_csv_header(line, &im->head, why, sizeof(why)) != OG_OK)
		return bad(im, "%s", why);
	return OG_OK;
}

/* The data key of org, from the cache or the store. */
static int org_key(struct importer *im, const char *org, const char **id, struct og_key **dek)
{
	int i = 0, r;

	while (i < im->norgs && strcmp(im->orgs[i].org, org) != 0)
		i++;
	if (i == im->norgs) {
		if (i == ORG_CACHE)
			i = im->norgs - 1, og_key_wipe(&im->orgs[i].dek);
		else
			im->norgs++;
		snprintf(im->orgs[i].org, sizeof(im->orgs[i].org), "%s", org);
		if ((r = og_token_dek(im->c->st, &im->master, org, im->now, im->orgs[i].id,
				      &im->orgs[i].dek)) != OG_OK) {
			im->norgs--;
			return r;
		}
	}
	*id = im->orgs[i].id;
	*dek = &im->orgs[i].dek;
	return OG_OK;
}

/*
 * Stores one imported hardware token: the user's (active) or, with no
 * user, unassigned in stock until 'assign'. Errors name im->line.
 */
static int add_token(struct importer *im, const char *user, const char *serial, const char *org,
		     const struct og_otp_params *p, const unsigned char *secret, size_t len)
{
	struct og_token t;
	struct og_key *dek;
	const char *dek_id;
	int r = OG_OK;

	if (user != NULL && (r = og_store_user_ensure(im->c->st, user, org, im->now)) == OG_ERR_EXISTS)
		return bad(im, "user '%.64s' belongs to another organisation", user);
	if (r == OG_OK && (r = org_key(im, org, &dek_id, &dek)) == OG_OK &&
	    (r = og_token_build(dek, dek_id, user ? user : "", serial, "hardware", secret, len, p,
				im->now, &t)) == OG_OK) {
		if (user == NULL)
			t.state = OG_TOKEN_STOCK;
		if ((r = og_store_token_add(im->c->st, &t)) == OG_ERR_EXISTS)
			r = bad(im, "serial '%.64s' is already in the store or earlier in the file", serial);
	}
	if (r == OG_ERR_GONE)
		r = bad(im, "organisation '%.64s' is removed (restore --org first)", org);
	OPENSSL_cleanse(&t, sizeof(t));
	return r;
}

static int import_row(struct importer *im, char *line)
{
	struct og_csv_row row;
	char why[256];
	int r;

	if (og_csv_row(line, &im->head, &im->c->cfg.totp, &row, why, sizeof(why)) != OG_OK)
		return bad(im, "%s", why);
	r = add_token(im, row.user, row.serial, row.org, &row.params, row.secret, row.secret_len);
	OPENSSL_cleanse(&row, sizeof(row));
	return r;
}

static int import_stream(struct importer *im, FILE *in)
{
	char line[OG_CSV_LINE_MAX];
	int tty = isatty(STDERR_FILENO), r = OG_OK;

	while (r == OG_OK && fgets(line, sizeof(line), in) != NULL) {
		im->line++;
		if (strchr(line, '\n') == NULL && !feof(in)) {
			r = bad(im, "%s", "line too long");
			break;
		}
		if (og_csv_ignored(line))
			continue;
		if (im->head.ncols == 0) {
			r = parse_header(im, line);
			continue;
		}
		if ((r = import_row(im, line)) == OG_OK && ++im->rows % 10000 == 0 && tty)
			fprintf(stderr, "\rimporting: %ld tokens", im->rows);
	}
	OPENSSL_cleanse(line, sizeof(line));
	if (tty && im->rows >= 10000)
		fputc('\n', stderr);
	if (r == OG_OK && im->head.ncols == 0)
		return bad(im, "%s", "no header line");
	return r;
}

/* One PSKC key (all of the file already checked): into stock. */
static int add_pskc_key(void *arg, const struct og_pskc_key *k)
{
	struct importer *im = arg;

	im->line = k->line;
	if (add_token(im, NULL, k->serial, "", &k->params, k->secret, k->secret_len) != OG_OK)
		return 1;
	im->rows++;
	return 0;
}

static int import_pskc(struct importer *im, const unsigned char *psk, size_t psklen)
{
	char err[512];

	if (og_pskc_parse(im->path, psk, psklen, add_pskc_key, im, err, sizeof(err)) != 0) {
		if (strstr(err, "was not imported") == NULL)	/* add_token said why already */
			fprintf(stderr, "otpgate-provision: %s; nothing imported\n", err);
		return OG_ERR_INVALID;
	}
	return OG_OK;
}

/* The 128-bit pre-shared key, from --psk HEX or a --psk-file only root may read. */
static int load_psk(struct cli *c, const char *hex, const char *file, unsigned char psk[16])
{
	char *text = NULL, msg[1024] = "";
	struct og_log capture = { og_log_capture, msg, 0 };
	size_t len = 0;
	int r = -1;

	(void)c;
	if (file != NULL) {
		if (og_file_read(file, OG_FILE_SECRET, 256, &text, &len, &capture) != OG_OK)
			return cli_error("%s", msg[0] ? msg : file), -1;
		text[strcspn(text, " \t\r\n")] = '\0';
		hex = text;
	}
	if (hex != NULL && strlen(hex) == 32 && og_hex_decode(hex, psk, 16) == 16)
		r = 0;
	else
		cli_error("the pre-shared key must be 32 hex digits (128 bits)");
	if (text != NULL) {
		OPENSSL_cleanse(text, len);
		free(text);
	}
	return r;
}

#define IMPORT_USAGE "usage: otpgate-provision import --format csv|pskc FILE" \
	" [--psk HEXKEY | --psk-file FILE]"

int cmd_import(struct cli *c, const struct cli_args *a)
{
	struct importer im;
	const char *format = cli_opt(a, "format"), *psk_hex = cli_opt(a, "psk");
	const char *psk_file = cli_opt(a, "psk-file");
	unsigned char psk[16];
	int have_psk = 0;
	char summary[128];
	FILE *in = NULL;
	int r, pskc;

	memset(&im, 0, sizeof(im));
	pskc = format != NULL && strcmp(format, "pskc") == 0;
	if (format == NULL || (!pskc && strcmp(format, "csv") != 0) ||
	    (!pskc && (psk_hex || psk_file)) || (psk_hex && psk_file))
		return cli_error(IMPORT_USAGE), 2;
	im.c = c;
	im.path = a->arg[0];
	im.now = (int64_t)time(NULL);
	if ((psk_hex || psk_file) && load_psk(c, psk_hex, psk_file, psk) != 0)
		return 1;
	have_psk = psk_hex || psk_file;
	if (!pskc && (in = fopen(im.path, "r")) == NULL)
		return cli_error("%s: cannot open", im.path), 1;
	r = 1;
	if (cli_open(c, 0) != OG_OK || cli_master_key(c, &im.master) != OG_OK)
		goto out;
	if (og_store_begin(c->st) != OG_OK)
		goto out;
	if ((pskc ? import_pskc(&im, have_psk ? psk : NULL, have_psk ? 16 : 0)
		  : import_stream(&im, in)) != OG_OK || og_store_commit(c->st) != OG_OK) {
		og_store_rollback(c->st);
		cli_audit(c, "import", "failure", NULL, NULL, im.path);
		goto out;
	}
	snprintf(summary, sizeof(summary), "%ld tokens from %.80s", im.rows, im.path);
	cli_audit(c, "import", "success", NULL, NULL, summary);
	printf("imported %ld tokens from %s%s\n", im.rows, im.path, pskc ? " into stock" : "");
	r = 0;
out:
	for (int i = 0; i < im.norgs; i++)
		og_key_wipe(&im.orgs[i].dek);
	og_key_wipe(&im.master);
	OPENSSL_cleanse(psk, sizeof(psk));
	if (in != NULL)
		fclose(in);
	return r;
}

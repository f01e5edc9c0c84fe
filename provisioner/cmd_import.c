/*
 * cmd_import.c: bulk import of hardware tokens from a vendor CSV file (a
 * PSKC file: cmd_import_pskc.c). All tokens go in one transaction: a bad
 * row names its line and nothing is imported.
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
#include "import.h"
#include "token.h"
#include "tokencsv.h"
#include "util.h"

int import_bad(struct importer *im, const char *fmt, ...)
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
		return import_bad(im, "%s", why);
	return OG_OK;
}

/* The data key of org, from the cache or the store. */
static int org_key(struct importer *im, const char *org, const char **id, struct og_key **dek)
{
	int i = 0, r;

	while (i < im->norgs && strcmp(im->orgs[i].org, org) != 0)
		i++;
	if (i == im->norgs) {
		if (i == IMPORT_ORG_CACHE)
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

int import_flush(struct importer *im)
{
	enum og_import_why why;
	const struct og_token *t;
	int bad, r;

	r = og_store_tokens_import(im->c->st, im->queue, im->queued, im->now, &bad, &why);
	if (r != OG_OK && bad >= 0) {
		t = &im->queue[bad];
		im->line = im->queue_line[bad];
		if (why == OG_IMPORT_OTHER_ORG)
			r = import_bad(im, "user '%.64s' belongs to another organisation", t->user);
		else if (why == OG_IMPORT_SERIAL_TAKEN)
			r = import_bad(im, "serial '%.64s' is already in the store or earlier in the "
				       "file", t->serial);
	}
	OPENSSL_cleanse(im->queue, (size_t)im->queued * sizeof(*im->queue));
	im->queued = 0;
	return r;
}

int import_add_token(struct importer *im, const char *user, const char *serial, const char *org,
		     const struct og_otp_params *p, int64_t drift, int64_t counter,
		     const unsigned char *secret, size_t len)
{
	struct og_token *t = &im->queue[im->queued];
	struct og_key *dek;
	const char *dek_id;
	int r;

	if ((r = org_key(im, org, &dek_id, &dek)) == OG_OK &&
	    (r = og_token_build(dek, dek_id, user ? user : "", serial, "hardware", secret, len, p,
				im->now, t)) == OG_OK) {
		if (user == NULL)
			t->state = OG_TOKEN_STOCK;
		og_token_start(t, drift, counter);
		snprintf(t->dek_org, sizeof(t->dek_org), "%s", org);
		im->queue_line[im->queued++] = im->line;
		return im->queued == OG_IMPORT_BATCH ? import_flush(im) : OG_OK;
	}
	OPENSSL_cleanse(t, sizeof(*t));
	if (r == OG_ERR_GONE)
		r = import_bad(im, "organisation '%.64s' is removed (restore --org first)", org);
	return r;
}

static int import_row(struct importer *im, char *line)
{
	struct og_csv_row row;
	char why[256];
	int r;

	if (og_csv_row(line, &im->head, &im->c->cfg.totp, &row, why, sizeof(why)) != OG_OK)
		return import_bad(im, "%s", why);
	r = import_add_token(im, row.user, row.serial, row.org, &row.params, 0, row.counter,
			     row.secret, row.secret_len);
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
			r = import_bad(im, "%s", "line too long");
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
		return import_bad(im, "%s", "no header line");
	return r == OG_OK ? import_flush(im) : r;
}

#define IMPORT_USAGE "usage: otpgate-provision import --format csv|pskc FILE [--psk HEXKEY |" \
	" --psk-file FILE | --password PASSWORD | --password-file FILE] [--skip-unsupported]"

/* The options fit the format: credentials and --skip-unsupported for PSKC only. */
static int options_ok(const struct cli_args *a, int pskc)
{
	int given = 0;

	if (pskc)
		return import_pskc_options_ok(a);
	for (int i = 0; i < a->nopts; i++)
		given += a->opt[i].value != NULL;
	return given == 1;	/* --format alone */
}

/* The CSV file's stdio buffer: ours, so that the secrets read through it
 * are wiped with the rest (libc would free its own unwiped). */
static char inbuf[65536];

int cmd_import(struct cli *c, const struct cli_args *a)
{
	struct importer im;
	struct og_pskc_file file = { 0, NULL };
	const char *format = cli_opt(a, "format");
	char summary[160];
	FILE *in = NULL;
	int r = 1, pskc = format != NULL && strcmp(format, "pskc") == 0;

	memset(&im, 0, sizeof(im));
	if (format == NULL || (!pskc && strcmp(format, "csv") != 0) || !options_ok(a, pskc))
		return cli_error(IMPORT_USAGE), 2;
	im.c = c;
	im.path = a->arg[0];
	im.now = (int64_t)time(NULL);
	if (cli_open(c, 0) != OG_OK)
		return 1;
	if (pskc && import_pskc_read(&im, a, &file) != OG_OK) {
		cli_audit(c, "import", "failure", NULL, NULL, im.path);
		return 1;
	}
	if (!pskc && (in = fopen(im.path, "r")) == NULL)
		return cli_error("%s: cannot open", im.path), 1;
	if (in != NULL)
		setvbuf(in, inbuf, _IOFBF, sizeof(inbuf));
	if ((im.queue = calloc(OG_IMPORT_BATCH, sizeof(*im.queue))) == NULL) {
		cli_error("out of memory");
		goto out;
	}
	if (cli_master_key(c, &im.master) != OG_OK || og_store_begin(c->st) != OG_OK)
		goto out;
	og_random_bulk(1);	/* ids, nonces and salts, three draws a token */
	if ((pskc ? import_pskc_keys(&im, &file) : import_stream(&im, in)) != OG_OK ||
	    og_store_commit(c->st) != OG_OK) {
		og_store_rollback(c->st);
		cli_audit(c, "import", "failure", NULL, NULL, im.path);
		goto out;
	}
	if (im.skipped > 0)
		snprintf(summary, sizeof(summary), "%ld tokens from %.80s, %ld keys skipped",
			 im.rows, im.path, im.skipped);
	else
		snprintf(summary, sizeof(summary), "%ld tokens from %.80s", im.rows, im.path);
	cli_audit(c, "import", "success", NULL, NULL, summary);
	if (pskc)
		import_pskc_report(&im, &file);
	printf("imported %ld tokens from %s%s", im.rows, im.path, pskc ? " into stock" : "");
	if (im.skipped > 0)
		printf(" (%ld %s skipped)", im.skipped, im.skipped == 1 ? "key" : "keys");
	putchar('\n');
	r = 0;
out:
	og_random_bulk(0);
	if (im.queue != NULL)
		OPENSSL_cleanse(im.queue, OG_IMPORT_BATCH * sizeof(*im.queue));
	free(im.queue);
	og_pskc_free(&file);
	for (int i = 0; i < im.norgs; i++)
		og_key_wipe(&im.orgs[i].dek);
	og_key_wipe(&im.master);
	if (in != NULL)
		fclose(in);
	OPENSSL_cleanse(inbuf, sizeof(inbuf));
	return r;
}

/*
 * import.h: what the two import formats share (cmd_import.c reads CSV and
 * dispatches, cmd_import_pskc.c reads PSKC): the importer and how one
 * token goes into the store, inside the one transaction of an import.
 */
#ifndef OTPGATE_PROVISION_IMPORT_H
#define OTPGATE_PROVISION_IMPORT_H

#include <stdint.h>

#include "cli.h"
#include "crypto.h"
#include "otp.h"
#include "pskc.h"
#include "store.h"
#include "tokencsv.h"

#define IMPORT_ORG_CACHE 8

struct importer {
	struct cli *c;
	const char *path;
	long line;
	struct og_csv_header head;	/* head.ncols 0: no header line yet */
	struct og_key master;
	struct { char org[OG_ORG_MAX + 1]; char id[OG_ID_LEN + 1]; struct og_key dek; }
		orgs[IMPORT_ORG_CACHE];
	int norgs;
	long rows;			/* tokens imported */
	long skipped;			/* PSKC keys skipped (--skip-unsupported) */
	int64_t now;
	/* tokens built, stored OG_IMPORT_BATCH at a time, and the line of each */
	struct og_token *queue;
	long queue_line[OG_IMPORT_BATCH];
	int queued;
};

/* Prints "PROGRAM: FILE:LINE: what; nothing imported" (im->line). OG_ERR_INVALID. */
int import_bad(struct importer *im, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Stores one hardware token: the user's (active) or, with no user,
 * unassigned in stock until 'assign'; a TOTP token's drift: time steps
 * its clock runs ahead; an HOTP token's counter: the next code's (see
 * og_token_start). Tokens go to the store OG_IMPORT_BATCH at a time, the
 * rest by import_flush. Errors are printed naming the line of the token
 * at fault.
 */
int import_add_token(struct importer *im, const char *user, const char *serial, const char *org,
		     const struct og_otp_params *p, int64_t drift, int64_t counter,
		     const unsigned char *secret, size_t len);

/* Stores the tokens import_add_token has queued. */
int import_flush(struct importer *im);

/* 1 if the options a are a valid set for PSKC (at most one credential). */
int import_pskc_options_ok(const struct cli_args *a);

/*
 * Reads the PSKC file im->path whole into f, decrypted with the credential
 * the options give (--psk, --psk-file, --password, --password-file), and
 * checks it can be imported: keys otpgate cannot import refuse it, each
 * named, unless --skip-unsupported (they are counted in im->skipped). The
 * store is not touched. OG_OK, or an error already printed (f empty).
 */
int import_pskc_read(struct importer *im, const struct cli_args *a, struct og_pskc_file *f);

/* Stores f's importable keys into stock (inside the caller's transaction). */
int import_pskc_keys(struct importer *im, const struct og_pskc_file *f);

/* Lists on standard output each key of f that was skipped. */
void import_pskc_report(const struct importer *im, const struct og_pskc_file *f);

#endif

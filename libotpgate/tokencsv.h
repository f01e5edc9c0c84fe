/*
 * tokencsv.h: the CSV file of hardware tokens a vendor ships
 * (otpgate-provision import --format csv): a header line naming the
 * columns, then one token per line. Fields are separated by commas, blanks
 * around them are dropped, and quoting is not supported (a '"' is refused).
 */
#ifndef OTPGATE_TOKENCSV_H
#define OTPGATE_TOKENCSV_H

#include <stddef.h>

#include "otp.h"

#define OG_CSV_LINE_MAX 4096	/* a line, its newline and NUL included */

enum og_csv_col {
	OG_CSV_USER, OG_CSV_SERIAL, OG_CSV_SECRET, OG_CSV_ALGORITHM, OG_CSV_DIGITS,
	OG_CSV_PERIOD, OG_CSV_ORG, OG_CSV_TYPE, OG_CSV_COUNTER, OG_CSV_NCOLS
};

struct og_csv_header {
	int map[OG_CSV_NCOLS];	/* the field of each column, -1 if absent */
	int ncols;		/* the fields every row has */
};

struct og_csv_row {
	const char *user;	/* NULL: the token goes into stock; points into the line */
	const char *serial;
	const char *org;	/* "" when none */
	struct og_otp_params params;	/* params.otp_kind: the type column, totp if none */
	int64_t counter;	/* HOTP: the counter column, the next code's; 0 if none */
	unsigned char secret[OG_SECRET_MAX];
	size_t secret_len;
};

/* 1 for a line that holds nothing (blanks) or a comment ('#' first). */
int og_csv_ignored(const char *line);

/*
 * Reads the header line (changed in place): the columns user, serial and
 * secret are required, algorithm, digits, period, org, type and counter
 * optional, in any order. OG_OK, or OG_ERR_INVALID with one line of text saying why in why
 * (cap bytes; a control byte quoted from the line is written as '?').
 */
int og_csv_header(char *line, struct og_csv_header *h, char *why, size_t cap);

/*
 * Reads one token line (changed in place) against h: names checked, the
 * hex secret decoded (10 to 64 bytes), the algorithm, digits and period
 * over dflt (t0 0); the type (totp or hotp, any case; totp when empty),
 * and an HOTP token's counter (0 when empty). A period is for TOTP tokens
 * only, a counter for HOTP tokens only. OG_OK with the secret wiped from the line (the caller
 * wipes row->secret), or OG_ERR_INVALID with why, the whole line and row
 * wiped.
 */
int og_csv_row(char *line, const struct og_csv_header *h, const struct og_otp_params *dflt,
	       struct og_csv_row *row, char *why, size_t cap);

#endif

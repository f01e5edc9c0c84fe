/* tokencsv.c: the header and the token lines of a vendor's CSV file, checked. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <openssl/crypto.h>

#include "err.h"
#include "tokencsv.h"
#include "util.h"

static const char *const col_names[OG_CSV_NCOLS] = {
	"user", "serial", "secret", "algorithm", "digits", "period", "org", "type", "counter"
};

static int say(char *why, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* One line of text into why (a control byte quoted from the file as '?'); returns
 * OG_ERR_INVALID. */
static int say(char *why, size_t cap, const char *fmt, ...)
{
	va_list ap;

	if (cap == 0)
		return OG_ERR_INVALID;
	va_start(ap, fmt);
	vsnprintf(why, cap, fmt, ap);
	va_end(ap);
	for (char *p = why; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return OG_ERR_INVALID;
}

/* Splits line in place at commas; returns the field count or -1. */
static int split(char *line, char **fields, int max)
{
	int n = 0;

	line[strcspn(line, "\r\n")] = '\0';
	for (char *p = line;; p++) {
		char *end = strchr(p, ',');
		if (n == max)
			return -1;
		while (*p == ' ' || *p == '\t')
			p++;
		fields[n++] = p;
		if (end == NULL)
			break;
		*end = '\0';
		p = end;
	}
	for (int i = 0; i < n; i++) {
		size_t len = strlen(fields[i]);
		while (len > 0 && (fields[i][len - 1] == ' ' || fields[i][len - 1] == '\t'))
			fields[i][--len] = '\0';
		if (strchr(fields[i], '"') != NULL)
			return -1;
	}
	return n;
}

int og_csv_ignored(const char *line)
{
	return line[strspn(line, " \t\r\n")] == '\0' || line[0] == '#';
}

int og_csv_header(char *line, struct og_csv_header *h, char *why, size_t cap)
{
	char *f[OG_CSV_NCOLS + 1];
	int n = split(line, f, OG_CSV_NCOLS + 1);

	for (int k = 0; k < OG_CSV_NCOLS; k++)
		h->map[k] = -1;
	h->ncols = 0;
	if (n < 0)
		return say(why, cap, "%s", "header has too many or quoted columns");
	for (int i = 0; i < n; i++) {
		int k = 0;
		while (k < OG_CSV_NCOLS && strcmp(f[i], col_names[k]) != 0)
			k++;
		if (k == OG_CSV_NCOLS)
			return say(why, cap, "unknown column '%.64s' (known: user, serial, secret, "
				   "algorithm, digits, period, org, type, counter)", f[i]);
		if (h->map[k] >= 0)
			return say(why, cap, "column '%s' named twice", f[i]);
		h->map[k] = i;
	}
	if (h->map[OG_CSV_USER] < 0 || h->map[OG_CSV_SERIAL] < 0 || h->map[OG_CSV_SECRET] < 0)
		return say(why, cap, "%s", "header must name the columns user, serial and secret "
			   "(user may be empty: the token goes into stock)");
	h->ncols = n;
	return OG_OK;
}

/* The field of column k, or dflt when the column is absent or the field empty. */
static const char *field(char **f, const struct og_csv_header *h, enum og_csv_col k,
			 const char *dflt)
{
	return h->map[k] >= 0 && f[h->map[k]][0] != '\0' ? f[h->map[k]] : dflt;
}

/* The optional type and counter columns: a TOTP token has a period, an
 * HOTP token a counter, never the other. */
static int row_kind(char **f, const struct og_csv_header *h, struct og_csv_row *row,
		    char *why, size_t cap)
{
	const char *k = field(f, h, OG_CSV_TYPE, NULL), *c = field(f, h, OG_CSV_COUNTER, NULL);
	const char *t = field(f, h, OG_CSV_PERIOD, NULL);

	if (k != NULL && og_otp_kind_parse(k, &row->params.otp_kind) != OG_OK)
		return say(why, cap, "type '%.16s' is not totp or hotp", k);
	if (row->params.otp_kind == OG_OTP_TOTP)
		return c == NULL ? OG_OK : say(why, cap, "%s", "a counter is for HOTP tokens "
					       "(type hotp)");
	if (t != NULL)
		return say(why, cap, "%s", "a period is for TOTP tokens: an HOTP token counts");
	row->params.period = 30;	/* unused */
	if (c != NULL && og_hotp_counter_parse(c, &row->counter) != OG_OK)
		return say(why, cap, "counter '%.24s' is not a whole number from 0 to 2^62", c);
	return OG_OK;
}

/* Reads the optional algorithm/digits/period/type/counter columns over dflt. */
static int row_params(char **f, const struct og_csv_header *h, struct og_csv_row *row,
		      char *why, size_t cap)
{
	const char *a = field(f, h, OG_CSV_ALGORITHM, NULL), *d = field(f, h, OG_CSV_DIGITS, NULL);
	const char *t = field(f, h, OG_CSV_PERIOD, NULL);
	struct og_otp_params *p = &row->params;

	if (a != NULL && og_algo_parse(a, &p->algo) != OG_OK)
		return say(why, cap, "algorithm '%.16s' is not SHA1, SHA256 or SHA512", a);
	if (d != NULL && og_otp_digits_parse(d, &p->digits) != OG_OK)
		return say(why, cap, "digits '%.16s' is not 6 or 8", d);
	if (t != NULL && og_otp_period_parse(t, &p->period) != OG_OK)
		return say(why, cap, "period '%.16s' is not 30 or 60", t);
	return row_kind(f, h, row, why, cap);
}

/* The names and parameters of a split row. */
static int row_fields(char **f, const struct og_csv_header *h, struct og_csv_row *row,
		      char *why, size_t cap)
{
	row->user = field(f, h, OG_CSV_USER, NULL);
	row->serial = field(f, h, OG_CSV_SERIAL, NULL);
	row->org = field(f, h, OG_CSV_ORG, "");
	if (row->user != NULL && !og_is_safe_name(row->user, OG_USER_MAX))
		return say(why, cap, "user '%.64s' is not a valid name", row->user);
	if (row->serial == NULL || !og_is_safe_name(row->serial, OG_SERIAL_MAX))
		return say(why, cap, "serial '%.64s' is missing or not valid",
			   row->serial ? row->serial : "");
	if (row->org[0] != '\0' && !og_is_safe_name(row->org, OG_ORG_MAX))
		return say(why, cap, "organisation '%.64s' is not a valid name", row->org);
	return row_params(f, h, row, why, cap);
}

int og_csv_row(char *line, const struct og_csv_header *h, const struct og_otp_params *dflt,
	       struct og_csv_row *row, char *why, size_t cap)
{
	size_t linelen = strlen(line);
	char *f[OG_CSV_NCOLS + 1], *secret;
	int n = split(line, f, OG_CSV_NCOLS + 1), len = -1, r;

	memset(row, 0, sizeof(*row));
	row->params = *dflt;
	row->params.t0 = 0;
	if (n != h->ncols) {
		r = say(why, cap, "%s", "wrong number of columns (or a quoted field)");
		goto out;
	}
	secret = f[h->map[OG_CSV_SECRET]];
	if ((r = row_fields(f, h, row, why, cap)) == OG_OK &&
	    (len = og_hex_decode(secret, row->secret, sizeof(row->secret))) < 10)
		r = say(why, cap, "%s", "secret must be 10 to 64 bytes of hex");
	OPENSSL_cleanse(secret, strlen(secret));
	if (r == OG_OK)
		row->secret_len = (size_t)len;
out:
	if (r != OG_OK) {
		OPENSSL_cleanse(line, linelen);
		OPENSSL_cleanse(row, sizeof(*row));
	}
	return r;
}

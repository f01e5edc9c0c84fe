/*
 * fuzz_csv.c: a vendor's token CSV file, read as otpgate-provision import
 * reads it: lines of at most OG_CSV_LINE_MAX bytes, blank and comment
 * lines skipped, the header, then token rows. A row read must hold only
 * valid names and parameters; a refused one is wiped and said why in
 * one line of text.
 */
#include "err.h"
#include "fuzz.h"
#include "tokencsv.h"
#include "util.h"

static const struct og_otp_params dflt = { OG_SHA1, 6, 30, 0, OG_OTP_TOTP };

static void check_row(const struct og_csv_row *row)
{
	FZ_CHECK(row->user == NULL || og_is_safe_name(row->user, 256));
	FZ_CHECK(row->serial != NULL && og_is_safe_name(row->serial, 64));
	FZ_CHECK(row->org != NULL && (row->org[0] == '\0' || og_is_safe_name(row->org, 128)));
	FZ_CHECK(row->params.algo == OG_SHA1 || row->params.algo == OG_SHA256 ||
		 row->params.algo == OG_SHA512);
	FZ_CHECK(og_otp_params_ok(&row->params));
	FZ_CHECK(row->params.t0 == 0);
	FZ_CHECK(row->params.otp_kind == OG_OTP_HOTP ? og_hotp_counter_ok(row->counter)
						     : row->counter == 0);
	FZ_CHECK(row->secret_len >= 10 && row->secret_len <= OG_SECRET_MAX);
}

/* One line: 0 to go on, -1 where the import would stop. */
static int one_line(char *line, size_t linelen, struct og_csv_header *h)
{
	struct og_csv_row row;
	char why[256];

	if (og_csv_ignored(line))
		return 0;
	why[0] = '\0';
	if (h->ncols == 0) {
		if (og_csv_header(line, h, why, sizeof(why)) == OG_OK)
			return 0;
		FZ_CHECK(why[0] != '\0' && fz_one_line(why) && h->ncols == 0);
		return -1;
	}
	if (og_csv_row(line, h, &dflt, &row, why, sizeof(why)) != OG_OK) {
		FZ_CHECK(why[0] != '\0' && fz_one_line(why));
		for (size_t i = 0; i < linelen; i++)
			FZ_CHECK(line[i] == '\0');	/* a refused row is wiped */
		return -1;
	}
	check_row(&row);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct og_csv_header h = { .ncols = 0 };
	char line[OG_CSV_LINE_MAX];
	size_t at = 0;

	while (at < size) {
		const uint8_t *nl = memchr(data + at, '\n', size - at);
		size_t len = nl != NULL ? (size_t)(nl - (data + at)) + 1 : size - at;

		if (len >= sizeof(line))
			return 0;	/* "line too long" */
		memcpy(line, data + at, len);
		line[len] = '\0';
		at += len;
		if (one_line(line, strlen(line), &h) != 0)
			return 0;
	}
	return 0;
}

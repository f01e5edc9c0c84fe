/* test_tokencsv.c: the header and token lines of a vendor's CSV file. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "err.h"
#include "otp.h"
#include "tokencsv.h"
#include "test_helpers.h"

#define SECRET20 "3132333435363738393031323334353637383930"	/* "12345678901234567890" */

static const struct og_otp_params dflt = { OG_SHA1, 6, 30, 1234, OG_OTP_TOTP };

/* Reads header text into h, expecting success. */
static void header_ok(const char *text, struct og_csv_header *h)
{
	char line[OG_CSV_LINE_MAX], why[256] = "";

	snprintf(line, sizeof(line), "%s", text);
	assert_int_equal(og_csv_header(line, h, why, sizeof(why)), OG_OK);
}

static void header_bad(const char *text, const char *want)
{
	struct og_csv_header h;
	char line[OG_CSV_LINE_MAX], why[256] = "";

	snprintf(line, sizeof(line), "%s", text);
	assert_int_equal(og_csv_header(line, &h, why, sizeof(why)), OG_ERR_INVALID);
	assert_int_equal(h.ncols, 0);
	for (const char *p = why; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			fail_msg("control byte 0x%02x in \"%s\"", (unsigned char)*p, why);
	if (strstr(why, want) == NULL) {
		print_error("header \"%s\": \"%s\" lacks \"%s\"\n", text, why, want);
		fail();
	}
}

/* Reads row text against h into *row (line kept in line), returning the result. */
static int row(const char *text, const struct og_csv_header *h, char *line,
	       struct og_csv_row *r, char *why)
{
	snprintf(line, OG_CSV_LINE_MAX, "%s", text);
	return og_csv_row(line, h, &dflt, r, why, 256);
}

static void row_bad(const char *head, const char *text, const char *want)
{
	struct og_csv_header h;
	struct og_csv_row r;
	char line[OG_CSV_LINE_MAX], why[256] = "";

	header_ok(head, &h);
	assert_int_equal(row(text, &h, line, &r, why), OG_ERR_INVALID);
	assert_int_equal(r.secret_len, 0);
	assert_null(strstr(line, SECRET20));	/* the line is wiped on failure */
	assert_int_equal(line[0], 0);
	for (const char *p = why; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			fail_msg("control byte 0x%02x in \"%s\"", (unsigned char)*p, why);
	if (strstr(why, want) == NULL) {
		print_error("row \"%s\": \"%s\" lacks \"%s\"\n", text, why, want);
		fail();
	}
}

static void test_ignored_lines(void **state)
{
	(void)state;
	assert_true(og_csv_ignored(""));
	assert_true(og_csv_ignored(" \t\r\n"));
	assert_true(og_csv_ignored("# user,serial,secret\n"));
	assert_false(og_csv_ignored("user,serial,secret\n"));
	assert_false(og_csv_ignored(" # not first\n"));
}

static void test_header_any_order(void **state)
{
	struct og_csv_header h;

	(void)state;
	header_ok(" secret , org,user,\tserial,digits,period,algorithm\r\n", &h);
	assert_int_equal(h.ncols, 7);
	assert_int_equal(h.map[OG_CSV_SECRET], 0);
	assert_int_equal(h.map[OG_CSV_ORG], 1);
	assert_int_equal(h.map[OG_CSV_USER], 2);
	assert_int_equal(h.map[OG_CSV_SERIAL], 3);
	assert_int_equal(h.map[OG_CSV_ALGORITHM], 6);
	header_ok("user,serial,secret\n", &h);
	assert_int_equal(h.ncols, 3);
	assert_int_equal(h.map[OG_CSV_ORG], -1);
	assert_int_equal(h.map[OG_CSV_DIGITS], -1);
}

static void test_header_refused(void **state)
{
	(void)state;
	header_bad("user,serial,colour\n", "unknown column 'colour'");
	/* quoted on one line of text (found by fuzz/fuzz_csv.c) */
	header_bad("user,serial,\x1b[2Jsecret\n", "unknown column '?[2Jsecret'");
	header_bad("user,serial,secret,user\n", "column 'user' named twice");
	header_bad("user,secret\n", "must name the columns user, serial and secret");
	header_bad("\"user\",serial,secret\n", "too many or quoted columns");
	header_bad("user,serial,secret,org,digits,period,algorithm,type,counter,a,b\n",
		   "too many or quoted columns");
}

static void test_row_user_and_defaults(void **state)
{
	struct og_csv_header h;
	struct og_csv_row r;
	char line[OG_CSV_LINE_MAX], why[256] = "";

	(void)state;
	header_ok("user,serial,secret\n", &h);
	assert_int_equal(row("alice, HW-1 ," SECRET20 "\n", &h, line, &r, why), OG_OK);
	assert_string_equal(r.user, "alice");
	assert_string_equal(r.serial, "HW-1");
	assert_string_equal(r.org, "");
	assert_int_equal(r.params.algo, OG_SHA1);
	assert_int_equal(r.params.digits, 6);
	assert_int_equal(r.params.period, 30);
	assert_int_equal(r.params.t0, 0);	/* not the default's */
	assert_int_equal(r.secret_len, 20);
	assert_memory_equal(r.secret, "12345678901234567890", 20);
	assert_null(strstr(line, SECRET20));	/* wiped from the line */
	/* no user: into stock */
	assert_int_equal(row(",HW-2," SECRET20, &h, line, &r, why), OG_OK);
	assert_null(r.user);
	assert_string_equal(r.serial, "HW-2");
	assert_int_equal(r.params.otp_kind, OG_OTP_TOTP);
	assert_int_equal(r.counter, 0);
}

/* A file of both kinds: the type column says which, an HOTP token has a
 * counter (the next code's) where a TOTP token has a period. */
static void test_row_type_and_counter(void **state)
{
	struct og_csv_header h;
	struct og_csv_row r;
	char line[OG_CSV_LINE_MAX], why[256] = "";

	(void)state;
	header_ok("user,serial,secret,type,period,counter\n", &h);
	assert_int_equal(row("bob,H1," SECRET20 ",hotp,,17\n", &h, line, &r, why), OG_OK);
	assert_int_equal(r.params.otp_kind, OG_OTP_HOTP);
	assert_int_equal(r.counter, 17);
	assert_true(og_otp_params_ok(&r.params));
	assert_int_equal(row("bob,H2," SECRET20 ",HOTP,,\n", &h, line, &r, why), OG_OK);
	assert_int_equal(r.params.otp_kind, OG_OTP_HOTP);
	assert_int_equal(r.counter, 0);
	assert_int_equal(row("bob,T1," SECRET20 ",totp,60,\n", &h, line, &r, why), OG_OK);
	assert_int_equal(r.params.otp_kind, OG_OTP_TOTP);
	assert_int_equal(r.params.period, 60);
	assert_int_equal(row("bob,T2," SECRET20 ",,,\n", &h, line, &r, why), OG_OK);
	assert_int_equal(r.params.otp_kind, OG_OTP_TOTP);
}

static void test_row_columns_override(void **state)
{
	struct og_csv_header h;
	struct og_csv_row r;
	char line[OG_CSV_LINE_MAX], why[256] = "";

	(void)state;
	header_ok("user,serial,secret,digits,period,algorithm,org\n", &h);
	assert_int_equal(row("bob,S1," SECRET20 ",8,60,sha256,globex\n", &h, line, &r, why),
			 OG_OK);
	assert_string_equal(r.org, "globex");
	assert_int_equal(r.params.digits, 8);
	assert_int_equal(r.params.period, 60);
	assert_int_equal(r.params.algo, OG_SHA256);
	/* empty optional fields keep the defaults */
	assert_int_equal(row("bob,S1," SECRET20 ",,,,\n", &h, line, &r, why), OG_OK);
	assert_int_equal(r.params.digits, 6);
	assert_string_equal(r.org, "");
}

static void test_row_refused(void **state)
{
	static const char all[] = "user,serial,secret,digits,period,algorithm,org";
	static const char kinds[] = "user,serial,secret,type,period,counter";

	(void)state;
	row_bad("user,serial,secret", "bob,S1," SECRET20 ",x", "wrong number of columns");
	row_bad("user,serial,secret", "bob,S1", "wrong number of columns");
	row_bad("user,serial,secret", "\"bob\",S1," SECRET20, "wrong number of columns");
	row_bad("user,serial,secret", "bo b,S1," SECRET20, "user 'bo b' is not a valid name");
	row_bad("user,serial,secret", "bob,," SECRET20, "serial '' is missing or not valid");
	row_bad("user,serial,secret", "bob,S/1," SECRET20, "serial 'S/1' is missing");
	row_bad(all, "bob,S1," SECRET20 ",,,,acme corp", "organisation 'acme corp' is not");
	row_bad(all, "bob,S1," SECRET20 ",7,,,", "digits '7' is not 6 or 8");
	row_bad(all, "bob,S1," SECRET20 ",,45,,", "period '45' is not 30 or 60");
	row_bad(all, "bob,S1," SECRET20 ",,,MD5,", "algorithm 'MD5' is not SHA1");
	row_bad(all, "bob,S1," SECRET20 ",,,\x7f,", "algorithm '?' is not SHA1");
	row_bad("user,serial,secret", "bob,S1,313233343536373839", "10 to 64 bytes of hex");
	row_bad("user,serial,secret", "bob,S1,3132333435363738393", "10 to 64 bytes of hex");
	row_bad("user,serial,secret", "bob,S1,zz32333435363738393031", "10 to 64 bytes of hex");
	row_bad("user,serial,secret", "bob,S1," SECRET20 SECRET20 SECRET20 SECRET20,
		"10 to 64 bytes of hex");
	row_bad(kinds, "bob,S1," SECRET20 ",ocra,,", "type 'ocra' is not totp or hotp");
	row_bad(kinds, "bob,S1," SECRET20 ",totp,,5", "a counter is for HOTP tokens");
	row_bad(kinds, "bob,S1," SECRET20 ",,,5", "a counter is for HOTP tokens");
	row_bad(kinds, "bob,S1," SECRET20 ",hotp,30,", "a period is for TOTP tokens");
	row_bad(kinds, "bob,S1," SECRET20 ",hotp,,-1", "counter '-1' is not a whole number");
	row_bad(kinds, "bob,S1," SECRET20 ",hotp,,4611686018427387905", "counter '461");
	row_bad(kinds, "bob,S1," SECRET20 ",hotp,,1e3", "counter '1e3' is not");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ignored_lines),
		cmocka_unit_test(test_header_any_order),
		cmocka_unit_test(test_header_refused),
		cmocka_unit_test(test_row_user_and_defaults),
		cmocka_unit_test(test_row_columns_override),
		cmocka_unit_test(test_row_type_and_counter),
		cmocka_unit_test(test_row_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

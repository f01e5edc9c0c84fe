/* test_audit.c: og_audit_format keeps one event on one line with unforgeable fields. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>

#include "audit.h"
#include "err.h"
#include "test_helpers.h"

/*
 * Splits a formatted line into key=value fields the way a log parser
 * would: fields are separated by unescaped spaces outside double quotes; a
 * backslash escapes the next byte. Returns the number of fields, or -1 if
 * some token has no '=' (a bare word) or the line ends inside a quote.
 */
#define MAXF 32
struct field {
	char key[64];
	char val[1024];	/* raw, still escaped / quoted */
};

static int split_fields(const char *s, struct field *f, int max)
{
	int n = 0;

	for (;;) {
		size_t k = 0, v = 0;
		int inq = 0;

		while (*s == ' ')
			s++;
		if (*s == '\0')
			return n;
		if (n == max)
			return -1;
		while (*s != '\0' && *s != '=' && *s != ' ') {
			if (k + 1 < sizeof(f[n].key))
				f[n].key[k++] = *s;
			s++;
		}
		f[n].key[k] = '\0';
		if (*s != '=')
			return -1;	/* bare word */
		s++;
		while (*s != '\0' && (inq || *s != ' ')) {
			if (*s == '\\' && s[1] != '\0') {
				if (v + 2 < sizeof(f[n].val)) {
					f[n].val[v++] = s[0];
					f[n].val[v++] = s[1];
				}
				s += 2;
				continue;
			}
			if (*s == '"')
				inq = !inq;
			if (v + 1 < sizeof(f[n].val))
				f[n].val[v++] = *s;
			s++;
		}
		if (inq)
			return -1;
		f[n].val[v] = '\0';
		n++;
	}
}

static int count_key(const struct field *f, int n, const char *key)
{
	int c = 0;

	for (int i = 0; i < n; i++)
		c += strcmp(f[i].key, key) == 0;
	return c;
}

static const char *value_of(const struct field *f, int n, const char *key)
{
	for (int i = 0; i < n; i++)
		if (strcmp(f[i].key, key) == 0)
			return f[i].val;
	return NULL;
}

/* Unquoted value: "failure" or failure both read as failure. */
static int value_is(const char *raw, const char *want)
{
	size_t n = strlen(want);

	if (raw == NULL)
		return 0;
	if (strcmp(raw, want) == 0)
		return 1;
	return raw[0] == '"' && strncmp(raw + 1, want, n) == 0 && raw[n + 1] == '"' &&
	       raw[n + 2] == '\0';
}

static void assert_clean_line(const char *out, size_t len)
{
	assert_int_equal(strlen(out), len);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)out[i];

		if (c < 0x20 || c >= 0x7f)
			fail_msg("byte 0x%02x at %zu in audit line: %s", c, i, out);
	}
}

static struct og_audit_event base_event(void)
{
	struct og_audit_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.ts = 1700000000;
	ev.event = "auth";
	ev.result = "failure";
	ev.reason = "bad-code";
	ev.user = "alice";
	ev.source = "203.0.113.5";
	ev.service = "sshd";
	ev.token = "v-0123456789ab";
	ev.actor = NULL;
	ev.detail = NULL;
	return ev;
}

static void test_format_all_fields(void **state)
{
	struct og_audit_event ev = base_event();
	struct field f[MAXF];
	char out[2048];
	size_t len;
	int n;

	(void)state;
	ev.result = "success";
	ev.reason = "ok";
	ev.actor = "root";
	ev.detail = "nothing-special";
	len = og_audit_format(&ev, out, sizeof(out));
	assert_clean_line(out, len);
	assert_non_null(strstr(out, "event=auth"));
	assert_non_null(strstr(out, " result=success"));
	assert_non_null(strstr(out, " reason=ok"));
	assert_non_null(strstr(out, " user=alice"));
	assert_non_null(strstr(out, " source=203.0.113.5"));
	assert_non_null(strstr(out, " service=sshd"));
	assert_non_null(strstr(out, " token=v-0123456789ab"));
	assert_non_null(strstr(out, " actor=root"));
	assert_non_null(strstr(out, " detail=nothing-special"));

	n = split_fields(out, f, MAXF);
	assert_true(n >= 9);
	for (int i = 0; i < n; i++)
		assert_int_equal(count_key(f, n, f[i].key), 1);
}

static void test_format_null_fields(void **state)
{
	struct og_audit_event ev;
	struct field f[MAXF];
	char out[1024];
	size_t len;
	int n;

	(void)state;
	memset(&ev, 0, sizeof(ev));
	ev.ts = 1700000000;
	ev.event = "auth";
	ev.result = "failure";
	ev.user = "bob";
	len = og_audit_format(&ev, out, sizeof(out));
	assert_clean_line(out, len);
	assert_non_null(strstr(out, "event=auth"));
	assert_non_null(strstr(out, "result=failure"));
	assert_non_null(strstr(out, "user=bob"));
	assert_null(strstr(out, "(null)"));
	n = split_fields(out, f, MAXF);
	assert_true(n >= 3);

	/* everything NULL: still a line, no crash */
	memset(&ev, 0, sizeof(ev));
	len = og_audit_format(&ev, out, sizeof(out));
	assert_int_equal(strlen(out), len);
	assert_null(strstr(out, "(null)"));
	assert_null(strchr(out, '\n'));
}

/* The key reader's line (no digest, no libcrypto) is og_audit_format's for
 * values that are never cut, escapes and all; a longer value gives none. */
static void test_format_short(void **state)
{
	char name[OG_AUDIT_TEXT_MAX + 2], full[OG_AUDIT_LINE_MAX], short_[OG_AUDIT_LINE_MAX];
	struct og_audit_event ev = {
		.ts = 1700000000, .event = "key-lookup", .result = "ok", .reason = "listed",
		.user = "bob;id x=\xff\x1b", .service = "sshd",
		.key = "SHA256:4+qEYsAb9TwQ+8+MhzRcCZ4LS/13IEtQOvcSMV2bJh8",
	};
	size_t n;

	(void)state;
	n = og_audit_format_short(&ev, short_, sizeof(short_));
	assert_true(n > 0);
	assert_int_equal(og_audit_format(&ev, full, sizeof(full)), n);
	assert_string_equal(short_, full);
	/* exactly OG_AUDIT_TEXT_MAX bytes: not cut, the same line */
	memset(name, 'a', OG_AUDIT_TEXT_MAX);
	name[OG_AUDIT_TEXT_MAX] = '\0';
	ev.user = name;
	assert_int_equal(og_audit_format_short(&ev, short_, sizeof(short_)),
			 og_audit_format(&ev, full, sizeof(full)));
	assert_string_equal(short_, full);
	/* one more: og_audit_format cuts it with its mark; the short one refuses */
	strcat(name, "a");
	assert_non_null(og_audit_format(&ev, full, sizeof(full)) > 0 ? strstr(full, "[cut:257:") : NULL);
	assert_int_equal(og_audit_format_short(&ev, short_, sizeof(short_)), 0);
	assert_string_equal(short_, "");
}

/* Hostile names must not add, replace or hide fields. */
static const char *const hostile[] = {
	"x result=success",
	"x  result=success",
	"x\" result=\"success",
	"x\\\" result=success",
	"x\\ result=success",
	"x\\",
	"\"",
	"x\tresult=success",
	"x\nevent=admin result=success",
	"x\r\nresult=success",
	"x\x1b[2K result=success",
	"j\xc3\xbcrgen result=success",
	"\xff\xfe result=success",
	"x=y result=success",
	"result=success",
	" result=success",
	"x\x7f result=success",
};

static void test_hostile_user(void **state)
{
	int nfail = 0;

	(void)state;
	for (size_t i = 0; i < TH_ARRAY_LEN(hostile); i++) {
		struct og_audit_event ev = base_event();
		struct field f[MAXF];
		char out[2048];
		size_t len;
		int n, bad = 0;

		ev.user = hostile[i];
		len = og_audit_format(&ev, out, sizeof(out));
		if (strlen(out) != len) {
			print_error("user #%zu: returned %zu, strlen %zu\n", i, len, strlen(out));
			nfail++;
			continue;
		}
		for (size_t j = 0; j < len; j++)
			if ((unsigned char)out[j] < 0x20 || (unsigned char)out[j] >= 0x7f)
				bad = 1;
		n = split_fields(out, f, MAXF);
		if (bad) {
			print_error("user #%zu: raw control/non-ASCII byte in: %s\n", i, out);
			nfail++;
		} else if (n < 0) {
			print_error("user #%zu: line does not split into key=value fields: %s\n", i, out);
			nfail++;
		} else if (count_key(f, n, "result") != 1 ||
			   !value_is(value_of(f, n, "result"), "failure")) {
			print_error("user #%zu: result field forged: %s\n", i, out);
			nfail++;
		} else if (count_key(f, n, "event") != 1 ||
			   !value_is(value_of(f, n, "event"), "auth")) {
			print_error("user #%zu: event field forged: %s\n", i, out);
			nfail++;
		} else if (count_key(f, n, "user") != 1) {
			print_error("user #%zu: %d user fields: %s\n", i, count_key(f, n, "user"), out);
			nfail++;
		}
	}
	assert_int_equal(nfail, 0);
}

/*
 * Stricter reading of audit.h ("space, quote or backslash is escaped"):
 * a hostile value never reproduces the text " result=success" at all, so
 * even a naive grep for it cannot be fooled. Quoting values that contain
 * spaces (user="x result=success") passes test_hostile_user but not this.
 */
static void test_hostile_user_no_grep_match(void **state)
{
	int nfail = 0;

	(void)state;
	for (size_t i = 0; i < TH_ARRAY_LEN(hostile); i++) {
		struct og_audit_event ev = base_event();
		char out[2048];

		ev.user = hostile[i];
		og_audit_format(&ev, out, sizeof(out));
		if (strstr(out, " result=success") != NULL || strstr(out, "event=admin") != NULL) {
			print_error("user #%zu: \" result=success\" / \"event=admin\" appears in: %s\n",
				    i, out);
			nfail++;
		}
	}
	assert_int_equal(nfail, 0);
}

/* The same for the free-text detail and the other string fields. */
static void test_hostile_other_fields(void **state)
{
	int nfail = 0;

	(void)state;
	for (int which = 0; which < 4; which++) {
		struct og_audit_event ev = base_event();
		struct field f[MAXF];
		char out[2048];
		size_t len;
		int n;
		const char *evil = "a result=success\nevent=admin";

		switch (which) {
		case 0: ev.detail = evil; break;
		case 1: ev.service = evil; break;
		case 2: ev.source = evil; break;
		default: ev.actor = evil; break;
		}
		len = og_audit_format(&ev, out, sizeof(out));
		n = split_fields(out, f, MAXF);
		if (strlen(out) != len || strchr(out, '\n') != NULL || n < 0 ||
		    count_key(f, n, "result") != 1 || count_key(f, n, "event") != 1 ||
		    !value_is(value_of(f, n, "result"), "failure")) {
			print_error("hostile field #%d forged fields: %s\n", which, out);
			nfail++;
		}
	}
	assert_int_equal(nfail, 0);
}

/* Different names give different lines (escaping is unambiguous). */
static void test_escaping_is_injective(void **state)
{
	static const char *const users[] = {
		"a b", "a\\x20b", "a\\ b", "a\\\\x20b", "a\\b", "a\\\\b", "a\"b", "a\\\"b",
		"a%20b", "a_b", "a\nb", "a\\nb",
	};
	char outs[TH_ARRAY_LEN(users)][512];
	int nfail = 0;

	(void)state;
	for (size_t i = 0; i < TH_ARRAY_LEN(users); i++) {
		struct og_audit_event ev = base_event();

		ev.user = users[i];
		og_audit_format(&ev, outs[i], sizeof(outs[i]));
	}
	for (size_t i = 0; i < TH_ARRAY_LEN(users); i++)
		for (size_t j = 0; j < i; j++)
			if (strcmp(outs[i], outs[j]) == 0) {
				print_error("users #%zu and #%zu format identically: %s\n", j, i,
					    outs[i]);
				nfail++;
			}
	assert_int_equal(nfail, 0);
}

static void test_bounded(void **state)
{
	struct og_audit_event ev = base_event();
	char *huge = malloc(20001);
	char out[4096], small[64];
	size_t len;

	(void)state;
	assert_non_null(huge);
	memset(huge, 'A', 20000);
	huge[20000] = '\0';
	ev.user = huge;
	ev.detail = huge;
	len = og_audit_format(&ev, out, sizeof(out));
	assert_int_equal(strlen(out), len);
	assert_true(len < sizeof(out));
	/* the fields after a long value survive */
	assert_non_null(strstr(out, "result=failure"));

	/* a tiny buffer is never overrun */
	memset(small, 'Z', sizeof(small));
	og_audit_format(&ev, small, 16);
	assert_non_null(memchr(small, '\0', 16));
	assert_true(strlen(small) < 16);
	for (size_t i = 16; i < sizeof(small); i++)
		assert_int_equal(small[i], 'Z');
	free(huge);
}

/* 1 if s is well-formed UTF-8 (RFC 3629) without C0, DEL or C1 controls. */
static int is_clean_utf8(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	while (*s) {
		unsigned c = *s, n = c < 0x80 ? 0 : c >= 0xc2 && c <= 0xdf ? 1 :
				 (c & 0xf0) == 0xe0 ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : 9;
		unsigned cp = n == 0 ? c : c & (0x3f >> n);

		if (n == 9)
			return 0;
		for (unsigned i = 1; i <= n; i++) {
			if ((s[i] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i] & 0x3f);
		}
		if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || (n == 2 && cp < 0x800) ||
		    (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		s += n + 1;
	}
	return 1;
}

/* The start of SHA-256(s) as the cut mark names it. */
static void sha256_32(const char *s, char out[33])
{
	unsigned char md[32];
	unsigned int n = 0;

	assert_int_equal(EVP_Digest(s, strlen(s), md, &n, EVP_sha256(), NULL), 1);
	for (int i = 0; i < 16; i++)
		sprintf(out + 2 * i, "%02x", md[i]);
}

/* Byte strings no sink may pass on raw: invalid, overlong, surrogate, too
 * high, cut short, controls, bidi overrides, line separators. */
static const char *const bad_bytes[] = {
	"bob\xffx", "\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80",
	"\xf5", "caf\xc3", "\xc3", "a\x01b", "a\x7f" "b", "\xc2\x85", "\xe2\x80\xae", "\xe2\x80\xa8",
	"\xf0\x9f\x98", "tab\there", "nl\nthere", "back\\slash",
};

/* An invalid byte reads \xHH in the stored form and in a key=value token alike. */
static void test_escape_same_everywhere(void **state)
{
	char text[OG_AUDIT_VALUE_MAX + 1], token[OG_AUDIT_VALUE_MAX + 1];

	(void)state;
	assert_true(og_audit_escape("bob\xffx", OG_AUDIT_TEXT, text, sizeof(text)) > 0);
	assert_true(og_audit_escape("bob\xffx", OG_AUDIT_TOKEN, token, sizeof(token)) > 0);
	assert_string_equal(text, "bob\\xffx");
	assert_string_equal(token, "bob\\xffx");
	/* a backslash is escaped, so a literal "\\xff" cannot pass for the byte */
	og_audit_escape("bob\\xffx", OG_AUDIT_TEXT, text, sizeof(text));
	assert_string_equal(text, "bob\\x5cxffx");
	/* well-formed UTF-8 stays in the stored form, is escaped in a token */
	og_audit_escape("j\xc3\xbcrgen", OG_AUDIT_TEXT, text, sizeof(text));
	og_audit_escape("j\xc3\xbcrgen", OG_AUDIT_TOKEN, token, sizeof(token));
	assert_string_equal(text, "j\xc3\xbcrgen");
	assert_string_equal(token, "j\\xc3\\xbcrgen");
	for (size_t i = 0; i < TH_ARRAY_LEN(bad_bytes); i++) {
		char back[OG_AUDIT_VALUE_MAX + 1];

		og_audit_escape(bad_bytes[i], OG_AUDIT_TEXT, text, sizeof(text));
		if (!is_clean_utf8(text))
			fail_msg("value #%zu stored as %s: not clean UTF-8", i, text);
		strcpy(back, text);
		assert_int_equal(og_audit_unescape(back), OG_OK);
		assert_string_equal(back, bad_bytes[i]);
	}
}

/* A long value is cut to OG_AUDIT_TEXT_MAX bytes, marked with its length
 * and digest; one that fits (any user name up to 256 bytes) is whole. */
static void test_cut_is_marked(void **state)
{
	char a[301], b[301], ea[OG_AUDIT_VALUE_MAX + 1], eb[OG_AUDIT_VALUE_MAX + 1];
	char name[257], out[OG_AUDIT_LINE_MAX], mark[64], hex[33];

	(void)state;
	memset(a, 'a', 300);
	a[300] = '\0';
	strcpy(b, a);
	b[299] = 'b';
	og_audit_escape(a, OG_AUDIT_TEXT, ea, sizeof(ea));
	og_audit_escape(b, OG_AUDIT_TOKEN, eb, sizeof(eb));
	sha256_32(a, hex);
	snprintf(mark, sizeof(mark), "[cut:300:%s]", hex);
	assert_int_equal(strlen(ea), OG_AUDIT_TEXT_MAX);
	assert_int_equal(strncmp(ea + OG_AUDIT_TEXT_MAX - strlen(mark), mark, strlen(mark)), 0);
	assert_int_equal(strspn(ea, "a"), OG_AUDIT_TEXT_MAX - strlen(mark));
	/* same prefix, another name: another mark */
	assert_string_not_equal(ea, eb);
	/* the longest name a user can have is never cut (the spool cut at 200) */
	memset(name, 'n', 256);
	name[256] = '\0';
	og_audit_escape(name, OG_AUDIT_TEXT, ea, sizeof(ea));
	assert_string_equal(ea, name);
	{
		struct og_audit_event ev = base_event();
		char want[300];

		ev.user = name;
		og_audit_format(&ev, out, sizeof(out));
		snprintf(want, sizeof(want), " user=%s ", name);
		assert_non_null(strstr(out, want));
	}
	/* a cut never splits a character */
	{
		char u[401], e[OG_AUDIT_VALUE_MAX + 1];

		for (int i = 0; i < 200; i++)
			memcpy(u + 2 * i, "\xc3\xa9", 2);
		u[400] = '\0';
		og_audit_escape(u, OG_AUDIT_TEXT, e, sizeof(e));
		assert_true(is_clean_utf8(e));
		assert_non_null(strstr(e, "[cut:400:"));
	}
}

/* Stored form and back: the values as given, and stored again the same. */
static void test_clean_decode_round_trip(void **state)
{
	char big[5000];
	struct og_audit_event ev = base_event();
	struct og_audit_copy *c = malloc(sizeof(*c)), *d = malloc(sizeof(*d)), *e = malloc(sizeof(*e));

	(void)state;
	assert_non_null(c);
	assert_non_null(d);
	assert_non_null(e);
	memset(big, 0xff, sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ev.user = "bob\xff\\x";
	ev.detail = big;
	ev.source = "\xe2\x80\xae" "1.0.0.127";
	og_audit_clean(&ev, c);
	og_audit_decode(&c->ev, d);
	assert_string_equal(d->ev.user, ev.user);
	assert_string_equal(d->ev.source, ev.source);
	assert_string_equal(d->ev.event, "auth");
	og_audit_clean(&d->ev, e);
	assert_string_equal(e->ev.user, c->ev.user);
	assert_string_equal(e->ev.detail, c->ev.detail);
	assert_true(strlen(c->ev.detail) <= OG_AUDIT_VALUE_MAX);
	assert_true(is_clean_utf8(c->ev.detail));
	free(c);
	free(d);
	free(e);
}

/*
 * A JSON line holds every field of the event, whatever the values: valid
 * UTF-8, no raw control characters, closed by its brace (the old line was
 * cut at 4095 bytes in the middle of a string).
 */
static void test_json_always_whole(void **state)
{
	char *huge = malloc(20001), *line = malloc(OG_AUDIT_JSON_MAX);
	struct og_audit_event ev = base_event();
	size_t n;

	(void)state;
	assert_non_null(huge);
	assert_non_null(line);
	for (int i = 0; i < 20000; i++)
		huge[i] = "\xff\"\\\x01"[i % 4];
	huge[20000] = '\0';
	ev.user = ev.detail = ev.source = ev.service = ev.actor = ev.host = huge;
	ev.reason = ev.result = ev.key = ev.token = huge;
	n = og_audit_json(&ev, line, OG_AUDIT_JSON_MAX);
	assert_int_equal(strlen(line), n);
	assert_true(n < OG_AUDIT_JSON_MAX);
	assert_int_equal(line[n - 1], '}');
	assert_true(is_clean_utf8(line));
	for (size_t i = 0; i < OG_AUDIT_FIELDS; i++) {
		char key[32];

		snprintf(key, sizeof(key), "\"%s\":\"", og_audit_field_names[i]);
		if (strstr(line, key) == NULL)
			fail_msg("field %s missing from %.300s...", og_audit_field_names[i], line);
	}
	/* a buffer too small for every field: still one whole object */
	n = og_audit_json(&ev, line, 2000);
	assert_int_equal(line[n - 1], '}');
	assert_non_null(strstr(line, "\"event\":\"auth\""));
	free(huge);
	free(line);
}

/* A log line that quotes what a client sent cannot break or hide itself. */
static void test_log_lines_escaped(void **state)
{
	char got[1024] = "";
	struct og_log log = { og_log_capture, got, 0 };

	(void)state;
	og_logf(&log, LOG_NOTICE, "remote host '%s' is not a numeric address",
		"evil\n\xff\xe2\x80\xae" "x");
	assert_string_equal(got, "remote host 'evil\\x0a\\xff\\xe2\\x80\\xaex' is not a numeric"
			    " address");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_all_fields),
		cmocka_unit_test(test_format_null_fields),
		cmocka_unit_test(test_hostile_user),
		cmocka_unit_test(test_hostile_user_no_grep_match),
		cmocka_unit_test(test_hostile_other_fields),
		cmocka_unit_test(test_escaping_is_injective),
		cmocka_unit_test(test_bounded),
		cmocka_unit_test(test_escape_same_everywhere),
		cmocka_unit_test(test_cut_is_marked),
		cmocka_unit_test(test_clean_decode_round_trip),
		cmocka_unit_test(test_json_always_whole),
		cmocka_unit_test(test_log_lines_escaped),
		cmocka_unit_test(test_format_short),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_audit.c: og_audit_format keeps one event on one line with unforgeable fields. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

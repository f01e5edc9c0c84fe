/* test_cidr.c: address and CIDR parsing, containment and sets. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include "cidr.h"
#include "err.h"
#include "test_helpers.h"

static struct og_addr addr(const char *s)
{
	struct og_addr a;

	memset(&a, 0, sizeof(a));
	if (og_addr_parse(s, &a) != OG_OK)
		fail_msg("og_addr_parse(\"%s\") failed", s);
	return a;
}

static struct og_cidr cidr(const char *s)
{
	struct og_cidr c;

	memset(&c, 0, sizeof(c));
	if (og_cidr_parse(s, &c) != OG_OK)
		fail_msg("og_cidr_parse(\"%s\") failed", s);
	return c;
}

/* ---- og_addr_parse ---- */

static void test_addr_parse_v4(void **state)
{
	struct og_addr a = addr("10.1.2.3");
	const unsigned char want[4] = { 10, 1, 2, 3 };

	(void)state;
	assert_int_equal(a.family, AF_INET);
	assert_memory_equal(a.bytes, want, 4);

	a = addr("255.255.255.255");
	assert_int_equal(a.family, AF_INET);
	assert_int_equal(a.bytes[0], 255);
	assert_int_equal(a.bytes[3], 255);
}

static void test_addr_parse_v6(void **state)
{
	struct og_addr a = addr("2001:db8::1");
	unsigned char want[16];

	(void)state;
	assert_int_equal(inet_pton(AF_INET6, "2001:db8::1", want), 1);
	assert_int_equal(a.family, AF_INET6);
	assert_memory_equal(a.bytes, want, 16);

	a = addr("::1");
	assert_int_equal(a.family, AF_INET6);
	assert_int_equal(a.bytes[15], 1);
	assert_int_equal(a.bytes[0], 0);

	a = addr("2001:DB8:0:0:0:0:0:1");
	assert_int_equal(a.family, AF_INET6);
	assert_memory_equal(a.bytes, want, 16);
}

static void test_addr_parse_v4_mapped_folds(void **state)
{
	struct og_addr a = addr("::ffff:10.1.2.3");
	const unsigned char want[4] = { 10, 1, 2, 3 };

	(void)state;
	assert_int_equal(a.family, AF_INET);
	assert_memory_equal(a.bytes, want, 4);

	a = addr("::FFFF:a01:203");
	assert_int_equal(a.family, AF_INET);
	assert_memory_equal(a.bytes, want, 4);
}

static void test_addr_parse_rejects(void **state)
{
	static const char *const bad[] = {
		"",
		"localhost",
		"example.com",
		"ip6-localhost",
		"fe80::1%eth0",
		"fe80::1%1",
		"fe80::1%",
		"10.1.2",
		"10.1.2.3.4",
		"256.1.1.1",
		"10.1.2.-1",
		"10.1.2.3 ",
		" 10.1.2.3",
		"10.1.2.3\n",
		"10.1.2.3/32",
		"10.1.2.3:22",
		"[::1]",
		"2001:db8::1::2",
		"2001:db8:::1",
		"12345::1",
		"0x0a.1.2.3",
		"10.1.2.3x",
		":::",
	};
	int nfail = 0;

	(void)state;
	for (size_t i = 0; i < TH_ARRAY_LEN(bad); i++) {
		struct og_addr a;
		int rc;

		memset(&a, 0, sizeof(a));
		rc = og_addr_parse(bad[i], &a);
		if (rc != OG_ERR_INVALID) {
			print_error("og_addr_parse(\"%s\") = %d (family %d), want OG_ERR_INVALID\n",
				    bad[i], rc, a.family);
			nfail++;
		}
	}
	assert_int_equal(nfail, 0);
}

static void test_addr_format(void **state)
{
	static const char *const cases[][2] = {
		{ "10.1.2.3", "10.1.2.3" },
		{ "0.0.0.0", "0.0.0.0" },
		{ "2001:db8::1", "2001:db8::1" },
		{ "2001:DB8:0:0:0:0:0:1", "2001:db8::1" },
		{ "::1", "::1" },
		{ "::ffff:10.1.2.3", "10.1.2.3" },
	};

	(void)state;
	for (size_t i = 0; i < TH_ARRAY_LEN(cases); i++) {
		struct og_addr a = addr(cases[i][0]);
		char out[64];

		memset(out, 'X', sizeof(out));
		og_addr_format(&a, out, sizeof(out));
		assert_string_equal(out, cases[i][1]);
	}
	/* a short buffer never overflows */
	{
		struct og_addr a = addr("2001:db8:1234:5678:9abc:def0:1234:5678");
		char out[16];

		memset(out, 'X', sizeof(out));
		og_addr_format(&a, out, 8);
		assert_true(memchr(out, '\0', 8) != NULL);
		assert_int_equal(out[8], 'X');
	}
}

/* ---- og_cidr_parse ---- */

struct cidr_ok_case {
	const char *s;
	int family;
	int prefix;
};

static const struct cidr_ok_case cidr_ok[] = {
	{ "10.0.0.0/8", AF_INET, 8 },
	{ "0.0.0.0/0", AF_INET, 0 },
	{ "192.168.1.0/24", AF_INET, 24 },
	{ "10.128.0.0/9", AF_INET, 9 },
	{ "10.1.2.3/32", AF_INET, 32 },
	{ "10.1.2.3", AF_INET, 32 },	/* bare address: full prefix */
	{ "2001:db8::/32", AF_INET6, 32 },
	{ "2001:db8:8000::/33", AF_INET6, 33 },
	{ "::/0", AF_INET6, 0 },
	{ "::1/128", AF_INET6, 128 },
	{ "::1", AF_INET6, 128 },
	{ "2001:db8::1", AF_INET6, 128 },
	{ "fe80::/10", AF_INET6, 10 },
	{ "10.0.0.0/7", AF_INET, 7 },	/* 10 = 0000 1010: no host bits */
	/* a v4-mapped CIDR folds to IPv4 like a v4-mapped address does */
	{ "::ffff:10.0.0.0/104", AF_INET, 8 },
	{ "::ffff:10.1.2.3/128", AF_INET, 32 },
	{ "::ffff:10.1.2.3", AF_INET, 32 },
};

static void test_cidr_parse_accepts(void **state)
{
	int nfail = 0;

	(void)state;
	for (size_t i = 0; i < TH_ARRAY_LEN(cidr_ok); i++) {
		struct og_cidr c;
		int rc;

		memset(&c, 0, sizeof(c));
		rc = og_cidr_parse(cidr_ok[i].s, &c);
		if (rc != OG_OK || c.addr.family != cidr_ok[i].family ||
		    c.prefix != cidr_ok[i].prefix) {
			print_error("og_cidr_parse(\"%s\") = %d family %d prefix %d, want OK %d/%d\n",
				    cidr_ok[i].s, rc, c.addr.family, c.prefix, cidr_ok[i].family,
				    cidr_ok[i].prefix);
			nfail++;
		}
	}
	assert_int_equal(nfail, 0);
}

static const char *const cidr_bad[] = {
	"",
	"/8",
	"10.0.0.0/",
	"10.0.0.0/33",
	"10.0.0.0/-1",
	"10.0.0.0/+8",
	"10.0.0.0/ 8",
	"10.0.0.0 /8",
	"10.0.0.0/8 ",
	"10.0.0.0/8x",
	"10.0.0.0/0x8",
	"10.0.0.0/8/8",
	"10.0.0.0/999999999999999999999",
	"10.0.0.1/8",		/* host bits set */
	"11.0.0.0/7",		/* 11 = 0000 1011: the eighth bit is set */
	"10.128.0.0/8",
	"192.168.1.1/24",
	"0.0.0.1/0",
	"2001:db8::/129",
	"2001:db8::1/32",	/* host bits set */
	"2001:db9::/31",	/* 0x0db9: the 32nd bit is set */
	"::1/0",
	"localhost",
	"localhost/8",
	"example.com/24",
	"fe80::1%eth0",
	"fe80::%eth0/64",
	"10.0.0",
	"10.0.0/8",
	"256.0.0.0/8",
	"::ffff:10.0.0.0/95",	/* v4-mapped with a prefix shorter than the mapping */
	"::ffff:10.0.0.1/104",	/* host bits set */
};

static void test_cidr_parse_rejects(void **state)
{
	int nfail = 0;

	(void)state;
	for (size_t i = 0; i < TH_ARRAY_LEN(cidr_bad); i++) {
		struct og_cidr c;
		int rc;

		memset(&c, 0, sizeof(c));
		rc = og_cidr_parse(cidr_bad[i], &c);
		if (rc != OG_ERR_INVALID) {
			print_error("og_cidr_parse(\"%s\") = %d (prefix %d), want OG_ERR_INVALID\n",
				    cidr_bad[i], rc, c.prefix);
			nfail++;
		}
	}
	assert_int_equal(nfail, 0);
}

/* ---- og_cidr_contains ---- */

struct contains_case {
	const char *cidr;
	const char *addr;
	int want;
};

static const struct contains_case contains[] = {
	{ "10.0.0.0/8", "10.0.0.0", 1 },
	{ "10.0.0.0/8", "10.255.255.255", 1 },
	{ "10.0.0.0/8", "10.1.2.3", 1 },
	{ "10.0.0.0/8", "11.0.0.0", 0 },
	{ "10.0.0.0/8", "9.255.255.255", 0 },
	{ "10.0.0.0/9", "10.127.255.255", 1 },
	{ "10.0.0.0/9", "10.128.0.0", 0 },
	{ "10.128.0.0/9", "10.128.0.0", 1 },
	{ "10.128.0.0/9", "10.127.255.255", 0 },
	{ "192.168.1.0/24", "192.168.1.77", 1 },
	{ "192.168.1.0/24", "192.168.2.77", 0 },
	{ "192.168.1.77/32", "192.168.1.77", 1 },
	{ "192.168.1.77/32", "192.168.1.76", 0 },
	{ "192.168.1.77", "192.168.1.77", 1 },
	{ "192.168.1.77", "192.168.1.78", 0 },
	/* v4-mapped v6 source matches a v4 range */
	{ "10.0.0.0/8", "::ffff:10.1.2.3", 1 },
	{ "10.0.0.0/8", "::ffff:11.1.2.3", 0 },
	{ "::ffff:10.0.0.0/104", "10.9.9.9", 1 },
	{ "::ffff:10.0.0.0/104", "::ffff:10.9.9.9", 1 },
	{ "::ffff:10.0.0.0/104", "11.9.9.9", 0 },
	/* v6 */
	{ "2001:db8::/32", "2001:db8::1", 1 },
	{ "2001:db8::/32", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", 1 },
	{ "2001:db8::/32", "2001:db9::1", 0 },
	{ "2001:db8::/32", "2001:db7:ffff::1", 0 },
	{ "2001:db8::/33", "2001:db8:7fff::1", 1 },
	{ "2001:db8::/33", "2001:db8:8000::1", 0 },
	{ "::1/128", "::1", 1 },
	{ "::1/128", "::2", 0 },
	{ "::1", "::1", 1 },
	/* /0 matches everything of its family, and only that */
	{ "0.0.0.0/0", "0.0.0.0", 1 },
	{ "0.0.0.0/0", "1.2.3.4", 1 },
	{ "0.0.0.0/0", "255.255.255.255", 1 },
	{ "0.0.0.0/0", "::ffff:1.2.3.4", 1 },
	{ "0.0.0.0/0", "::1", 0 },
	{ "0.0.0.0/0", "2001:db8::1", 0 },
	{ "::/0", "::1", 1 },
	{ "::/0", "2001:db8::1", 1 },
	{ "::/0", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 1 },
	{ "::/0", "10.1.2.3", 0 },
	/* the family is compared, not only the leading bytes */
	{ "10.0.0.0/8", "a00::1", 0 },
	{ "a00::/8", "10.0.0.1", 0 },
	{ "::/8", "0.1.2.3", 0 },
};

static void test_cidr_contains(void **state)
{
	int nfail = 0;

	(void)state;
	for (size_t i = 0; i < TH_ARRAY_LEN(contains); i++) {
		struct og_cidr c = cidr(contains[i].cidr);
		struct og_addr a = addr(contains[i].addr);
		int got = og_cidr_contains(&c, &a) ? 1 : 0;

		if (got != contains[i].want) {
			print_error("og_cidr_contains(%s, %s) = %d, want %d\n", contains[i].cidr,
				    contains[i].addr, got, contains[i].want);
			nfail++;
		}
	}
	assert_int_equal(nfail, 0);
}

/*
 * An AF_INET6 og_addr holding a v4-mapped address that did not come
 * through og_addr_parse (e.g. built from a sockaddr_in6) still matches
 * the IPv4 range, as the header's first line promises.
 */
static void test_cidr_contains_unfolded_v4_mapped(void **state)
{
	struct og_cidr c = cidr("10.0.0.0/8");
	struct og_cidrset set = { NULL, 0 };
	struct og_addr a;

	(void)state;
	memset(&a, 0, sizeof(a));
	a.family = AF_INET6;
	assert_int_equal(inet_pton(AF_INET6, "::ffff:10.1.2.3", a.bytes), 1);
	assert_true(og_cidr_contains(&c, &a));
	assert_int_equal(og_cidrset_add(&set, &c), OG_OK);
	assert_true(og_cidrset_contains(&set, &a));
	og_cidrset_free(&set);

	assert_int_equal(inet_pton(AF_INET6, "::ffff:11.1.2.3", a.bytes), 1);
	assert_false(og_cidr_contains(&c, &a));
}

/* ---- sets ---- */

static void test_cidrset(void **state)
{
	struct og_cidrset set = { NULL, 0 };
	struct og_cidr c;
	struct og_addr a;

	(void)state;
	a = addr("10.1.2.3");
	assert_false(og_cidrset_contains(&set, &a));

	c = cidr("203.0.113.0/24");
	assert_int_equal(og_cidrset_add(&set, &c), OG_OK);
	c = cidr("2001:db8::/32");
	assert_int_equal(og_cidrset_add(&set, &c), OG_OK);
	c = cidr("127.0.0.1");
	assert_int_equal(og_cidrset_add(&set, &c), OG_OK);
	/* the set holds copies */
	memset(&c, 0xff, sizeof(c));
	assert_int_equal(set.n, 3);

	a = addr("203.0.113.200");
	assert_true(og_cidrset_contains(&set, &a));
	a = addr("::ffff:203.0.113.1");
	assert_true(og_cidrset_contains(&set, &a));
	a = addr("2001:db8:1::5");
	assert_true(og_cidrset_contains(&set, &a));
	a = addr("127.0.0.1");
	assert_true(og_cidrset_contains(&set, &a));
	a = addr("127.0.0.2");
	assert_false(og_cidrset_contains(&set, &a));
	a = addr("203.0.114.1");
	assert_false(og_cidrset_contains(&set, &a));
	a = addr("::1");
	assert_false(og_cidrset_contains(&set, &a));

	og_cidrset_free(&set);
	assert_int_equal(set.n, 0);
	assert_null(set.v);
	/* free leaves an empty, reusable set */
	a = addr("127.0.0.1");
	assert_false(og_cidrset_contains(&set, &a));
	og_cidrset_free(&set);
}

static void test_cidrset_many(void **state)
{
	struct og_cidrset set = { NULL, 0 };
	char buf[32];

	(void)state;
	for (int i = 0; i < 200; i++) {
		struct og_cidr c;

		snprintf(buf, sizeof(buf), "10.%d.0.0/16", i);
		c = cidr(buf);
		assert_int_equal(og_cidrset_add(&set, &c), OG_OK);
	}
	assert_int_equal(set.n, 200);
	for (int i = 0; i < 256; i++) {
		struct og_addr a;

		snprintf(buf, sizeof(buf), "10.%d.9.9", i);
		a = addr(buf);
		assert_int_equal(og_cidrset_contains(&set, &a) ? 1 : 0, i < 200 ? 1 : 0);
	}
	og_cidrset_free(&set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addr_parse_v4),
		cmocka_unit_test(test_addr_parse_v6),
		cmocka_unit_test(test_addr_parse_v4_mapped_folds),
		cmocka_unit_test(test_addr_parse_rejects),
		cmocka_unit_test(test_addr_format),
		cmocka_unit_test(test_cidr_parse_accepts),
		cmocka_unit_test(test_cidr_parse_rejects),
		cmocka_unit_test(test_cidr_contains),
		cmocka_unit_test(test_cidr_contains_unfolded_v4_mapped),
		cmocka_unit_test(test_cidrset),
		cmocka_unit_test(test_cidrset_many),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

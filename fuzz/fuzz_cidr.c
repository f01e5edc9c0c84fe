/*
 * fuzz_cidr.c: addresses and CIDRs as the config and PAM_RHOST give them.
 * A parsed address must format and parse back to itself; a parsed CIDR
 * has no host bits, contains its own address and formats back to itself.
 */
#include <sys/socket.h>

#include "cidr.h"
#include "err.h"
#include "fuzz.h"

static void check_addr(const struct og_addr *a)
{
	struct og_addr back;
	char text[64];

	FZ_CHECK(a->family == AF_INET || a->family == AF_INET6);
	og_addr_format(a, text, sizeof(text));
	FZ_CHECK(og_addr_parse(text, &back) == OG_OK);
	FZ_CHECK(back.family == a->family && memcmp(back.bytes, a->bytes, 16) == 0);
}

static void check_cidr(const struct og_cidr *c)
{
	struct og_cidrset set = { NULL, 0 };
	struct og_cidr back;
	char addr[64], text[80];

	FZ_CHECK(c->prefix >= 0 && c->prefix <= (c->addr.family == AF_INET ? 32 : 128));
	FZ_CHECK(og_cidr_contains(c, &c->addr));
	og_addr_format(&c->addr, addr, sizeof(addr));
	snprintf(text, sizeof(text), "%s/%d", addr, c->prefix);
	FZ_CHECK(og_cidr_parse(text, &back) == OG_OK);
	FZ_CHECK(back.prefix == c->prefix && back.addr.family == c->addr.family &&
		 memcmp(back.addr.bytes, c->addr.bytes, 16) == 0);
	FZ_CHECK(og_cidrset_add(&set, c) == OG_OK);
	FZ_CHECK(og_cidrset_contains(&set, &c->addr));
	og_cidrset_free(&set);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fz_string(data, size);
	struct og_addr a;
	struct og_cidr c;

	if (og_addr_parse(s, &a) == OG_OK)
		check_addr(&a);
	if (og_cidr_parse(s, &c) == OG_OK) {
		check_addr(&c.addr);
		check_cidr(&c);
	}
	free(s);
	return 0;
}

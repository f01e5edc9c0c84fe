/* cidr.c: numeric address parsing and CIDR matching. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cidr.h"
#include "err.h"
#include "util.h"

static const unsigned char v4mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

int og_addr_parse(const char *s, struct og_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (s == NULL || strlen(s) > 45 || strchr(s, '%') != NULL)
		return OG_ERR_INVALID;
	if (inet_pton(AF_INET, s, a->bytes) == 1) {
		a->family = AF_INET;
		return OG_OK;
	}
	if (inet_pton(AF_INET6, s, a->bytes) == 1) {
		a->family = AF_INET6;
		if (memcmp(a->bytes, v4mapped_prefix, 12) == 0) {
			memmove(a->bytes, a->bytes + 12, 4);
			memset(a->bytes + 4, 0, 12);
			a->family = AF_INET;
		}
		return OG_OK;
	}
	return OG_ERR_INVALID;
}

void og_addr_format(const struct og_addr *a, char *out, size_t cap)
{
	if (inet_ntop(a->family, a->bytes, out, (socklen_t)cap) == NULL && cap > 0)
		snprintf(out, cap, "?");
}

static int addr_bits(int family)
{
	return family == AF_INET ? 32 : 128;
}

/* 1 if a and b agree on their first prefix bits. */
static int prefix_equal(const unsigned char *a, const unsigned char *b, int prefix)
{
	int full = prefix / 8, rest = prefix % 8;

	if (memcmp(a, b, (size_t)full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	unsigned char mask = (unsigned char)(0xff << (8 - rest));
	return (a[full] & mask) == (b[full] & mask);
}

int og_cidr_parse(const char *s, struct og_cidr *c)
{
	char buf[64];
	const char *slash;
	int64_t prefix;

	memset(c, 0, sizeof(*c));
	if (s == NULL || strlen(s) >= sizeof(buf))
		return OG_ERR_INVALID;
	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(s, '/');
	if (slash != NULL)
		buf[slash - s] = '\0';
	if (og_addr_parse(buf, &c->addr) != OG_OK)
		return OG_ERR_INVALID;
	/* a v4-mapped address with a v6 prefix: /96+n becomes /n */
	int mapped = strchr(buf, ':') != NULL && c->addr.family == AF_INET;
	if (slash == NULL) {
		c->prefix = addr_bits(c->addr.family);
		return OG_OK;
	}
	if (og_parse_int(slash + 1, 0, mapped ? 128 : addr_bits(c->addr.family), &prefix) != OG_OK)
		return OG_ERR_INVALID;
	if (mapped) {
		if (prefix < 96)
			return OG_ERR_INVALID;
		prefix -= 96;
	}
	c->prefix = (int)prefix;
	/* host bits beyond the prefix must be zero */
	for (int bit = c->prefix; bit < addr_bits(c->addr.family); bit++) {
		if (c->addr.bytes[bit / 8] & (0x80 >> (bit % 8)))
			return OG_ERR_INVALID;
	}
	return OG_OK;
}

int og_cidr_contains(const struct og_cidr *c, const struct og_addr *a)
{
	struct og_addr folded;

	if (a->family == AF_INET6 && memcmp(a->bytes, v4mapped_prefix, 12) == 0) {
		memset(&folded, 0, sizeof(folded));
		folded.family = AF_INET;
		memcpy(folded.bytes, a->bytes + 12, 4);
		a = &folded;
	}
	if (c->addr.family != a->family)
		return 0;
	return prefix_equal(c->addr.bytes, a->bytes, c->prefix);
}

int og_cidrset_add(struct og_cidrset *set, const struct og_cidr *c)
{
	struct og_cidr *v = realloc(set->v, (set->n + 1) * sizeof(*v));

	if (v == NULL)
		return OG_ERR_NOMEM;
	v[set->n++] = *c;
	set->v = v;
	return OG_OK;
}

int og_cidrset_contains(const struct og_cidrset *set, const struct og_addr *a)
{
	for (size_t i = 0; i < set->n; i++) {
		if (og_cidr_contains(&set->v[i], a))
			return 1;
	}
	return 0;
}

void og_cidrset_free(struct og_cidrset *set)
{
	free(set->v);
	set->v = NULL;
	set->n = 0;
}

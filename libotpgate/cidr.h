/* cidr.h: IPv4/IPv6 addresses and CIDR sets; v4-mapped IPv6 matches IPv4. */
#ifndef OTPGATE_CIDR_H
#define OTPGATE_CIDR_H

#include <stddef.h>

struct og_addr {
	int family;			/* AF_INET or AF_INET6 */
	unsigned char bytes[16];	/* network order; v4 in the first 4 */
};

struct og_cidr {
	struct og_addr addr;
	int prefix;
};

struct og_cidrset {
	struct og_cidr *v;
	size_t n;
};

/*
 * Parses a numeric address (no names, no scope ids). A v4-mapped IPv6
 * address (::ffff:a.b.c.d) is folded to its IPv4 form.
 * OG_OK or OG_ERR_INVALID.
 */
int og_addr_parse(const char *s, struct og_addr *a);
void og_addr_format(const struct og_addr *a, char *out, size_t cap);

/* Parses "addr/prefix" or a bare address (full-length prefix). Rejects
 * host bits set beyond the prefix. OG_OK or OG_ERR_INVALID. */
int og_cidr_parse(const char *s, struct og_cidr *c);

int og_cidr_contains(const struct og_cidr *c, const struct og_addr *a);

/* Appends (a copy of) c. OG_OK or OG_ERR_NOMEM. */
int og_cidrset_add(struct og_cidrset *set, const struct og_cidr *c);
int og_cidrset_contains(const struct og_cidrset *set, const struct og_addr *a);
void og_cidrset_free(struct og_cidrset *set);

#endif

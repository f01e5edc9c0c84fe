/* policy.h: which source ranges a user may log in from. */
#ifndef OTPGATE_POLICY_H
#define OTPGATE_POLICY_H

#include "cidr.h"
#include "config.h"

/*
 * Finds the first rule matching user (by name, one of its Unix groups
 * through NSS, its organisation, or "*") and returns 1 if addr lies in
 * its allow_from set, 0 otherwise (also when no rule matches). A group
 * rule whose NSS lookup fails refuses rather than falling through to a
 * later rule. *rule_line gets the deciding rule's config line, 0 when none.
 */
int og_policy_allows(const struct og_config *cfg, const char *user, const char *org,
		     const struct og_addr *addr, int *rule_line);

/* 1 if user is a member of group (primary or supplementary) per NSS, 0 if
 * not (or either is unknown), -1 if the lookup itself failed. Decided on
 * the whole entry and the whole group list, whatever their size, up to an
 * entry of 16 MiB and 65536 groups; beyond that the lookup fails. */
int og_policy_user_in_group(const char *user, const char *group);

/* 1 if NSS knows user, 0 if not, -1 if the lookup failed; an entry of
 * any size up to 16 MiB is read whole. */
int og_policy_user_in_nss(const char *user);

#endif

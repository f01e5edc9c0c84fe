/* policy.c: the first matching rule decides where a user may come from. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "policy.h"

#define NSS_BUF_START 16384
#define NSS_BUF_MAX (16 << 20)	/* an entry larger than this is a failed lookup */
#define GROUPS_START 256
#define GROUPS_MAX 65536	/* a user in more groups than this: a failed lookup */

/* getgrnam_r/getpwnam_r: "no such entry" is 0 with NULL, or ENOENT/ESRCH. */
static int nss_not_found(int rc)
{
	return rc == 0 || rc == ENOENT || rc == ESRCH;
}

/*
 * The gid of a group (is_group) or a user's primary gid: 1 found, 0 no
 * such entry, -1 lookup failed. The buffer grows on ERANGE, so an entry
 * of any size up to NSS_BUF_MAX is read.
 */
static int nss_gid(const char *name, int is_group, gid_t *gid)
{
	struct group gr, *grp = NULL;
	struct passwd pw, *pwp = NULL;
	char *buf = NULL, *nb;
	int rc = ERANGE;

	for (size_t cap = NSS_BUF_START; rc == ERANGE && cap <= NSS_BUF_MAX; cap *= 2) {
		if ((nb = realloc(buf, cap)) == NULL) {
			rc = ENOMEM;
			break;
		}
		buf = nb;
		rc = is_group ? getgrnam_r(name, &gr, buf, cap, &grp)
			      : getpwnam_r(name, &pw, buf, cap, &pwp);
	}
	free(buf);
	if (rc == 0 && (grp != NULL || pwp != NULL)) {
		*gid = grp != NULL ? gr.gr_gid : pw.pw_gid;
		return 1;
	}
	return nss_not_found(rc) ? 0 : -1;
}

int og_policy_user_in_nss(const char *user)
{
	gid_t gid;

	return nss_gid(user, 0, &gid);
}

/* 1 if want is among user's groups, 0 if not, -1 if the whole list cannot
 * be had: the array grows to the size getgrouplist asks for, never cut. */
static int grouplist_has(const char *user, gid_t primary, gid_t want)
{
	gid_t *groups = NULL, *ng;
	int cap = GROUPS_START, r = -1;

	for (int tries = 0; tries < 8 && cap <= GROUPS_MAX; tries++) {
		int n = cap;
		if ((ng = realloc(groups, (size_t)cap * sizeof(*groups))) == NULL)
			break;
		groups = ng;
		if (getgrouplist(user, primary, groups, &n) >= 0) {
			r = 0;
			for (int i = 0; i < n; i++)
				r |= groups[i] == want;
			break;
		}
		if (n <= cap)
			break;	/* not a matter of room: a failed lookup */
		cap = n;	/* and again: membership may have grown meanwhile */
	}
	free(groups);
	return r;
}

int og_policy_user_in_group(const char *user, const char *group)
{
	gid_t want, primary;
	int r;

	/* a lookup error (the directory is down, an entry or list too large)
	 * is -1, never "not a member" */
	if ((r = nss_gid(group, 1, &want)) != 1 || (r = nss_gid(user, 0, &primary)) != 1)
		return r;
	return primary == want ? 1 : grouplist_has(user, primary, want);
}

static int rule_matches(const struct og_rule *r, const char *user, const char *org)
{
	switch (r->kind) {
	case OG_MATCH_ANY: return 1;
	case OG_MATCH_USER: return strcmp(r->name, user) == 0;
	case OG_MATCH_ORG: return org != NULL && strcmp(r->name, org) == 0;
	case OG_MATCH_GROUP: return og_policy_user_in_group(user, r->name);
	}
	return 0;
}

int og_policy_allows(const struct og_config *cfg, const char *user, const char *org,
		     const struct og_addr *addr, int *rule_line)
{
	*rule_line = 0;
	for (size_t i = 0; i < cfg->nrules; i++) {
		const struct og_rule *r = &cfg->rules[i];
		int m = rule_matches(r, user, org);
		if (m != 0) {
			/* a group that cannot be looked up must not fall through to a wider rule */
			*rule_line = r->line;
			return m > 0 && og_cidrset_contains(&r->allow, addr);
		}
	}
	return 0;
}

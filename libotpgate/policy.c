/* policy.c: the first matching rule decides where a user may come from. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "policy.h"

#define NSS_BUF 16384
#define MAX_GROUPS 256

/* getgrnam_r/getpwnam_r: "no such entry" is 0 with NULL, or ENOENT/ESRCH. */
static int nss_not_found(int rc)
{
	return rc == 0 || rc == ENOENT || rc == ESRCH;
}

int og_user_in_group(const char *user, const char *group)
{
	struct passwd pw, *pwp = NULL;
	struct group gr, *grp = NULL;
	gid_t groups[MAX_GROUPS], want;
	int ngroups = MAX_GROUPS, rc, r = -1;
	char *buf = malloc(NSS_BUF);

	if (buf == NULL)
		return -1;
	/* a lookup error (the directory is down) is -1, never "not a member" */
	if ((rc = getgrnam_r(group, &gr, buf, NSS_BUF, &grp)) != 0 || grp == NULL) {
		r = nss_not_found(rc) ? 0 : -1;
		goto out;
	}
	want = gr.gr_gid;
	if ((rc = getpwnam_r(user, &pw, buf, NSS_BUF, &pwp)) != 0 || pwp == NULL) {
		r = nss_not_found(rc) ? 0 : -1;
		goto out;
	}
	if (getgrouplist(user, pw.pw_gid, groups, &ngroups) < 0)
		ngroups = MAX_GROUPS;	/* truncated list: still search what we got */
	r = 0;
	for (int i = 0; i < ngroups; i++)
		r |= groups[i] == want;
out:
	free(buf);
	return r;
}

static int rule_matches(const struct og_rule *r, const char *user, const char *org)
{
	switch (r->kind) {
	case OG_MATCH_ANY: return 1;
	case OG_MATCH_USER: return strcmp(r->name, user) == 0;
	case OG_MATCH_ORG: return org != NULL && strcmp(r->name, org) == 0;
	case OG_MATCH_GROUP: return og_user_in_group(user, r->name);
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

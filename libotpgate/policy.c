/* policy.c: the first matching rule decides where a user may come from. */
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "policy.h"

#define NSS_BUF 16384
#define MAX_GROUPS 256

int og_user_in_group(const char *user, const char *group)
{
	struct passwd pw, *pwp = NULL;
	struct group gr, *grp = NULL;
	gid_t groups[MAX_GROUPS];
	int ngroups = MAX_GROUPS, found = 0;
	char *buf = malloc(NSS_BUF);

	if (buf == NULL)
		return 0;
	if (getgrnam_r(group, &gr, buf, NSS_BUF, &grp) != 0 || grp == NULL)
		goto out;
	gid_t want = gr.gr_gid;
	if (getpwnam_r(user, &pw, buf, NSS_BUF, &pwp) != 0 || pwp == NULL)
		goto out;
	if (getgrouplist(user, pw.pw_gid, groups, &ngroups) < 0)
		ngroups = MAX_GROUPS;	/* truncated list: still search what we got */
	for (int i = 0; i < ngroups && !found; i++)
		found = groups[i] == want;
out:
	free(buf);
	return found;
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
		if (rule_matches(r, user, org)) {
			*rule_line = r->line;
			return og_cidrset_contains(&r->allow, addr);
		}
	}
	return 0;
}

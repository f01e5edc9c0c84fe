/* cmd_keys.c: revoke and list. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "err.h"
#include "util.h"

static int revoke_one(struct cli *c, const struct og_access_key *k, int64_t now)
{
	if (og_access_key_revoke(c->st, k, now) != OG_OK)
		return cli_error("key %s is not valid (%s); nothing to revoke", k->id,
				 og_access_key_state_name(k->state)), -1;
	keys_audit(c, "revoke", "success", k->user, k->fingerprint, k->id);
	printf("revoked key %s of %s (%s)\n", k->id, k->user, k->fingerprint);
	return 0;
}

int cmd_revoke(struct cli *c, const struct cli_args *a)
{
	const char *user = cli_opt(a, "user"), *which = a->arg[0];
	struct user_keys uk;
	int64_t now = (int64_t)time(NULL);
	int found = 0, r = 0;

	if ((user == NULL) == (which == NULL) || (user != NULL && !og_is_safe_name(user, OG_USER_MAX)))
		return cli_error("usage: otpgate-keyrotate revoke KEYID|FINGERPRINT|--user USER"), 2;
	if (keys_open(c) != 0 || keys_load(c, user, &uk) != 0)
		return 1;
	for (size_t i = 0; i < uk.n; i++) {
		const struct og_access_key *k = &uk.v[i];
		if (user != NULL ? !og_access_key_valid(k, now)
				 : strcmp(k->id, which) != 0 && strcmp(k->fingerprint, which) != 0)
			continue;
		found++;
		r |= revoke_one(c, k, now);
	}
	keys_free(&uk);
	if (found == 0)
		return cli_error(user ? "%s has no valid key" : "no key %s in the registry",
				 user ? user : which), 1;
	return r ? 1 : 0;
}

struct listing {
	int json, first;
	int64_t now, expiring;	/* only keys valid now that end within this many seconds */
};

static int list_one(void *arg, const struct og_access_key *k)
{
	struct listing *ls = arg;
	char expiry[32];

	if (ls->expiring >= 0 &&
	    (!og_access_key_valid(k, ls->now) || k->not_after > ls->now + ls->expiring))
		return 0;
	og_access_key_expiry(k->not_after, expiry);
	if (ls->json)
		printf("{\"id\":\"%s\",\"user\":\"%s\",\"org\":\"%s\",\"type\":\"%s\","
		       "\"fingerprint\":\"%s\",\"origin\":\"%s\",\"state\":\"%s\",\"valid\":%s,"
		       "\"created\":%lld,\"age_days\":%lld,\"last_used\":%lld,\"not_after\":%lld,"
		       "\"predecessor\":\"%s\"}\n", k->id, k->user, k->org, k->type, k->fingerprint,
		       k->origin, og_access_key_state_name(k->state),
		       og_access_key_valid(k, ls->now) ? "true" : "false", (long long)k->created,
		       (long long)((ls->now - k->created) / 86400), (long long)k->last_used,
		       (long long)k->not_after, k->predecessor);
	else
		printf("%-32s %-16s %-8s %5lldd %-7s %-16s %s\n", k->id, k->user,
		       og_access_key_state_name(k->state), (long long)((ls->now - k->created) / 86400),
		       k->last_used ? "used" : "unused", expiry, k->fingerprint);
	return 0;
}

int cmd_list(struct cli *c, const struct cli_args *a)
{
	struct listing ls = { cli_flag(a, "json"), 1, (int64_t)time(NULL), -1 };
	const char *user = cli_opt(a, "user"), *expiring = cli_opt(a, "expiring");

	if ((user != NULL && !og_is_safe_name(user, OG_USER_MAX)) ||
	    (expiring != NULL && og_parse_duration(expiring, &ls.expiring) != OG_OK))
		return cli_error("usage: otpgate-keyrotate list [--user USER] [--expiring WITHIN]"
				 " [--json]"), 2;
	if (keys_open(c) != 0)
		return 1;
	if (!ls.json)
		printf("%-32s %-16s %-8s %6s %-7s %-16s %s\n", "ID", "USER", "STATE", "AGE", "USED",
		       "NOT-AFTER", "FINGERPRINT");
	if (og_store_key_list(c->st, user, list_one, &ls) != OG_OK)
		return cli_error("cannot read the key registry"), 1;
	return 0;
}

/*
 * cmd_user.c: two-stage removal, as the customers' policies promise:
 * remove takes a user away at once (logins refused), restore undoes a
 * mistaken removal, and purge deletes for good the data of users removed
 * longer than removal.retention ago.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "err.h"
#include "util.h"

/* remove --org ORG / restore --org ORG: for a whole customer (the scope
 * check lets only the superuser act on every user of an organisation). */
static int org_remove_or_restore(struct cli *c, const char *org, int remove)
{
	const char *what = remove ? "remove-org" : "restore-org";
	int64_t users;
	int r;

	if (!og_is_safe_name(org, OG_ORG_MAX))
		return cli_error("usage: otpgate-provision %s --org ORG", remove ? "remove" : "restore"), 2;
	if (cli_open(c, 0) != OG_OK)
		return 1;
	r = og_store_org_remove(c->st, org, remove ? (int64_t)time(NULL) : 0, &users);
	if (r == OG_ERR_NOTFOUND)
		return cli_error(remove ? "no organisation %s in the store" : "organisation %s is not"
				 " removed", org), 1;
	if (r == OG_ERR_EXISTS)
		return cli_error("organisation %s is already removed", org), 1;
	if (r != OG_OK)
		return cli_error("cannot %s organisation %s; nothing changed", what, org), 1;
	cli_audit(c, what, "success", NULL, NULL, org);
	if (remove)
		printf("removed organisation %s: %lld users' logins refused now; it is purged, with its"
		       " data key, after %lld days unless restored\n", org, (long long)users,
		       (long long)(c->cfg.removal_retention / 86400));
	else
		printf("restored organisation %s and the %lld users its removal took away\n", org,
		       (long long)users);
	return 0;
}

/* A user cannot come back while their organisation is removed. */
static int org_of_user_removed(struct cli *c, const char *user)
{
	struct og_user_state us;
	int64_t at = 0;

	if (og_store_user_state(c->st, user, &us) == OG_OK && us.known &&
	    og_store_org_removed(c->st, us.org, &at) == OG_OK && at > 0)
		cli_error("%s's organisation %s is removed (restore --org %s first)", user, us.org, us.org);
	og_store_user_state_wipe(&us);
	return at > 0;
}

static int remove_or_restore(struct cli *c, const struct cli_args *a, int remove)
{
	const char *what = remove ? "remove" : "restore", *user = a->arg[0];
	const char *org = cli_opt(a, "org");
	int r;

	if (org != NULL && a->n == 0)
		return org_remove_or_restore(c, org, remove);
	if (org != NULL || a->n != 1 || !og_is_safe_name(user, OG_USER_MAX))
		return cli_error("usage: otpgate-provision %s USER | --org ORG", what), 2;
	if (cli_open(c, 0) != OG_OK)
		return 1;
	if (!remove && org_of_user_removed(c, user))
		return 1;
	r = og_store_user_remove(c->st, user, remove ? (int64_t)time(NULL) : 0);
	if (r == OG_ERR_NOTFOUND)
		return cli_error(remove ? "no user %s, or already removed" : "%s is not removed", user), 1;
	if (r != OG_OK)
		return cli_error("cannot %s %s", what, user), 1;
	cli_audit(c, what, "success", user, NULL, NULL);
	if (remove)
		printf("removed %s: logins refused now; data purged after %lld days unless restored\n",
		       user, (long long)(c->cfg.removal_retention / 86400));
	else
		printf("restored %s\n", user);
	return 0;
}

int cmd_remove(struct cli *c, const struct cli_args *a)
{
	return remove_or_restore(c, a, 1);
}

int cmd_restore(struct cli *c, const struct cli_args *a)
{
	return remove_or_restore(c, a, 0);
}

int cmd_purge(struct cli *c, const struct cli_args *a)
{
	int64_t users = 0, orgs = 0;
	char detail[64];

	(void)a;
	if (cli_open(c, 0) != OG_OK)
		return 1;
	if (og_store_purge(c->st, (int64_t)time(NULL) - c->cfg.removal_retention, &users, &orgs) != OG_OK)
		return cli_error("purge failed; nothing deleted"), 1;
	snprintf(detail, sizeof(detail), "%lld users, %lld organisations", (long long)users,
		 (long long)orgs);
	cli_audit(c, "purge", "success", NULL, NULL, detail);
	printf("purged %lld users and %lld organisations (with their data keys) removed more than"
	       " %lld days ago\n", (long long)users, (long long)orgs,
	       (long long)(c->cfg.removal_retention / 86400));
	return 0;
}

static int export_token(void *arg, const struct og_token *t)
{
	int *first = arg;
	char otp[TOKEN_OTP_LEN];

	token_otp_json(t, otp, sizeof(otp));
	printf("%s{\"serial\":\"%s\",\"kind\":\"%s\",\"state\":\"%s\",%s,\"created\":%lld,"
	       "\"last_used\":%lld}", *first ? "" : ",", t->serial, t->kind,
	       og_token_state_name(t->state), otp, (long long)t->created, (long long)t->last_used);
	*first = 0;
	return 0;
}

static int export_key(void *arg, const struct og_access_key *k)
{
	int *first = arg;

	printf("%s{\"id\":\"%s\",\"type\":\"%s\",\"fingerprint\":\"%s\",\"origin\":\"%s\","
	       "\"state\":\"%s\",\"created\":%lld,\"last_used\":%lld,\"not_after\":%lld}",
	       *first ? "" : ",", k->id, k->type, k->fingerprint, k->origin,
	       og_access_key_state_name(k->state), (long long)k->created, (long long)k->last_used,
	       (long long)k->not_after);
	*first = 0;
	return 0;
}

struct export_audit {
	const char *user;
	int first;
};

/* Entries naming the person, as the user or as the admin who acted; as
 * the JSON-lines file showed them (stored values unescaped, escaped again). */
static int export_audit_row(void *arg, const struct og_audit_row *row)
{
	const struct og_audit_event *ev = &row->ev;
	struct export_audit *ea = arg;
	struct og_audit_copy given;
	char line[OG_AUDIT_JSON_MAX];

	if ((ev->user == NULL || strcmp(ev->user, ea->user) != 0) &&
	    (ev->actor == NULL || strcmp(ev->actor, ea->user) != 0))
		return 0;
	og_audit_decode(ev, &given);
	og_audit_json(&given.ev, line, sizeof(line));
	printf("%s%s", ea->first ? "" : ",", line);
	ea->first = 0;
	return 0;
}

/* Everything the store holds about a person (a data-subject request), as
 * one JSON object: never a secret. */
int cmd_export(struct cli *c, const struct cli_args *a)
{
	const char *user = a->arg[0];
	struct og_user_state us;
	struct export_audit ea;
	int first = 1, known;

	if (!cli_flag(a, "json") || !og_is_safe_name(user, OG_USER_MAX))
		return cli_error("usage: otpgate-provision export USER --json"), 2;
	if (cli_open(c, 0) != OG_OK || og_store_keys_ready(c->st) != OG_OK ||
	    og_store_user_state(c->st, user, &us) != OG_OK)
		return 1;
	known = us.known;
	printf("{\"user\":\"%s\",\"known\":%s,\"org\":\"%s\",\"removed_at\":%lld,\"tokens\":[",
	       user, known ? "true" : "false", us.org, (long long)us.removed_at);
	og_store_user_state_wipe(&us);
	if (og_store_token_list(c->st, user, export_token, &first) != OG_OK)
		return 1;
	printf("],\"ssh_keys\":[");
	first = 1;
	if (og_store_key_list(c->st, user, export_key, &first) != OG_OK)
		return 1;
	printf("],\"audit\":[");
	ea.user = user;
	ea.first = 1;
	if (og_store_audit_list(c->st, export_audit_row, &ea) != OG_OK)
		return 1;
	printf("]}\n");
	/* a name the store knows nothing of (erased, say) is not written down again */
	if (known || !ea.first)
		cli_audit(c, "export", "success", user, NULL, NULL);
	else
		cli_audit(c, "export", "success", NULL, NULL, "a name the store knows nothing of");
	return 0;
}

/*
 * Erasure on request: the person's data is deleted for good, now. The
 * audit trail keeps their entries, which name them only through a
 * pseudonym: erasure deletes the mapping from it to their name, so the
 * chain still verifies and nobody can tell the name again.
 */
int cmd_erase(struct cli *c, const struct cli_args *a)
{
	const char *user = a->arg[0];
	char pseudonym[OG_SUBJECT_LEN + 1];
	struct og_audit_event ev = { .result = "success", .reason = "erase" };
	int r;

	if (!og_is_safe_name(user, OG_USER_MAX))
		return cli_error("usage: otpgate-provision erase USER"), 2;
	if (cli_open(c, 0) != OG_OK)
		return 1;
	cli_audit_prepare(c, &ev);
	if ((r = og_store_erase(c->st, user, &ev, pseudonym)) == OG_ERR_NOTFOUND)
		return cli_error("the store knows nothing of %s; nothing erased", user), 1;
	if (r != OG_OK)
		return cli_error("erase %s: %s; nothing erased", user, og_strerror(r)), 1;
	cli_audit_emit(c, &ev);
	if (pseudonym[0])
		printf("erased %s; the audit trail now names them %s%s\n", user, OG_ERASED_PREFIX,
		       pseudonym);
	else
		printf("erased %s; the audit trail never named them\n", user);
	return 0;
}

/*
 * admin add NAME --org ORG: the superuser makes admins of any organisation;
 * an org admin, only of their own (never a superuser: there is no option
 * for that; the superuser exists from init).
 */
int cmd_admin_add(struct cli *c, const struct cli_args *a)
{
	const char *name = a->arg[0], *org = cli_opt(a, "org");
	int r;

	if (org == NULL || !og_is_safe_name(name, OG_ADMIN_MAX) || !og_is_safe_name(org, OG_ORG_MAX))
		return cli_error("usage: otpgate-provision admin add NAME --org ORG"), 2;
	if (cli_open(c, 0) != OG_OK)
		return 1;
	if ((r = og_admin_add(c->st, name, org, (int64_t)time(NULL))) == OG_ERR_GONE)
		return cli_error("organisation %s is removed (restore --org %s first)", org, org), 1;
	if (r == OG_ERR_EXISTS)
		return cli_error("%s is already an admin", name), 1;
	if (r != OG_OK)
		return cli_error("cannot make %s an admin: %s", name, og_strerror(r)), 1;
	cli_audit(c, "admin-add", "success", name, NULL, org);
	printf("%s is now an admin of organisation %s\n", name, org);
	return 0;
}

/*
 * cmd_migrate.c: bring a store's schema up to date, and copy a single
 * host's store into another (SQLite to PostgreSQL for a fleet). Secrets are
 * copied as they are stored: sealed under data keys that the shared master
 * key wraps, never decrypted on the way.
 */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "err.h"
#include "trail.h"
#include "util.h"

int cmd_migrate(struct cli *c, const struct cli_args *a)
{
	(void)a;
	if (cli_open(c, 1) != OG_OK)
		return 1;
	if (og_store_init(c->st) != OG_OK || og_store_check_schema(c->st) != OG_OK) {
		cli_error("store %s: schema not brought up to date", og_config_store_name(&c->cfg));
		return 1;
	}
	cli_audit(c, "migrate", "success", NULL, NULL, NULL);
	printf("store %s: schema is current\n", og_config_store_name(&c->cfg));
	return 0;
}

struct copy {
	struct og_store *to;
	int r;
};

static int copy_dek(void *arg, const struct og_dek_row *d)
{
	struct copy *cp = arg;

	return (cp->r = og_store_dek_put(cp->to, d)) != OG_OK;
}

static int copy_user(void *arg, const struct og_user_row *u)
{
	struct copy *cp = arg;

	if ((cp->r = og_store_user_ensure(cp->to, u->name, u->org, u->created)) != OG_OK)
		return 1;
	/* a removed user stays removed, with the same purge date */
	if (u->removed_at > 0)
		cp->r = og_store_user_remove(cp->to, u->name, u->removed_at);
	return cp->r != OG_OK;
}

static int copy_token(void *arg, const struct og_token *t)
{
	struct copy *cp = arg;

	return (cp->r = og_store_token_add(cp->to, t)) != OG_OK;
}

/* Entries go in by name: the target gives them its own pseudonyms and
 * chain. (An erased person stays erased: their entries show a pseudonym.)
 * Their values go in as they were given, so the target stores them in the
 * same clean form, not escaped twice. */
static int copy_audit(void *arg, const struct og_audit_row *row)
{
	struct copy *cp = arg;
	struct og_audit_copy given;

	og_audit_decode(&row->ev, &given);
	given.ev.syslog_only = 0;
	return (cp->r = og_store_audit_add(cp->to, &given.ev)) != OG_OK;
}

/* Both configs must name the same master key, or the copy is unreadable. */
static int same_master_key(struct cli *from, struct cli *to)
{
	struct og_key a, b;
	int same;

	if (cli_master_key(from, &a) != OG_OK)
		return 0;
	if (cli_master_key(to, &b) != OG_OK) {
		og_key_wipe(&a);
		return 0;
	}
	same = og_ct_equal(a.k, b.k, sizeof(a.k));
	og_key_wipe(&a);
	og_key_wipe(&b);
	if (!same)
		cli_error("%s and %s are different master keys: copy the key file to the target "
			  "first", from->cfg.master_key, to->cfg.master_key);
	return same;
}

/* The copy re-seals the trail in the target: it must be whole before. */
static int source_trail_intact(struct cli *c)
{
	struct og_trail_report rep;

	if (og_trail_verify(c->st, &rep) == OG_OK)
		return 1;
	cli_error("the audit trail of %s does not verify (entry %lld: %s); nothing copied",
		  og_config_store_name(&c->cfg), (long long)rep.bad_id, rep.why);
	return 0;
}

static int copy_all(struct og_store *from, struct og_store *to)
{
	struct copy cp = { to, OG_OK };
	int r;

	if ((r = og_store_dek_list(from, copy_dek, &cp)) != OG_OK || cp.r != OG_OK ||
	    (r = og_store_user_list(from, copy_user, &cp)) != OG_OK || cp.r != OG_OK ||
	    (r = og_store_token_list(from, NULL, copy_token, &cp)) != OG_OK || cp.r != OG_OK ||
	    (r = og_store_audit_list(from, copy_audit, &cp)) != OG_OK || cp.r != OG_OK)
		return r != OG_OK ? r : cp.r;
	return OG_OK;
}

/* Did the copy add exactly the source's rows? (init may have left audit rows.) */
static int copied_all(const struct og_store_counts *src, const struct og_store_counts *before,
		      const struct og_store_counts *after)
{
	return after->users - before->users == src->users &&
	       after->data_keys - before->data_keys == src->data_keys &&
	       after->tokens - before->tokens == src->tokens &&
	       after->audit - before->audit == src->audit;
}

int cmd_migrate_store(struct cli *c, const struct cli_args *a)
{
	struct cli to = { .config_path = cli_opt(a, "to") };
	struct og_store_counts have, before, got;
	int r = 1;

	if (to.config_path == NULL)
		return cli_error("usage: otpgate-provision migrate-store --to CONFIG"), 2;
	if (cli_open(c, 0) != OG_OK || cli_open(&to, 1) != OG_OK || !same_master_key(c, &to))
		goto out;
	if (!source_trail_intact(c))
		goto out;
	if (og_store_init(to.st) != OG_OK || og_store_counts(to.st, &before) != OG_OK)
		goto out;
	if (before.users || before.data_keys || before.tokens) {
		cli_error("target store %s is not empty; refusing to merge into it",
			  og_config_store_name(&to.cfg));
		goto out;
	}
	if (og_store_counts(c->st, &have) != OG_OK || og_store_begin(to.st) != OG_OK)
		goto out;
	if (copy_all(c->st, to.st) != OG_OK || og_store_counts(to.st, &got) != OG_OK ||
	    !copied_all(&have, &before, &got)) {
		og_store_rollback(to.st);
		cli_error("copy failed or counts differ; the target is left as it was");
		goto out;
	}
	if (og_store_commit(to.st) != OG_OK)
		goto out;
	cli_audit(&to, "migrate-store", "success", NULL, NULL, og_config_store_name(&c->cfg));
	printf("copied %lld users, %lld data keys, %lld tokens, %lld audit rows from %s to %s; "
	       "counts match\n", (long long)have.users, (long long)have.data_keys,
	       (long long)have.tokens, (long long)have.audit, og_config_store_name(&c->cfg),
	       og_config_store_name(&to.cfg));
	r = 0;
out:
	cli_close(&to);
	return r;
}

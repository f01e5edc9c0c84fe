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
#include "store_copy.h"
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

/* Both configs must name the same master key, or the copy is unreadable. */
static int same_master_key(struct cli *from, struct cli *to)
{
	struct og_key a = { 0 }, b = { 0 };
	int loaded = cli_master_key(from, &a) == OG_OK && cli_master_key(to, &b) == OG_OK;
	int same = loaded && og_ct_equal(a.k, b.k, sizeof(a.k));

	og_key_wipe(&a);
	og_key_wipe(&b);
	if (loaded && !same)
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

/* The copy added exactly the source's rows (init may have left an admin
 * and audit entries in the target). */
static int copied_all(const struct og_store_counts *src, const struct og_copy_report *rep,
		      const struct og_store_counts *before, const struct og_store_counts *after)
{
#define SAME(f, already) (rep->copied.f == src->f && after->f - before->f == src->f - (already))
	return SAME(users, 0) && SAME(data_keys, 0) && SAME(tokens, 0) && SAME(audit, 0) &&
	       SAME(recovery_codes, 0) && SAME(failures, 0) && SAME(org_removals, 0) &&
	       SAME(access_keys, 0) && SAME(spool_flushed, 0) && SAME(sessions, 0) &&
	       SAME(invitations, 0) && SAME(admins, rep->admins_present);
#undef SAME
}

/* The target's trail, copied entries and all, verifies and holds them all. */
static int target_verifies(struct cli *to, const struct og_store_counts *after,
			   struct og_trail_report *rep)
{
	if (og_trail_verify(to->st, rep) != OG_OK) {
		cli_error("the copied audit trail does not verify (entry %lld: %s)",
			  (long long)rep->bad_id, rep->why);
		return 0;
	}
	if (rep->entries != after->audit) {
		cli_error("the copied audit trail has %lld entries, the table %lld",
			  (long long)rep->entries, (long long)after->audit);
		return 0;
	}
	return 1;
}

static void print_counts(const struct og_store_counts *n, int64_t admins_present)
{
	printf("  users %lld\n  data keys %lld\n  tokens %lld\n  recovery codes %lld\n"
	       "  invitations %lld\n  failure counts and locks %lld\n"
	       "  admins %lld (%lld already there)\n"
	       "  SSH access keys %lld\n  organisation removals %lld\n  spool chunks stored %lld\n"
	       "  open sessions %lld\n  audit entries %lld\n",
	       (long long)n->users, (long long)n->data_keys, (long long)n->tokens,
	       (long long)n->recovery_codes, (long long)n->invitations, (long long)n->failures,
	       (long long)n->admins,
	       (long long)admins_present, (long long)n->access_keys, (long long)n->org_removals,
	       (long long)n->spool_flushed, (long long)n->sessions, (long long)n->audit);
}

static int target_empty(struct cli *to, const struct og_store_counts *n)
{
	if (!n->users && !n->data_keys && !n->tokens && !n->recovery_codes && !n->failures &&
	    !n->access_keys && !n->org_removals && !n->sessions && !n->invitations)
		return 1;
	cli_error("target store %s is not empty; refusing to merge into it",
		  og_config_store_name(&to->cfg));
	return 0;
}

/* Copies in one transaction of the target, which is kept only if the
 * counts match and its trail verifies. */
static int copy_verified(struct cli *c, struct cli *to, const struct og_store_counts *have,
			 const struct og_store_counts *before, struct og_copy_report *rep,
			 struct og_trail_report *trail)
{
	struct og_store_counts got;

	if (og_store_begin(to->st) != OG_OK)
		return 0;
	if (og_store_copy(c->st, to->st, rep) != OG_OK || og_store_counts(to->st, &got) != OG_OK ||
	    !copied_all(have, rep, before, &got)) {
		og_store_rollback(to->st);
		cli_error("copy failed or counts differ; the target is left as it was");
		return 0;
	}
	if (!target_verifies(to, &got, trail)) {
		og_store_rollback(to->st);
		cli_error("the target is left as it was");
		return 0;
	}
	return og_store_commit(to->st) == OG_OK;
}

int cmd_migrate_store(struct cli *c, const struct cli_args *a)
{
	struct cli to = { .config_path = cli_opt(a, "to") };
	struct og_store_counts have, before;
	struct og_copy_report rep;
	struct og_trail_report trail;
	char head[2 * OG_CHAIN_LEN + 1];
	int r = 1;

	if (to.config_path == NULL)
		return cli_error("usage: otpgate-provision migrate-store --to CONFIG"), 2;
	if (cli_open(c, 0) != OG_OK || cli_open(&to, 1) != OG_OK || !same_master_key(c, &to))
		goto out;
	if (!source_trail_intact(c))
		goto out;
	if (og_store_init(to.st) != OG_OK || og_store_counts(to.st, &before) != OG_OK ||
	    !target_empty(&to, &before) || og_store_counts(c->st, &have) != OG_OK)
		goto out;
	if (!copy_verified(c, &to, &have, &before, &rep, &trail))
		goto out;
	cli_audit(&to, "migrate-store", "success", NULL, NULL, og_config_store_name(&c->cfg));
	printf("copied from %s to %s:\n", og_config_store_name(&c->cfg),
	       og_config_store_name(&to.cfg));
	print_counts(&rep.copied, rep.admins_present);
	og_hex_encode(trail.head, sizeof(trail.head), head);
	printf("counts match; the target's audit trail verifies: %lld entries, head %s\n",
	       (long long)trail.entries, head);
	r = 0;
out:
	cli_close(&to);
	return r;
}

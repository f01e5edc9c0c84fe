/*
 * store_copy.c: one store into another, table by table, through the store
 * interface only, so any backend copies into any other. Nothing is
 * decrypted on the way.
 */
#include <string.h>

#include "audit.h"
#include "err.h"
#include "store_copy.h"

struct copy {
	struct og_store *to;
	struct og_copy_report *rep;
	int r;
};

/* Records a put's result; a non-zero return stops the listing. */
static int put(struct copy *cp, int r, int64_t *counter)
{
	cp->r = r;
	if (r == OG_OK)
		(*counter)++;
	return r != OG_OK;
}

static int copy_dek(void *arg, const struct og_dek_row *d)
{
	struct copy *cp = arg;

	return put(cp, og_store_dek_put(cp->to, d), &cp->rep->copied.data_keys);
}

static int copy_org_removal(void *arg, const struct og_org_removal_row *o)
{
	struct copy *cp = arg;

	return put(cp, og_store_org_removal_put(cp->to, o), &cp->rep->copied.org_removals);
}

static int copy_user(void *arg, const struct og_user_row *u)
{
	struct copy *cp = arg;

	return put(cp, og_store_user_put(cp->to, u), &cp->rep->copied.users);
}

static int copy_token(void *arg, const struct og_token *t)
{
	struct copy *cp = arg;

	return put(cp, og_store_token_add(cp->to, t), &cp->rep->copied.tokens);
}

static int copy_recovery(void *arg, const struct og_recovery_row *r)
{
	struct copy *cp = arg;

	return put(cp, og_store_recovery_put(cp->to, r), &cp->rep->copied.recovery_codes);
}

static int copy_invite(void *arg, const struct og_invite *inv)
{
	struct copy *cp = arg;

	return put(cp, og_store_invite_put(cp->to, inv), &cp->rep->copied.invitations);
}

static int copy_failure(void *arg, const struct og_failure_row *f)
{
	struct copy *cp = arg;

	return put(cp, og_store_failure_put(cp->to, f), &cp->rep->copied.failures);
}

/* The target's init made its installing admin the superuser: the same
 * admin in the source is already there. (Looked up first: a refused
 * insert would abort a PostgreSQL transaction.) */
static int copy_admin(void *arg, const struct og_admin_row *a)
{
	struct copy *cp = arg;
	char role[OG_KEYWORD_MAX + 1], org[OG_ORG_MAX + 1];
	int r = og_store_admin_get(cp->to, a->name, role, org);

	if (r == OG_OK && strcmp(role, a->role) == 0 && strcmp(org, a->org) == 0) {
		cp->rep->admins_present++;
		return put(cp, OG_OK, &cp->rep->copied.admins);
	}
	if (r == OG_OK)
		return put(cp, OG_ERR_EXISTS, &cp->rep->copied.admins);
	if (r != OG_ERR_NOTFOUND)
		return put(cp, r, &cp->rep->copied.admins);
	return put(cp, og_store_admin_put(cp->to, a), &cp->rep->copied.admins);
}

static int copy_key(void *arg, const struct og_access_key *k)
{
	struct copy *cp = arg;

	return put(cp, og_store_key_add(cp->to, k), &cp->rep->copied.access_keys);
}

/* A chunk of spooled rows the source stored: marked in the target too, so
 * a flush of a claim left behind does not store its rows again there. */
static int copy_spool_mark(void *arg, const struct og_spool_mark_row *m)
{
	struct copy *cp = arg;

	return put(cp, og_store_spool_mark(cp->to, m->id, m->at), &cp->rep->copied.spool_flushed);
}

/* A session open when the store moved: the bastion it runs on still
 * sees it, and closes it, in the new store. */
static int copy_session(void *arg, const struct og_session_row *s)
{
	struct copy *cp = arg;

	return put(cp, og_store_session_add(cp->to, s), &cp->rep->copied.sessions);
}

/* Entries go in by name: the target gives them its own pseudonyms and
 * chain. (An erased person stays erased: their entries show a pseudonym.)
 * Their values go in as they were given (og_audit_decode), so the target
 * stores them in the same clean form, not escaped twice. */
static int copy_audit(void *arg, const struct og_audit_row *row)
{
	struct copy *cp = arg;
	struct og_audit_copy given;

	og_audit_decode(&row->ev, &given);
	given.ev.syslog_only = 0;
	return put(cp, og_store_audit_add(cp->to, &given.ev), &cp->rep->copied.audit);
}

/* A listing's own error, or the first put that failed. */
static int done(int r, const struct copy *cp)
{
	return r != OG_OK ? r : cp->r;
}

int og_store_copy(struct og_store *from, struct og_store *to, struct og_copy_report *rep)
{
	struct copy cp = { to, rep, OG_OK };
	int r;

	memset(rep, 0, sizeof(*rep));
	if ((r = done(og_store_dek_list(from, copy_dek, &cp), &cp)) != OG_OK ||
	    (r = done(og_store_org_removal_list(from, copy_org_removal, &cp), &cp)) != OG_OK ||
	    (r = done(og_store_user_list(from, copy_user, &cp), &cp)) != OG_OK ||
	    (r = done(og_store_token_list(from, NULL, copy_token, &cp), &cp)) != OG_OK ||
	    (r = done(og_store_recovery_list(from, copy_recovery, &cp), &cp)) != OG_OK ||
	    (r = done(og_store_invite_list(from, copy_invite, &cp), &cp)) != OG_OK ||
	    (r = done(og_store_failure_list(from, copy_failure, &cp), &cp)) != OG_OK ||
	    (r = done(og_store_admin_list(from, copy_admin, &cp), &cp)) != OG_OK ||
	    (r = done(og_store_key_list(from, NULL, copy_key, &cp), &cp)) != OG_OK ||
	    (r = done(og_store_spool_mark_list(from, copy_spool_mark, &cp), &cp)) != OG_OK ||
	    (r = done(og_store_session_list(from, NULL, copy_session, &cp), &cp)) != OG_OK)
		return r;
	return done(og_store_audit_list(from, copy_audit, &cp), &cp);
}

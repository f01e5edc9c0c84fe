/*
 * admin.h: who may do what. otpgate's administrators, their roles, and the
 * scope of each administrative action: one rule for both tools, which
 * parse their command line and ask here before they act.
 */
#ifndef OTPGATE_ADMIN_H
#define OTPGATE_ADMIN_H

#include <stddef.h>
#include "bounds.h"
#include "store.h"

/* What an action reaches, and so who may run it. */
enum og_scope {
	OG_SCOPE_OPEN,	/* no admin needed: init, migrate, the key tool */
	OG_SCOPE_STORE,	/* the whole store: the superuser only */
	OG_SCOPE_ADMIN,	/* any admin; an org admin names only their own users and
			 * organisation, and sees only them (og_admin_view) */
	OG_SCOPE_USER,	/* a user, who must be named: an org admin's own */
	OG_SCOPE_ORG,	/* an organisation, which must be named: an org admin's own */
};

/* The two roles: the superuser acts on everything, an org admin on their
 * own organisation. */
#define OG_ROLE_SUPERUSER "superuser"
#define OG_ROLE_ORG_ADMIN "org-admin"

/* 1 if role is one of them. */
int og_admin_role_known(const char *role);

/* An administrator as the store records them. */
struct og_admin {
	char name[OG_ADMIN_MAX + 1];
	char role[OG_KEYWORD_MAX + 1];		/* "superuser" or "org-admin"; "" when not looked up */
	char org[OG_ORG_MAX + 1];		/* an org admin's organisation */
};

/* What an action names, taken from its command line as parsed. */
struct og_target {
	const char *user;	/* the user acted on, or NULL */
	int user_may_be_serial;	/* user may be a token serial, standing for its user */
	const char *org;	/* the organisation named (--org), or NULL */
	int user_is_session;	/* user is a session id, standing for its user */
};

/*
 * Looks name up as an administrator. OG_ERR_FORBIDDEN, with why, for
 * someone who is not one or whose organisation is removed; OG_ERR_STORE
 * when the store cannot say.
 */
int og_admin_load(struct og_store *st, const char *name, struct og_admin *a, char *why,
		  size_t cap);

/*
 * May a run an action of this scope on what t names? The superuser may do
 * everything. An org admin may not act on the whole store; every user and
 * organisation they name must be theirs (a user's stored organisation, or
 * for a user not yet stored the one named with it); a user-scoped action
 * must name a user, an organisation-scoped one an organisation. OG_OK, or
 * OG_ERR_FORBIDDEN with why (one line naming what was refused).
 */
int og_admin_may(struct og_store *st, const struct og_admin *a, enum og_scope scope,
		 const struct og_target *t, char *why, size_t cap);

int og_admin_is_super(const struct og_admin *a);

/*
 * Makes name an admin of org (an org admin: nobody becomes a superuser
 * but the installing admin, with og_admin_add_superuser at init).
 * OG_ERR_GONE when org is removed (no new admins for it); OG_ERR_EXISTS
 * when name is an admin already; OG_ERR_INVALID for a name or
 * organisation that is not a safe name.
 */
int og_admin_add(struct og_store *st, const char *name, const char *org, int64_t now);
int og_admin_add_superuser(struct og_store *st, const char *name, int64_t now);

/* The organisation whose tokens and entries a's listings show: an org
 * admin's own; NULL for the superuser (everything). */
const char *og_admin_view(const struct og_admin *a);

/* 1 if a proves presence with a step-up code before each action (an org
 * admin; the superuser holds the host already). */
int og_admin_needs_step_up(const struct og_admin *a);

/* 1 if files a names on the command line are written with a's own identity
 * rather than the tool's (an org admin's, who runs it through sudo). */
int og_admin_writes_as_self(const struct og_admin *a);

#endif

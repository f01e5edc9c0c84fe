/* admin.c: roles and scopes: the rule of who may do what, in one place. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "admin.h"
#include "err.h"
#include "util.h"

static int deny(char *why, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int deny(char *why, size_t cap, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, cap, fmt, ap);
	va_end(ap);
	return OG_ERR_FORBIDDEN;
}

int og_admin_load(struct og_store *st, const char *name, struct og_admin *a, char *why,
		  size_t cap)
{
	int64_t removed = 0;
	int r;

	memset(a, 0, sizeof(*a));
	og_copy(a->name, sizeof(a->name), name);
	r = og_store_admin_get(st, name, a->role, a->org);
	if (r == OG_ERR_NOTFOUND)
		return deny(why, cap, "you are not an otpgate admin (see 'admin add')");
	if (r != OG_OK)
		return deny(why, cap, "cannot look up the admins"), OG_ERR_STORE;
	if (og_admin_is_super(a))
		return OG_OK;
	if (og_store_org_removed(st, a->org, &removed) != OG_OK)
		return deny(why, cap, "cannot look up your organisation"), OG_ERR_STORE;
	if (removed)
		return deny(why, cap, "your organisation is removed");
	return OG_OK;
}

/* The organisation of the user t names: the stored one (of the token's
 * user, for a serial; of the session's, for a session id), or the one
 * named with a user not yet stored. */
static void target_org(struct og_store *st, const struct og_target *t, char org[OG_ORG_MAX + 1])
{
	const char *user = t->user;
	struct og_user_state us;
	struct og_session_row s;
	struct og_token tok;

	org[0] = '\0';
	if (t->user_may_be_serial && og_store_token_get(st, user, &tok) == OG_OK &&
	    tok.user[0] != '\0')
		user = tok.user;
	if (t->user_is_session && og_store_session_get(st, user, &s) == OG_OK)
		user = s.user;
	else if (t->user_is_session)
		return;	/* no such session: nobody's organisation */
	if (og_store_user_state(st, user, &us) == OG_OK && us.known)
		og_copy(org, OG_ORG_MAX + 1, us.org);
	else if (t->org != NULL)
		og_copy(org, OG_ORG_MAX + 1, t->org);
	og_store_user_state_wipe(&us);
	memset(&tok, 0, sizeof(tok));
}

int og_admin_may(struct og_store *st, const struct og_admin *a, enum og_scope scope,
		 const struct og_target *t, char *why, size_t cap)
{
	char org[OG_ORG_MAX + 1];

	if (og_admin_is_super(a) || scope == OG_SCOPE_OPEN)
		return OG_OK;
	if (scope == OG_SCOPE_STORE)
		return deny(why, cap, "only the superuser may do this");
	if (t->org != NULL && strcmp(t->org, a->org) != 0)
		return deny(why, cap, "%.128s is not your organisation", t->org);
	if (scope == OG_SCOPE_ORG && t->org == NULL)
		return deny(why, cap, "name your organisation with --org");
	if (t->user == NULL && scope == OG_SCOPE_USER)
		return deny(why, cap, "only the superuser acts on every user at once; name a user"
			    " of your organisation");
	if (t->user == NULL)
		return OG_OK;
	target_org(st, t, org);
	if (strcmp(org, a->org) != 0)
		return deny(why, cap, "%.256s is not in your organisation", t->user);
	return OG_OK;
}

int og_admin_role_known(const char *role)
{
	return strcmp(role, OG_ROLE_SUPERUSER) == 0 || strcmp(role, OG_ROLE_ORG_ADMIN) == 0;
}

int og_admin_is_super(const struct og_admin *a)
{
	return strcmp(a->role, OG_ROLE_SUPERUSER) == 0;
}

int og_admin_add(struct og_store *st, const char *name, const char *org, int64_t now)
{
	int64_t removed = 0;
	int r;

	if (!og_is_safe_name(name, OG_ADMIN_MAX) || !og_is_safe_name(org, OG_ORG_MAX))
		return OG_ERR_INVALID;
	if ((r = og_store_org_removed(st, org, &removed)) != OG_OK)
		return r;
	if (removed)
		return OG_ERR_GONE;
	return og_store_admin_add(st, name, OG_ROLE_ORG_ADMIN, org, now);
}

int og_admin_add_superuser(struct og_store *st, const char *name, int64_t now)
{
	return og_store_admin_add(st, name, OG_ROLE_SUPERUSER, "", now);
}

const char *og_admin_view(const struct og_admin *a)
{
	return og_admin_is_super(a) ? NULL : a->org;
}

int og_admin_needs_step_up(const struct og_admin *a)
{
	return !og_admin_is_super(a);
}

int og_admin_writes_as_self(const struct og_admin *a)
{
	return strcmp(a->role, OG_ROLE_ORG_ADMIN) == 0;
}

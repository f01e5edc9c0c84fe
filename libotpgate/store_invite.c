/*
 * store_invite.c: enrolment invitations in the store: stored, read,
 * listed and revoked. Taking one at a login is a claim (store_chain.c).
 */
#include <string.h>
#include <openssl/crypto.h>

#include "err.h"
#include "store_backend.h"
#include "util.h"

static int read_invite(const struct og_row *r, struct og_invite *inv)
{
	return og_row_invite(r, 0, inv);
}

OG_LISTING(invite, struct og_invite, read_invite)

/* A row from anywhere (migrate-store too) is checked as if typed in. */
int og_store_invite_put(struct og_store *st, const struct og_invite *inv)
{
	if (!og_is_safe_name(inv->user, OG_USER_MAX) || inv->expires <= inv->created ||
	    inv->used < 0 || strlen(inv->token) > OG_SERIAL_MAX)
		return OG_ERR_INVALID;
	return og_store_run(st, OG_Q_INVITE_PUT, OG_VALUES(og_v_text(inv->user),
			    og_v_blob(inv->hash, sizeof(inv->hash)),
			    og_v_text(og_otp_kind_name(inv->kind)), og_v_int(inv->created),
			    og_v_int(inv->expires), og_v_int(inv->used), og_v_text(inv->token)),
			    NULL, NULL, NULL);
}

static int first_invite(void *arg, const struct og_invite *inv)
{
	*(struct og_invite *)arg = *inv;
	return 1;
}

int og_store_invite_get(struct og_store *st, const char *user, struct og_invite *out)
{
	int r;

	memset(out, 0, sizeof(*out));
	r = og_list_invite(st, OG_Q_INVITE_GET, OG_VALUES(og_v_text(user)), first_invite, out);
	if (r == OG_OK && out->user[0] == '\0')
		r = OG_ERR_NOTFOUND;
	if (r != OG_OK)
		OPENSSL_cleanse(out, sizeof(*out));
	return r;
}

int og_store_invite_list(struct og_store *st, int (*cb)(void *arg, const struct og_invite *inv),
			 void *arg)
{
	return og_list_invite(st, OG_Q_INVITES_ALL, NULL, 0, cb, arg);
}

int og_store_invite_revoke(struct og_store *st, const char *user)
{
	int64_t n = 0;
	int r = og_store_run(st, OG_Q_INVITE_REVOKE, OG_VALUES(og_v_text(user)), NULL, NULL, &n);

	return r == OG_OK && n == 0 ? OG_ERR_NOTFOUND : r;
}

/* invite.c: invitation codes, their hashes, and an administrator's invitation. */
#include <stdio.h>
#include <string.h>
#include <openssl/crypto.h>

#include "err.h"
#include "hmac.h"
#include "invite.h"
#include "store.h"
#include "util.h"

static const char alphabet[] = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";	/* no 0 O 1 I L */
static const char hash_label[] = "otpgate invitation v1";

enum og_invite_state og_invite_state(const struct og_invite *inv, int64_t now)
{
	if (inv->used != 0)
		return OG_INVITE_USED;
	return inv->expires <= now ? OG_INVITE_EXPIRED : OG_INVITE_OPEN;
}

const char *og_invite_state_name(enum og_invite_state s)
{
	static const char *const names[] = { "open", "used", "expired" };

	return (int)s >= 0 && (int)s < 3 ? names[s] : "?";
}

int og_invite_code_new(char code[OG_INVITE_TEXT + 1])
{
	char raw[OG_INVITE_CHARS];
	size_t o = 0;
	int r = og_random_chars(alphabet, raw, sizeof(raw));

	for (size_t i = 0; r == OG_OK && i < sizeof(raw); i++) {
		if (i > 0 && i % 4 == 0)
			code[o++] = '-';
		code[o++] = raw[i];
	}
	code[o] = '\0';
	OPENSSL_cleanse(raw, sizeof(raw));
	return r;
}

static int normalize(const char *s, char out[OG_INVITE_CHARS + 1])
{
	return og_code_normalize(s, alphabet, OG_INVITE_CHARS, out);
}

int og_invite_shaped(const char *s)
{
	char norm[OG_INVITE_CHARS + 1];
	int r = s != NULL && normalize(s, norm) == 0;

	OPENSSL_cleanse(norm, sizeof(norm));
	return r;
}

int og_invite_hash(const struct og_key *master, const char *user, const char *s,
		   unsigned char out[OG_INVITE_HASH])
{
	unsigned char key[OG_KEY_LEN];
	char norm[OG_INVITE_CHARS + 1];
	size_t n = strlen(user), len = 0;
	struct og_hmac h;
	int r = OG_ERR_INVALID;

	/* the user's name, a NUL, the code: no two pairs give the same bytes */
	if (n <= OG_USER_MAX && normalize(s, norm) == 0 &&
	    (r = og_key_derive(master, hash_label, key)) == OG_OK) {
		og_hmac_start(&h, OG_SHA256, key, sizeof(key));
		og_hmac_add(&h, user, n + 1);
		og_hmac_add(&h, norm, OG_INVITE_CHARS);
		r = og_hmac_end(&h, out, OG_INVITE_HASH, &len);
		if (r == OG_OK && len != OG_INVITE_HASH)
			r = OG_ERR_CRYPTO;
	}
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(norm, sizeof(norm));
	return r;
}

int og_invite_matches(const struct og_invite *inv, const unsigned char hash[OG_INVITE_HASH])
{
	return og_ct_equal(inv->hash, hash, OG_INVITE_HASH);
}

/* OG_OK if req->user may be invited now; else the error, with why. */
static int may_invite(struct og_store *st, const struct og_invite_req *req, char *why, size_t cap)
{
	struct og_user_state us;
	const char *no = NULL;
	int64_t removed = 0;
	int r;

	if ((r = og_store_user_state(st, req->user, &us)) != OG_OK ||
	    (r = og_store_org_removed(st, req->org, &removed)) != OG_OK) {
		og_store_user_state_wipe(&us);
		snprintf(why, cap, "cannot read the store: %s", og_strerror(r));
		return r;
	}
	if (us.known && strcmp(us.org, req->org) != 0)
		no = "belongs to another organisation", r = OG_ERR_EXISTS;
	else if ((us.known && us.removed_at != 0) || removed != 0)
		no = "is removed, or their organisation is", r = OG_ERR_GONE;
	else if (us.ntokens > 0)
		no = "has an active token (revoke it first)", r = OG_ERR_EXISTS;
	og_store_user_state_wipe(&us);
	if (no != NULL)
		snprintf(why, cap, "user '%s' %s", req->user, no);
	return r;
}

/*
 * The token the user's earlier invitation made, if it is still pending:
 * the login that took it never ended it (its process was killed at the
 * new device's prompt, by sshd when the client went away or at
 * LoginGraceTime), and nobody else may (og_token_confirm). Deleted, its
 * serial in dropped; OG_OK when there was none.
 */
static int drop_abandoned(struct og_store *st, const char *user, char dropped[OG_SERIAL_MAX + 1])
{
	struct og_invite old;
	struct og_token t;
	int r = og_store_invite_get(st, user, &old);

	if (r == OG_OK && old.token[0] != '\0' &&
	    (r = og_store_token_get(st, old.token, &t)) == OG_OK) {
		if (strcmp(t.user, user) == 0 && t.state == OG_TOKEN_PENDING &&
		    (r = og_store_token_discard(st, t.id)) == OG_OK)
			og_copy(dropped, OG_SERIAL_MAX + 1, t.serial);
		OPENSSL_cleanse(&t, sizeof(t));
	}
	OPENSSL_cleanse(&old, sizeof(old));
	return r == OG_ERR_NOTFOUND ? OG_OK : r;
}

int og_invite_create(struct og_store *st, const struct og_key *master,
		     const struct og_invite_req *req, char code[OG_INVITE_TEXT + 1],
		     char dropped[OG_SERIAL_MAX + 1], char *why, size_t cap)
{
	struct og_invite inv;
	int r;

	code[0] = dropped[0] = '\0';
	if (req->lifetime < OG_INVITE_FOR_MIN || req->lifetime > OG_INVITE_FOR_MAX) {
		snprintf(why, cap, "an invitation lasts from 1 minute to 30 days");
		return OG_ERR_INVALID;
	}
	if ((r = may_invite(st, req, why, cap)) != OG_OK)
		return r;
	memset(&inv, 0, sizeof(inv));
	og_copy(inv.user, sizeof(inv.user), req->user);
	inv.kind = req->kind;
	inv.created = req->now;
	inv.expires = req->now + req->lifetime;
	if ((r = og_invite_code_new(code)) == OG_OK &&
	    (r = og_invite_hash(master, req->user, code, inv.hash)) == OG_OK &&
	    (r = og_store_begin(st)) == OG_OK) {
		if ((r = og_store_user_ensure(st, req->user, req->org, req->now)) == OG_OK &&
		    (r = drop_abandoned(st, req->user, dropped)) == OG_OK &&
		    (r = og_store_invite_put(st, &inv)) == OG_OK)
			r = og_store_commit(st);
		else
			og_store_rollback(st);
	}
	if (r != OG_OK) {
		OPENSSL_cleanse(code, OG_INVITE_TEXT + 1);
		dropped[0] = '\0';
		snprintf(why, cap, "cannot store the invitation: %s", og_strerror(r));
	}
	OPENSSL_cleanse(&inv, sizeof(inv));
	return r;
}

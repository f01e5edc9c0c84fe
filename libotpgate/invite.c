/* invite.c: invitation codes, their hashes, and an administrator's invitation. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "err.h"
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

/* s upper-cased without dashes and spaces into out; 0, or -1 if not a code. */
static int normalize(const char *s, char out[OG_INVITE_CHARS + 1])
{
	size_t n = 0;

	for (; *s; s++) {
		char c = (char)toupper((unsigned char)*s);
		if (c == '-' || c == ' ')
			continue;
		if (n == OG_INVITE_CHARS || strchr(alphabet, c) == NULL)
			return -1;
		out[n++] = c;
	}
	out[n] = '\0';
	return n == OG_INVITE_CHARS ? 0 : -1;
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
	unsigned char key[OG_KEY_LEN], msg[OG_USER_MAX + 1 + OG_INVITE_CHARS];
	char norm[OG_INVITE_CHARS + 1];
	size_t n = strlen(user);
	unsigned int len = 0;
	int r = OG_ERR_INVALID;

	/* the user's name, a NUL, the code: no two pairs give the same bytes */
	if (n <= OG_USER_MAX && normalize(s, norm) == 0 &&
	    (r = og_key_derive(master, hash_label, key)) == OG_OK) {
		memcpy(msg, user, n);
		msg[n] = 0;
		memcpy(msg + n + 1, norm, OG_INVITE_CHARS);
		r = HMAC(EVP_sha256(), key, sizeof(key), msg, n + 1 + OG_INVITE_CHARS, out, &len) &&
		    len == OG_INVITE_HASH ? OG_OK : OG_ERR_CRYPTO;
	}
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(msg, sizeof(msg));
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

int og_invite_create(struct og_store *st, const struct og_key *master,
		     const struct og_invite_req *req, char code[OG_INVITE_TEXT + 1], char *why,
		     size_t cap)
{
	struct og_invite inv;
	int r;

	code[0] = '\0';
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
		    (r = og_store_invite_put(st, &inv)) == OG_OK)
			r = og_store_commit(st);
		else
			og_store_rollback(st);
	}
	if (r != OG_OK) {
		OPENSSL_cleanse(code, OG_INVITE_TEXT + 1);
		snprintf(why, cap, "cannot store the invitation: %s", og_strerror(r));
	}
	OPENSSL_cleanse(&inv, sizeof(inv));
	return r;
}

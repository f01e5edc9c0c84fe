/*
 * accesskey.h: IAM-style SSH access keys in the key registry, and the
 * rules of their rotation: a key is valid while its state is active or
 * grace and its not_after is ahead; a user has at most two valid keys; a
 * new current key sends the one it replaces into grace for keys.grace.
 */
#ifndef OTPGATE_ACCESSKEY_H
#define OTPGATE_ACCESSKEY_H

#include <stddef.h>
#include <stdint.h>
#include "bounds.h"

#define OG_PUBKEY_MAX 4096	/* "TYPE BASE64" of a registered key */

enum og_access_key_state {
	OG_ACCESS_KEY_ACTIVE, OG_ACCESS_KEY_GRACE, OG_ACCESS_KEY_EXPIRED, OG_ACCESS_KEY_REVOKED
};

struct og_access_key {
	char id[OG_ID_LEN + 1];
	char user[OG_USER_MAX + 1];
	char org[OG_ORG_MAX + 1];
	char type[48];
	char pubkey[OG_PUBKEY_MAX];	/* "TYPE BASE64" */
	char fingerprint[52];		/* "SHA256:..." */
	char origin[OG_KEYWORD_MAX + 1];		/* "issued" (we generated it) or "added" (the user's) */
	enum og_access_key_state state;
	char predecessor[OG_ID_LEN + 1];		/* the key this one replaced, or "" */
	int64_t created;
	int64_t last_used;
	int64_t not_after;
};

const char *og_access_key_state_name(enum og_access_key_state s);
int og_access_key_state_parse(const char *s, enum og_access_key_state *out);

/* 1 if the key may be used at now. */
int og_access_key_valid(const struct og_access_key *k, int64_t now);

/* sshd's expiry-time value for t, in UTC: "YYYYMMDDHHMMSSZ". */
void og_access_key_expiry(int64_t t, char out[32]);

struct og_config;
struct og_sshkey;
struct og_store;

/* A user's keys (every user's when NULL), oldest first: *v (malloc'd, the
 * caller frees it) holds *n of them. OG_OK or the store's error. */
int og_access_key_load(struct og_store *st, const char *user, struct og_access_key **v,
		       size_t *n);

/* How many of a user's keys are valid at now. */
size_t og_access_key_count_valid(const struct og_access_key *keys, size_t n, int64_t now);

/* The user's current key among keys (oldest first): the newest valid
 * active one, or NULL. */
const struct og_access_key *og_access_key_current(const struct og_access_key *keys, size_t n,
						 int64_t now);

/* Until when a key sent into grace at now stays valid: keys.grace, never
 * past its own not_after. */
int64_t og_access_key_grace_until(const struct og_access_key *k, int64_t now, int64_t grace);

/* What a rotation at now does to a key. */
enum og_rotation_step {
	OG_ROTATE_KEEP,		/* nothing */
	OG_ROTATE_EXPIRE,		/* past its not_after: expired, without a successor */
	OG_ROTATE_REPLACE,		/* the current key, older than keys.max_age: a successor */
};
enum og_rotation_step og_access_key_due(const struct og_access_key *k, int64_t now,
				       int64_t max_age);

/*
 * Registers key as user's new current key with id and origin ("issued",
 * "added"), in one transaction: the user may have at most two valid keys,
 * the new key is valid for keys.max_age and keys.grace, and the current
 * key it replaces (if any) goes into grace until og_access_key_grace_until.
 * row receives the new record. OG_OK; OG_ERR_FORBIDDEN when the user has
 * two valid keys already; OG_ERR_EXISTS for a key registered before (to
 * anyone); OG_ERR_NOTFOUND when the current key changed meanwhile (another
 * rotation: try again); OG_ERR_INVALID for a key too long to register;
 * else a store error. Nothing is registered unless OG_OK.
 */
int og_access_key_register(struct og_store *st, const struct og_config *cfg, const char *id,
			   const char *user, const struct og_sshkey *key, const char *origin,
			   int64_t now, struct og_access_key *row);

/* A valid key revoked at now; OG_ERR_NOTFOUND when it is not (or no
 * longer) valid. */
int og_access_key_revoke(struct og_store *st, const struct og_access_key *k, int64_t now);

#endif

/*
 * accesskey.h: IAM-style SSH access keys in the key registry. A key is
 * valid while its state is active or grace and its not_after is ahead.
 */
#ifndef OTPGATE_ACCESSKEY_H
#define OTPGATE_ACCESSKEY_H

#include <stddef.h>
#include <stdint.h>
#include "bounds.h"

#define OG_PUBKEY_MAX 4096	/* "TYPE BASE64" of a registered key */

enum og_key_state { OG_KEY_ACTIVE, OG_KEY_GRACE, OG_KEY_EXPIRED, OG_KEY_REVOKED };

struct og_access_key {
	char id[OG_ID_LEN + 1];
	char user[OG_USER_MAX + 1];
	char org[OG_ORG_MAX + 1];
	char type[48];
	char pubkey[OG_PUBKEY_MAX];	/* "TYPE BASE64" */
	char fingerprint[52];		/* "SHA256:..." */
	char origin[OG_KEYWORD_MAX + 1];		/* "issued" (we generated it) or "added" (the user's) */
	enum og_key_state state;
	char predecessor[OG_ID_LEN + 1];		/* the key this one replaced, or "" */
	int64_t created;
	int64_t last_used;
	int64_t not_after;
};

const char *og_key_state_name(enum og_key_state s);
int og_key_state_parse(const char *s, enum og_key_state *out);

/* 1 if the key may be used at now. */
int og_access_key_valid(const struct og_access_key *k, int64_t now);

/* sshd's expiry-time value for t, in UTC: "YYYYMMDDHHMMSSZ". */
void og_expiry_time(int64_t t, char out[32]);

#endif

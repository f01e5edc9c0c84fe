/*
 * recovery.h: single-use recovery codes, for a user whose device is lost.
 * Only salted PBKDF2-HMAC-SHA256 hashes are stored (one salt per user's
 * set, so a login attempt costs one derivation); the module accepts a
 * code in place of a TOTP code and consumes it.
 */
#ifndef OTPGATE_RECOVERY_H
#define OTPGATE_RECOVERY_H

#include <stddef.h>
#include <stdint.h>

#define OG_RECOVERY_CODES 10
#define OG_RECOVERY_LEN 10		/* characters; shown as xxxxx-xxxxx */
#define OG_RECOVERY_ITER 100000
#define OG_RECOVERY_SALT 16
#define OG_RECOVERY_HASH 32

struct og_recovery_set {
	int n;
	unsigned char salt[OG_RECOVERY_SALT];
	int idx[OG_RECOVERY_CODES];
	unsigned char hash[OG_RECOVERY_CODES][OG_RECOVERY_HASH];
	int used[OG_RECOVERY_CODES];
};

/*
 * Makes a new set: codes[i] printable as "xxxxx-xxxxx" (a 31-letter
 * alphabet without look-alikes, about 50 bits each), set->salt and the
 * hashes. The caller wipes codes.
 */
int og_recovery_generate(char codes[OG_RECOVERY_CODES][OG_RECOVERY_LEN + 2],
			 struct og_recovery_set *set);

/* 1 if s has the shape of a recovery code (hyphens, spaces and case ignored). */
int og_recovery_shaped(const char *s);

/* The index (0..n-1) of the code s matches, used or not (the caller tells
 * a replay from a wrong code), or -1. Compares all hashes in constant time. */
int og_recovery_match(const struct og_recovery_set *set, const char *s);

#endif

/*
 * invite.h: enrolment invitations. An administrator invites a user
 * (otpgate-provision invite); the user enrols their own device at the PAM
 * prompt by typing the invitation code instead of a verification code
 * (enrol.h), so the device's secret is made where the user sees it and
 * nowhere else.
 *
 * The code is OG_INVITE_CHARS characters drawn from the CSPRNG out of an
 * alphabet of 31 without look-alikes (no 0 O 1 I L): about 99 bits. It is
 * shown in groups of four ("K7QD-9XPM-..."), and read back in either case,
 * with or without the dashes and spaces. Only its hash is stored: an
 * HMAC-SHA256 under a key derived from the master key, over the user's
 * name and the code, so a copy of the store (a dump, a replica, a backup)
 * cannot even test a guess, and a row moved to another user matches
 * nothing. With 99 bits from the CSPRNG no slow, salted derivation is
 * needed (recovery codes, of 50 bits, have one).
 */
#ifndef OTPGATE_INVITE_H
#define OTPGATE_INVITE_H

#include <stddef.h>
#include <stdint.h>
#include "bounds.h"
#include "crypto.h"
#include "otp.h"

struct og_store;

#define OG_INVITE_CHARS 20	/* characters of a code */
#define OG_INVITE_TEXT (OG_INVITE_CHARS + OG_INVITE_CHARS / 4 - 1)	/* with its dashes */
#define OG_INVITE_HASH 32
#define OG_INVITE_FOR_DEFAULT (24 * 3600)	/* --expires: 24h */
#define OG_INVITE_FOR_MIN 60
#define OG_INVITE_FOR_MAX (30 * 86400)

/* An invitation as the store keeps it. */
struct og_invite {
	char user[OG_USER_MAX + 1];
	char org[OG_ORG_MAX + 1];	/* the user's organisation, as listed ("" none) */
	unsigned char hash[OG_INVITE_HASH];
	enum og_otp_kind kind;		/* the token the user will enrol: TOTP or HOTP */
	int64_t created, expires;
	int64_t used;			/* 0, or when its code was taken at a login */
	char token[OG_SERIAL_MAX + 1];	/* the token it made, once taken ("" before) */
};

enum og_invite_state { OG_INVITE_OPEN, OG_INVITE_USED, OG_INVITE_EXPIRED };

/* What an invitation is at now: used once taken, expired at its expiry. */
enum og_invite_state og_invite_state(const struct og_invite *inv, int64_t now);
const char *og_invite_state_name(enum og_invite_state s);

/* A new code, "XXXX-XXXX-XXXX-XXXX-XXXX". The caller wipes it. OG_OK or OG_ERR_CRYPTO. */
int og_invite_code_new(char code[OG_INVITE_TEXT + 1]);

/* 1 if s has the shape of a code (any case, dashes and spaces ignored). */
int og_invite_shaped(const char *s);

/*
 * The stored hash of user's code s (as og_invite_shaped reads it).
 * OG_OK, OG_ERR_INVALID when s is not shaped like a code, OG_ERR_CRYPTO.
 */
int og_invite_hash(const struct og_key *master, const char *user, const char *s,
		   unsigned char out[OG_INVITE_HASH]);

/* 1 if hash is inv's, compared in constant time. */
int og_invite_matches(const struct og_invite *inv, const unsigned char hash[OG_INVITE_HASH]);

/* What an administrator asks for: an invitation of user (in org) for a
 * token of kind, valid lifetime seconds from now. */
struct og_invite_req {
	const char *user, *org;
	enum og_otp_kind kind;
	int64_t lifetime, now;
};

/*
 * Invites req->user, in one transaction: the user made known (in
 * req->org, as enrol makes them), the invitation stored (replacing one
 * the user had), its code in code (the only copy: the caller shows it
 * and wipes it). Refused, with why (one line), for a lifetime outside
 * OG_INVITE_FOR_MIN..OG_INVITE_FOR_MAX (OG_ERR_INVALID), a user of another
 * organisation or with an active token (OG_ERR_EXISTS), a removed user
 * or organisation (OG_ERR_GONE); else OG_OK or a store error.
 */
int og_invite_create(struct og_store *st, const struct og_key *master,
		     const struct og_invite_req *req, char code[OG_INVITE_TEXT + 1], char *why,
		     size_t cap);

#endif

/* otpauth.h: otpauth://totp/ and otpauth://hotp/ URIs (the Key Uri Format of
 * authenticator apps). */
#ifndef OTPGATE_OTPAUTH_H
#define OTPGATE_OTPAUTH_H

#include <stddef.h>
#include "otp.h"

struct og_otpauth {
	char issuer[128];
	char account[128];
	unsigned char secret[OG_SECRET_MAX];
	size_t secret_len;
	struct og_otp_params params;	/* params.otp_kind: the URI's type, totp or hotp */
	int64_t counter;		/* hotp: counter=, the next code's (0 for a new token) */
};

/*
 * Builds otpauth://totp/ISSUER:ACCOUNT?secret=..&issuer=..&algorithm=..
 * &digits=..&period=.. (an HOTP token: otpauth://hotp/... with &counter=..
 * in place of &period=..) with percent-encoding. Returns length, or
 * OG_ERR_INVALID if out (cap bytes) is too small or og_otpauth_parse would
 * not read u back as it is: an issuer with ':', an empty account or one
 * starting with a space, a secret not 10 to OG_SECRET_MAX bytes, digits
 * not 6 or 8, a period not 30 or 60, a counter not og_hotp_counter_ok.
 */
int og_otpauth_build(const struct og_otpauth *u, char *out, size_t cap);

/*
 * Parses a totp or hotp URI; missing algorithm/digits/period default to
 * SHA1/6/30. An hotp URI must have a counter (its period is ignored, a
 * totp URI's counter too). Rejects other schemes/types, a missing or bad
 * secret (or one shorter than 80 bits), bad values.
 * The caller must wipe u->secret. OG_OK or OG_ERR_INVALID.
 */
int og_otpauth_parse(const char *uri, struct og_otpauth *u);

#endif

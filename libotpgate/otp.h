/* otp.h: RFC 4226 HOTP and RFC 6238 TOTP with constant-time verification. */
#ifndef OTPGATE_OTP_H
#define OTPGATE_OTP_H

#include <stddef.h>
#include <stdint.h>

enum og_algo { OG_SHA1 = 0, OG_SHA256 = 1, OG_SHA512 = 2 };

/*
 * What moves a token's codes on: the clock (RFC 6238 TOTP, "totp") or a
 * counter the token advances at each code it shows (RFC 4226 HOTP,
 * "hotp"). Not to be confused with a token's device kind (virtual or
 * hardware, struct og_token's kind).
 */
enum og_otp_kind { OG_OTP_TOTP = 0, OG_OTP_HOTP = 1 };

#define OG_SECRET_MAX 64	/* bytes of shared secret we accept */

struct og_otp_params {
	enum og_algo algo;
	int digits;		/* 6 or 8 */
	int period;		/* TOTP: 30 or 60 seconds; HOTP: 30, unused */
	int64_t t0;		/* Unix time of step 0 (RFC 6238 T0), normally 0; TOTP only */
	enum og_otp_kind otp_kind;
};

/*
 * The token parameters otpgate takes, one rule for every way a token comes
 * in (enrol, CSV and PSKC import, otpauth URIs, the config's defaults, a
 * stored row): 6 or 8 digits, a period of 30 or 60 seconds, a known
 * algorithm and kind. The parsers read a decimal string and check it the same way:
 * OG_OK and *out, or OG_ERR_INVALID (*out unchanged).
 */
int og_otp_digits_ok(int64_t digits);
int og_otp_period_ok(int64_t period);
int og_otp_params_ok(const struct og_otp_params *p);
int og_otp_digits_parse(const char *s, int *out);
int og_otp_period_parse(const char *s, int *out);

#define OG_MAX_DRIFT_DEFAULT 10	/* totp.max_drift: steps either way */

/* "totp"/"hotp" (any case) -> kind, and back. OG_OK or OG_ERR_INVALID. */
int og_otp_kind_parse(const char *s, enum og_otp_kind *out);
const char *og_otp_kind_name(enum og_otp_kind k);

/*
 * HOTP counters: the moving factor of a code, 0 to OG_HOTP_COUNTER_MAX (a
 * bound no token reaches, which keeps counter arithmetic from
 * overflowing). og_hotp_counter_parse reads a decimal one.
 */
#define OG_HOTP_COUNTER_MAX ((int64_t)1 << 62)
#define OG_HOTP_LOOK_AHEAD_DEFAULT 10		/* hotp.look_ahead */
#define OG_HOTP_LOOK_AHEAD_MAX 100
#define OG_HOTP_RESYNC_WINDOW_DEFAULT 1000	/* hotp.resync_window */
#define OG_HOTP_RESYNC_WINDOW_MAX 100000
int og_hotp_counter_ok(int64_t counter);
int og_hotp_counter_parse(const char *s, int64_t *out);

/* "SHA1"/"SHA256"/"SHA512" (any case) -> algo. OG_OK or OG_ERR_INVALID. */
int og_algo_parse(const char *s, enum og_algo *out);
const char *og_algo_name(enum og_algo a);

/* RFC 4226 HOTP value (already reduced mod 10^digits). <0 on error. */
int64_t og_hotp(const unsigned char *key, size_t keylen, enum og_algo algo,
		uint64_t counter, int digits);

/* Time step of now under params (floor((now - t0) / period)). */
int64_t og_totp_step(const struct og_otp_params *p, int64_t now);

/* Writes the zero-padded code for a step into out (>= 9 bytes). */
int og_otp_format(const unsigned char *key, size_t keylen,
		  const struct og_otp_params *p, int64_t step, char *out);

/*
 * drift (in time steps) held to -max_drift .. +max_drift: the drift a token
 * may learn, and what a stored drift counts as when a code is checked.
 */
int64_t og_drift_bound(int64_t drift, int max_drift);

/*
 * Checks code against steps center-window .. center+window, computing and
 * comparing every step in constant time (no early exit). On a match sets
 * *matched to the matching step nearest center and returns OG_OK;
 * otherwise OG_ERR_INVALID. A code that is not exactly p->digits ASCII
 * digits never matches.
 */
int og_otp_verify(const unsigned char *key, size_t keylen,
		  const struct og_otp_params *p, int64_t center, int window,
		  const char *code, int64_t *matched);

/*
 * Checks code against the HOTP counters after last, the last one accepted
 * (-1: none yet): last+1 .. last+look_ahead; and, so that a spent code is
 * told from a wrong one, the look_ahead counters up to last. Every counter
 * is computed and compared in constant time (no early exit). On a match
 * sets *matched to the lowest counter after last that matches, else to
 * the highest spent one (<= last: a replay), and returns OG_OK; otherwise
 * OG_ERR_INVALID, as for a code that is not exactly p->digits ASCII
 * digits, a look_ahead outside 1 .. OG_HOTP_LOOK_AHEAD_MAX or a last
 * outside -1 .. OG_HOTP_COUNTER_MAX.
 */
int og_hotp_verify(const unsigned char *key, size_t keylen, const struct og_otp_params *p,
		   int64_t last, int look_ahead, const char *code, int64_t *matched);

#endif

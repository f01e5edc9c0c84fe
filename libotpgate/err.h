/* err.h: error codes returned by every core function (0 or negative). */
#ifndef OTPGATE_ERR_H
#define OTPGATE_ERR_H

enum og_err {
	OG_OK = 0,
	OG_ERR_NOMEM = -1,	/* allocation failed */
	OG_ERR_INVALID = -2,	/* malformed input */
	OG_ERR_IO = -3,		/* file or system call failed */
	OG_ERR_UNSAFE = -4,	/* file has unsafe owner/mode/type */
	OG_ERR_CRYPTO = -5,	/* OpenSSL failure or authentication tag mismatch */
	OG_ERR_STORE = -6,	/* store backend failed (unreachable, corrupt, busy) */
	OG_ERR_NOTFOUND = -7,	/* no such user/token/row */
	OG_ERR_REPLAY = -8,	/* OTP step at or below the token's watermark */
	OG_ERR_EXISTS = -9,	/* refusing to overwrite */
	OG_ERR_CONFIG = -10,	/* configuration invalid */
	OG_ERR_SCHEMA = -11,	/* store schema missing or of another version */
	OG_ERR_GONE = -12,	/* the organisation is removed */
	OG_ERR_FORBIDDEN = -13,	/* an administrator may not do this */
	OG_ERR_LOCKED = -14,	/* the user is locked */
	OG_ERR_REMOVED = -15,	/* the user (or the user's organisation) is removed */
	OG_ERR_FAILURE_MODE = -16,	/* in failure mode: a login needs the additional check */
};

/* Returns a static, human-readable description of an og_err value. */
const char *og_strerror(int err);

#endif

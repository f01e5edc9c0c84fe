/* err.c: descriptions of core error codes. */
#include "err.h"

const char *og_strerror(int err)
{
	switch (err) {
	case OG_OK: return "success";
	case OG_ERR_NOMEM: return "out of memory";
	case OG_ERR_INVALID: return "invalid input";
	case OG_ERR_IO: return "input/output error";
	case OG_ERR_UNSAFE: return "unsafe file ownership or permissions";
	case OG_ERR_CRYPTO: return "cryptographic failure";
	case OG_ERR_STORE: return "store unavailable";
	case OG_ERR_NOTFOUND: return "not found";
	case OG_ERR_REPLAY: return "code already used";
	case OG_ERR_EXISTS: return "already exists";
	case OG_ERR_CONFIG: return "invalid configuration";
	case OG_ERR_SCHEMA: return "store schema missing or unsupported";
	case OG_ERR_GONE: return "the organisation is removed (restore --org to undo)";
	case OG_ERR_FORBIDDEN: return "not allowed for this administrator";
	case OG_ERR_LOCKED: return "the user is locked";
	case OG_ERR_REMOVED: return "the user is removed";
	case OG_ERR_FAILURE_MODE: return "the user is in failure mode (two codes needed)";
	}
	return "unknown error";
}

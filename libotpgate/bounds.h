/*
 * bounds.h: how long the names and ids otpgate keeps may be. A buffer for
 * one holds its _MAX bytes and the NUL; og_is_safe_name(s, X_MAX) accepts
 * a name of fewer than X_MAX bytes.
 */
#ifndef OTPGATE_BOUNDS_H
#define OTPGATE_BOUNDS_H

#define OG_USER_MAX 256		/* a user's login name */
#define OG_ORG_MAX 128		/* an organisation */
#define OG_ADMIN_MAX 64		/* an administrator's name */
#define OG_SERIAL_MAX 64	/* a token's serial number */
#define OG_ID_LEN 32		/* a random id (og_random_id): 32 hex digits */
#define OG_KEYWORD_MAX 15	/* a stored keyword: a role, a state, a token kind */

#endif

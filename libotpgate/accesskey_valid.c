/* accesskey_valid.c: a registered key's state names and when it is valid,
 * as sshd is told (expiry-time). What the key reader needs, without
 * libcrypto. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "accesskey.h"
#include "err.h"
#include "util.h"

static const char *const state_names[] = { "active", "grace", "expired", "revoked" };
#define NSTATES (int)(sizeof(state_names) / sizeof(state_names[0]))

const char *og_access_key_state_name(enum og_access_key_state s)
{
	return (int)s >= 0 && (int)s < NSTATES ? state_names[s] : "?";
}

int og_access_key_state_parse(const char *s, enum og_access_key_state *out)
{
	int i = og_name_find(state_names, NSTATES, s);

	if (i < 0)
		return OG_ERR_INVALID;
	*out = (enum og_access_key_state)i;
	return OG_OK;
}

int og_access_key_valid(const struct og_access_key *k, int64_t now)
{
	return (k->state == OG_ACCESS_KEY_ACTIVE || k->state == OG_ACCESS_KEY_GRACE) && k->not_after > now;
}

void og_access_key_expiry(int64_t t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL || strftime(out, 32, "%Y%m%d%H%M%SZ", &tm) == 0)
		snprintf(out, 32, "19700101000000Z");	/* already expired: fail closed */
}

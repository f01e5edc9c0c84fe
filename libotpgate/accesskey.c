/* accesskey.c: states and validity of registered SSH access keys. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "accesskey.h"
#include "err.h"

static const char *const state_names[] = { "active", "grace", "expired", "revoked" };

const char *og_key_state_name(enum og_key_state s)
{
	return (unsigned)s < 4 ? state_names[s] : "?";
}

int og_key_state_parse(const char *s, enum og_key_state *out)
{
	for (int i = 0; i < 4; i++) {
		if (strcmp(s, state_names[i]) == 0) {
			*out = (enum og_key_state)i;
			return OG_OK;
		}
	}
	return OG_ERR_INVALID;
}

int og_access_key_valid(const struct og_access_key *k, int64_t now)
{
	return (k->state == OG_KEY_ACTIVE || k->state == OG_KEY_GRACE) && k->not_after > now;
}

void og_expiry_time(int64_t t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL || strftime(out, 32, "%Y%m%d%H%M%SZ", &tm) == 0)
		snprintf(out, 32, "19700101000000Z");	/* already expired: fail closed */
}

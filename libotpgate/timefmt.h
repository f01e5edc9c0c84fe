/* timefmt.h: times as people read and type them: ISO 8601 in UTC. */
#ifndef OTPGATE_TIMEFMT_H
#define OTPGATE_TIMEFMT_H

#include <stdint.h>

#define OG_TIME_LEN 32

/* t as "YYYY-MM-DDTHH:MM:SSZ" (UTC), as the audit listing prints it. */
void og_time_utc(int64_t t, char out[OG_TIME_LEN]);

/*
 * t as a person waiting for it reads it, from now: "HH:MM UTC", the
 * minute rounded up (so the time said has come when it is read), with the
 * date before it ("YYYY-MM-DD HH:MM UTC") when t is not within a day.
 */
void og_time_until(int64_t t, int64_t now, char out[OG_TIME_LEN]);

/*
 * A point in time as an operator gives it: ISO 8601
 * "YYYY-MM-DD[THH:MM[:SS]]" with "Z", "+HH:MM" or "-HH:MM" (none: UTC),
 * Unix seconds (above 100000000), or a duration back from now ("90s",
 * "30m", "2h", "7d"). OG_OK or OG_ERR_INVALID.
 */
int og_time_parse(const char *s, int64_t now, int64_t *out);

#endif

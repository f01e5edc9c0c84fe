/*
 * fuzz_duration.c: durations ("90s", "10m", "1d"), bounded numbers and
 * points in time ("2026-11-30T05:00+01:00", "7d") as the config and the
 * command line give them. What is read lies within its bounds and reads
 * back the same from its plain form (decimal seconds, ISO 8601 UTC).
 */
#include <inttypes.h>

#include "err.h"
#include "fuzz.h"
#include "timefmt.h"
#include "util.h"

#define TEN_YEARS (10LL * 366 * 86400)
#define NOW 1800000000LL		/* "now" for times given back from now */
#define YEAR_9999_END 253402300799LL

/* A time read must print as ISO 8601 UTC and read back the same. */
static void check_time(const char *s)
{
	char text[OG_TIME_LEN];
	int64_t t, back = -1;

	if (og_time_parse(s, NOW, &t) != OG_OK || t < 0 || t > YEAR_9999_END)
		return;
	og_time_utc(t, text);
	FZ_CHECK(og_time_parse(text, NOW, &back) == OG_OK && back == t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fz_string(data, size), text[32];
	int64_t v = -1, back = -1;

	if (og_parse_duration(s, &v) == OG_OK) {
		FZ_CHECK(v >= 0 && v <= TEN_YEARS);
		snprintf(text, sizeof(text), "%" PRId64 "s", v);
		FZ_CHECK(og_parse_duration(text, &back) == OG_OK && back == v);
	}
	if (og_parse_int(s, 0, INT64_MAX, &v) == OG_OK) {
		snprintf(text, sizeof(text), "%" PRId64, v);
		FZ_CHECK(og_parse_int(text, 0, INT64_MAX, &back) == OG_OK && back == v);
		FZ_CHECK(og_parse_int(s, v + (v < INT64_MAX), INT64_MAX, &back) != OG_OK ||
			 v == INT64_MAX);
	}
	check_time(s);
	free(s);
	return 0;
}

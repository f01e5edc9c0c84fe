/*
 * fuzz_duration.c: durations ("90s", "10m", "1d") and bounded numbers as
 * the config and the command line give them. What is read lies within its
 * bounds and reads back the same from its plain decimal form.
 */
#include <inttypes.h>

#include "err.h"
#include "fuzz.h"
#include "util.h"

#define TEN_YEARS (10LL * 366 * 86400)

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
	free(s);
	return 0;
}

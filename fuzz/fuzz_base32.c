/*
 * fuzz_base32.c: base32 secrets as people type them. What decodes must
 * encode and decode to the same bytes, and any bytes must survive
 * encoding then decoding.
 */
#include "base32.h"
#include "err.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char out[512], again[512];
	char *s = fz_string(data, size), enc[1024];
	int n, m;

	if ((n = og_base32_decode(s, out, sizeof(out))) >= 0) {
		FZ_CHECK(og_base32_encode(out, (size_t)n, enc, sizeof(enc)) >= 0);
		FZ_CHECK(og_base32_decode(enc, again, sizeof(again)) == n);
		FZ_CHECK(memcmp(out, again, (size_t)n) == 0);
	} else {
		FZ_CHECK(n == OG_ERR_INVALID);
	}
	free(s);
	if (size <= sizeof(out)) {
		n = og_base32_encode(data, size, enc, sizeof(enc));
		FZ_CHECK(n == (int)((size * 8 + 4) / 5) && strlen(enc) == (size_t)n);
		m = og_base32_decode(enc, again, sizeof(again));
		FZ_CHECK(m == (int)size && memcmp(again, data, size) == 0);
		/* an output buffer one byte short is refused, never overrun */
		if (size > 0)
			FZ_CHECK(og_base32_decode(enc, again, size - 1) == OG_ERR_INVALID);
	}
	return 0;
}

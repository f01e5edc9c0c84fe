/*
 * fuzz.h: what the libFuzzer harnesses share: the entry point, the input
 * as a C string or as a stream of pieces, and checks that abort (so
 * libFuzzer keeps the input) when a parser breaks a promise.
 */
#ifndef OTPGATE_FUZZ_H
#define OTPGATE_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Aborts, naming the broken promise, when cond is false. */
#define FZ_CHECK(cond)                                                                   \
	do {                                                                             \
		if (!(cond)) {                                                           \
			fprintf(stderr, "fuzz check failed: %s:%d: %s\n", __FILE__, __LINE__, \
				#cond);                                                  \
			abort();                                                         \
		}                                                                        \
	} while (0)

/* 1 if s is one line of text: no control byte (a newline, an escape). */
static inline int fz_one_line(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

/* The input as a malloc'd C string (it ends at the first NUL, as C would read it). */
static inline char *fz_string(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* The input taken apart piece by piece. */
struct fz_in {
	const uint8_t *p;
	size_t n;
};

/* The next byte, 0 once the input is used up. */
static inline uint8_t fz_byte(struct fz_in *in)
{
	uint8_t b = 0;

	if (in->n > 0) {
		b = *in->p++;
		in->n--;
	}
	return b;
}

/* The next 8 bytes as an integer (missing bytes are 0). */
static inline uint64_t fz_u64(struct fz_in *in)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | fz_byte(in);
	return v;
}

/*
 * The next string: the bytes up to a NUL (taken too) or the end, at most
 * cap - 1 of them, into out. Returns its length.
 */
static inline size_t fz_str(struct fz_in *in, char *out, size_t cap)
{
	size_t len = 0;

	while (in->n > 0 && len + 1 < cap) {
		uint8_t b = fz_byte(in);

		if (b == '\0')
			break;
		out[len++] = (char)b;
	}
	out[len] = '\0';
	return len;
}

#endif

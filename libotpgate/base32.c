/* base32.c: RFC 4648 base32 encode/decode. */
#include <string.h>

#include "base32.h"
#include "err.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

int og_base32_encode(const unsigned char *in, size_t len, char *out, size_t cap)
{
	size_t need = (len * 8 + 4) / 5, o = 0;
	unsigned int buf = 0;
	int bits = 0;

	if (need + 1 > cap)
		return OG_ERR_INVALID;
	for (size_t i = 0; i < len; i++) {
		buf = (buf << 8) | in[i];
		bits += 8;
		while (bits >= 5) {
			out[o++] = alphabet[(buf >> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	if (bits > 0)
		out[o++] = alphabet[(buf << (5 - bits)) & 31];
	out[o] = '\0';
	return (int)o;
}

static int b32_value(char c)
{
	if (c >= 'a' && c <= 'z')
		c = (char)(c - 'a' + 'A');
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= '2' && c <= '7')
		return c - '2' + 26;
	return -1;
}

int og_base32_decode(const char *in, unsigned char *out, size_t cap)
{
	size_t o = 0, nchars = 0, npad = 0;
	unsigned int buf = 0;
	int bits = 0;

	for (const char *p = in; *p != '\0'; p++) {
		int v;
		if (*p == ' ' || *p == '-')
			continue;
		if (*p == '=') {
			npad++;
			continue;
		}
		if (npad > 0 || (v = b32_value(*p)) < 0)
			goto bad;
		buf = (buf << 5) | (unsigned int)v;
		bits += 5;
		nchars++;
		if (bits >= 8) {
			if (o >= cap)
				goto bad;
			out[o++] = (unsigned char)(buf >> (bits - 8));
			bits -= 8;
		}
	}
	/* valid tails have 0, 2, 4, 5 or 7 chars in the last group */
	switch (nchars % 8) {
	case 1: case 3: case 6: goto bad;
	default: break;
	}
	if (npad > 0 && (nchars == 0 || (nchars + npad) % 8 != 0))
		goto bad;
	return (int)o;
bad:
	memset(out, 0, cap);
	return OG_ERR_INVALID;
}

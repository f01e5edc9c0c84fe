/* util.c: bounded number/duration parsing, hex, names. Nothing here needs
 * libcrypto (randomness and comparison in constant time: random.c), so the
 * key reader links it without (docs/architecture.md). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "util.h"

int og_parse_int(const char *s, int64_t lo, int64_t hi, int64_t *out)
{
	int64_t v = 0;

	if (s == NULL || *s == '\0' || strlen(s) > 19)
		return OG_ERR_INVALID;
	for (const char *p = s; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return OG_ERR_INVALID;
		if (v > (INT64_MAX - (*p - '0')) / 10)
			return OG_ERR_INVALID;
		v = v * 10 + (*p - '0');
	}
	if (v < lo || v > hi)
		return OG_ERR_INVALID;
	*out = v;
	return OG_OK;
}

int og_parse_duration(const char *s, int64_t *seconds)
{
	const int64_t max = 10LL * 366 * 86400;
	char num[24];
	size_t len;
	int64_t mult = 1, v;

	if (s == NULL || (len = strlen(s)) == 0 || len >= sizeof(num))
		return OG_ERR_INVALID;
	switch (s[len - 1]) {
	case 's': mult = 1; len--; break;
	case 'm': mult = 60; len--; break;
	case 'h': mult = 3600; len--; break;
	case 'd': mult = 86400; len--; break;
	default: break;
	}
	memcpy(num, s, len);
	num[len] = '\0';
	if (og_parse_int(num, 0, max, &v) != OG_OK || v > max / mult)
		return OG_ERR_INVALID;
	*seconds = v * mult;
	return OG_OK;
}

void og_hex_encode(const unsigned char *in, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0x0f];
	}
	out[2 * len] = '\0';
}

static int hex_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int og_hex_decode(const char *hex, unsigned char *out, size_t cap)
{
	size_t len = strlen(hex);

	if (len % 2 != 0 || len / 2 > cap)
		return OG_ERR_INVALID;
	for (size_t i = 0; i < len / 2; i++) {
		int hi = hex_nibble(hex[2 * i]), lo = hex_nibble(hex[2 * i + 1]);
		if (hi < 0 || lo < 0) {
			explicit_bzero(out, cap);
			return OG_ERR_INVALID;
		}
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return (int)(len / 2);
}

int og_code_normalize(const char *s, const char *alphabet, size_t len, char *out)
{
	size_t n = 0;

	for (; *s != '\0'; s++) {
		char c = *s;
		if (c == '-' || c == ' ')
			continue;
		if (strchr(alphabet, c) == NULL)
			c = (char)toupper((unsigned char)c);
		if (strchr(alphabet, c) == NULL)
			c = (char)tolower((unsigned char)c);
		if (n == len || strchr(alphabet, c) == NULL)
			return out[n] = '\0', -1;
		out[n++] = c;
	}
	out[n] = '\0';
	return n == len ? 0 : -1;
}

int og_is_random_id(const char *s)
{
	return s != NULL && strlen(s) == OG_ID_LEN && strspn(s, "0123456789abcdef") == OG_ID_LEN;
}

int og_is_safe_name(const char *s, size_t max)
{
	size_t n = 0;

	if (s == NULL || *s == '\0' || *s == '-')
		return 0;
	if (strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return 0;	/* would name a directory, not a file in it */
	for (; s[n] != '\0'; n++) {
		char c = s[n];
		if (n >= max)
			return 0;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || strchr("._@+-", c) != NULL))
			return 0;
	}
	return 1;
}

int og_name_find(const char *const *names, int n, const char *s)
{
	for (int i = 0; i < n; i++) {
		if (strcmp(s, names[i]) == 0)
			return i;
	}
	return -1;
}

void og_freezero(void *p, size_t len)
{
	if (p == NULL)
		return;
	explicit_bzero(p, len);
	free(p);
}

void og_freezero_str(char *s)
{
	if (s != NULL)
		og_freezero(s, strlen(s));
}

int og_copy(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);

	if (cap == 0)
		return OG_ERR_INVALID;
	if (n >= cap) {
		dst[0] = '\0';
		return OG_ERR_INVALID;
	}
	memcpy(dst, src, n + 1);
	return OG_OK;
}

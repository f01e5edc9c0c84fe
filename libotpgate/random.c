/* random.c: randomness and comparison in constant time, from libcrypto. */
#include <string.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "err.h"
#include "util.h"

#define POOL_LEN 4096

/* og_random_bulk's buffer: bytes from pos on not served yet. */
static struct {
	int on;
	pid_t pid;		/* the process that drew them */
	size_t pos;
	unsigned char buf[POOL_LEN];
} pool;

void og_random_bulk(int on)
{
	OPENSSL_cleanse(pool.buf, sizeof(pool.buf));
	pool.on = on;
	pool.pid = getpid();
	pool.pos = sizeof(pool.buf);
}

int og_random(unsigned char *out, size_t len)
{
	if (!pool.on || pool.pid != getpid() || len > sizeof(pool.buf))
		return RAND_bytes(out, (int)len) == 1 ? OG_OK : OG_ERR_CRYPTO;
	if (sizeof(pool.buf) - pool.pos < len) {
		if (RAND_bytes(pool.buf, (int)sizeof(pool.buf)) != 1)
			return OG_ERR_CRYPTO;
		pool.pos = 0;
	}
	memcpy(out, pool.buf + pool.pos, len);
	OPENSSL_cleanse(pool.buf + pool.pos, len);
	pool.pos += len;
	return OG_OK;
}

int og_random_chars(const char *alphabet, char *out, size_t n)
{
	size_t k = strlen(alphabet);
	unsigned limit;	/* bytes at or past it are drawn again */
	unsigned char b;

	if (k == 0 || k > 256)
		return OG_ERR_INVALID;
	limit = (unsigned)(256 / k * k);
	for (size_t i = 0; i < n; i++) {
		do {
			if (og_random(&b, 1) != OG_OK)
				return OG_ERR_CRYPTO;
		} while (b >= limit);
		out[i] = alphabet[b % k];
	}
	return OG_OK;
}

int og_random_id(char out[OG_ID_LEN + 1])
{
	unsigned char raw[16];

	if (og_random(raw, sizeof(raw)) != OG_OK)
		return OG_ERR_CRYPTO;
	og_hex_encode(raw, sizeof(raw), out);
	return OG_OK;
}

int og_ct_equal(const void *a, const void *b, size_t len)
{
	return CRYPTO_memcmp(a, b, len) == 0;
}

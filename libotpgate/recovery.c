/* recovery.c: generating, hashing and matching recovery codes. */
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "err.h"
#include "recovery.h"
#include "util.h"

static const char alphabet[] = "abcdefghjkmnpqrstuvwxyz23456789";	/* no 0 o 1 l i */

/* s as a recovery code: lower case, no hyphens or spaces; 0, or -1 if not one. */
static int normalize(const char *s, char out[OG_RECOVERY_LEN + 1])
{
	return og_code_normalize(s, alphabet, OG_RECOVERY_LEN, out);
}

int og_recovery_shaped(const char *s)
{
	char norm[OG_RECOVERY_LEN + 1];
	int r = s != NULL && normalize(s, norm) == 0;

	OPENSSL_cleanse(norm, sizeof(norm));
	return r;
}

static int derive(const char *norm, const unsigned char *salt, unsigned char out[OG_RECOVERY_HASH])
{
	return PKCS5_PBKDF2_HMAC(norm, OG_RECOVERY_LEN, salt, OG_RECOVERY_SALT, OG_RECOVERY_ITER,
				 EVP_sha256(), OG_RECOVERY_HASH, out) == 1 ? OG_OK : OG_ERR_CRYPTO;
}

int og_recovery_generate(char codes[OG_RECOVERY_CODES][OG_RECOVERY_LEN + 2],
			 struct og_recovery_set *set)
{
	char norm[OG_RECOVERY_LEN + 1];
	int r = OG_OK;

	memset(set, 0, sizeof(*set));
	if (og_random(set->salt, sizeof(set->salt)) != OG_OK)
		return OG_ERR_CRYPTO;
	for (int i = 0; i < OG_RECOVERY_CODES && r == OG_OK; i++) {
		r = og_random_chars(alphabet, norm, OG_RECOVERY_LEN);
		norm[OG_RECOVERY_LEN] = '\0';
		if (r == OG_OK)
			r = derive(norm, set->salt, set->hash[i]);
		memcpy(codes[i], norm, 5);
		codes[i][5] = '-';
		memcpy(codes[i] + 6, norm + 5, 5);
		codes[i][11] = '\0';
		set->idx[i] = i;
		set->n = i + 1;
	}
	OPENSSL_cleanse(norm, sizeof(norm));
	return r;
}

int og_recovery_match(const struct og_recovery_set *set, const char *s)
{
	char norm[OG_RECOVERY_LEN + 1];
	unsigned char h[OG_RECOVERY_HASH];
	int found = -1;

	if (set->n == 0 || normalize(s, norm) != 0 || derive(norm, set->salt, h) != OG_OK) {
		OPENSSL_cleanse(norm, sizeof(norm));
		return -1;
	}
	for (int i = 0; i < set->n; i++) {
		int eq = CRYPTO_memcmp(h, set->hash[i], sizeof(h)) == 0;
		found = eq && found < 0 ? i : found;
	}
	OPENSSL_cleanse(norm, sizeof(norm));
	OPENSSL_cleanse(h, sizeof(h));
	return found;
}

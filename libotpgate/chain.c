/* chain.c: macs that link audit entries, and pseudonyms for the people in them. */
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "chain.h"
#include "err.h"
#include "util.h"

/* The chain key: the master key's key for this purpose (og_key_derive). */
int og_chain_key_derive(const struct og_key *master, struct og_chain_key *out)
{
	return og_key_derive(master, "otpgate audit chain v1", out->k);
}

int og_chain_key_load(const char *master_key_path, struct og_chain_key *out,
		      const struct og_log *log)
{
	struct og_key master = { 0 };
	int r = og_master_key_load(master_key_path, &master, log);

	if (r == OG_OK)
		r = og_chain_key_derive(&master, out);
	og_key_wipe(&master);
	return r;
}

/* One HMAC-SHA256 over a sequence of updates. */
struct mac {
	EVP_MAC *mac;
	EVP_MAC_CTX *ctx;
	int ok;
};

static void mac_start(struct mac *m, const struct og_chain_key *k)
{
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0),
		OSSL_PARAM_construct_end(),
	};

	m->mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	m->ctx = m->mac ? EVP_MAC_CTX_new(m->mac) : NULL;
	m->ok = m->ctx != NULL && EVP_MAC_init(m->ctx, k->k, sizeof(k->k), params) == 1;
}

static void mac_add(struct mac *m, const void *p, size_t n)
{
	if (m->ok && n > 0)
		m->ok = EVP_MAC_update(m->ctx, p, n) == 1;
}

static void mac_u64(struct mac *m, uint64_t v)
{
	unsigned char b[8];

	for (int i = 7; i >= 0; i--, v >>= 8)
		b[i] = (unsigned char)v;
	mac_add(m, b, sizeof(b));
}

/* A field: 0 for NULL, else 1, its length and its bytes. */
static void mac_field(struct mac *m, const char *s)
{
	unsigned char present = s != NULL;

	mac_add(m, &present, 1);
	if (s != NULL) {
		mac_u64(m, strlen(s));
		mac_add(m, s, strlen(s));
	}
}

static int mac_end(struct mac *m, unsigned char *out, size_t cap)
{
	size_t n = 0;
	int ok = m->ok && EVP_MAC_final(m->ctx, out, &n, cap) == 1 && n == cap;

	EVP_MAC_CTX_free(m->ctx);
	EVP_MAC_free(m->mac);
	return ok ? OG_OK : OG_ERR_CRYPTO;
}

int og_chain_mac(const struct og_chain_key *k, const unsigned char prev[OG_CHAIN_LEN],
		 int64_t id, const struct og_audit_event *ev, unsigned char out[OG_CHAIN_LEN])
{
	const char *fields[] = { ev->host, ev->event, ev->result, ev->reason, ev->user,
				 ev->source, ev->service, ev->token, ev->key, ev->actor,
				 ev->detail };
	struct mac m;

	mac_start(&m, k);
	mac_add(&m, "entry", 5);
	mac_add(&m, prev, OG_CHAIN_LEN);
	mac_u64(&m, (uint64_t)id);
	mac_u64(&m, (uint64_t)ev->ts);
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		mac_field(&m, fields[i]);
	return mac_end(&m, out, OG_CHAIN_LEN);
}

int og_chain_subject_pseudonym(const struct og_chain_key *k,
			       const unsigned char salt[OG_SUBJECT_SALT],
			       const char *name, char out[OG_SUBJECT_LEN + 1])
{
	unsigned char h[OG_CHAIN_LEN];
	char hex[2 * OG_CHAIN_LEN + 1];
	struct mac m;
	int r;

	mac_start(&m, k);
	mac_add(&m, "subject", 7);
	mac_add(&m, salt, OG_SUBJECT_SALT);
	mac_field(&m, name);
	if ((r = mac_end(&m, h, sizeof(h))) != OG_OK)
		return r;
	og_hex_encode(h, sizeof(h), hex);
	memcpy(out, hex, OG_SUBJECT_LEN);
	out[OG_SUBJECT_LEN] = '\0';
	return OG_OK;
}

int og_chain_subject_new(const struct og_chain_key *k, const char *name,
			 unsigned char salt[OG_SUBJECT_SALT], char pseudonym[OG_SUBJECT_LEN + 1])
{
	int r = og_random(salt, OG_SUBJECT_SALT);

	return r == OG_OK ? og_chain_subject_pseudonym(k, salt, name, pseudonym) : r;
}

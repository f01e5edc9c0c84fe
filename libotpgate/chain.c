/* chain.c: macs that link audit entries, and pseudonyms for the people in them. */
#include <string.h>

#include "chain.h"
#include "err.h"
#include "hmac.h"
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

/* One HMAC-SHA256 under the chain key, over a sequence of updates. */
static void mac_start(struct og_hmac *m, const struct og_chain_key *k)
{
	og_hmac_start(m, OG_SHA256, k->k, sizeof(k->k));
}

static void mac_u64(struct og_hmac *m, uint64_t v)
{
	unsigned char b[8];

	for (int i = 7; i >= 0; i--, v >>= 8)
		b[i] = (unsigned char)v;
	og_hmac_add(m, b, sizeof(b));
}

/* A field: 0 for NULL, else 1, its length and its bytes. */
static void mac_field(struct og_hmac *m, const char *s)
{
	unsigned char present = s != NULL;

	og_hmac_add(m, &present, 1);
	if (s != NULL) {
		mac_u64(m, strlen(s));
		og_hmac_add(m, s, strlen(s));
	}
}

static int mac_end(struct og_hmac *m, unsigned char *out, size_t cap)
{
	size_t n = 0;
	int r = og_hmac_end(m, out, cap, &n);

	return r == OG_OK && n != cap ? OG_ERR_CRYPTO : r;
}

int og_chain_mac(const struct og_chain_key *k, const unsigned char prev[OG_CHAIN_LEN],
		 int64_t id, const struct og_audit_event *ev, unsigned char out[OG_CHAIN_LEN])
{
	const char *fields[] = { ev->host, ev->event, ev->result, ev->reason, ev->user,
				 ev->source, ev->service, ev->token, ev->key, ev->actor,
				 ev->detail };
	struct og_hmac m;

	mac_start(&m, k);
	og_hmac_add(&m, "entry", 5);
	og_hmac_add(&m, prev, OG_CHAIN_LEN);
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
	struct og_hmac m;
	int r;

	mac_start(&m, k);
	og_hmac_add(&m, "subject", 7);
	og_hmac_add(&m, salt, OG_SUBJECT_SALT);
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

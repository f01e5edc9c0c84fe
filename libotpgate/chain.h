/*
 * chain.h: the tamper-evident audit trail.
 *
 * Every stored audit entry carries mac = HMAC-SHA256(chain key, previous
 * entry's mac || its id || its fields), the first entry chaining from 32
 * zero bytes. The chain key is derived from the master key, so whoever can
 * write the database but not read the master key cannot edit, delete or
 * reorder entries and make the chain whole again.
 *
 * Entries name people (as user or actor) only through subjects: a random
 * salt per name and pseudonym = HMAC(chain key, salt || name). Erasing a
 * person deletes that mapping; the entries, and the chain, stay as they
 * were, and the name can no longer be recovered from them.
 */
#ifndef OTPGATE_CHAIN_H
#define OTPGATE_CHAIN_H

#include <stddef.h>
#include <stdint.h>

#include "audit.h"
#include "crypto.h"

#define OG_CHAIN_LEN 32
#define OG_SUBJECT_SALT 16
#define OG_SUBJECT_LEN 20	/* hex characters of a pseudonym */
#define OG_ERASED_PREFIX "erased-"

struct og_chain_key {
	unsigned char k[32];
};

/* The chain key: HKDF-Expand-SHA256 of the master key with info
 * "otpgate audit chain v1", for this purpose only. */
int og_chain_key_derive(const struct og_key *master, struct og_chain_key *out);

/* Loads the master key file and derives the chain key; the master key is wiped. */
int og_chain_key_load(const char *master_key_path, struct og_chain_key *out,
		      const struct og_log *log);

/*
 * The mac of entry id: ev's fields as stored (user and actor are
 * pseudonyms), each with its length, NULL told apart from "". OG_OK or
 * OG_ERR_CRYPTO.
 */
int og_chain_mac(const struct og_chain_key *k, const unsigned char prev[OG_CHAIN_LEN],
		 int64_t id, const struct og_audit_event *ev, unsigned char out[OG_CHAIN_LEN]);

/* The pseudonym of name under salt: OG_SUBJECT_LEN hex characters. */
int og_chain_subject_pseudonym(const struct og_chain_key *k,
			       const unsigned char salt[OG_SUBJECT_SALT],
			       const char *name, char out[OG_SUBJECT_LEN + 1]);

/* A new subject for name: a random salt and its pseudonym. */
int og_chain_subject_new(const struct og_chain_key *k, const char *name,
			 unsigned char salt[OG_SUBJECT_SALT], char pseudonym[OG_SUBJECT_LEN + 1]);

#endif

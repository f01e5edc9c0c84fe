/* store_copy.h: copying one store into another (migrate-store). */
#ifndef OTPGATE_STORE_COPY_H
#define OTPGATE_STORE_COPY_H

#include "store.h"

struct og_copy_report {
	struct og_store_counts copied;	/* rows taken from the source, per table */
	int64_t admins_present;		/* of them, admins the target had already (its init) */
};

/*
 * Copies every row of from into to, in the transaction the caller opened
 * on to: data keys, organisation removals, users (with their removal),
 * tokens, recovery codes, invitations, failure counts and locks, admins,
 * the key registry, the spool chunks recorded as stored, open sessions,
 * and the audit trail.
 * Secrets go as they are stored (sealed); audit entries go in by name,
 * with their values as they were given (og_audit_decode), and the target
 * cleans them and seals them into its own chain. An admin the target already has with the same role and
 * organisation is counted as present, not copied again. Both stores'
 * registries must be ready (og_store_keys_ready) before. OG_OK, or the
 * first error (the caller rolls back).
 */
int og_store_copy(struct og_store *from, struct og_store *to, struct og_copy_report *rep);

#endif

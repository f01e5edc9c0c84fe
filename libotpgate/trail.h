/* trail.h: checking the stored audit trail end to end (see chain.h). */
#ifndef OTPGATE_TRAIL_H
#define OTPGATE_TRAIL_H

#include <stdint.h>
#include "store.h"

struct og_trail_report {
	int64_t entries;		/* entries checked, up to the break */
	int64_t subjects;		/* name mappings checked */
	int64_t erased;			/* subjects erased, each with its erasure entry */
	unsigned char head[OG_CHAIN_LEN];	/* the newest entry's mac */
	int64_t bad_id;			/* the first entry where the chain breaks; 0 if none */
	int64_t bad_ts;
	char why[160];			/* what is wrong there, or with a mapping */
};

/*
 * Walks the trail oldest first: every entry's mac must follow from the one
 * before; every name mapping must produce its pseudonym; every entry naming
 * a subject without a mapping must be followed by that subject's erasure
 * entry. OG_OK when all holds; OG_ERR_CRYPTO with report->why (and bad_id)
 * at the first thing that does not; other errors when the store cannot be
 * read or the master key is missing.
 */
int og_trail_verify(struct og_store *st, struct og_trail_report *report);

#endif

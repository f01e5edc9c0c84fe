/* lockout.h: the failure-counting rule and what bars a login, the same for
 * every store backend. */
#ifndef OTPGATE_LOCKOUT_H
#define OTPGATE_LOCKOUT_H

#include <stdint.h>

struct og_lockout {
	int max_failures;	/* 0: never lock */
	int64_t interval;	/* seconds over which failures count */
	int64_t lock_for;	/* seconds; 0: until an admin unlocks */
};

/* A user's failure record as the store keeps it. */
struct og_failures {
	int64_t count;
	int64_t window_start;
	int64_t locked_until;	/* 0 unlocked; INT64_MAX until unlocked */
};

/*
 * Applies one more failure at now to f (exists = 0: the user had no
 * record). Failures older than the interval start a new count; reaching
 * max_failures locks and resets the count; a lock in force is kept, an
 * expired one cleared. Returns 1 if this failure set a new lock.
 */
int og_lockout_count(struct og_failures *f, int exists, int64_t now, const struct og_lockout *lk);

/* What bars a user from logging in, as a store reads it for a claim. */
struct og_standing {
	int64_t removed_at;	/* 0, or when the user was removed */
	int org_removed;	/* the user's organisation is removed */
	int64_t locked_until;	/* 0 unlocked; INT64_MAX until unlocked */
};

/*
 * Whether a user in standing s may log in at now: OG_OK, OG_ERR_REMOVED
 * (the user or the organisation is removed; this wins over a lock), or
 * OG_ERR_LOCKED (a lock in force at now).
 */
int og_lockout_standing(const struct og_standing *s, int64_t now);

#endif

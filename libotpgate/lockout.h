/* lockout.h: the failure-counting rule and what bars a login, the same for
 * every store backend. */
#ifndef OTPGATE_LOCKOUT_H
#define OTPGATE_LOCKOUT_H

#include <stdint.h>

struct og_lockout {
	int max_failures;	/* 0: never lock */
	int64_t interval;	/* seconds over which failures count */
	int64_t lock_for;	/* seconds; 0: until an admin unlocks */
	int step_up;		/* lockout.mode "step-up": failure mode instead of a lock */
};

/* A user's failure record as the store keeps it. */
struct og_failures {
	int64_t count;
	int64_t window_start;
	int64_t locked_until;	/* 0 unlocked; INT64_MAX until unlocked */
	int64_t failure_mode_until;	/* the same for failure mode (lockout.mode "step-up") */
	int64_t replay_step;	/* the step of the last replay of the user's own last
				 * accepted code that was counted; -1 none */
};

/* What one more failure did (og_lockout_count). */
enum og_counted {
	OG_COUNT_SKIPPED,	/* a replay of a step already counted: not counted */
	OG_COUNT_ONE,		/* counted */
	OG_COUNT_LOCKED,	/* counted, and it locked the user */
	OG_COUNT_FAILURE_MODE,	/* counted, and it put the user into failure mode */
};

/*
 * Applies one more failure at now to f (exists = 0: the user had no
 * record; f is then filled in). replay_step is the step (or counter) of
 * the user's own last accepted code when the failure replays it, else -1:
 * such a replay counts at most once per step, so a tool that reconnects
 * with the same code does not lock its user. Failures older than the
 * interval start a new count; reaching max_failures locks (or, with
 * step_up, enters failure mode for as long) and resets the count; a lock
 * or failure mode in force is kept, never renewed (so it is notified
 * once), an expired one cleared.
 */
enum og_counted og_lockout_count(struct og_failures *f, int exists, int64_t now,
				 const struct og_lockout *lk, int64_t replay_step);

/* What bars a user from logging in, as a store reads it for a claim. */
struct og_standing {
	int64_t removed_at;	/* 0, or when the user was removed */
	int org_removed;	/* the user's organisation is removed */
	int64_t locked_until;	/* 0 unlocked; INT64_MAX until unlocked */
	int64_t failure_mode_until;	/* 0 none; INT64_MAX until unlocked */
};

/*
 * Whether a user in standing s may log in at now: OG_OK, OG_ERR_REMOVED
 * (the user or the organisation is removed; this wins over a lock),
 * OG_ERR_LOCKED (a lock in force at now), or OG_ERR_FAILURE_MODE (in
 * failure mode at now: only a login that passed the additional check, two
 * consecutive codes or a recovery code, may go on).
 */
int og_lockout_standing(const struct og_standing *s, int64_t now);

#endif

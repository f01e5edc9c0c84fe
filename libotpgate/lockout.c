/* lockout.c: count one failure and decide whether it locks (or, in
 * step-up mode, enters failure mode); whether a user may log in at all. */
#include "err.h"
#include "lockout.h"

/* A new record, or one whose window is over, starts counting at now. */
static void start_window(struct og_failures *f, int exists, int64_t now, int64_t interval)
{
	if (!exists) {
		f->locked_until = f->failure_mode_until = 0;
		f->replay_step = -1;
	}
	if (!exists || f->window_start <= now - interval) {
		f->count = 0;
		f->window_start = now;
	}
}

enum og_counted og_lockout_count(struct og_failures *f, int exists, int64_t now,
				 const struct og_lockout *lk, int64_t replay_step)
{
	int64_t until;

	if (replay_step >= 0 && exists && f->replay_step == replay_step)
		return OG_COUNT_SKIPPED;
	start_window(f, exists, now, lk->interval);
	if (replay_step >= 0)
		f->replay_step = replay_step;
	f->count++;
	if (f->locked_until > now || f->failure_mode_until > now)
		return OG_COUNT_ONE;
	f->locked_until = f->failure_mode_until = 0;
	if (lk->max_failures <= 0 || f->count < lk->max_failures)
		return OG_COUNT_ONE;
	until = lk->lock_for > 0 ? now + lk->lock_for : INT64_MAX;
	f->count = 0;
	if (lk->step_up) {
		f->failure_mode_until = until;
		return OG_COUNT_FAILURE_MODE;
	}
	f->locked_until = until;
	return OG_COUNT_LOCKED;
}

int og_lockout_standing(const struct og_standing *s, int64_t now)
{
	if (s->removed_at > 0 || s->org_removed)
		return OG_ERR_REMOVED;
	if (s->locked_until > now)
		return OG_ERR_LOCKED;
	return s->failure_mode_until > now ? OG_ERR_FAILURE_MODE : OG_OK;
}

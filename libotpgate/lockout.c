/* lockout.c: count one failure and decide whether it locks; whether a
 * user may log in at all. */
#include "err.h"
#include "lockout.h"

int og_lockout_count(struct og_failures *f, int exists, int64_t now, const struct og_lockout *lk)
{
	if (!exists || f->window_start <= now - lk->interval) {
		f->count = 0;
		f->window_start = now;
	}
	f->count++;
	if (f->locked_until > now)
		return 0;
	f->locked_until = 0;
	if (lk->max_failures <= 0 || f->count < lk->max_failures)
		return 0;
	f->locked_until = lk->lock_for > 0 ? now + lk->lock_for : INT64_MAX;
	f->count = 0;
	return 1;
}

int og_lockout_standing(const struct og_standing *s, int64_t now)
{
	if (s->removed_at > 0 || s->org_removed)
		return OG_ERR_REMOVED;
	return s->locked_until > now ? OG_ERR_LOCKED : OG_OK;
}

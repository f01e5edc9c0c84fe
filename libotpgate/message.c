/* message.c: the one line a refused login is told, and when it may be. */
#include <stdio.h>
#include <string.h>

#include "message.h"
#include "timefmt.h"

/* Whether the messages setting lets l be told anything. */
static int may_tell(const struct og_ctx *ctx, const struct og_login *l)
{
	switch (ctx->cfg.messages) {
	case OG_MESSAGES_ALWAYS:
		return 1;
	case OG_MESSAGES_AFTER_KEY:
		return l->key_accepted;
	case OG_MESSAGES_NEVER:
		break;
	}
	return 0;
}

static int is(const char *reason, const char *what)
{
	return reason != NULL && strcmp(reason, what) == 0;
}

static const char *locked(const struct og_login *l, char *buf, size_t cap)
{
	char until[OG_TIME_LEN];

	if (l->locked_until == INT64_MAX || l->locked_until <= l->now) {
		snprintf(buf, cap, "otpgate: too many failed logins: this account is locked until an"
			 " administrator unlocks it.");
		return buf;
	}
	og_time_until(l->locked_until, l->now, until);
	snprintf(buf, cap, "otpgate: too many failed logins: this account is locked until %s.",
		 until);
	return buf;
}

static const char *failure_mode(const struct og_login *l, char *buf, size_t cap)
{
	char until[OG_TIME_LEN] = "an administrator unlocks it";

	if (l->failure_mode_until != INT64_MAX)
		og_time_until(l->failure_mode_until, l->now, until);
	snprintf(buf, cap, "otpgate: too many failed logins: until %s this account needs two"
		 " consecutive codes (enter the next one when asked) or a recovery code.", until);
	return buf;
}

/* A code refused: what it left the account in, or that it was spent. */
static const char *code_refused(const struct og_login *l, char *buf, size_t cap)
{
	if (l->locked_until > l->now)
		return locked(l, buf, cap);
	if (l->failure_mode_until > l->now)
		return failure_mode(l, buf, cap);
	if (is(l->reason, "replay"))
		return snprintf(buf, cap, "otpgate: that code was already used: wait for your device"
				" to show the next one."), buf;
	return NULL;
}

/* An invitation code refused as spent: what the failure left the account
 * in, or what to do. */
static const char *invitation_refused(const struct og_login *l, char *buf, size_t cap)
{
	if (code_refused(l, buf, cap) != NULL)
		return buf;
	snprintf(buf, cap, "otpgate: that invitation %s: ask an administrator for a new one.",
		 is(l->reason, "invitation-used") ? "was used already" : "has expired");
	return buf;
}

const char *og_login_message(const struct og_ctx *ctx, const struct og_login *l, char *buf,
			     size_t cap)
{
	const char *r = l->reason;

	if (is(r, "enrol-needs-ssh"))
		return snprintf(buf, cap, "otpgate: this connection cannot show your new device's QR"
				" code: log in over SSH to enrol it with your invitation code."), buf;
	if (r == NULL || !may_tell(ctx, l))
		return NULL;
	if (is(r, "locked"))
		return locked(l, buf, cap);
	if (is(r, "policy"))
		return snprintf(buf, cap, "otpgate: logins from %s are not allowed for this account.",
				l->source), buf;
	if (is(r, "no-token") && l->us.npending > 0)
		return snprintf(buf, cap, "otpgate: this account's device is not confirmed yet: ask an"
				" administrator to confirm it with a code it shows."), buf;
	if (is(r, "no-token"))
		return snprintf(buf, cap, "otpgate: no device is enrolled for this account: ask an"
				" administrator to enrol one."), buf;
	if (is(r, "failure-mode"))
		return failure_mode(l, buf, cap);
	if (is(r, "bad-code") || is(r, "bad-next-code") || is(r, "replay") || is(r, "no-code") ||
	    is(r, "bad-invitation"))
		return code_refused(l, buf, cap);
	if (is(r, "invitation-expired") || is(r, "invitation-used"))
		return invitation_refused(l, buf, cap);
	return NULL;
}

/* cmd_admin.c: small population commands: list and unlock. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "err.h"
#include "util.h"

int cmd_unlock(struct cli *c, const struct cli_args *a)
{
	const char *user = a->arg[0];

	if (!og_is_safe_name(user, OG_USER_MAX))
		return cli_error("usage: otpgate-provision unlock USER"), 2;
	if (cli_open(c, 0) != OG_OK)
		return 1;
	if (og_store_unlock(c->st, user) != OG_OK) {
		cli_error("cannot unlock %s", user);
		return 1;
	}
	cli_audit(c, "unlock", "success", user, NULL, NULL);
	printf("unlocked %s\n", user);
	return 0;
}

struct listing {
	int json;
	const char *org;	/* --org, or an org admin's view: only tokens sealed under its key */
};

static int print_token(void *arg, const struct og_token *t)
{
	const struct listing *ls = arg;
	char otp[TOKEN_OTP_LEN];

	if (ls->org != NULL && strcmp(t->dek_org, ls->org) != 0)
		return 0;
	if (ls->json) {
		token_otp_json(t, otp, sizeof(otp));
		printf("{\"user\":\"%s\",\"serial\":\"%s\",\"kind\":\"%s\",\"state\":\"%s\",%s,"
		       "\"created\":%lld,\"last_used\":%lld}\n", t->user, t->serial, t->kind,
		       og_token_state_name(t->state), otp, (long long)t->created,
		       (long long)t->last_used);
		return 0;
	}
	if (t->params.otp_kind == OG_OTP_HOTP)
		snprintf(otp, sizeof(otp), "%d counter=%lld", t->params.digits,
			 (long long)og_token_counter(t));
	else
		snprintf(otp, sizeof(otp), "%d/%ds drift=%lld", t->params.digits, t->params.period,
			 (long long)t->drift);
	printf("%-20s %-16s %-9s %-8s %s %-6s %s\n", t->user, t->serial, t->kind,
	       og_token_state_name(t->state), og_otp_kind_name(t->params.otp_kind),
	       og_algo_name(t->params.algo), otp);
	return 0;
}

int cmd_list(struct cli *c, const struct cli_args *a)
{
	struct listing ls = { cli_flag(a, "json"), cli_opt(a, "org") };
	const char *user = a->arg[0];

	if ((ls.org && !og_is_safe_name(ls.org, OG_ORG_MAX)) ||
	    (user && !og_is_safe_name(user, OG_USER_MAX)))
		return cli_error("usage: otpgate-provision list [USER] [--org ORG] [--json]"), 2;
	if (cli_open(c, 0) != OG_OK)
		return 1;
	if (og_admin_view(&c->admin) != NULL)
		ls.org = og_admin_view(&c->admin);
	if (og_store_token_list(c->st, user, print_token, &ls) != OG_OK) {
		cli_error("cannot list tokens");
		return 1;
	}
	return 0;
}

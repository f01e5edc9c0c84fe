/*
 * cmd_invite.c: invitations to enrol at the prompt (invite.h). invite
 * prints the code the user is to be given, and nothing of a secret: the
 * device's secret is made at the user's login, and shown only there.
 * invites lists them, revoke-invite ends one.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <openssl/crypto.h>

#include "commands.h"
#include "err.h"
#include "invite.h"
#include "timefmt.h"
#include "util.h"

/* --expires: a duration from OG_INVITE_FOR_MIN to OG_INVITE_FOR_MAX. */
static int lifetime_of(const struct cli_args *a, int64_t *out)
{
	const char *v = cli_opt(a, "expires");

	*out = OG_INVITE_FOR_DEFAULT;
	if (v != NULL && (og_parse_duration(v, out) != OG_OK || *out < OG_INVITE_FOR_MIN ||
			  *out > OG_INVITE_FOR_MAX))
		return cli_error("--expires must be a duration from 1m to 30d (\"24h\", \"3d\")"), -1;
	return 0;
}

static void print_invite(const struct og_invite_req *req, const char *code, int json)
{
	char until[OG_TIME_LEN];

	og_time_utc(req->now + req->lifetime, until);
	if (json) {
		printf("{\"user\":\"%s\",\"org\":\"%s\",\"otp_kind\":\"%s\",\"code\":\"%s\","
		       "\"created\":%lld,\"expires\":%lld}\n", req->user, req->org,
		       og_otp_kind_name(req->kind), code, (long long)req->now,
		       (long long)(req->now + req->lifetime));
		return;
	}
	printf("invitation code for %s: %s\n", req->user, code);
	fprintf(stderr, "give it to %s alone; it is valid once, until %s, for a %s token: they "
		"type it at their next SSH login instead of a verification code, and enrol their "
		"own device there\n", req->user, until, og_otp_kind_name(req->kind));
}

int cmd_invite(struct cli *c, const struct cli_args *a)
{
	const char *org = cli_opt(a, "org");
	struct og_invite_req req = { .user = a->arg[0], .org = org ? org : "",
				     .kind = cli_flag(a, "hotp") ? OG_OTP_HOTP : OG_OTP_TOTP,
				     .now = (int64_t)time(NULL) };
	struct og_key master = { 0 };
	char code[OG_INVITE_TEXT + 1] = "", why[400], detail[96];
	int r = 1;

	if (!og_is_safe_name(req.user, OG_USER_MAX))
		return cli_error("user '%.64s' is not a valid name", req.user), 2;
	if (req.org[0] != '\0' && !og_is_safe_name(req.org, OG_ORG_MAX))
		return cli_error("organisation '%.64s' is not a valid name", req.org), 2;
	if (lifetime_of(a, &req.lifetime) != 0)
		return 2;
	if (cli_open(c, 0) != OG_OK || cli_master_key(c, &master) != OG_OK)
		goto out;
	if (og_invite_create(c->st, &master, &req, code, why, sizeof(why)) != OG_OK) {
		cli_error("%s", why);
		cli_audit(c, "invite", "failure", req.user, NULL, why);
		goto out;
	}
	snprintf(detail, sizeof(detail), "%s token, expires %lld", og_otp_kind_name(req.kind),
		 (long long)(req.now + req.lifetime));
	cli_audit(c, "invite", "success", req.user, NULL, detail);
	print_invite(&req, code, cli_flag(a, "json"));
	r = 0;
out:
	og_key_wipe(&master);
	OPENSSL_cleanse(code, sizeof(code));
	return r;
}

struct listing {
	int json;
	const char *org;	/* an org admin's view: their own users' invitations */
	int64_t now;
};

static int print_row(void *arg, const struct og_invite *inv)
{
	const struct listing *ls = arg;
	const char *state = og_invite_state_name(og_invite_state(inv, ls->now));
	char created[OG_TIME_LEN], expires[OG_TIME_LEN];

	if (ls->org != NULL && strcmp(inv->org, ls->org) != 0)
		return 0;
	if (ls->json) {
		printf("{\"user\":\"%s\",\"org\":\"%s\",\"otp_kind\":\"%s\",\"state\":\"%s\","
		       "\"created\":%lld,\"expires\":%lld,\"used\":%lld,\"token\":\"%s\"}\n",
		       inv->user, inv->org, og_otp_kind_name(inv->kind), state,
		       (long long)inv->created, (long long)inv->expires, (long long)inv->used,
		       inv->token);
		return 0;
	}
	og_time_utc(inv->created, created);
	og_time_utc(inv->expires, expires);
	printf("%-20s %-12s %-4s %-7s created %s expires %s%s%s\n", inv->user,
	       inv->org[0] ? inv->org : "-", og_otp_kind_name(inv->kind), state, created, expires,
	       inv->token[0] ? " token " : "", inv->token);
	return 0;
}

int cmd_invites(struct cli *c, const struct cli_args *a)
{
	struct listing ls = { cli_flag(a, "json"), NULL, (int64_t)time(NULL) };

	if (cli_open(c, 0) != OG_OK)
		return 1;
	ls.org = og_admin_view(&c->admin);
	if (og_store_invite_list(c->st, print_row, &ls) != OG_OK) {
		cli_error("cannot list invitations");
		return 1;
	}
	return 0;
}

int cmd_revoke_invite(struct cli *c, const struct cli_args *a)
{
	const char *user = a->arg[0];
	int r;

	if (!og_is_safe_name(user, OG_USER_MAX))
		return cli_error("user '%.64s' is not a valid name", user), 2;
	if (cli_open(c, 0) != OG_OK)
		return 1;
	if ((r = og_store_invite_revoke(c->st, user)) == OG_ERR_NOTFOUND)
		return cli_error("%s has no invitation left to revoke (none, or taken)", user), 1;
	if (r != OG_OK)
		return cli_error("cannot revoke %s's invitation: %s", user, og_strerror(r)), 1;
	cli_audit(c, "revoke-invite", "success", user, NULL, NULL);
	printf("revoked %s's invitation\n", user);
	return 0;
}

/* cmd_admin.c: small population commands: list and unlock. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "err.h"
#include "util.h"

int cmd_unlock(struct cli *c, int argc, char **argv)
{
	if (argc != 2 || !og_is_safe_name(argv[1], 256))
		return cli_error("usage: otpgate-provision unlock USER"), 2;
	if (cli_open(c, 0) != OG_OK)
		return 1;
	if (og_store_unlock(c->st, argv[1]) != OG_OK) {
		cli_error("cannot unlock %s", argv[1]);
		return 1;
	}
	cli_audit(c, "unlock", "success", argv[1], NULL, NULL);
	printf("unlocked %s\n", argv[1]);
	return 0;
}

struct listing {
	int json;
	const char *org;	/* --org, or an org admin's: only tokens sealed under its key */
};

static int print_token(void *arg, const struct og_token *t)
{
	const struct listing *ls = arg;
	int json = ls->json;

	if (ls->org != NULL && strcmp(t->dek_org, ls->org) != 0)
		return 0;
	if (json)
		printf("{\"user\":\"%s\",\"serial\":\"%s\",\"kind\":\"%s\",\"state\":\"%s\","
		       "\"algorithm\":\"%s\",\"digits\":%d,\"period\":%d,\"drift\":%lld,"
		       "\"created\":%lld,\"last_used\":%lld}\n", t->user, t->serial, t->kind,
		       og_token_state_name(t->state), og_algo_name(t->params.algo), t->params.digits,
		       t->params.period, (long long)t->drift, (long long)t->created,
		       (long long)t->last_used);
	else
		printf("%-20s %-16s %-9s %-8s %-6s %d/%ds drift=%lld\n", t->user, t->serial,
		       t->kind, og_token_state_name(t->state), og_algo_name(t->params.algo),
		       t->params.digits, t->params.period, (long long)t->drift);
	return 0;
}

int cmd_list(struct cli *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' }, { "org", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	static const char usage[] = "usage: otpgate-provision list [USER] [--org ORG] [--json]";
	struct listing ls = { 0, NULL };
	const char *user = NULL;
	int ch;

	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (ch == 'j')
			ls.json = 1;
		else if (ch == 'o' && og_is_safe_name(optarg, 128))
			ls.org = optarg;
		else
			return cli_error("%s", usage), 2;
	}
	if (optind < argc)
		user = argv[optind++];
	if (optind != argc || (user && !og_is_safe_name(user, 256)))
		return cli_error("%s", usage), 2;
	if (cli_open(c, 0) != OG_OK)
		return 1;
	/* an org admin sees their own organisation (authorize refused any other --org) */
	if (strcmp(c->role, "org-admin") == 0)
		ls.org = c->org;
	if (og_store_token_list(c->st, user, print_token, &ls) != OG_OK) {
		cli_error("cannot list tokens");
		return 1;
	}
	return 0;
}

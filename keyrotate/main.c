/* main.c: otpgate-keyrotate dispatches a subcommand from a table. */
#include <stdio.h>
#include <string.h>
#include <getopt.h>

#include "commands.h"

static const struct {
	const char *name;
	int (*fn)(struct cli *c, int argc, char **argv);
	const char *usage;
} commands[] = {
	{ "authorized-keys", cmd_authorized_keys,
	  "authorized-keys USER [FINGERPRINT]\n"
	  "                             print USER's valid keys (sshd AuthorizedKeysCommand)" },
	{ "issue", cmd_issue, "issue USER [--out FILE]    generate an Ed25519 key for USER" },
	{ "add", cmd_add, "add USER PUBKEY_FILE       register a key USER generated" },
	{ "rotate", cmd_rotate, "rotate [--dry-run] [--user USER]\n"
	  "                             replace keys older than keys.max_age, expire old ones" },
	{ "revoke", cmd_revoke, "revoke KEYID|FINGERPRINT|--user USER\n"
	  "                             stop a key (or all of USER's) at once" },
	{ "list", cmd_list, "list [--user USER] [--expiring WITHIN] [--json]" },
};

static void usage(FILE *out)
{
	fprintf(out, "usage: otpgate-keyrotate [-c FILE] COMMAND [ARGS]\n\n"
		     "  -c FILE   configuration (default " OG_DEFAULT_CONFIG ")\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %s\n", commands[i].usage);
}

int main(int argc, char **argv)
{
	struct cli c = { .config_path = OG_DEFAULT_CONFIG };
	int i = 1, r;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-c") == 0 && i + 1 < argc) {
			c.config_path = argv[++i];
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		} else {
			cli_error("unknown option '%.64s' (see --help)", argv[i]);
			return 2;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return 2;
	}
	for (size_t k = 0; k < sizeof(commands) / sizeof(commands[0]); k++) {
		if (strcmp(argv[i], commands[k].name) == 0) {
			optind = 1;
			r = commands[k].fn(&c, argc - i, argv + i);
			cli_close(&c);
			return r;
		}
	}
	cli_error("unknown command '%.64s' (see --help)", argv[i]);
	return 2;
}

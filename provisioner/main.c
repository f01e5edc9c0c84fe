/* main.c: otpgate-provision dispatches a subcommand from a table. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"

static const struct {
	const char *name;
	int (*fn)(struct cli *c, int argc, char **argv);
	const char *usage;
} commands[] = {
	{ "init", cmd_init, "init                       create the store and, if absent, the master key" },
	{ "enrol", cmd_enrol, "enrol USER [--org ORG] [--issuer NAME] [--algorithm SHA1|SHA256|SHA512]\n"
	  "        [--digits 6|8] [--period 30|60] [--qr terminal|none] [--json]\n"
	  "                             create a virtual (phone app) token, print its URI and QR" },
	{ "import", cmd_import, "import --format csv FILE   import hardware tokens (user,serial,secret[,...])" },
	{ "list", cmd_list, "list [USER] [--json]       list tokens (never secrets)" },
	{ "unlock", cmd_unlock, "unlock USER                clear a user's failures and lock" },
	{ "migrate", cmd_migrate, "migrate                    bring the store's schema up to date" },
	{ "migrate-store", cmd_migrate_store, "migrate-store --to CONFIG  copy this store into the (empty) store of CONFIG" },
};

static void usage(FILE *out)
{
	fprintf(out, "usage: otpgate-provision [-c FILE] COMMAND [ARGS]\n\n"
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
			cli_error("unknown option '%s' (see --help)", argv[i]);
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
	cli_error("unknown command '%s' (see --help)", argv[i]);
	return 2;
}

/* main.c: otpgate-keyrotate dispatches a subcommand from a table. */

#include "commands.h"

static const struct cli_command commands[] = {
	{ "authorized-keys", cmd_authorized_keys,
	  "authorized-keys USER [FINGERPRINT]\n"
	  "                             print USER's valid keys (sshd AuthorizedKeysCommand)", CLI_OPEN, 0 },
	{ "issue", cmd_issue, "issue USER [--out FILE]    generate an Ed25519 key for USER", CLI_OPEN, 0 },
	{ "add", cmd_add, "add USER PUBKEY_FILE       register a key USER generated", CLI_OPEN, 0 },
	{ "rotate", cmd_rotate, "rotate [--dry-run] [--user USER]\n"
	  "                             replace keys older than keys.max_age, expire old ones", CLI_OPEN, 0 },
	{ "revoke", cmd_revoke, "revoke KEYID|FINGERPRINT|--user USER\n"
	  "                             stop a key (or all of USER's) at once", CLI_OPEN, 0 },
	{ "list", cmd_list, "list [--user USER] [--expiring WITHIN] [--json]", CLI_OPEN, 0 },
};

int main(int argc, char **argv)
{
	return cli_main(argc, argv, commands, sizeof(commands) / sizeof(commands[0]));
}

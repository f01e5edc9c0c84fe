/* main.c: otpgate-keyrotate dispatches a subcommand from a table. */

#include "commands.h"

/* The key tool has no admin roles: every command runs with the scope of
 * whoever can open the store and the registry (root, or the store's
 * owner), and authorized-keys only with the registry's read-only view. */
static const struct cli_command commands[] = {
	{ .name = "authorized-keys", .fn = cmd_authorized_keys, .max_args = CLI_MAX_ARGS,
	  .scope = OG_SCOPE_OPEN,
	  .usage = "authorized-keys [--daemon SOCKET] USER [FINGERPRINT]\n"
	  "                             print USER's valid keys (sshd AuthorizedKeysCommand),\n"
	  "                             asking otpgated at SOCKET first" },
	{ .name = "issue", .fn = cmd_issue, .options = "out=", .min_args = 1, .max_args = 1,
	  .scope = OG_SCOPE_OPEN,
	  .usage = "issue USER [--out FILE]    generate an Ed25519 key for USER" },
	{ .name = "add", .fn = cmd_add, .min_args = 2, .max_args = 2, .scope = OG_SCOPE_OPEN,
	  .usage = "add USER PUBKEY_FILE       register a key USER generated" },
	{ .name = "rotate", .fn = cmd_rotate, .options = "dry-run user=", .scope = OG_SCOPE_OPEN,
	  .usage = "rotate [--dry-run] [--user USER]\n"
	  "                             replace keys older than keys.max_age, expire old ones" },
	{ .name = "revoke", .fn = cmd_revoke, .options = "user=", .max_args = 1,
	  .scope = OG_SCOPE_OPEN,
	  .usage = "revoke KEYID|FINGERPRINT|--user USER\n"
	  "                             stop a key (or all of USER's) at once" },
	{ .name = "list", .fn = cmd_list, .options = "user= expiring= json", .scope = OG_SCOPE_OPEN,
	  .usage = "list [--user USER] [--expiring WITHIN] [--json]" },
};

int main(int argc, char **argv)
{
	return cli_main(argc, argv, commands, sizeof(commands) / sizeof(commands[0]));
}

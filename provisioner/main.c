/* main.c: otpgate-provision dispatches a subcommand from a table. */

#include "commands.h"

static const struct cli_command commands[] = {
	{ "init", cmd_init, "init                       create the store and, if absent, the master key", CLI_OPEN, 0 },
	{ "enrol", cmd_enrol, "enrol USER [--org ORG] [--issuer NAME] [--algorithm SHA1|SHA256|SHA512]\n"
	  "        [--digits 6|8] [--period 30|60] [--qr terminal|none|png:FILE|svg:FILE] [--json]\n"
	  "                             create a pending phone-app token, print its URI and QR", CLI_USER, 1 },
	{ "confirm", cmd_confirm, "confirm USER CODE          activate USER's pending token with its current code", CLI_USER, 1 },
	{ "import", cmd_import, "import --format csv FILE   import hardware tokens (user,serial,secret[,...]; no user: stock)\n"
	  "  import --format pskc FILE [--psk HEXKEY | --psk-file FILE]\n"
	  "                             import a vendor's RFC 6030 PSKC file into stock", CLI_SUPER, 0 },
	{ "assign", cmd_assign, "assign SERIAL USER         give a hardware token from stock to USER", CLI_USER, 2 },
	{ "list", cmd_list, "list [USER] [--org ORG] [--json]\n"
	  "                             list tokens (never secrets), of one organisation with --org", CLI_ADMIN, 0 },
	{ "show", cmd_show, "show USER [--json]         the user's organisation, lock and tokens", CLI_USER, 1 },
	{ "revoke", cmd_revoke, "revoke USER|SERIAL         stop a token, or all of USER's, at once", CLI_USER_OR_SERIAL, 1 },
	{ "resync", cmd_resync, "resync USER CODE1 CODE2    find a drifted token's offset from two consecutive codes", CLI_USER, 1 },
	{ "recovery", cmd_recovery, "recovery USER              print 10 new single-use recovery codes (once)", CLI_USER, 1 },
	{ "audit", cmd_audit, "audit [--user USER] [--since TIME] [--json]\n"
	  "                             the audit trail: logins and admin actions\n"
	  "  audit verify               check the trail's hash chain; name the first broken entry", CLI_ADMIN, 0 },
	{ "remove", cmd_remove, "remove USER | --org ORG    take a user (or a whole organisation) away now;\n"
	  "                             data purged after removal.retention", CLI_USER, 1 },
	{ "restore", cmd_restore, "restore USER | --org ORG   undo a removal before the purge", CLI_USER, 1 },
	{ "purge", cmd_purge, "purge                      delete for good users and organisations removed longer\n"
	  "                             ago than the retention (an organisation's data key too)", CLI_SUPER, 0 },
	{ "export", cmd_export, "export USER --json         everything stored about USER (never secrets)", CLI_USER, 1 },
	{ "erase", cmd_erase, "erase USER                 delete USER's data for good, now; audit keeps a pseudonym\n"
	  "                             (its mapping to the name is what erase deletes)", CLI_USER, 1 },
	{ "admin", cmd_admin, "admin add NAME --org ORG   make NAME an admin of ORG (an org admin: of their own)", CLI_ORG, 0 },
	{ "unlock", cmd_unlock, "unlock USER                clear a user's failures and lock", CLI_USER, 1 },
	{ "migrate", cmd_migrate, "migrate                    bring the store's schema up to date", CLI_OPEN, 0 },
	{ "migrate-store", cmd_migrate_store, "migrate-store --to CONFIG  copy this store into the (empty) store of CONFIG", CLI_SUPER, 0 },
	{ "status", cmd_status, "status [--json] [--within DURATION]\n"
	  "                             health for monitoring; exit 0 OK, 1 WARNING, 2 CRITICAL", CLI_OPEN, 0 },
	{ "check-config", cmd_check_config, "check-config [-c FILE]     check a configuration (before init too): one line\n"
	  "                             per problem, FILE:LINE first; exit 0 or 1", CLI_OPEN, 0 },
};

int main(int argc, char **argv)
{
	return cli_main(argc, argv, commands, sizeof(commands) / sizeof(commands[0]));
}

/* main.c: otpgate-provision dispatches a subcommand from a table. */

#include "commands.h"

/* Each command's arguments are parsed before anything runs; scope and
 * user_arg/user_opt say which admins may run it on what (see admin.h). */
static const struct cli_command commands[] = {
	{ .name = "init", .fn = cmd_init, .scope = OG_SCOPE_OPEN,
	  .usage = "init                       create the store and, if absent, the master key" },
	{ .name = "enrol", .fn = cmd_enrol,
	  .options = "org= issuer= algorithm= digits= period= hotp qr= json",
	  .min_args = 1, .max_args = 1, .scope = OG_SCOPE_USER, .user_arg = 1,
	  .usage = "enrol USER [--org ORG] [--issuer NAME] [--algorithm SHA1|SHA256|SHA512]\n"
	  "        [--digits 6|8] [--period 30|60 | --hotp] [--qr terminal|none|png:FILE|svg:FILE]\n"
	  "        [--json]             create a pending phone-app token (TOTP, or counter-based\n"
	  "                             HOTP with --hotp), print its URI and QR" },
	{ .name = "invite", .fn = cmd_invite, .options = "org= expires= hotp json",
	  .min_args = 1, .max_args = 1, .scope = OG_SCOPE_USER, .user_arg = 1,
	  .usage = "invite USER [--org ORG] [--expires 24h] [--hotp] [--json]\n"
	  "                             a single-use invitation: USER types its code at their\n"
	  "                             next SSH login and enrols their own device (TOTP, or\n"
	  "                             HOTP with --hotp); its secret is never shown here" },
	{ .name = "invites", .fn = cmd_invites, .options = "json", .scope = OG_SCOPE_ADMIN,
	  .usage = "invites [--json]           list invitations: open, used or expired (never codes)" },
	{ .name = "revoke-invite", .fn = cmd_revoke_invite, .min_args = 1, .max_args = 1,
	  .scope = OG_SCOPE_USER, .user_arg = 1,
	  .usage = "revoke-invite USER         end USER's invitation before it is used" },
	{ .name = "confirm", .fn = cmd_confirm, .min_args = 2, .max_args = 2,
	  .scope = OG_SCOPE_USER, .user_arg = 1,
	  .usage = "confirm USER CODE          activate USER's pending token with its current code\n"
	  "                             (an HOTP token: its next code)" },
	{ .name = "import", .fn = cmd_import,
	  .options = "format= psk= psk-file= password= password-file= skip-unsupported",
	  .min_args = 1, .max_args = 1, .scope = OG_SCOPE_STORE,
	  .usage = "import --format csv FILE   import hardware tokens: user,serial,secret[,...] (no\n"
	  "                             user: stock; type totp|hotp, counter for an HOTP token)\n"
	  "  import --format pskc FILE [--psk HEXKEY | --psk-file FILE | --password PASSWORD |\n"
	  "        --password-file FILE] [--skip-unsupported]\n"
	  "                             import a vendor's RFC 6030 PSKC file into stock; with\n"
	  "                             --skip-unsupported, past the keys otpgate cannot import" },
	{ .name = "assign", .fn = cmd_assign, .min_args = 2, .max_args = 2,
	  .scope = OG_SCOPE_USER, .user_arg = 2,
	  .usage = "assign SERIAL USER         give a hardware token from stock to USER" },
	{ .name = "list", .fn = cmd_list, .options = "org= json", .max_args = 1,
	  .scope = OG_SCOPE_ADMIN, .user_arg = 1,
	  .usage = "list [USER] [--org ORG] [--json]\n"
	  "                             list tokens (never secrets), of one organisation with --org" },
	{ .name = "show", .fn = cmd_show, .options = "json", .min_args = 1, .max_args = 1,
	  .scope = OG_SCOPE_USER, .user_arg = 1,
	  .usage = "show USER [--json]         the user's organisation, lock and tokens" },
	{ .name = "revoke", .fn = cmd_revoke, .min_args = 1, .max_args = 1,
	  .scope = OG_SCOPE_USER, .user_arg = 1, .serial_ok = 1,
	  .usage = "revoke USER|SERIAL         stop a token, or all of USER's, at once" },
	{ .name = "resync", .fn = cmd_resync, .min_args = 3, .max_args = 3,
	  .scope = OG_SCOPE_USER, .user_arg = 1,
	  .usage = "resync USER CODE1 CODE2    find a drifted token's offset from two consecutive codes\n"
	  "                             (an HOTP token: set its counter after them)" },
	{ .name = "recovery", .fn = cmd_recovery, .min_args = 1, .max_args = 1,
	  .scope = OG_SCOPE_USER, .user_arg = 1,
	  .usage = "recovery USER              print 10 new single-use recovery codes (once)" },
	{ .name = "audit", .fn = cmd_audit, .options = "user= since= json",
	  .scope = OG_SCOPE_USER, .user_opt = "user",
	  .usage = "audit [--user USER] [--since TIME] [--json]\n"
	  "                             the audit trail: logins and admin actions" },
	{ .name = "audit verify", .fn = cmd_audit_verify, .scope = OG_SCOPE_STORE,
	  .usage = "audit verify               check the trail's hash chain; name the first broken entry" },
	{ .name = "remove", .fn = cmd_remove, .options = "org=", .max_args = 1,
	  .scope = OG_SCOPE_USER, .user_arg = 1,
	  .usage = "remove USER | --org ORG    take a user (or a whole organisation) away now;\n"
	  "                             data purged after removal.retention" },
	{ .name = "restore", .fn = cmd_restore, .options = "org=", .max_args = 1,
	  .scope = OG_SCOPE_USER, .user_arg = 1,
	  .usage = "restore USER | --org ORG   undo a removal before the purge" },
	{ .name = "purge", .fn = cmd_purge, .scope = OG_SCOPE_STORE,
	  .usage = "purge                      delete for good users and organisations removed longer\n"
	  "                             ago than the retention (an organisation's data key too)" },
	{ .name = "export", .fn = cmd_export, .options = "json", .min_args = 1, .max_args = 1,
	  .scope = OG_SCOPE_USER, .user_arg = 1,
	  .usage = "export USER --json         everything stored about USER (never secrets)" },
	{ .name = "erase", .fn = cmd_erase, .min_args = 1, .max_args = 1,
	  .scope = OG_SCOPE_USER, .user_arg = 1,
	  .usage = "erase USER                 delete USER's data for good, now; audit keeps a pseudonym\n"
	  "                             (its mapping to the name is what erase deletes)" },
	{ .name = "admin add", .fn = cmd_admin_add, .options = "org=", .min_args = 1, .max_args = 1,
	  .scope = OG_SCOPE_ORG,
	  .usage = "admin add NAME --org ORG   make NAME an admin of ORG (an org admin: of their own)" },
	{ .name = "unlock", .fn = cmd_unlock, .min_args = 1, .max_args = 1,
	  .scope = OG_SCOPE_USER, .user_arg = 1,
	  .usage = "unlock USER                clear a user's failures, lock and failure mode" },
	{ .name = "sessions", .fn = cmd_sessions, .options = "json", .max_args = 1,
	  .scope = OG_SCOPE_ADMIN, .user_arg = 1,
	  .usage = "sessions [USER] [--json]   open sessions on every bastion of the store" },
	{ .name = "close", .fn = cmd_close, .min_args = 1, .max_args = 1,
	  .scope = OG_SCOPE_USER, .user_arg = 1, .session_ok = 1,
	  .usage = "close ID                   end a session on this bastion (its process gets SIGHUP)" },
	{ .name = "migrate", .fn = cmd_migrate, .scope = OG_SCOPE_OPEN,
	  .usage = "migrate                    bring the store's schema up to date" },
	{ .name = "migrate-store", .fn = cmd_migrate_store, .options = "to=",
	  .scope = OG_SCOPE_STORE,
	  .usage = "migrate-store --to CONFIG  copy this store into the (empty) store of CONFIG" },
	{ .name = "status", .fn = cmd_status, .options = "json within=", .scope = OG_SCOPE_OPEN,
	  .usage_exit = 3,
	  .usage = "status [--json] [--within DURATION]\n"
	  "                             health for monitoring; exit 0 OK, 1 WARNING, 2 CRITICAL" },
	{ .name = "check-config", .fn = cmd_check_config, .options = "c=", .scope = OG_SCOPE_OPEN,
	  .usage = "check-config [-c FILE]     check a configuration (before init too): one line\n"
	  "                             per problem, FILE:LINE first; exit 0 or 1" },
};

int main(int argc, char **argv)
{
	return cli_main(argc, argv, commands, sizeof(commands) / sizeof(commands[0]));
}

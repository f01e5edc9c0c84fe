/* commands.h: the subcommands of otpgate-provision. */
#ifndef OTPGATE_PROVISION_COMMANDS_H
#define OTPGATE_PROVISION_COMMANDS_H

#include <stdio.h>

#include "cli.h"
#include "token.h"

/* A token's codes as the tools show them (tokenfmt.c), never a secret: its
 * OTP kind, algorithm and digits, then a TOTP token's period and drift or
 * an HOTP token's counter (the next code's). As JSON members
 * ("otp_kind":"totp",...), or as text ("totp SHA1 6 digits 30 s, drift 0",
 * "hotp SHA1 6 digits, counter 5"). */
#define TOKEN_OTP_LEN 160
void token_otp_json(const struct og_token *t, char *out, size_t cap);
void token_otp_text(const struct og_token *t, char *out, size_t cap);

/* Renders text as a QR code on the terminal with Unicode half blocks. */
int qr_print_terminal(const char *text, FILE *out);

/* Writes text as a QR code of kind "png" or "svg" into f, new (see
 * cli_create_file), and finishes it. 0, or -1 after an error message
 * naming path (the caller removes f). */
int qr_write_file(const char *text, const char *kind, struct og_outfile *f, const char *path);

int cmd_init(struct cli *c, const struct cli_args *a);
int cmd_enrol(struct cli *c, const struct cli_args *a);
int cmd_invite(struct cli *c, const struct cli_args *a);
int cmd_invites(struct cli *c, const struct cli_args *a);
int cmd_revoke_invite(struct cli *c, const struct cli_args *a);
int cmd_import(struct cli *c, const struct cli_args *a);
int cmd_unlock(struct cli *c, const struct cli_args *a);
int cmd_list(struct cli *c, const struct cli_args *a);
int cmd_migrate(struct cli *c, const struct cli_args *a);
int cmd_confirm(struct cli *c, const struct cli_args *a);
int cmd_revoke(struct cli *c, const struct cli_args *a);
int cmd_show(struct cli *c, const struct cli_args *a);
int cmd_audit(struct cli *c, const struct cli_args *a);
int cmd_audit_verify(struct cli *c, const struct cli_args *a);
int cmd_resync(struct cli *c, const struct cli_args *a);
int cmd_recovery(struct cli *c, const struct cli_args *a);
int cmd_assign(struct cli *c, const struct cli_args *a);
int cmd_remove(struct cli *c, const struct cli_args *a);
int cmd_restore(struct cli *c, const struct cli_args *a);
int cmd_purge(struct cli *c, const struct cli_args *a);
int cmd_export(struct cli *c, const struct cli_args *a);
int cmd_erase(struct cli *c, const struct cli_args *a);
int cmd_admin_add(struct cli *c, const struct cli_args *a);
int cmd_migrate_store(struct cli *c, const struct cli_args *a);
int cmd_status(struct cli *c, const struct cli_args *a);
int cmd_check_config(struct cli *c, const struct cli_args *a);
int cmd_sessions(struct cli *c, const struct cli_args *a);
int cmd_close(struct cli *c, const struct cli_args *a);

#endif

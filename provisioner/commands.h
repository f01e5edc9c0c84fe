/* commands.h: the subcommands of otpgate-provision. */
#ifndef OTPGATE_PROVISION_COMMANDS_H
#define OTPGATE_PROVISION_COMMANDS_H

#include <stdio.h>

#include "cli.h"

/* Renders text as a QR code on the terminal with Unicode half blocks. */
int qr_print_terminal(const char *text, FILE *out);

/* Writes text as a QR code to a new file (0600) of kind "png" or "svg". 0 or -1. */
int qr_write_file(const char *text, const char *kind, const char *path);

int cmd_init(struct cli *c, int argc, char **argv);
int cmd_enrol(struct cli *c, int argc, char **argv);
int cmd_import(struct cli *c, int argc, char **argv);
int cmd_unlock(struct cli *c, int argc, char **argv);
int cmd_list(struct cli *c, int argc, char **argv);
int cmd_migrate(struct cli *c, int argc, char **argv);
int cmd_confirm(struct cli *c, int argc, char **argv);
int cmd_revoke(struct cli *c, int argc, char **argv);
int cmd_show(struct cli *c, int argc, char **argv);
int cmd_audit(struct cli *c, int argc, char **argv);
int cmd_resync(struct cli *c, int argc, char **argv);
int cmd_recovery(struct cli *c, int argc, char **argv);
int cmd_assign(struct cli *c, int argc, char **argv);
int cmd_remove(struct cli *c, int argc, char **argv);
int cmd_restore(struct cli *c, int argc, char **argv);
int cmd_purge(struct cli *c, int argc, char **argv);
int cmd_export(struct cli *c, int argc, char **argv);
int cmd_erase(struct cli *c, int argc, char **argv);
int cmd_admin(struct cli *c, int argc, char **argv);
int cmd_migrate_store(struct cli *c, int argc, char **argv);
int cmd_status(struct cli *c, int argc, char **argv);
int cmd_check_config(struct cli *c, int argc, char **argv);

#endif

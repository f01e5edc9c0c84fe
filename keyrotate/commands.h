/* commands.h: otpgate-keyrotate's subcommands and what they share. */
#ifndef OTPGATE_KEYROTATE_COMMANDS_H
#define OTPGATE_KEYROTATE_COMMANDS_H

#include "accesskey.h"
#include "cli.h"
#include "sshkey.h"

int cmd_authorized_keys(struct cli *c, const struct cli_args *a);
int cmd_issue(struct cli *c, const struct cli_args *a);
int cmd_add(struct cli *c, const struct cli_args *a);
int cmd_rotate(struct cli *c, const struct cli_args *a);
int cmd_revoke(struct cli *c, const struct cli_args *a);
int cmd_list(struct cli *c, const struct cli_args *a);

/* Makes keys.drop_dir (0755) and, if missing, its parent (0711). 0 or -1. */
int keys_make_drop(struct cli *c);

/* cli_open, with the key registry ready for transactions. 0 or -1. */
int keys_open(struct cli *c);

/* A user's keys as the registry holds them, oldest first. */
struct user_keys {
	struct og_access_key *v;
	size_t n;
};

/* Loads user's keys (all users' when NULL). 0 or -1 after an error message. */
int keys_load(struct cli *c, const char *user, struct user_keys *out);
void keys_free(struct user_keys *k);

/*
 * Registers key as user's new current key with the given id (origin
 * "issued" or "added"), as og_access_key_register rules. row receives the
 * new record. 0, or -1 after an error message (nothing registered).
 */
int keys_register(struct cli *c, const char *id, const char *user, const struct og_sshkey *key,
		  const char *origin, int64_t now, struct og_access_key *row);

/*
 * Puts a new private key where only user can read it: DROP/USER/KEYID
 * (directory 0700 and file 0600, both owned by user). path receives the
 * file's path. 0, or -1 after an error message (no file left behind).
 */
int keys_deliver(struct cli *c, const char *user, const char *keyid, const char *pem,
		 char *path, size_t cap);

/* Removes DROP/USER/KEYID again (its key could not be registered). */
void keys_withdraw(struct cli *c, const char *user, const char *keyid);

/* Records a key action in the audit trail (syslog and store). */
void keys_audit(struct cli *c, const char *what, const char *result, const char *user,
		const char *fingerprint, const char *detail);

#endif

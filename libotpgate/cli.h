/* cli.h: what the subcommands of otpgate-provision and otpgate-keyrotate share. */
#ifndef OTPGATE_CLI_H
#define OTPGATE_CLI_H

#include "config.h"
#include "crypto.h"
#include "log.h"
#include "store.h"

struct cli {
	const char *config_path;
	struct og_config cfg;
	int cfg_loaded;
	struct og_store *st;
	struct og_log log;
	char actor[64];		/* the admin: SUDO_USER under sudo, else our login name */
	char role[16];		/* the actor's role once authorized: "superuser" or "org-admin" */
	char org[129];		/* an org admin's organisation */
};

/* Who may run a subcommand (checked by cli_main before it runs). */
enum cli_scope {
	CLI_OPEN,		/* anyone who can read the config (init, the key tools) */
	CLI_SUPER,		/* the superuser only */
	CLI_ADMIN,		/* any admin; the command limits an org admin itself */
	CLI_USER,		/* an admin of the user named by argv[user_arg] */
	CLI_USER_OR_SERIAL,	/* the same, where argv[user_arg] may be a token serial */
	CLI_ORG,		/* an admin of the organisation given with --org */
};

/* One subcommand: its name, its function, and its usage line(s) for --help. */
struct cli_command {
	const char *name;
	int (*fn)(struct cli *c, int argc, char **argv);
	const char *usage;
	enum cli_scope scope;
	int user_arg;		/* CLI_USER*: which argument names the user */
};

/* 1 if the authorized actor may manage user (the superuser: anyone; an org
 * admin: users of their organisation); refusals are printed and audited. */
int cli_may_manage(struct cli *c, const char *user, const char *what);

/*
 * A tool's main(): "[-c FILE] COMMAND [ARGS]", --help, then the command
 * from the table. Returns the exit status (2 for usage errors).
 */
int cli_main(int argc, char **argv, const struct cli_command *commands, size_t n);

/* Prints "PROGRAM: MESSAGE" to stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Loads the config and opens the store (schema checked unless for_init). */
int cli_open(struct cli *c, int for_init);
void cli_close(struct cli *c);

/* Loads the master key, printing a clear error on failure. */
int cli_master_key(struct cli *c, struct og_key *key);

/* Records an event (syslog and store) with time, actor, source and
 * service filled in; event defaults to "admin". */
void cli_audit_event(struct cli *c, struct og_audit_event *ev);
/* The two halves of cli_audit_event, for an entry the store appends itself
 * inside the change it records: fill in who, when and where; then send it
 * to syslog and the JSON-lines file. */
void cli_audit_prepare(struct cli *c, struct og_audit_event *ev);
void cli_audit_emit(struct cli *c, const struct og_audit_event *ev);

/* Records an admin action (syslog and store); what names it. */
void cli_audit(struct cli *c, const char *what, const char *result, const char *user,
	       const char *token, const char *detail);

#endif

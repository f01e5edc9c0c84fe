/*
 * cli.h: what the subcommands of otpgate-provision and otpgate-keyrotate
 * share: the command table and its parsing, who runs a command and on
 * what (the core decides, admin.h), prompts, exit codes, the audit of
 * their actions. The tools' own part, apart from the core library.
 */
#ifndef OTPGATE_CLI_H
#define OTPGATE_CLI_H

#include "admin.h"
#include "config.h"
#include "crypto.h"
#include "log.h"
#include "outfile.h"
#include "store.h"

struct cli {
	const char *config_path;
	struct og_config cfg;
	int cfg_loaded;
	struct og_store *st;
	struct og_log log;
	char actor[OG_ADMIN_MAX + 1];		/* the admin: SUDO_USER under sudo, else our login name */
	struct og_admin admin;	/* the actor as an admin, once authorized (role "" before) */
};

#define CLI_MAX_ARGS 4		/* positional arguments of a subcommand */
#define CLI_MAX_OPTS 8		/* options of a subcommand */

/*
 * A subcommand's arguments, parsed once, before anything is checked: the
 * scope check sees exactly what the command then acts on, whatever the
 * spelling (--org X, --org=X, an abbreviation such as --or=X, options
 * after the operands). An option given twice is refused.
 */
struct cli_args {
	int n;				/* positional arguments */
	const char *arg[CLI_MAX_ARGS];
	int nopts;
	struct {
		char name[24];
		int takes_value;
		const char *value;	/* NULL: not given; "" for a flag given */
	} opt[CLI_MAX_OPTS];
};

/* The value of option name ("" for a flag given), or NULL when not given. */
const char *cli_opt(const struct cli_args *a, const char *name);

/* 1 if option name was given. */
int cli_flag(const struct cli_args *a, const char *name);

/* One subcommand: its name, its function, its usage line(s) for --help,
 * what it takes, and who may run it on what. */
struct cli_command {
	const char *name;	/* one word, or two ("admin add", "audit verify") */
	int (*fn)(struct cli *c, const struct cli_args *a);
	const char *usage;
	const char *options;	/* "org= qr= json": --org VALUE, --qr VALUE and the flag
				 * --json ("c=": a one-letter name is -c VALUE); NULL:
				 * none, every argument is positional */
	int min_args, max_args;	/* how many positional arguments */
	enum og_scope scope;
	int user_arg;		/* the positional argument (1: the first) naming the user
				 * acted on; 0: none */
	const char *user_opt;	/* or the option that names it */
	int serial_ok;		/* the user argument may be a token serial instead */
	int session_ok;		/* the user argument is a session id, standing for its user */
	int usage_exit;		/* the exit status of a usage error; 0: 2 */
};

/* Parses a subcommand's arguments (argv[0]: its last word) as cmd declares
 * them. 0, or -1 after printing a one-line usage error. */
int cli_parse(const struct cli_command *cmd, int argc, char **argv, struct cli_args *a);

/*
 * A tool's main(): "[-c FILE] COMMAND [ARGS]", --help, then the command
 * from the table: its arguments parsed; for a scope other than
 * OG_SCOPE_OPEN the store opened and the actor authorized on what was
 * parsed (og_admin_may), with a step-up code from an org admin; then the
 * command. Returns the exit status (2 for usage errors).
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

/*
 * Creates a file named on the command line (O_EXCL, no symbolic link on
 * the way, see og_outfile_create) with mode: for an org admin with their
 * own identity (SUDO_USER's, which must be SUDO_UID's when that is set),
 * otherwise with the tool's. Refusals are printed. OG_OK or an error.
 */
int cli_create_file(struct cli *c, const char *path, mode_t mode, struct og_outfile *f);

/* Records an admin action (syslog and store); what names it. */
void cli_audit(struct cli *c, const char *what, const char *result, const char *user,
	       const char *token, const char *detail);

#endif

/* cli.c: config, store, master key and audit for the subcommands. */
#include <errno.h>
#include <openssl/crypto.h>
#include <getopt.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "err.h"
#include "token.h"
#include "util.h"
#include "version.h"

void cli_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", program_invocation_short_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void log_to_stderr(void *ctx, int prio, const char *msg)
{
	(void)ctx;
	if (prio <= LOG_WARNING)
		cli_error("%s", msg);
}

static void find_actor(struct cli *c)
{
	const char *sudo = getenv("SUDO_USER");
	struct passwd *pw;

	if (getuid() == 0 && sudo != NULL && *sudo != '\0')
		snprintf(c->actor, sizeof(c->actor), "%s", sudo);
	else if ((pw = getpwuid(getuid())) != NULL)
		snprintf(c->actor, sizeof(c->actor), "%s", pw->pw_name);
	else
		snprintf(c->actor, sizeof(c->actor), "uid:%u", (unsigned)getuid());
}

int cli_open(struct cli *c, int for_init)
{
	char err[512];
	int r;

	if (c->st != NULL)
		return OG_OK;	/* cli_main opened it already, to authorize */
	c->log.fn = log_to_stderr;
	find_actor(c);
	if ((r = og_config_load(c->config_path, &c->cfg, err, sizeof(err), &c->log)) != OG_OK) {
		cli_error("%s", err);
		return r;
	}
	c->cfg_loaded = 1;
	/* the store logs the cause itself, as one line */
	if ((r = og_store_open(&c->cfg, &c->log, for_init, &c->st)) == OG_ERR_NOMEM)
		cli_error("store %s: %s", og_config_store_name(&c->cfg), og_strerror(r));
	return r;
}

void cli_close(struct cli *c)
{
	og_store_close(c->st);
	c->st = NULL;
	if (c->cfg_loaded)
		og_config_free(&c->cfg);
	c->cfg_loaded = 0;
}

int cli_master_key(struct cli *c, struct og_key *key)
{
	int r = og_master_key_load(c->cfg.master_key, key, &c->log);

	if (r != OG_OK)
		cli_error("master key %s: %s", c->cfg.master_key, og_strerror(r));
	return r;
}

void cli_audit_prepare(struct cli *c, struct og_audit_event *ev)
{
	ev->ts = (int64_t)time(NULL);
	ev->event = ev->event ? ev->event : "admin";
	ev->source = "local";
	ev->service = program_invocation_short_name;
	ev->actor = c->actor;
	ev->syslog_only = !c->cfg.audit_store;
}

void cli_audit_emit(struct cli *c, const struct og_audit_event *ev)
{
	if (c->cfg.audit_syslog)
		og_audit_syslog(ev, NULL);
	if (c->cfg.audit_jsonl != NULL)
		og_audit_jsonl_append(c->cfg.audit_jsonl, ev, &c->log);
}

void cli_audit_event(struct cli *c, struct og_audit_event *ev)
{
	cli_audit_prepare(c, ev);
	cli_audit_emit(c, ev);
	if (c->st != NULL && og_store_audit_add(c->st, ev) != OG_OK)
		cli_error("warning: audit row for '%s' not stored", ev->reason);
}

void cli_audit(struct cli *c, const char *what, const char *result, const char *user,
	       const char *token, const char *detail)
{
	struct og_audit_event ev = {
		.result = result, .reason = what, .user = user, .token = token, .detail = detail,
	};

	cli_audit_event(c, &ev);
}

static int forbidden(struct cli *c, const char *what, const char *user, const char *why)
{
	cli_error("%s: %s", what, why);
	cli_audit(c, what, "failure", user, NULL, "forbidden");
	return 0;
}

/* The organisation of user for an org admin's check: the stored one, or
 * the --org being given to a user not yet in the store. */
static void target_org(struct cli *c, const char *user, const char *org_opt, char out[129])
{
	struct og_user_state us;

	out[0] = '\0';
	if (og_store_user_state(c->st, user, &us) == OG_OK && us.known)
		og_copy(out, 129, us.org);
	else if (org_opt != NULL)
		og_copy(out, 129, org_opt);
	og_user_state_wipe(&us);
}

int cli_may_manage(struct cli *c, const char *user, const char *what)
{
	char org[129];

	if (strcmp(c->role, "superuser") == 0)
		return 1;
	target_org(c, user, NULL, org);
	if (strcmp(org, c->org) != 0)
		return forbidden(c, what, user, "that user is not in your organisation");
	return 1;
}

/* Reads the admin's code: from the terminal without echo, or a stdin line. */
static int read_code(const char *who, char *out, size_t cap)
{
	char *p = NULL;

	if (isatty(STDIN_FILENO)) {
		fprintf(stderr, "step-up: verification code for %s: ", who);
		p = getpass("");
		if (p == NULL)
			return -1;
		og_copy(out, cap, p);
		OPENSSL_cleanse(p, strlen(p));
	} else if (fgets(out, (int)cap, stdin) == NULL) {
		return -1;
	}
	out[strcspn(out, "\r\n")] = '\0';
	return 0;
}

/*
 * Step-up: an org admin proves presence with their own current code before
 * a privileged action; the code is spent like a login's (no replay).
 */
static int step_up(struct cli *c, const char *what)
{
	struct og_user_state us;
	struct og_key master;
	char code[16] = "";
	int64_t now = (int64_t)time(NULL), step = 0, drift = 0;
	int i, ok = 0;

	if (og_store_user_state(c->st, c->actor, &us) != OG_OK || us.ntokens == 0) {
		og_user_state_wipe(&us);
		return forbidden(c, what, c->actor, "step-up needs your own active token");
	}
	if (read_code(c->actor, code, sizeof(code)) != 0 || cli_master_key(c, &master) != OG_OK) {
		og_user_state_wipe(&us);
		return forbidden(c, what, c->actor, "no step-up code");
	}
	i = og_token_match(&master, us.tokens, us.ntokens, now, c->cfg.window, code, &step, &drift,
			   &c->log);
	if (i >= 0 && step > us.tokens[i].last_step) {
		struct og_audit_event ev = {
			.ts = now, .event = "admin", .result = "success", .reason = "step-up",
			.user = c->actor, .source = "local", .service = program_invocation_short_name,
			.token = us.tokens[i].serial, .actor = c->actor,
		};
		ok = og_store_login_accept(c->st, us.tokens[i].id, step, drift, us.has_failures,
					   &ev) == OG_OK;
	}
	og_key_wipe(&master);
	og_user_state_wipe(&us);
	OPENSSL_cleanse(code, sizeof(code));
	return ok ? 1 : forbidden(c, what, c->actor, "step-up code refused");
}

/* The --org option's value in argv, or NULL. */
static const char *org_option(int argc, char **argv)
{
	for (int i = 1; i + 1 < argc; i++) {
		if (strcmp(argv[i], "--org") == 0)
			return argv[i + 1];
	}
	return NULL;
}

/* Checks the actor against the command's scope; 1 if it may run. */
static int authorize(struct cli *c, const struct cli_command *cmd, int argc, char **argv)
{
	const char *user = cmd->user_arg < argc ? argv[cmd->user_arg] : NULL;
	const char *org_opt = org_option(argc, argv);
	struct og_token t;
	char org[129];
	int64_t removed;

	if (og_store_admin_get(c->st, c->actor, c->role, c->org) != OG_OK)
		return forbidden(c, cmd->name, NULL, "you are not an otpgate admin (see 'admin add')");
	if (strcmp(c->role, "superuser") == 0)
		return 1;
	if (og_store_org_removed(c->st, c->org, &removed) != OG_OK || removed)
		return forbidden(c, cmd->name, NULL, "your organisation is removed");
	if (cmd->scope == CLI_SUPER)
		return forbidden(c, cmd->name, NULL, "only the superuser may do this");
	if (cmd->scope == CLI_USER_OR_SERIAL && user != NULL &&
	    og_store_token_get(c->st, user, &t) == OG_OK && t.user[0] != '\0')
		user = t.user;
	if ((cmd->scope == CLI_USER || cmd->scope == CLI_USER_OR_SERIAL) && user != NULL) {
		target_org(c, user, org_opt, org);
		if (strcmp(org, c->org) != 0)
			return forbidden(c, cmd->name, user, "that user is not in your organisation");
	}
	if (org_opt != NULL && strcmp(org_opt, c->org) != 0)
		return forbidden(c, cmd->name, user, "that is not your organisation");
	return step_up(c, cmd->name);
}

static void usage(FILE *out, const struct cli_command *commands, size_t n)
{
	fprintf(out, "usage: %s [-c FILE] COMMAND [ARGS]\n\n"
		     "  -c FILE   configuration (default " OG_DEFAULT_CONFIG ")\n"
		     "  --version the release and the plugin directory\n\ncommands:\n",
		program_invocation_short_name);
	for (size_t i = 0; i < n; i++)
		fprintf(out, "  %s\n", commands[i].usage);
}

int cli_main(int argc, char **argv, const struct cli_command *commands, size_t n)
{
	struct cli c = { .config_path = OG_DEFAULT_CONFIG };
	int i = 1, r;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-c") == 0 && i + 1 < argc) {
			c.config_path = argv[++i];
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout, commands, n);
			return 0;
		} else if (strcmp(argv[i], "--version") == 0) {
			printf("%s %s\nplugin directory: %s\n", program_invocation_short_name,
			       OTPGATE_VERSION, og_store_plugin_dir());
			return 0;
		} else {
			cli_error("unknown option '%.64s' (see --help)", argv[i]);
			return 2;
		}
	}
	if (i >= argc) {
		usage(stderr, commands, n);
		return 2;
	}
	for (size_t k = 0; k < n; k++) {
		if (strcmp(argv[i], commands[k].name) == 0) {
			if (commands[k].scope != CLI_OPEN &&
			    (cli_open(&c, 0) != OG_OK || !authorize(&c, &commands[k], argc - i, argv + i))) {
				cli_close(&c);
				return 1;
			}
			optind = 1;
			r = commands[k].fn(&c, argc - i, argv + i);
			cli_close(&c);
			return r;
		}
	}
	cli_error("unknown command '%.64s' (see --help)", argv[i]);
	return 2;
}

/* cli.c: config, store, master key and audit for the subcommands; who runs
 * them, checked on their parsed arguments; files they name. */
#include <errno.h>
#include <openssl/crypto.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "err.h"
#include "message.h"
#include "spool.h"
#include "stepup.h"
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
	/* rows spooled while the store was away go in now, oldest first */
	if (r == OG_OK && !for_init)
		og_spool_flush(c->cfg.store_spool, c->st, &c->log);
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

/* The tools audit as the module does (og_audit_emit), to syslog itself
 * rather than the tool's stderr. */
static struct og_auditor auditor(struct cli *c)
{
	return (struct og_auditor){ &c->cfg, c->st, &c->log, NULL };
}

void cli_audit_emit(struct cli *c, const struct og_audit_event *ev)
{
	const struct og_auditor a = auditor(c);

	if (c->cfg_loaded)
		og_audit_emit(&a, ev, 1);
}

void cli_audit_event(struct cli *c, struct og_audit_event *ev)
{
	const struct og_auditor a = auditor(c);

	cli_audit_prepare(c, ev);
	if (c->cfg_loaded && og_audit_emit(&a, ev, 0) == OG_ERR_STORE)
		cli_error("warning: audit row for '%s' not stored now; it waits in the spool",
			  ev->reason);
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

/* The org admin's identity: SUDO_USER's entry in the user database, which
 * must be SUDO_UID's when sudo set that. */
static int admin_ident(struct cli *c, struct og_ident *id)
{
	const char *sudo_uid = getenv("SUDO_UID");
	int64_t uid;

	if (og_outfile_ident_of(c->actor, id) != OG_OK) {
		cli_error("cannot write files as %s: not a local user", c->actor);
		return OG_ERR_NOTFOUND;
	}
	if (sudo_uid != NULL && getuid() == 0 &&
	    (og_parse_int(sudo_uid, 0, UINT32_MAX, &uid) != OG_OK || (uid_t)uid != id->uid)) {
		cli_error("cannot write files as %s: SUDO_UID %.16s is not theirs", c->actor, sudo_uid);
		og_outfile_ident_free(id);
		return OG_ERR_UNSAFE;
	}
	return OG_OK;
}

int cli_create_file(struct cli *c, const char *path, mode_t mode, struct og_outfile *f)
{
	struct og_ident id;
	int r;

	*f = (struct og_outfile)OG_OUTFILE_INIT;
	if (!og_admin_writes_as_self(&c->admin))
		return og_outfile_create(f, path, mode, NULL, &c->log);
	if ((r = admin_ident(c, &id)) != OG_OK)
		return r;
	r = og_outfile_create(f, path, mode, &id, &c->log);
	og_outfile_ident_free(&id);
	return r;
}

/* Reads the admin's code (what: "verification code", "next verification
 * code"): from the terminal without echo, or a stdin line. */
static int read_code(const char *what, const char *who, char *out, size_t cap)
{
	char *p = NULL;

	if (isatty(STDIN_FILENO)) {
		fprintf(stderr, "step-up: %s for %s: ", what, who);
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

/* Failure mode: the code the admin's token shows next, and when it came. */
static int read_next_code(void *arg, char *out, size_t cap, int64_t *at)
{
	struct cli *c = arg;

	if (isatty(STDIN_FILENO))
		fprintf(stderr, "%s\n", OG_MESSAGE_NEXT_CODE);
	if (read_code("next verification code", c->actor, out, cap) != 0)
		return -1;
	*at = (int64_t)time(NULL);
	return 0;
}

static const char *step_up_refusal(const struct og_step_up *su, enum og_verdict v)
{
	if (strcmp(su->reason, "locked") == 0)
		return "you are locked (the superuser can unlock you)";
	if (v == OG_DENY_LOCKED)
		return "step-up code refused; you are now locked (the superuser can unlock you)";
	if (strcmp(su->reason, "bad-code") == 0 || strcmp(su->reason, "replay") == 0 ||
	    strcmp(su->reason, "bad-next-code") == 0)
		return "step-up code refused";
	if (strcmp(su->reason, "no-code") == 0)
		return "you are in failure mode: step-up needs the code your device shows next too";
	if (v == OG_UNAVAIL)
		return "step-up cannot be checked now (see the error above)";
	return "step-up needs your own active token";
}

/*
 * Step-up: an org admin proves presence with their own current code before
 * a privileged action: a login attempt in the core's terms (og_step_up),
 * counted and locked like one.
 */
static int step_up(struct cli *c, const char *what)
{
	const struct og_auditor aud = auditor(c);
	struct og_step_up su = { .admin = c->actor, .action = what, .audit = &aud,
				 .next_code = read_next_code, .next_arg = c };
	char code[16] = "";
	enum og_verdict v;

	if (read_code("verification code", c->actor, code, sizeof(code)) != 0)
		return forbidden(c, what, c->actor, "no step-up code");
	su.ev.event = "step-up";
	cli_audit_prepare(c, &su.ev);
	v = og_step_up(c->st, &c->cfg, &c->log, &su, code);
	OPENSSL_cleanse(code, sizeof(code));
	return v == OG_ALLOW ? 1 : forbidden(c, what, c->actor, step_up_refusal(&su, v));
}

/* What the command names, as parsed: the user and organisation it acts on. */
static void target_of(const struct cli_command *cmd, const struct cli_args *a,
		      struct og_target *t)
{
	t->user = NULL;
	if (cmd->user_arg > 0 && cmd->user_arg <= a->n)
		t->user = a->arg[cmd->user_arg - 1];
	else if (cmd->user_opt != NULL)
		t->user = cli_opt(a, cmd->user_opt);
	t->user_may_be_serial = cmd->serial_ok;
	t->user_is_session = cmd->session_ok;
	t->org = cli_opt(a, "org");
}

/* Checks the actor against the command's scope, on its parsed arguments;
 * 1 if it may run. */
static int authorize(struct cli *c, const struct cli_command *cmd, const struct cli_args *a)
{
	struct og_target t;
	char why[400], what[32], *sp;

	/* "admin add" is audited as admin-add, as the command records it */
	og_copy(what, sizeof(what), cmd->name);
	if ((sp = strchr(what, ' ')) != NULL)
		*sp = '-';
	target_of(cmd, a, &t);
	if (og_admin_load(c->st, c->actor, &c->admin, why, sizeof(why)) != OG_OK ||
	    og_admin_may(c->st, &c->admin, cmd->scope, &t, why, sizeof(why)) != OG_OK) {
		c->admin.role[0] = '\0';
		return forbidden(c, what, t.user && og_is_safe_name(t.user, OG_USER_MAX) ? t.user : NULL,
				 why);
	}
	return og_admin_needs_step_up(&c->admin) ? step_up(c, what) : 1;
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

/* The command argv names, one word or two; *words: how many it took (or,
 * when none matched, how many name what was asked for). */
static const struct cli_command *find_command(int argc, char **argv,
					      const struct cli_command *commands, size_t n,
					      int *words)
{
	const struct cli_command *one = NULL;
	int first = 0;

	for (size_t k = 0; k < n; k++) {
		const char *name = commands[k].name, *sp = strchr(name, ' ');
		if (sp == NULL) {
			if (strcmp(argv[0], name) == 0)
				one = &commands[k];
			continue;
		}
		if (strncmp(argv[0], name, (size_t)(sp - name)) != 0 || argv[0][sp - name] != '\0')
			continue;
		first = 1;
		if (argc > 1 && strcmp(argv[1], sp + 1) == 0) {
			*words = 2;
			return &commands[k];
		}
	}
	*words = one == NULL && first && argc > 1 ? 2 : 1;
	return one;
}

int cli_main(int argc, char **argv, const struct cli_command *commands, size_t n)
{
	struct cli c = { .config_path = OG_DEFAULT_CONFIG };
	const struct cli_command *cmd;
	struct cli_args args;
	int i = 1, words, r;

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
	if ((cmd = find_command(argc - i, argv + i, commands, n, &words)) == NULL) {
		cli_error("unknown command '%.64s%s%.64s' (see --help)", argv[i],
			  words == 2 ? " " : "", words == 2 ? argv[i + 1] : "");
		return 2;
	}
	i += words - 1;
	if (cli_parse(cmd, argc - i, argv + i, &args) != 0)
		return cmd->usage_exit ? cmd->usage_exit : 2;
	if (cmd->scope != OG_SCOPE_OPEN &&
	    (cli_open(&c, 0) != OG_OK || !authorize(&c, cmd, &args))) {
		cli_close(&c);
		return 1;
	}
	r = cmd->fn(&c, &args);
	cli_close(&c);
	return r;
}

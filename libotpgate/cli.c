/* cli.c: config, store, master key and audit for the subcommands. */
#include <errno.h>
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

void cli_audit_event(struct cli *c, struct og_audit_event *ev)
{
	ev->ts = (int64_t)time(NULL);
	ev->event = ev->event ? ev->event : "admin";
	ev->source = "local";
	ev->service = program_invocation_short_name;
	ev->actor = c->actor;
	ev->syslog_only = !c->cfg.audit_store;
	if (c->cfg.audit_syslog)
		og_audit_syslog(ev, NULL);
	if (c->cfg.audit_jsonl != NULL)
		og_audit_jsonl_append(c->cfg.audit_jsonl, ev, &c->log);
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

static void usage(FILE *out, const struct cli_command *commands, size_t n)
{
	fprintf(out, "usage: %s [-c FILE] COMMAND [ARGS]\n\n"
		     "  -c FILE   configuration (default " OG_DEFAULT_CONFIG ")\n\ncommands:\n",
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
			optind = 1;
			r = commands[k].fn(&c, argc - i, argv + i);
			cli_close(&c);
			return r;
		}
	}
	cli_error("unknown command '%.64s' (see --help)", argv[i]);
	return 2;
}

/*
 * cliargs.c: a subcommand's command line, parsed once into struct
 * cli_args with getopt_long, before the scope check and the command both
 * read it: what is checked is what is acted on.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "err.h"
#include "util.h"

/* Fills a->opt from a spec such as "org= qr= json" (a name of one letter,
 * "c=", is the short option -c). */
static int read_spec(const char *spec, struct cli_args *a)
{
	char buf[256], *save = NULL, *w;

	if (og_copy(buf, sizeof(buf), spec) != OG_OK)
		return -1;
	for (w = strtok_r(buf, " ", &save); w != NULL; w = strtok_r(NULL, " ", &save)) {
		size_t len = strlen(w);
		int takes = len > 1 && w[len - 1] == '=';
		if (a->nopts == CLI_MAX_OPTS)
			return -1;
		if (takes)
			w[len - 1] = '\0';
		if (og_copy(a->opt[a->nopts].name, sizeof(a->opt[0].name), w) != OG_OK)
			return -1;
		a->opt[a->nopts++].takes_value = takes;
	}
	return 0;
}

static int add_arg(const char *cmd, struct cli_args *a, const char *arg)
{
	if (a->n == CLI_MAX_ARGS)
		return cli_error("%s: too many arguments (see --help)", cmd), -1;
	a->arg[a->n++] = arg;
	return 0;
}

static int is_short(const struct cli_args *a, int i)
{
	return a->opt[i].name[0] != '\0' && a->opt[i].name[1] == '\0';
}

/* The option as typed: "--org", or "-c". */
static const char *dashes(const struct cli_args *a, int i)
{
	return is_short(a, i) ? "-" : "--";
}

/* The option getopt_long returned as ch: its index, or -1. */
static int option_index(const struct cli_args *a, int ch)
{
	for (int i = 0; i < a->nopts; i++) {
		if (is_short(a, i) ? ch == a->opt[i].name[0] : ch == i + 2)
			return i;
	}
	return -1;
}

/* getopt_long over the declared options. "-": operands come back in
 * order as option 1, whatever POSIXLY_CORRECT says; ":": a missing value
 * comes back as ':'. Long option i comes back as i + 2, a short one as
 * its letter. */
static int read_options(const char *cmd, int argc, char **argv, struct cli_args *a)
{
	struct option lo[CLI_MAX_OPTS + 1];
	char shorts[3 + 2 * CLI_MAX_OPTS] = "-:";
	size_t ns = 2;
	int ch, i, nlong = 0;

	memset(lo, 0, sizeof(lo));
	for (i = 0; i < a->nopts; i++) {
		if (is_short(a, i)) {
			shorts[ns++] = a->opt[i].name[0];
			if (a->opt[i].takes_value)
				shorts[ns++] = ':';
			continue;
		}
		lo[nlong].name = a->opt[i].name;
		lo[nlong].has_arg = a->opt[i].takes_value ? required_argument : no_argument;
		lo[nlong++].val = i + 2;
	}
	shorts[ns] = '\0';
	opterr = 0;
	optind = 0;	/* glibc: start afresh */
	while ((ch = getopt_long(argc, argv, shorts, lo, NULL)) != -1) {
		if (ch == 1) {
			if (add_arg(cmd, a, optarg) != 0)
				return -1;
			continue;
		}
		if (ch == ':')
			return cli_error("%s: option '%.64s' needs a value", cmd, argv[optind - 1]), -1;
		if (ch == '?' && optopt >= 2 && optopt < a->nopts + 2)
			return cli_error("%s: --%s takes no value", cmd, a->opt[optopt - 2].name), -1;
		if (ch == '?' || (i = option_index(a, ch)) < 0)
			return cli_error("%s: unknown option '%.64s' (see --help)", cmd,
					 argv[optind - 1]), -1;
		if (a->opt[i].value != NULL)
			return cli_error("%s: %s%s given more than once", cmd, dashes(a, i),
					 a->opt[i].name), -1;
		a->opt[i].value = a->opt[i].takes_value ? optarg : "";
	}
	for (; optind < argc; optind++) {	/* after "--" */
		if (add_arg(cmd, a, argv[optind]) != 0)
			return -1;
	}
	return 0;
}

/* The synopsis at the start of a usage text: up to two spaces or a newline. */
static size_t synopsis_len(const char *usage)
{
	const char *two = strstr(usage, "  ");
	size_t n = strcspn(usage, "\n");

	return two != NULL && (size_t)(two - usage) < n ? (size_t)(two - usage) : n;
}

int cli_parse(const struct cli_command *cmd, int argc, char **argv, struct cli_args *a)
{
	memset(a, 0, sizeof(*a));
	if (cmd->options != NULL && read_spec(cmd->options, a) != 0)
		return cli_error("%s: bad option table", cmd->name), -1;
	if (cmd->options != NULL && read_options(cmd->name, argc, argv, a) != 0)
		return -1;
	for (int i = 1; cmd->options == NULL && i < argc; i++) {
		if (add_arg(cmd->name, a, argv[i]) != 0)
			return -1;
	}
	if (a->n < cmd->min_args || a->n > cmd->max_args)
		return cli_error("usage: %s %.*s (see --help)", program_invocation_short_name,
				 (int)synopsis_len(cmd->usage), cmd->usage), -1;
	return 0;
}

const char *cli_opt(const struct cli_args *a, const char *name)
{
	for (int i = 0; i < a->nopts; i++) {
		if (strcmp(a->opt[i].name, name) == 0)
			return a->opt[i].value;
	}
	return NULL;
}

int cli_flag(const struct cli_args *a, const char *name)
{
	return cli_opt(a, name) != NULL;
}

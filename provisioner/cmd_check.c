/*
 * cmd_check.c: check-config [-c FILE]: a configuration checked before it
 * is used (an edit before logging out, a new bastion before init). Needs
 * no store and no admin role.
 */
#include <stdio.h>

#include "commands.h"
#include "confcheck.h"

static void print_finding(void *arg, int problem, const char *line)
{
	(void)arg;
	(void)problem;
	printf("%s\n", line);
}

/* check-config [-c FILE]: the -c after the command names the file as the
 * global one does (and wins over it). Scope OG_SCOPE_OPEN: cli_main opens
 * no store for it, the check only probes one. */
int cmd_check_config(struct cli *c, const struct cli_args *a)
{
	const char *path = cli_opt(a, "c") ? cli_opt(a, "c") : c->config_path;
	int problems;

	problems = og_config_check(path, print_finding, NULL);
	if (problems > 0)
		printf("%s: %d problem%s\n", path, problems, problems == 1 ? "" : "s");
	else
		printf("%s: ok\n", path);
	return problems > 0 ? 1 : 0;
}

/*
 * cmd_check.c: check-config [-c FILE]: a configuration checked before it
 * is used (an edit before logging out, a new bastion before init). Needs
 * no store and no admin role.
 */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "confcheck.h"

static void print_finding(void *arg, int problem, const char *line)
{
	(void)arg;
	(void)problem;
	printf("%s\n", line);
}

int cmd_check_config(struct cli *c, int argc, char **argv)
{
	const char *path = c->config_path;
	int problems;

	if (argc == 3 && strcmp(argv[1], "-c") == 0)
		path = argv[2];
	else if (argc != 1)
		return cli_error("usage: otpgate-provision check-config [-c FILE]"), 2;
	problems = og_config_check(path, print_finding, NULL);
	if (problems > 0)
		printf("%s: %d problem%s\n", path, problems, problems == 1 ? "" : "s");
	else
		printf("%s: ok\n", path);
	return problems > 0 ? 1 : 0;
}

/*
 * cmd_user.c: two-stage removal, as the customers' policies promise:
 * remove takes a user away at once (logins refused), restore undoes a
 * mistaken removal, and purge deletes for good the data of users removed
 * longer than removal.retention ago.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "err.h"
#include "util.h"

static int remove_or_restore(struct cli *c, int argc, char **argv, int remove)
{
	const char *what = remove ? "remove" : "restore";
	int r;

	if (argc != 2 || !og_is_safe_name(argv[1], 256))
		return cli_error("usage: otpgate-provision %s USER", what), 2;
	if (cli_open(c, 0) != OG_OK)
		return 1;
	r = og_store_user_remove(c->st, argv[1], remove ? (int64_t)time(NULL) : 0);
	if (r == OG_ERR_NOTFOUND)
		return cli_error(remove ? "no user %s, or already removed" : "%s is not removed", argv[1]), 1;
	if (r != OG_OK)
		return cli_error("cannot %s %s", what, argv[1]), 1;
	cli_audit(c, what, "success", argv[1], NULL, NULL);
	if (remove)
		printf("removed %s: logins refused now; data purged after %lld days unless restored\n",
		       argv[1], (long long)(c->cfg.removal_retention / 86400));
	else
		printf("restored %s\n", argv[1]);
	return 0;
}

int cmd_remove(struct cli *c, int argc, char **argv)
{
	return remove_or_restore(c, argc, argv, 1);
}

int cmd_restore(struct cli *c, int argc, char **argv)
{
	return remove_or_restore(c, argc, argv, 0);
}

int cmd_purge(struct cli *c, int argc, char **argv)
{
	int64_t purged = 0;
	char detail[64];

	(void)argv;
	if (argc != 1)
		return cli_error("usage: otpgate-provision purge"), 2;
	if (cli_open(c, 0) != OG_OK)
		return 1;
	if (og_store_purge(c->st, (int64_t)time(NULL) - c->cfg.removal_retention, &purged) != OG_OK)
		return cli_error("purge failed; nothing deleted"), 1;
	snprintf(detail, sizeof(detail), "%lld users", (long long)purged);
	cli_audit(c, "purge", "success", NULL, NULL, detail);
	printf("purged %lld users removed more than %lld days ago\n", (long long)purged,
	       (long long)(c->cfg.removal_retention / 86400));
	return 0;
}

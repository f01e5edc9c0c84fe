/* cmd_init.c: create the store schema and, if absent, the master key. */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "err.h"

/* Creates the parent directory of path (one level) with mode 0700 if missing. */
static int make_parent(const char *path)
{
	char buf[4096];

	snprintf(buf, sizeof(buf), "%s", path);
	char *dir = dirname(buf);
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		cli_error("%s: cannot create directory: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

static void quiet(void *ctx, int prio, const char *msg)
{
	(void)ctx;
	(void)prio;
	(void)msg;
}

int cmd_init(struct cli *c, int argc, char **argv)
{
	struct og_key key;
	og_log_fn fn;
	int r, created = 0, had_store;

	(void)argv;
	if (argc != 1) {
		cli_error("usage: otpgate-provision init");
		return 2;
	}
	if (og_config_load(c->config_path, &c->cfg, (char[512]){ 0 }, 512, NULL) == OG_OK) {
		if ((strcmp(c->cfg.store_backend, "sqlite") == 0 && make_parent(c->cfg.store_path)) ||
		    make_parent(c->cfg.master_key) || make_parent(c->cfg.store_spool))
			return 1;
		og_config_free(&c->cfg);
	}
	if (cli_open(c, 1) != OG_OK)
		return 1;
	fn = c->log.fn;
	c->log.fn = quiet;	/* a fresh store has no schema yet: not an error here */
	had_store = og_store_check_schema(c->st) == OG_OK;
	c->log.fn = fn;
	if (access(c->cfg.master_key, F_OK) != 0) {
		if (had_store) {
			cli_error("%s is missing but the store %s already holds data sealed under "
				  "it; restore the key instead of creating a new one",
				  c->cfg.master_key, og_config_store_name(&c->cfg));
			return 1;
		}
		if ((r = og_master_key_create(c->cfg.master_key)) != OG_OK) {
			cli_error("%s: cannot create master key: %s", c->cfg.master_key,
				  og_strerror(r));
			return 1;
		}
		created = 1;
	}
	if (cli_master_key(c, &key) != OG_OK)
		return 1;
	og_key_wipe(&key);
	if ((r = og_store_init(c->st)) != OG_OK) {
		cli_error("store %s: cannot create schema: %s", og_config_store_name(&c->cfg), og_strerror(r));
		return 1;
	}
	cli_audit(c, "init", "success", NULL, NULL, created ? "master key created" : NULL);
	printf("store: %s (ready)\nmaster key: %s (%s)\n", og_config_store_name(&c->cfg), c->cfg.master_key,
	       created ? "created, mode 0400" : "kept");
	return 0;
}

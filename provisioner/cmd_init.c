/* cmd_init.c: create the store schema and, if absent, the master key. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#include "commands.h"
#include "err.h"

/*
 * Creates the parent directory of path (one level) with mode if missing.
 * A directory the key reader or users must pass through (mode 0711) is
 * opened up from 0700 if an earlier init made it so.
 */
static int make_parent(const char *path, mode_t mode)
{
	char buf[4096];
	struct stat st;

	snprintf(buf, sizeof(buf), "%s", path);
	char *dir = dirname(buf);
	if (mkdir(dir, mode) != 0 && errno != EEXIST) {
		cli_error("%s: cannot create directory: %s", dir, strerror(errno));
		return -1;
	}
	if (mode == 0711 && lstat(dir, &st) == 0 && S_ISDIR(st.st_mode) &&
	    (st.st_mode & 07777) == 0700 && chmod(dir, 0711) != 0) {
		cli_error("%s: cannot open the directory for the key reader: %s", dir,
			  strerror(errno));
		return -1;
	}
	return 0;
}

#define READER_USER "otpgate"	/* sshd's AuthorizedKeysCommandUser */

/* Creates the system user the key reader runs as, if missing. */
static int ensure_reader_user(void)
{
	char *const argv[] = { "useradd", "--system", "--no-create-home", "--home-dir",
			       "/nonexistent", "--shell", "/usr/sbin/nologin", READER_USER, NULL };
	pid_t pid;
	int status;

	if (getpwnam(READER_USER) != NULL)
		return 0;
	if (posix_spawnp(&pid, "useradd", NULL, NULL, argv, environ) != 0 ||
	    waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		cli_error("cannot create the system user '%s' (useradd failed)", READER_USER);
		return -1;
	}
	printf("system user: %s (created, for otpgate-keyrotate authorized-keys)\n", READER_USER);
	return 0;
}

/* Lets the reader's group read path (mode 0640, owner kept), as a package would. */
static int share_with_reader(const char *path)
{
	struct group *gr = getgrnam(READER_USER);
	struct stat st;

	if (gr == NULL || lstat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return -1;
	if (chown(path, st.st_uid, gr->gr_gid) != 0 || chmod(path, 0640) != 0) {
		cli_error("%s: cannot give group %s read access: %s", path, READER_USER,
			  strerror(errno));
		return -1;
	}
	return 0;
}

/* The registry and its WAL files (the -shm too: the reader maps it). */
static int share_registry(const char *path)
{
	static const char *const sides[] = { "-wal", "-shm" };
	char side[4200];

	if (share_with_reader(path) != 0)
		return -1;
	for (size_t i = 0; i < sizeof(sides) / sizeof(sides[0]); i++) {
		snprintf(side, sizeof(side), "%s%s", path, sides[i]);
		if (access(side, F_OK) == 0 && share_with_reader(side) != 0)
			return -1;
	}
	return 0;
}

/*
 * The key registry (and the config, which the reader must parse) become
 * readable by group otpgate; the store and the master key stay root's.
 */
static int set_up_key_reader(struct cli *c)
{
	if (geteuid() != 0) {
		printf("key reader: not set up (not root)\n");
		return 0;
	}
	if (ensure_reader_user() != 0 ||
	    (strcmp(c->cfg.store_backend, "sqlite") == 0 &&
	     share_registry(c->cfg.keys_registry) != 0) ||
	    share_with_reader(c->config_path) != 0)
		return -1;
	printf("key reader: user %s may read %s%s%s\n", READER_USER, c->config_path,
	       strcmp(c->cfg.store_backend, "sqlite") == 0 ? " and " : "",
	       strcmp(c->cfg.store_backend, "sqlite") == 0 ? c->cfg.keys_registry : "");
	return 0;
}

static void quiet(void *ctx, int prio, const char *msg)
{
	(void)ctx;
	(void)prio;
	(void)msg;
}

int cmd_init(struct cli *c, const struct cli_args *a)
{
	struct og_key key = { 0 };
	og_log_fn fn;
	int r, created = 0, had_store;

	(void)a;
	if (og_config_load(c->config_path, &c->cfg, (char[512]){ 0 }, 512, NULL) == OG_OK) {
		/* the store's directory also holds the key registry and the drop
		 * location: the key reader and users pass through it (0711); the
		 * files with secrets in it are 0600/0400 */
		if ((strcmp(c->cfg.store_backend, "sqlite") == 0 &&
		     (make_parent(c->cfg.store_path, 0711) || make_parent(c->cfg.keys_registry, 0711))) ||
		    make_parent(c->cfg.master_key, 0700) || make_parent(c->cfg.store_spool, 0700))
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
	if (set_up_key_reader(c) != 0)
		return 1;
	/* the installing admin becomes the superuser; only one init makes one */
	if (!had_store && og_admin_add_superuser(c->st, c->actor, (int64_t)time(NULL)) == OG_OK)
		printf("superuser: %s\n", c->actor);
	cli_audit(c, "init", "success", NULL, NULL, created ? "master key created" : NULL);
	printf("store: %s (ready)\nmaster key: %s (%s)\n", og_config_store_name(&c->cfg), c->cfg.master_key,
	       created ? "created, mode 0400" : "kept");
	return 0;
}

/* registry.c: loading, registering and delivering keys, for the subcommands. */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "err.h"
#include "util.h"

int keys_make_drop(struct cli *c)
{
	char parent[4096];
	char *slash;

	og_copy(parent, sizeof(parent), c->cfg.keys_drop_dir);
	/* its parent too, passable by users (0711), when nothing made it yet */
	if ((slash = strrchr(parent, '/')) != NULL && slash != parent) {
		*slash = '\0';
		if (mkdir(parent, 0711) != 0 && errno != EEXIST)
			return cli_error("%s: %s", parent, strerror(errno)), -1;
	}
	if (mkdir(c->cfg.keys_drop_dir, 0755) != 0 && errno != EEXIST)
		return cli_error("%s: %s", c->cfg.keys_drop_dir, strerror(errno)), -1;
	return 0;
}

int keys_open(struct cli *c)
{
	if (cli_open(c, 0) != OG_OK)
		return -1;
	if (og_store_keys_ready(c->st) != OG_OK)
		return cli_error("the key registry cannot be opened"), -1;
	return 0;
}

int keys_load(struct cli *c, const char *user, struct user_keys *out)
{
	if (og_access_key_load(c->st, user, &out->v, &out->n) != OG_OK)
		return cli_error("cannot read the key registry"), -1;
	return 0;
}

void keys_free(struct user_keys *k)
{
	free(k->v);
	k->v = NULL;
	k->n = 0;
}

int keys_register(struct cli *c, const char *id, const char *user, const struct og_sshkey *key,
		  const char *origin, int64_t now, struct og_access_key *row)
{
	int r = og_access_key_register(c->st, &c->cfg, id, user, key, origin, now, row);

	if (r == OG_ERR_FORBIDDEN)
		cli_error("%s already has two valid keys; revoke one first", user);
	else if (r == OG_ERR_EXISTS)
		cli_error("key %s is already registered", key->fingerprint);
	else if (r == OG_ERR_NOTFOUND)
		cli_error("%s's current key changed meanwhile; try again", user);
	else if (r == OG_ERR_INVALID)
		cli_error("key too long to register");
	else if (r != OG_OK)
		cli_error("cannot register the key");
	return r == OG_OK ? 0 : -1;
}

/*
 * DROP/USER, held by root while a key file goes in or out: root then acts
 * as the directory's owner, so none of this needs CAP_DAC_OVERRIDE, only
 * CAP_CHOWN (see conf/systemd/otpgate-keyrotate.service).
 */
struct drop {
	char dir[4096];
	int fd;			/* the directory, opened once it is root's */
	uid_t uid;
	gid_t gid;
};

/* Makes DROP (0755) and DROP/USER if missing, and takes DROP/USER (0700, root's). */
static int drop_take(struct cli *c, const struct passwd *pw, struct drop *d)
{
	int pfd;

	d->fd = -1;
	d->uid = pw->pw_uid;
	d->gid = pw->pw_gid;
	if (keys_make_drop(c) != 0)
		return -1;
	snprintf(d->dir, sizeof(d->dir), "%s/%s", c->cfg.keys_drop_dir, pw->pw_name);
	if (mkdir(d->dir, 0700) != 0 && errno != EEXIST)
		return cli_error("%s: %s", d->dir, strerror(errno)), -1;
	/* not through a symbolic link; DROP is root's, so the entry stays this one */
	pfd = open(d->dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (pfd >= 0 && fchownat(pfd, "", 0, 0, AT_EMPTY_PATH) == 0) {
		if (chmod(d->dir, 0700) == 0)
			d->fd = openat(pfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (d->fd < 0)	/* the user keeps the directory */
			(void)!fchownat(pfd, "", d->uid, d->gid, AT_EMPTY_PATH);
	}
	if (pfd >= 0)
		close(pfd);
	if (d->fd < 0) {
		cli_error("%s: not a directory we can give to %s", d->dir, pw->pw_name);
		return -1;
	}
	return 0;
}

/* Gives DROP/USER back to the user. 0 or -1 after an error message. */
static int drop_release(struct drop *d)
{
	int r = fchown(d->fd, d->uid, d->gid);

	if (r != 0)
		cli_error("%s: cannot give it back to its user: %s", d->dir, strerror(errno));
	close(d->fd);
	return r == 0 ? 0 : -1;
}

/* Writes the new key file into the held directory: 0600, the user's, synced. */
static int drop_write(struct drop *d, const char *keyid, const char *pem)
{
	size_t len = strlen(pem);
	int fd = openat(d->fd, keyid, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);

	if (fd < 0 || write(fd, pem, len) != (ssize_t)len || fchown(fd, d->uid, d->gid) != 0 ||
	    fsync(fd) != 0) {
		cli_error("%s/%s: cannot write the new key: %s", d->dir, keyid, strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlinkat(d->fd, keyid, 0);
		}
		return -1;
	}
	close(fd);
	return 0;
}

int keys_deliver(struct cli *c, const char *user, const char *keyid, const char *pem,
		 char *path, size_t cap)
{
	struct passwd *pw = getpwnam(user);
	struct drop d;
	int r;

	if (pw == NULL)
		return cli_error("%s is not a local user: no drop location for the new key", user), -1;
	if (drop_take(c, pw, &d) != 0)
		return -1;
	snprintf(path, cap, "%s/%s", d.dir, keyid);
	if ((r = drop_write(&d, keyid, pem)) != 0) {
		drop_release(&d);
		return r;
	}
	if (drop_release(&d) != 0) {
		keys_withdraw(c, user, keyid);
		return -1;
	}
	return 0;
}

void keys_withdraw(struct cli *c, const char *user, const char *keyid)
{
	struct passwd *pw = getpwnam(user);
	struct drop d;

	if (pw == NULL || drop_take(c, pw, &d) != 0)
		return;
	if (unlinkat(d.fd, keyid, 0) != 0)
		cli_error("%s/%s: cannot remove it: %s", d.dir, keyid, strerror(errno));
	drop_release(&d);
}

void keys_audit(struct cli *c, const char *what, const char *result, const char *user,
		const char *fingerprint, const char *detail)
{
	struct og_audit_event ev = {
		.event = "key", .result = result, .reason = what, .user = user,
		.key = fingerprint, .detail = detail,
	};

	cli_audit_event(c, &ev);
}

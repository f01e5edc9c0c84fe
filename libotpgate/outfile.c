/*
 * outfile.c: create a file a person named, for them. A path through a
 * symbolic link (/home/me/qr -> /etc) could lead a root process anywhere,
 * so every directory on the way is opened by itself with O_NOFOLLOW, and
 * the file is made in the last one with O_EXCL|O_NOFOLLOW; for someone
 * else the process takes their identity first, so the kernel lets them
 * create only what they could create themselves.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "outfile.h"
#include "util.h"

#define PW_BUF_MAX (1 << 20)

static int lookup_user(const char *user, struct og_ident *id)
{
	struct passwd pw, *found = NULL;
	size_t cap = 4096;
	char *buf = NULL, *more;
	int e;

	do {
		if ((more = realloc(buf, cap)) == NULL) {
			free(buf);
			return OG_ERR_NOMEM;
		}
		buf = more;
		e = getpwnam_r(user, &pw, buf, cap, &found);
		cap *= 2;
	} while (e == ERANGE && cap <= PW_BUF_MAX);
	if (found != NULL) {
		id->uid = pw.pw_uid;
		id->gid = pw.pw_gid;
	}
	free(buf);
	return found != NULL ? OG_OK : OG_ERR_NOTFOUND;
}

int og_outfile_ident_of(const char *user, struct og_ident *id)
{
	int n = 16, want, r;
	gid_t *g;

	memset(id, 0, sizeof(*id));
	if (og_copy(id->name, sizeof(id->name), user) != OG_OK)
		return OG_ERR_NOTFOUND;
	if ((r = lookup_user(user, id)) != OG_OK)
		return r;
	for (;;) {
		if ((g = realloc(id->groups, (size_t)n * sizeof(*g))) == NULL) {
			og_outfile_ident_free(id);
			return OG_ERR_NOMEM;
		}
		id->groups = g;
		want = n;
		if (getgrouplist(user, id->gid, id->groups, &want) >= 0) {
			id->ngroups = want;
			return OG_OK;
		}
		if (want <= n) {	/* no progress: the group database failed */
			og_outfile_ident_free(id);
			return OG_ERR_IO;
		}
		n = want;
	}
}

void og_outfile_ident_free(struct og_ident *id)
{
	free(id->groups);
	id->groups = NULL;
	id->ngroups = 0;
}

/* The process's own identity, kept while it acts as someone else. */
struct saved_ident {
	uid_t euid;
	gid_t egid;
	gid_t *groups;
	int ngroups;
};

static int restore(struct saved_ident *sv)
{
	int r = 0;

	/* the uid first: it is what allows the gid and groups to change */
	if (seteuid(sv->euid) != 0 || setegid(sv->egid) != 0 ||
	    setgroups((size_t)sv->ngroups, sv->groups) != 0)
		r = -1;
	free(sv->groups);
	sv->groups = NULL;
	return r;
}

static int become(const struct og_ident *as, struct saved_ident *sv)
{
	int n = getgroups(0, NULL);

	sv->euid = geteuid();
	sv->egid = getegid();
	sv->groups = calloc(n > 0 ? (size_t)n : 1, sizeof(gid_t));
	if (n < 0 || sv->groups == NULL || (sv->ngroups = getgroups(n, sv->groups)) < 0) {
		free(sv->groups);
		sv->groups = NULL;
		return -1;
	}
	if (setgroups((size_t)as->ngroups, as->groups) == 0 && setegid(as->gid) == 0 &&
	    seteuid(as->uid) == 0)
		return 0;
	restore(sv);
	return -1;
}

/* Splits path at its last '/'; refuses a last part that is no file's name. */
static int split(const char *path, char *dir, size_t cap, char name[256])
{
	const char *slash = strrchr(path, '/');
	const char *last = slash ? slash + 1 : path;
	size_t dlen = slash ? (size_t)(slash - path) : 0;

	if (*last == '\0' || strcmp(last, ".") == 0 || strcmp(last, "..") == 0 ||
	    og_copy(name, 256, last) != OG_OK || dlen >= cap)
		return -1;
	memcpy(dir, path, dlen);
	dir[dlen] = '\0';
	return 0;
}

/* Opens the directory dir names, one component at a time, never through a
 * symbolic link. The O_PATH descriptor, or -1 after logging why. */
static int open_dir(const char *path, char *dir, int absolute, const struct og_log *log,
		    int *unsafe)
{
	char *save = NULL, *c;
	int fd = open(absolute ? "/" : ".", O_PATH | O_DIRECTORY | O_CLOEXEC), next;
	struct stat st;

	if (fd < 0)
		og_logf(log, LOG_ERR, "%.200s: %s", path, strerror(errno));
	for (c = strtok_r(dir, "/", &save); fd >= 0 && c != NULL; c = strtok_r(NULL, "/", &save)) {
		next = openat(fd, c, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0 && errno == ENOTDIR && fstatat(fd, c, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISLNK(st.st_mode)) {
			og_logf(log, LOG_ERR, "%.200s: %.100s on the way is a symbolic link; name the"
				" directory it points to", path, c);
			*unsafe = 1;
		} else if (next < 0) {
			og_logf(log, LOG_ERR, "%.200s: %.100s: %s", path, c, strerror(errno));
		}
		close(fd);
		fd = next;
	}
	return fd;
}

/* The walk and the create, with whatever identity the process has now. */
static int create_here(struct og_outfile *f, const char *path, mode_t mode, const char *as,
		       const struct og_log *log)
{
	char dir[4096];
	struct stat st;
	int unsafe = 0;

	if (split(path, dir, sizeof(dir), f->name) != 0) {
		og_logf(log, LOG_ERR, "%.200s: not the name of a new file", path);
		return OG_ERR_UNSAFE;
	}
	if ((f->dir = open_dir(path, dir, path[0] == '/', log, &unsafe)) < 0)
		return unsafe ? OG_ERR_UNSAFE : OG_ERR_IO;
	f->fd = openat(f->dir, f->name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NOCTTY |
		       O_CLOEXEC, mode);
	if (f->fd < 0) {
		int e = errno;
		og_logf(log, LOG_ERR, "%.200s: %s%s%s%s", path,
			e == EEXIST ? "exists; not overwriting it" : strerror(e),
			as ? " (writing as " : "", as ? as : "", as ? ")" : "");
		return e == EEXIST ? OG_ERR_EXISTS : OG_ERR_IO;
	}
	if (fstat(f->fd, &st) == 0) {
		f->dev = st.st_dev;
		f->ino = st.st_ino;
		if (fchmod(f->fd, mode) == 0)	/* whatever the umask */
			return OG_OK;
	}
	og_logf(log, LOG_ERR, "%.200s: %s", path, strerror(errno));
	og_outfile_remove(f);
	return OG_ERR_IO;
}

int og_outfile_create(struct og_outfile *f, const char *path, mode_t mode,
		      const struct og_ident *as, const struct og_log *log)
{
	struct saved_ident sv;
	int r;

	*f = (struct og_outfile)OG_OUTFILE_INIT;
	if (as == NULL || (as->uid == geteuid() && as->gid == getegid()))
		r = create_here(f, path, mode, NULL, log);
	else if (become(as, &sv) != 0) {
		og_logf(log, LOG_ERR, "%.200s: cannot take the identity of %.64s: %s", path, as->name,
			strerror(errno));
		return OG_ERR_IO;
	} else {
		r = create_here(f, path, mode, as->name, log);
		if (restore(&sv) != 0) {
			og_logf(log, LOG_ERR, "%.200s: cannot return from the identity of %.64s",
				path, as->name);
			og_outfile_remove(f);
			r = OG_ERR_IO;
		}
	}
	if (r != OG_OK)
		og_outfile_close(f);
	return r;
}

int og_outfile_finish(struct og_outfile *f)
{
	int r = fsync(f->fd) == 0 ? OG_OK : OG_ERR_IO;

	if (close(f->fd) != 0)
		r = OG_ERR_IO;
	f->fd = -1;
	return r;
}

void og_outfile_remove(struct og_outfile *f)
{
	struct stat st;

	if (f->dir >= 0 && f->name[0] != '\0' &&
	    fstatat(f->dir, f->name, &st, AT_SYMLINK_NOFOLLOW) == 0 && st.st_dev == f->dev &&
	    st.st_ino == f->ino)
		unlinkat(f->dir, f->name, 0);
	f->name[0] = '\0';
}

void og_outfile_close(struct og_outfile *f)
{
	if (f->fd >= 0)
		close(f->fd);
	if (f->dir >= 0)
		close(f->dir);
	f->fd = f->dir = -1;
}

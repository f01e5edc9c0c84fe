/*
 * outfile.h: files a person names on a command line (a QR code, a private
 * key), created for that person: with their identity when they are not
 * the tool's own user (an org admin running it through sudo), through no
 * symbolic link anywhere on the path, and never over anything that exists.
 */
#ifndef OTPGATE_OUTFILE_H
#define OTPGATE_OUTFILE_H

#include <sys/types.h>
#include "log.h"

/* Someone's identity, as a process takes it to act for them. */
struct og_ident {
	char name[64];
	uid_t uid;
	gid_t gid;
	gid_t *groups;		/* supplementary groups */
	int ngroups;
};

/* Looks user up in the system's user database, with all their groups.
 * OG_ERR_NOTFOUND for a name it does not know. og_outfile_ident_free after. */
int og_outfile_ident_of(const char *user, struct og_ident *id);
void og_outfile_ident_free(struct og_ident *id);

/* A file being created: open, and where it is, to remove it again. */
struct og_outfile {
	int fd;			/* open for writing; -1 once finished */
	int dir;		/* the directory it is in (O_PATH), -1 none */
	char name[256];		/* its name there */
	dev_t dev;
	ino_t ino;
};
#define OG_OUTFILE_INIT { -1, -1, "", 0, 0 }

/*
 * Creates path, new, with mode. as NULL: with the process's identity;
 * otherwise the effective uid, gid and groups become as's for the walk and
 * the create, and then the process's again, so the file is as's and only
 * where as may write. Each directory on the way is opened by itself,
 * refusing a symbolic link; the file is made with O_EXCL|O_NOFOLLOW. A
 * refusal is logged as one line naming path and why. OG_OK;
 * OG_ERR_EXISTS when anything (a symbolic link too) is there already;
 * OG_ERR_UNSAFE for a symbolic link on the way or a path that cannot name
 * a new file; OG_ERR_IO otherwise (errno's reason).
 */
int og_outfile_create(struct og_outfile *f, const char *path, mode_t mode,
		      const struct og_ident *as, const struct og_log *log);

/* fsyncs and closes the file. OG_OK or OG_ERR_IO. */
int og_outfile_finish(struct og_outfile *f);

/* Undoes og_outfile_create: removes the file, if its name in the directory
 * it was made in still is that file. */
void og_outfile_remove(struct og_outfile *f);

/* Closes what f holds open; the file stays. Safe on OG_OUTFILE_INIT. */
void og_outfile_close(struct og_outfile *f);

#endif

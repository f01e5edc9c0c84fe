/* stamp.h: what otpgated's worker remembers of a file it opened, to see
 * at the next call whether it is still the same (stamp.c). */
#ifndef OTPGATE_STAMP_H
#define OTPGATE_STAMP_H

#include <sys/stat.h>
#include <time.h>

struct og_stamp {
	dev_t dev;
	ino_t ino;
	mode_t mode;
	uid_t uid;
	gid_t gid;
	off_t size;
	struct timespec mtime, ctime;
};

/* path's stamp (all zero when path is NULL or cannot be stat'ed). */
void og_stamp_of(const char *path, struct og_stamp *s);

/* path's stamp as a database's: only which file, its owner and mode (its
 * contents change with every login). */
void og_stamp_of_db(const char *path, struct og_stamp *s);

#endif

/*
 * filecheck.c: whether a config or secret file is safe to use (owner and
 * mode). Apart from fileio.c, which reads and writes them, so that what
 * must not link libcrypto (the PAM module's front) can check a plugin.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "fileio.h"

int og_file_check(const char *path, const struct stat *st, enum og_file_kind kind,
		  const struct og_log *log)
{
	mode_t bad = kind == OG_FILE_SECRET ? (S_IRWXG | S_IRWXO) : (S_IWGRP | S_IWOTH);

	if (!S_ISREG(st->st_mode)) {
		og_logf(log, LOG_ERR, "%.200s: not a regular file", path);
		return OG_ERR_UNSAFE;
	}
	if (st->st_uid != 0 && st->st_uid != geteuid()) {
		og_logf(log, LOG_ERR, "%.200s: owned by uid %u, not root or uid %u", path,
			(unsigned)st->st_uid, (unsigned)geteuid());
		return OG_ERR_UNSAFE;
	}
	if (st->st_mode & bad) {
		og_logf(log, LOG_ERR, "%.200s: mode %04o is %s; refusing it", path,
			(unsigned)(st->st_mode & 07777),
			kind == OG_FILE_SECRET ? "accessible by group or others"
					       : "writable by group or others");
		return OG_ERR_UNSAFE;
	}
	return OG_OK;
}

int og_path_check(const char *path, enum og_file_kind kind, const struct og_log *log)
{
	struct stat st;

	if (lstat(path, &st) != 0) {
		og_logf(log, LOG_ERR, "%.200s: %s", path, strerror(errno));
		return OG_ERR_IO;
	}
	return og_file_check(path, &st, kind, log);
}

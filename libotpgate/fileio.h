/* fileio.h: opening config and secret files safely. */
#ifndef OTPGATE_FILEIO_H
#define OTPGATE_FILEIO_H

#include <stddef.h>
#include <sys/stat.h>
#include "log.h"

enum og_file_kind {
	OG_FILE_CONFIG,	/* must not be group/world writable */
	OG_FILE_SECRET,	/* additionally must not be group/world readable */
};

/*
 * Checks an already-stat'ed file: regular, owned by root or the effective
 * user, mode fits kind. Logs one line naming path and the problem.
 * OG_OK or OG_ERR_UNSAFE.
 */
int og_file_check(const char *path, const struct stat *st,
		  enum og_file_kind kind, const struct og_log *log);

/* stat()s path and applies og_file_check. OG_ERR_IO if it cannot be stat'ed. */
int og_path_check(const char *path, enum og_file_kind kind, const struct og_log *log);

/*
 * Reads a whole file of at most max bytes opened with O_NOFOLLOW|O_CLOEXEC
 * after og_file_check. *buf is NUL-terminated and must be freed by the
 * caller (wiped first when kind is OG_FILE_SECRET).
 */
int og_file_read(const char *path, enum og_file_kind kind, size_t max,
		 char **buf, size_t *len, const struct og_log *log);

/*
 * Opens path for appending, created 0600 if missing: never through a
 * symlink, and only a regular file (a FIFO or device planted there would
 * block or swallow the writes). A descriptor, or -1 with errno set
 * (EINVAL for a file that is not regular, ENXIO for a FIFO no one reads).
 */
int og_file_open_append(const char *path);

/* Writes all len bytes to fd (retrying short writes). OG_OK or OG_ERR_IO. */
int og_write_all(int fd, const void *data, size_t len);

/*
 * Creates path exclusively (O_EXCL|O_NOFOLLOW) with mode and writes len
 * bytes, fsync'ed; removes the file if anything fails. OG_ERR_EXISTS when
 * it already exists. For a path from the configuration; a file named on
 * a command line is created with og_outfile_create (outfile.h).
 */
int og_file_create(const char *path, mode_t mode, const void *data, size_t len);

#endif

/* fileio.c: open config and secret files only when they are safe. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <openssl/crypto.h>

#include "err.h"
#include "fileio.h"
#include "util.h"

int og_file_read(const char *path, enum og_file_kind kind, size_t max, char **buf,
		 size_t *len, const struct og_log *log)
{
	struct stat st;
	char *data = NULL;
	size_t got = 0;
	int fd, r = OG_ERR_IO;

	*buf = NULL;
	*len = 0;
	/* O_NONBLOCK: a FIFO planted at the path must not hang the login */
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) < 0) {
		og_logf(log, LOG_ERR, "%.200s: %s", path, strerror(errno));
		return errno == ELOOP ? OG_ERR_UNSAFE : OG_ERR_IO;
	}
	if (fstat(fd, &st) != 0)
		goto out;
	if ((r = og_file_check(path, &st, kind, log)) != OG_OK)
		goto out;
	r = OG_ERR_IO;
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0)
		goto out;
	r = OG_ERR_INVALID;
	if ((size_t)st.st_size > max) {
		og_logf(log, LOG_ERR, "%.200s: larger than %zu bytes", path, max);
		goto out;
	}
	r = OG_ERR_NOMEM;
	if ((data = malloc((size_t)st.st_size + 1)) == NULL)
		goto out;
	r = OG_ERR_IO;
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, data + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto out;
		got += (size_t)n;
	}
	data[got] = '\0';
	*buf = data;
	*len = got;
	data = NULL;
	r = OG_OK;
out:
	og_freezero(data, data != NULL ? (size_t)st.st_size : 0);
	close(fd);
	return r;
}

int og_file_open_append(const char *path)
{
	struct stat sb;
	int fd, flags;

	/* O_NONBLOCK: opening a FIFO with no reader would wait for ever */
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0600);
	if (fd < 0)
		return -1;
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	if ((flags = fcntl(fd, F_GETFL)) < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int og_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	size_t done = 0;

	while (done < len) {
		ssize_t n = write(fd, p + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return OG_ERR_IO;
		done += (size_t)n;
	}
	return OG_OK;
}

int og_file_create(const char *path, mode_t mode, const void *data, size_t len)
{
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0)
		return errno == EEXIST ? OG_ERR_EXISTS : OG_ERR_IO;
	if (og_write_all(fd, data, len) != OG_OK || fchmod(fd, mode) != 0 || fsync(fd) != 0)
		goto fail;
	if (close(fd) != 0) {
		unlink(path);
		return OG_ERR_IO;
	}
	return OG_OK;
fail:
	close(fd);
	unlink(path);
	return OG_ERR_IO;
}

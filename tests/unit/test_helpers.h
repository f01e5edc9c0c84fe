/*
 * test_helpers.h: small helpers shared by the unit tests (temporary
 * directories, writing files with a given mode, capturing core log lines).
 * Header-only so that every test_*.c stays a standalone program.
 */
#ifndef OTPGATE_TEST_HELPERS_H
#define OTPGATE_TEST_HELPERS_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

#define TH_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Creates a fresh private directory; aborts the test program on failure. */
static inline void th_mkdtemp(char *dir, size_t cap)
{
	const char *base = getenv("TMPDIR");

	if (base == NULL || *base == '\0')
		base = "/tmp";
	snprintf(dir, cap, "%s/otpgate-unit-XXXXXX", base);
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		abort();
	}
}

static inline int th_rm_cb(const char *path, const struct stat *st, int flag,
			   struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Removes dir and everything below it (does not follow symlinks). */
static inline void th_rmtree(const char *dir)
{
	nftw(dir, th_rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

/* Joins dir and name into out. */
static inline void th_path(char *out, size_t cap, const char *dir, const char *name)
{
	int n = snprintf(out, cap, "%s/%s", dir, name);

	if (n < 0 || (size_t)n >= cap)
		abort();
}

/* Writes len bytes to path (created or truncated) and sets exactly mode. */
static inline int th_write_file(const char *path, const void *data, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	const char *p = data;

	if (fd < 0)
		return -1;
	while (len > 0) {
		ssize_t w = write(fd, p, len);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			close(fd);
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	if (fchmod(fd, mode) != 0) {
		close(fd);
		return -1;
	}
	return close(fd);
}

static inline int th_write_str(const char *path, const char *s, mode_t mode)
{
	return th_write_file(path, s, strlen(s), mode);
}

/* Reads up to cap-1 bytes of path into buf, NUL-terminated; -1 on error. */
static inline ssize_t th_read_file(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t off = 0;

	if (fd < 0)
		return -1;
	while (off + 1 < cap) {
		ssize_t r = read(fd, buf + off, cap - 1 - off);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			close(fd);
			return -1;
		}
		if (r == 0)
			break;
		off += (size_t)r;
	}
	buf[off] = '\0';
	close(fd);
	return (ssize_t)off;
}

/* Collects every line the core logs, so tests stay quiet and can inspect them. */
struct th_logbuf {
	char text[8192];
	size_t len;
	int lines;
};

static inline void th_log_fn(void *ctx, int prio, const char *msg)
{
	struct th_logbuf *lb = ctx;
	int n;

	(void)prio;
	if (lb->len >= sizeof(lb->text) - 1)
		return;
	n = snprintf(lb->text + lb->len, sizeof(lb->text) - lb->len, "%s\n", msg);
	if (n > 0) {
		lb->len += (size_t)n;
		if (lb->len >= sizeof(lb->text))
			lb->len = sizeof(lb->text) - 1;
	}
	lb->lines++;
}

static inline void th_log_init(struct og_log *log, struct th_logbuf *lb)
{
	memset(lb, 0, sizeof(*lb));
	log->fn = th_log_fn;
	log->ctx = lb;
	log->debug = 0;
}

static inline mode_t th_mode_of(const char *path)
{
	struct stat st;

	if (lstat(path, &st) != 0)
		return (mode_t)-1;
	return st.st_mode & 07777;
}

#endif

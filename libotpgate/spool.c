/* spool.c: a local file of audit rows waiting for the store: its lines and locks. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "fileio.h"
#include "spool.h"
#include "util.h"

int og_spool_lock(int fd, enum og_spool_lock which, int wait)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = which, .l_len = 1 };
	int r;

	while ((r = fcntl(fd, wait ? F_OFD_SETLKW : F_OFD_SETLK, &fl)) != 0 && errno == EINTR)
		;
	if (r != 0 && errno == EACCES)
		errno = EAGAIN;
	return r;
}

int og_spool_is_at(int fd, const char *path)
{
	struct stat a, b;

	return fstat(fd, &a) == 0 && lstat(path, &b) == 0 && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

/* The spool opened for one append, its append lock held: a file a flush
 * claimed (renamed) between our open and our lock is let go for the new one. */
static int open_for_append(const char *path)
{
	for (int tries = 0; tries < 16; tries++) {
		int fd = og_file_open_append(path);
		if (fd < 0)
			return -1;
		if (og_spool_lock(fd, OG_SPOOL_LOCK_APPEND, 1) == 0 && og_spool_is_at(fd, path))
			return fd;
		close(fd);
	}
	errno = EAGAIN;
	return -1;
}

int og_spool_append(const char *path, const struct og_audit_event *ev, const struct og_log *log)
{
	char line[OG_SPOOL_LINE_MAX];
	struct stat sb = { .st_size = 0 };
	size_t n;
	int fd, r = OG_OK;

	n = (size_t)snprintf(line, sizeof(line), "ts=%lld ", (long long)ev->ts);
	n += og_audit_format(ev, line + n, sizeof(line) - n - 1);
	line[n++] = '\n';
	fd = open_for_append(path);
	if (fd < 0 || fstat(fd, &sb) != 0 || write(fd, line, n) != (ssize_t)n || fsync(fd) != 0) {
		/* the row without its newline: line is not a string */
		og_logf(log, LOG_ERR, "audit spool %.200s: %s; row lost: %.*s", path,
			strerror(errno), (int)(n - 1 < 300 ? n - 1 : 300), line);
		if (fd >= 0 && ftruncate(fd, sb.st_size) == 0)	/* no half line for the next */
			fsync(fd);
		r = OG_ERR_IO;
	}
	if (fd >= 0)
		close(fd);
	return r;
}

int og_spool_skip_note(const char *text, long *line)
{
	char *end = NULL;

	if (strncmp(text, "#skip ", 6) != 0)
		return 0;
	errno = 0;
	*line = strtol(text + 6, &end, 10);
	return errno == 0 && *line > 0 && end != text + 6 && *end == '\n';
}

int og_spool_parse(const char *line, struct og_audit_event *ev, char *buf, size_t cap)
{
	const char **fields[OG_AUDIT_FIELDS];
	char *save = NULL, *tok;
	int64_t ts = -1;

	memset(ev, 0, sizeof(*ev));
	og_audit_fields(ev, fields);
	if (og_copy(buf, cap, line) != OG_OK)
		return OG_ERR_INVALID;
	buf[strcspn(buf, "\n")] = '\0';
	for (tok = strtok_r(buf, " ", &save); tok != NULL; tok = strtok_r(NULL, " ", &save)) {
		char *eq = strchr(tok, '=');
		size_t k = 0;
		if (eq == NULL)
			return OG_ERR_INVALID;
		*eq++ = '\0';
		if (strcmp(eq, "\"\"") == 0)
			*eq = '\0';
		if (strcmp(tok, "ts") == 0) {
			if (og_parse_int(eq, 0, INT64_MAX, &ts) != OG_OK)
				return OG_ERR_INVALID;
			continue;
		}
		while (k < OG_AUDIT_FIELDS && strcmp(tok, og_audit_field_names[k]) != 0)
			k++;
		if (k == OG_AUDIT_FIELDS || og_audit_unescape(eq) != OG_OK)
			return OG_ERR_INVALID;
		*fields[k] = eq;
	}
	if (ts < 0 || ev->event == NULL)
		return OG_ERR_INVALID;
	ev->ts = ts;
	return OG_OK;
}

/* procid.c: which process a pid is now, from /proc, and a signal to exactly that one. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <unistd.h>

#include "err.h"
#include "procid.h"
#include "util.h"

#define STAT_MAX 2048	/* /proc/PID/stat: a comm of 16 bytes and 52 numbers */

/* Reads the whole small file path into buf (NUL-terminated); its length or -1. */
static ssize_t read_small(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	ssize_t n, got = 0;

	if (fd < 0)
		return -1;
	while ((size_t)got < cap - 1 && (n = read(fd, buf + got, cap - 1 - (size_t)got)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			got = -1;
			break;
		}
		got += n;
	}
	close(fd);
	if (got >= 0)
		buf[got] = '\0';
	return got;
}

/* Field 22 of a /proc/PID/stat line: after the comm's last ')', the 20th. */
static int start_of(const char *stat, int64_t *start)
{
	const char *p = strrchr(stat, ')');
	char num[24];
	size_t n;

	for (int field = 2; p != NULL && field < 22; field++) {
		p = strchr(p + 1, ' ');
	}
	if (p == NULL)
		return OG_ERR_INVALID;
	p++;
	n = strspn(p, "0123456789");
	if (n == 0 || n >= sizeof(num))
		return OG_ERR_INVALID;
	memcpy(num, p, n);
	num[n] = '\0';
	return og_parse_int(num, 0, INT64_MAX, start);
}

int og_proc_id_of(int64_t pid, struct og_proc_id *out)
{
	char path[64], stat[STAT_MAX], boot[64];

	memset(out, 0, sizeof(*out));
	if (pid < 2 || pid > INT32_MAX)
		return OG_ERR_INVALID;
	snprintf(path, sizeof(path), "/proc/%lld/stat", (long long)pid);
	if (read_small(path, stat, sizeof(stat)) <= 0)
		return errno == ENOENT || errno == ESRCH ? OG_ERR_NOTFOUND : OG_ERR_IO;
	if (read_small("/proc/sys/kernel/random/boot_id", boot, sizeof(boot)) <= 0)
		return OG_ERR_IO;
	boot[strcspn(boot, "\n")] = '\0';
	if (start_of(stat, &out->start) != OG_OK ||
	    og_copy(out->boot_id, sizeof(out->boot_id), boot) != OG_OK)
		return OG_ERR_IO;
	out->pid = pid;
	return OG_OK;
}

int og_proc_id_alive(const struct og_proc_id *id)
{
	struct og_proc_id now;

	return og_proc_id_of(id->pid, &now) == OG_OK && now.start == id->start &&
	       strcmp(now.boot_id, id->boot_id) == 0;
}

int og_proc_hangup(const struct og_proc_id *id, int wait_ms, int *ended)
{
	struct pollfd pfd = { .events = POLLIN };
	int r = OG_OK, e = 0;

	*ended = 0;
	if (id->pid < 2 || id->pid > INT32_MAX)
		return OG_ERR_INVALID;
	if ((pfd.fd = pidfd_open((pid_t)id->pid, 0)) < 0)
		return errno == ESRCH ? OG_ERR_NOTFOUND : OG_ERR_IO;
	/* the pidfd holds the process that had the pid when it was opened: if
	 * that is still the one recorded now, it is the one signalled */
	if (!og_proc_id_alive(id))
		r = OG_ERR_NOTFOUND;
	else if (pidfd_send_signal(pfd.fd, SIGHUP, NULL, 0) != 0)
		r = errno == ESRCH ? OG_ERR_NOTFOUND : OG_ERR_IO;
	while (r == OG_OK && (e = poll(&pfd, 1, wait_ms)) < 0 && errno == EINTR)
		;
	*ended = r == OG_OK && e > 0;
	e = errno;
	close(pfd.fd);
	errno = e;
	return r;
}

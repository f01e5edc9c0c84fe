/* wire.c: the front's and otpgated's messages (wire.h). Links no libcrypto. */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "wire.h"

void og_wire_start(struct og_wire *w, char type)
{
	w->buf[0] = type;
	w->len = 1;
	w->pos = 1;
	w->bad = 0;
}

void og_wire_put(struct og_wire *w, const char *s)
{
	size_t n = s != NULL ? strlen(s) + 1 : 0;

	if (w->bad || w->len + 1 + n > sizeof(w->buf)) {
		w->bad = 1;
		return;
	}
	w->buf[w->len++] = s != NULL ? '+' : '-';
	if (s != NULL)
		memcpy(w->buf + w->len, s, n);
	w->len += n;
}

void og_wire_put_int(struct og_wire *w, long long v)
{
	char num[24];

	snprintf(num, sizeof(num), "%lld", v);
	og_wire_put(w, num);
}

int og_wire_send(int fd, const struct og_wire *w)
{
	ssize_t n;

	if (w->bad)
		return -1;
	do
		n = send(fd, w->buf, w->len, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)w->len ? 0 : -1;
}

int og_wire_recv(int fd, struct og_wire *w, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t n;
	int r;

	w->len = w->pos = 0;
	do
		r = poll(&p, 1, timeout_ms);
	while (r < 0 && errno == EINTR);
	if (r <= 0)
		return -1;
	do
		n = recv(fd, w->buf, sizeof(w->buf), MSG_TRUNC | MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n <= 0 || (size_t)n > sizeof(w->buf))
		return -1;
	w->len = (size_t)n;
	w->pos = 1;
	return (unsigned char)w->buf[0];
}

int og_wire_get(struct og_wire *w, const char **s, size_t max)
{
	const char *end;

	*s = NULL;
	if (w->pos >= w->len)
		return -1;
	if (w->buf[w->pos] == '-') {
		w->pos++;
		return 0;
	}
	if (w->buf[w->pos] != '+' ||
	    (end = memchr(w->buf + w->pos + 1, '\0', w->len - w->pos - 1)) == NULL ||
	    (size_t)(end - (w->buf + w->pos + 1)) > max)
		return -1;
	*s = w->buf + w->pos + 1;
	w->pos = (size_t)(end - w->buf) + 1;
	return 0;
}

int og_wire_get_int(struct og_wire *w, long long *v, long long min, long long max)
{
	const char *s;
	char *end;

	if (og_wire_get(w, &s, 20) != 0 || s == NULL || *s == '\0')
		return -1;
	errno = 0;
	*v = strtoll(s, &end, 10);
	return errno == 0 && *end == '\0' && *v >= min && *v <= max ? 0 : -1;
}

int og_wire_end(const struct og_wire *w)
{
	return w->pos == w->len ? 0 : -1;
}

void og_wire_wipe(struct og_wire *w)
{
	explicit_bzero(w->buf, sizeof(w->buf));
	w->len = w->pos = 0;
}

int og_wire_dial(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, r;

	if (path[0] != '/') {	/* "" would name an abstract socket anyone may bind */
		errno = EINVAL;
		return -1;
	}
	if (strlen(path) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) < 0)
		return -1;
	do
		r = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

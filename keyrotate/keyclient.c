/*
 * keyclient.c: the key reader asking otpgated's key socket (wire.h), whose
 * workers keep the registry open: a lookup is then one query, not an open
 * of the registry by the process sshd spawned. Whatever goes wrong, the
 * reader looks in the registry itself, by the same rules; the daemon adds
 * speed, never a way to fail.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>
#include <unistd.h>

#include "keyanswer.h"
#include "keyclient.h"
#include "wire.h"

/* A lookup takes the daemon well under a millisecond; longer, and every
 * worker is busy: looking ourselves is quicker. */
#define ANSWER_MS 500

/* 1 if the daemon at fd is root's: one running as the reader's own user
 * could name any key for anyone. */
static int peer_trusted(int fd)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);

	return getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) == 0 && cr.uid == 0;
}

/* The answer in m into a; 0, or -1 when malformed. */
static int read_answer(struct og_wire *m, struct og_key_answer *a)
{
	long long listed, found;
	const char *text;

	if (og_wire_get_int(m, &listed, 0, 1000) != 0 || og_wire_get_int(m, &found, 0, 1) != 0 ||
	    og_wire_get(m, &text, OG_WIRE_MAX) != 0 || text == NULL || og_wire_end(m) != 0)
		return -1;
	a->len = strlen(text);
	if (a->len > 0 && (a->text = strdup(text)) == NULL)
		return -1;
	a->cap = a->len;
	a->listed = (int)listed;
	a->offered_found = (int)found;
	return 0;
}

static int exchange(int fd, const char *config, const char *user, const char *offered,
		    struct og_key_answer *a)
{
	struct og_wire *m = malloc(sizeof(*m));
	int r = -1;

	if (m == NULL)
		return -1;
	og_wire_start(m, 'P');
	og_wire_put(m, config);
	og_wire_put(m, user);
	og_wire_put(m, offered);
	if (og_wire_send(fd, m) == 0 && og_wire_recv(fd, m, ANSWER_MS) == 'P')
		r = read_answer(m, a);
	free(m);
	return r;
}

int keys_ask_daemon(const char *socket, const char *config, const char *user,
		    const char *offered, struct og_key_answer *a)
{
	int fd = og_wire_dial(socket), r;

	if (fd < 0) {
		if (errno != ENOENT && errno != ECONNREFUSED)
			syslog(LOG_AUTHPRIV | LOG_NOTICE, "otpgated at %.200s: %m; looking up here",
			       socket);
		return -1;
	}
	if (!peer_trusted(fd)) {
		syslog(LOG_AUTHPRIV | LOG_WARNING, "%.200s: not root's; looking up here", socket);
		close(fd);
		return -1;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	if ((r = exchange(fd, config, user, offered, a)) != 0) {
		og_key_answer_free(a);
		syslog(LOG_AUTHPRIV | LOG_NOTICE, "otpgated at %.200s: no answer; looking up here",
		       socket);
	}
	close(fd);
	return r;
}

/*
 * client.c: the module's front asking otpgated to run a login (client.h).
 * The daemon runs the core and its store once warm; this side only relays:
 * each conversation message to the application, each answer back. Links
 * no libcrypto: the process sshd forks per connection never loads it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>
#include <unistd.h>
#include <security/pam_appl.h>

#include "client.h"
#include "request.h"
#include "wire.h"

/* The longest otpgated may take between two messages (a store's bounded
 * waits, a PostgreSQL failover); the user's own time is ours, not its. */
#define STEP_MS 60000
/* How long a connection may wait for a free worker: every worker may be
 * holding a login at its prompt (a crowd, or someone making one). */
#define HELLO_MS 1000

/* Does what message m asks and answers it when it wants one; 0, or -1. */
static int relay(int fd, struct og_wire *m, int type, const struct og_pam_io *io)
{
	const char *text = NULL;
	char *resp = NULL;
	long long n = 0;
	int rc;

	if ((type == 'C' || type == 'L') && og_wire_get_int(m, &n, 0, 64) != 0)
		return -1;
	if (og_wire_get(m, &text, OG_WIRE_MAX) != 0 || text == NULL || og_wire_end(m) != 0)
		return -1;
	if (type == 'L') {
		io->log(io->h, (int)n, text);
		return 0;
	}
	if (type == 'C' && n != PAM_PROMPT_ECHO_OFF && n != PAM_TEXT_INFO && n != PAM_ERROR_MSG)
		return -1;
	if (type == 'C')
		rc = io->converse(io->h, (int)n, text, n == PAM_PROMPT_ECHO_OFF ? &resp : NULL);
	else if (type == 'T')
		rc = io->set_authtok(io->h, text);
	else if (type == 'K')
		rc = io->keep_session(io->h, text);
	else
		return -1;
	og_wire_wipe(m);
	og_wire_start(m, 'A');
	og_wire_put_int(m, rc);
	og_wire_put(m, rc == PAM_SUCCESS ? resp : NULL);
	if (resp != NULL) {
		explicit_bzero(resp, strlen(resp));
		free(resp);
	}
	return og_wire_send(fd, m);
}

/* 0 once a worker says hello within HELLO_MS, else -1. */
static int hello(int fd)
{
	struct og_wire *h = malloc(sizeof(*h));
	int r = h != NULL && og_wire_recv(fd, h, HELLO_MS) == 'H' && og_wire_end(h) == 0 ? 0 : -1;

	free(h);
	return r;
}

/* Relays until the result; the PAM code, or -1 when the exchange broke. */
static int exchange(int fd, struct og_wire *m, const struct og_pam_io *io)
{
	long long code;
	int type;

	while ((type = og_wire_recv(fd, m, STEP_MS)) > 0) {
		if (type == 'R')
			return og_wire_get_int(m, &code, 0, 255) == 0 && og_wire_end(m) == 0
				       ? (int)code : -1;
		if (relay(fd, m, type, io) != 0)
			return -1;
	}
	return -1;
}

/* A connection a worker has taken (it said hello), or -1 with the reason
 * logged: the login then runs in this process. Nothing is sent before the
 * hello, so a connection given up while queued never runs a login. */
static int connect_worker(const char *socket, const struct og_pam_io *io)
{
	const struct og_log log = og_pam_io_log(io, 0);
	int fd = og_wire_dial(socket);

	if (fd < 0) {
		og_logf(&log, errno == ENOENT || errno == ECONNREFUSED || errno == EAGAIN ? LOG_NOTICE
			: LOG_ERR, "otpgated at %.200s: %s; the login runs in this process",
			socket, strerror(errno));
		return -1;
	}
	/* from here on every wait is bounded by a timeout instead */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	if (hello(fd) != 0) {
		close(fd);
		og_logf(&log, LOG_NOTICE, "otpgated at %.200s: no worker free within %d ms; the login "
			"runs in this process", socket, HELLO_MS);
		return -1;
	}
	return fd;
}

int og_pam_client(const char *socket, const struct og_pam_in *in, const struct og_pam_io *io)
{
	const struct og_log log = og_pam_io_log(io, 0);
	struct og_wire *m = malloc(sizeof(*m));
	int fd = -1, r = OG_PAM_NO_DAEMON;

	if (m == NULL)
		return OG_PAM_NO_DAEMON;
	og_request_put(m, in);
	/* longer than a message: only the process itself can take it */
	if (!m->bad && (fd = connect_worker(socket, io)) >= 0)
		r = og_wire_send(fd, m) == 0 ? exchange(fd, m, io) : -1;
	og_wire_wipe(m);
	free(m);
	if (fd >= 0)
		close(fd);
	if (r != -1)
		return r;
	og_logf(&log, LOG_ERR, "otpgated at %.200s: the exchange broke off; failing closed", socket);
	return in->fn == OG_PAM_OPEN || in->fn == OG_PAM_CLOSE ? PAM_SESSION_ERR
							       : PAM_AUTHINFO_UNAVAIL;
}

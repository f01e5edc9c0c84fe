/*
 * serve.c: one connection to otpgated. The front's request becomes the
 * core's inputs (pamio.h); what the core says goes back over the socket
 * (wire.h), to the front, which says it through libpam.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>
#include <unistd.h>
#include <security/pam_appl.h>

#include "pamio.h"
#include "request.h"
#include "serve.h"
#include "wire.h"

/* The front sends its request at once; a user's answer may take minutes
 * (sshd's LoginGraceTime bounds it there, and ends the connection). */
#define REQUEST_MS 10000
#define ANSWER_MS (10 * 60 * 1000)

struct relay {
	int fd;
	int broken;		/* the front is gone: every later step fails fast */
	struct og_wire msg;
};

/* Sends m and, for the messages that want one, reads the answer: the
 * front's PAM code (and response). PAM_CONV_ERR when the exchange broke. */
static int ask(struct relay *r, char **resp)
{
	const char *text = NULL;
	long long rc;

	if (r->broken || og_wire_send(r->fd, &r->msg) != 0 ||
	    og_wire_recv(r->fd, &r->msg, ANSWER_MS) != 'A' ||
	    og_wire_get_int(&r->msg, &rc, 0, 255) != 0 ||
	    og_wire_get(&r->msg, &text, OG_WIRE_MAX) != 0 || og_wire_end(&r->msg) != 0) {
		r->broken = 1;
		og_wire_wipe(&r->msg);
		return PAM_CONV_ERR;
	}
	if (resp != NULL && rc == PAM_SUCCESS && text != NULL && (*resp = strdup(text)) == NULL)
		rc = PAM_BUF_ERR;
	og_wire_wipe(&r->msg);
	return (int)rc;
}

static int relay_converse(void *h, int style, const char *msg, char **resp)
{
	struct relay *r = h;

	if (resp != NULL)
		*resp = NULL;
	og_wire_start(&r->msg, 'C');
	og_wire_put_int(&r->msg, style);
	og_wire_put(&r->msg, msg);
	return ask(r, resp);
}

static int relay_set_authtok(void *h, const char *tok)
{
	struct relay *r = h;

	og_wire_start(&r->msg, 'T');
	og_wire_put(&r->msg, tok);
	return ask(r, NULL);
}

static int relay_keep_session(void *h, const char *id)
{
	struct relay *r = h;

	og_wire_start(&r->msg, 'K');
	og_wire_put(&r->msg, id);
	return ask(r, NULL);
}

/* Log lines go to the front, under the application's name as in process;
 * with the front gone, to our own syslog. */
static void relay_log(void *h, int prio, const char *msg)
{
	struct relay *r = h;

	og_wire_start(&r->msg, 'L');
	og_wire_put_int(&r->msg, prio);
	og_wire_put(&r->msg, msg);
	if (r->broken || og_wire_send(r->fd, &r->msg) != 0) {
		r->broken = 1;
		syslog(LOG_AUTHPRIV | prio, "%s", msg);
	}
}

/* Root and our own user only: the module runs as root in sshd. */
static int peer_allowed(int fd, long long *pid)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) != 0)
		return 0;
	*pid = cr.pid;
	if (cr.uid == 0 || cr.uid == geteuid())
		return 1;
	syslog(LOG_AUTHPRIV | LOG_WARNING, "refused a connection from uid %u (process %d)",
	       (unsigned)cr.uid, (int)cr.pid);
	return 0;
}

void og_serve(int fd)
{
	struct og_pam_io io = { NULL, relay_converse, relay_set_authtok, relay_keep_session,
				relay_log };
	struct og_wire *req = malloc(sizeof(*req));
	struct relay *r = calloc(1, sizeof(*r));
	struct og_pam_in in;
	long long pid;
	int code;

	if (!peer_allowed(fd, &pid) || req == NULL || r == NULL)
		goto out;
	r->fd = fd;
	io.h = r;
	/* hello: this connection has a worker; only now does the front send */
	og_wire_start(&r->msg, 'H');
	if (og_wire_send(fd, &r->msg) != 0)
		goto out;
	if (og_wire_recv(fd, req, REQUEST_MS) != 'Q' || og_request_get(req, &in) != 0) {
		syslog(LOG_AUTHPRIV | LOG_ERR, "a malformed request from process %lld; closed", pid);
		goto out;
	}
	in.pid = pid;
	code = og_pam_run(&in, &io);
	og_wire_start(&r->msg, 'R');
	og_wire_put_int(&r->msg, code);
	if (!r->broken)
		og_wire_send(fd, &r->msg);
out:
	if (req != NULL)
		og_wire_wipe(req);
	if (r != NULL)
		og_wire_wipe(&r->msg);
	free(req);
	free(r);
}

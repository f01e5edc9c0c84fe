/*
 * wire.h: the messages between the module's front and otpgated, over a
 * SOCK_SEQPACKET Unix socket (one message per packet, never merged or
 * split). A message is a type byte, then fields: '-' (absent) or '+' and
 * a NUL-terminated string; numbers travel as decimal strings. A message
 * never exceeds OG_WIRE_MAX bytes; a longer one is refused, never cut.
 *
 *   daemon -> front  'H' hello: a worker took the connection (only then
 *                    does the front send its request)
 *   front -> daemon  'Q' request: fn, flags, config, user, service, rhost,
 *                    tty, SSH_CONNECTION, SSH_AUTH_INFO_0, authtok,
 *                    session id
 *                    'A' answer to C/T/K: PAM code, response (C only)
 *   daemon -> front  'C' conversation message: style, text
 *                    'T' set PAM_AUTHTOK: token
 *                    'K' keep the session id: id
 *                    'L' log line: priority, text (no answer)
 *                    'R' result: PAM code (the end)
 *
 * On the key socket (keyserve.c), one exchange and no hello:
 *   reader -> daemon 'P' lookup: config, user, fingerprint (absent: none)
 *   daemon -> reader 'P' answer: keys listed, offered key among them (0/1),
 *                    the authorized_keys lines
 * A lookup the daemon does not serve is closed unanswered.
 */
#ifndef OTPGATE_WIRE_H
#define OTPGATE_WIRE_H

#include <stddef.h>

#define OG_WIRE_MAX 16384

struct og_wire {
	char buf[OG_WIRE_MAX];
	size_t len;
	size_t pos;		/* reading: the next field */
	int bad;		/* writing: a field did not fit */
};

void og_wire_start(struct og_wire *w, char type);
void og_wire_put(struct og_wire *w, const char *s);	/* NULL: absent */
void og_wire_put_int(struct og_wire *w, long long v);
/* Sends w; 0, or -1 (it did not fit, or the peer is gone). */
int og_wire_send(int fd, const struct og_wire *w);

/* A socket connected to path (absolute: EINVAL otherwise), non-blocking,
 * or -1 with errno (EAGAIN: the listener's queue is full). */
int og_wire_dial(const char *path);

/* Receives one message within timeout_ms (-1: no bound); its type, or -1
 * on end of stream, error, timeout, or a message too long or empty. */
int og_wire_recv(int fd, struct og_wire *w, int timeout_ms);
/* The next field: *s NULL when absent; 0, or -1 when malformed or longer
 * than max bytes. */
int og_wire_get(struct og_wire *w, const char **s, size_t max);
/* The next field as a number within [min, max]; 0 or -1. */
int og_wire_get_int(struct og_wire *w, long long *v, long long min, long long max);
/* 0 when every byte was read, else -1. */
int og_wire_end(const struct og_wire *w);
/* Wipes the buffer (it may have held a code or a password). */
void og_wire_wipe(struct og_wire *w);

#endif

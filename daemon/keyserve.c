/*
 * keyserve.c: otpgated's key socket. sshd runs its AuthorizedKeysCommand,
 * otpgate-keyrotate authorized-keys --daemon SOCKET, as an unprivileged
 * user for every connection attempt; a worker answers from the registry it
 * keeps open (keycache.c) instead of that process opening it.
 *
 * The socket is the key reader's group's (otpgated -g); beyond that a
 * worker serves only a peer that could open the config and the registry
 * itself (checked with its ids and groups: the kernel decides), only for
 * the config it was started with, and a registry on PostgreSQL only to
 * root: nobody gets more through the socket than by reading the files. A
 * request it does not serve is closed unanswered, and the reader looks in
 * the registry itself.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "bounds.h"
#include "config.h"
#include "keyanswer.h"
#include "keycache.h"
#include "keyserve.h"
#include "wire.h"

/* The reader sends its request as soon as it is connected: a peer that
 * does not is closed soon, not left holding a worker logins need. */
#define REQUEST_MS 200
#define GROUPS_MAX 1024

static const char *served_config = OG_DEFAULT_CONFIG;

void og_keys_serve_config(const char *config)
{
	served_config = config;
}

struct peer {
	struct ucred cr;
	gid_t groups[GROUPS_MAX];
	int ngroups;
};

static int peer_of(int fd, struct peer *p)
{
	socklen_t len = sizeof(p->cr), glen = sizeof(p->groups);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &p->cr, &len) != 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, p->groups, &glen) != 0)
		return -1;
	p->ngroups = (int)(glen / sizeof(gid_t));
	return 0;
}

/* Takes the peer's filesystem ids and groups: 0, or -1. */
static int become_peer(const struct peer *p)
{
	if (setgroups((size_t)p->ngroups, p->groups) != 0)
		return -1;
	setfsgid(p->cr.gid);
	setfsuid(p->cr.uid);
	return setfsuid((uid_t)-1) == (int)p->cr.uid && setfsgid((gid_t)-1) == (int)p->cr.gid ? 0 : -1;
}

/* Takes root's filesystem ids and its own groups back; a worker that
 * cannot must not go on. */
static void become_root(const gid_t *own, int nown)
{
	setfsuid(0);
	setfsgid(0);
	if (setfsuid((uid_t)-1) != 0 || setfsgid((gid_t)-1) != 0 || setgroups((size_t)nown, own) != 0)
		_exit(1);
}

/* 1 if path may be read with the filesystem ids and groups in force, as
 * the kernel decides (faccessat2 with AT_EACCESS checks with them; glibc
 * would emulate it with the effective ids, which are root's, so it is
 * called directly, and a kernel without it is a no). The file is never
 * opened: closing any descriptor of the registry would drop the POSIX
 * locks the kept SQLite connection holds on it, for the whole process. */
static int readable(const char *path)
{
#ifdef SYS_faccessat2
	return syscall(SYS_faccessat2, AT_FDCWD, path, R_OK, AT_EACCESS) == 0;
#else
	(void)path;
	return 0;
#endif
}

/* 1 if the peer could open each of the files (NULL: none) for reading, as
 * the kernel decides (modes, ACLs, every directory on the way): checked
 * with its ids and groups. The worker is one thread. */
static int may_read(const struct peer *p, const char *a, const char *b)
{
	gid_t own[GROUPS_MAX];
	int nown, ok;

	if (p->cr.uid == 0)
		return 1;
	if ((nown = getgroups(GROUPS_MAX, own)) < 0)
		return 0;
	ok = become_peer(p) == 0 && (a == NULL || readable(a)) && (b == NULL || readable(b));
	become_root(own, nown);
	return ok;
}

/* Reads the request into m: 0 with its fields, or -1 (logged). */
static int request(int fd, struct og_wire *m, const struct peer *p, const char **config,
		   const char **user, const char **offered)
{
	if (og_wire_recv(fd, m, REQUEST_MS) == 'P' && og_wire_get(m, config, 4096) == 0 &&
	    og_wire_get(m, user, 256) == 0 && og_wire_get(m, offered, 64) == 0 &&
	    og_wire_end(m) == 0 && *config != NULL && og_key_query_ok(*user, *offered))
		return 0;
	syslog(LOG_AUTHPRIV | LOG_ERR, "key socket: a malformed request from process %d; closed",
	       (int)p->cr.pid);
	return -1;
}

/* 1 if the peer may have the answer from reg: it could read the config
 * and the registry itself. A registry on PostgreSQL only root may have:
 * the daemon would connect with its own credentials, not the reader's. */
static int peer_allowed(const struct peer *p, const char *config,
			const struct og_key_registry *reg)
{
	if (reg->registry_path == NULL && p->cr.uid != 0) {
		syslog(LOG_AUTHPRIV | LOG_NOTICE, "key socket: a registry on PostgreSQL is answered to"
		       " root only; uid %u (process %d) looks itself", (unsigned)p->cr.uid,
		       (int)p->cr.pid);
		return 0;
	}
	if (may_read(p, config, reg->registry_path))
		return 1;
	syslog(LOG_AUTHPRIV | LOG_WARNING, "key socket: refused uid %u (process %d): it cannot read"
	       " %.200s or its key registry", (unsigned)p->cr.uid, (int)p->cr.pid, config);
	return 0;
}

/* Sends the answer (listed, offered found, the lines): 0, or -1. */
static int answer(int fd, struct og_wire *m, const char *user, const struct og_key_answer *a)
{
	og_wire_start(m, 'P');
	og_wire_put_int(m, a->listed);
	og_wire_put_int(m, a->offered_found);
	og_wire_put(m, a->text != NULL ? a->text : "");
	if (m->bad)
		syslog(LOG_AUTHPRIV | LOG_WARNING, "key socket: %s's keys (%zu bytes) do not fit in an"
		       " answer; the reader looks itself", user, a->len);
	return og_wire_send(fd, m);
}

static void serve(int fd, struct og_wire *m, const struct peer *p)
{
	const struct og_key_registry *reg;
	const char *config = NULL, *user = NULL, *offered = NULL;
	struct og_key_answer a = { 0 };
	char who[OG_USER_MAX + 1], key[64];
	int r;

	if (request(fd, m, p, &config, &user, &offered) != 0)
		return;
	if (strcmp(config, served_config) != 0)
		return;	/* another config: the reader's own to read */
	if ((reg = og_key_registry_get(config)) == NULL || !peer_allowed(p, config, reg))
		return;
	r = og_key_answer_list(reg->st, user, offered, (int64_t)time(NULL), &a);
	og_key_registry_done(r == 0);
	/* the answer takes the request's place in m: its fields copied first */
	snprintf(who, sizeof(who), "%s", user);
	snprintf(key, sizeof(key), "%s", offered != NULL ? offered : "");
	/* logged once answered, while the reader prints it, with its pid */
	if (r == 0 && answer(fd, m, who, &a) == 0)
		og_key_answer_log(who, offered != NULL ? key : NULL, &a, (long)p->cr.pid);
	og_key_answer_free(&a);
}

void og_serve_keys(int fd)
{
	struct og_wire *m = malloc(sizeof(*m));
	struct peer *p = malloc(sizeof(*p));

	if (m != NULL && p != NULL && peer_of(fd, p) == 0)
		serve(fd, m, p);
	free(m);
	free(p);
}

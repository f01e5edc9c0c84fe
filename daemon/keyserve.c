/*
 * keyserve.c: otpgated's key socket. sshd runs its AuthorizedKeysCommand,
 * otpgate-keyrotate authorized-keys --daemon SOCKET, as an unprivileged
 * user for every connection attempt; a worker answers from the registry it
 * keeps open (keycache.c) instead of that process opening it.
 *
 * The socket is the key reader's group's (otpgated -g); beyond that a
 * worker serves only a peer that could read the config and the registry
 * itself (owners, groups and modes of the files and the directories above
 * them, as the kernel would decide), and only
 * for the config it was started with: nobody gets more through the socket
 * than by reading the files. A request it does not serve is closed
 * unanswered, and the reader looks in the registry itself.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "bounds.h"
#include "config.h"
#include "keyanswer.h"
#include "keycache.h"
#include "keyserve.h"
#include "wire.h"

/* The reader sends its request at once. */
#define REQUEST_MS 1000
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

static int in_group(const struct peer *p, gid_t g)
{
	if (p->cr.gid == g)
		return 1;
	for (int i = 0; i < p->ngroups; i++)
		if (p->groups[i] == g)
			return 1;
	return 0;
}

/* 1 if the mode bits want (4: read, 1: search) of a file with owner uid,
 * group gid and mode are the peer's, as the kernel would decide. */
static int allowed(const struct peer *p, uid_t uid, gid_t gid, mode_t mode, unsigned want)
{
	if (p->cr.uid == 0)
		return 1;
	if (p->cr.uid == uid)
		return ((mode >> 6) & want) == want;
	if (in_group(p, gid))
		return ((mode >> 3) & want) == want;
	return (mode & want) == want;
}

/* 1 if the peer could open path (stamped s) for reading: search on every
 * directory above it, read on it. NULL: no file to read (PostgreSQL). */
static int may_read(const struct peer *p, const char *path, const struct og_stamp *s)
{
	char dir[4200], *slash;
	struct stat st;

	if (path == NULL || p->cr.uid == 0)
		return 1;
	if (!allowed(p, s->uid, s->gid, s->mode, 4) || path[0] != '/' ||
	    snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return 0;
	while ((slash = strrchr(dir, '/')) != NULL) {
		slash[slash == dir] = '\0';	/* "/x" leaves "/", then "" ends it */
		if (stat(dir, &st) != 0 || !allowed(p, st.st_uid, st.st_gid, st.st_mode, 1))
			return 0;
		if (slash == dir)
			break;
	}
	return 1;
}

/* The answer: listed, offered found, the lines; 0, or -1 when it does not
 * fit in a message (the reader then looks itself). */
static int answer(int fd, struct og_wire *m, const struct og_key_answer *a)
{
	og_wire_start(m, 'P');
	og_wire_put_int(m, a->listed);
	og_wire_put_int(m, a->offered_found);
	og_wire_put(m, a->text != NULL ? a->text : "");
	return og_wire_send(fd, m);
}

static void serve(int fd, struct og_wire *m, const struct peer *p)
{
	const struct og_key_registry *reg;
	const char *config = NULL, *user = NULL, *offered = NULL;
	struct og_key_answer a = { 0 };
	char who[OG_USER_MAX + 1], key[64];
	int r;

	if (og_wire_recv(fd, m, REQUEST_MS) != 'P' || og_wire_get(m, &config, 4096) != 0 ||
	    og_wire_get(m, &user, 256) != 0 || og_wire_get(m, &offered, 64) != 0 ||
	    og_wire_end(m) != 0 || config == NULL || !og_key_query_ok(user, offered)) {
		syslog(LOG_AUTHPRIV | LOG_ERR, "key socket: a malformed request from process %d; closed",
		       (int)p->cr.pid);
		return;
	}
	if (strcmp(config, served_config) != 0)
		return;	/* another config: the reader's own to read */
	if ((reg = og_key_registry_get(config)) == NULL)
		return;
	if (!may_read(p, config, &reg->config) || !may_read(p, reg->registry_path, &reg->registry)) {
		syslog(LOG_AUTHPRIV | LOG_WARNING, "key socket: refused uid %u (process %d): it "
		       "cannot read %.200s or its key registry", (unsigned)p->cr.uid, (int)p->cr.pid,
		       config);
		return;
	}
	r = og_key_answer_list(reg->st, user, offered, (int64_t)time(NULL), &a);
	og_key_registry_done(r == 0);
	/* logged once answered, while the reader prints it (the answer takes
	 * the request's place in m: its fields copied first) */
	snprintf(who, sizeof(who), "%s", user);
	snprintf(key, sizeof(key), "%s", offered != NULL ? offered : "");
	if (r == 0 && answer(fd, m, &a) == 0)
		og_key_answer_log(who, offered != NULL ? key : NULL, &a);
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

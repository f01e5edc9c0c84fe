/*
 * otpgated: runs the PAM module's logins in warm processes. The module's
 * front (pam_otpgate.so with the `daemon` argument) sends each login step
 * here; a worker runs the core (flow.c) with libcrypto initialised and its
 * code loaded, instead of the process sshd forked for the connection
 * loading and initialising all of it for one login.
 *
 * The same workers answer the key reader (otpgate-keyrotate
 * authorized-keys --daemon, sshd's AuthorizedKeysCommand) on a second
 * socket, from the key registry they keep open (keyserve.c).
 *
 * This is the master: its options, the sockets (the login socket mode
 * 0600, the key socket 0660 and the key reader's group), and the signals
 * it turns into work for the pool of workers (pool.c).
 */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include "config.h"
#include "input.h"
#include "keyserve.h"
#include "pool.h"
#include "version.h"

#define MAX_WORKERS_LIMIT 1024

static int max_workers = 256;

static void usage(FILE *f)
{
	fprintf(f, "usage: otpgated [-s SOCKET] [-k SOCKET [-c FILE] [-g GROUP]] [-w MAX_WORKERS]\n"
		   "  -s SOCKET       listen for logins there (default %s)\n"
		   "  -k SOCKET       also answer key lookups there (otpgate-keyrotate\n"
		   "                  authorized-keys --daemon SOCKET)\n"
		   "  -c FILE         the config whose key registry -k serves (default %s)\n"
		   "  -g GROUP        the key socket's group, the key reader's (default otpgate)\n"
		   "  -w MAX_WORKERS  logins and lookups served at once, at most (default 256)\n"
		   "  -V, --version   print the version\n", OG_DAEMON_SOCKET, OG_DEFAULT_CONFIG);
}

/* 1 if an otpgated (or anyone) listens on the socket at sa. */
static int in_use(const struct sockaddr_un *sa)
{
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0), r;

	if (fd < 0)
		return 0;
	r = connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0 || errno == EAGAIN;
	close(fd);
	return r;
}

/* The listening socket at path, mode 0600, or 0660 with group gid when
 * gid is not -1; a stale socket there is replaced, one someone listens on
 * or anything else is an error. */
static int listen_at(const char *path, gid_t gid)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	mode_t old;
	int fd, r;

	if (path[0] != '/') {	/* "" would make an abstract socket, open to anyone */
		fprintf(stderr, "otpgated: '%s': a socket needs an absolute path\n", path);
		return -1;
	}
	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "otpgated: %s: socket path too long\n", path);
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode)) {
		if (in_use(&sa)) {
			fprintf(stderr, "otpgated: %s: another otpgated listens there\n", path);
			return -1;
		}
		unlink(path);
	}
	/* non-blocking: a worker woken for a connection another took gets EAGAIN */
	if ((fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) < 0)
		return -1;
	old = umask(gid != (gid_t)-1 ? 0117 : 0177);
	r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (r == 0 && ((gid != (gid_t)-1 && lchown(path, 0, gid) != 0) || listen(fd, 128) != 0)) {
		int e = errno;
		unlink(path);	/* ours, just made: not left behind */
		errno = e;
		r = -1;
	}
	if (r != 0) {
		fprintf(stderr, "otpgated: %s: %s\n", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* The key socket at path for group; without the group, root's alone. */
static int listen_keys(const char *path, const char *group)
{
	struct group *gr;

	if ((gr = getgrnam(group)) == NULL)
		syslog(LOG_NOTICE, "group %.64s does not exist: the key socket %s is root's alone",
		       group, path);
	return listen_at(path, gr != NULL ? gr->gr_gid : (gid_t)-1);
}

static int run(const struct og_listeners *l, const char *path, const char *keys_path)
{
	struct signalfd_siginfo si;
	sigset_t set;
	int sfd;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	if ((sfd = signalfd(-1, &set, SFD_CLOEXEC)) < 0)
		return 1;
	og_pool_top_up(l);
	for (;;) {
		if (read(sfd, &si, sizeof(si)) != sizeof(si) && errno != EINTR)
			break;
		if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
			break;
		if (si.ssi_signo == SIGHUP)
			og_pool_refresh();
		og_pool_reap();
		og_pool_top_up(l);
	}
	unlink(path);
	if (l->keys >= 0)
		unlink(keys_path);
	og_pool_stop();
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "version", no_argument, NULL, 'V' }, { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = OG_DAEMON_SOCKET, *keys_path = NULL, *group = "otpgate";
	struct og_listeners l;
	char *end;
	int c, config_given = 0, group_given = 0;

	while ((c = getopt_long(argc, argv, "s:k:c:g:w:Vh", longopts, NULL)) != -1) {
		switch (c) {
		case 's': path = optarg; break;
		case 'k': keys_path = optarg; break;
		case 'c':
			if (optarg[0] != '/') {
				fprintf(stderr, "otpgated: -c %s: an absolute path\n", optarg);
				return 2;
			}
			og_keys_serve_config(optarg);
			config_given = 1;
			break;
		case 'g':
			group = optarg;
			group_given = 1;
			break;
		case 'w':
			max_workers = (int)strtol(optarg, &end, 10);
			if (*end != '\0' || max_workers < OG_POOL_START || max_workers > MAX_WORKERS_LIMIT) {
				fprintf(stderr, "otpgated: -w %s: a number from %d to %d\n", optarg,
					OG_POOL_START, MAX_WORKERS_LIMIT);
				return 2;
			}
			break;
		case 'V': printf("otpgated %s\n", OTPGATE_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (keys_path == NULL && (config_given || group_given)) {
		fprintf(stderr, "otpgated: -c and -g go with -k (the key socket)\n");
		return 2;
	}
	openlog("otpgated", LOG_PID, LOG_AUTHPRIV);
	if (og_pool_init(max_workers) != 0 || (l.pam = listen_at(path, (gid_t)-1)) < 0)
		return 1;
	l.keys = -1;
	if (keys_path != NULL && (l.keys = listen_keys(keys_path, group)) < 0) {
		unlink(path);
		return 1;
	}
	syslog(LOG_INFO, "otpgated %s listening on %s%s%s", OTPGATE_VERSION, path,
	       l.keys >= 0 ? " and, for key lookups, " : "", l.keys >= 0 ? keys_path : "");
	return run(&l, path, keys_path);
}

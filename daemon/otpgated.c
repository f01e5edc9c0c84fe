/*
 * otpgated: runs the PAM module's logins in warm processes. The module's
 * front (pam_otpgate.so with the `daemon` argument) sends each login step
 * here; a worker runs the core (flow.c) with libcrypto initialised and its
 * code loaded, instead of the process sshd forked for the connection
 * loading and initialising all of it for one login.
 *
 * This is the master: its options, the socket (mode 0600), and the
 * signals it turns into work for the pool of workers (pool.c).
 */
#include <errno.h>
#include <getopt.h>
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

#include "input.h"
#include "pool.h"
#include "version.h"

#define MAX_WORKERS_LIMIT 1024

static int max_workers = 256;

static void usage(FILE *f)
{
	fprintf(f, "usage: otpgated [-s SOCKET] [-w MAX_WORKERS]\n"
		   "  -s SOCKET       listen there (default %s)\n"
		   "  -w MAX_WORKERS  logins served at once, at most (default 256)\n"
		   "  -V, --version   print the version\n", OG_DAEMON_SOCKET);
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

/* The listening socket at path, mode 0600; a stale socket there is
 * replaced, one someone listens on or anything else is an error. */
static int listen_at(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	mode_t old;
	int fd, r;

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
	old = umask(0177);
	r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (r != 0 || listen(fd, 128) != 0) {
		fprintf(stderr, "otpgated: %s: %s\n", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int run(int lfd, const char *path)
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
	og_pool_top_up(lfd);
	for (;;) {
		if (read(sfd, &si, sizeof(si)) != sizeof(si) && errno != EINTR)
			break;
		if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
			break;
		if (si.ssi_signo == SIGHUP)
			og_pool_refresh();
		og_pool_reap();
		og_pool_top_up(lfd);
	}
	unlink(path);
	og_pool_stop();
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "version", no_argument, NULL, 'V' }, { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = OG_DAEMON_SOCKET;
	char *end;
	int c, lfd;

	while ((c = getopt_long(argc, argv, "s:w:Vh", longopts, NULL)) != -1) {
		switch (c) {
		case 's': path = optarg; break;
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
	openlog("otpgated", LOG_PID, LOG_AUTHPRIV);
	if (og_pool_init(max_workers) != 0 || (lfd = listen_at(path)) < 0)
		return 1;
	syslog(LOG_INFO, "otpgated %s listening on %s", OTPGATE_VERSION, path);
	return run(lfd, path);
}

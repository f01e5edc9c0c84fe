/*
 * otpgated: runs the PAM module's logins in warm processes. The module's
 * front (pam_otpgate.so with the `daemon` argument) sends each login step
 * here; a worker runs the core (flow.c) with libcrypto initialised and its
 * code loaded, instead of the process sshd forked for the connection
 * loading and initialising all of it for one login.
 *
 * The master binds the socket (mode 0600) and keeps a pool of workers:
 * each accepts one connection at a time and serves it (serve.c). While
 * fewer than SPARE workers are idle it starts more, up to the maximum; a
 * worker serves at most LIFETIME connections, then is replaced. Only root
 * and our own user may connect (SO_PEERCRED).
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include "ctxcache.h"
#include "input.h"
#include "serve.h"
#include "version.h"

#define SPARE 2
#define START 4
#define LIFETIME 10000
#define MAX_WORKERS_LIMIT 1024

enum { FREE, IDLE, BUSY };

struct worker {
	pid_t pid;
	volatile int state;	/* written by the worker while it runs */
};

static struct worker *pool;	/* shared between the master and the workers */
static volatile sig_atomic_t stopping;	/* a worker told to end (SIGTERM) */
static int max_workers = 256;

static void usage(FILE *f)
{
	fprintf(f, "usage: otpgated [-s SOCKET] [-w MAX_WORKERS]\n"
		   "  -s SOCKET       listen there (default %s)\n"
		   "  -w MAX_WORKERS  logins served at once, at most (default 256)\n"
		   "  -V, --version   print the version\n", OG_DAEMON_SOCKET);
}

/* The listening socket at path, mode 0600; a stale socket there is
 * replaced, anything else is an error. */
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
	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(path);
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

static void on_term(int sig)
{
	(void)sig;
	stopping = 1;
}

static int idle_workers(void)
{
	int idle = 0;

	for (int i = 0; i < max_workers; i++)
		idle += pool[i].state == IDLE;
	return idle;
}

/* The next connection, or -1 once told to stop. SIGTERM and SIGINT are
 * let in only while waiting (epoll_pwait), so a login under way is always
 * finished; EPOLLEXCLUSIVE wakes one idle worker, not all of them. */
static int next_connection(int ep, int lfd, const sigset_t *waiting)
{
	struct epoll_event ev;
	int fd;

	while (!stopping) {
		if (epoll_pwait(ep, &ev, 1, -1, waiting) < 0) {
			if (errno == EINTR)
				continue;
			_exit(1);
		}
		if ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) >= 0)
			return fd;
		if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
			_exit(1);
	}
	return -1;
}

static void work(int lfd, struct worker *me, pid_t master)
{
	struct sigaction sa = { .sa_handler = on_term };
	struct epoll_event want = { .events = EPOLLIN | EPOLLEXCLUSIVE };
	sigset_t stop, waiting;
	long long pid;
	int ep, fd;

	/* a worker never outlives its master (nor serves without it) */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != master)
		_exit(1);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	/* SIGTERM and SIGINT held back but while waiting; the master's others let go */
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	sigprocmask(SIG_SETMASK, &stop, NULL);
	sigemptyset(&waiting);
	if ((ep = epoll_create1(EPOLL_CLOEXEC)) < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &want) != 0)
		_exit(1);
	for (int served = 0; served < LIFETIME; served++) {
		me->state = IDLE;
		if ((fd = next_connection(ep, lfd, &waiting)) < 0)
			break;
		me->state = BUSY;
		if (idle_workers() < SPARE)
			kill(master, SIGUSR1);	/* time to start another */
		if (peer_allowed(fd, &pid))
			og_serve(fd, pid);
		close(fd);
	}
	og_pam_ctx_drop();
	exit(0);
}

static int spawn(int lfd, struct worker *slot)
{
	pid_t pid, master = getpid();

	slot->state = IDLE;
	if ((pid = fork()) < 0) {
		slot->state = FREE;
		syslog(LOG_ERR, "fork: %m");
		return -1;
	}
	if (pid == 0)
		work(lfd, slot, master);
	slot->pid = pid;
	return 0;
}

/* Starts workers while fewer than SPARE are idle (at least START in all). */
static void top_up(int lfd)
{
	int idle = idle_workers(), used = 0;

	for (int i = 0; i < max_workers; i++)
		used += pool[i].state != FREE;
	for (int i = 0; i < max_workers && (idle < SPARE || used < START); i++) {
		if (pool[i].state != FREE)
			continue;
		if (spawn(lfd, &pool[i]) != 0)
			return;
		idle++;
		used++;
	}
}

static void reap(void)
{
	pid_t pid;

	while ((pid = waitpid(-1, NULL, WNOHANG)) > 0)
		for (int i = 0; i < max_workers; i++)
			if (pool[i].pid == pid) {
				pool[i].pid = 0;
				pool[i].state = FREE;
			}
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
	top_up(lfd);
	for (;;) {
		if (read(sfd, &si, sizeof(si)) != sizeof(si) && errno != EINTR)
			break;
		if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
			break;
		/* SIGHUP: fresh idle workers, which open config and store anew */
		for (int i = 0; si.ssi_signo == SIGHUP && i < max_workers; i++)
			if (pool[i].state == IDLE)
				kill(pool[i].pid, SIGTERM);
		reap();
		top_up(lfd);
	}
	for (int i = 0; i < max_workers; i++)
		if (pool[i].state != FREE)
			kill(pool[i].pid, SIGTERM);
	unlink(path);
	while (wait(NULL) > 0)
		;
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
			if (*end != '\0' || max_workers < START || max_workers > MAX_WORKERS_LIMIT) {
				fprintf(stderr, "otpgated: -w %s: a number from %d to %d\n", optarg,
					START, MAX_WORKERS_LIMIT);
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
	pool = mmap(NULL, (size_t)max_workers * sizeof(*pool), PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (pool == MAP_FAILED || (lfd = listen_at(path)) < 0)
		return 1;
	syslog(LOG_INFO, "otpgated %s listening on %s", OTPGATE_VERSION, path);
	return run(lfd, path);
}

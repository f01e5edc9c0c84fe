/*
 * pool.c: otpgated's workers. Each accepts one connection at a time, on
 * the login socket or the key socket, and serves it (serve.c, keyserve.c);
 * while fewer than SPARE are idle the master starts more, up to the
 * maximum; a worker serves at most LIFETIME connections, then is
 * replaced, and dies with the master. The workers' states live in
 * memory shared with the master.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include "ctxcache.h"
#include "keycache.h"
#include "keyserve.h"
#include "pool.h"
#include "serve.h"

#define SPARE 2
#define LIFETIME 10000

enum { FREE, IDLE, BUSY };

struct worker {
	pid_t pid;
	volatile int state;	/* written by the worker while it runs */
};

static struct worker *pool;	/* shared between the master and the workers */
static int max_workers;
static volatile sig_atomic_t stopping;	/* a worker told to end (SIGTERM) */

int og_pool_init(int max)
{
	max_workers = max;
	pool = mmap(NULL, (size_t)max * sizeof(*pool), PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	return pool == MAP_FAILED ? -1 : 0;
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

/* The next connection, or -1 once told to stop; *keys: it came on the
 * key socket. SIGTERM and SIGINT are let in only while waiting
 * (epoll_pwait), so a login under way is always finished; EPOLLEXCLUSIVE
 * wakes one idle worker, not all of them. */
static int next_connection(int ep, const struct og_listeners *l, const sigset_t *waiting,
			   int *keys)
{
	struct epoll_event ev;
	int fd;

	while (!stopping) {
		if (epoll_pwait(ep, &ev, 1, -1, waiting) < 0) {
			if (errno == EINTR)
				continue;
			_exit(1);
		}
		*keys = ev.data.u32 == 1;
		if ((fd = accept4(*keys ? l->keys : l->pam, NULL, NULL, SOCK_CLOEXEC)) >= 0)
			return fd;
		if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
			_exit(1);
	}
	return -1;
}

/* Waits for connections on the login socket and, if there is one, the key socket. */
static int listen_epoll(const struct og_listeners *l)
{
	struct epoll_event pam = { .events = EPOLLIN | EPOLLEXCLUSIVE, .data.u32 = 0 };
	struct epoll_event keys = { .events = EPOLLIN | EPOLLEXCLUSIVE, .data.u32 = 1 };
	int ep = epoll_create1(EPOLL_CLOEXEC);

	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, l->pam, &pam) != 0 ||
	    (l->keys >= 0 && epoll_ctl(ep, EPOLL_CTL_ADD, l->keys, &keys) != 0))
		_exit(1);
	return ep;
}

static void work(const struct og_listeners *l, struct worker *me, pid_t master)
{
	struct sigaction sa = { .sa_handler = on_term };
	sigset_t stop, waiting;
	int ep, fd, keys;

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
	ep = listen_epoll(l);
	for (int served = 0; served < LIFETIME; served++) {
		me->state = IDLE;
		if ((fd = next_connection(ep, l, &waiting, &keys)) < 0)
			break;
		me->state = BUSY;
		if (idle_workers() < SPARE)
			kill(master, SIGUSR1);	/* time to start another */
		if (keys)
			og_serve_keys(fd);
		else
			og_serve(fd);
		close(fd);
		if (!keys)
			og_pam_ctx_upkeep();	/* the front has its answer */
	}
	og_pam_ctx_drop();
	og_key_registry_drop();
	exit(0);
}

static int spawn(const struct og_listeners *l, struct worker *slot)
{
	pid_t pid, master = getpid();

	slot->state = IDLE;
	if ((pid = fork()) < 0) {
		slot->state = FREE;
		syslog(LOG_ERR, "fork: %m");
		return -1;
	}
	if (pid == 0)
		work(l, slot, master);
	slot->pid = pid;
	return 0;
}

/* Starts workers while fewer than SPARE are idle (at least OG_POOL_START in all). */
void og_pool_top_up(const struct og_listeners *l)
{
	int idle = idle_workers(), used = 0;

	for (int i = 0; i < max_workers; i++)
		used += pool[i].state != FREE;
	for (int i = 0; i < max_workers && (idle < SPARE || used < OG_POOL_START); i++) {
		if (pool[i].state != FREE)
			continue;
		if (spawn(l, &pool[i]) != 0)
			return;
		idle++;
		used++;
	}
}

void og_pool_reap(void)
{
	pid_t pid;

	while ((pid = waitpid(-1, NULL, WNOHANG)) > 0)
		for (int i = 0; i < max_workers; i++)
			if (pool[i].pid == pid) {
				pool[i].pid = 0;
				pool[i].state = FREE;
			}
}

/* SIGHUP: the idle workers end; fresh ones open config and store anew. */
void og_pool_refresh(void)
{
	for (int i = 0; i < max_workers; i++)
		if (pool[i].state == IDLE)
			kill(pool[i].pid, SIGTERM);
}

void og_pool_stop(void)
{
	for (int i = 0; i < max_workers; i++)
		if (pool[i].state != FREE)
			kill(pool[i].pid, SIGTERM);
	while (wait(NULL) > 0)
		;
}

/* notify.c: notification programs, started detached with nothing of ours. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "notify.h"
#include "util.h"

#define START_WAIT_MS 3000	/* for the program's execve to succeed or fail */
#define FD_LOOP_MAX 65536	/* last resort without close_range and /proc */
#define USER_MAX 256

/* What the grandchild writes to the pipe when it cannot start the program. */
struct start_failure {
	int stage;
	int err;
};

enum { ST_FORK = 1, ST_SETUP, ST_EXEC };

static const char *const stage_names[] = { "", "fork", "setting up its process", "exec" };

/* ---- between fork and exec: async-signal-safe calls only ---- */

static int parse_fd(const char *s)
{
	int v = 0;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9' || v > 100000000)
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v;
}

int og_notify_cloexec_walk(int lowfd)
{
	char buf[4096];
	int dfd = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC), r = 0;
	ssize_t n;

	if (dfd < 0)
		return -1;
	while ((n = getdents64(dfd, buf, sizeof(buf))) > 0) {
		for (ssize_t off = 0; off < n;) {
			struct dirent64 *d = (struct dirent64 *)(buf + off);
			int fd = parse_fd(d->d_name);

			off += d->d_reclen;
			if (fd >= lowfd && fd != dfd && fcntl(fd, F_SETFD, FD_CLOEXEC) != 0 &&
			    errno != EBADF)
				r = -1;
		}
	}
	if (n < 0)
		r = -1;
	close(dfd);
	return r;
}

/* Without close_range and /proc: every number up to the descriptor limit. */
static int cloexec_loop(int lowfd)
{
	struct rlimit rl;
	int max = FD_LOOP_MAX;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)max)
		max = (int)rl.rlim_cur;
	for (int fd = lowfd; fd < max; fd++)
		fcntl(fd, F_SETFD, FD_CLOEXEC);
	return getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur <= FD_LOOP_MAX ? 0 : -1;
}

int og_notify_cloexec_from(int lowfd)
{
	if (close_range((unsigned)lowfd, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
		return 0;
	if (og_notify_cloexec_walk(lowfd) == 0)
		return 0;
	return cloexec_loop(lowfd);
}

/* Default dispositions for signals the caller ignores, and an empty mask. */
static void reset_signals(void)
{
	struct sigaction dfl, old;
	sigset_t none;

	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	for (int sig = 1; sig < NSIG; sig++) {
		if (sigaction(sig, NULL, &old) == 0 && old.sa_handler == SIG_IGN)
			sigaction(sig, &dfl, NULL);
	}
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/* /dev/null as 0, 1 and 2, and no other descriptor left of it. */
static int stdio_to_null(void)
{
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -1;
	for (int i = 0; i <= 2; i++) {
		if (fd == i ? fcntl(i, F_SETFD, 0) != 0 : dup2(fd, i) != i)
			return -1;
	}
	if (fd > 2)
		close(fd);
	return 0;
}

static void report(int wfd, int stage, int err)
{
	struct start_failure f = { stage, err };

	(void)!write(wfd, &f, sizeof(f));
}

/* The first child: forks the program's process and exits at once. */
static void start_detached(int wfd, const char *cmd, char *const argv[], char *const envp[])
{
	pid_t pid = fork();

	if (pid != 0) {
		if (pid < 0)
			report(wfd, ST_FORK, errno);
		_exit(0);
	}
	setsid();
	reset_signals();
	/* the pipe above 2, where /dev/null cannot replace it */
	if (wfd <= 2 && (wfd = fcntl(wfd, F_DUPFD_CLOEXEC, 3)) < 0)
		_exit(127);
	if (stdio_to_null() != 0 || og_notify_cloexec_from(3) != 0 || chdir("/") != 0) {
		report(wfd, ST_SETUP, errno);
		_exit(127);
	}
	execve(cmd, argv, envp);
	report(wfd, ST_EXEC, errno);
	_exit(127);
}

/* ---- in the caller ---- */

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Waits, at most START_WAIT_MS, for the pipe to close (the program runs)
 * or to carry a failure. OG_OK, or OG_ERR_IO with why set.
 */
static int await_start(int rfd, char *why, size_t whylen)
{
	int64_t deadline = now_ms() + START_WAIT_MS;
	struct pollfd pfd = { rfd, POLLIN, 0 };
	struct start_failure f;
	ssize_t n;
	int left;

	while ((left = (int)(deadline - now_ms())) > 0) {
		if (poll(&pfd, 1, left) < 0 && errno != EINTR)
			break;
		if (pfd.revents == 0)
			continue;
		while ((n = read(rfd, &f, sizeof(f))) < 0 && errno == EINTR)
			;
		if (n == 0)
			return OG_OK;
		if (n == (ssize_t)sizeof(f) && f.stage >= ST_FORK && f.stage <= ST_EXEC) {
			snprintf(why, whylen, "%s: %s", stage_names[f.stage], strerror(f.err));
			return OG_ERR_IO;
		}
		break;
	}
	snprintf(why, whylen, "not started within %d s", START_WAIT_MS / 1000);
	return OG_ERR_IO;
}

/* Forks the first child and collects it; OG_OK once the program runs. */
static int spawn(const char *cmd, char *const argv[], char *const envp[], char *why,
		 size_t whylen)
{
	int p[2], status, r;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) != 0) {
		snprintf(why, whylen, "pipe: %s", strerror(errno));
		return OG_ERR_IO;
	}
	if ((pid = fork()) < 0) {
		snprintf(why, whylen, "fork: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		return OG_ERR_IO;
	}
	if (pid == 0) {
		close(p[0]);
		start_detached(p[1], cmd, argv, envp);
	}
	close(p[1]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	r = await_start(p[0], why, whylen);
	close(p[0]);
	return r;
}

int og_notify(const char *cmd, const char *event, const char *user, const char *arg3,
	      const char *arg4, char *why, size_t whylen, const struct og_log *log)
{
	char *const argv[] = { (char *)cmd, (char *)event, (char *)user, (char *)arg3,
			       (char *)arg4, NULL };
	char *const envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
	int r;

	why[0] = '\0';
	if (cmd == NULL)
		return OG_OK;
	if (!og_is_safe_name(user, USER_MAX)) {
		snprintf(why, whylen, "the user name is not safe to pass to a program");
		r = OG_ERR_INVALID;
	} else {
		r = spawn(cmd, argv, envp, why, whylen);
	}
	if (r != OG_OK)
		og_logf(log, LOG_ERR, "notify %.200s %s %.100s: not started: %s", cmd, event,
			og_is_safe_name(user, USER_MAX) ? user : "(unsafe name)", why);
	return r;
}

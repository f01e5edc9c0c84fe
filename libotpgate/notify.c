/* notify.c: fire-and-forget administrator notification. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "notify.h"

void og_notify(const char *cmd, const char *event, const char *user, const char *source,
	       const char *until, const struct og_log *log)
{
	char *const argv[] = { (char *)cmd, (char *)event, (char *)user, (char *)source,
			       (char *)until, NULL };
	char *const envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
	pid_t pid;
	int status;

	if (cmd == NULL)
		return;
	if ((pid = fork()) < 0) {
		og_logf(log, LOG_ERR, "notify %.200s: fork: %s", cmd, strerror(errno));
		return;
	}
	if (pid == 0) {
		/* only async-signal-safe calls from here on */
		if (fork() != 0)
			_exit(0);
		setsid();
		int fd = open("/dev/null", O_RDWR);
		if (fd >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execve(cmd, argv, envp);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
}

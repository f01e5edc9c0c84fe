/* pamio.c: the core's and the client's log lines, through the front's io (pamio.h). */
#include "pamio.h"

static void log_to_io(void *io, int prio, const char *msg)
{
	const struct og_pam_io *p = io;

	p->log(p->h, prio, msg);
}

struct og_log og_pam_io_log(const struct og_pam_io *io, int debug)
{
	struct og_log log = { log_to_io, (void *)io, debug };

	return log;
}

/* ctxonce.c: in the application's process, config and store are opened
 * for each call and closed after it (ctxsrc.h). */
#include <stdlib.h>

#include "ctxsrc.h"

struct og_ctx *og_pam_ctx_open(const char *config, const struct og_log *log, char *err,
			       size_t errlen, int *r)
{
	struct og_ctx *ctx = calloc(1, sizeof(*ctx));

	if (ctx != NULL)
		*r = og_ctx_open(ctx, config, log, err, errlen);
	return ctx;
}

void og_pam_ctx_done(struct og_ctx *ctx, int healthy)
{
	(void)healthy;
	og_ctx_close(ctx);
	free(ctx);
}

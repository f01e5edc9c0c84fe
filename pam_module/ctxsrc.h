/*
 * ctxsrc.h: where the core (flow.c) gets its config and store for a call.
 * In the application's process (ctxonce.c) each call opens and closes
 * them, as it always did; otpgated (daemon/ctxcache.c) keeps them open
 * between calls while the files they came from stay the same.
 */
#ifndef OTPGATE_CTXSRC_H
#define OTPGATE_CTXSRC_H

#include <stddef.h>

#include "auth.h"

/* A context for config (og_ctx_open's contract: *r OG_OK, or an error
 * with err filled and ctx->cfg_loaded saying whether the config was
 * read). NULL only when out of memory. */
struct og_ctx *og_pam_ctx_open(const char *config, const struct og_log *log, char *err,
			       size_t errlen, int *r);

/* The call is over; healthy: it ended without the store failing, so the
 * context may serve the next call. */
void og_pam_ctx_done(struct og_ctx *ctx, int healthy);

#endif

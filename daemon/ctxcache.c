/*
 * ctxcache.c: in otpgated, a worker keeps the config and the store it
 * opened for the next call (ctxsrc.h): the store's connection, its schema
 * read, libcrypto's algorithms fetched. It is opened afresh when the call
 * names another config, when the config file or the master key is no
 * longer the same file with the same contents, owner and mode (inode,
 * size, modification and change times), or the SQLite database no longer
 * the same file with the same owner and mode (a restore put another in its
 * place; a chmod made it unsafe: the store refuses it), after a call in
 * which the store failed, and when the store cannot serve another call
 * (og_store_idle_ok: PostgreSQL closed the connection meanwhile). The
 * spool is flushed on every call, as in process. The store is told it is
 * kept (og_store_keep): what its commits can leave for later is done by
 * og_pam_ctx_upkeep, once the answer is out.
 */
#include <stdlib.h>
#include <string.h>

#include "ctxcache.h"
#include "ctxsrc.h"
#include "spool.h"
#include "stamp.h"
#include "store.h"

static struct {
	struct og_ctx *ctx;
	char *config;
	struct og_stamp files[3];	/* config, master key, SQLite database */
} kept;

/* The files the config names; the config's own stamp is taken before it
 * is read, so a change while it is read is seen at the next call. */
static void stamps(const struct og_ctx *ctx, struct og_stamp out[3])
{
	og_stamp_of(ctx->cfg.master_key, &out[1]);
	og_stamp_of_db(ctx->cfg.store_path, &out[2]);	/* the store checks owner and mode */
}

void og_pam_ctx_drop(void)
{
	if (kept.ctx != NULL) {
		og_ctx_close(kept.ctx);
		free(kept.ctx);
	}
	free(kept.config);
	memset(&kept, 0, sizeof(kept));
}

void og_pam_ctx_upkeep(void)
{
	if (kept.ctx != NULL)
		og_store_upkeep(kept.ctx->st);
}

static int still_good(const char *config)
{
	struct og_stamp now[3];

	if (kept.ctx == NULL || strcmp(kept.config, config) != 0 || !og_store_idle_ok(kept.ctx->st))
		return 0;
	og_stamp_of(config, &now[0]);
	stamps(kept.ctx, now);
	return memcmp(now, kept.files, sizeof(now)) == 0;
}

struct og_ctx *og_pam_ctx_open(const char *config, const struct og_log *log, char *err,
			       size_t errlen, int *r)
{
	struct og_ctx *ctx;
	struct og_stamp config_stamp;

	if (still_good(config)) {
		kept.ctx->log = *log;	/* the store logs through &ctx->log */
		og_spool_flush(kept.ctx->cfg.store_spool, kept.ctx->st, &kept.ctx->log);
		*r = 0;
		return kept.ctx;
	}
	og_pam_ctx_drop();
	if ((ctx = calloc(1, sizeof(*ctx))) == NULL)
		return NULL;
	og_stamp_of(config, &config_stamp);
	if ((*r = og_ctx_open(ctx, config, log, err, errlen)) == 0 &&
	    (kept.config = strdup(config)) != NULL) {
		kept.ctx = ctx;
		og_store_keep(ctx->st);
		kept.files[0] = config_stamp;
		stamps(ctx, kept.files);
	}
	return ctx;
}

void og_pam_ctx_done(struct og_ctx *ctx, int healthy)
{
	if (ctx == kept.ctx && healthy)
		return;
	if (ctx == kept.ctx) {
		og_pam_ctx_drop();
		return;
	}
	og_ctx_close(ctx);
	free(ctx);
}

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
 * spool is flushed on every call, as in process.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ctxcache.h"
#include "ctxsrc.h"
#include "spool.h"
#include "store.h"

struct stamp {
	dev_t dev;
	ino_t ino;
	mode_t mode;
	uid_t uid;
	gid_t gid;
	off_t size;
	struct timespec mtime, ctime;
};

static struct {
	struct og_ctx *ctx;
	char *config;
	struct stamp files[3];	/* config, master key, SQLite database */
} kept;

static void stamp_of(const char *path, struct stamp *s)
{
	struct stat st;

	memset(s, 0, sizeof(*s));
	if (path != NULL && stat(path, &st) == 0) {
		s->dev = st.st_dev;
		s->ino = st.st_ino;
		s->mode = st.st_mode;
		s->uid = st.st_uid;
		s->gid = st.st_gid;
		s->size = st.st_size;
		s->mtime = st.st_mtim;
		s->ctime = st.st_ctim;
	}
}

/* The files the config names; the config's own stamp is taken before it
 * is read, so a change while it is read is seen at the next call. */
static void stamps(const struct og_ctx *ctx, struct stamp out[3])
{
	stamp_of(ctx->cfg.master_key, &out[1]);
	/* the database changes with every login: only whether it is the same
	 * file, with the same owner and mode (which the store checks) */
	stamp_of(ctx->cfg.store_path, &out[2]);
	out[2].size = 0;
	memset(&out[2].mtime, 0, sizeof(out[2].mtime));
	memset(&out[2].ctime, 0, sizeof(out[2].ctime));
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

static int still_good(const char *config)
{
	struct stamp now[3];

	if (kept.ctx == NULL || strcmp(kept.config, config) != 0 || !og_store_idle_ok(kept.ctx->st))
		return 0;
	stamp_of(config, &now[0]);
	stamps(kept.ctx, now);
	return memcmp(now, kept.files, sizeof(now)) == 0;
}

struct og_ctx *og_pam_ctx_open(const char *config, const struct og_log *log, char *err,
			       size_t errlen, int *r)
{
	struct og_ctx *ctx;
	struct stamp config_stamp;

	if (still_good(config)) {
		kept.ctx->log = *log;	/* the store logs through &ctx->log */
		og_spool_flush(kept.ctx->cfg.store_spool, kept.ctx->st, &kept.ctx->log);
		*r = 0;
		return kept.ctx;
	}
	og_pam_ctx_drop();
	if ((ctx = calloc(1, sizeof(*ctx))) == NULL)
		return NULL;
	stamp_of(config, &config_stamp);
	if ((*r = og_ctx_open(ctx, config, log, err, errlen)) == 0 &&
	    (kept.config = strdup(config)) != NULL) {
		kept.ctx = ctx;
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

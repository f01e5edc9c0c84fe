/*
 * store_open.c: a store opened on a backend already chosen (store.c finds
 * it, loading the PostgreSQL plugin), and closed. No plugin loader and no
 * libcrypto here: the key reader's front opens the built-in registry with
 * this alone (og_store_open_registry_builtin; docs/architecture.md).
 */
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "store_backend.h"
#include "util.h"

int og_store_open_ops(const struct og_store_ops *ops, const struct og_config *cfg,
		      const struct og_log *log, enum og_open_mode mode, struct og_store **out)
{
	struct og_store *st;
	int r;

	*out = NULL;
	if ((st = calloc(1, sizeof(*st))) == NULL)
		return OG_ERR_NOMEM;
	st->ops = ops;
	st->log = log;
	/* entries this process appends name the bastion as the config says */
	og_copy(st->host, sizeof(st->host), cfg->host ? cfg->host : "unknown");
	if (cfg->master_key != NULL)
		og_copy(st->master_key, sizeof(st->master_key), cfg->master_key);
	if ((r = ops->open(cfg, log, mode, &st->be)) != OG_OK ||
	    (mode != OG_OPEN_INIT && (r = ops->check_schema(st->be)) != OG_OK)) {
		og_store_close(st);
		return r;
	}
	*out = st;
	return OG_OK;
}

int og_store_open_registry_builtin(const struct og_config *cfg, const struct og_log *log,
				   struct og_store **out)
{
	*out = NULL;
	if (strcmp(cfg->store_backend, og_store_sqlite_ops.name) != 0)
		return OG_ERR_NOTFOUND;
	return og_store_open_ops(&og_store_sqlite_ops, cfg, log, OG_OPEN_REGISTRY, out);
}

int og_store_idle_ok(struct og_store *st)
{
	return st != NULL && st->ops->idle_ok(st->be);
}

void og_store_keep(struct og_store *st)
{
	if (st != NULL)
		st->ops->keep(st->be);
}

void og_store_upkeep(struct og_store *st)
{
	if (st != NULL)
		st->ops->upkeep(st->be);
}

void og_store_close(struct og_store *st)
{
	if (st == NULL)
		return;
	if (st->be != NULL)
		st->ops->close(st->be);
	og_freezero(st, sizeof(*st));	/* the chain key with it */
}

int og_store_check_schema(struct og_store *st)
{
	return st->ops->check_schema(st->be);
}

/*
 * store.c: the store opened: the backend picked (SQLite built in, the
 * PostgreSQL plugin loaded), the schema checked. What the store does is
 * store_ops.c, store_list.c, store_keys.c and store_chain.c (with the chain
 * key the audit trail is sealed with), in statements (store_sql.c) any
 * backend runs. Opening a backend once found: store_open.c.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "fileio.h"
#include "plugin.h"
#include "store_backend.h"
#include "util.h"

#define PG_PLUGIN "otpgate-store-pg.so"

/*
 * The PostgreSQL backend lives in a plugin, so that hosts on SQLite (and
 * every sshd connection there) never load libpq and its dependencies. It
 * is found and loaded as otpgate's own shared objects are
 * (og_plugin_open), and stays loaded: no state, only code.
 */
static const struct og_store_ops *load_pg_plugin(const struct og_log *log)
{
	const struct og_store_ops *ops;
	void *h;

	if ((h = og_plugin_open(PG_PLUGIN, log)) == NULL)
		return NULL;
	if ((ops = dlsym(h, OG_STORE_PG_OPS_NAME)) == NULL)
		og_logf(log, LOG_ERR, "%s: not an otpgate store plugin of this version", PG_PLUGIN);
	return ops;
}

const char *og_store_plugin_dir(void)
{
	return OTPGATE_PLUGIN_DIR;
}

static const struct og_store_ops *find_backend(const char *name, const struct og_log *log)
{
	if (strcmp(name, og_store_sqlite_ops.name) == 0)
		return &og_store_sqlite_ops;
	if (strcmp(name, "postgresql") == 0)
		return load_pg_plugin(log);
	og_logf(log, LOG_ERR, "store backend '%.64s' is not built in", name);
	return NULL;
}

/* The store with its backend found, opened as mode says. */
static int open_mode(const struct og_config *cfg, const struct og_log *log,
		     enum og_open_mode mode, struct og_store **out)
{
	const struct og_store_ops *ops = find_backend(cfg->store_backend, log);

	*out = NULL;
	return ops != NULL ? og_store_open_ops(ops, cfg, log, mode, out) : OG_ERR_STORE;
}

int og_store_open(const struct og_config *cfg, const struct og_log *log, int for_init,
		  struct og_store **out)
{
	return open_mode(cfg, log, for_init ? OG_OPEN_INIT : OG_OPEN_NORMAL, out);
}

int og_store_open_registry(const struct og_config *cfg, const struct og_log *log,
			   struct og_store **out)
{
	return open_mode(cfg, log, OG_OPEN_REGISTRY, out);
}

int og_store_open_registry_kept(const struct og_config *cfg, const struct og_log *log,
				struct og_store **out)
{
	return open_mode(cfg, log, OG_OPEN_REGISTRY_KEPT, out);
}

int og_store_schema_version(const struct og_store *st)
{
	(void)st;
	return OG_SCHEMA_VERSION;
}

int og_store_probe(const struct og_config *cfg, const struct og_log *log, int *found, int *want)
{
	const struct og_store_ops *ops = find_backend(cfg->store_backend, log);
	void *be = NULL;
	int r;

	*found = *want = 0;
	if (ops == NULL)
		return OG_ERR_STORE;
	*want = OG_SCHEMA_VERSION;
	if ((r = ops->open(cfg, log, OG_OPEN_NORMAL, &be)) == OG_OK)
		*found = ops->stored_version(be);
	if (be != NULL)
		ops->close(be);
	return r;
}

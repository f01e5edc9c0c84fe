/*
 * th_store.h: a real store for a test, header-only like test_helpers.h: a
 * config written into a directory and loaded, and the store it names
 * made (schema and all), as init makes it.
 */
#ifndef OTPGATE_TH_STORE_H
#define OTPGATE_TH_STORE_H

#include "config.h"
#include "err.h"
#include "store.h"
#include "test_helpers.h"

/*
 * Writes dir/name (0600): store_group (NULL: SQLite in dir/otpgate.db),
 * master_key = key, a policy allowing 127.0.0.0/8, then extra; and loads
 * it into cfg. 0, or -1 with the loader's message in log.
 */
static inline int th_store_config(const char *dir, const char *name, const char *key,
				  const char *store_group, const char *extra,
				  struct og_config *cfg, const struct og_log *log)
{
	char conf[512], text[4096], sqlite[600], err[512];

	th_path(conf, sizeof(conf), dir, name);
	snprintf(sqlite, sizeof(sqlite), "store = { backend = \"sqlite\"; path = \"%s/otpgate.db\"; };",
		 dir);
	snprintf(text, sizeof(text), "%s\nmaster_key = \"%s\";\n"
		 "policy = ( { match = \"*\"; allow_from = [ \"127.0.0.0/8\" ]; } );\n%s",
		 store_group ? store_group : sqlite, key, extra ? extra : "");
	if (th_write_str(conf, text, 0600) != 0)
		return -1;
	if (og_config_load(conf, cfg, err, sizeof(err), log) == OG_OK)
		return 0;
	fprintf(stderr, "%s\n", err);
	return -1;
}

/* The store of cfg made: opened for init and its schema created. */
static inline int th_store_init(const struct og_config *cfg, const struct og_log *log,
				struct og_store **st)
{
	if (og_store_open(cfg, log, 1, st) != OG_OK)
		return -1;
	return og_store_init(*st) == OG_OK ? 0 : -1;
}

/* The end of a test's store: closed, its config freed, its directory removed. */
static inline void th_store_remove(const char *dir, struct og_config *cfg, struct og_store *st)
{
	og_store_close(st);
	og_config_free(cfg);
	th_rmtree(dir);
}

#endif

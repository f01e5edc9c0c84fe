/*
 * keycache.c: in otpgated, a worker keeps the config and the key registry
 * it opened for its key socket, so that a lookup is one query on an open
 * connection. They are opened afresh when the config file is no longer the
 * same file with the same contents, owner and mode, or the registry (on
 * SQLite) no longer the same file with the same owner and mode, after a
 * lookup in which the store failed, and when the store cannot serve another
 * (og_store_idle_ok).
 */
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "config.h"
#include "keycache.h"
#include "log.h"
#include "stamp.h"
#include "store.h"

static const struct og_log syslog_sink = { og_log_authpriv, NULL, 0 };

static struct {
	struct og_key_registry reg;
	struct og_config cfg;
	struct og_stamp config, registry;	/* what the files were when opened */
	int open;
} kept;

/* Closes what is kept, also what a failed open left half made. */
void og_key_registry_drop(void)
{
	og_store_close(kept.reg.st);
	og_config_free(&kept.cfg);
	memset(&kept, 0, sizeof(kept));
}

static const char *registry_file(const struct og_config *cfg)
{
	return strcmp(cfg->store_backend, "sqlite") == 0 ? cfg->keys_registry : NULL;
}

static int still_good(const char *config)
{
	struct og_stamp c, r;

	if (!kept.open || !og_store_idle_ok(kept.reg.st))
		return 0;
	og_stamp_of(config, &c);
	og_stamp_of_db(registry_file(&kept.cfg), &r);
	return memcmp(&c, &kept.config, sizeof(c)) == 0 &&
	       memcmp(&r, &kept.registry, sizeof(r)) == 0;
}

const struct og_key_registry *og_key_registry_get(const char *config)
{
	char err[512];

	if (still_good(config))
		return &kept.reg;
	og_key_registry_drop();
	/* the stamp before the read: a change while it is read shows next time */
	og_stamp_of(config, &kept.config);
	if (og_config_load(config, &kept.cfg, err, sizeof(err), &syslog_sink) != 0) {
		syslog(LOG_AUTHPRIV | LOG_ERR, "%s", err);
		og_key_registry_drop();
		return NULL;
	}
	kept.reg.registry_path = registry_file(&kept.cfg);
	og_stamp_of_db(kept.reg.registry_path, &kept.registry);
	if (og_store_open_registry_kept(&kept.cfg, &syslog_sink, &kept.reg.st) != 0) {
		og_key_registry_drop();
		return NULL;
	}
	kept.open = 1;
	return &kept.reg;
}

void og_key_registry_done(int healthy)
{
	if (!healthy)
		og_key_registry_drop();
}

/* keycache.h: the key registry an otpgated worker keeps open for its key
 * socket (keycache.c). */
#ifndef OTPGATE_KEYCACHE_H
#define OTPGATE_KEYCACHE_H

struct og_store;

struct og_key_registry {
	struct og_store *st;		/* read-only (og_store_open_registry_kept) */
	const char *registry_path;	/* SQLite's file; NULL on PostgreSQL */
};

/* The registry config names, kept from the last call while config and
 * registry are the same files and the store can serve; else opened anew.
 * NULL when it cannot be opened (logged). */
const struct og_key_registry *og_key_registry_get(const char *config);

/* The call is over; healthy: the store did not fail. */
void og_key_registry_done(int healthy);

/* Closes what is kept (a worker's end). */
void og_key_registry_drop(void);

#endif

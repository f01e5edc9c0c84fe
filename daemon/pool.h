/* pool.h: otpgated's workers (pool.c). */
#ifndef OTPGATE_POOL_H
#define OTPGATE_POOL_H

#define OG_POOL_START 4		/* workers at least */

/* Room for at most max workers; 0, or -1. */
int og_pool_init(int max);
/* The listening sockets: logins, and key lookups (-1: none). */
struct og_listeners {
	int pam;
	int keys;
};

/* Starts workers on the listening sockets while fewer than two are idle
 * (and at least OG_POOL_START in all). */
void og_pool_top_up(const struct og_listeners *l);
/* Takes note of the workers that ended. */
void og_pool_reap(void);
/* Ends the idle workers (fresh ones replace them). */
void og_pool_refresh(void);
/* Ends every worker (each finishes its login first) and waits for them. */
void og_pool_stop(void);

#endif

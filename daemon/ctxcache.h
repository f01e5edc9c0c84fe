/* ctxcache.h: what otpgated's worker keeps open between logins (ctxcache.c). */
#ifndef OTPGATE_CTXCACHE_H
#define OTPGATE_CTXCACHE_H

/* Closes the config and store kept for the next login (a worker's end). */
void og_pam_ctx_drop(void);

/* Between calls: the kept store's deferred work (og_store_upkeep). */
void og_pam_ctx_upkeep(void);

#endif

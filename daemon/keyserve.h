/* keyserve.h: one connection to otpgated's key socket (keyserve.c). */
#ifndef OTPGATE_KEYSERVE_H
#define OTPGATE_KEYSERVE_H

/* The config whose key registry the key socket serves (otpgated -c). */
void og_keys_serve_config(const char *config);

/* Answers the key reader connected on fd: one lookup, for a peer that
 * could read the config and the registry itself. Anything else is closed
 * unanswered (the reader then looks itself). Every wait is bounded. */
void og_serve_keys(int fd);

#endif

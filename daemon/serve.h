/* serve.h: one connection to otpgated: one login step, run by the core. */
#ifndef OTPGATE_SERVE_H
#define OTPGATE_SERVE_H

/* Serves the front connected on fd, if it is root's or our own user's
 * (SO_PEERCRED; anyone else is logged and closed unanswered): says hello,
 * reads its request, runs the core, relays. Every wait is bounded. */
void og_serve(int fd);

#endif

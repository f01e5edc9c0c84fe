/* serve.h: one connection to otpgated: one login step, run by the core. */
#ifndef OTPGATE_SERVE_H
#define OTPGATE_SERVE_H

/* Serves the front connected on fd (already checked: root or our own
 * user) whose process is pid: reads its request, runs the core, relays.
 * Every wait is bounded. */
void og_serve(int fd, long long pid);

#endif

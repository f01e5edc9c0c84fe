/* request.h: a login's inputs (pamio.h) as otpgated's request (wire.h). */
#ifndef OTPGATE_REQUEST_H
#define OTPGATE_REQUEST_H

#include "pamio.h"
#include "wire.h"

void og_request_put(struct og_wire *w, const struct og_pam_in *in);
/* Reads a request received in w; in's strings point into w. 0, or -1 when
 * it is malformed (a field missing or out of range, config not absolute).
 * A request that does not fit in a message is never sent (w->bad). */
int og_request_get(struct og_wire *w, struct og_pam_in *in);

#endif

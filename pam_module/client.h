/* client.h: the module's front asking otpgated to run a login. */
#ifndef OTPGATE_CLIENT_H
#define OTPGATE_CLIENT_H

#include "pamio.h"

/* og_pam_client's answer when otpgated cannot be reached at all (no socket,
 * nobody listening, or every worker busy): the front runs the login itself. */
#define OG_PAM_NO_DAEMON (-2)

/*
 * Sends in to otpgated at socket and relays what its run of the core says
 * (conversation messages, log lines, PAM items) through io until the
 * result: a PAM code. Once connected it never falls back: a daemon that
 * goes away, answers nonsense or takes longer than any step may is
 * PAM_AUTHINFO_UNAVAIL (PAM_SESSION_ERR for sessions), logged.
 */
int og_pam_client(const char *socket, const struct og_pam_in *in, const struct og_pam_io *io);

#endif

/* keyclient.h: authorized-keys answered by otpgated (keyclient.c). */
#ifndef OTPGATE_KEYROTATE_KEYCLIENT_H
#define OTPGATE_KEYROTATE_KEYCLIENT_H

struct og_key_answer;

/* Asks the otpgated listening on socket for user's keys in config's
 * registry (offered: NULL or sshd's %f); fills a (zeroed by the caller).
 * 0, or -1 when the daemon is not there, is not root's, does not answer
 * within a moment or does not serve this lookup (the reason logged when
 * it is not the daemon's absence): the caller then looks itself. */
int keys_ask_daemon(const char *socket, const char *config, const char *user,
		    const char *offered, struct og_key_answer *a);

#endif

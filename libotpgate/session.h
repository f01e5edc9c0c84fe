/*
 * session.h: a user's sessions (the PAM session phase). Each session that
 * opens is recorded in the store (with PostgreSQL, for the whole fleet)
 * with its process, and forgotten when it closes; those whose process is
 * gone are cleaned up on the next open on their bastion. A session that
 * opens while the same user has live ones from another source address is
 * told about them (one line each: where, from where, since when, and how
 * to end it), audited (event "session", reason "multiple-sources") and,
 * as the sessions settings say, notified. An administrator lists them and
 * ends one on its own bastion (og_session_hangup).
 */
#ifndef OTPGATE_SESSION_H
#define OTPGATE_SESSION_H

#include <stdint.h>
#include "auth.h"
#include "store.h"

/* How a front end shows the user a line (PAM_TEXT_INFO). */
typedef void (*og_session_tell_fn)(void *arg, const char *line);

/*
 * Opens l's session (l as gathered for a login: user, service, rhost,
 * SSH_CONNECTION, now) on this bastion for process pid with terminal tty
 * (PAM_TTY, may be NULL): cleans up this bastion's sessions whose process
 * is gone, warns about the user's other live sessions from another source
 * (through tell, as sessions.warn_multiple says), audits and notifies
 * that, and records the session; its id in id. OG_OK, or an error
 * (logged; nothing recorded).
 */
int og_session_open(struct og_ctx *ctx, struct og_login *l, const char *tty, int64_t pid,
		    og_session_tell_fn tell, void *arg, char id[OG_ID_LEN + 1]);

/* Forgets the session id; id NULL: the one of process pid on this bastion
 * (none, logged, when that process holds several: which one ended cannot
 * be told). */
int og_session_close(struct og_ctx *ctx, const char *id, int64_t pid);

/* 1 if id has the shape of a session id (og_random_id: 32 hex digits). */
int og_session_id_ok(const char *id);

/* Whether session s is live, as this bastion (host) can tell. */
enum og_session_state {
	OG_SESSION_LIVE,	/* on this bastion, its process runs */
	OG_SESSION_GONE,	/* on this bastion, its process is gone */
	OG_SESSION_ELSEWHERE,	/* on another bastion: live as far as the store says */
};
enum og_session_state og_session_state(const char *host, const struct og_session_row *s);

/* What og_session_hangup did. */
enum og_session_end {
	OG_SESSION_ENDED,	/* its process got SIGHUP and ended; forgotten */
	OG_SESSION_STILL,	/* SIGHUP sent, but its process still runs */
	OG_SESSION_WAS_GONE,	/* its process had ended already; forgotten */
	OG_SESSION_OTHER_HOST,	/* it runs on another bastion (s->host): nothing done */
	OG_SESSION_SHARED,	/* its process holds other live sessions too (a daemon
				 * that opens one per client): nothing done */
};

/*
 * Ends session s from this bastion (host): its recorded process, and only
 * that one, gets SIGHUP (og_proc_hangup), and the session is forgotten
 * once its process is gone. A session of another bastion is refused, and
 * so is one whose process holds other live sessions (SIGHUP would end
 * them all, whoever's they are). OG_OK with *end set, or a store or
 * system error.
 */
int og_session_hangup(struct og_store *st, const char *host, const struct og_session_row *s,
		      enum og_session_end *end);

#endif

/*
 * store.h: the state otpgate keeps (users, tokens, data keys, replay
 * watermarks, failure counts and locks, audit), behind one interface. The
 * store is opaque: the PAM module and the tools call the og_store_*
 * functions below, never a backend (whose part is store_backend.h).
 * Every operation that changes login state is atomic.
 */
#ifndef OTPGATE_STORE_H
#define OTPGATE_STORE_H

#include <stddef.h>
#include <stdint.h>
#include "accesskey.h"
#include "audit.h"
#include "bounds.h"
#include "chain.h"
#include "config.h"
#include "crypto.h"
#include "invite.h"
#include "lockout.h"
#include "log.h"
#include "recovery.h"
#include "token.h"

#define OG_MAX_TOKENS 16	/* active tokens considered per user */

/* What a login needs to know about a user, read in one go. */
struct og_user_state {
	int known;			/* the store has a row for this user */
	char org[OG_ORG_MAX + 1];			/* "" when none */
	int64_t locked_until;		/* 0 unlocked; INT64_MAX until unlocked */
	int has_failures;		/* a failure count is on record */
	int64_t removed_at;		/* 0, or when 'remove' took the user away */
	int64_t failure_mode_until;	/* 0 none; INT64_MAX until unlocked */
	int npending;			/* tokens enrolled but not yet confirmed (not
					 * the one an invitation made: og_token_confirm) */
	int ntokens;
	struct og_token tokens[OG_MAX_TOKENS];	/* active ones only */
};

/* A user row and a data key row, as listed for copying between stores. */
struct og_user_row {
	char name[OG_USER_MAX + 1];
	char org[OG_ORG_MAX + 1];
	int64_t created;
	int64_t removed_at;		/* 0, or when the user was removed */
	int removed_with_org;		/* the removal of their organisation took them */
};

struct og_dek_row {
	char id[OG_ID_LEN + 1];
	char org[OG_ORG_MAX + 1];
	unsigned char wrapped[OG_WRAPPED_DEK_LEN];
	int64_t created;
};

/*
 * An audit entry as stored. In ev, user and actor are the names, or
 * OG_ERASED_PREFIX and the pseudonym once that person was erased;
 * user_subject and actor_subject are the pseudonyms the mac covers.
 */
struct og_audit_row {
	int64_t id;
	struct og_audit_event ev;
	const char *user_subject, *actor_subject;
	int user_erased, actor_erased;	/* the subject has no mapping (any more) */
	const unsigned char *mac;
	size_t mac_len;
};

/* A subject: who a pseudonym stands for, and the salt that made it. */
struct og_subject_row {
	char pseudonym[OG_SUBJECT_LEN + 1];
	const char *name;		/* as stored, whatever its length; valid in the callback */
	unsigned char salt[OG_SUBJECT_SALT];
	int salt_ok;			/* the stored salt had the right length */
};

/* Row counts of the tables a store migration copies. */
struct og_store_counts {
	int64_t users, data_keys, tokens, audit;
	int64_t admins, recovery_codes, failures, org_removals, access_keys;
	int64_t spool_flushed;		/* spool chunks recorded as stored */
	int64_t sessions;		/* open sessions */
	int64_t invitations;
};

/* Rows of the other tables, as listed for copying between stores. */
struct og_admin_row {
	char name[OG_ADMIN_MAX + 1];
	char role[OG_KEYWORD_MAX + 1];			/* "superuser" or "org-admin" */
	char org[OG_ORG_MAX + 1];
	int64_t created;
};

struct og_recovery_row {
	char user[OG_USER_MAX + 1];
	int idx;
	unsigned char salt[OG_RECOVERY_SALT];
	unsigned char hash[OG_RECOVERY_HASH];
	int64_t used;			/* 0, or when it was used */
	int64_t created;
};

struct og_failure_row {
	char user[OG_USER_MAX + 1];
	struct og_failures f;		/* count, window, lock, failure mode, replay */
};

#define OG_SOURCE_MAX 63	/* a source as stored: a numeric address, or "local" */
#define OG_HOST_MAX 255		/* a bastion's name (the host setting) */
#define OG_SESSION_TEXT_MAX 64	/* a session's service and tty, as stored */
#define OG_BOOT_ID_MAX 36	/* /proc/sys/kernel/random/boot_id */

/* An open session (the PAM session phase), on this bastion or another. */
struct og_session_row {
	char id[OG_ID_LEN + 1];		/* random: named to close it */
	char user[OG_USER_MAX + 1];
	char source[OG_SOURCE_MAX + 1];
	char host[OG_HOST_MAX + 1];	/* the bastion it runs on */
	char service[OG_SESSION_TEXT_MAX + 1];
	char tty[OG_SESSION_TEXT_MAX + 1];
	int64_t pid;			/* the process that opened it, on host */
	int64_t pid_start;		/* and its start time (/proc/PID/stat) */
	char boot_id[OG_BOOT_ID_MAX + 1];	/* of host's boot then */
	int64_t started;
	char org[OG_ORG_MAX + 1];	/* the user's organisation (listings only) */
};

struct og_org_removal_row {
	char org[OG_ORG_MAX + 1];
	int64_t removed_at;
};

/* A chunk of spooled rows recorded as stored (og_store_spool_mark). */
struct og_spool_mark_row {
	char id[64];
	int64_t at;
};

/* The newest end of the audit trail, for monitoring. */
struct og_audit_head {
	int64_t entries;
	int64_t last_id;		/* 0 for an empty trail */
	int64_t last_ts;
	unsigned char mac[OG_CHAIN_LEN];	/* the newest entry's mac */
	int mac_ok;			/* it had one of the right length */
};

struct og_store;

/*
 * The store gives back what it took: a name or id longer than the field
 * of the row it is read back into (user_ensure, admin_add, dek_add,
 * login_fail, org_remove, recovery_set, spool_mark) is refused with
 * OG_ERR_INVALID, never stored to come back cut short or empty.
 */

/* -------- opening ----------------------------------------------------- */

/* Opens the backend named by cfg->store_backend. The schema is checked
 * unless for_init. OG_ERR_STORE/OG_ERR_SCHEMA/OG_ERR_UNSAFE on failure.
 * The store knows nothing of the spool: whoever opens it to work flushes
 * the spool into it next (og_spool_flush). */
int og_store_open(const struct og_config *cfg, const struct og_log *log, int for_init,
		  struct og_store **out);
void og_store_close(struct og_store *st);

/* 1 when a store kept open since its last call (otpgated's workers) can
 * serve the next one: no transaction left open and, for PostgreSQL, the
 * server has not closed the connection meanwhile (a restart, a failover).
 * No round trip. */
int og_store_idle_ok(struct og_store *st);

/* The store will be kept open between calls: work a commit need not do
 * before the answer (SQLite's checkpoints) is left to og_store_upkeep,
 * which its keeper calls between calls, once the answer is out. */
void og_store_keep(struct og_store *st);
void og_store_upkeep(struct og_store *st);

/* Opens only the key registry, read-only: what otpgate-keyrotate
 * authorized-keys may see as the unprivileged AuthorizedKeysCommandUser. */
int og_store_open_registry(const struct og_config *cfg, const struct og_log *log,
			   struct og_store **out);

/* og_store_open_registry for a reader that keeps it open between lookups
 * (otpgated's key socket), which on SQLite shares the registry's WAL index
 * instead of reading the WAL anew at each lookup. */
int og_store_open_registry_kept(const struct og_config *cfg, const struct og_log *log,
				struct og_store **out);

/* og_store_open_registry on the built-in backend (SQLite) alone, for a
 * program that loads no plugin (the key reader's front): OG_ERR_NOTFOUND,
 * nothing opened or logged, when the store is on another backend. */
int og_store_open_registry_builtin(const struct og_config *cfg, const struct og_log *log,
				   struct og_store **out);

/* OG_OK when the schema exists and is of this version. */
int og_store_check_schema(struct og_store *st);

/* Creates the schema (idempotent). */
int og_store_init(struct og_store *st);

/*
 * Whether the store of cfg can be used, without changing anything (no
 * schema made, no spool flushed, no registry created): opens it and reads
 * the schema version it holds into *found (0: none yet), the version this
 * build wants into *want. OG_OK, or the error of the backend's loading or
 * opening (logged).
 */
int og_store_probe(const struct og_config *cfg, const struct og_log *log, int *found, int *want);

int og_store_schema_version(const struct og_store *st);

/* The directory the PostgreSQL plugin is installed in (compiled in). */
const char *og_store_plugin_dir(void);

/* The chain key, loaded from the master key on first use; NULL (logged)
 * when the master key cannot be read. */
const struct og_chain_key *og_store_chain_key(struct og_store *st);

/* The same key, derived from a master key the caller already holds (a
 * login that just checked a code), so the file is not read twice. */
void og_store_chain_key_from(struct og_store *st, const struct og_key *master);

/* -------- the login path ---------------------------------------------- */

/* Reads user's org, lock and active tokens. Unknown user: known = 0, OG_OK. */
int og_store_user_state(struct og_store *st, const char *user, struct og_user_state *out);

/* Wipes every sealed secret and data key in a user state. */
void og_store_user_state_wipe(struct og_user_state *us);

/*
 * The claims that end a login (login_accept, recovery_use, login_fail) are
 * made after the prompt, when the user's state read before it may be
 * stale: while the login waited, the user may have been locked (failures
 * in another session) or removed (remove USER, remove --org ORG). So each
 * claim reads the user's standing again, in its own transaction and under
 * the store's lock on the user (SQLite's write lock; PostgreSQL's row lock
 * on the user, which removal and failure counting take too), and applies
 * og_lockout_standing at ev->ts, the time the code was entered:
 *
 *   OG_ERR_REMOVED       the user, or the user's organisation, is removed;
 *   OG_ERR_LOCKED        a lock is in force at ev->ts;
 *   OG_ERR_FAILURE_MODE  the user is in failure mode at ev->ts and the
 *                        claim did not pass its additional check.
 *
 * Either way the claim changes nothing and appends nothing: the caller
 * audits the refusal. Only then is the claim itself tried.
 */

/*
 * user may log in (see above) with token_id: if the token is user's, active,
 * and step > its watermark, atomically sets the watermark to step and its
 * drift, clears the user's failures (and so ends failure mode) and appends
 * ev; OG_OK. Otherwise OG_ERR_REMOVED, OG_ERR_LOCKED or (unless
 * next_checked: step is the second of two consecutive codes, the
 * additional check of failure mode) OG_ERR_FAILURE_MODE, decided first,
 * or OG_ERR_REPLAY, and nothing changed.
 */
int og_store_login_accept(struct og_store *st, const char *user, const char *token_id,
			  int64_t step, int64_t drift, int next_checked,
			  const struct og_audit_event *ev);

/*
 * Spends the code of step of an active token without logging anyone in
 * (failure mode's first code: it may not be typed again, so a code once
 * known right cannot be tried with guess after guess at the second):
 * sets the watermark to step if step is above it; OG_OK. OG_ERR_REPLAY
 * if it is not (spent meanwhile), nothing changed.
 */
int og_store_step_spend(struct og_store *st, const char *token_id, int64_t step);

/*
 * The user may log in (see og_store_login_accept): if user's code idx is
 * unused, atomically marks it used, clears the user's failures and appends
 * ev; OG_OK. Otherwise OG_ERR_REMOVED or OG_ERR_LOCKED (decided first), or
 * OG_ERR_REPLAY, and nothing changed. A recovery code is failure mode's
 * additional check in itself.
 */
int og_store_recovery_use(struct og_store *st, const char *user, int idx,
			  const struct og_audit_event *ev);

/* A failure to count (og_store_login_fail): what it is, what it did. */
struct og_fail {
	/* in: a replayed code, for the replay rule (og_lockout_count) */
	const char *replay_token;	/* the token whose code was replayed, or NULL */
	int64_t replay_step;		/* the step (counter) the code matched */
	/* out */
	enum og_counted counted;
	int64_t locked_until;		/* the lock after the failure, 0 none */
	int64_t failure_mode_until;	/* failure mode after it, 0 none */
};

/* The audit detail of a replay the replay rule did not count. */
#define OG_FAIL_NOT_COUNTED "not counted: a replay of this step was counted already"

/*
 * The user may log in or is in failure mode (see above): atomically
 * counts one failure for user within lk->interval (og_lockout_count; a
 * replay of the token's last accepted step, read in the same transaction,
 * counts once per step), appends ev (its detail set to
 * OG_FAIL_NOT_COUNTED when not counted), and when the count reaches
 * lk->max_failures locks the user or, with lk->step_up, puts them into
 * failure mode; OG_OK, f's outputs set. Otherwise OG_ERR_REMOVED or
 * OG_ERR_LOCKED, nothing counted or appended. user NULL: ev is appended,
 * nothing else.
 */
int og_store_login_fail(struct og_store *st, const char *user, const struct og_lockout *lk,
			struct og_audit_event *ev, struct og_fail *f);

/*
 * Every function here that stores an audit event stores its text fields
 * as og_audit_clean makes them (bounded, valid UTF-8, invalid bytes
 * escaped), so the name mappings and the chain cover exactly what is
 * stored. Rows read back (og_store_audit_list) hold that form:
 * og_audit_decode gives back the values to write elsewhere.
 */
int og_store_audit_add(struct og_store *st, const struct og_audit_event *ev);

/* Reads user's recovery codes (set->n = 0 when none). */
int og_store_recovery_get(struct og_store *st, const char *user, struct og_recovery_set *set);

int og_store_key_by_fp(struct og_store *st, const char *fingerprint, struct og_access_key *out);

int og_store_key_touch(struct og_store *st, const char *fingerprint, int64_t now);

/* -------- administration ---------------------------------------------- */

int og_store_user_ensure(struct og_store *st, const char *user, const char *org, int64_t now);

/* Two-stage removal: marks user removed at now (logins refused at once);
 * now = 0 restores a removed user. OG_ERR_NOTFOUND if there is nothing
 * to do. */
int og_store_user_remove(struct og_store *st, const char *user, int64_t now);

/*
 * Two-stage removal of a whole organisation: now > 0 marks org and every
 * user in it removed at now (logins refused, no new tokens or admins for
 * it); now = 0 restores it and the users its removal took away (not those
 * removed on their own). *users: how many. OG_ERR_NOTFOUND for an
 * organisation the store does not know (or, restoring, one not removed);
 * OG_ERR_EXISTS if it is already removed.
 */
int og_store_org_remove(struct og_store *st, const char *org, int64_t now, int64_t *users);

/* *at: when org was removed, 0 if it is not. */
int og_store_org_removed(struct og_store *st, const char *org, int64_t *at);

/*
 * Deletes for good every user removed at or before `before` (tokens,
 * failures, recovery codes, SSH keys, the user row) and every organisation
 * removed by then: all its users, tokens, keys and admins, and its data
 * key, so whatever copy of its sealed secrets survives can never be opened
 * again. *users and *orgs: how many.
 */
int og_store_purge(struct og_store *st, int64_t before, int64_t *users, int64_t *orgs);

/*
 * Erases a person for good, at once: tokens, failures, recovery codes,
 * SSH keys, the user row and the mapping from their audit pseudonym to
 * their name are deleted, and ev is appended in the same transaction with
 * detail set to that pseudonym (pseudonym[0] = 0 if the trail never named
 * them). OG_ERR_NOTFOUND if the store knows nothing of user.
 */
int og_store_erase(struct og_store *st, const char *user, struct og_audit_event *ev,
		   char pseudonym[OG_SUBJECT_LEN + 1]);

int og_store_unlock(struct og_store *st, const char *user);

/* An administrator: role "superuser" (org "") or "org-admin" of org.
 * admin_get gives OG_ERR_NOTFOUND for someone who is not one; admin_add
 * gives OG_ERR_EXISTS for someone who already is. */
int og_store_admin_get(struct og_store *st, const char *name, char role[OG_KEYWORD_MAX + 1],
		       char org[OG_ORG_MAX + 1]);
int og_store_admin_add(struct og_store *st, const char *name, const char *role, const char *org,
		       int64_t now);

/* Returns the org's data key id and wrapped key, OG_ERR_NOTFOUND if none. */
int og_store_dek_get(struct og_store *st, const char *org, char id[OG_ID_LEN + 1],
		     unsigned char *wrapped);
int og_store_dek_add(struct og_store *st, const char *org, const char *id,
		     const unsigned char *wrapped, int64_t now);

/* Inserts a token; OG_ERR_EXISTS on a duplicate serial. */
int og_store_token_add(struct og_store *st, const struct og_token *t);

/* Why a token of a bulk import could not go in (og_store_tokens_import). */
enum og_import_why {
	OG_IMPORT_STORE,		/* the store failed */
	OG_IMPORT_OTHER_ORG,		/* its user belongs to another organisation */
	OG_IMPORT_SERIAL_TAKEN,		/* its serial is in the store, or earlier */
};

#define OG_IMPORT_BATCH 64	/* tokens og_store_tokens_import takes at a time */

/*
 * A bulk import, in the caller's transaction: n built and sealed tokens (at
 * most OG_IMPORT_BATCH), each with its user (t->user; "" for stock, and
 * none made), of organisation t->dek_org, made with their audit pseudonym
 * at now when new. In a few round trips, however many tokens. OG_OK; or
 * OG_ERR_EXISTS with *bad the first token (in order) that cannot go in and
 * *why the reason; or another error (*why OG_IMPORT_STORE, *bad the token
 * it came with or -1). The caller rolls back on error.
 */
int og_store_tokens_import(struct og_store *st, const struct og_token *t, int n, int64_t now,
			   int *bad, enum og_import_why *why);

/* The token with this serial (any state); OG_ERR_NOTFOUND if none. */
int og_store_token_get(struct og_store *st, const char *serial, struct og_token *out);

/* Calls cb for every token (of user, or all when user is NULL); cb's non-zero stops. */
int og_store_token_list(struct og_store *st, const char *user,
			int (*cb)(void *arg, const struct og_token *t), void *arg);

/* A stock token (t->id) is given to t->user: user, sealed secret and data
 * key replaced, state active. OG_ERR_NOTFOUND unless it was in stock. */
int og_store_token_assign(struct og_store *st, const struct og_token *t);

/* A pending token becomes active, its watermark at step (the confirming
 * code cannot log in). OG_ERR_NOTFOUND unless it was pending. */
int og_store_token_activate(struct og_store *st, const char *token_id, int64_t step,
			    int64_t drift);

/* Records an active token's measured drift; its watermark moves up to step
 * (the codes that measured it are spent). OG_ERR_NOTFOUND if not active. */
int og_store_token_resync(struct og_store *st, const char *token_id, int64_t drift,
			  int64_t step);

/* An active or pending token becomes revoked. OG_ERR_NOTFOUND otherwise. */
int og_store_token_revoke(struct og_store *st, const char *serial);

/* A pending token is deleted (one an enrolment at the prompt made and
 * that was never confirmed). OG_ERR_NOTFOUND unless it was pending. */
int og_store_token_discard(struct og_store *st, const char *token_id);

/* Replaces user's recovery codes by set, in one transaction. */
int og_store_recovery_set(struct og_store *st, const char *user,
			  const struct og_recovery_set *set, int64_t now);

/* -------- sessions ----------------------------------------------------- */

/*
 * A session's values reach terminals, a notify program and the logs, so
 * a session is only stored, and only read back, in the shape the session
 * phase gives it: an og_random_id id; safe names for user and host; a
 * numeric address as og_addr_format writes it, "local" or "unknown" for
 * source; printable ASCII with
 * no space, '=' or '"' for service and tty (og_audit_escape's
 * OG_AUDIT_TOKEN); hex digits and '-' for boot_id; a pid from 2 up. A row
 * of another shape, whoever wrote it, is malformed (OG_ERR_STORE).
 */

/* Records an open session; OG_ERR_INVALID for a value not of that shape
 * or that would not come back whole, OG_ERR_EXISTS for an id taken. */
int og_store_session_add(struct og_store *st, const struct og_session_row *s);

/* The session with this id; OG_ERR_NOTFOUND if none. */
int og_store_session_get(struct og_store *st, const char *id, struct og_session_row *out);

/* Forgets a session; OG_ERR_NOTFOUND if there was none. */
int og_store_session_del(struct og_store *st, const char *id);

/* Calls cb for every session of user (of every user when NULL, with their
 * organisation), oldest first; or, with host, of that bastion. cb's
 * non-zero stops. */
int og_store_session_list(struct og_store *st, const char *user,
			  int (*cb)(void *arg, const struct og_session_row *s), void *arg);
int og_store_session_list_on(struct og_store *st, const char *host,
			     int (*cb)(void *arg, const struct og_session_row *s), void *arg);

/* Makes the key registry ready (SQLite attaches it; logins never need
 * to). Call before a transaction that touches keys. */
int og_store_keys_ready(struct og_store *st);

/* The key registry. key_add gives OG_ERR_EXISTS for a fingerprint already
 * registered (to anyone, ever); key_list lists user's keys (all users' when
 * NULL), oldest first; key_by_fp gives OG_ERR_NOTFOUND for an unknown key. */
int og_store_key_add(struct og_store *st, const struct og_access_key *k);
int og_store_key_list(struct og_store *st, const char *user,
		      int (*cb)(void *arg, const struct og_access_key *k), void *arg);

/* Moves key id from state expect to state with not_after, atomically;
 * OG_ERR_NOTFOUND when it is not (or no longer) in state expect. */
int og_store_key_set_state(struct og_store *st, const char *id, enum og_access_key_state expect,
			   enum og_access_key_state state, int64_t not_after);

/* Records, in the open transaction, that part id of a spool flush is in
 * the store; OG_ERR_EXISTS if it was already (see og_spool_flush). */
int og_store_spool_mark(struct og_store *st, const char *id, int64_t now);

/* -------- enrolment invitations (invite.h) ---------------------------- */

/* Stores inv as it is, replacing the invitation its user had (one per
 * user); migrate-store puts listed ones back this way. */
int og_store_invite_put(struct og_store *st, const struct og_invite *inv);

/* user's invitation (with their organisation), in any state; OG_ERR_NOTFOUND if none. */
int og_store_invite_get(struct og_store *st, const char *user, struct og_invite *out);

/* Calls cb for every invitation, by user; cb's non-zero stops. */
int og_store_invite_list(struct og_store *st, int (*cb)(void *arg, const struct og_invite *inv),
			 void *arg);

/* Deletes user's invitation unless it was taken; OG_ERR_NOTFOUND if none was left. */
int og_store_invite_revoke(struct og_store *st, const char *user);

/*
 * A login takes user's invitation (see the claims above: OG_ERR_REMOVED or
 * OG_ERR_LOCKED are decided first): if the invitation with hash is
 * neither taken nor expired at ev->ts, and the user has no active token,
 * atomically marks it taken at ev->ts by token t, adds t (pending) and
 * appends ev; OG_OK. Otherwise OG_ERR_REPLAY (taken meanwhile, by a
 * racing login say, expired, or the user was given a token while the
 * login waited) and nothing changed: of two logins with one invitation,
 * exactly one has it.
 */
int og_store_invite_take(struct og_store *st, const char *user,
			 const unsigned char hash[OG_INVITE_HASH], const struct og_token *t,
			 const struct og_audit_event *ev);

/*
 * The pending token an invitation made is confirmed at a login (see the
 * claims above): it becomes active with its watermark at step and drift,
 * the user's failures are cleared and ev appended, atomically; OG_OK.
 * Otherwise OG_ERR_REMOVED or OG_ERR_LOCKED (decided first), or
 * OG_ERR_REPLAY when the token is no longer pending (revoked meanwhile),
 * and nothing changed.
 */
int og_store_enrol_activate(struct og_store *st, const char *token_id, int64_t step,
			    int64_t drift, const struct og_audit_event *ev);

/* Explicit transactions for bulk work (imports). */
int og_store_begin(struct og_store *st);
int og_store_commit(struct og_store *st);
int og_store_rollback(struct og_store *st);

/* -------- migration (migrate-store) ----------------------------------- */

/*
 * Whole-store copies (migrate-store). The listings give every row, the
 * puts insert one as it was (OG_ERR_EXISTS for a duplicate key; a
 * failure record replaces the user's, as a login's count would).
 * og_store_user_put adds a user as listed: the row (with its audit
 * pseudonym, as a new user gets one) and its removal, if any, with the
 * same date and whether its organisation's removal took it.
 */
/* Whole-store listings, for copying one store into another. Audit rows come
 * oldest first, with the host they were recorded on. */
int og_store_user_list(struct og_store *st, int (*cb)(void *arg, const struct og_user_row *u),
		       void *arg);

int og_store_user_put(struct og_store *st, const struct og_user_row *u);

int og_store_dek_list(struct og_store *st, int (*cb)(void *arg, const struct og_dek_row *d),
		      void *arg);

int og_store_dek_put(struct og_store *st, const struct og_dek_row *d);

int og_store_admin_list(struct og_store *st, int (*cb)(void *arg, const struct og_admin_row *a),
			void *arg);

int og_store_admin_put(struct og_store *st, const struct og_admin_row *a);

int og_store_recovery_list(struct og_store *st,
			   int (*cb)(void *arg, const struct og_recovery_row *r), void *arg);

int og_store_recovery_put(struct og_store *st, const struct og_recovery_row *r);

int og_store_failure_list(struct og_store *st,
			  int (*cb)(void *arg, const struct og_failure_row *f), void *arg);

int og_store_failure_put(struct og_store *st, const struct og_failure_row *f);

int og_store_org_removal_list(struct og_store *st,
			      int (*cb)(void *arg, const struct og_org_removal_row *o), void *arg);

int og_store_org_removal_put(struct og_store *st, const struct og_org_removal_row *o);

/* The spool chunks recorded as stored; a mark is put back with
 * og_store_spool_mark(st, m->id, m->at). A copied mark keeps a flush of a
 * claim left behind from storing its chunk in the new store again. */
int og_store_spool_mark_list(struct og_store *st,
			     int (*cb)(void *arg, const struct og_spool_mark_row *m), void *arg);

int og_store_audit_list(struct og_store *st,
			int (*cb)(void *arg, const struct og_audit_row *row), void *arg);

int og_store_subject_list(struct og_store *st,
			  int (*cb)(void *arg, const struct og_subject_row *s), void *arg);

/* -------- monitoring -------------------------------------------------- */

/* Monitoring: the trail's newest end and its length; the newest entry
 * with this reason (cb not called when there is none); how many tokens
 * are in state and were created before created_before. */
int og_store_audit_head(struct og_store *st, struct og_audit_head *out);

int og_store_audit_last(struct og_store *st, const char *reason,
			int (*cb)(void *arg, const struct og_audit_row *row), void *arg);

int og_store_token_count(struct og_store *st, enum og_token_state state, int64_t created_before,
			 int64_t *n);

int og_store_counts(struct og_store *st, struct og_store_counts *out);

#endif

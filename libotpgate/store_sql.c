/*
 * store_sql.c: every statement the store runs, in the SQL both backends
 * accept; NULL where each dialect says it its own way (store_sqlite.c,
 * store_pg.c). And the one door through which statements go.
 */
#include <string.h>

#include "err.h"
#include "store_backend.h"
#include "util.h"

#define TOKEN_FROM " FROM tokens t JOIN data_keys d ON d.id = t.dek_id"
#define AUDIT_FROM " FROM audit a LEFT JOIN subjects su ON su.pseudonym = a.\"user\"" \
	" LEFT JOIN subjects sa ON sa.pseudonym = a.actor"
/* Who a claim is about, and what bars them (OG_STANDING_COLS). */
#define STANDING(who) "WITH who(name) AS (" who ") SELECT COALESCE(u.removed_at, 0)," \
	" o.org IS NOT NULL, COALESCE(f.locked_until, 0), f.\"user\" IS NOT NULL," \
	" COALESCE(f.failure_mode_until, 0) FROM who" \
	" LEFT JOIN users u ON u.name = who.name LEFT JOIN org_removals o ON o.org = u.org" \
	" LEFT JOIN failures f ON f.\"user\" = who.name"
#define INVITE_FROM " FROM invitations i LEFT JOIN users u ON u.name = i.\"user\""
#define TOKEN_USER "SELECT \"user\" FROM tokens WHERE id = $1"
/* The organisations removed by $1, and their users with those removed by then. */
#define GONE_ORGS "(SELECT org FROM org_removals WHERE removed_at <= $1)"
#define GONE_USERS "(SELECT name FROM users WHERE (removed_at > 0 AND removed_at <= $1)" \
	" OR org IN " GONE_ORGS ")"

#define ERASE(name, table, column) \
	[OG_Q_ERASE_##name] = { "erase", 0, "DELETE FROM " table " WHERE " column " = $1" },
#define PURGE(name, table, column) \
	[OG_Q_PURGE_##name] = { "purge", 0, "DELETE FROM " table " WHERE " column " IN " GONE_USERS },

enum { REG = OG_QF_REGISTRY, STREAM = OG_QF_STREAM };

const struct og_statement og_statements[OG_Q_COUNT] = {
	/* the login path */
	[OG_Q_USER_STATE] = { "read user", 0,
		"SELECT u.org, COALESCE(f.locked_until, 0), f.\"user\" IS NOT NULL, u.removed_at,"
		" COALESCE(f.failure_mode_until, 0), (SELECT count(*) FROM tokens p"
		" WHERE p.\"user\" = u.name AND p.state = 'pending' AND p.serial NOT IN"
		" (SELECT i.token FROM invitations i WHERE i.\"user\" = u.name)), "
		OG_TOKEN_COLS " FROM users u LEFT JOIN failures f ON f.\"user\" = u.name"
		" LEFT JOIN tokens t ON t.\"user\" = u.name AND t.state = 'active'"
		" LEFT JOIN data_keys d ON d.id = t.dek_id"
		" WHERE u.name = $1 ORDER BY t.created LIMIT 16" },
	[OG_Q_CLAIM_LOCK_TOKEN] = { "lock user", 0, NULL },
	[OG_Q_CLAIM_LOCK_USER] = { "lock user", 0, NULL },
	[OG_Q_FAIL_LOCK_USER] = { "lock user", 0, NULL },
	[OG_Q_STANDING_OF_TOKEN] = { "read user standing", 0, STANDING(TOKEN_USER) },
	[OG_Q_STANDING_OF_USER] = { "read user standing", 0, STANDING("SELECT CAST($1 AS TEXT)") },
	[OG_Q_TOKEN_WATERMARK] = { "read watermark", 0, "SELECT last_step FROM tokens WHERE id = $1" },
	/* the one claim of a TOTP step and an HOTP counter: whoever moves the
	 * watermark past it first has it, fleet-wide (OG_CLAIM_STEP_SQL: each
	 * dialect says how it finds the token) */
	[OG_Q_CLAIM_STEP] = { "advance watermark", 0, NULL },
	[OG_Q_SPEND_STEP] = { "spend code", 0,
		"UPDATE tokens SET last_step = $2 WHERE id = $1 AND state = 'active' AND last_step < $2" },
	[OG_Q_CLAIM_RECOVERY] = { "use recovery code", 0,
		"UPDATE recovery_codes SET used = $3 WHERE \"user\" = $1 AND idx = $2 AND used = 0" },
	[OG_Q_CLEAR_FAILURES_OF_TOKEN] = { "clear failures", 0,
		"DELETE FROM failures WHERE \"user\" = (" TOKEN_USER ")" },
	[OG_Q_CLEAR_FAILURES] = { "clear failures", 0, "DELETE FROM failures WHERE \"user\" = $1" },
	[OG_Q_FAIL_ENSURE] = { "count failure", 0, NULL },
	[OG_Q_FAIL_GET] = { "count failure", 0, NULL },
	[OG_Q_FAIL_PUT] = { "count failure", 0,
		"INSERT INTO failures(\"user\", " OG_FAIL_COLS ") VALUES($1, $2, $3, $4, $5, $6)"
		" ON CONFLICT(\"user\") DO UPDATE SET count = excluded.count,"
		" window_start = excluded.window_start, locked_until = excluded.locked_until,"
		" failure_mode_until = excluded.failure_mode_until,"
		" replay_step = excluded.replay_step" },
	[OG_Q_CHAIN_LOCK] = { "lock audit chain", 0, NULL },
	[OG_Q_CHAIN_TAIL] = { "read audit chain", 0,
		"SELECT id, mac FROM audit ORDER BY id DESC LIMIT 1" },
	[OG_Q_AUDIT_INSERT] = { "audit", 0,
		"INSERT INTO audit(ts, " OG_AUDIT_FIELD_COLS ", id, mac) VALUES($1, $2, $3, $4, $5,"
		" $6, $7, $8, $9, $10, $11, $12, $13, $14)" },
	[OG_Q_SUBJECT_GET] = { "find subject", 0, "SELECT pseudonym FROM subjects WHERE name = $1" },
	[OG_Q_SUBJECT_ADD] = { "add subject", 0,
		"INSERT INTO subjects(pseudonym, name, salt, created) VALUES($1, $2, $3, $4)"
		" ON CONFLICT(name) DO NOTHING" },
	/* users, organisations, admins */
	[OG_Q_USER_INSERT] = { "add user", 0,
		"INSERT INTO users(name, org, created) VALUES($1, $2, $3) ON CONFLICT(name) DO NOTHING" },
	[OG_Q_USER_ORG] = { "read user", 0, "SELECT org FROM users WHERE name = $1" },
	[OG_Q_USER_REMOVE] = { "remove user", 0,
		"UPDATE users SET removed_at = $2 WHERE name = $1 AND removed_at = 0" },
	[OG_Q_USER_RESTORE] = { "restore user", 0,
		"UPDATE users SET removed_at = 0, removed_with_org = false"
		" WHERE name = $1 AND removed_at > 0" },
	[OG_Q_USER_REMOVAL_PUT] = { "set user removal", 0,
		"UPDATE users SET removed_at = $2, removed_with_org = $3 WHERE name = $1" },
	[OG_Q_USERS_ALL] = { "list users", 0,
		"SELECT name, org, created, removed_at, removed_with_org FROM users ORDER BY name" },
	[OG_Q_ORG_KNOWN] = { "organisation", 0,
		"SELECT (SELECT count(*) FROM users WHERE org = $1)"
		" + (SELECT count(*) FROM data_keys WHERE org = $1)" },
	[OG_Q_ORG_REMOVAL_ADD] = { "remove organisation", 0,
		"INSERT INTO org_removals(org, removed_at) VALUES($1, $2) ON CONFLICT(org) DO NOTHING" },
	[OG_Q_ORG_REMOVAL_DEL] = { "restore organisation", 0,
		"DELETE FROM org_removals WHERE org = $1" },
	[OG_Q_ORG_USERS_REMOVE] = { "remove organisation", 0,
		"UPDATE users SET removed_at = $2, removed_with_org = true"
		" WHERE org = $1 AND removed_at = 0" },
	[OG_Q_ORG_USERS_RESTORE] = { "restore organisation", 0,
		"UPDATE users SET removed_at = 0, removed_with_org = false"
		" WHERE org = $1 AND removed_with_org = true" },
	[OG_Q_ORG_REMOVED_AT] = { "organisation", 0,
		"SELECT removed_at FROM org_removals WHERE org = $1" },
	[OG_Q_ORG_REMOVALS_ALL] = { "list org removals", 0,
		"SELECT org, removed_at FROM org_removals ORDER BY org" },
	[OG_Q_ADMIN_GET] = { "read admin", 0, "SELECT role, org FROM admins WHERE name = $1" },
	[OG_Q_ADMIN_ADD] = { "add admin", 0,
		"INSERT INTO admins(name, role, org, created) VALUES($1, $2, $3, $4)" },
	[OG_Q_ADMINS_ALL] = { "list admins", 0,
		"SELECT name, role, org, created FROM admins ORDER BY name" },
	/* tokens and their keys */
	[OG_Q_DEK_GET] = { "read data key", 0, "SELECT id, wrapped FROM data_keys WHERE org = $1" },
	[OG_Q_DEK_ADD] = { "add data key", 0,
		"INSERT INTO data_keys(id, org, wrapped, created) VALUES($1, $2, $3, $4)" },
	[OG_Q_DEKS_ALL] = { "list data keys", 0,
		"SELECT id, org, wrapped, created FROM data_keys ORDER BY org" },
	[OG_Q_TOKEN_ADD] = { "add token", 0,
		"INSERT INTO tokens(id, serial, \"user\", kind, state, algorithm, digits, period, t0,"
		" secret, dek_id, drift, last_step, created, last_used, otp_kind) VALUES($1, $2, $3,"
		" $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)" },
	[OG_Q_TOKEN_GET] = { "read token", 0,
		"SELECT " OG_TOKEN_COLS TOKEN_FROM " WHERE t.serial = $1" },
	[OG_Q_TOKENS_OF] = { "list tokens", 0,
		"SELECT " OG_TOKEN_COLS TOKEN_FROM " WHERE t.\"user\" = $1 ORDER BY t.created" },
	[OG_Q_TOKENS_ALL] = { "list tokens", 0,
		"SELECT " OG_TOKEN_COLS TOKEN_FROM " ORDER BY t.\"user\", t.created" },
	[OG_Q_TOKEN_ASSIGN] = { "assign token", 0,
		"UPDATE tokens SET \"user\" = $2, secret = $3, dek_id = $4, state = 'active'"
		" WHERE id = $1 AND state = 'stock'" },
	[OG_Q_TOKEN_ACTIVATE] = { "activate token", 0,
		"UPDATE tokens SET state = 'active', last_step = $2, drift = $3"
		" WHERE id = $1 AND state = 'pending'" },
	[OG_Q_TOKEN_RESYNC] = { "resync token", 0,
		"UPDATE tokens SET drift = $2,"
		" last_step = CASE WHEN last_step > $3 THEN last_step ELSE $3 END"
		" WHERE id = $1 AND state = 'active'" },
	[OG_Q_TOKEN_REVOKE] = { "revoke token", 0,
		"UPDATE tokens SET state = 'revoked' WHERE serial = $1 AND state IN ('active', 'pending')" },
	[OG_Q_TOKEN_COUNT] = { "count tokens", 0,
		"SELECT count(*) FROM tokens WHERE state = $1 AND created < $2" },
	[OG_Q_RECOVERY_DEL] = { "replace recovery codes", 0,
		"DELETE FROM recovery_codes WHERE \"user\" = $1" },
	[OG_Q_RECOVERY_ADD] = { "add recovery code", 0,
		"INSERT INTO recovery_codes(\"user\", idx, salt, hash, used, created)"
		" VALUES($1, $2, $3, $4, $5, $6)" },
	[OG_Q_RECOVERY_GET] = { "read recovery codes", 0,
		"SELECT idx, salt, hash, used FROM recovery_codes WHERE \"user\" = $1 ORDER BY idx" },
	[OG_Q_RECOVERY_ALL] = { "list recovery codes", 0,
		"SELECT \"user\", idx, salt, hash, used, created FROM recovery_codes"
		" ORDER BY \"user\", idx" },
	[OG_Q_FAILURES_ALL] = { "list failures", 0,
		"SELECT \"user\", " OG_FAIL_COLS " FROM failures ORDER BY \"user\"" },
	[OG_Q_TOKEN_DISCARD] = { "discard token", 0,
		"DELETE FROM tokens WHERE id = $1 AND state = 'pending'" },
	/* enrolment invitations */
	[OG_Q_INVITE_PUT] = { "store invitation", 0,
		"INSERT INTO invitations(\"user\", hash, otp_kind, created, expires, used, token)"
		" VALUES($1, $2, $3, $4, $5, $6, $7) ON CONFLICT(\"user\") DO UPDATE SET"
		" hash = excluded.hash, otp_kind = excluded.otp_kind, created = excluded.created,"
		" expires = excluded.expires, used = excluded.used, token = excluded.token" },
	[OG_Q_INVITE_GET] = { "read invitation", 0,
		"SELECT " OG_INVITE_COLS INVITE_FROM " WHERE i.\"user\" = $1" },
	[OG_Q_INVITES_ALL] = { "list invitations", 0,
		"SELECT " OG_INVITE_COLS INVITE_FROM " ORDER BY i.\"user\"" },
	[OG_Q_INVITE_REVOKE] = { "revoke invitation", 0,
		"DELETE FROM invitations WHERE \"user\" = $1 AND used = 0" },
	/* the one claim of an invitation: whoever marks it used first has it,
	 * while its user still has no active token */
	[OG_Q_INVITE_TAKE] = { "take invitation", 0,
		"UPDATE invitations SET used = $3, token = $4"
		" WHERE \"user\" = $1 AND hash = $2 AND used = 0 AND expires > $3"
		" AND NOT EXISTS (SELECT 1 FROM tokens t WHERE t.\"user\" = $1"
		" AND t.state = 'active')" },
	/* sessions */
	[OG_Q_SESSION_ADD] = { "add session", 0,
		"INSERT INTO sessions(" OG_SESSION_COLS ") VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9,"
		" $10)" },
	[OG_Q_SESSION_GET] = { "read session", 0,
		"SELECT " OG_SESSION_COLS " FROM sessions WHERE id = $1" },
	[OG_Q_SESSION_DEL] = { "forget session", 0, "DELETE FROM sessions WHERE id = $1" },
	[OG_Q_SESSIONS_OF] = { "list sessions", 0,
		"SELECT " OG_SESSION_COLS " FROM sessions WHERE \"user\" = $1 ORDER BY started, id" },
	[OG_Q_SESSIONS_ON] = { "list sessions", 0,
		"SELECT " OG_SESSION_COLS " FROM sessions WHERE host = $1 ORDER BY started, id" },
	[OG_Q_SESSIONS_ALL] = { "list sessions", 0,
		"SELECT s.id, s.\"user\", s.source, s.host, s.service, s.tty, s.pid, s.pid_start,"
		" s.boot_id, s.started, COALESCE(u.org, '') FROM sessions s"
		" LEFT JOIN users u ON u.name = s.\"user\" ORDER BY s.\"user\", s.started, s.id" },
	/* the key registry */
	[OG_Q_KEY_ADD] = { "add key", REG,
		"INSERT INTO access_keys(" OG_KEY_COLS ") VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9,"
		" $10, $11, $12)" },
	[OG_Q_KEYS_OF] = { "list keys", REG,
		"SELECT " OG_KEY_COLS " FROM access_keys WHERE \"user\" = $1 ORDER BY created, id" },
	[OG_Q_KEYS_ALL] = { "list keys", REG,
		"SELECT " OG_KEY_COLS " FROM access_keys ORDER BY \"user\", created, id" },
	[OG_Q_KEY_SET_STATE] = { "set key state", REG,
		"UPDATE access_keys SET state = $2, not_after = $3 WHERE id = $1 AND state = $4" },
	[OG_Q_KEY_TOUCH] = { "touch key", REG,
		"UPDATE access_keys SET last_used = $2 WHERE fingerprint = $1" },
	[OG_Q_KEY_BY_FP] = { "find key", REG,
		"SELECT " OG_KEY_COLS " FROM access_keys WHERE fingerprint = $1" },
	/* the audit trail */
	[OG_Q_AUDIT_ALL] = { "list audit", STREAM,
		"SELECT " OG_AUDIT_COLS AUDIT_FROM " ORDER BY a.id" },
	[OG_Q_AUDIT_LAST] = { "read audit", 0,
		"SELECT " OG_AUDIT_COLS AUDIT_FROM " WHERE a.reason = $1 ORDER BY a.id DESC LIMIT 1" },
	[OG_Q_AUDIT_HEAD] = { "read audit head", 0,
		"SELECT (SELECT count(*) FROM audit), id, ts, mac FROM audit ORDER BY id DESC LIMIT 1" },
	[OG_Q_AUDIT_UNSEALED] = { "seal audit trail", 0,
		"SELECT id, ts, " OG_AUDIT_FIELD_COLS " FROM audit WHERE mac IS NULL ORDER BY id" },
	[OG_Q_AUDIT_SEAL] = { "seal audit trail", 0,
		"UPDATE audit SET \"user\" = $2, actor = $3, mac = $4 WHERE id = $1" },
	[OG_Q_SUBJECTS_ALL] = { "list subjects", 0,
		"SELECT pseudonym, name, salt FROM subjects ORDER BY pseudonym" },
	[OG_Q_SPOOL_MARK] = { "mark spooled rows written", 0,
		"INSERT INTO spool_flushed(id, at) VALUES($1, $2)" },
	[OG_Q_SPOOL_MARKS_ALL] = { "list spool marks", 0,
		"SELECT id, at FROM spool_flushed ORDER BY id" },
	/* erase, purge, counts */
	OG_PERSON_TABLES(ERASE)
	[OG_Q_ERASE_SUBJECT] = { "erase", 0, "DELETE FROM subjects WHERE name = $1" },
	[OG_Q_PURGE_PREPARE] = { "purge", 0, NULL },
	[OG_Q_PURGE_COUNT] = { "purge", 0,
		"SELECT (SELECT count(*) FROM " GONE_USERS " g),"
		" (SELECT count(*) FROM org_removals WHERE removed_at <= $1)" },
	OG_PERSON_TABLES(PURGE)
	[OG_Q_PURGE_ORG_TOKENS] = { "purge", 0,
		"DELETE FROM tokens WHERE dek_id IN (SELECT id FROM data_keys WHERE org IN "
		GONE_ORGS ")" },
	[OG_Q_PURGE_ORG_KEYS] = { "purge", 0, "DELETE FROM access_keys WHERE org IN " GONE_ORGS },
	[OG_Q_PURGE_ORG_ADMINS] = { "purge", 0, "DELETE FROM admins WHERE org IN " GONE_ORGS },
	[OG_Q_PURGE_ORG_DEKS] = { "purge", 0, "DELETE FROM data_keys WHERE org IN " GONE_ORGS },
	[OG_Q_PURGE_ORG_REMOVALS] = { "purge", 0,
		"DELETE FROM org_removals WHERE removed_at <= $1" },
	[OG_Q_PURGE_TIDY] = { "purge", 0, NULL },
	[OG_Q_PURGE_DONE] = { "purge", 0, NULL },
	[OG_Q_COUNTS] = { "count rows", REG,
		"SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM data_keys),"
		" (SELECT count(*) FROM tokens), (SELECT count(*) FROM audit),"
		" (SELECT count(*) FROM admins), (SELECT count(*) FROM recovery_codes),"
		" (SELECT count(*) FROM failures), (SELECT count(*) FROM org_removals),"
		" (SELECT count(*) FROM access_keys), (SELECT count(*) FROM spool_flushed),"
		" (SELECT count(*) FROM sessions), (SELECT count(*) FROM invitations)" },
};

const char *og_statement_sql(enum og_q q, const char *const *own)
{
	return og_statements[q].sql != NULL ? og_statements[q].sql : own[q];
}

struct og_value og_v_text(const char *s)
{
	return (struct og_value){ .type = s ? OG_V_TEXT : OG_V_NULL, .text = s };
}

struct og_value og_v_int(int64_t n)
{
	return (struct og_value){ .type = OG_V_INT, .num = n };
}

struct og_value og_v_blob(const unsigned char *p, size_t len)
{
	return (struct og_value){ .type = OG_V_BLOB, .blob = p, .len = len };
}

/* The key registry is made ready before a statement that needs it. */
static int ready_for(struct og_store *st, const struct og_call *calls, int n)
{
	for (int i = 0; i < n; i++) {
		if (og_statements[calls[i].q].flags & OG_QF_REGISTRY)
			return st->ops->keys_ready(st->be);
	}
	return OG_OK;
}

int og_store_batch(struct og_store *st, struct og_call *calls, int n, int commit)
{
	int r = ready_for(st, calls, n);

	return r != OG_OK ? r : st->ops->batch(st->be, calls, n, commit);
}

int og_store_run(struct og_store *st, enum og_q q, const struct og_value *v, int n,
		 og_row_fn fn, void *arg, int64_t *changed)
{
	struct og_call c = { q, v, n, fn, arg, 0, 0 };
	int r = og_store_batch(st, &c, 1, 0);

	if (changed != NULL)
		*changed = c.changed;
	return r;
}

int og_store_finish(struct og_store *st, int r)
{
	if (r == OG_OK)
		return st->ops->commit(st->be);
	st->ops->rollback(st->be);
	return r;
}

int og_row_str(const struct og_row *r, int col, char *out, size_t cap)
{
	const char *v = r->rd->text(r, col);

	return og_copy(out, cap, v != NULL ? v : "") == OG_OK ? OG_OK : OG_ERR_STORE;
}

int og_store_malformed(struct og_store *st, enum og_q q)
{
	og_logf(st->log, LOG_ERR, "store %s: %s: a row is malformed", st->ops->name,
		og_statements[q].what);
	return OG_ERR_STORE;
}

# shellcheck shell=sh
# audit.sh: the audit trail a test's logins and tools leave in the store
# (sourced, by sh and bash alike). AUDIT_DB names an SQLite store, or
# AUDIT_PG a PostgreSQL one (a libpq conninfo). Entries are read through
# the view audit_named, which shows users and actors by name.
#
#   audit_sql SQL            the rows of SQL, fields separated by |
#   audit_where WHERE        how many entries match WHERE
#   audit_max                the highest entry id so far (0 if none)
#   audit_since ID [WHERE]   the entries after ID (and matching WHERE), one a
#                            line: event|result|reason|user|source|service|token

AUDIT_DB=${AUDIT_DB:-}
AUDIT_PG=${AUDIT_PG:-}

audit_sql() {
	if [ -n "$AUDIT_PG" ]; then
		psql -Atq -F '|' "$AUDIT_PG" -c "$1"
	else
		sqlite3 -cmd '.timeout 5000' -separator '|' "$AUDIT_DB" "$1"
	fi
}

audit_where() { audit_sql "SELECT count(*) FROM audit_named WHERE $1"; }

audit_max() { audit_sql 'SELECT COALESCE(MAX(id), 0) FROM audit'; }

audit_since() {
	audit_sql "SELECT event, result, reason, \"user\", COALESCE(source, ''), service,
		COALESCE(token, '') FROM audit_named WHERE id > ${1:-0} AND (${2:-TRUE}) ORDER BY id"
}

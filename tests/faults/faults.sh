#!/bin/sh
# faults.sh BUILD_DIR (run under tests/pg/with-postgres): the faults a
# bastion's store and master key meet, each with what must come of it. A
# login is refused with PAM_AUTHINFO_UNAVAIL and a log line that names the
# cause; the attempt is audited, in the store or, while the store cannot
# take it, in the spool, and reaches the store once it is back; the code
# it was given is not spent, so it logs in then. A tool is refused with an
# error naming the cause, and writes nothing. Nothing is half-written.
#  1. the store's file system full (a 2 MiB tmpfs, in a mount namespace of
#     the test's own), before a login and while a login waits at its prompt;
#  2. the store cut in half, its header overwritten, a page of it corrupt;
#  3. the store locked by another writer past store.timeout;
#  4. the master key missing, short, readable by others;
#  5. kill -9 in the middle of import, and of migrate-store into SQLite and
#     into PostgreSQL: the target as it was, and the next run complete.
# PostgreSQL stopped, restarted and cut off mid-login, a rotate killed and
# the spool flushed by two processes at once are in tests/pg/fleet.sh and
# tests/e2e/sshd_keys.sh.
set -u
BUILD=${1:?usage: faults.sh BUILD_DIR}
: "${OTPGATE_TEST_CONNINFO:?run under tests/pg/with-postgres}"
if [ "${OTPGATE_FAULTS_NS:-}" != 1 ]; then
	OTPGATE_FAULTS_NS=1 exec unshare --mount --propagation private "$0" "$@"
	echo "faults.sh: cannot make a mount namespace (unshare needs root)" >&2
	exit 1
fi
TESTLIB=$(cd "$(dirname "$0")/../lib" && pwd)
# shellcheck source=tests/lib/tap.sh
. "$TESTLIB/tap.sh"
# shellcheck source=tests/lib/proc.sh
. "$TESTLIB/proc.sh"
# shellcheck source=tests/lib/otp.sh
. "$TESTLIB/otp.sh"
# shellcheck source=tests/lib/audit.sh
. "$TESTLIB/audit.sh"
# shellcheck source=tests/lib/login.sh
. "$TESTLIB/login.sh"
scratch otpgate-faults
LOCKER=""
cleanup_faults() {
	stop "$LOCKER"
	umount "$T/small" 2>/dev/null
	return 0
}
on_exit cleanup_faults
UNAVAIL="Authentication service cannot retrieve authentication info"
# each case logs in as a user of its own, whose code is not spent yet
secret() { printf '%s' "$1" | sha1sum | cut -c1-40; }
code() { totp hex "$(secret "$1")" "${2:-0}"; }
# tokens_csv FILE USER...: a CSV of these users' tokens
tokens_csv() {
	f=$1
	shift
	echo "user,serial,secret" >"$f"
	for u in "$@"; do echo "$u,HW-$u,$(secret "$u")" >>"$f"; done
}
mkdir "$T/pam.d" "$T/small" "$T/c" "$T/k" "$T/m"

# conf NAME STORE [SPOOL]: $T/NAME.conf on the SQLite store STORE, with
# store.timeout 1s and its spool beside it (or at SPOOL), and the PAM
# service NAME
conf() {
	name=$1 spool=""
	[ -n "${3:-}" ] && spool=" spool = \"$3\";"
	cat >"$T/$name.conf" <<CONF
store = { backend = "sqlite"; path = "$2"; timeout = "1s";$spool };
master_key = "$T/master.key";
policy = ( { match = "*"; allow_from = [ "127.0.0.0/8" ]; } );
CONF
	chmod 600 "$T/$name.conf"
	printf 'auth required %s/pam_otpgate.so config=%s/%s.conf\n' "$BUILD" "$T" "$name" \
		>"$T/pam.d/$name"
}
prov() { conf_name=$1; shift; "$BUILD/otpgate-provision" -c "$T/$conf_name.conf" "$@"; }
# refused_at_once DESC LOG_PATTERN: the last login (pam_login) answered
# PAM_AUTHINFO_UNAVAIL and logged a line matching LOG_PATTERN
refused_at_once() {
	if grep -qx "$UNAVAIL" "$T/login.out" && grep -q -- "$2" "$T/login.log"; then
		ok "$1"
	else
		not_ok "$1"
		diag "  PAM answered '$(cat "$T/login.out")', want '$UNAVAIL'; log lines matching '$2':"
		diag "$(cat "$T/login.log")"
	fi
}
# fails_with DESC PATTERN CMD...: CMD exits non-zero and says PATTERN on
# stderr (here the tools say it on more than one line: see below)
fails_with() {
	desc=$1 want=$2
	shift 2
	if "$@" >"$T/out" 2>"$T/err"; then
		not_ok "$desc (exit 0)"
	elif ! grep -q -- "$want" "$T/err"; then
		not_ok "$desc: want '$want'; stderr was: $(cat "$T/err")"
	else
		ok "$desc"
	fi
}
spooled() { grep -q "reason=$2 user=$3 " "$1"; }
users_named() { sqlite3 "$1" "SELECT count(*) FROM users WHERE name = '$2'"; }

# 1. the store's file system full: the store, and for one config its spool,
# on a 2 MiB tmpfs (a file system apart, as docs/security.md advises for
# the users' drop location, can still fill with the store's own data)
mount -t tmpfs -o size=2m tmpfs "$T/small" || { echo "faults.sh: cannot mount a tmpfs" >&2; exit 1; }
conf full "$T/small/otpgate.db"
conf full-spool "$T/small/otpgate.db" "$T/spool-full"
AUDIT_DB=$T/small/otpgate.db
tokens_csv "$T/full.csv" full fill
if ! prov full init >/dev/null || ! prov full import --format csv "$T/full.csv" >/dev/null; then
	echo "faults.sh: cannot set up the store" >&2
	exit 1
fi
# fill FS: until nothing is left (the store's WAL emptied first, so that a
# write needs room of its own)
fill() {
	head -c 8m /dev/zero >"$1/filler" 2>/dev/null
	[ "$(stat -f -c %a "$1")" -eq 0 ]
}
sqlite3 "$T/small/otpgate.db" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
check "the store's file system is full" fill "$T/small"
wait_margin 10
c=$(code full)
pam_login full-spool full "$c"
refused_at_once "file system full: refused with PAM_AUTHINFO_UNAVAIL, the store's error logged" \
	"store $T/small/otpgate.db: .*: disk I/O error$"
check "file system full: the attempt is spooled (the spool elsewhere), with its reason" \
	spooled "$T/spool-full" store-unavailable full
pam_login full full "$c"
refused_at_once "file system full, the spool on it too: the row lost is logged" \
	": audit spool $T/small/audit.spool: No space left on device; row lost: ts=[0-9]* event=auth result=failure reason=store-unavailable user=full source=127.0.0.1 service=full$"
check "... and as the audit event itself" \
	grep -q "event=auth result=failure reason=store-unavailable user=full source=127.0.0.1 service=full$" \
	"$T/login.log"
fails_with "file system full: enrol is refused, naming the store and the error" \
	"store $T/small/otpgate.db: .*disk I/O error" prov full enrol bob --qr none
rm "$T/small/filler"
LOGIN_SPOOLED="auth|failure|store-unavailable|full"
logs_in "room again: the same code logs in, the spooled attempt written first" full-spool full "$c"
LOGIN_SPOOLED=
check "room again: nothing of the refused enrol is in the store" [ "$(users_named "$AUDIT_DB" bob)" -eq 0 ]
# the file system fills while a login waits at its prompt: the store is
# open, the code cannot be claimed
c=$(code fill)
sqlite3 "$T/small/otpgate.db" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
pam_login full-spool fill "$c" -P "head -c 8m /dev/zero >'$T/small/filler' 2>/dev/null;
	[ \$(stat -f -c %a '$T/small') -eq 0 ]"
refused_at_once "file system full at the prompt: refused with PAM_AUTHINFO_UNAVAIL, the error logged" \
	"store $T/small/otpgate.db: .*database or disk is full"
check "file system full at the prompt: the attempt is spooled, with its reason" \
	spooled "$T/spool-full" store-error fill
rm "$T/small/filler"
LOGIN_SPOOLED="auth|failure|store-error|fill"
logs_in "room again: the code typed at the prompt was not spent, it logs in" full-spool fill "$c"
LOGIN_SPOOLED=
succeeds "the store's audit trail verifies after the full file system" prov full audit verify
umount "$T/small"

# 2. a corrupt store: each fault on a copy of a store of 2000 tokens, then
# the store restored (as from a backup) takes the spooled attempt
conf c "$T/c/otpgate.db"
AUDIT_DB=$T/c/otpgate.db
tokens_csv "$T/c.csv" cut header page locked keymissing keyshort keymode
python3 - "$T/c.csv" <<'PY'
import os, sys
with open(sys.argv[1], "a") as f:
    for i in range(2000):
        f.write(f"u{i:04d},S{i:04d},{os.urandom(20).hex()}\n")
PY
if ! prov c init >/dev/null || ! prov c import --format csv "$T/c.csv" >/dev/null; then
	echo "faults.sh: cannot set up the store" >&2
	exit 1
fi
sqlite3 "$T/c/otpgate.db" ".backup '$T/c-good.db'"
restore() {
	rm -f "$T/c/otpgate.db-wal" "$T/c/otpgate.db-shm"
	install -m 600 "$T/c-good.db" "$T/c/otpgate.db"
}
PAGE=$(sqlite3 "$T/c-good.db" "PRAGMA page_size")
INDEX_PAGE=$(sqlite3 "$T/c-good.db" "SELECT rootpage FROM sqlite_master WHERE name = 'tokens_user'")
# corrupt_store HOW: cut (the file cut in half), header (its first 100
# bytes garbage) or page (the page of the index of tokens by user garbage)
corrupt_store() {
	f=$T/c/otpgate.db
	case $1 in
	cut) truncate -s $(($(stat -c %s "$f") / 2)) "$f" ;;
	header) head -c 100 /dev/urandom | dd of="$f" conv=notrunc status=none ;;
	page) head -c "$PAGE" /dev/urandom | dd of="$f" bs="$PAGE" seek=$((INDEX_PAGE - 1)) \
		conv=notrunc status=none ;;
	esac
}
# audited_in spool|store REASON USER: the attempt's row is there
audited_in() {
	if [ "$1" = spool ]; then
		spooled "$T/c/audit.spool" "$2" "$3"
	else
		[ "$(audit_where "event = 'auth' AND reason = '$2' AND \"user\" = '$3'")" -eq 1 ]
	fi
}
# HOW|REASON|LOGGED|WHERE THE ROW WAITS|WHAT: a store that cannot be opened
# takes no row (the spool does); one with a corrupt index still takes it
for fault in "cut|store-unavailable|database disk image is malformed|spool|the store cut in half" \
	"header|store-unavailable|file is not a database|spool|a garbage header" \
	"page|store-error|read user: database disk image is malformed|store|a corrupt page"; do
	how=${fault%%|*} rest=${fault#*|}
	reason=${rest%%|*} rest=${rest#*|}
	why=${rest%%|*} rest=${rest#*|}
	where=${rest%%|*} what=${rest#*|}
	restore
	corrupt_store "$how"
	wait_margin 8
	c=$(code "$how")
	pam_login c "$how" "$c"
	refused_at_once "$what: refused with PAM_AUTHINFO_UNAVAIL, the store's error logged" \
		"store $T/c/otpgate.db: .*$why"
	check "$what: the attempt is audited ($reason), in the $where" audited_in "$where" "$reason" "$how"
	fails_with "$what: a tool is refused, naming the store and the error" \
		"store $T/c/otpgate.db: .*$why" prov c show "$how"
	restore
	[ "$where" = spool ] && LOGIN_SPOOLED="auth|failure|$reason|$how"
	logs_in "$what, the store restored: the code logs in${LOGIN_SPOOLED:+, the spooled attempt written first}" \
		c "$how" "$c"
	LOGIN_SPOOLED=
done

# 3. another writer holds the store (sqlite3 in BEGIN EXCLUSIVE) past
# store.timeout (1 s): reads go on, writes give up
lock_store() {
	rm -f "$T/lock.fifo" "$T/lock.out"
	mkfifo "$T/lock.fifo"
	sqlite3 "$1" <"$T/lock.fifo" >"$T/lock.out" 2>&1 &
	LOCKER=$!
	exec 5>"$T/lock.fifo"
	printf 'BEGIN EXCLUSIVE;\n.print locked\n' >&5
	poll 100 grep -q locked "$T/lock.out"
}
unlock_store() {
	printf 'ROLLBACK;\n' >&5
	exec 5>&-
	wait "$LOCKER"
	LOCKER=""
}
restore
rm -f "$T/c/audit.spool"
wait_margin 10
c=$(code locked)
check "another writer holds the store" lock_store "$T/c/otpgate.db"
pam_login c locked "$c"
refused_at_once "store locked past store.timeout: refused with PAM_AUTHINFO_UNAVAIL, the lock logged" \
	"store $T/c/otpgate.db: .*: database is locked"
check "store locked: the attempt is spooled, with its reason" spooled "$T/c/audit.spool" store-error locked
fails_with "store locked: enrol is refused, naming the lock" "store $T/c/otpgate.db: .*database is locked" \
	prov c enrol zed --qr none
unlock_store
LOGIN_SPOOLED="auth|failure|store-error|locked"
logs_in "the lock gone: the code logs in, the spooled attempt written first" c locked "$c"
LOGIN_SPOOLED=
check "the lock gone: nothing of the refused enrol is in the store" [ "$(users_named "$AUDIT_DB" zed)" -eq 0 ]

# 4. the master key missing, short, readable by others
cp "$T/master.key" "$T/master.key.good"
for fault in "missing|master.key: No such file or directory" \
	"short|master.key: not a master key (want 64 hex digits)" \
	"mode|master.key: mode 0644 is accessible by group or others; refusing it"; do
	how=${fault%%|*} why=${fault#*|}
	case $how in
	missing) rm "$T/master.key" ;;
	short) chmod 600 "$T/master.key" && head -c 20 "$T/master.key.good" >"$T/master.key" ;;
	mode) chmod 644 "$T/master.key" ;;
	esac
	wait_margin 8
	c=$(code "key$how")
	pam_login c "key$how" "$c"
	refused_at_once "master key $how: refused with PAM_AUTHINFO_UNAVAIL, the key's problem logged" \
		"$T/$why"
	check "master key $how: the attempt is spooled, with its reason" \
		spooled "$T/c/audit.spool" master-key "key$how"
	fails_with "master key $how: enrol is refused, naming the key and its problem" "$T/$why" \
		prov c enrol zed --qr none
	install -m 400 "$T/master.key.good" "$T/master.key"
	LOGIN_SPOOLED="auth|failure|master-key|key$how"
	logs_in "master key back: the code logs in, the spooled attempt written first" c "key$how" "$c"
	LOGIN_SPOOLED=
	check "master key back: nothing of the refused enrol is in the store" \
		[ "$(users_named "$AUDIT_DB" zed)" -eq 0 ]
done
succeeds "the store's audit trail verifies after the key's faults" prov c audit verify

# 5. kill -9 in the middle of a transaction: strace sends SIGKILL at the
# 100th write into the store's WAL (of the about 2000 pages the
# transaction writes), or for PostgreSQL at the 2000th message to the
# server (of the 20000 users copied first)
# killed_at FILE|- SYSCALL N CMD...: CMD, killed at its Nth SYSCALL (to FILE)
killed_at() {
	path=$1 call=$2 n=$3
	shift 3
	if [ "$path" = - ]; then set -- -e "trace=$call" "$@"; else set -- -P "$path" -e "trace=$call" "$@"; fi
	strace -f -qq -o /dev/null -e "inject=$call:signal=KILL:when=$n" "$@" >"$T/out" 2>&1
	[ $? -eq 137 ]
}
conf k "$T/k/otpgate.db"
conf m "$T/m/otpgate.db"
AUDIT_DB=$T/k/otpgate.db
python3 - "$T/k.csv" <<'PY'
import os, sys
with open(sys.argv[1], "w") as f:
    f.write("user,serial,secret\n")
    for i in range(20000):
        f.write(f"k{i:05d},K{i:05d},{os.urandom(20).hex()}\n")
PY
prov k init >/dev/null || { echo "faults.sh: cannot set up the store" >&2; exit 1; }
tokens_in() { sqlite3 "$1" "SELECT (SELECT count(*) FROM tokens) || ' ' || (SELECT count(*) FROM users)"; }
check "import of 20000 tokens killed (kill -9) in the middle of its transaction" \
	killed_at "$T/k/otpgate.db-wal" pwrite64 100 "$BUILD/otpgate-provision" -c "$T/k.conf" \
	import --format csv "$T/k.csv"
check "import killed: the WAL holds what it wrote" [ "$(stat -c %s "$T/k/otpgate.db-wal")" -gt 100000 ]
check "import killed: the store holds none of it" [ "$(tokens_in "$T/k/otpgate.db")" = "0 0" ]
succeeds "import killed: the store verifies" prov k audit verify
succeeds "import again: it completes" prov k import --format csv "$T/k.csv"
check "import again: every token, once" [ "$(tokens_in "$T/k/otpgate.db")" = "20000 20000" ]

prov m init >/dev/null || { echo "faults.sh: cannot set up the store" >&2; exit 1; }
check "migrate-store into SQLite killed (kill -9) in the middle of its transaction" \
	killed_at "$T/m/otpgate.db-wal" pwrite64 100 "$BUILD/otpgate-provision" -c "$T/k.conf" \
	migrate-store --to "$T/m.conf"
check "migrate-store killed: the target holds none of it" [ "$(tokens_in "$T/m/otpgate.db")" = "0 0" ]
succeeds "migrate-store again: it completes" prov k migrate-store --to "$T/m.conf"
check "migrate-store again: counts match, every token in the target" \
	sh -c "grep -q 'counts match' '$T/out' && [ \"\$1\" = '20000 20000' ]" - "$(tokens_in "$T/m/otpgate.db")"

# into PostgreSQL: a database of its own; the server ends the transaction
# of the client it lost
pg_conninfo=$(echo "$OTPGATE_TEST_CONNINFO" | sed 's/dbname=otpgate/dbname=faults/')
psql -Atq "$OTPGATE_TEST_CONNINFO" -c "CREATE DATABASE faults" >/dev/null
cat >"$T/pg.conf" <<CONF
store = { backend = "postgresql"; conninfo = "$pg_conninfo"; timeout = "5s"; spool = "$T/pg.spool"; };
master_key = "$T/master.key";
policy = ( { match = "*"; allow_from = [ "127.0.0.0/8" ]; } );
CONF
chmod 600 "$T/pg.conf"
pg() { psql -Atq "$pg_conninfo" -c "$1"; }
prov pg init >/dev/null || { echo "faults.sh: cannot set up the PostgreSQL store" >&2; exit 1; }
check "migrate-store into PostgreSQL killed (kill -9) in the middle of its transaction" \
	killed_at - sendto 2000 "$BUILD/otpgate-provision" -c "$T/k.conf" migrate-store --to "$T/pg.conf"
only_me() { [ "$(pg "SELECT count(*) FROM pg_stat_activity WHERE datname = 'faults'")" -eq 1 ]; }
check "migrate-store killed: the server ends the lost client's session" poll 100 only_me
check "migrate-store killed: the target holds none of it" \
	[ "$(pg "SELECT (SELECT count(*) FROM tokens) || ' ' || (SELECT count(*) FROM users)")" = "0 0" ]
succeeds "migrate-store again: it completes" prov k migrate-store --to "$T/pg.conf"
check "migrate-store again: counts match, every token in the target" \
	sh -c "grep -q 'counts match' '$T/out' && [ \"\$1\" = '20000 20000' ]" - \
	"$(pg "SELECT (SELECT count(*) FROM tokens) || ' ' || (SELECT count(*) FROM users)")"

tap_done

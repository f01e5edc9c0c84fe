#!/bin/sh
# operator.sh BUILD_DIR: what an operator runs around the tools: --version,
# check-config, status, the bastion's name in the audit trail, lock ends
# and --since as UTC times. Every refusal must be one clear line on stderr
# and a non-zero exit.
set -u
BUILD=${1:?usage: operator.sh BUILD_DIR}
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
scratch otpgate-op
AUDIT_DB=$T/otpgate.db
prov() { "$BUILD/otpgate-provision" -c "$T/otpgate.conf" "$@"; }
kr() { "$BUILD/otpgate-keyrotate" -c "$T/otpgate.conf" "$@"; }
db() { sqlite3 "$T/otpgate.db" "$1"; }
mkdir -p "$T/pam.d"
printf 'auth required %s/pam_otpgate.so config=%s/otpgate.conf\n' "$BUILD" "$T" >"$T/pam.d/op"

# --version: the release (the file VERSION) and the compiled-in plugin directory
VERSION=$(cat "$(dirname "$0")/../../VERSION")
for tool in otpgate-provision otpgate-keyrotate; do
	"$BUILD/$tool" --version >"$T/out" 2>&1
	check "$tool --version: exit 0, the release $VERSION and the plugin directory" \
		sh -c "[ \"\$(sed -n 1p $T/out)\" = '$tool $VERSION' ] &&
		grep -q '^plugin directory: /' $T/out"
done

cat >"$T/otpgate.conf" <<CONF
host = "bastion-op1";
store = { backend = "sqlite"; path = "$T/otpgate.db"; };
master_key = "$T/master.key";
policy = ( { match = "*"; allow_from = [ "127.0.0.0/8" ]; } );
lockout = { max_failures = 2; interval = "10m"; lock_for = "15m"; };
keys = { drop_dir = "$T/drop"; };
CONF
chmod 600 "$T/otpgate.conf"
succeeds "init" prov init
succeeds "enrol alice" prov enrol alice --qr none
URI=$(grep '^otpauth://' "$T/out")
wait_margin 4
succeeds "confirm alice" prov confirm alice "$(totp uri "$URI")"

# host: the name the config gives the bastion is the one its audit entries carry
check "host: admin entries name the bastion as the config says" \
	[ "$(db "select count(*) from audit where host = 'bastion-op1'")" -eq "$(db "select count(*) from audit")" ]
login_refused "a wrong code is refused as a bad code" op alice 000000 "Authentication failure" bad-code
check "host: a login's entry names it too" \
	[ "$(db "select host from audit_named where event = 'auth' and \"user\" = 'alice'")" = bastion-op1 ]
grep -v '^host' "$T/otpgate.conf" >"$T/nohost.conf"
chmod 600 "$T/nohost.conf"
succeeds "unlock alice, with the config that names no host" "$BUILD/otpgate-provision" -c "$T/nohost.conf" unlock alice
check "host: without the setting, the host name" \
	[ "$(db "select host from audit where reason = 'unlock' order by id desc limit 1")" = "$(hostname)" ]

# show: a lock ends at a UTC time; audit --since takes back the times audit prints
login_refused "a first wrong code is refused" op alice 000000 "Authentication failure" bad-code
login_refused "a second wrong code is refused, and locks (lockout.max_failures 2)" \
	op alice 000001 "Authentication failure" bad-code
prov show alice >"$T/out"
until=$(db "select locked_until from failures where user = 'alice'")
want=$(date -u -d "@$until" +%Y-%m-%dT%H:%M:%SZ)
check "show: the lock's end as a UTC time ($want)" grep -qx "locked: until $want (unlock to clear)" "$T/out"
prov audit >"$T/all"
third=$(sed -n 3p "$T/all" | cut -d' ' -f1)
n_after=$(awk -v t="$third" '$1 >= t' "$T/all" | wc -l)
prov audit --since "$third" >"$T/out"
check "audit --since a time audit printed ($third): the entries from then on" \
	[ "$(wc -l <"$T/out")" -eq "$n_after" ]
prov audit --since 2h >"$T/out"
check "audit --since 2h: every entry of this run" [ "$(wc -l <"$T/out")" -eq "$(wc -l <"$T/all")" ]
prov audit --since "$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)" >"$T/out"
check "audit --since an hour ahead: nothing" [ ! -s "$T/out" ]
refuses "audit --since a date that does not exist" "TIME" prov audit --since 2026-02-30T10:00:00Z

# status: Nagios levels (0 OK, 1 WARNING, 2 CRITICAL) and a line per check
# status_is LEVEL EXIT CMD...: the first line says LEVEL, the exit is EXIT
status_is() {
	level=$1 want=$2
	shift 2
	"$@" >"$T/status" 2>"$T/status.err"
	rc=$?
	if [ "$rc" -ne "$want" ] || ! head -1 "$T/status" | grep -q "^OTPGATE $level - "; then
		diag "exit $rc: $(cat "$T/status" "$T/status.err")"
		return 1
	fi
}
status_is WARNING 1 prov status
check "status: a locked user is a WARNING (exit 1) naming the count" \
	grep -q "^WARNING  locks      1 users locked out" "$T/status"
succeeds "unlock alice" prov unlock alice
status_is OK 0 prov status
if grep -q "^OK       store      sqlite $T/otpgate.db: reachable, schema version 8" "$T/status" &&
	grep -q '^OK       audit      [0-9]* entries, head [0-9a-f]\{64\} (entry' "$T/status" &&
	grep -q '^OK       spool      empty' "$T/status" && grep -q '^OK       rotate ' "$T/status" &&
	grep -q '^OK       disk       the file system of the store and the key drop location' "$T/status"; then
	ok "status: all well is OK (exit 0), each check on a line"
else
	not_ok "status: all well is OK (exit 0), each check on a line: $(cat "$T/status")"
fi
prov status --json >"$T/out"
if python3 - "$T/out" "$T/otpgate.db" <<'PY'; then ok "status --json: one object with every measurement"; else not_ok "status --json: $(cat "$T/out")"; fi
import json, sqlite3, sys
d = json.load(open(sys.argv[1]))
n = sqlite3.connect(sys.argv[2]).execute("select count(*) from audit").fetchone()[0]
assert d["status"] == "OK" and d["exit"] == 0, d
assert d["store"] == {"reachable": True, "schema": 8}, d["store"]
assert d["audit"]["entries"] == n and len(d["audit"]["head"]) == 64, d["audit"]
assert d["spool"]["rows"] == 0 and d["spool"]["dead"] == 0 and d["locked_users"] == 0 and d["pending_overdue"] == 0
assert d["keys"]["within"] == 14 * 86400 and d["rotate"]["last"] == 0, d
assert {c["name"] for c in d["checks"]} >= {"store", "audit", "spool", "enrolments", "locks", "keys", "rotate", "disk"}
assert d["disk"][0]["free_pct"] > 0
PY
# exits3 CMD...: runs CMD; an exit other than 3 adds a second line to stderr
exits3() { "$@"; rc=$?; [ "$rc" -eq 3 ] || echo "exit $rc, want 3" >&2; return "$rc"; }
refuses "status: a bad option is UNKNOWN (exit 3)" "usage" exits3 prov status --within soon
refuses "status: an unknown option is UNKNOWN (exit 3) too" "unknown option '--jsn'" exits3 prov status --jsn

# pending enrolments past enrol.pending_for
succeeds "enrol bob" prov enrol bob --qr none
db "update tokens set created = created - 7200 where user = 'bob'"
status_is WARNING 1 prov status
check "status: a pending enrolment past its deadline is a WARNING" \
	grep -q "^WARNING  enrolments 1 pending enrolments past their deadline" "$T/status"
succeeds "revoke bob's pending token" prov revoke bob

# the spool: a store the module refuses (mode 0644) spools the attempt; status
# says CRITICAL and how many rows wait; once the store is back, it is OK again
chmod 644 "$T/otpgate.db"
pam_login op alice 123456
check "a store the module refuses (mode 0644): PAM_AUTHINFO_UNAVAIL, the store's reason logged" \
	sh -c "grep -qx 'Authentication service cannot retrieve authentication info' '$T/login.out' &&
	grep -q ': $T/otpgate.db: mode 0644 is accessible by group or others; refusing it$' '$T/login.log' &&
	grep -q 'event=auth result=failure reason=store-unavailable user=alice ' '$T/login.log'"
status_is CRITICAL 2 prov status
check "status: a store that cannot be opened is CRITICAL, with the store's reason" \
	grep -q "^CRITICAL store      $T/otpgate.db: mode 0644" "$T/status"
check "status: the spooled attempt is counted" \
	grep -q "^WARNING  spool      1 audit rows wait for the store in $T/audit.spool, the oldest since" "$T/status"
chmod 600 "$T/otpgate.db"
status_is OK 0 prov status
check "status: the store back, the spool is written to it" \
	[ "$(db "select count(*) from audit where reason = 'store-unavailable'")" -eq 1 ]
# rows a flush claimed (store.spool.claim) still wait; rows it set aside
# (store.spool.dead) are a WARNING of their own
chmod 644 "$T/otpgate.db"
pam_login op alice 123456
mv "$T/audit.spool" "$T/audit.spool.claim"
pam_login op alice 123457
check "with the store refused again, the attempt is spooled with its reason" \
	grep -q "reason=store-unavailable user=alice " "$T/audit.spool"
status_is CRITICAL 2 prov status
check "status: rows in the spool and in a claim a flush left, both counted" \
	grep -q "^WARNING  spool      2 audit rows wait for the store in $T/audit.spool, the oldest since .* (1 of them claimed by a flush)$" "$T/status"
chmod 600 "$T/otpgate.db"
printf 'not a spool line\n' >>"$T/audit.spool"
status_is WARNING 1 prov status
check "status: a row set aside in the dead-letter file is a WARNING, by its path" \
	grep -q "^WARNING  spool      1 audit rows set aside in $T/audit.spool.dead (they do not parse or the store refused them; audit reason set-aside)$" "$T/status"
check "status: the claim and the spool were written to the store" \
	sh -c "[ ! -e '$T/audit.spool.claim' ] && [ \"\$(sqlite3 '$T/otpgate.db' \"select count(*) from audit where reason = 'store-unavailable'\")\" -eq 3 ]"
prov status --json >"$T/out"
check "status --json: the dead-letter rows" grep -q '"spool":{"rows":0,"oldest":0,"dead":1}' "$T/out"
rm "$T/audit.spool.dead"
status_is OK 0 prov status

# keys: a user's last key in grace and ending soon; rotate never run, late, failed
ssh-keygen -q -t ed25519 -N '' -f "$T/alice_key"
succeeds "add alice's own key" kr add alice "$T/alice_key.pub"
status_is WARNING 1 prov status
check "status: keys in the registry but no rotate run is a WARNING" \
	grep -q "^WARNING  rotate     no rotate run recorded but the registry holds keys" "$T/status"
succeeds "rotate" kr rotate
status_is OK 0 prov status
check "status: the last rotate run and its result" \
	grep -q "^OK       rotate     last run .* (0 h ago): success, 1 keys checked, 0 rotated" "$T/status"
sqlite3 "$T/keys.db" "update access_keys set state = 'grace', not_after = strftime('%s','now') + 3 * 86400"
status_is WARNING 1 prov status
check "status: a user whose last key ends within 14 days, in grace" \
	grep -q "^WARNING  keys       1 users will have no valid SSH key within 14 days" "$T/status"
status_is OK 0 prov status --within 2d
check "status --within 2d: the same key is fine" grep -q "^OK       keys       0 keys end within 2 days" "$T/status"
db "update audit set ts = ts - 3 * 86400 where reason = 'rotate-run'"
status_is WARNING 1 prov status --within 2d
check "status: a rotate run 3 days ago is a WARNING" grep -q "^WARNING  rotate     last run .* (72 h ago)" "$T/status"
db "update audit set ts = ts - 5 * 86400 where reason = 'rotate-run'"
status_is CRITICAL 2 prov status --within 2d
check "status: no rotate run for longer than keys.grace is CRITICAL" \
	grep -q "^CRITICAL rotate     last run .* (192 h ago)" "$T/status"

# a nearly full file system (a 1 MiB tmpfs, in a mount namespace of its own)
if unshare -m true 2>/dev/null; then
	mkdir "$T/small"
	sed "s|$T/otpgate.db|$T/small/otpgate.db|; s|$T/master.key|$T/small/master.key|" \
		"$T/otpgate.conf" >"$T/small.conf"
	chmod 600 "$T/small.conf"
	unshare -m --propagation private sh -c "
		mount -t tmpfs -o size=1m tmpfs '$T/small' || exit 9
		P='$BUILD/otpgate-provision -c $T/small.conf'
		\$P init >/dev/null || exit 9
		\$P status >'$T/disk.ok'; echo \$? >>'$T/disk.ok'
		set -- \$(stat -f -c '%a %S %b' '$T/small')	# free blocks, block size, blocks
		head -c \$(( (\$1 - \$3 * 6 / 100) * \$2 )) /dev/zero >'$T/small/filler'	# 6% left
		\$P status >'$T/disk.warn'; echo \$? >>'$T/disk.warn'
		head -c 1m /dev/zero >>'$T/small/filler' 2>/dev/null
		\$P status >'$T/disk.crit'; echo \$? >>'$T/disk.crit'"
	check "status: a file system with room is OK" sh -c "tail -1 $T/disk.ok | grep -qx 0"
	check "status: the store's file system nearly full is a WARNING" \
		sh -c "tail -1 $T/disk.warn | grep -qx 1 &&
		grep -q '^WARNING  disk       the store.s file system ($T/small): [0-9]% free' $T/disk.warn"
	check "status: the store's file system full is CRITICAL" \
		sh -c "tail -1 $T/disk.crit | grep -qx 2 && grep -q '^CRITICAL disk .*: [0-2]% free' $T/disk.crit"
else
	echo "# skipped: the nearly full file system (no mount namespaces here)"
fi

# check-config: works before init, one line per problem with FILE:LINE
mkdir "$T/new"
cp "$(dirname "$0")/../../conf/otpgate.conf" "$T/new/example.conf"
chmod 600 "$T/new/example.conf"
"$BUILD/otpgate-provision" check-config -c "$T/new/example.conf" >"$T/out" 2>&1
check "check-config: the example config is ok (exit 0)" \
	sh -c "[ $? -eq 0 ] && tail -1 $T/out | grep -qx '$T/new/example.conf: ok'"
if grep -q "check-config" "$T/new/example.conf"; then
	ok "the example config tells to check an edit with check-config"
else
	not_ok "example config advice"
fi
cat >"$T/new/fresh.conf" <<CONF
store = { backend = "sqlite"; path = "$T/new/lib/otpgate.db"; };
master_key = "$T/new/etc/master.key";
policy = ( { match = "*"; allow_from = [ "127.0.0.0/8" ]; } );
CONF
chmod 600 "$T/new/fresh.conf"
"$BUILD/otpgate-provision" -c "$T/new/fresh.conf" check-config >"$T/out" 2>&1
check "check-config before init: ok, with what init will create" \
	sh -c "[ $? -eq 0 ] && grep -q 'note: store.path: $T/new/lib/otpgate.db does not exist yet: init creates it' $T/out"
cat >"$T/new/bad.conf" <<CONF
master_key = "$T/master.key";
colour = "red";
networks = { office = [ "10.1.0.0/16" ]; lab = [ "10.2.0.1/16" ]; };
policy = ( { match = "user:x"; allow_from = [ "nowhere" ]; },
           { match = "*"; allow_from = [ "offfice", "lab" ]; } );
CONF
chmod 600 "$T/new/bad.conf"
"$BUILD/otpgate-provision" check-config -c "$T/new/bad.conf" >"$T/out" 2>"$T/err"
rc=$?
check "check-config: every problem on its own line with FILE:LINE, exit 1" \
	sh -c "[ $rc -eq 1 ] && grep -qx '$T/new/bad.conf:2: unknown setting .colour.' $T/out &&
	grep -q '^$T/new/bad.conf:3: network .lab.: .10.2.0.1/16. is not an address or CIDR' $T/out &&
	grep -q '^$T/new/bad.conf:4: .nowhere. is neither a network' $T/out &&
	grep -q '^$T/new/bad.conf:5: .offfice. is neither a network' $T/out &&
	tail -1 $T/out | grep -qx '$T/new/bad.conf: 4 problems' && [ ! -s $T/err ]"
printf '#!/bin/sh\n' >"$T/new/notify"
chmod 777 "$T/new/notify"
cat >"$T/new/files.conf" <<CONF
store = { backend = "sqlite"; path = "$T/otpgate.db"; };
master_key = "$T/master.key";
policy = ( { match = "*"; allow_from = [ "127.0.0.0/8" ]; } );
lockout = {
  notify = "$T/new/notify";
};
audit = { jsonl = "/nonexistent-dir/audit.jsonl"; };
keys = { notify = "$T/new/no-such-program"; };
CONF
chmod 600 "$T/new/files.conf"
chmod 644 "$T/master.key"
"$BUILD/otpgate-provision" check-config -c "$T/new/files.conf" >"$T/out" 2>&1
rc=$?
check "check-config: files and programs it names, each problem at its setting's line" \
	sh -c "[ $rc -eq 1 ] && grep -q '^$T/new/files.conf:2: master_key: $T/master.key: mode 0644' $T/out &&
	grep -q '^$T/new/files.conf:5: lockout.notify: $T/new/notify: mode 0777' $T/out &&
	grep -q '^$T/new/files.conf:7: audit.jsonl: /nonexistent-dir/audit.jsonl: directory /nonexistent-dir does not exist' $T/out &&
	grep -q '^$T/new/files.conf:8: keys.notify: $T/new/no-such-program does not exist' $T/out"
chmod 400 "$T/master.key"
sqlite3 "$T/otpgate.db" "PRAGMA user_version = 3"
"$BUILD/otpgate-provision" check-config -c "$T/otpgate.conf" >"$T/out" 2>&1
check "check-config: a store of an older schema (needs migrate)" \
	sh -c "[ $? -eq 1 ] && grep -q '^$T/otpgate.conf:2: store.path: the store has schema version 3, this release 8' $T/out"
sqlite3 "$T/otpgate.db" "PRAGMA user_version = 4"
sed 's|^store = .*|store = { backend = "sqlite"; path = "/nonexistent-dir/deeper/otpgate.db"; };|' \
	"$T/otpgate.conf" >"$T/new/nodir.conf"
chmod 600 "$T/new/nodir.conf"
"$BUILD/otpgate-provision" check-config -c "$T/new/nodir.conf" >"$T/out" 2>&1
check "check-config: a store whose directory (and the one above) is missing" \
	sh -c "[ $? -eq 1 ] && grep -q '^$T/new/nodir.conf:2: store.path: /nonexistent-dir/deeper/otpgate.db: directory /nonexistent-dir/deeper does not exist' $T/out"
chmod 620 "$T/new/fresh.conf"
"$BUILD/otpgate-provision" check-config -c "$T/new/fresh.conf" >"$T/out" 2>&1
check "check-config: a config the group may write" \
	sh -c "[ $? -eq 1 ] && grep -q 'fresh.conf: mode 0620' $T/out"
if "$BUILD/otpgate-provision" --help | grep -q "check-config \[-c FILE\]" && "$BUILD/otpgate-provision" --help | grep -q "status \[--json\]"; then
	ok "--help shows status and check-config"
else
	not_ok "--help lacks status or check-config"
fi

tap_done

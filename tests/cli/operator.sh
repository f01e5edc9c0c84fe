#!/bin/sh
# operator.sh BUILD_DIR: what an operator runs around the tools: --version,
# check-config, status, the bastion's name in the audit trail, lock ends
# and --since as UTC times. Every refusal must be one clear line on stderr
# and a non-zero exit.
set -u
BUILD=${1:?usage: operator.sh BUILD_DIR}
T=$(mktemp -d /tmp/otpgate-op-XXXXXX)
trap 'rm -rf "$T"' EXIT INT TERM
passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok - $*"; }
not_ok() { failed=$((failed + 1)); echo "not ok - $*"; }
check() { desc=$1; shift; if "$@"; then ok "$desc"; else not_ok "$desc"; fi; }
prov() { "$BUILD/otpgate-provision" -c "$T/otpgate.conf" "$@"; }
kr() { "$BUILD/otpgate-keyrotate" -c "$T/otpgate.conf" "$@"; }
db() { sqlite3 "$T/otpgate.db" "$1"; }
# refuses DESC EXPECTED_TEXT CMD...: non-zero exit, one stderr line holding the text
refuses() {
	desc=$1 want=$2
	shift 2
	if "$@" >"$T/out" 2>"$T/err"; then
		not_ok "$desc (exit 0)"
	elif [ "$(wc -l <"$T/err")" -ne 1 ] || ! grep -q -- "$want" "$T/err"; then
		not_ok "$desc: stderr was: $(cat "$T/err")"
	else
		ok "$desc"
	fi
}
succeeds() {
	desc=$1
	shift
	if "$@" >"$T/out" 2>"$T/err"; then ok "$desc"; else not_ok "$desc: $(cat "$T/err")"; fi
}
totp() { "$(dirname "$0")/../lib/totp" "$@"; }
wait_margin() { while [ $((30 - $(date +%s) % 30)) -lt "$1" ]; do sleep 0.2; done; }
mkdir -p "$T/pam.d"
printf 'auth required %s/pam_otpgate.so config=%s/otpgate.conf\n' "$BUILD" "$T" >"$T/pam.d/op"
login() { "$BUILD/tests/pam-login" -d "$T/pam.d" -s op -u "$1" -r 127.0.0.1 "$2" >/dev/null 2>&1; }

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
login alice 000000
check "host: a login's entry names it too" \
	[ "$(db "select host from audit_named where event = 'auth' and \"user\" = 'alice'")" = bastion-op1 ]
grep -v '^host' "$T/otpgate.conf" >"$T/nohost.conf"
chmod 600 "$T/nohost.conf"
"$BUILD/otpgate-provision" -c "$T/nohost.conf" unlock alice >/dev/null 2>&1
check "host: without the setting, the host name" \
	[ "$(db "select host from audit where reason = 'unlock' order by id desc limit 1")" = "$(hostname)" ]

# show: a lock ends at a UTC time; audit --since takes back the times audit prints
login alice 000000
login alice 000001
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

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

#!/bin/sh
# Runs a few hundred full logins (auth + account) through the real libpam
# and the built module under valgrind: any leak or memory error fails.
set -eu
BUILD=${1:?usage: tests/valgrind.sh BUILD_DIR}
N=${OTPGATE_VALGRIND_LOGINS:-300}
TESTLIB=$(cd "$(dirname "$0")/lib" && pwd)
# shellcheck source=tests/lib/proc.sh
. "$TESTLIB/proc.sh"
# shellcheck source=tests/lib/syslog.sh
. "$TESTLIB/syslog.sh"
scratch otpgate-valgrind

cat >"$T/otpgate.conf" <<CONF
store = { backend = "sqlite"; path = "$T/otpgate.db"; };
master_key = "$T/master.key";
networks = { loop = [ "127.0.0.0/8", "::1/128" ]; };
policy = ( { match = "*"; allow_from = [ "loop" ]; } );
CONF
chmod 600 "$T/otpgate.conf"
mkdir "$T/pam.d"
printf 'auth required %s/pam_otpgate.so config=%s/otpgate.conf\naccount required %s/pam_otpgate.so config=%s/otpgate.conf\n' \
	"$BUILD" "$T" "$BUILD" "$T" >"$T/pam.d/vg"
python3 - "$T" "$N" <<'PY'
import os, sys
t, n = sys.argv[1], int(sys.argv[2])
with open(f"{t}/users.txt", "w") as u, open(f"{t}/daemon-users.txt", "w") as d, \
        open(f"{t}/tokens.csv", "w") as c:
    c.write("user,serial,secret\n")
    for i in range(2 * n):
        key = os.urandom(20).hex()
        (u if i < n else d).write(f"vg{i:05d} {key}\n")
        c.write(f"vg{i:05d},VG{i:05d},{key}\n")
PY
"$BUILD/otpgate-provision" -c "$T/otpgate.conf" init >/dev/null
"$BUILD/otpgate-provision" -c "$T/otpgate.conf" import --format csv "$T/tokens.csv" >/dev/null
valgrind -q --leak-check=full --show-leak-kinds=definite,indirect,possible \
	--errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99 \
	"$BUILD/tests/pam-login" -d "$T/pam.d" -s vg -U "$T/users.txt" -r 127.0.0.1 -A \
	>"$T/out.txt" 2>"$T/valgrind.txt" || {
	rc=$?
	cat "$T/valgrind.txt"
	grep -v ': Success$' "$T/out.txt" | head
	echo "valgrind: $N logins: FAILED (exit $rc)"
	exit 1
}
ok=$(grep -c ': Success$' "$T/out.txt" || true)
echo "valgrind: $ok of $N logins succeeded, no leaks or memory errors"
[ "$ok" -eq "$N" ] || exit 1

# as many logins through otpgated, the daemon under valgrind (its workers
# too: valgrind follows fork), and key lookups through its key socket;
# each process's report in vgd.PID
ssh-keygen -q -t ed25519 -N '' -f "$T/key"
"$BUILD/otpgate-keyrotate" -c "$T/otpgate.conf" add root "$T/key.pub" >/dev/null
valgrind -q --leak-check=full --show-leak-kinds=definite,indirect,possible \
	--errors-for-leak-kinds=definite,indirect,possible --log-file="$T/vgd.%p" \
	"$BUILD/otpgated" -s "$T/d.sock" -k "$T/k.sock" -c "$T/otpgate.conf" &
DPID=$!
stop_daemon() { stop "$DPID" || true; }
on_exit stop_daemon
poll 600 test -S "$T/d.sock" || { echo "valgrind: otpgated did not start"; exit 1; }
printf 'auth required %s/pam_otpgate.so config=%s/otpgate.conf daemon=%s/d.sock\naccount required %s/pam_otpgate.so config=%s/otpgate.conf daemon=%s/d.sock\n' \
	"$BUILD" "$T" "$T" "$BUILD" "$T" "$T" >"$T/pam.d/vgd"
"$BUILD/tests/pam-login" -d "$T/pam.d" -s vgd -U "$T/daemon-users.txt" -r 127.0.0.1 -A \
	>"$T/outd.txt" 2>&1
# (the reader's own syslog caught, to count those otpgated answered: the
# reader logs only the lookups it makes itself. Under valgrind a worker
# opening the registry for its first lookup may miss the reader's half
# second, so up to 5 of 50, one a worker and a spare, may be the reader's)
FP=$(ssh-keygen -l -f "$T/key.pub" | awk '{print $2}')
"$BUILD/otpgate-keyrotate" -c "$T/otpgate.conf" authorized-keys --daemon "$T/k.sock" root >/dev/null
: >"$T/keylog"
# shellcheck disable=SC2016 # the inner shell expands its own arguments
syslog_of "$T/keylog" sh -c 'for _ in $(seq 50); do
	"$1/otpgate-keyrotate" -c "$2/otpgate.conf" authorized-keys --daemon "$2/k.sock" root "$3"
done' lookups "$BUILD" "$T" "$FP" >"$T/keys.txt" 2>&1
# SIGTERM: the master stops its workers; each process's report is complete
stop "$DPID"
okd=$(grep -c ': Success$' "$T/outd.txt" || true)
# (grep -c exits 1 when it counts none: not an error here, under set -e)
keys=$(grep -c '^expiry-time=.* otpgate:[0-9a-f]*$' "$T/keys.txt" || true)
own=$(grep -c 'otpgate-keyrotate\[[0-9]*\]: event=key-lookup' "$T/keylog" || true)
if [ "$own" -gt 5 ]; then
	keys="$keys (but the reader looked itself $own times)"
fi
if [ -n "$(cat "$T"/vgd.*)" ] || [ "$okd" -ne "$N" ] || [ "$keys" != 50 ]; then
	cat "$T"/vgd.*
	grep -v ': Success$' "$T/outd.txt" | head
	grep -v '^expiry-time=' "$T/keys.txt" | head
	head "$T/keylog"
	echo "valgrind: $N logins and 50 key lookups through otpgated: FAILED ($okd, $keys succeeded)"
	exit 1
fi
echo "valgrind: $okd of $N logins and $keys of 50 key lookups ($((50 - own)) answered by otpgated) succeeded, no leaks or memory errors in the daemon"

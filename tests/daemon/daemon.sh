#!/bin/sh
# daemon.sh BUILD_DIR: otpgated and the module's front. The suites under
# tests/daemon/with-otpgated check that logins through the daemon behave
# as in process; these check what only the daemon has: what the front
# links, falling back when no daemon listens, failing closed when it goes
# away mid-login, and refusing strangers and malformed requests.
set -u
BUILD=${1:?usage: daemon.sh BUILD_DIR}
TESTLIB=$(cd "$(dirname "$0")/../lib" && pwd)
# shellcheck source=tests/lib/tap.sh
. "$TESTLIB/tap.sh"
# shellcheck source=tests/lib/proc.sh
. "$TESTLIB/proc.sh"
# shellcheck source=tests/lib/otp.sh
. "$TESTLIB/otp.sh"
scratch otpgate-daemon-test

# (a sanitizer build adds its runtimes)
needed=$(readelf -d "$BUILD/pam_otpgate.so" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' |
	grep -v -e '^libasan' -e '^libubsan' | sort | paste -sd' ')
check "the module's front needs only libpam and libc ($needed)" [ "$needed" = "libc.so.6 libpam.so.0" ]
check "... and has no libcrypto, SQLite or libconfig inside it either" \
	sh -c "! nm -D '$BUILD/pam_otpgate.so' | grep -qE ' (EVP_|OPENSSL_|sqlite3_|config_)'"

cat >"$T/otpgate.conf" <<CONF
store = { backend = "sqlite"; path = "$T/otpgate.db"; };
master_key = "$T/master.key";
policy = ( { match = "*"; allow_from = [ "127.0.0.0/8" ]; } );
CONF
chmod 600 "$T/otpgate.conf"
python3 - "$T" <<'PY'
import os, sys
t = sys.argv[1]
with open(f"{t}/users.txt", "w") as u, open(f"{t}/tokens.csv", "w") as c:
    c.write("user,serial,secret\n")
    for i in range(6):
        key = os.urandom(20).hex()
        u.write(f"b{i} {key}\n")
        c.write(f"b{i},B{i},{key}\n")
    for i in range(6):
        key = os.urandom(20).hex()
        u.write(f"d{i} {key}\n")
        c.write(f"d{i},D{i},{key}\n")
PY
"$BUILD/otpgate-provision" -c "$T/otpgate.conf" init >/dev/null
"$BUILD/otpgate-provision" -c "$T/otpgate.conf" import --format csv "$T/tokens.csv" >/dev/null
secret() { sed -n "s/^$1 //p" "$T/users.txt"; }
mkdir "$T/pam.d"
printf 'auth required %s/pam_otpgate.so config=%s/otpgate.conf daemon=%s/d.sock\n' \
	"$BUILD" "$T" "$T" >"$T/pam.d/d"
login() {	# login USER [pam-login options]: its output in $T/out
	_u=$1
	shift
	"$BUILD/tests/pam-login" -d "$T/pam.d" -s d -u "$_u" -r 127.0.0.1 -L "$@" \
		-S "$(secret "$_u")" >"$T/out" 2>&1
}
no_daemon_at() {	# no_daemon_at SOCKET: no otpgated process serves SOCKET
	for _p in $(pgrep -x otpgated); do
		tr '\0' ' ' <"/proc/$_p/cmdline" 2>/dev/null | grep -q -- "-s $1 " && return 1
	done
	return 0
}
audited() {	# audited USER RESULT REASON: how many audit rows say so
	sqlite3 "$T/otpgate.db" "select count(*) from audit_named where user = '$1' and event = 'auth' and result = '$2' and reason = '$3'"
}

wait_margin 6
login d0
check "no daemon listening: the login runs in process and succeeds" grep -q "^Success" "$T/out"
check "... and says why" grep -q "otpgated at $T/d.sock: No such file or directory; the login runs in this process" "$T/out"

"$BUILD/otpgated" -s "$T/d.sock" 2>"$T/d.err" &
DPID=$!
stop_daemon() { stop "$DPID" || true; }
on_exit stop_daemon
poll 100 test -S "$T/d.sock"
check "otpgated's socket is root's alone (0600)" [ "$(stat -c %a "$T/d.sock")" = 600 ]
"$BUILD/otpgated" -s "$T/d.sock" >"$T/second" 2>&1
check "a second otpgated on the same socket refuses to start (exit 1), and says why" \
	sh -c "[ $? = 1 ] && grep -qx 'otpgated: $T/d.sock: another otpgated listens there' $T/second"
login d1
check "a login through otpgated succeeds" grep -q "^Success" "$T/out"
check "... and is audited as a success" [ "$(audited d1 success ok)" = 1 ]

# hostile requests: garbage, a message longer than any, a stranger's
python3 - "$T/d.sock" >"$T/hostile" 2>&1 <<'PY'
import os, socket, sys
def send(data):
    """what came back after the worker's hello"""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.settimeout(15)
    s.connect(sys.argv[1])
    assert s.recv(65536) == b"H"
    s.send(data)
    try:
        r = s.recv(65536)
    except ConnectionResetError:
        r = b""
    s.close()
    return r
print("garbage", len(send(b"Q\xff\x00+x")))
print("long", len(send(b"Q" + b"+" + b"a" * 40000 + b"\0")))
print("unterminated", len(send(b"Q+0\0+0\0+/etc/x")))
PY
check "malformed requests are closed without an answer" \
	sh -c "grep -qx 'garbage 0' $T/hostile && grep -qx 'long 0' $T/hostile && grep -qx 'unterminated 0' $T/hostile"
# a well-formed request: root gets an answer (the config is missing: a log
# line), another user nothing at all
cat >"$T/ask.py" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.settimeout(15)
s.connect(sys.argv[1])
got = 0
try:
    if s.recv(65536) == b"H":
        s.send(b"Q+0\0+0\0+/nonexistent/otpgate.conf\0+root\0" + b"-" * 7)
        got = len(s.recv(65536))
except (ConnectionResetError, BrokenPipeError):
    pass
print(sys.argv[2], got)
PY
chmod 755 "$T"
chmod 644 "$T/ask.py"
chmod 666 "$T/d.sock"
/usr/bin/python3 "$T/ask.py" "$T/d.sock" root >"$T/root" 2>&1
setpriv --reuid=nobody --regid=nogroup --clear-groups /usr/bin/python3 "$T/ask.py" "$T/d.sock" \
	stranger >"$T/stranger" 2>&1
chmod 600 "$T/d.sock"
chmod 700 "$T"
check "a well-formed request from root is answered" grep -qv '^root 0$' "$T/root"
check "the same from another user is closed unanswered" grep -qx 'stranger 0' "$T/stranger"
login d2
check "otpgated still serves logins after them" grep -q "^Success" "$T/out"

# every worker holding a login at its prompt: the next login runs in process
# (a crowd at the prompt, or someone making one, never locks others out)
"$BUILD/otpgated" -s "$T/busy.sock" -w 4 2>"$T/busy.err" &
DB=$!
poll 100 test -S "$T/busy.sock"
printf 'auth required %s/pam_otpgate.so config=%s/otpgate.conf daemon=%s/busy.sock\n' \
	"$BUILD" "$T" "$T" >"$T/pam.d/busy"
held=""
for u in b0 b1 b2 b3; do
	"$BUILD/tests/pam-login" -d "$T/pam.d" -s busy -u "$u" -r 127.0.0.1 \
		-P "touch $T/at-$u; sleep 8" 000000 >/dev/null 2>&1 &
	held="$held $!"
done
poll 100 sh -c "[ -e $T/at-b0 ] && [ -e $T/at-b1 ] && [ -e $T/at-b2 ] && [ -e $T/at-b3 ]"
"$BUILD/tests/pam-login" -d "$T/pam.d" -s busy -u d5 -r 127.0.0.1 -L -S "$(secret d5)" >"$T/out" 2>&1
check "every worker busy at a prompt: the next login runs in process and succeeds" \
	grep -q "^Success" "$T/out"
check "... and says why" grep -q "otpgated at $T/busy.sock: no worker free within 1000 ms; the login runs in this process" "$T/out"
# shellcheck disable=SC2086 # one pid a word
stop "$DB" $held

# the daemon goes away while the user is at the prompt: fail closed
login d3 -P "pkill -KILL -P $DPID; kill -KILL $DPID"
check "otpgated gone mid-login: the login fails closed (PAM_AUTHINFO_UNAVAIL)" \
	grep -q "^Authentication service cannot retrieve authentication info" "$T/out"
check "... and says so" grep -q "otpgated at $T/d.sock: the exchange broke off; failing closed" "$T/out"
check "... and the attempt was never counted as a success" [ "$(audited d3 success ok)" = 0 ]
poll 50 no_daemon_at "$T/d.sock"
check "... and none of its workers outlived it" no_daemon_at "$T/d.sock"

# SIGTERM: the workers close their stores and end, the socket is removed
"$BUILD/otpgated" -s "$T/d2.sock" 2>"$T/d2.err" &
D2=$!
poll 100 test -S "$T/d2.sock"
login d4 >/dev/null 2>&1
kill -TERM "$D2"
poll 100 sh -c "! kill -0 $D2 2>/dev/null"
check "SIGTERM stops otpgated" sh -c "! kill -0 $D2 2>/dev/null"
check "... removes its socket" [ ! -e "$T/d2.sock" ]
check "... and leaves no worker" no_daemon_at "$T/d2.sock"
wait "$D2" 2>/dev/null
tap_done

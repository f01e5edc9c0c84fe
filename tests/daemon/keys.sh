#!/bin/sh
# keys.sh BUILD_DIR: otpgated's key socket (otpgated -k), which answers
# `otpgate-keyrotate authorized-keys --daemon SOCKET` from the registry its
# workers keep open. The reader runs as the unprivileged user otpgate, as
# sshd's AuthorizedKeysCommandUser; syslog is caught (tests/lib/syslog.sh)
# to tell who answered: otpgated logs the lookups it answers, the reader
# those it looks up itself. Checked: the same lines either way, a revoked
# key gone at once, only the config otpgated serves, only to whoever could
# read the files, any failure falling back to the reader's own lookup, and
# hostile requests closed unanswered.
# shellcheck disable=SC2016,SC2034 # holds and with_daemon take shell code, run later
set -u
BUILD=${1:?usage: keys.sh BUILD_DIR}
TESTLIB=$(cd "$(dirname "$0")/../lib" && pwd)
# shellcheck source=tests/lib/tap.sh
. "$TESTLIB/tap.sh"
# shellcheck source=tests/lib/proc.sh
. "$TESTLIB/proc.sh"
# shellcheck source=tests/lib/syslog.sh
. "$TESTLIB/syslog.sh"
scratch otpgate-daemon-keys

# the reader's own directory, which it may enter (the test's is root's alone)
R=$(mktemp -d /tmp/otpgate-daemon-keys-R-XXXXXX)
rm_reader_dir() { rm -rf "$R"; }
on_exit rm_reader_dir
chmod 711 "$R"
cat >"$R/otpgate.conf" <<CONF
store = { backend = "sqlite"; path = "$R/otpgate.db"; };
master_key = "$R/master.key";
CONF
chmod 600 "$R/otpgate.conf"
# as root: makes the user otpgate and gives its group the config and registry
"$BUILD/otpgate-provision" -c "$R/otpgate.conf" init >"$T/init" 2>&1 ||
	{ echo "Bail out! init failed: $(cat "$T/init")"; exit 1; }
ssh-keygen -q -t ed25519 -N '' -f "$T/k1"
"$BUILD/otpgate-keyrotate" -c "$R/otpgate.conf" add root "$T/k1.pub" >"$T/add" 2>&1 ||
	{ echo "Bail out! add failed: $(cat "$T/add")"; exit 1; }
FP=$(ssh-keygen -l -f "$T/k1.pub" | awk '{print $2}')
KEYLINE='^expiry-time="[0-9]\{14\}Z" ssh-ed25519 [A-Za-z0-9+/=]* otpgate:[0-9a-f]\{32\}$'
K=$R/k.sock
# the same config at another path: not the one otpgated serves
cp -p "$R/otpgate.conf" "$R/other.conf"

# the front as sshd runs it, as user otpgate (a command line for with_daemon)
AS_READER="setpriv --reuid otpgate --regid otpgate --init-groups $BUILD/otpgate-keyrotate"
# with_daemon SCRIPT [CONFIG]: runs the shell commands SCRIPT while an
# otpgated with the key socket $K serves CONFIG (default $R/otpgate.conf),
# its syslog and theirs caught in $T/log
with_daemon() {
	: >"$T/log"
	syslog_of "$T/log" sh -c '
		"$1/otpgated" -s "$2/d.sock" -k "$3" -c "$6" 2>"$4/d.err" &
		d=$!
		i=0
		while [ ! -S "$3" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
		eval "$5"
		kill -TERM "$d"
		wait "$d"' with_daemon "$BUILD" "$R" "$K" "$T" "$1" "${2:-$R/otpgate.conf}"
}
logged() {	# logged WHO PATTERN: how many of WHO's syslog lines match PATTERN
	grep -c "$1\[[0-9]*\]: .*$2" "$T/log"
}
# holds DESC EXPR: checks the shell condition EXPR; when it fails, shows
# the syslog lines caught
holds() {
	if eval "$2"; then
		ok "$1"
	else
		not_ok "$1"
		diag "syslog: $(cat "$T/log")"
	fi
}
# the lookup's line: otpgated's ends with the reader's pid, the reader's own not
LOOKUP="event=key-lookup result=ok reason=listed user=root service=sshd key=$FP keys=1"

with_daemon "
	stat -c '%a %U %G' '$K' >'$T/mode'
	$AS_READER -c '$R/otpgate.conf' authorized-keys --daemon '$K' root '$FP' >'$T/out1'; echo \$? >'$T/rc1'
	$AS_READER -c '$R/otpgate.conf' authorized-keys --daemon='$K' root '$FP' >'$T/out2'
	$AS_READER -c '$R/other.conf' authorized-keys --daemon '$K' root '$FP' >'$T/out3'
	'$BUILD/otpgate-keyrotate' -c '$R/otpgate.conf' revoke '$FP' >'$T/revoke' 2>&1
	$AS_READER -c '$R/otpgate.conf' authorized-keys --daemon '$K' root '$FP' >'$T/out4'; echo \$? >'$T/rc4'
"
check "the key socket is the key reader's group's (0660 root otpgate)" \
	[ "$(cat "$T/mode")" = "660 root otpgate" ]
holds "the reader (user otpgate) gets root's key through otpgated" \
	'[ "$(cat "$T/rc1")" = 0 ] && [ "$(wc -l <"$T/out1")" = 1 ] && grep -q "$KEYLINE" "$T/out1"'
check "... as --daemon=SOCKET too" cmp -s "$T/out1" "$T/out2"
holds "... otpgated answered both and logged them; the reader only the next one" \
	'[ "$(logged otpgated "$LOOKUP reader=[0-9]*$")" = 2 ] && [ "$(logged otpgate-keyrotate key-lookup)" = 1 ]'
holds "another config than otpgated's: the reader looks itself, the same line" \
	'cmp -s "$T/out1" "$T/out3" && [ "$(logged otpgate-keyrotate "$LOOKUP$")" = 1 ]'
holds "a key revoked is gone from otpgated's answer at once (exit 0, nothing printed)" \
	'[ "$(cat "$T/rc4")" = 0 ] && [ ! -s "$T/out4" ] &&
	[ "$(logged otpgated "result=not-registered reason=none user=root service=sshd key=$FP keys=0 reader=[0-9]*$")" = 1 ]'

# a second key, for the rest
ssh-keygen -q -t ed25519 -N '' -f "$T/k2"
"$BUILD/otpgate-keyrotate" -c "$R/otpgate.conf" add root "$T/k2.pub" >/dev/null 2>&1
FP=$(ssh-keygen -l -f "$T/k2.pub" | awk '{print $2}')
LOOKUP="event=key-lookup result=ok reason=listed user=root service=sshd key=$FP keys=1"

# only to whoever could read the files: a registry the reader may no longer
# read is refused by otpgated too; a stranger cannot even connect
with_daemon "
	chmod 600 '$R/keys.db'
	$AS_READER -c '$R/otpgate.conf' authorized-keys --daemon '$K' root '$FP' >'$T/out5' 2>&1; echo \$? >'$T/rc5'
	chmod 640 '$R/keys.db'
	setpriv --reuid nobody --regid nogroup --clear-groups '$BUILD/otpgate-keyrotate' -c '$R/otpgate.conf' \
		authorized-keys --daemon '$K' root '$FP' >'$T/out6' 2>&1; echo \$? >'$T/rc6'
	$AS_READER -c '$R/otpgate.conf' authorized-keys --daemon '$K' root '$FP' >'$T/out7'
"
holds "a registry the reader cannot read: otpgated refuses it too; nothing printed, exit 1" \
	'[ "$(cat "$T/rc5")" = 1 ] && [ ! -s "$T/out5" ] &&
	[ "$(logged otpgated "key socket: refused uid $(id -u otpgate) (process [0-9]*): it cannot read $R/otpgate.conf or its key registry")" = 1 ] &&
	[ "$(logged otpgate-keyrotate "event=key-lookup result=error reason=none user=root")" = 1 ]'
holds "a user outside the reader's group cannot use the socket: nothing printed, exit 1" \
	'[ "$(cat "$T/rc6")" = 1 ] && [ ! -s "$T/out6" ] &&
	[ "$(logged otpgate-keyrotate "$K: Permission denied; looking up here")" = 1 ]'
holds "... and the reader is served again once it may read" \
	'grep -q "$KEYLINE" "$T/out7" && [ "$(logged otpgated "$LOOKUP reader=[0-9]*$")" = 1 ]'

# unreachable DESC CONFIG: otpgated serving CONFIG, which the reader may
# not open, refuses the reader too (and the reader's own look fails)
unreachable() {
	with_daemon "
		$AS_READER -c '$2' authorized-keys --daemon '$K' root '$FP' >'$T/out9' 2>&1; echo \$? >'$T/rc9'
	" "$2"
	holds "$1" \
		'[ "$(cat "$T/rc9")" = 1 ] && [ ! -s "$T/out9" ] &&
		[ "$(logged otpgated "key socket: refused uid $(id -u otpgate) (process [0-9]*): it cannot read '"$2"'")" = 1 ]'
}
# ... and could reach them: a config in a directory only root may search
mkdir -m 700 "$R/private"
cp -p "$R/otpgate.conf" "$R/private/otpgate.conf"
unreachable "a config in a directory the reader may not search: otpgated refuses it too" \
	"$R/private/otpgate.conf"
# ... the kernel decides, not a walk of the path as written: a symlink to a
# directory inside one the reader may not search
mkdir -m 755 "$R/private/inner"
cp -p "$R/otpgate.conf" "$R/private/inner/otpgate.conf"
ln -s "$R/private/inner" "$R/link"
unreachable "a config behind a symlink into a directory the reader may not search: refused too" \
	"$R/link/otpgate.conf"

# the reader believes a daemon that is root's only: one of its own user
# (anyone who runs as otpgate) could hand sshd any key for anyone
mkdir -m 700 "$R/fake"
chown otpgate "$R/fake"
cat >"$R/fake.py" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.bind(sys.argv[1])
s.listen(4)
open(sys.argv[2], "w").close()
c, _ = s.accept()
c.recv(65536)
try:
    c.send(b"P+1\0+1\0+ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFAKE otpgate:fake\n\0")
except BrokenPipeError:  # the reader hung up, as it should
    pass
c.close()
PY
chmod 644 "$R/fake.py"
setpriv --reuid otpgate --regid otpgate --init-groups /usr/bin/python3 "$R/fake.py" \
	"$R/fake/k.sock" "$R/fake/ready" &
FAKE=$!
poll 100 test -e "$R/fake/ready"
: >"$T/log"
# shellcheck disable=SC2086 # AS_READER: a command line
syslog_of "$T/log" $AS_READER -c "$R/otpgate.conf" authorized-keys --daemon "$R/fake/k.sock" root \
	"$FP" >"$T/out11" 2>&1
stop "$FAKE"
holds "a daemon that is not root's is not believed: the reader looks itself" \
	'! grep -q FAKE "$T/out11" && grep -q "$KEYLINE" "$T/out11" &&
	[ "$(logged otpgate-keyrotate "$R/fake/k.sock: not root.s; looking up here")" = 1 ]'
: >"$T/log"
# shellcheck disable=SC2086 # AS_READER: a command line
syslog_of "$T/log" $AS_READER -c "$R/otpgate.conf" authorized-keys --daemon= root "$FP" >"$T/out12" 2>&1
holds "an empty --daemon= names no socket (not an abstract one anyone may bind): the reader looks itself" \
	'grep -q "$KEYLINE" "$T/out12" &&
	[ "$(logged otpgate-keyrotate "otpgated at : Invalid argument; looking up here")" = 1 ]'

# hostile requests: each closed unanswered, and otpgated serves on
cat >"$T/hostile.py" <<'PY'
import socket, sys
def ask(data):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.settimeout(15)
    s.connect(sys.argv[1])
    s.send(data)
    try:
        r = s.recv(65536)
    except ConnectionResetError:
        r = b""
    s.close()
    return len(r)
fp = sys.argv[3].encode()
print("garbage", ask(b"P\xff\x00+x"))
print("long", ask(b"P+" + b"a" * 40000 + b"\0"))
print("type", ask(b"Q+" + sys.argv[2].encode() + b"\0+root\0+" + fp + b"\0"))
print("user", ask(b"P+" + sys.argv[2].encode() + b"\0+root;id\0+" + fp + b"\0"))
print("fingerprint", ask(b"P+" + sys.argv[2].encode() + b"\0+root\0+SHA256:x\0"))
print("extra", ask(b"P+" + sys.argv[2].encode() + b"\0+root\0+" + fp + b"\0+x\0"))
print("other", ask(b"P+" + sys.argv[2].encode() + b".x\0+root\0+" + fp + b"\0"))
print("fine", ask(b"P+" + sys.argv[2].encode() + b"\0+root\0+" + fp + b"\0"))
PY
with_daemon "python3 '$T/hostile.py' '$K' '$R/otpgate.conf' '$FP' >'$T/hostile' 2>&1"
for h in garbage long type user fingerprint extra other; do
	check "a hostile request ($h) is closed unanswered" grep -qx "$h 0" "$T/hostile"
done
check "... and a well-formed one after them is answered" grep -qv '^fine 0$' "$T/hostile"
holds "... malformed ones are logged as such" \
	'[ "$(logged otpgated "key socket: a malformed request from process")" = 6 ]'

# no otpgated: the reader looks itself
$AS_READER -c "$R/otpgate.conf" authorized-keys --daemon "$K" root "$FP" >"$T/out8"
check "no otpgated listening: the reader looks itself and prints the key" grep -q "$KEYLINE" "$T/out8"
tap_done

#!/bin/sh
# installed.sh BUILD_DIR (run under tests/pg/with-postgres): the installed
# layout, as a package has it (PREFIX=/usr). make install into a DESTDIR,
# then logins through the installed module and tools, on SQLite and on
# PostgreSQL through the installed plugin. The plugin must be found where
# the programs look for it, the compiled-in directory: a private mount
# namespace lays DESTDIR's /usr/lib over the real one, so that the
# installed files are at their real paths, and nothing outside this test's
# namespace and temp dir is touched. Then make uninstall must remove what
# make install put there, and only that.
set -u
BUILD=${1:?usage: installed.sh BUILD_DIR}
: "${OTPGATE_TEST_CONNINFO:?run under tests/pg/with-postgres}"
REPO=$(cd "$(dirname "$0")/../.." && pwd)
TESTLIB=$REPO/tests/lib
# shellcheck source=tests/lib/tap.sh
. "$TESTLIB/tap.sh"
# shellcheck source=tests/lib/proc.sh
. "$TESTLIB/proc.sh"
# shellcheck source=tests/lib/otp.sh
. "$TESTLIB/otp.sh"
scratch otpgate-inst
MA=$(gcc -print-multiarch)
DEST=$T/root
VERSION=$(cat "$REPO/VERSION")
mk() { make -C "$REPO" --no-print-directory BUILD=build/inst "$@"; }

# a plain make first (PREFIX=/usr/local), then install with PREFIX=/usr: what
# is compiled in must follow the PREFIX of the install, not of the first build
mk all >"$T/build.log" 2>&1 || { cat "$T/build.log"; exit 1; }
mk install DESTDIR="$DEST" PREFIX=/usr >"$T/install.log" 2>&1 || { cat "$T/install.log"; exit 1; }
for f in "lib/$MA/security/pam_otpgate.so" usr/sbin/otpgate-provision usr/sbin/otpgate-keyrotate \
	usr/lib/otpgate/otpgate-keyrotate-tool usr/lib/otpgate/otpgate-store-pg.so \
	usr/lib/otpgate/otpgate-pam.so usr/sbin/otpgated \
	usr/share/man/man8/otpgated.8 usr/lib/systemd/system/otpgated.service \
	usr/share/man/man5/otpgate.conf.5 \
	usr/share/man/man8/pam_otpgate.8 usr/share/man/man8/otpgate-provision.8 \
	usr/share/man/man8/otpgate-keyrotate.8 usr/lib/systemd/system/otpgate-keyrotate.service \
	usr/lib/systemd/system/otpgate-keyrotate.timer etc/otpgate/otpgate.conf; do
	[ -f "$DEST/$f" ] || echo "/$f" >>"$T/missing"
done
check "make install PREFIX=/usr: module, tools, plugin, man pages, units and config in place" \
	[ ! -e "$T/missing" ]
[ -e "$T/missing" ] && echo "# missing: $(cat "$T/missing")"
check "the example config is installed 0600" [ "$(stat -c %a "$DEST/etc/otpgate/otpgate.conf")" = 600 ]
check "the installed service runs the installed program" \
	grep -qx "ExecStart=/usr/sbin/otpgate-keyrotate rotate" "$DEST/usr/lib/systemd/system/otpgate-keyrotate.service"
check "the installed otpgated unit runs the installed daemon, with its key socket" \
	grep -qx "ExecStart=/usr/sbin/otpgated -k /run/otpgate/keys.sock" "$DEST/usr/lib/systemd/system/otpgated.service"
"$DEST/usr/sbin/otpgate-provision" --version >"$T/out"
check "the installed tool looks for the plugin where it was installed (/usr/lib/otpgate)" \
	sh -c "grep -qx 'otpgate-provision $VERSION' $T/out && grep -qx 'plugin directory: /usr/lib/otpgate' $T/out"

# runs CMD with DESTDIR's /usr/lib laid over /usr/lib, in a mount namespace of its own
# shellcheck disable=SC2016 # the inner shell expands $0 and $@, its own arguments
in_layout() {
	unshare -m --propagation private sh -c 'mount -t overlay overlay -o "lowerdir=$0/usr/lib:/usr/lib" /usr/lib &&
		exec "$@"' "$DEST" "$@"
}
LAYOUT=yes
in_layout true 2>"$T/layout.err" || LAYOUT=

# logins through the installed module: SQLite
PAMMOD=$DEST/lib/$MA/security/pam_otpgate.so
mkdir "$T/pam.d" "$T/sqlite"
write_conf() {
	cat >"$T/$1.conf" <<CONF
$2
master_key = "$T/master.key";
policy = ( { match = "*"; allow_from = [ "127.0.0.0/8" ]; } );
CONF
	chmod 600 "$T/$1.conf"
	printf 'auth required %s config=%s/%s.conf debug\n' "$PAMMOD" "$T" "$1" >"$T/pam.d/$1"
}
write_conf sqlite "store = { backend = \"sqlite\"; path = \"$T/sqlite/otpgate.db\"; };"
secret=$(python3 -c 'import os; print(os.urandom(20).hex())')
secret2=$(python3 -c 'import os; print(os.urandom(20).hex())')
printf 'user,serial,secret\ninst,HW-INST,%s\ninst2,HW-INST2,%s\n' "$secret" "$secret2" >"$T/tokens.csv"
"$DEST/usr/sbin/otpgate-provision" -c "$T/sqlite.conf" init >/dev/null &&
	"$DEST/usr/sbin/otpgate-provision" -c "$T/sqlite.conf" import --format csv "$T/tokens.csv" >/dev/null
check "installed tools: init and import on SQLite" [ $? -eq 0 ]
wait_margin 4
# the module's core (otpgate-pam.so) is found in the installed plugin directory
if [ -z "$LAYOUT" ]; then
	echo "# skipped: a login in process through the installed module (no mount namespace: $(cat "$T/layout.err"))"
else
	in_layout "$BUILD/tests/pam-login" -d "$T/pam.d" -s sqlite -u inst -r 127.0.0.1 -L \
		-S "$secret" >"$T/login.log" 2>&1
	check "a login through the installed module and its core (SQLite)" grep -q "^Success" "$T/login.log"
	check "... audited as a success" [ "$(sqlite3 "$T/sqlite/otpgate.db" \
		"select count(*) from audit_named where user = 'inst' and result = 'success'")" = 1 ]
	check "the installed module logs its version and plugin directory at debug" \
		grep -q "pam_otpgate $VERSION (plugin directory /usr/lib/otpgate)" "$T/login.log"
fi
# through the installed otpgated: the front alone in the login's process
"$DEST/usr/sbin/otpgated" -s "$T/otpgated.sock" 2>"$T/otpgated.err" &
DPID=$!
stop_daemon() { stop "$DPID" || true; }
on_exit stop_daemon
poll 100 test -S "$T/otpgated.sock"
printf 'auth required %s config=%s/sqlite.conf daemon=%s\n' "$PAMMOD" "$T" "$T/otpgated.sock" \
	>"$T/pam.d/viad"
wait_margin 4
"$BUILD/tests/pam-login" -d "$T/pam.d" -s viad -u inst2 -r 127.0.0.1 -S "$secret2" >"$T/out" 2>&1
check "a login through the installed module and the installed otpgated" grep -q "^Success" "$T/out"
stop "$DPID"

# the installed key tool: otpgate-keyrotate, the front sshd spawns, serves
# authorized-keys itself; every other command it hands to the full tool,
# found where it was installed (/usr/lib/otpgate)
ssh-keygen -q -t ed25519 -N '' -f "$T/instkey"
if [ -z "$LAYOUT" ]; then
	echo "# skipped: the installed key tool's commands (no mount namespace: $(cat "$T/layout.err"))"
else
	in_layout "$DEST/usr/sbin/otpgate-keyrotate" -c "$T/sqlite.conf" add inst "$T/instkey.pub" \
		>"$T/out" 2>&1
	check "the installed otpgate-keyrotate: add, through the installed full tool" \
		grep -q "^key [0-9a-f]\{32\} for inst: ssh-ed25519 SHA256:" "$T/out"
	"$DEST/usr/sbin/otpgate-keyrotate" -c "$T/sqlite.conf" authorized-keys inst >"$T/out" 2>&1
	check "the installed otpgate-keyrotate: authorized-keys, served by the front alone" \
		grep -q '^expiry-time="[0-9]\{14\}Z" ssh-ed25519 [^ ]* otpgate:[0-9a-f]\{32\}$' "$T/out"
fi
if [ -e /usr/lib/otpgate/otpgate-keyrotate-tool ]; then
	echo "# skipped: the full tool is not found without the installed layout (this host has one installed)"
else
	"$DEST/usr/sbin/otpgate-keyrotate" -c "$T/sqlite.conf" list >"$T/out" 2>&1
	check "without the installed layout the full tool is not found (it is not beside the front)" \
		grep -q "otpgate-keyrotate-tool not found beside the program or in /usr/lib/otpgate" "$T/out"
fi

# PostgreSQL: the installed plugin, at its installed path
write_conf pg "store = { backend = \"postgresql\"; conninfo = \"$OTPGATE_TEST_CONNINFO\"; spool = \"$T/pg.spool\"; };"
if [ -e /usr/lib/otpgate/otpgate-store-pg.so ]; then
	echo "# skipped: the plugin is not found without the installed layout (this host has one installed)"
else
	"$DEST/usr/sbin/otpgate-provision" -c "$T/pg.conf" init >"$T/out" 2>&1
	check "without the installed layout the plugin is not found (it is not beside the build)" \
		grep -q "otpgate-store-pg.so not found beside the program or in /usr/lib/otpgate" "$T/out"
fi
if [ -z "$LAYOUT" ]; then
	echo "# skipped: PostgreSQL through the installed plugin (no mount namespace: $(cat "$T/layout.err"))"
else
	in_layout "$DEST/usr/sbin/otpgate-provision" -c "$T/pg.conf" init >/dev/null &&
		in_layout "$DEST/usr/sbin/otpgate-provision" -c "$T/pg.conf" import --format csv "$T/tokens.csv" >/dev/null
	check "installed tools: init and import on PostgreSQL, through the installed plugin" [ $? -eq 0 ]
	wait_margin 4
	in_layout "$BUILD/tests/pam-login" -d "$T/pam.d" -s pg -u inst -r 127.0.0.1 -S "$secret" >"$T/out" 2>&1
	check "a login through the installed module and plugin (PostgreSQL)" grep -q "^Success" "$T/out"
	in_layout "$DEST/usr/sbin/otpgate-keyrotate" -c "$T/pg.conf" list >"$T/out" 2>&1
	check "the installed otpgate-keyrotate on PostgreSQL" [ $? -eq 0 ]
	in_layout "$DEST/usr/sbin/otpgate-keyrotate" -c "$T/pg.conf" add inst "$T/instkey.pub" >/dev/null &&
		in_layout "$DEST/usr/sbin/otpgate-keyrotate" -c "$T/pg.conf" authorized-keys inst >"$T/out" 2>&1
	check "the installed otpgate-keyrotate: authorized-keys on PostgreSQL (front, full tool, plugin)" \
		grep -q '^expiry-time="[0-9]\{14\}Z" ssh-ed25519 [^ ]* otpgate:[0-9a-f]\{32\}$' "$T/out"
fi

# make uninstall removes what make install put there, and keeps what init made
U=$T/u
mkdir -p "$U/usr/sbin" "$U/var/lib/otpgate"
touch "$U/usr/sbin/someone-elses-tool"
mk install DESTDIR="$U" PREFIX=/usr >"$T/install.log" 2>&1 || { cat "$T/install.log"; exit 1; }
printf 'k\n' >"$U/etc/otpgate/master.key"
touch "$U/var/lib/otpgate/otpgate.db"
mk uninstall DESTDIR="$U" PREFIX=/usr >"$T/out" 2>&1
check "make uninstall: exit 0" [ $? -eq 0 ]
check "make uninstall says what it keeps" \
	grep -q "uninstall: kept /etc/otpgate (the config and the master key) and /var/lib/otpgate" "$T/out"
(cd "$U" && find . ! -type d | sort) >"$T/left"
printf '%s\n' ./etc/otpgate/master.key ./etc/otpgate/otpgate.conf ./usr/sbin/someone-elses-tool \
	./var/lib/otpgate/otpgate.db >"$T/want"
check "after install and uninstall only /etc/otpgate, /var/lib/otpgate and others' files are left" \
	cmp -s "$T/left" "$T/want"
cmp -s "$T/left" "$T/want" || diff "$T/want" "$T/left"
check "the plugin directory is gone" [ ! -e "$U/usr/lib/otpgate" ]

tap_done

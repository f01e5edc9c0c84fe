#!/bin/sh
# nss_groups.sh BUILD_DIR: group: rules decided exactly, through the real
# libpam, glibc and its nss_files module. The test runs in a private mount
# namespace where copies of /etc/passwd and /etc/group, extended with its
# own users and groups, are bind-mounted over the real ones, so the system's
# files are never touched. It checks:
#  - a user in 300 groups, the restricting one last, is held to that rule;
#  - a group whose entry is larger than 16 KiB is read, for members and
#    for everyone else (whom it used to refuse);
#  - a group entry larger than the lookup bound refuses (fails closed).
set -u
BUILD=${1:?usage: nss_groups.sh BUILD_DIR}
if [ "${OTPGATE_NSS_NS:-}" != 1 ]; then
	OTPGATE_NSS_NS=1 exec unshare --mount --propagation private "$0" "$@"
	echo "nss_groups.sh: cannot make a mount namespace (unshare needs root)" >&2
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
scratch otpgate-nss
unmount_nss() { umount /etc/group /etc/passwd 2>/dev/null; }
on_exit unmount_nss
AUDIT_DB=$T/otpgate.db
# login SERVICE USER RHOST WANT DESC: a login with the user's current code
# whose PAM result (pam_strerror, as pam-login prints it) must be WANT, and
# whose auth entry a success (ok), or for a refusal a failure for policy
login() {
	wait_margin 4
	if [ "$4" = Success ]; then
		logs_in "$5" "$1" "$2" "$(totp hex "$(secret "$2")")" ok -r "$3"
	else
		login_refused "$5" "$1" "$2" "$(totp hex "$(secret "$2")")" "$4" policy -r "$3"
	fi
}
secret() { printf '%s' "$1" | sha1sum | cut -c1-40; }

# unique names and ids, free in the real files
base=$(awk -F: 'BEGIN { m = 60000 } $3 >= m && $3 < 4000000 { m = $3 } END { print m + 1000 }' \
	/etc/passwd /etc/group)
cp /etc/passwd "$T/passwd"
cp /etc/group "$T/group"
for u in many other hugemember; do
	base=$((base + 1))
	echo "og-nss-$u:x:$base:$base::/nonexistent:/usr/sbin/nologin" >>"$T/passwd"
	echo "og-nss-$u:x:$base:" >>"$T/group"
done
python3 - "$T/group" "$base" <<'PY'
import sys
path, gid = sys.argv[1], int(sys.argv[2])
with open(path, "a") as g:
    for i in range(300):
        gid += 1
        g.write(f"og-nss-g{i}:x:{gid}:og-nss-many\n")
    # the restricting group comes last: beyond the 256 groups once searched
    g.write(f"og-nss-restricted:x:{gid + 1}:og-nss-many\n")
    # a member list of about 40 KiB, the real member at its end
    members = [f"og-nss-ghost{i:05d}" for i in range(2000)] + ["og-nss-hugemember"]
    g.write(f"og-nss-huge:x:{gid + 2}:{','.join(members)}\n")
PY
if ! mount --bind "$T/passwd" /etc/passwd || ! mount --bind "$T/group" /etc/group; then
	echo "nss_groups.sh: cannot bind-mount the test's NSS files" >&2
	exit 1
fi
check "og-nss-many is in 302 groups (NSS sees the test's files)" \
	[ "$(id -G og-nss-many | wc -w)" -eq 302 ]
check "og-nss-huge's entry is over 32 KiB" [ "$(getent group og-nss-huge | wc -c)" -gt 32768 ]

# one config per case, so that no rule hides another's effect; refusals are
# not made uniform, so a policy refusal has its own PAM code
conf() {	# NAME GROUP RANGE: a policy of one group rule, then everyone from loopback
	cat >"$T/$1.conf" <<CONF
store = { backend = "sqlite"; path = "$T/otpgate.db"; };
master_key = "$T/master.key";
policy = ( { match = "group:$2"; allow_from = [ "$3" ]; },
           { match = "*"; allow_from = [ "127.0.0.0/8" ]; } );
auth = { uniform_refusals = false; };
CONF
	chmod 600 "$T/$1.conf"
	printf 'auth required %s/pam_otpgate.so config=%s/%s.conf\n' "$BUILD" "$T" "$1" >"$T/pam.d/$1"
}
mkdir "$T/pam.d"
conf many og-nss-restricted 203.0.113.0/24
conf huge og-nss-huge 198.51.100.0/24
conf toobig og-nss-toobig 198.51.100.0/24
{
	echo "user,serial,secret"
	for u in many other hugemember; do echo "og-nss-$u,HW-$u,$(secret "og-nss-$u")"; done
} >"$T/tokens.csv"
if ! "$BUILD/otpgate-provision" -c "$T/many.conf" init >/dev/null ||
   ! "$BUILD/otpgate-provision" -c "$T/many.conf" import --format csv "$T/tokens.csv" >/dev/null; then
	echo "nss_groups.sh: cannot set up the store" >&2
	exit 1
fi

# 1. the 302nd group decides, as the first would
login many og-nss-many 127.0.0.1 "Permission denied" \
	"a user in 302 groups is held to the rule of the last one"
check "the refusal is audited as policy" \
	[ "$(audit_where "user='og-nss-many' AND reason='policy' AND source='127.0.0.1'")" -eq 1 ]
login many og-nss-many 203.0.113.5 "Success" "from the restricted group's own range, the login succeeds"

# 2. a group entry over 16 KiB: read whole, for everyone
login huge og-nss-other 127.0.0.1 "Success" "a group entry over 16 KiB no longer refuses a non-member"
login huge og-nss-hugemember 127.0.0.1 "Permission denied" "its last-listed member is held to its rule"
check "the refusal is audited as policy" \
	[ "$(audit_where "user='og-nss-hugemember' AND reason='policy' AND source='127.0.0.1'")" -eq 1 ]
login huge og-nss-hugemember 198.51.100.7 "Success" "and logs in from its range"

# 3. an entry larger than the bound (16 MiB) cannot be decided: refused
python3 - "$T/group" "$base" <<'PY'
import sys
path, gid = sys.argv[1], int(sys.argv[2])
with open(path, "a") as g:
    g.write(f"og-nss-toobig:x:{gid + 400}:" + ",".join(f"og-nss-x{i:07d}" for i in range(1200000)) + "\n")
PY
login toobig og-nss-other 127.0.0.1 "Permission denied" \
	"a group entry over 16 MiB cannot be looked up: the rule refuses (fail closed)"
check "the refusal is audited as policy" [ "$(audit_where "user='og-nss-other' AND reason='policy'")" -eq 1 ]

tap_done

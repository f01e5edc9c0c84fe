#!/usr/bin/env bash
# sshd_keys.sh BUILD_DIR: IAM-style SSH keys end to end. A private sshd on
# 127.0.0.1 takes its keys from `otpgate-keyrotate authorized-keys
# --daemon` (AuthorizedKeysCommand, run as the unprivileged user otpgate;
# an otpgated with its key socket answers) and from a
# file the user could write, and the second factor from pam_otpgate.so
# with keys.check_at_login. A freshly issued key plus the TOTP code logs
# in; a certificate from a CA the user put in that file is refused, even
# with an 18,000-byte certificate; after `rotate` (short max_age) the new
# key works and, once the grace ends, the old key is refused; a revoked key
# is refused at once; the audit trail names the key of every attempt. A
# rotate killed (kill -9) in the middle of a transaction leaves the key
# reader able to list keys, and the next login with a key works.
set -u
OG_BUILD=${1:?usage: sshd_keys.sh BUILD_DIR}
OG_NAME=sshd_keys
# shellcheck source=tests/e2e/sshd-lib.sh
. "$(dirname "$0")/sshd-lib.sh"
# shellcheck source=tests/lib/tap.sh
. "$TESTLIB/tap.sh"

og_setup otpgate-keys
# sshd runs AuthorizedKeysCommand only from a root-owned path that nobody
# else can write, all the way up: a private copy under /run
KR_DIR=$(mktemp -d /run/otpgate-keys-XXXXXX)
rm_kr_dir() { rm -rf "$KR_DIR"; }
on_exit rm_kr_dir
chmod 755 "$KR_DIR"
install -m 755 "$OG_BUILD/otpgate-keyrotate" "$KR_DIR/otpgate-keyrotate"
# the full tool, which the front hands every other command to, beside it
install -m 755 "$OG_BUILD/otpgate-keyrotate-tool" "$KR_DIR/otpgate-keyrotate-tool"
KR="$KR_DIR/otpgate-keyrotate"

SECRET=3132333435363738393031323334353637383930
OG_CONF_EXTRA="keys = { max_age = \"1h\"; grace = \"1h\"; drop_dir = \"$OG_WORK/drop\";
         check_at_login = true; };"
# what a user may put in their own ~/.ssh/authorized_keys: sshd reads it
# before it asks the registry
OG_AUTHORIZED_KEYS_FILE=$OG_WORK/user_keys
# sshd asks otpgated's key socket first (otpgated -k, as its unit runs it)
OG_SSHD_EXTRA="AuthorizedKeysCommand $KR -c $OG_CONF authorized-keys --daemon $OG_WORK/k.sock %u %f
AuthorizedKeysCommandUser otpgate"
og_write_conf 127.0.0.1/32
og_prov init >/dev/null || og_die "init failed"
# the key reader must get to the config and the registry, nothing else
chmod 711 "$OG_WORK"
printf 'user,serial,secret\nroot,HW-KEYS,%s\n' "$SECRET" >"$OG_WORK/t.csv"
og_prov import --format csv "$OG_WORK/t.csv" >/dev/null || og_die "import failed"
"$OG_BUILD/otpgated" -s "$OG_WORK/d.sock" -k "$OG_WORK/k.sock" -c "$OG_CONF" \
	2>"$OG_WORK/otpgated.err" &
OTPGATED=$!
stop_otpgated() { stop "$OTPGATED" || true; }
on_exit stop_otpgated
poll 100 test -S "$OG_WORK/k.sock" || og_die "otpgated did not start: $(cat "$OG_WORK/otpgated.err")"
og_sshd_start root
kr() { "$KR" -c "$OG_CONF" "$@"; }
fresh_code() {
	wait_margin 8 >/dev/null
	totp hex "$SECRET"
}
login_with() {	# KEYFILE [SSH_OPTS...]: log in with that key and a code from a fresh step
	OG_KEY=$1
	shift
	MARK=$(audit_max)
	og_ssh_login root "$(fresh_code)" "$@"
	local rc=$?
	# a code that was asked for is spent: the next login needs the next step's
	[ -s "$OG_WORK/askpass.log" ] && nap "$(step_left)"
	return $rc
}
# refused_by METHOD RC [REASON]: ssh exited 255 and said permission denied
# for METHOD (publickey: sshd took no key, and PAM was never asked;
# keyboard-interactive: sshd took the key, and pam_otpgate refused, its
# auth entry a failure for REASON)
refused_by() {
	[ "$2" -eq 255 ] && grep -q "^root@127.0.0.1: Permission denied ($1)" "$OG_WORK/ssh.err" &&
		if [ "$1" = publickey ]; then
			[ ! -s "$OG_WORK/askpass.log" ] && [ -z "$(audit_since "$MARK")" ]
		else
			[ "$(audit_since "$MARK" "event = 'auth'" | cut -d'|' -f1-3)" = "auth|failure|$3" ]
		fi
}
: >"$OG_WORK/user_keys"

# 1. a freshly issued key and the code
kr issue root --out "$OG_WORK/k1" >"$OG_WORK/issue.out" || og_die "issue failed: $(cat "$OG_WORK/issue.out")"
FP1=$(ssh-keygen -l -f "$OG_WORK/k1" | awk '{print $2}')
check "issued key is in OpenSSH format (ssh-keygen reads it)" [ -n "$FP1" ]
login_with "$OG_WORK/k1"
check "issued key + current code: login succeeds" [ $? -eq 0 ]
check "the login's audit rows carry the key's fingerprint" \
	[ "$(audit_where "event IN ('auth','account') AND result='success' AND key='$FP1'")" -ge 2 ]
# a key sshd never heard of
ssh-keygen -q -N '' -t ed25519 -f "$OG_WORK/stranger"
login_with "$OG_WORK/stranger"
check "an unregistered key is refused by sshd, before PAM" refused_by publickey $?

# 2. a certificate signed by a CA the user made up and put in their own
# authorized_keys: sshd accepts it, pam_otpgate must not, whatever the size
# of the certificate, and the audit names the key it certifies
ssh-keygen -q -N '' -t ed25519 -C "user's own CA" -f "$OG_WORK/userca"
printf 'cert-authority %s\n' "$(cat "$OG_WORK/userca.pub")" >"$OG_WORK/user_keys"
for c in short long; do
	ssh-keygen -q -N '' -t ed25519 -f "$OG_WORK/cert-$c"
	id=short-id
	[ $c = long ] && id=$(head -c 13000 /dev/zero | tr '\0' x)
	ssh-keygen -q -s "$OG_WORK/userca" -I "$id" -n root "$OG_WORK/cert-$c.pub" ||
		og_die "ssh-keygen -s failed"
	fp=$(ssh-keygen -l -f "$OG_WORK/cert-$c-cert.pub" | awk '{print $2}')
	login_with "$OG_WORK/cert-$c" -o CertificateFile="$OG_WORK/cert-$c-cert.pub"
	check "a $c-id certificate from the user's own CA is refused by pam_otpgate (key-not-registered)" \
		refused_by keyboard-interactive $? key-not-registered
	check "sshd accepted that certificate (so pam_otpgate refused it)" \
		grep -q "Partial publickey for root .* ED25519-CERT $fp" "$OG_SSHD_LOG"
	check "the $c-id certificate's refusal is audited as key-not-registered, with its key" \
		[ "$(audit_where "event='auth' AND reason='key-not-registered' AND key='$fp'")" -eq 1 ]
done
check "the long certificate makes a publickey line of over 17,000 bytes" \
	[ "$(wc -c <"$OG_WORK/cert-long-cert.pub")" -gt 17000 ]
: >"$OG_WORK/user_keys"

# 3. rotation (max_age 1h, grace 1h): the key is made a little over an hour
# old, still within its not-after: it gets a successor and goes to grace
sqlite3 "$OG_WORK/keys.db" "UPDATE access_keys SET created = created - 3700, not_after = not_after - 3700"
kr rotate >"$OG_WORK/rotate.out" 2>&1
check "rotate replaces the key" grep -q "1 rotated, 0 user keys to grace, 0 expired, 0 failed" "$OG_WORK/rotate.out"
NEW=
for f in "$OG_WORK/drop/root/"*; do [ -f "$f" ] && NEW=${f##*/} && break; done
new_key_kept() { [ -n "$NEW" ] && [ "$(stat -c %a "$OG_WORK/drop/root/$NEW")" = 600 ]; }
check "the new private key is in the drop location, mode 0600" new_key_kept
login_with "$OG_WORK/drop/root/$NEW"
check "after rotate the new key logs in" [ $? -eq 0 ]
# the grace ends
sqlite3 "$OG_WORK/keys.db" "UPDATE access_keys SET not_after = strftime('%s') - 60 WHERE state = 'grace'"
kr rotate >"$OG_WORK/rotate2.out" 2>&1
check "after the grace, rotate expires the old key" grep -q "0 rotated, 0 user keys to grace, 1 expired, 0 failed" "$OG_WORK/rotate2.out"
login_with "$OG_WORK/k1"
check "after the grace the old key is refused by sshd, before PAM" refused_by publickey $?
kr rotate >"$OG_WORK/rotate3.out" 2>&1
check "rotate again: nothing to do (idempotent)" grep -q "0 rotated, 0 user keys to grace, 0 expired, 0 failed" "$OG_WORK/rotate3.out"

# 4. revocation takes effect at once
kr revoke --user root >/dev/null
login_with "$OG_WORK/drop/root/$NEW"
check "a revoked key is refused at once, by sshd, before PAM" refused_by publickey $?
check "authorized-keys prints nothing for root now" [ -z "$(runuser -u otpgate -- "$KR" -c "$OG_CONF" authorized-keys root)" ]
check "authorized-keys prints nothing for hostile arguments" \
	[ -z "$(runuser -u otpgate -- "$KR" -c "$OG_CONF" authorized-keys 'root;id' "$(printf 'x%.0s' $(seq 300))")" ]
check "audit trail: issue, rotate, expire and revoke, each with a fingerprint" \
	[ "$(audit_where "event='key' AND key IS NOT NULL AND reason IN ('issue','rotate','expire','revoke')")" -ge 4 ]

# 5. a registry writer killed mid-transaction must not block the key reader.
# A registry an older version left in rollback-journal mode is converted to
# WAL by the first writer; its -wal and -shm are readable by group otpgate.
# (otpgated stopped first: its kept connection holds the registry in WAL
# mode, and sshd's lookups from here on are the reader's own)
stop "$OTPGATED"
header_modes() { od -An -tu1 -j18 -N2 "$OG_WORK/keys.db" | tr -s ' ' | sed 's/^ //'; }
sqlite3 "$OG_WORK/keys.db" "PRAGMA journal_mode = DELETE" >/dev/null
check "the registry is in rollback-journal mode, as an older version left it" [ "$(header_modes)" = "1 1" ]
kr issue root --out "$OG_WORK/k3" >/dev/null || og_die "issue failed"
check "the first writer converts it to WAL" [ "$(header_modes)" = "2 2" ]
check "its -wal and -shm are kept, mode 0640, owner root, group otpgate, like the registry" \
	[ "$(stat -c '%a %U %G' "$OG_WORK/keys.db-wal" "$OG_WORK/keys.db-shm" | sort -u)" = "640 root otpgate" ]
# 3000 keys past their not-after for rotate to expire, 200 to a transaction;
# a small page cache (stored in the file) makes each batch spill to disk
# before its commit, as a large one would
now=$(date +%s)
sqlite3 "$OG_WORK/keys.db" "PRAGMA default_cache_size = 8;
	WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
	INSERT INTO access_keys(id, user, org, type, pubkey, fingerprint, origin, state,
	 predecessor, created, last_used, not_after)
	SELECT printf('bulk%05d', i), 'ghost', '', 'ssh-ed25519', 'ssh-ed25519 AAAA',
	 printf('SHA256:bulk%05d', i), 'user', 'active', '', $now - 100, 0, $now - 10 FROM n"
# rotate prints a line for each key it expires, inside that key's batch,
# into a pipe nobody reads: once the pipe is full it waits, mid-batch, in
# that write, and is killed there
mkfifo "$OG_WORK/rotate5.fifo"
exec 3<>"$OG_WORK/rotate5.fifo"
"$KR" -c "$OG_CONF" rotate >"$OG_WORK/rotate5.fifo" 2>&1 &
ROT=$!
python3 - "$OG_WORK/rotate5.fifo" <<'PY'
import fcntl, os, struct, sys, termios, time
fd = os.open(sys.argv[1], os.O_RDONLY | os.O_NONBLOCK)
held = lambda: struct.unpack("i", fcntl.ioctl(fd, termios.FIONREAD, b"1234"))[0]
last = -1
for _ in range(1200):  # a full pipe (64 KiB, less than one 4 KiB write) that stays full
    n = held()
    if n > 65536 - 4096 and n == last:
        sys.exit(0)
    last = n
    time.sleep(0.1)
sys.exit("rotate never filled its output pipe")
PY
kill -KILL "$ROT" 2>/dev/null
{ wait "$ROT"; } 2>/dev/null	# bash's own "Killed" notice is no news here
killed=$?
exec 3<&-
check "rotate was killed (kill -9) waiting in the middle of a batch" [ "$killed" -eq 137 ]
expired=$(runuser -u otpgate -- sqlite3 "file:$OG_WORK/keys.db?mode=ro" \
	"SELECT count(*) FROM access_keys WHERE state = 'expired' AND user = 'ghost'" 2>&1)
case $expired in
''|*[!0-9]*) whole=0 rest=3000 ;;
*) whole=$((expired % 200 == 0 && expired < 3000)) rest=$((3000 - expired)) ;;
esac
check "read-only, the registry shows whole batches only, and not all ($expired of 3000 expired)" \
	[ "$whole" -eq 1 ]
runuser -u otpgate -- "$KR" -c "$OG_CONF" authorized-keys root >"$OG_WORK/ak.out"
FP3=$(ssh-keygen -l -f "$OG_WORK/k3" | awk '{print $2}')
check "authorized-keys (as user otpgate) still lists root's key" grep -q "ssh-ed25519 .* otpgate:" "$OG_WORK/ak.out"
login_with "$OG_WORK/k3"
check "and a login with that key succeeds" [ $? -eq 0 ]
check "the login's audit rows name the key" \
	[ "$(audit_where "event='auth' AND result='success' AND key='$FP3'")" -ge 1 ]
sqlite3 "$OG_WORK/keys.db" "PRAGMA default_cache_size = 0"
kr rotate >"$OG_WORK/rotate6.out" 2>&1
check "the next rotate expires the rest" grep -q " $rest expired, 0 failed" "$OG_WORK/rotate6.out"

if [ "$TAP_FAILED" -ne 0 ]; then
	sed 's/^/#   /' "$OG_SSHD_LOG"
	sed 's/^/#   /' "$OG_WORK"/rotate*.out
fi
tap_done

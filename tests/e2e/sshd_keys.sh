#!/usr/bin/env bash
# sshd_keys.sh BUILD_DIR: IAM-style SSH keys end to end. A private sshd on
# 127.0.0.1 takes its keys from `otpgate-keyrotate authorized-keys`
# (AuthorizedKeysCommand, run as the unprivileged user otpgate) and from a
# file the user could write, and the second factor from pam_otpgate.so
# with keys.check_at_login. A freshly issued key plus the TOTP code logs
# in; a certificate from a CA the user put in that file is refused, even
# with an 18,000-byte certificate; after `rotate` (short max_age) the new
# key works and, once the grace ends, the old key is refused; a revoked key
# is refused at once; the audit trail names the key of every attempt.
set -u
OG_BUILD=${1:?usage: sshd_keys.sh BUILD_DIR}
OG_NAME=sshd_keys
# shellcheck source=tests/e2e/sshd-lib.sh
. "$(dirname "$0")/sshd-lib.sh"

PASSED=0 FAILED=0 N=0
check() {
	local desc=$1
	shift
	N=$((N + 1))
	if "$@"; then PASSED=$((PASSED + 1)); echo "ok $N - $desc"
	else FAILED=$((FAILED + 1)); echo "not ok $N - $desc"; fi
}

og_setup otpgate-keys
# sshd runs AuthorizedKeysCommand only from a root-owned path that nobody
# else can write, all the way up: a private copy under /run
KR_DIR=$(mktemp -d /run/otpgate-keys-XXXXXX)
chmod 755 "$KR_DIR"
install -m 755 "$OG_BUILD/otpgate-keyrotate" "$KR_DIR/otpgate-keyrotate"
og_cleanup_hook() { rm -rf "$KR_DIR"; }
KR="$KR_DIR/otpgate-keyrotate"

SECRET=3132333435363738393031323334353637383930
OG_CONF_EXTRA="keys = { max_age = \"1h\"; grace = \"1h\"; drop_dir = \"$OG_WORK/drop\";
         check_at_login = true; };"
# what a user may put in their own ~/.ssh/authorized_keys: sshd reads it
# before it asks the registry
OG_AUTHORIZED_KEYS_FILE=$OG_WORK/user_keys
OG_SSHD_EXTRA="AuthorizedKeysCommand $KR -c $OG_CONF authorized-keys %u %f
AuthorizedKeysCommandUser otpgate"
og_write_conf 127.0.0.1/32
og_prov init >/dev/null || og_die "init failed"
# the key reader must get to the config and the registry, nothing else
chmod 711 "$OG_WORK"
printf 'user,serial,secret\nroot,HW-KEYS,%s\n' "$SECRET" >"$OG_WORK/t.csv"
og_prov import --format csv "$OG_WORK/t.csv" >/dev/null || og_die "import failed"
og_sshd_start root
kr() { "$KR" -c "$OG_CONF" "$@"; }
fresh_code() {
	[ "$(og_step_left)" -lt 8 ] && og_sleep "$(og_step_left)"
	og_totp hex "$SECRET"
}
audit_count() { sqlite3 "$OG_DB" "SELECT count(*) FROM audit_named WHERE $1"; }
login_with() {	# KEYFILE [SSH_OPTS...]: log in with that key and a code from a fresh step
	OG_KEY=$1
	shift
	og_ssh_login root "$(fresh_code)" "$@"
	local rc=$?
	# a code that was asked for is spent: the next login needs the next step's
	[ -s "$OG_WORK/askpass.log" ] && og_sleep "$(og_step_left)"
	return $rc
}
: >"$OG_WORK/user_keys"

# 1. a freshly issued key and the code
kr issue root --out "$OG_WORK/k1" >"$OG_WORK/issue.out" || og_die "issue failed: $(cat "$OG_WORK/issue.out")"
FP1=$(ssh-keygen -l -f "$OG_WORK/k1" | awk '{print $2}')
check "issued key is in OpenSSH format (ssh-keygen reads it)" [ -n "$FP1" ]
login_with "$OG_WORK/k1"
check "issued key + current code: login succeeds" [ $? -eq 0 ]
check "the login's audit rows carry the key's fingerprint" \
	[ "$(audit_count "event IN ('auth','account') AND result='success' AND key='$FP1'")" -ge 2 ]
# a key sshd never heard of
ssh-keygen -q -N '' -t ed25519 -f "$OG_WORK/stranger"
login_with "$OG_WORK/stranger"
check "an unregistered key is refused" [ $? -ne 0 ]

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
	check "a $c-id certificate from the user's own CA is refused" [ $? -ne 0 ]
	check "sshd accepted that certificate (so pam_otpgate refused it)" \
		grep -q "Partial publickey for root .* ED25519-CERT $fp" "$OG_SSHD_LOG"
	check "the $c-id certificate's refusal is audited as key-not-registered, with its key" \
		[ "$(audit_count "event='auth' AND reason='key-not-registered' AND key='$fp'")" -eq 1 ]
done
check "the long certificate makes a publickey line of over 17,000 bytes" \
	[ "$(wc -c <"$OG_WORK/cert-long-cert.pub")" -gt 17000 ]
: >"$OG_WORK/user_keys"

# 3. rotation (max_age 1h, grace 1h): the key is made a little over an hour
# old, still within its not-after: it gets a successor and goes to grace
sqlite3 "$OG_WORK/keys.db" "UPDATE access_keys SET created = created - 3700, not_after = not_after - 3700"
kr rotate >"$OG_WORK/rotate.out" 2>&1
check "rotate replaces the key" grep -q "1 rotated, 0 user keys to grace, 0 expired, 0 failed" "$OG_WORK/rotate.out"
NEW=$(ls "$OG_WORK/drop/root/" 2>/dev/null | grep -v '^\.' | head -n 1)
check "the new private key is in the drop location, mode 0600" \
	[ -n "$NEW" ] && [ "$(stat -c %a "$OG_WORK/drop/root/$NEW")" = 600 ]
login_with "$OG_WORK/drop/root/$NEW"
check "after rotate the new key logs in" [ $? -eq 0 ]
# the grace ends
sqlite3 "$OG_WORK/keys.db" "UPDATE access_keys SET not_after = strftime('%s') - 60 WHERE state = 'grace'"
kr rotate >"$OG_WORK/rotate2.out" 2>&1
check "after the grace, rotate expires the old key" grep -q "0 rotated, 0 user keys to grace, 1 expired, 0 failed" "$OG_WORK/rotate2.out"
login_with "$OG_WORK/k1"
check "after the grace the old key is refused" [ $? -ne 0 ]
kr rotate >"$OG_WORK/rotate3.out" 2>&1
check "rotate again: nothing to do (idempotent)" grep -q "0 rotated, 0 user keys to grace, 0 expired, 0 failed" "$OG_WORK/rotate3.out"

# 4. revocation takes effect at once
kr revoke --user root >/dev/null
login_with "$OG_WORK/drop/root/$NEW"
check "a revoked key is refused at once" [ $? -ne 0 ]
check "authorized-keys prints nothing for root now" [ -z "$(runuser -u otpgate -- "$KR" -c "$OG_CONF" authorized-keys root)" ]
check "authorized-keys prints nothing for hostile arguments" \
	[ -z "$(runuser -u otpgate -- "$KR" -c "$OG_CONF" authorized-keys 'root;id' "$(printf 'x%.0s' $(seq 300))")" ]
check "audit trail: issue, rotate, expire and revoke, each with a fingerprint" \
	[ "$(audit_count "event='key' AND key IS NOT NULL AND reason IN ('issue','rotate','expire','revoke')")" -ge 4 ]

if [ "$FAILED" -ne 0 ]; then
	sed 's/^/#   /' "$OG_SSHD_LOG"
	cat "$OG_WORK"/rotate*.out
fi
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]

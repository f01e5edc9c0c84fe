#!/bin/bash
# sshd_login.sh BUILD_DIR: end-to-end logins through the real sshd and ssh.
#
# A private sshd on 127.0.0.1 (free port, own config, PAM service
# otpgate-e2e-PID) asks for publickey then keyboard-interactive, and the
# keyboard-interactive part is the built pam_otpgate.so. root, enrolled with
# a known hardware-token secret, logs in with ssh; SSH_ASKPASS answers
# "Verification code: " without a tty. Each case checks ssh's exit status
# and the audit rows the login left in the store. Needs root; no tty; no
# network beyond 127.0.0.0/8. Everything it creates goes on exit.
set -u
OG_NAME=sshd_login
BUILD=${1:?usage: tests/e2e/sshd_login.sh BUILD_DIR}
OG_BUILD=$(cd "$BUILD" 2>/dev/null && pwd) || { echo "$OG_NAME: no such dir: $BUILD" >&2; exit 2; }
# shellcheck source=tests/e2e/sshd-lib.sh
. "$(dirname "$0")/sshd-lib.sh"
# shellcheck source=tests/lib/tap.sh
. "$TESTLIB/tap.sh"

SECRET=3132333435363738393031323334353637383930	# RFC 6238's SHA1 seed
SERIAL=E2E1
USER_=root

og_setup otpgate-e2e

# allow only 127.0.0.1/32 (and ::1): a login from 127.0.0.2 is outside policy
og_write_conf 127.0.0.1/32 ::1/128
og_prov init >/dev/null || og_die "otpgate-provision init failed"
printf 'user,serial,secret\n%s,%s,%s\n' "$USER_" "$SERIAL" "$SECRET" >"$OG_WORK/tokens.csv"
og_prov import --format csv "$OG_WORK/tokens.csv" >/dev/null ||
	og_die "otpgate-provision import failed"
og_sshd_start "$USER_"
echo "# sshd on 127.0.0.1:$OG_PORT, PAM service $OG_SERVICE, work dir $OG_WORK"

# what a failed case shows besides its problems (tap.sh's result)
show_login() {
	echo "#   audit rows of this login:"
	audit_since "$MARK" | sed 's/^/#     /'
	echo "#   ssh stderr:"
	sed 's/^/#     /' "$OG_WORK/ssh.err"
}
TAP_DIAGNOSE=show_login

# check_login RC EXPECT_RC AUTH_ROW [ACCOUNT_ROW]: ssh status and audit rows
# since $MARK; rows are event|result|reason|user|source|service|token.
# A refusal must also be sshd's: ssh says permission denied for
# keyboard-interactive, the method pam_otpgate answers.
check_login() {
	local rc=$1 want_rc=$2 want_auth=$3 want_acct=${4:-} rows auth acct
	if [ "$want_rc" = 0 ] && [ "$rc" != 0 ]; then
		problem "ssh exited $rc, wanted 0"
	elif [ "$want_rc" != 0 ] && [ "$rc" = 0 ]; then
		problem "ssh exited 0: the login was let in"
	elif [ "$want_rc" != 0 ] && [ "$rc" != 255 ]; then
		problem "ssh exited $rc, wanted 255 (refused)"
	elif [ "$want_rc" != 0 ] &&
		! grep -q "^$USER_@127.0.0.1: Permission denied (keyboard-interactive)" "$OG_WORK/ssh.err"; then
		problem "ssh did not say: $USER_@127.0.0.1: Permission denied (keyboard-interactive)"
	fi
	rows=$(audit_since "$MARK")
	auth=$(printf '%s\n' "$rows" | grep '^auth|' || true)
	acct=$(printf '%s\n' "$rows" | grep '^account|' || true)
	[ "$auth" = "$want_auth" ] ||
		problem "auth audit row is '${auth//$'\n'/ + }', wanted '$want_auth'"
	[ "$acct" = "$want_acct" ] ||
		problem "account audit row is '${acct//$'\n'/ + }', wanted '${want_acct:-none}'"
}

# failures: "COUNT LOCKED_UNTIL" of the user's failure record ("0 0" if none)
failures() {
	sqlite3 -separator ' ' "$OG_DB" "SELECT COALESCE(MAX(count), 0),
		COALESCE(MAX(locked_until), 0) FROM failures WHERE user = '$USER_'"
}

# asked_prompt: did ssh hand exactly our prompt to the askpass program?
asked_prompt() {
	grep -q 'Verification code: $' "$OG_WORK/askpass.log" &&
		[ "$(wc -l <"$OG_WORK/askpass.log")" -eq 1 ]
}

# 1: the current code. Keep it inside one 30 s step for case 2 as well.
wait_margin 8
CODE=$(totp hex "$SECRET")
MARK=$(audit_max)
og_ssh_login "$USER_" "$CODE"
rc=$?
check_login "$rc" 0 "auth|success|ok|$USER_|127.0.0.1|$OG_SERVICE|$SERIAL" \
	"account|success|ok|$USER_|127.0.0.1|$OG_SERVICE|"
asked_prompt || problem "askpass was not asked 'Verification code: ' once: $(tr '\n' '/' <"$OG_WORK/askpass.log")"
result "current code: login succeeds, audited as auth success ok from 127.0.0.1"

# 2: the same code again, in the same step: a replay
MARK=$(audit_max)
og_ssh_login "$USER_" "$CODE"
rc=$?
check_login "$rc" 1 "auth|failure|replay|$USER_|127.0.0.1|$OG_SERVICE|$SERIAL"
asked_prompt || problem "askpass was not asked 'Verification code: ' once"
result "same code again: refused, audited as replay"

# 3: a code that no step within +-5 of now has
WRONG=$(totp wrong-hex "$SECRET")
MARK=$(audit_max)
og_ssh_login "$USER_" "$WRONG"
rc=$?
check_login "$rc" 1 "auth|failure|bad-code|$USER_|127.0.0.1|$OG_SERVICE|"
asked_prompt || problem "askpass was not asked 'Verification code: ' once"
# replay and bad-code count towards the lock (docs/security.md): 2 of 5
read -r fails locked <<<"$(failures)"
[ "$fails" = 2 ] || problem "failure count is '$fails' after a replay and a bad code, wanted 2"
[ "$locked" = 0 ] || problem "the account is locked after 2 failures (locked_until $locked)"
result "wrong code: refused, audited as bad-code, no lockout"

# 4: from 127.0.0.2, outside the policy (127.0.0.1/32), with a good code
CODE=$(totp hex "$SECRET" 1)	# next step's code: valid but for the source
MARK=$(audit_max)
og_ssh_login "$USER_" "$CODE" -b 127.0.0.2
rc=$?
check_login "$rc" 1 "auth|failure|policy|$USER_|127.0.0.2|$OG_SERVICE|"
grep -q 'Connection from 127.0.0.2 ' "$OG_SSHD_LOG" ||
	problem "sshd never saw a connection from 127.0.0.2"
# docs/security.md: with auth.uniform_refusals (the default) a refused
# address is prompted like any other and refused after it, its code not
# checked; a policy refusal does not count towards the lock
asked_prompt || problem "the refused address was not asked 'Verification code: ' once:" \
	"$(tr '\n' '/' <"$OG_WORK/askpass.log")"
read -r fails locked <<<"$(failures)"
[ "$fails" = 2 ] || problem "failure count is '$fails' after the policy refusal, wanted 2 still"
result "from 127.0.0.2 (outside policy): prompted, refused, audited as policy"

# 5: the code typed at the refused address was not spent: good from 127.0.0.1
MARK=$(audit_max)
og_ssh_login "$USER_" "$CODE"
rc=$?
check_login "$rc" 0 "auth|success|ok|$USER_|127.0.0.1|$OG_SERVICE|$SERIAL" \
	"account|success|ok|$USER_|127.0.0.1|$OG_SERVICE|"
result "the code typed at the refused address still logs in from 127.0.0.1"

if [ "$TAP_FAILED" -ne 0 ]; then
	echo "# all audit rows:"
	audit_since 0 | sed 's/^/#   /'
	echo "# sshd log ($OG_SSHD_LOG):"
	sed 's/^/#   /' "$OG_SSHD_LOG"
fi
tap_done

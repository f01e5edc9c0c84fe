#!/bin/bash
# sshd_sessions.sh BUILD_DIR: sessions, the failure mode and what the person
# at the terminal is told, end to end through the real sshd and ssh.
#
# A private sshd on 127.0.0.1 (see sshd-lib.sh) with the session line
# "session optional pam_otpgate.so"; messages as by default (after-key:
# sshd tells the module, in SSH_AUTH_INFO_0, that the user's key was
# accepted, so it tells why it refuses):
#   - root logs in from 127.0.0.1 and, while that session is open, from
#     127.0.0.2 (ssh -b): the second is warned of the first, with its
#     source; `otpgate-provision sessions` lists both; `close` ends the
#     first (its ssh exits); another session from 127.0.0.2 is not warned;
#   - wrong codes lock the account: the client is told until when;
#   - lockout.mode "step-up": wrong codes put the account in failure mode;
#     one code (and a wrong next one) is refused, two consecutive codes
#     log in.
# Needs root; no network beyond 127.0.0.0/8. Everything it creates goes
# on exit.
set -u
OG_NAME=sshd_sessions
BUILD=${1:?usage: tests/e2e/sshd_sessions.sh BUILD_DIR}
OG_BUILD=$(cd "$BUILD" 2>/dev/null && pwd) || { echo "$OG_NAME: no such dir: $BUILD" >&2; exit 2; }
# shellcheck source=tests/e2e/sshd-lib.sh
. "$(dirname "$0")/sshd-lib.sh"
# shellcheck source=tests/lib/tap.sh
. "$TESTLIB/tap.sh"

SECRET=3132333435363738393031323334353637383930	# RFC 6238's SHA1 seed
SECRET2=3132333435363738393031323334353637383931

og_setup otpgate-sess
og_write_conf 127.0.0.0/8
# three failures lock (or, in step-up mode, begin failure mode)
sed -i 's/max_failures = 5;/max_failures = 3;/' "$OG_CONF"
og_prov init >/dev/null || og_die "otpgate-provision init failed"
printf 'user,serial,secret\nroot,E2E-S1,%s\n' "$SECRET" >"$OG_WORK/tokens.csv"
og_prov import --format csv "$OG_WORK/tokens.csv" >/dev/null || og_die "import failed"
og_sshd_start root
echo "# sshd on 127.0.0.1:$OG_PORT, PAM service $OG_SERVICE, work dir $OG_WORK"

show() {
	echo "#   audit rows since $MARK:"
	audit_since "$MARK" | sed 's/^/#     /'
	for f in ssh.out ssh.err s1.out s1.err s2.out s2.err; do
		[ -s "$OG_WORK/$f" ] && { echo "#   $f:"; sed 's/^/#     /' "$OG_WORK/$f"; }
	done
	echo "#   sessions: $(sqlite3 "$OG_DB" 'SELECT user, source, host, pid FROM sessions')"
}
TAP_DIAGNOSE=show

# held SESSION FD CODE [SSH_OPTS...]: an interactive login (a terminal, a
# shell, no command) that stays open while FD, its input, is; in the
# background, its ssh's pid in $SESSION_pid, its output in
# $OG_WORK/SESSION.out and .err. sshd shows what the module tells a session
# (PAM_TEXT_INFO) with the login messages, which it prints only for a login
# without a command.
HELD=
# shellcheck disable=SC2086 # a list of pids, one word each
stop_held() { exec 5>&- 6>&- 7>&-; stop $HELD; }
on_exit stop_held
held() {
	local name=$1 fd=$2 code=$3
	shift 3
	printf '%s\n' "$code" >"$OG_WORK/code"
	mkfifo "$OG_WORK/$name.in"
	og_ssh root "" -tt "$@" <"$OG_WORK/$name.in" >"$OG_WORK/$name.out" 2>"$OG_WORK/$name.err" \
		5>&- 6>&- 7>&- &
	eval "${name}_pid=$!"
	HELD="$HELD $!"
	eval "exec $fd>\"\$OG_WORK/\$name.in\""
	# the shell says so once it runs (the quotes keep the echoed input apart)
	echo 'echo logged""-in' >&"$fd"
	poll 200 grep -q 'logged-in' "$OG_WORK/$name.out"
}
s1_pid="" s2_pid=""
sessions_where() { sqlite3 "$OG_DB" "SELECT count(*) FROM sessions WHERE $1"; }

# 1-4: two computers. Three codes of one step: now-1, now, now+1 (window 1).
wait_margin 20
MARK=$(audit_max)
held s1 5 "$(totp hex "$SECRET" -1)" || problem "the first session did not open"
[ "$(sessions_where "source = '127.0.0.1' AND user = 'root'")" = 1 ] ||
	problem "no session recorded for 127.0.0.1"
grep -q 'you also have a session' "$OG_WORK/s1.out" && problem "the first session was warned"
result "a session from 127.0.0.1 is recorded, unwarned"

held s2 6 "$(totp hex "$SECRET")" -b 127.0.0.2 || problem "the session from 127.0.0.2 did not open"
ID1=$(sqlite3 "$OG_DB" "SELECT id FROM sessions WHERE source = '127.0.0.1'")
grep -q "otpgate: you also have a session on .* from 127.0.0.1 (.*) since .*; end it with: otpgate-provision close $ID1 (process [0-9]*)" \
	"$OG_WORK/s2.out" || problem "the second computer was not warned of the first, with how to close it"
[ "$(audit_where "event = 'session' AND result = 'warning' AND reason = 'multiple-sources'
	AND source = '127.0.0.2' AND user = 'root'")" = 1 ] || problem "the warning is not audited"
result "a session from 127.0.0.2 sees the warning with the first one's source"

og_prov sessions >"$OG_WORK/sessions.out" 2>&1
if [ "$(wc -l <"$OG_WORK/sessions.out")" -eq 2 ] &&
	grep -q "^$ID1 root  *127.0.0.1 " "$OG_WORK/sessions.out" &&
	grep -q "^[0-9a-f]\{32\} root  *127.0.0.2 " "$OG_WORK/sessions.out"; then
	ok "sessions lists both"
else
	not_ok "sessions: $(cat "$OG_WORK/sessions.out")"
fi

if og_prov close "$ID1" >"$OG_WORK/close.out" 2>&1 &&
	grep -q "^closed session $ID1 of root from 127.0.0.1 (process [0-9]* got SIGHUP and ended)$" \
		"$OG_WORK/close.out"; then
	poll 100 sh -c "! kill -0 $s1_pid 2>/dev/null" || problem "the first ssh is still connected"
	[ "$(sessions_where "id = '$ID1'")" = 0 ] || problem "the closed session is still recorded"
	kill -0 "$s2_pid" 2>/dev/null || problem "the second session went too"
else
	problem "close: $(cat "$OG_WORK/close.out")"
fi
result "close ends the first session: its ssh is disconnected"

held s3 7 "$(totp hex "$SECRET" 1)" -b 127.0.0.2 || problem "a second session from 127.0.0.2 did not open"
grep -q 'you also have a session' "$OG_WORK/s3.out" &&
	problem "a session from the same address was warned: $(grep 'also have' "$OG_WORK/s3.out")"
[ "$(sessions_where "source = '127.0.0.2'")" = 2 ] || problem "not two sessions from 127.0.0.2"
result "sessions from the same address do not warn"
stop_held
HELD=
poll 100 sh -c "[ \"\$(sqlite3 '$OG_DB' 'SELECT count(*) FROM sessions')\" = 0 ]" ||
	problem "sessions that ended are still recorded: $(sqlite3 "$OG_DB" 'SELECT * FROM sessions')"
result "sessions that end are forgotten"

# 5: wrong codes lock; the client (its key accepted) is told until when
OG_SSH_LOGLEVEL=INFO
MARK=$(audit_max)
for _ in 1 2 3; do og_ssh_login root "$(totp wrong-hex "$SECRET")"; done
grep -q "otpgate: too many failed logins: this account is locked until [0-2][0-9]:[0-5][0-9] UTC\." \
	"$OG_WORK/ssh.err" || problem "the client was not told until when it is locked"
grep -q "Permission denied (keyboard-interactive)" "$OG_WORK/ssh.err" || problem "ssh was let in"
[ "$(audit_where "event = 'lockout' AND result = 'locked'")" = 1 ] || problem "no lockout entry"
result "the third wrong code locks, and ssh shows the 'locked until' line"
og_prov unlock root >/dev/null || og_die "unlock failed"

# 6: failure mode (a new token: its codes are all unspent)
sed -i 's/max_failures = 3;/max_failures = 3; mode = "step-up";/' "$OG_CONF"
og_prov revoke root >/dev/null || og_die "revoke failed"
printf 'user,serial,secret\nroot,E2E-S2,%s\n' "$SECRET2" >"$OG_WORK/tokens2.csv"
og_prov import --format csv "$OG_WORK/tokens2.csv" >/dev/null || og_die "import failed"
wait_margin 15
MARK=$(audit_max)
for _ in 1 2 3; do og_ssh_login root "$(totp wrong-hex "$SECRET2")"; done
[ "$(audit_where "event = 'lockout' AND result = 'failure-mode'")" = 1 ] ||
	problem "failure mode did not begin"
grep -q "otpgate: too many failed logins: until .* UTC this account needs two consecutive codes" \
	"$OG_WORK/ssh.err" || problem "the client was not told of failure mode"
result "three wrong codes in step-up mode begin failure mode, and the client is told"

MARK=$(audit_max)
printf '%s\n' 000000 >"$OG_WORK/next"
og_ssh_login root "$(totp hex "$SECRET2" -1)"
rc=$?
[ "$rc" = 255 ] || problem "one right code and a wrong next one: ssh exited $rc, wanted 255"
grep -q 'Next verification code: $' "$OG_WORK/askpass.log" || problem "ssh was not asked for the next code"
# sshd puts what the module says before a prompt into the prompt
grep -q 'wait for your device to show its next code' "$OG_WORK/askpass.log" ||
	problem "the client was not told to wait for the next code"
[ "$(audit_since "$MARK" "event = 'auth'" | cut -d'|' -f1-3)" = "auth|failure|bad-next-code" ] ||
	problem "audited as '$(audit_since "$MARK" "event = 'auth'")', wanted auth|failure|bad-next-code"
result "failure mode: one right code is not enough"

MARK=$(audit_max)
totp hex "$SECRET2" 1 >"$OG_WORK/next"
og_ssh_login root "$(totp hex "$SECRET2")"
rc=$?
[ "$rc" = 0 ] || problem "two consecutive codes: ssh exited $rc"
[ "$(grep -c 'erification code: $' "$OG_WORK/askpass.log")" = 2 ] ||
	problem "asked $(tr '\n' '/' <"$OG_WORK/askpass.log"), wanted the code and the next one"
[ "$(audit_since "$MARK" "event IN ('auth', 'account')" | cut -d'|' -f1-3 | paste -sd' ' -)" = \
	"auth|success|failure-mode-passed account|success|ok" ] ||
	problem "audited as '$(audit_since "$MARK" | paste -sd' ' -)'"
[ "$(sqlite3 "$OG_DB" "SELECT count(*) FROM failures")" = 0 ] || problem "failure mode did not end"
result "failure mode: two consecutive codes log in, and end it"

tap_done

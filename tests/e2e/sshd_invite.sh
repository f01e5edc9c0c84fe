#!/bin/bash
# sshd_invite.sh BUILD_DIR: a user enrols their own device over one SSH
# connection, with an invitation, through the real sshd and ssh.
#
# The admin invites root (their terminal's output is kept). ssh runs on a
# pseudo-terminal of its own (tests/lib/pty-answer), as a person would run
# it, and everything it writes there is captured: at "Verification code: "
# the invitation code is typed; at "Verification code from your new
# device: " the half-block QR code in what ssh showed is rendered to an
# image (tests/lib/termqr-to-pgm) and decoded with zbarimg, and oathtool
# computes the code of the URI's secret, which is typed. The login must go
# through, enrolled; a second ssh login with the new device's next code
# too. Nothing the admin sees, nor sshd's log, may hold the secret. Needs
# root; no network beyond 127.0.0.0/8. Everything it creates goes on exit.
set -u
OG_NAME=sshd_invite
BUILD=${1:?usage: tests/e2e/sshd_invite.sh BUILD_DIR}
OG_BUILD=$(cd "$BUILD" 2>/dev/null && pwd) || { echo "$OG_NAME: no such dir: $BUILD" >&2; exit 2; }
# shellcheck source=tests/e2e/sshd-lib.sh
. "$(dirname "$0")/sshd-lib.sh"
# shellcheck source=tests/lib/tap.sh
. "$TESTLIB/tap.sh"
for p in zbarimg oathtool; do
	command -v "$p" >/dev/null || og_die "$p not found (make deps)"
done

USER_=root
og_setup otpgate-e2e-inv
og_write_conf 127.0.0.1/32 ::1/128
og_prov init >/dev/null || og_die "otpgate-provision init failed"
# the admin's terminal: all that invite and the listings print
ADMIN=$OG_WORK/admin.out
og_prov invite "$USER_" >"$ADMIN" 2>&1 || og_die "invite failed: $(cat "$ADMIN")"
CODE=$(sed -n "s/^invitation code for $USER_: //p" "$ADMIN")
[ -n "$CODE" ] || og_die "no invitation code in: $(cat "$ADMIN")"
og_sshd_start "$USER_"
echo "# sshd on 127.0.0.1:$OG_PORT, PAM service $OG_SERVICE, work dir $OG_WORK"

SHOWN=$OG_WORK/shown.txt	# what ssh wrote on its terminal
show_case() {
	echo "#   what ssh showed:"
	sed 's/^/#     /' "$SHOWN" 2>/dev/null | head -60
	echo "#   audit rows:"
	audit_since "$MARK" | sed 's/^/#     /'
}
TAP_DIAGNOSE=show_case

# The new device: the QR code ssh showed, as a camera would see it, decoded
# into its URI; and the code of that URI's secret, now.
cat >"$OG_WORK/device" <<EOF
#!/bin/sh
set -e
"$TESTLIB/termqr-to-pgm" "$SHOWN" "$OG_WORK/qr.pgm"
zbarimg -q --raw "$OG_WORK/qr.pgm" >"$OG_WORK/uri" 2>/dev/null
secret=\$(sed -n 's/.*[?&]secret=\([A-Z2-7]*\).*/\1/p' "$OG_WORK/uri")
oathtool --totp -b "\$secret"
EOF
chmod 700 "$OG_WORK/device"

# 1: the whole enrolment over one connection
wait_margin 10
MARK=$(audit_max)
env -u SSH_AUTH_SOCK LC_ALL=C.UTF-8 "$TESTLIB/pty-answer" "$SHOWN" 30 \
	"Verification code: " "$CODE" \
	"Verification code from your new device: " "!$OG_WORK/device" -- \
	ssh -F /dev/null -p "$OG_PORT" -i "$OG_KEY" -o IdentitiesOnly=yes -o IdentityAgent=none \
	-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
	-o GlobalKnownHostsFile=/dev/null -o LogLevel=ERROR \
	-o PreferredAuthentications=publickey,keyboard-interactive \
	-o KbdInteractiveAuthentication=yes -o PasswordAuthentication=no \
	-o ConnectTimeout=10 "$USER_@127.0.0.1" true
rc=$?
[ "$rc" = 0 ] || problem "ssh exited $rc, wanted 0"
grep -q "Enrol your new device" "$SHOWN" || problem "ssh did not show the enrolment"
grep -q '^otpauth://totp/' "$OG_WORK/uri" 2>/dev/null ||
	problem "the QR code ssh showed does not decode to an otpauth URI"
grep -qF "Or add it by hand: $(cat "$OG_WORK/uri" 2>/dev/null)" "$SHOWN" ||
	problem "the URI shown as text is not the one in the QR code"
rows=$(audit_since "$MARK" "event <> 'account'" | cut -d'|' -f1-4)
[ "$rows" = "enrol|pending|invite|$USER_
enrol|success|invite|$USER_" ] || problem "audit rows: ${rows//$'\n'/ + }"
[ "$(audit_where "event = 'account' AND result = 'success' AND id > $MARK")" = 1 ] ||
	problem "no successful account phase"
result "enrolled over one SSH connection: the QR code shown decodes, its code completes it"
echo "# what ssh showed: $(wc -c <"$SHOWN") bytes, $(grep -c "^$(printf '\342\226\210')" "$SHOWN") lines of QR code"

# 2: the next login, with the new device's next code
SECRET=$(sed -n 's/.*[?&]secret=\([A-Z2-7]*\).*/\1/p' "$OG_WORK/uri")
NEXT=$(oathtool --totp -b "$SECRET" -N "@$(($(date +%s) + 30))")
MARK=$(audit_max)
og_ssh_login "$USER_" "$NEXT"
rc=$?
[ "$rc" = 0 ] || problem "ssh exited $rc, wanted 0: $(cat "$OG_WORK/ssh.err")"
[ "$(audit_where "event = 'auth' AND result = 'success' AND reason = 'ok' AND id > $MARK")" = 1 ] ||
	problem "no auth success ok for the second login"
result "a second ssh login with the new device's code"

# 3: the admin never saw the secret; sshd's log holds none either
{
	og_prov invites
	og_prov show "$USER_"
	og_prov list
	og_prov audit
} >>"$ADMIN" 2>&1
[ -n "$SECRET" ] || problem "no secret to look for"
for f in "$ADMIN" "$OG_SSHD_LOG"; do
	if grep -qF "$SECRET" "$f" || grep -q 'otpauth://' "$f"; then
		problem "$(basename "$f") holds the secret or the URI"
	fi
done
grep -qE "^$USER_ +- +totp used " "$ADMIN" || problem "invites does not list the invitation as used"
result "the admin's terminal and sshd's log never held the secret"

tap_done

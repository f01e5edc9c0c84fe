#!/bin/bash
# openvpn_login.sh BUILD_DIR: VPN logins through a real OpenVPN 2.6 server and
# client on 127.0.0.1, gated by the built pam_otpgate.so through OpenVPN's
# auth-pam plugin (/usr/lib/openvpn/openvpn-plugin-auth-pam.so).
#
# The test makes a throwaway CA, server and client certificates (EC keys) and
# a tls-crypt key, a scratch otpgate store whose policy allows only
# 127.0.0.1/32, and one PAM service file, /etc/pam.d/otpgate-vpn-PID. Both
# ways the code can reach the module are tested:
#
#  A. static challenge: the client sends "SCRV1:base64(password):base64(code)"
#     (typed at its --static-challenge prompt, or straight from its
#     --auth-user-pass file), the plugin splits it and answers the PAM
#     prompts by name: "login" USERNAME, "password" PASSWORD (pam_exec
#     checks it first) and "verification" OTP (our "Verification code: ").
#  B. one answer: the module runs with "combined forward_pass" (requisite),
#     the client's password is password+code, and pam_exec checks the
#     password the module hands on in PAM_AUTHTOK. This server renegotiates
#     every 10 s and has auth-gen-token, so renegotiations must not run PAM.
#
# Each case starts one client, waits for "Initialization Sequence Completed"
# or AUTH_FAILED, kills it, and checks the audit rows the attempt left and
# what the plugin logged (it sets PAM_RHOST to the client's untrusted_ip).
#
# Network: UDP on 127.0.0.1 (and a client bound to 127.0.0.2) only. The tun
# devices (otgs<PID>, otgc<PID>) are opened but never configured:
# ifconfig-noexec and route-noexec on both sides, so they stay down, with
# no address and no route. Needs root. If no tun device can be created
# here, prints "skipped: ..." and exits 0. Everything it creates goes on
# exit (also on INT/TERM). About 20 s, up to 45 s when it waits for a fresh
# 30 s step.
set -u
TESTS=$(cd "$(dirname "$0")/.." && pwd)
NAME=openvpn_login
BUILD=${1:?usage: tests/vpn/openvpn_login.sh BUILD_DIR}
B=$(cd "$BUILD" 2>/dev/null && pwd) || { echo "$NAME: no such dir: $BUILD" >&2; exit 2; }
PLUGIN=${OTPGATE_OPENVPN_PLUGIN:-/usr/lib/openvpn/openvpn-plugin-auth-pam.so}
OPENVPN=${OTPGATE_OPENVPN:-openvpn}

die() { echo "$NAME: $*" >&2; exit 2; }

[ "$(id -u)" = 0 ] || die "must run as root (tun devices, /etc/pam.d/otpgate-vpn-$$)"
for f in pam_otpgate.so otpgate-provision; do
	[ -e "$B/$f" ] || die "$B/$f is missing (run make)"
done
for p in "$OPENVPN" openssl sqlite3 python3 script; do
	command -v "$p" >/dev/null || die "$p not found (apt-get install openvpn openssl sqlite3 python3 bsdutils)"
done
[ -e "$PLUGIN" ] || die "$PLUGIN not found (apt-get install openvpn)"

# Can this machine create a tun device at all? (non-persistent: it goes
# away with the file descriptor)
if ! why=$(python3 - "otgt$$" <<'PY'
import fcntl, os, struct, sys
TUNSETIFF, IFF_TUN, IFF_NO_PI = 0x400454ca, 0x0001, 0x1000
try:
    fd = os.open("/dev/net/tun", os.O_RDWR)
except OSError as e:
    print("cannot open /dev/net/tun: %s" % e.strerror)
    sys.exit(1)
try:
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", sys.argv[1].encode(), IFF_TUN | IFF_NO_PI))
except OSError as e:
    print("cannot create a tun device: %s" % e.strerror)
    sys.exit(1)
finally:
    os.close(fd)
PY
); then
	echo "skipped: $why"
	exit 0
fi

TESTLIB=$TESTS/lib
# shellcheck source=tests/lib/tap.sh
. "$TESTLIB/tap.sh"
# shellcheck source=tests/lib/proc.sh
. "$TESTLIB/proc.sh"
# shellcheck source=tests/lib/otp.sh
. "$TESTLIB/otp.sh"
# shellcheck source=tests/lib/audit.sh
. "$TESTLIB/audit.sh"
# shellcheck source=tests/lib/vpn.sh
. "$TESTLIB/vpn.sh"

SERVICE=otpgate-vpn-$$
PAM_FILE=/etc/pam.d/$SERVICE
PAM_CREATED=0
SDEV=otgs$$
CDEV=otgc$$
NET=10.$(($$ / 250 % 250 + 1)).$(($$ % 250))	# tunnel subnet, never configured
SERVER_PID=
CLIENT_PID=		# the openvpn client (its --writepid)
CLIENT_LAUNCH=
LAUNCH_PIDS=		# what we started in the background
TTY_FD_OPEN=0

vpn_cleanup() {
	[ "$TTY_FD_OPEN" = 1 ] && exec 7>&-
	# shellcheck disable=SC2086 # lists of pids, one word each
	stop $CLIENT_PID $SERVER_PID $LAUNCH_PIDS
	[ "$PAM_CREATED" = 1 ] && rm -f -- "$PAM_FILE"
	# non-persistent devices vanish with openvpn; only ours, by exact name
	for dev in "$SDEV" "$CDEV" "${CDEV}r"; do
		[ -e "/sys/class/net/$dev" ] && ip link del "$dev" 2>/dev/null
	done
	return 0
}

scratch otpgate-vpn
on_exit vpn_cleanup
W=$T
# every process this test starts runs with the work dir in its command
# line: stop touches only those, never a recycled pid
STOP_MARK="$W/"
AUDIT_DB=$W/otpgate.db
CONF=$W/otpgate.conf
DB=$W/otpgate.db

# ---- helpers

prov() { "$B/otpgate-provision" -c "$CONF" "$@"; }

b64() { printf %s "$1" | base64 -w0; }
scrv1() { echo "SCRV1:$(b64 "$1"):$(b64 "$2")"; }

# ---- certificates, store, PAM

pki() {
	local n eku
	ca_make "$W" "otpgate-vpn-test-ca-$$" || return 1
	for n in server client; do
		eku=serverAuth
		[ "$n" = client ] && eku=clientAuth
		ca_issue "$W" "$n" "otpgate-vpn-test-$n" "$eku" ec || return 1
	done
	"$OPENVPN" --genkey tls-crypt "$W/tc.key" >/dev/null
}

# The users, each with a token of its own: A-phase sc*, B-phase cb*.
USERS="sc1 sc2 sc3 sc4 nm1 cb1 cb2 cb3 cb4 cb5"
declare -A SECRET
store() {
	local u
	umask 077
	cat >"$CONF" <<EOF
store = { backend = "sqlite"; path = "$DB"; spool = "$W/audit.spool"; };
master_key = "$W/master.key";
networks = { loop = [ "127.0.0.1/32" ]; };
policy = ( { match = "*"; allow_from = [ "loop" ]; } );
lockout = { max_failures = 5; interval = "10m"; lock_for = "15m"; };
audit = { syslog = false; store = true; };
EOF
	umask 022
	chmod 600 "$CONF"
	prov init >/dev/null || return 1
	echo "user,serial,secret" >"$W/tokens.csv"
	for u in $USERS; do
		SECRET[$u]=$(openssl rand -hex 20)
		echo "$u,HW-$u,${SECRET[$u]}" >>"$W/tokens.csv"
	done
	prov import --format csv "$W/tokens.csv" >/dev/null
}

# the password check after (B) or before (A) the code: pam_exec, "s3cret"
# shellcheck disable=SC2016 # a script: its own shell expands $pw
printf '#!/bin/sh\nread -r pw\n[ "$pw" = s3cret ]\n' >"$W/checkpass.sh"
chmod 755 "$W/checkpass.sh"

# pam_file a|b: writes /etc/pam.d/$SERVICE for variant A or B.
pam_file() {
	local mod="$B/pam_otpgate.so config=$CONF"
	if [ "$PAM_CREATED" = 0 ]; then
		[ -e "$PAM_FILE" ] && die "$PAM_FILE exists already; not overwriting it"
		(set -o noclobber; : >"$PAM_FILE") || die "cannot create $PAM_FILE"
		PAM_CREATED=1
	fi
	if [ "$1" = a ]; then
		cat >"$PAM_FILE" <<EOF
# temporary: $NAME (pid $$), variant A (static challenge); removed on exit
auth    requisite pam_exec.so quiet expose_authtok $W/checkpass.sh
auth    required  $mod
account required  $mod
EOF
	else
		cat >"$PAM_FILE" <<EOF
# temporary: $NAME (pid $$), variant B (password+code in one answer); removed on exit
# requisite: a refusal (a policy one too) must not go on to pam_exec, which
# would check the password, or with auth.uniform_refusals off prompt for it
auth    requisite $mod combined forward_pass
auth    required  pam_exec.so quiet expose_authtok $W/checkpass.sh
account required  $mod
EOF
	fi
}

# ---- server and client

# server_start EXTRA_CONFIG PLUGIN_ARGS: an OpenVPN server on 127.0.0.1.
server_start() {
	local extra=$1 args=$2 _
	for _ in 1 2 3; do
		PORT=$(free_port udp)
		cat >"$W/server.conf" <<EOF
mode server
tls-server
proto udp4
local 127.0.0.1
port $PORT
dev $SDEV
dev-type tun
disable-dco
topology subnet
ifconfig $NET.1 255.255.255.0
ifconfig-pool $NET.10 $NET.50
ifconfig-noexec
route-noexec
push "topology subnet"
ca $W/ca.crt
cert $W/server.crt
key $W/server.key
dh none
tls-crypt $W/tc.key
duplicate-cn
keepalive 10 60
writepid $W/server.pid
# verb 4: the plugin logs REMOTE (its PAM_RHOST) and each PAM prompt
verb 4
$extra
plugin $PLUGIN "$args"
EOF
		rm -f "$W/server.pid"
		: >"$W/server.log"
		setsid "$OPENVPN" --config "$W/server.conf" </dev/null >>"$W/server.log" 2>&1 &
		LAUNCH_PIDS="$LAUNCH_PIDS $!"
		SERVER_PID=$!
		for _ in $(seq 100); do
			grep -q 'Initialization Sequence Completed' "$W/server.log" && return 0
			alive "$SERVER_PID" || break
			sleep 0.1
		done
		stop "$SERVER_PID"
		grep -q 'Address already in use' "$W/server.log" || break
	done
	echo "# server log:"
	sed 's/^/#   /' "$W/server.log" | tail -30
	die "openvpn server did not start"
}

server_stop() {
	stop "$SERVER_PID"
	wait "$SERVER_PID" 2>/dev/null
	SERVER_PID=
}

# client_conf FILE [EXTRA...]: the client's config; auth file $W/auth.txt.
client_conf() {
	local f=$1
	shift
	{
		cat <<EOF
client
proto udp4
remote 127.0.0.1 $PORT
dev $CDEV
dev-type tun
disable-dco
ifconfig-noexec
route-noexec
pull-filter ignore "route"
pull-filter ignore "redirect-gateway"
pull-filter ignore "dhcp-option"
ca $W/ca.crt
cert $W/client.crt
key $W/client.key
tls-crypt $W/tc.key
remote-cert-tls server
auth-user-pass $W/auth.txt
auth-nocache
auth-retry none
connect-retry-max 1
writepid $W/client.pid
verb 3
EOF
		printf '%s\n' "$@"
	} >"$f"
}

# wait_client: until the client log shows the tunnel up or AUTH_FAILED, or
# the client ends, or 20 s pass. Sets OUTCOME.
wait_client() {
	local _ gone
	OUTCOME=timeout
	for _ in $(seq 200); do
		# whether it ended is read before the log, so a client that logs
		# AUTH_FAILED and exits between the two is not taken for a crash
		gone=0
		[ -n "$CLIENT_LAUNCH" ] && ! alive "$CLIENT_LAUNCH" && gone=1
		if grep -q 'Initialization Sequence Completed' "$W/client.log"; then
			OUTCOME=connected
			return
		fi
		if grep -q 'AUTH_FAILED' "$W/client.log"; then
			OUTCOME=auth-failed
			return
		fi
		if [ "$gone" = 1 ]; then
			OUTCOME=exited
			return
		fi
		sleep 0.1
	done
}

# client USER PASSWORD [from ADDR]: one client, the password from its
# --auth-user-pass file. Sets OUTCOME.
client() {
	local user=$1 pass=$2 bind=nobind
	[ "${3:-}" = from ] && bind="local $4
lport 0"
	printf '%s\n%s\n' "$user" "$pass" >"$W/auth.txt"
	chmod 600 "$W/auth.txt"
	client_conf "$W/client.conf" "$bind"
	: >"$W/client.log"
	rm -f "$W/client.pid"
	setsid "$OPENVPN" --config "$W/client.conf" </dev/null >>"$W/client.log" 2>&1 &
	CLIENT_LAUNCH=$!
	LAUNCH_PIDS="$LAUNCH_PIDS $!"
	CLIENT_PID=$CLIENT_LAUNCH
	wait_client
}

# client_typed USER PASSWORD CODE: the client has --static-challenge and
# asks for the code on its terminal (a pty made by script(1)); we type CODE
# once the prompt is there. Sets OUTCOME and PROMPTED.
client_typed() {
	local user=$1 pass=$2 code=$3 _
	printf '%s\n%s\n' "$user" "$pass" >"$W/auth.txt"
	chmod 600 "$W/auth.txt"
	client_conf "$W/client.conf" nobind 'static-challenge "Verification code" 1'
	: >"$W/client.log"
	rm -f "$W/client.pid" "$W/tty.in"
	mkfifo "$W/tty.in"
	setsid script -qfec "exec $OPENVPN --config $W/client.conf" /dev/null \
		<"$W/tty.in" >>"$W/client.log" 2>&1 &
	CLIENT_LAUNCH=$!
	LAUNCH_PIDS="$LAUNCH_PIDS $!"
	CLIENT_PID=$CLIENT_LAUNCH
	exec 7>"$W/tty.in"
	TTY_FD_OPEN=1
	PROMPTED=0
	for _ in $(seq 100); do
		if grep -q 'CHALLENGE: Verification code' "$W/client.log"; then
			PROMPTED=1
			break
		fi
		alive "$CLIENT_LAUNCH" || break
		sleep 0.1
	done
	[ "$PROMPTED" = 1 ] && printf '%s\n' "$code" >&7
	wait_client
}

client_stop() {
	[ -s "$W/client.pid" ] && CLIENT_PID="$CLIENT_PID $(cat "$W/client.pid")"
	# shellcheck disable=SC2086 # a list of pids, one word each
	stop $CLIENT_PID
	[ -n "$CLIENT_LAUNCH" ] && wait "$CLIENT_LAUNCH" 2>/dev/null
	if [ "$TTY_FD_OPEN" = 1 ]; then
		exec 7>&-
		TTY_FD_OPEN=0
	fi
	CLIENT_PID=
	CLIENT_LAUNCH=
}

# ---- results

# what a failed case shows besides its problems (tap.sh's result)
show_case() {
	echo "#   audit rows of this case:"
	audit_since "$MARK" "event <> 'admin'" | sed 's/^/#     /'
	echo "#   client log (last 15 lines):"
	tail -n 15 "$W/client.log" | tr -d '\r' | sed 's/^/#     /'
	echo "#   server log, plugin lines of this case:"
	log_since "$W/server.log" "$LMARK" | grep -E 'AUTH-PAM|AUTH_FAILED|auth-token' |
		sed 's/^/#     /'
}
TAP_DIAGNOSE=show_case

# expect_outcome WANT
expect_outcome() {
	[ "$OUTCOME" = "$1" ] || problem "client outcome: $OUTCOME, wanted $1"
}

# ---- setup

pki || die "openssl could not make the certificates"
store || die "otpgate-provision could not make the store"
echo "# $("$OPENVPN" --version | head -1 | cut -d' ' -f1-2), PAM service $SERVICE, work dir $W"

# ==== A0: a plugin name that does not match our prompt
# The plugin matches a name against the start of the prompt (case-insensitive,
# leading non-alphanumerics skipped): "code" is not a prefix of
# "Verification code: ", so the conversation fails and no code arrives.
pam_file a
server_start "" "$SERVICE login USERNAME password PASSWORD code OTP"
echo "# variant A0: plugin \"$SERVICE login USERNAME password PASSWORD code OTP\""
begin "$W/server.log"
client nm1 "$(scrv1 s3cret "$(totp hex "${SECRET[nm1]}")")"
client_stop
expect_outcome auth-failed
expect_rows "auth|failure|no-code|nm1|127.0.0.1|$SERVICE|"
expect_log "query='Verification code: '"
result "A: plugin pair 'code OTP' does not match \"Verification code: \": refused, audited as no-code"
server_stop

# ==== A: static challenge, plugin answers our prompt with the response
server_start "" "$SERVICE login USERNAME password PASSWORD verification OTP"
echo "# variant A: plugin \"$SERVICE login USERNAME password PASSWORD verification OTP\", port $PORT"

wait_margin 8
CODE=$(totp hex "${SECRET[sc1]}")
begin "$W/server.log"
client_typed sc1 s3cret "$CODE"
client_stop
[ "$PROMPTED" = 1 ] || problem "the client never asked 'CHALLENGE: Verification code'"
expect_outcome connected
expect_rows "auth|success|ok|sc1|127.0.0.1|$SERVICE|HW-sc1" \
	"account|success|ok|sc1|127.0.0.1|$SERVICE|"
expect_log "BACKGROUND: REMOTE: 127.0.0.1"
expect_log "parsed static challenge password"
expect_log "query='login:'"
expect_log "query='Password: '"
expect_log "query='Verification code: '"
result "A: code typed at the client's static-challenge prompt: connects; PAM_RHOST 127.0.0.1 audited"

begin "$W/server.log"
client sc1 "$(scrv1 s3cret "$CODE")"
client_stop
expect_outcome auth-failed
expect_rows "auth|failure|replay|sc1|127.0.0.1|$SERVICE|HW-sc1"
result "A: same code again (SCRV1 in the auth-user-pass file): AUTH_FAILED, audited as replay"

begin "$W/server.log"
client sc2 "$(scrv1 s3cret "$(totp wrong-hex "${SECRET[sc2]}")")"
client_stop
expect_outcome auth-failed
expect_rows "auth|failure|bad-code|sc2|127.0.0.1|$SERVICE|"
result "A: wrong code: AUTH_FAILED, audited as bad-code"

begin "$W/server.log"
client sc3 "$(scrv1 s3cret "$(totp hex "${SECRET[sc3]}")")" from 127.0.0.2
client_stop
expect_outcome auth-failed
expect_rows "auth|failure|policy|sc3|127.0.0.2|$SERVICE|"
expect_log "BACKGROUND: REMOTE: 127.0.0.2"
# auth.uniform_refusals (the default): asked like anyone, refused after
expect_log "query='Verification code: '" 1
result "A: client at 127.0.0.2 (outside policy): AUTH_FAILED after the code prompt, audited as policy"

wait_margin 8
CODE=$(totp hex "${SECRET[sc4]}")
begin "$W/server.log"
client sc4 "$(scrv1 wrong "$CODE")"
client_stop
expect_outcome auth-failed
expect_rows
expect_log "query='Verification code: '" 0
FIRST=$TAP_PROBLEMS
TAP_PROBLEMS=
begin "$W/server.log"
client sc4 "$(scrv1 s3cret "$CODE")"
client_stop
if [ -n "$FIRST" ]; then
	TAP_PROBLEMS="$(printf '%s' "$FIRST" | sed 's/^/wrong password: /')
$TAP_PROBLEMS"
fi
expect_outcome connected
expect_rows "auth|success|ok|sc4|127.0.0.1|$SERVICE|HW-sc4" \
	"account|success|ok|sc4|127.0.0.1|$SERVICE|"
result "A: wrong password stops at pam_exec (requisite) before the code: no audit row, same code then connects"

# an invitation code, typed where the user can see no QR code: refused with
# a notice to enrol over SSH (which the plugin logs), and left unspent
INVITE=$(prov invite iv1 | sed -n 's/^invitation code for iv1: //p')
begin "$W/server.log"
client iv1 "$(scrv1 s3cret "$INVITE")"
client_stop
expect_outcome auth-failed
expect_rows "auth|failure|enrol-needs-ssh|iv1|127.0.0.1|$SERVICE|"
expect_log "log in over SSH"
[ "$(sqlite3 "$DB" "SELECT used FROM invitations WHERE \"user\" = 'iv1'")" = 0 ] ||
	problem "the invitation was spent"
result "A: an invitation code through OpenVPN: AUTH_FAILED, told to enrol over SSH, not spent"
server_stop

# ==== B: password and code in one answer
pam_file b
# a short renegotiation interval, and auth-gen-token so that it does not run
# PAM again (hand-window 5 lets reneg-sec be as short as 10)
server_start "auth-gen-token 0
reneg-sec 10
hand-window 5" "$SERVICE"
echo "# variant B: plugin \"$SERVICE\", module \"combined forward_pass\", port $PORT"

wait_margin 8
CODE=$(totp hex "${SECRET[cb1]}")
begin "$W/server.log"
client cb1 "s3cret$CODE"
client_stop
expect_outcome connected
expect_rows "auth|success|ok|cb1|127.0.0.1|$SERVICE|HW-cb1" \
	"account|success|ok|cb1|127.0.0.1|$SERVICE|"
expect_log "BACKGROUND: REMOTE: 127.0.0.1"
expect_log "query='Password and verification code: '"
expect_log "query='" 1
result "B: password+code in one answer: connects after one PAM prompt; audited from 127.0.0.1"

begin "$W/server.log"
client cb1 "s3cret$CODE"
client_stop
expect_outcome auth-failed
expect_rows "auth|failure|replay|cb1|127.0.0.1|$SERVICE|HW-cb1"
result "B: same password+code again: AUTH_FAILED, audited as replay"

begin "$W/server.log"
client cb2 "s3cret$(totp wrong-hex "${SECRET[cb2]}")"
client_stop
expect_outcome auth-failed
expect_rows "auth|failure|bad-code|cb2|127.0.0.1|$SERVICE|"
result "B: wrong code: AUTH_FAILED, audited as bad-code"

begin "$W/server.log"
client cb3 "s3cret$(totp hex "${SECRET[cb3]}")" from 127.0.0.2
client_stop
expect_outcome auth-failed
expect_rows "auth|failure|policy|cb3|127.0.0.2|$SERVICE|"
expect_log "BACKGROUND: REMOTE: 127.0.0.2"
# one prompt, ours (uniform refusals); requisite ends the stack after it
expect_log "query='Password and verification code: '" 1
expect_log "query='" 1
result "B: client at 127.0.0.2 (outside policy): AUTH_FAILED after one prompt, audited as policy"

begin "$W/server.log"
client cb4 "wrong$(totp hex "${SECRET[cb4]}")"
client_stop
expect_outcome auth-failed
expect_rows "auth|success|ok|cb4|127.0.0.1|$SERVICE|HW-cb4"
result "B: right code, wrong password: AUTH_FAILED by pam_exec; the code is spent (auth success, no account row)"

wait_margin 8
begin "$W/server.log"
client cb5 "s3cret$(totp hex "${SECRET[cb5]}")"
[ "$OUTCOME" = connected ] || problem "client outcome: $OUTCOME, wanted connected"
# the server renegotiates after 10 s; with auth-gen-token the client answers
# with the token and PAM is not asked again (it would be a replay)
for _ in $(seq 200); do
	log_since "$W/server.log" "$LMARK" |
		grep -q "auth-token authentication succeeded for username 'cb5'" && break
	grep -q AUTH_FAILED "$W/client.log" && break
	sleep 0.1
done
sleep 0.5
alive "$CLIENT_LAUNCH" || problem "the client is gone after the renegotiation"
grep -q AUTH_FAILED "$W/client.log" && problem "the client got AUTH_FAILED at the renegotiation"
client_stop
expect_rows "auth|success|ok|cb5|127.0.0.1|$SERVICE|HW-cb5" \
	"account|success|ok|cb5|127.0.0.1|$SERVICE|"
expect_log "auth-token authentication succeeded for username 'cb5'"
expect_log "BACKGROUND: USER: cb5" 1
result "B: TLS renegotiation with auth-gen-token: stays up, PAM not run again, no replay"
server_stop

echo "# audit trail of this run (event|result|reason|user|source|service|token):"
audit_since 0 "event <> 'admin'" | sed 's/^/#   /'
tap_done

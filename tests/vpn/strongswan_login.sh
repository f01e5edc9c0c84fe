#!/bin/bash
# strongswan_login.sh BUILD_DIR: VPN logins through a real strongSwan charon
# (IKEv2 EAP-GTC and IKEv1 XAuth, both checked by the xauth-pam plugin) gated
# by the built pam_otpgate.so, using the shipped conf/strongswan files:
# strongswan-otpgate.conf (included as is), swanctl-otpgate.conf (its IKEv1
# block uncommented), pam.d-strongswan and otpgate-strongswan.conf (module
# and file paths pointed at the build and the scratch store).
#
# Isolation: everything runs in a network namespace of its own that has only
# a loopback device (unshare -n): the gateway charon on 127.0.0.1, a client
# charon on 127.0.0.2, no other interface, so nothing leaves the namespace;
# its XFRM state and policies go with it. Each charon also has a mount
# namespace of its own with a private /run (its pid file), and the gateway
# sees private copies of /etc/pam.d (just the "strongswan" service),
# /etc/passwd and /etc/shadow (four test users, password "s3cret"). No file
# outside the scratch directory is created or changed.
#
# charon sets no PAM_RHOST and answers exactly one prompt, with the
# password; so the user sends password+code, pam_otpgate ("combined
# forward_pass") splits it, pam_unix checks the password, and
# auth.allow_no_rhost = true records the source as "local". The last case
# shows that without allow_no_rhost every login is refused as no-source.
#
# Needs root, strongswan (charon, swanctl, libstrongswan-standard-plugins,
# libcharon-extra-plugins) and
# unshare. If no network namespace can be made here, prints "skipped: ..."
# and exits 0. Prints "ok N - ..." lines and "N passed, M failed".
set -u
TESTS=$(cd "$(dirname "$0")/.." && pwd)
NAME=strongswan_login
CHARON=${OTPGATE_CHARON:-/usr/lib/ipsec/charon}
REPO=$(cd "$(dirname "$0")/../.." && pwd)

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

die() { echo "$NAME: $*" >&2; exit 2; }

# ---- outside: checks, scratch dir, then run this script in a new netns
if [ -z "${OG_SS_INNER:-}" ]; then
	BUILD=${1:?usage: tests/vpn/strongswan_login.sh BUILD_DIR}
	B=$(cd "$BUILD" 2>/dev/null && pwd) || die "no such dir: $BUILD"
	[ "$(id -u)" = 0 ] || die "must run as root (namespaces, charon)"
	for f in pam_otpgate.so otpgate-provision; do
		[ -e "$B/$f" ] || die "$B/$f is missing (run make)"
	done
	for p in swanctl openssl sqlite3 python3 unshare mount ip; do
		command -v "$p" >/dev/null || die "$p not found (apt-get install strongswan strongswan-swanctl libcharon-extra-plugins)"
	done
	[ -x "$CHARON" ] || die "$CHARON not found (apt-get install strongswan)"
	# every plugin the gateway and client configs below load; openssl and
	# xauth-generic come in packages that apt only recommends
	for p in random nonce openssl pem x509 pubkey pkcs1 pkcs8 constraints sha1 sha2 hmac \
		kdf kernel-netlink socket-default vici eap-identity eap-gtc xauth-generic xauth-pam; do
		[ -e "/usr/lib/ipsec/plugins/libstrongswan-$p.so" ] ||
			die "strongSwan plugin $p missing (scripts/install-deps installs it)"
	done
	if ! why=$(unshare -n -m --propagation private true 2>&1); then
		echo "skipped: cannot make network and mount namespaces: $why"
		exit 0
	fi
	scratch otpgate-ss
	W=$T
	child=
	# the inner part stops its charons itself; on a signal, they and it are
	# stopped from here
	# shellcheck disable=SC2317 # run at exit, through on_exit
	stop_inner() { stop "$child"; }
	on_exit stop_inner
	OG_SS_INNER=1 OG_SS_W=$W OG_SS_B=$B unshare -n bash "$0" "$@" &
	child=$!
	wait "$child"
	rc=$?
	child=
	exit $rc
fi

# ---- inside the private network namespace
W=$OG_SS_W
B=$OG_SS_B
SERVICE=strongswan
CHARONS=""
stop_charons() {
	# shellcheck disable=SC2086 # a list of pids, one word each
	stop $CHARONS
}
cleanup_traps
on_exit stop_charons
AUDIT_DB=$W/otpgate.db

ip link set lo up || die "cannot bring up lo in the new namespace"
CONF=$W/otpgate-strongswan.conf
DB=$W/otpgate.db

# ---- certificates: a CA, the gateway (vpn.example.org, as in the shipped
# swanctl snippet) and a client (for IKEv1's first round). RSA: with ECDSA
# keys charon 5.9.8 did not find the client's key for IKEv1 Main Mode
# ("no RSA private key found"); IKEv2 works with either.
mkdir -p "$W/gw/x509" "$W/gw/x509ca" "$W/gw/pkcs8" "$W/cl/x509" "$W/cl/x509ca" "$W/cl/pkcs8"
ca_make "$W" "otpgate-ss-test-ca-$$" || die "openssl failed"
ca_issue "$W" gw vpn.example.org serverAuth,1.3.6.1.5.5.8.2.2 rsa vpn.example.org || die "openssl failed"
ca_issue "$W" cl client.example.org clientAuth rsa client.example.org || die "openssl failed"
cp "$W/gw.crt" "$W/gw/x509/vpn-gateway.crt"
cp "$W/gw.key" "$W/gw/pkcs8/vpn-gateway.key"
cp "$W/ca.crt" "$W/gw/x509ca/"
cp "$W/cl.crt" "$W/cl/x509/client.crt"
cp "$W/cl.key" "$W/cl/pkcs8/client.key"
cp "$W/ca.crt" "$W/cl/x509ca/"

# ---- otpgate: the shipped strongSwan config, pointed at a scratch store;
# and a strict one without allow_no_rhost, for the last case
umask 077
sed -e "s|/var/lib/otpgate/otpgate.db|$DB|" -e "s|/etc/otpgate/master.key|$W/master.key|" \
	"$REPO/conf/strongswan/otpgate-strongswan.conf" >"$CONF"
sed -e 's|^auth = { allow_no_rhost = true; };|# (allow_no_rhost left at false)|' \
	-e 's|allow_from = \[ \]|allow_from = [ "127.0.0.0/8" ]|' "$CONF" >"$W/otpgate-strict.conf"
umask 022
grep -q 'allow_no_rhost = true' "$CONF" || die "the shipped otpgate-strongswan.conf lost allow_no_rhost"
"$B/otpgate-provision" -c "$CONF" init >/dev/null || die "otpgate-provision init failed"
USERS="alice bob carol dave erin"
declare -A SECRET
echo "user,serial,secret" >"$W/tokens.csv"
for u in $USERS; do
	SECRET[$u]=$(openssl rand -hex 20)
	echo "$u,HW-$u,${SECRET[$u]}" >>"$W/tokens.csv"
done
"$B/otpgate-provision" -c "$CONF" import --format csv "$W/tokens.csv" >/dev/null ||
	die "otpgate-provision import failed"

# ---- the gateway's private /etc: PAM services, passwd, shadow
mkdir -p "$W/etc/pam.d"
sed -e "s|pam_otpgate.so config=/etc/otpgate/strongswan.conf|$B/pam_otpgate.so config=$CONF|" \
	"$REPO/conf/strongswan/pam.d-strongswan" >"$W/etc/pam.d/$SERVICE"
grep -q "^auth .*$B/pam_otpgate.so config=$CONF combined forward_pass" "$W/etc/pam.d/$SERVICE" ||
	die "unexpected conf/strongswan/pam.d-strongswan"
sed "s|config=$CONF|config=$W/otpgate-strict.conf|" "$W/etc/pam.d/$SERVICE" \
	>"$W/etc/pam.d/$SERVICE-strict"
cp /etc/passwd "$W/etc/passwd"
cp /etc/shadow "$W/etc/shadow"
HASH=$(openssl passwd -6 s3cret)
uid=61000
for u in $USERS; do
	grep -q "^$u:" "$W/etc/passwd" && die "user $u exists on this host; the test needs the name"
	echo "$u:x:$uid:$uid:otpgate test:/nonexistent:/usr/sbin/nologin" >>"$W/etc/passwd"
	echo "$u:$HASH:19000:0:99999:7:::" >>"$W/etc/shadow"
	uid=$((uid + 1))
done
chmod 640 "$W/etc/shadow"

# ---- strongswan.conf for gateway and client; the gateway includes the
# shipped settings file as is
# strongswan_conf SIDE PORT EXTRA
strongswan_conf() {
	cat >"$W/$1-strongswan.conf" <<EOF
charon {
    port = $2
    port_nat_t = $(( $2 == 0 ? 0 : 4500 ))
    install_routes = no
    install_virtual_ip = no
    load = random nonce openssl pem x509 pubkey pkcs1 pkcs8 constraints sha1 sha2 hmac kdf kernel-netlink socket-default vici eap-identity eap-gtc xauth-generic xauth-pam
    filelog {
        $1 {
            path = $W/$1.log
            flush_line = yes
            default = 1
            ike = 2
        }
    }
    syslog {
        daemon {
            default = -1
        }
        auth {
            default = -1
        }
    }
    plugins {
        vici {
            socket = unix://$W/$1.vici
        }
    }
}
swanctl {
    load = pem pkcs1 pkcs8 x509 constraints pubkey openssl random
}
$3
EOF
}
gw_settings() {	# [PAM_SERVICE]: the shipped file, then an override
	local over=""
	[ -n "${1:-}" ] && over="charon {
    plugins {
        xauth-pam {
            pam_service = $1
        }
    }
}"
	strongswan_conf gw 500 "include $REPO/conf/strongswan/strongswan-otpgate.conf
$over"
}
gw_settings
strongswan_conf cl 0 ""

# the shipped swanctl snippet, IKEv1 block uncommented
sed -e '/#otpgate-ikev1 {/,/#}/s/^\(\s*\)#/\1/' "$REPO/conf/strongswan/swanctl-otpgate.conf" \
	>"$W/gw/swanctl.conf"
grep -q '^    otpgate-ikev1 {' "$W/gw/swanctl.conf" || die "could not enable the IKEv1 block"

# charon_start SIDE: charon in its own mount namespace; the gateway sees
# the private /etc files
charon_start() {
	local side=$1 binds="" _
	[ "$side" = gw ] && binds="mount --bind $W/etc/pam.d /etc/pam.d &&
		mount --bind $W/etc/passwd /etc/passwd && mount --bind $W/etc/shadow /etc/shadow &&"
	rm -f "$W/$side.vici"
	unshare -m --propagation private bash -c "mount -t tmpfs tmpfs /run && $binds
		exec env STRONGSWAN_CONF=$W/$side-strongswan.conf $CHARON" \
		>"$W/$side.out" 2>&1 &
	CHARONS="$CHARONS $!"
	for _ in $(seq 100); do
		[ -S "$W/$side.vici" ] && return 0
		sleep 0.1
	done
	cat "$W/$side.out" >&2
	die "charon ($side) did not start"
}

sw() {	# SIDE ARGS...
	local side=$1
	shift
	STRONGSWAN_CONF=$W/$side-strongswan.conf swanctl "$@" --uri "unix://$W/$side.vici"
}

# client_conf USER PASSWORD: both client connections for USER
client_conf() {
	cat >"$W/cl/swanctl.conf" <<EOF
connections {
    gtc {
        version = 2
        local_addrs = 127.0.0.2
        remote_addrs = 127.0.0.1
        childless = force
        local {
            auth = eap-gtc
            eap_id = $1
        }
        remote {
            auth = pubkey
            id = vpn.example.org
        }
    }
    xauth {
        version = 1
        local_addrs = 127.0.0.2
        remote_addrs = 127.0.0.1
        local {
            auth = pubkey
            certs = client.crt
            id = client.example.org
        }
        local-xauth {
            auth = xauth
            xauth_id = $1
        }
        remote {
            auth = pubkey
            id = vpn.example.org
        }
        children {
            xauth {
                remote_ts = 10.20.0.0/16
                start_action = none
            }
        }
    }
}
secrets {
    eap-user {
        id = $1
        secret = "$2"
    }
    xauth-user {
        id = $1
        secret = "$2"
    }
}
EOF
	sw cl --load-all --clear --file "$W/cl/swanctl.conf" >"$W/cl-load.out" 2>&1 ||
		{ cat "$W/cl-load.out" >&2; die "client swanctl --load-all failed"; }
}

# what a failed case shows besides its problems (tap.sh's result)
show_case() {
	echo "#   audit rows of this case:"
	audit_since "$MARK" "event <> 'admin'" | sed 's/^/#     /'
	echo "#   client: $(tr '\n' ' ' <"$W/initiate.out" | cut -c1-300)"
	echo "#   gateway log, PAM and EAP lines of this case:"
	log_since "$W/gw.log" "$LMARK" | grep -E 'PAM|pam_|EAP|XAuth|AUTH' | sed 's/^/#     /'
}
TAP_DIAGNOSE=show_case

# ike2 USER PASSWORD / ike1 USER PASSWORD: one login; sets UP (1 if the
# IKE_SA was established)
ike2() {
	client_conf "$1" "$2"
	sw cl --initiate --ike gtc --timeout 15 >"$W/initiate.out" 2>&1
	if grep -q 'initiate completed successfully' "$W/initiate.out"; then UP=1; else UP=0; fi
	sw cl --terminate --ike gtc --timeout 10 >/dev/null 2>&1
}
# IKEv1: Main Mode, then XAuth, then Quick Mode for the CHILD_SA. swanctl may
# report the CHILD_SA's fate before XAuth is done, and the CHILD_SA itself
# fails here (the gateway's pool address is not on the client), so this
# waits for the gateway's XAuth verdict and looks for the IKE_SA.
ike1() {
	local _
	client_conf "$1" "$2"
	sw cl --initiate --child xauth --timeout 20 >"$W/initiate.out" 2>&1
	for _ in $(seq 100); do
		log_since "$W/gw.log" "$LMARK" |
			grep -qE "XAuth authentication of '$1' successful|pam_authenticate for '$1' failed" &&
			break
		sleep 0.1
	done
	sleep 0.3
	if grep -qE "IKE_SA xauth\[[0-9]+\] established" "$W/cl.log"; then UP=1; else UP=0; fi
	sw cl --terminate --ike xauth --timeout 10 >/dev/null 2>&1
}

charon_start gw
charon_start cl
sw gw --load-all --file "$W/gw/swanctl.conf" >"$W/gw-load.out" 2>&1 ||
	{ cat "$W/gw-load.out" >&2; die "gateway swanctl --load-all failed"; }
if ! grep -q "loaded connection 'otpgate-ikev2'" "$W/gw-load.out" ||
	! grep -q "loaded connection 'otpgate-ikev1'" "$W/gw-load.out"; then
	cat "$W/gw-load.out" >&2
	die "the shipped swanctl connections did not load"
fi
echo "# $("$CHARON" --version 2>/dev/null | head -1), gateway 127.0.0.1 and client 127.0.0.2 in a private netns; PAM service $SERVICE"

wait_margin 8
CODE=$(totp hex "${SECRET[alice]}")
begin "$W/gw.log"
ike2 alice "s3cret$CODE"
[ "$UP" = 1 ] || problem "the IKE_SA was not established"
expect_rows "auth|success|ok|alice|local|$SERVICE|HW-alice" \
	"account|success|ok|alice|local|$SERVICE|"
result "IKEv2 EAP-GTC, password+code: established; audited with source local (no PAM_RHOST)"

begin "$W/gw.log"
ike2 alice "s3cret$CODE"
[ "$UP" = 0 ] || problem "the IKE_SA was established"
expect_rows "auth|failure|replay|alice|local|$SERVICE|HW-alice"
expect_log "XAuth pam_authenticate for 'alice' failed"
result "IKEv2 EAP-GTC, same password+code again: refused, audited as replay"

begin "$W/gw.log"
ike2 bob "s3cret$(totp wrong-hex "${SECRET[bob]}")"
[ "$UP" = 0 ] || problem "the IKE_SA was established"
expect_rows "auth|failure|bad-code|bob|local|$SERVICE|"
result "IKEv2 EAP-GTC, wrong code: refused, audited as bad-code"

begin "$W/gw.log"
ike2 carol "wrong$(totp hex "${SECRET[carol]}")"
[ "$UP" = 0 ] || problem "the IKE_SA was established"
expect_rows "auth|success|ok|carol|local|$SERVICE|HW-carol"
result "IKEv2 EAP-GTC, right code, wrong password: refused by pam_unix; the code is spent"

wait_margin 8
begin "$W/gw.log"
ike1 dave "s3cret$(totp hex "${SECRET[dave]}")"
[ "$UP" = 1 ] || problem "the IKE_SA was not established"
expect_rows "auth|success|ok|dave|local|$SERVICE|HW-dave" \
	"account|success|ok|dave|local|$SERVICE|"
expect_log "PAM authentication of 'dave' successful"
expect_log "XAuth authentication of 'dave' successful"
result "IKEv1 XAuth (xauth-pam), password+code: IKE_SA established; audited with source local"

# the same stack with a config that keeps allow_no_rhost off
gw_settings "$SERVICE-strict"
sw gw --reload-settings >/dev/null || die "swanctl --reload-settings failed"
begin "$W/gw.log"
ike2 erin "s3cret$(totp hex "${SECRET[erin]}")"
[ "$UP" = 0 ] || problem "the IKE_SA was established"
expect_rows "auth|failure|no-source|erin||$SERVICE-strict|"
result "without auth.allow_no_rhost: every strongSwan login is refused as no-source"

# the shipped settings leave xauth-pam.session unset: no PAM session calls
# (with this stack they would fail and be logged)
begin "$W/gw.log"
LMARK=0
if grep -E 'pam_(open|close)_session' "$W/gw.log" >/dev/null; then
	problem "charon called PAM session functions: $(grep -cE 'pam_(open|close)_session' "$W/gw.log") log line(s)"
fi
result "the shipped strongswan-otpgate.conf keeps PAM sessions off"

echo "# audit trail of this run (event|result|reason|user|source|service|token):"
audit_since 0 "event <> 'admin'" | sed 's/^/#   /'
tap_done

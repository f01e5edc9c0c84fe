# shellcheck shell=bash
# sshd-lib.sh: a private sshd on 127.0.0.1 gated by the built pam_otpgate.so,
# in a scratch directory. Sourced (bash) by tests/e2e/sshd_login.sh and
# scripts/demo; nothing here runs on its own.
#
# What it creates, and og_cleanup removes (also on failure or a signal):
#   - one temporary directory ($OG_WORK) with config, store, master key,
#     keys, sshd_config, logs and a symlink $OG_WORK/$OG_SERVICE -> sshd;
#   - one file outside it, /etc/pam.d/$OG_SERVICE, where OG_SERVICE is
#     "<prefix>-<pid of the script>" and so unique;
#   - /run/sshd (sshd's privilege separation directory), only if missing;
#     removed again if empty and no other run of this lib is active;
#   - the sshd process (the listener and whatever it forked).
# sshd names its PAM service after the program name it was started under
# (__progname), so starting it through the symlink selects our PAM file;
# the system's sshd, its config and /etc/pam.d/sshd are never touched.
#
# Usage:
#   OG_BUILD=/abs/build; og_setup PREFIX      # temp dir, traps, OG_* names
#   og_write_conf ALLOW...                    # otpgate.conf (policy allow_from)
#   og_prov init                              # otpgate-provision -c $OG_CONF ...
#   og_sshd_start LOGIN_USER                  # keys, sshd_config, PAM file, sshd
#   og_ssh_login USER CODE [SSH_OPTS...]      # one non-interactive login
# It sources the shared test helpers of tests/lib: proc.sh (T is $OG_WORK;
# on_exit, stop, nap, bg_wait, free_port), otp.sh (totp, step_left,
# wait_margin) and audit.sh (audit_max, audit_since, audit_where on $OG_DB).
# Optional: OG_CONF_EXTRA (lines added to otpgate.conf), OG_SSHD_EXTRA (lines
# added to sshd_config), OG_AUTHORIZED_KEYS_FILE (instead of pub/authorized_keys),
# SCRATCH_INT_STATUS (the exit status after Ctrl-C, 130), OTPGATE_TEST_DAEMON
# (otpgated's socket, set by tests/daemon/with-otpgated: the module's lines
# get the daemon argument).
# A function og_cleanup_hook, if the caller defines one, runs after cleanup.

OG_SSHD_BIN=${OG_SSHD_BIN:-/usr/sbin/sshd}
OG_DAEMON_ARG=${OTPGATE_TEST_DAEMON:+ daemon=$OTPGATE_TEST_DAEMON}
TESTLIB=$(cd "$(dirname "${BASH_SOURCE[0]}")/../lib" && pwd)
# shellcheck source=tests/lib/proc.sh
. "$TESTLIB/proc.sh"
# shellcheck source=tests/lib/otp.sh
. "$TESTLIB/otp.sh"
# shellcheck source=tests/lib/audit.sh
. "$TESTLIB/audit.sh"
OG_WORK=
OG_SERVICE=
OG_PAM_FILE=
OG_PAM_CREATED=0
OG_PRIVSEP_CREATED=0
OG_SSHD_PID=
OG_SSHD_LAUNCH_PID=
OG_PORT=

og_log() { printf '%s\n' "$*" >&2; }
og_die() { og_log "${OG_NAME:-sshd-lib}: $*"; exit 1; }

# Stops the sshd listener, the sessions it forked and its launcher.
og_sshd_stop() {
	stop "$OG_SSHD_PID" "$OG_SSHD_LAUNCH_PID"
	OG_SSHD_PID=
	OG_SSHD_LAUNCH_PID=
}

# Run at exit (proc.sh runs it, then removes what is left of $OG_WORK).
og_cleanup() {
	og_sshd_stop
	if [ "$OG_PAM_CREATED" = 1 ] && [ -n "$OG_PAM_FILE" ]; then
		rm -f -- "$OG_PAM_FILE"
	fi
	# /run/sshd, if we made it, unless another run of ours still uses it
	if [ "$OG_PRIVSEP_CREATED" = 1 ] &&
	   ! grep -qs '^# temporary: .*(otpgate e2e/demo' /etc/pam.d/otpgate-*; then
		rmdir /run/sshd 2>/dev/null
	fi
	if [ -n "$OG_WORK" ] && [ -d "$OG_WORK" ]; then
		rm -rf -- "$OG_WORK"
		# the caller's last word, if it has one
		if declare -F og_cleanup_hook >/dev/null; then og_cleanup_hook; fi
	fi
	return 0
}

# Creates the work dir ($OG_WORK, which is T) and names; installs the cleanup traps.
og_setup() {
	local prefix=${1:?og_setup PREFIX}
	[ -n "${OG_BUILD:-}" ] || og_die "OG_BUILD is not set"
	case $OG_BUILD in /*) ;; *) og_die "build dir must be absolute: $OG_BUILD" ;; esac
	for f in pam_otpgate.so otpgate-provision; do
		[ -e "$OG_BUILD/$f" ] || og_die "$OG_BUILD/$f is missing (run make)"
	done
	[ "$(id -u)" = 0 ] || og_die "must run as root (it starts sshd and writes /etc/pam.d/$prefix-PID)"
	for p in "$OG_SSHD_BIN" ssh ssh-keygen sqlite3 python3 setsid timeout; do
		command -v "$p" >/dev/null || og_die "$p not found (make deps)"
	done
	umask 077	# the scratch dir holds secrets, codes and keys
	scratch "$prefix"
	on_exit og_cleanup
	OG_WORK=$T
	OG_SERVICE="$prefix-$$"
	OG_PAM_FILE="/etc/pam.d/$OG_SERVICE"
	OG_CONF="$OG_WORK/otpgate.conf"
	OG_DB="$OG_WORK/otpgate.db"
	OG_KEY="$OG_WORK/id_ed25519"
	OG_SSHD_LOG="$OG_WORK/sshd.log"
	AUDIT_DB=$OG_DB
}

# Writes otpgate.conf; its policy lets every user in from the given CIDRs.
og_write_conf() {
	local allow="" c
	for c in "$@"; do allow="$allow${allow:+, }\"$c\""; done
	cat >"$OG_CONF.new" <<EOF
store = { backend = "sqlite"; path = "$OG_DB"; };
master_key = "$OG_WORK/master.key";
networks = { allowed = [ $allow ]; };
policy = ( { match = "*"; allow_from = [ "allowed" ]; } );
lockout = { max_failures = 5; interval = "10m"; lock_for = "15m"; };
audit = { syslog = false; store = true; };
${OG_CONF_EXTRA:-}
EOF
	chmod 600 "$OG_CONF.new" && mv -f "$OG_CONF.new" "$OG_CONF"
}

og_prov() { "$OG_BUILD/otpgate-provision" -c "$OG_CONF" "$@"; }

# Writes sshd_config for login user $1 on port $OG_PORT.
og_sshd_config() {
	local permit_root=no
	[ "$1" = root ] && permit_root=yes
	cat >"$OG_WORK/sshd_config" <<EOF
# private sshd for $OG_SERVICE (PAM service $OG_SERVICE)
ListenAddress 127.0.0.1
Port $OG_PORT
HostKey $OG_WORK/host_ed25519
PidFile $OG_WORK/sshd.pid
UsePAM yes
KbdInteractiveAuthentication yes
PasswordAuthentication no
PubkeyAuthentication yes
AuthenticationMethods publickey,keyboard-interactive
AuthorizedKeysFile ${OG_AUTHORIZED_KEYS_FILE:-$OG_WORK/pub/authorized_keys}
${OG_SSHD_EXTRA:-}
StrictModes no
PermitRootLogin $permit_root
AllowUsers $1
LogLevel VERBOSE
UseDNS no
LoginGraceTime 30
X11Forwarding no
AllowTcpForwarding no
AllowAgentForwarding no
PermitTunnel no
PrintMotd no
EOF
}

# Starts the listener through the symlink; 0 once it listens, 1 if the
# port was taken meanwhile, dies on other errors.
og_sshd_launch() {
	: >"$OG_SSHD_LOG"
	rm -f "$OG_WORK/sshd.pid"
	# own session: a Ctrl-C on the terminal reaches us, not sshd
	setsid "$OG_WORK/$OG_SERVICE" -D -e -f "$OG_WORK/sshd_config" \
		</dev/null >>"$OG_SSHD_LOG" 2>&1 &
	OG_SSHD_LAUNCH_PID=$!
	# the pid file is written once the socket is bound
	for _ in $(seq 100); do
		if [ -s "$OG_WORK/sshd.pid" ]; then
			OG_SSHD_PID=$(cat "$OG_WORK/sshd.pid")
			break
		fi
		alive "$OG_SSHD_LAUNCH_PID" || break
		sleep 0.1
	done
	if [ -n "$OG_SSHD_PID" ] && alive "$OG_SSHD_PID"; then
		return 0
	fi
	og_sshd_stop
	if grep -q 'Address already in use' "$OG_SSHD_LOG"; then
		return 1
	fi
	cat "$OG_SSHD_LOG" >&2
	og_die "sshd did not start"
}

# Keys, sshd_config, the PAM file and the sshd listener for login user $1.
og_sshd_start() {
	local user=${1:?og_sshd_start LOGIN_USER} try
	ssh-keygen -q -N '' -t ed25519 -C "otpgate host key" -f "$OG_WORK/host_ed25519" ||
		og_die "ssh-keygen (host key) failed"
	ssh-keygen -q -N '' -t ed25519 -C "otpgate $user" -f "$OG_KEY" ||
		og_die "ssh-keygen (user key) failed"
	# sshd reads authorized_keys as the login user: let a non-root one
	# through the dir (only to pub/ and its own key; the rest stays 0600)
	mkdir -m 755 "$OG_WORK/pub"
	install -m 644 "$OG_KEY.pub" "$OG_WORK/pub/authorized_keys"
	if [ "$user" != root ]; then
		chmod 711 "$OG_WORK"
		chown "$user" "$OG_KEY" "$OG_KEY.pub"
	fi
	[ -e "$OG_PAM_FILE" ] && og_die "$OG_PAM_FILE exists already; not overwriting it"
	(
		set -o noclobber
		cat >"$OG_PAM_FILE" <<EOF
# temporary: $OG_SERVICE (otpgate e2e/demo, pid $$); removed on exit
auth    required $OG_BUILD/pam_otpgate.so config=$OG_CONF$OG_DAEMON_ARG
account required $OG_BUILD/pam_otpgate.so config=$OG_CONF$OG_DAEMON_ARG
session optional $OG_BUILD/pam_otpgate.so config=$OG_CONF$OG_DAEMON_ARG
session required pam_permit.so
EOF
	) || og_die "cannot write $OG_PAM_FILE"
	OG_PAM_CREATED=1
	chmod 644 "$OG_PAM_FILE"
	# privilege separation dir: sshd -t and every connection need it
	# (made after our PAM file, which tells other runs it is in use)
	if [ ! -d /run/sshd ]; then
		if mkdir -m 755 /run/sshd 2>/dev/null; then
			OG_PRIVSEP_CREATED=1
		else
			[ -d /run/sshd ] || og_die "cannot create /run/sshd"
		fi
	fi
	ln -s "$OG_SSHD_BIN" "$OG_WORK/$OG_SERVICE"
	# the free port may be taken before sshd binds it: try another
	for try in 1 2 3; do
		OG_PORT=$(free_port tcp) || og_die "no free port"
		og_sshd_config "$user"
		"$OG_SSHD_BIN" -t -f "$OG_WORK/sshd_config" ||
			og_die "sshd -t rejected $OG_WORK/sshd_config"
		og_sshd_launch && break
		[ "$try" = 3 ] && og_die "sshd found no free port"
	done
	# the listener runs under our program name, so PAM uses our service
	if [ "$(cat "/proc/$OG_SSHD_PID/comm" 2>/dev/null)" != "${OG_SERVICE:0:15}" ]; then
		og_die "sshd runs as '$(cat "/proc/$OG_SSHD_PID/comm")', not $OG_SERVICE"
	fi
	cat >"$OG_WORK/askpass" <<EOF
#!/bin/sh
# answers ssh's keyboard-interactive prompt; records the prompt it was asked
printf '%s\n' "\$1" >>"$OG_WORK/askpass.log"
case \$1 in
*"Next verification code: ") cat "$OG_WORK/next" ;;
*) cat "$OG_WORK/code" ;;
esac
EOF
	chmod 700 "$OG_WORK/askpass"
}

# The ssh command line a person would type (without the remote command).
og_ssh_cmd() {
	local user=$1
	echo "ssh -F /dev/null -p $OG_PORT -i $OG_KEY -o IdentitiesOnly=yes" \
	     "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null $user@127.0.0.1"
}

# og_ssh_login USER CODE [SSH_OPTS...]: runs "true" over ssh without a tty,
# answering "Verification code: " with CODE through SSH_ASKPASS (and "Next
# verification code: " with $OG_WORK/next, when a test writes it). Returns
# ssh's exit status; the prompts asked are in $OG_WORK/askpass.log, ssh's
# stderr in $OG_WORK/ssh.err. OG_SSH_LOGLEVEL (ERROR) is ssh's LogLevel: at
# INFO ssh prints what the server tells the user at the prompt.
og_ssh_login() {
	local user=$1 code=$2
	shift 2
	printf '%s\n' "$code" >"$OG_WORK/code"
	: >"$OG_WORK/askpass.log"
	bg_wait og_ssh "$user" true -T "$@" </dev/null >"$OG_WORK/ssh.out" 2>"$OG_WORK/ssh.err"
}

# og_ssh USER COMMAND [SSH_OPTS...]: the ssh of og_ssh_login (at most 30 s;
# the code already in $OG_WORK/code), in the foreground; COMMAND "": a shell.
og_ssh() {
	local user=$1 command=$2
	shift 2
	env -u SSH_AUTH_SOCK SSH_ASKPASS="$OG_WORK/askpass" SSH_ASKPASS_REQUIRE=force \
		DISPLAY="${DISPLAY:-:0}" \
		timeout 30 setsid -w ssh -F /dev/null -p "$OG_PORT" -i "$OG_KEY" \
		-o IdentitiesOnly=yes -o IdentityAgent=none \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
		-o GlobalKnownHostsFile=/dev/null -o LogLevel="${OG_SSH_LOGLEVEL:-ERROR}" \
		-o BatchMode=no -o PreferredAuthentications=publickey,keyboard-interactive \
		-o KbdInteractiveAuthentication=yes -o PasswordAuthentication=no \
		-o NumberOfPasswordPrompts=1 -o ConnectTimeout=10 "$@" "$user@127.0.0.1" ${command:+"$command"}
}

# Audit rows after id, readable, with time, for people.
og_audit_show() {
	sqlite3 -header -column "$OG_DB" "SELECT id, datetime(ts, 'unixepoch', 'localtime')
		AS time, event, result, reason, user, source, service, token FROM audit_named
		WHERE id > ${1:-0} ORDER BY id"
}

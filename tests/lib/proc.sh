# shellcheck shell=sh
# proc.sh: what a test starts, and stops and removes again (sourced, by sh
# and bash alike).
#
#   scratch PREFIX     makes T=/tmp/PREFIX-XXXXXX (mode 0700), removed at exit,
#                      and sets the traps (cleanup_traps)
#   cleanup_traps      on exit, and on INT (exit $SCRATCH_INT_STATUS, 130),
#                      TERM or HUP (exit 143): runs the on_exit commands, then
#                      removes T if there is one
#   on_exit CMD        runs CMD (a command or function without arguments) at
#                      exit; the last added first
#   alive PID          PID runs (a zombie does not)
#   descendants PID    the processes under PID, deepest first
#   stop PID...        TERM each PID and what it forked, KILL what is left after
#                      5 s, and reap them. With STOP_MARK set, only processes whose
#                      command line holds it (so a recycled pid is never touched)
#   bg_wait CMD...     runs CMD in the background and waits for it, so that a
#                      signal runs the cleanup at once; CMD's exit status
#   nap SECONDS        sleeps as bg_wait does
#   poll N CMD...      CMD every 0.1 s, at most N times, until it succeeds
#   free_port tcp|udp  a port free on 127.0.0.1 now
#
# Variables of these functions start with _p, so a caller's stay as they are.

SCRATCH_HOOKS=
SCRATCH_DONE=0
SCRATCH_INT_STATUS=${SCRATCH_INT_STATUS:-130}
STOP_MARK=${STOP_MARK:-}
BG_PID=

scratch() {
	T=$(mktemp -d "/tmp/$1-XXXXXX") || { echo "$1: mktemp failed" >&2; exit 2; }
	chmod 700 "$T"
	cleanup_traps
}

cleanup_traps() {
	trap 'scratch_cleanup' EXIT
	trap 'scratch_cleanup; trap - EXIT; exit "$SCRATCH_INT_STATUS"' INT
	trap 'scratch_cleanup; trap - EXIT; exit 143' TERM HUP
}

on_exit() {
	SCRATCH_HOOKS="$1
$SCRATCH_HOOKS"
}

scratch_cleanup() {
	[ "$SCRATCH_DONE" = 1 ] && return 0
	SCRATCH_DONE=1
	if [ -n "$BG_PID" ]; then	# our own child: no STOP_MARK needed
		_pmark=$STOP_MARK
		STOP_MARK=
		stop "$BG_PID"
		STOP_MARK=$_pmark
	fi
	eval "$SCRATCH_HOOKS"
	[ -n "${T:-}" ] && [ -d "$T" ] && rm -rf -- "$T"
	return 0
}

alive() {
	_pst=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	_pst=${_pst##*") "}	# the fields after "(comm) ": state ppid ...
	[ "${_pst%% *}" != Z ]
}

descendants() {
	# "pid ppid" of every process; comm may hold spaces and parentheses
	cat /proc/[0-9]*/stat 2>/dev/null |
		sed -n 's/^\([0-9]*\) .*) [A-Za-z] \([0-9]*\) .*/\1 \2/p' |
		awk -v root="$1" '{ kids[$2] = kids[$2] " " $1 }
			function walk(p,   n, k, i) {
				n = split(kids[p], k, " ")
				for (i = 1; i <= n; i++) { walk(k[i]); print k[i] }
			}
			END { walk(root) }'
}

# ours PID: STOP_MARK is unset, or in PID's command line
ours() {
	[ -z "$STOP_MARK" ] || tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -qF -- "$STOP_MARK"
}

stop() {
	_ppids=
	for _pp in "$@"; do
		if [ -z "$_pp" ] || ! alive "$_pp" || ! ours "$_pp"; then continue; fi
		for _pq in $(descendants "$_pp") "$_pp"; do
			ours "$_pq" && _ppids="$_ppids $_pq"
		done
	done
	_pleft=$_ppids
	if [ -n "$_ppids" ]; then
		# shellcheck disable=SC2086 # a list of pids, one word each
		kill -TERM $_ppids 2>/dev/null
		_pn=0
		while [ "$_pn" -lt 50 ]; do
			_pleft=
			for _pp in $_ppids; do alive "$_pp" && _pleft="$_pleft $_pp"; done
			[ -z "$_pleft" ] && break
			sleep 0.1
			_pn=$((_pn + 1))
		done
	fi
	# shellcheck disable=SC2086 # a list of pids, one word each
	[ -n "$_pleft" ] && kill -KILL $_pleft 2>/dev/null
	# our own children are reaped; wait says nothing of others
	for _pp in "$@"; do [ -n "$_pp" ] && wait "$_pp" 2>/dev/null; done
	return 0
}

bg_wait() {
	"$@" &
	BG_PID=$!
	wait "$BG_PID"
	_prc=$?
	BG_PID=
	return "$_prc"
}

nap() { bg_wait sleep "$1"; }

poll() {
	_pn=$1
	shift
	while [ "$_pn" -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		_pn=$((_pn - 1))
	done
	return 1
}

free_port() {
	python3 -c 'import socket, sys
kind = {"tcp": socket.SOCK_STREAM, "udp": socket.SOCK_DGRAM}[sys.argv[1]]
s = socket.socket(socket.AF_INET, kind)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()' "$1"
}

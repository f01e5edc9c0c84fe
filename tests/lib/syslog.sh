# shellcheck shell=sh
# syslog.sh: what a command sends to syslog, caught (sourced, by sh and
# bash alike; needs T and TESTLIB). The command runs in a mount namespace
# of its own, in which /dev is a directory under T holding null, zero,
# urandom and the socket "log" that tests/lib/syslog-sink reads: nothing
# outside the test sees it, and the host's /dev/log is left alone.
#
#   syslog_of LOG CMD...   runs CMD (stdin, stdout and stderr as given);
#                          each syslog message it sends, one a line, is
#                          appended to LOG; CMD's exit status (125: no
#                          namespace could be made)

# shellcheck disable=SC2016 # the inner shell expands its own arguments
syslog_of() {
	_slog=$1
	shift
	unshare -m --propagation private sh -c '
		t=$1 log=$2 sink=$3
		shift 3
		d=$(mktemp -d "$t/dev-XXXXXX") && chmod 755 "$d" || exit 125
		for n in null zero urandom; do
			: >"$d/$n" && mount --bind "/dev/$n" "$d/$n" || exit 125
		done
		"$sink" "$d/log" "$log" &
		spid=$!
		i=0
		while [ ! -S "$d/log" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
		mount --bind "$d" /dev || { kill "$spid"; exit 125; }
		"$@"
		rc=$?
		python3 -c "import socket, sys
socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).sendto(b\"\", sys.argv[1])" /dev/log
		wait "$spid"
		exit $rc' syslog_of "$T" "$_slog" "$TESTLIB/syslog-sink" "$@"
}

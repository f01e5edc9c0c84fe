# shellcheck shell=sh
# tap.sh: TAP output for the shell tests (sourced, by sh and bash alike).
#
#   ok DESC | not_ok DESC       one numbered result line
#   diag TEXT                   TEXT as "# " comment lines
#   check DESC CMD...           ok if CMD succeeds
#   succeeds DESC CMD...        ok if CMD exits 0; its stdout in $T/out, stderr in $T/err
#   refuses DESC TEXT CMD...    ok if CMD exits non-zero with one line on stderr
#                               that holds TEXT (a grep pattern); stdout in $T/out
#   problem TEXT; result DESC   a case that gathers its problems, then one result:
#                               ok if none, else each problem and what the
#                               command in $TAP_DIAGNOSE prints
#   tap_done                    the plan and "N passed, M failed"; false if any failed
#
# succeeds and refuses write into $T, the test's scratch directory.
# Variables of these functions start with _tap_, so a caller's stay as they are.

TAP_N=0
TAP_PASSED=0
TAP_FAILED=0
TAP_PROBLEMS=
TAP_DIAGNOSE=${TAP_DIAGNOSE:-}

ok() {
	TAP_N=$((TAP_N + 1))
	TAP_PASSED=$((TAP_PASSED + 1))
	printf 'ok %d - %s\n' "$TAP_N" "$*"
}

not_ok() {
	TAP_N=$((TAP_N + 1))
	TAP_FAILED=$((TAP_FAILED + 1))
	printf 'not ok %d - %s\n' "$TAP_N" "$*"
}

diag() { printf '%s\n' "$*" | sed 's/^/# /'; }

check() {
	_tap_desc=$1
	shift
	if "$@"; then ok "$_tap_desc"; else not_ok "$_tap_desc"; fi
}

succeeds() {
	_tap_desc=$1
	shift
	if "$@" >"$T/out" 2>"$T/err"; then
		ok "$_tap_desc"
	else
		not_ok "$_tap_desc (exit $?): $(cat "$T/err")"
	fi
}

refuses() {
	_tap_desc=$1 _tap_want=$2
	shift 2
	if "$@" >"$T/out" 2>"$T/err"; then
		not_ok "$_tap_desc (exit 0)"
	elif [ "$(wc -l <"$T/err")" -ne 1 ] || ! grep -q -- "$_tap_want" "$T/err"; then
		not_ok "$_tap_desc: want one line with '$_tap_want'; stderr was: $(cat "$T/err")"
	else
		ok "$_tap_desc"
	fi
}

problem() {
	TAP_PROBLEMS="$TAP_PROBLEMS$*
"
}

result() {
	if [ -z "$TAP_PROBLEMS" ]; then
		ok "$1"
	else
		not_ok "$1"
		printf '%s' "$TAP_PROBLEMS" | sed 's/^/#   /'
		if [ -n "$TAP_DIAGNOSE" ]; then $TAP_DIAGNOSE; fi
	fi
	TAP_PROBLEMS=
}

tap_done() {
	echo "1..$TAP_N"
	echo "$TAP_PASSED passed, $TAP_FAILED failed"
	[ "$TAP_FAILED" -eq 0 ]
}

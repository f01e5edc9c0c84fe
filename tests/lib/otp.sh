# shellcheck shell=sh
# otp.sh: one-time codes for the shell tests (sourced, by sh and bash alike;
# needs TESTLIB, this directory, and proc.sh).
#
#   totp hex HEXSECRET [OFFSET]    the code of the step now+OFFSET (SHA1, 6 digits, 30 s)
#   totp uri OTPAUTH_URI [OFFSET]  the same with the URI's secret and parameters
#   totp wrong-hex HEXSECRET       a code no step within +-5 of now has
#   totp wrong-uri OTPAUTH_URI     the same for a URI
#   step_left [PERIOD]             seconds left in the current step (of 30 s)
#   wait_margin SECONDS [PERIOD]   if fewer than that are left, waits for the next
#                                  step, so that a code stays valid for what follows

totp() { "$TESTLIB/totp" "$@"; }

step_left() { echo $((${1:-30} - $(date +%s) % ${1:-30})); }

wait_margin() {
	_oleft=$(step_left "${2:-30}")
	[ "$_oleft" -lt "$1" ] || return 0
	echo "# waiting ${_oleft}s for a fresh ${2:-30} s step"
	nap "$_oleft"
}

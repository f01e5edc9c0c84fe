# shellcheck shell=sh
# login.sh: logins through the real libpam (build/tests/pam-login), as sshd
# would run them, and what each must end in (sourced, by sh and bash alike;
# needs BUILD, T with the PAM services in $T/pam.d, tap.sh, and audit.sh
# pointed at the store).
#
#   pam_login SERVICE USER CODE [OPTION...]
#       one login from $LOGIN_RHOST (127.0.0.1), with pam-login's OPTIONs;
#       PAM's answer (pam_strerror) in $T/login.out, the module's syslog
#       lines in $T/login.log; pam-login's exit status
#   logs_in DESC SERVICE USER CODE [REASON [OPTION...]]
#       ok if PAM answers Success and the login left one auth entry: a
#       success for USER with REASON (ok)
#   login_refused DESC SERVICE USER CODE PAM_TEXT REASON [OPTION...]
#       ok if PAM answers PAM_TEXT (with auth.uniform_refusals, the default,
#       "Authentication failure" for most) and the login left one auth
#       entry: a failure for USER with REASON
#
# A login that answers Success exits 0, any other 1: both are checked too.
# A login that writes rows waiting in the spool to the store first names
# them (event|result|reason|user, one a line) in LOGIN_SPOOLED beforehand.

LOGIN_RHOST=${LOGIN_RHOST:-127.0.0.1}
LOGIN_SPOOLED=

# pam_login SERVICE USER CODE [OPTION...]: one login, its answer in
# $T/login.out, its log in $T/login.log. LOGIN_TIMEOUT=S: a login still
# running after S seconds is killed and exits 124 (a hang, not a refusal).
pam_login() {
	_lsvc=$1 _luser=$2 _lcode=$3
	shift 3
	${LOGIN_TIMEOUT:+timeout "$LOGIN_TIMEOUT"} "$BUILD/tests/pam-login" -L -d "$T/pam.d" -s "$_lsvc" -u "$_luser" -r "$LOGIN_RHOST" \
		"$@" "$_lcode" >"$T/login.out" 2>"$T/login.log"
}

# login_ends DESC SERVICE USER CODE PAM_TEXT RESULT REASON [OPTION...]
login_ends() {
	_ldesc=$1 _lwant=$5 _lrc_want=1
	_lrow="${LOGIN_SPOOLED:+$LOGIN_SPOOLED
}auth|$6|$7|$3"
	[ "$5" = Success ] && _lrc_want=0
	_lmark=$(audit_max)
	_lsvc=$2 _luser=$3 _lcode=$4
	shift 7
	pam_login "$_lsvc" "$_luser" "$_lcode" "$@"
	_lrc=$?
	_lgot=$(audit_since "$_lmark" "event = 'auth'" | cut -d'|' -f1-4)
	_lsaid=$(cat "$T/login.out" 2>/dev/null)
	if [ "$_lsaid" = "$_lwant" ] && [ "$_lrc" -eq "$_lrc_want" ] && [ "$_lgot" = "$_lrow" ]; then
		ok "$_ldesc"
	else
		not_ok "$_ldesc"
		diag "  PAM answered '$_lsaid' (exit $_lrc), want '$_lwant' (exit $_lrc_want)"
		diag "  auth entries '$(echo "$_lgot" | paste -sd' ' -)'," \
			"want '$(echo "$_lrow" | paste -sd' ' -)'"
		diag "  $(cat "$T/login.log" 2>/dev/null)"
	fi
}

logs_in() {
	_li=$1 _ls=$2 _lu=$3 _lc=$4 _lr=${5:-ok}
	if [ $# -ge 5 ]; then shift 5; else shift 4; fi
	login_ends "$_li" "$_ls" "$_lu" "$_lc" Success success "$_lr" "$@"
}

login_refused() {
	_li=$1 _ls=$2 _lu=$3 _lc=$4 _lp=$5 _lr=$6
	shift 6
	login_ends "$_li" "$_ls" "$_lu" "$_lc" "$_lp" failure "$_lr" "$@"
}

# shellcheck shell=sh
# vpn.sh: what the VPN gateway tests share (sourced; needs tap.sh, and
# audit.sh pointed at the store): a throwaway CA, and each case's audit
# rows and gateway log lines.
#
#   ca_make DIR CN                      an EC P-256 CA valid for a day:
#                                       DIR/ca.key, DIR/ca.crt
#   ca_issue DIR NAME CN EKU ec|rsa [SAN_DNS]
#                                       DIR/NAME.key (P-256 or RSA 2048) and
#                                       DIR/NAME.crt, signed by that CA
#   log_lines FILE                      how many lines FILE has
#   log_since FILE N                    FILE's lines after line N
#   begin LOG                           starts a case: marks the audit trail
#                                       (MARK) and the gateway's LOG (LMARK)
#   expect_rows ROW...                  the case's audit rows, but for admin
#                                       ones, are exactly these (none if no ROW)
#   expect_log TEXT [COUNT]             LOG has COUNT (1) lines with TEXT since
#                                       the case began
# expect_rows and expect_log note a problem (tap.sh) when it is not so.

VPN_LOG=
MARK=0
LMARK=0

ca_make() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$1/ca.key" -out "$1/ca.crt" -subj "/CN=$2" -days 1 \
		-addext basicConstraints=critical,CA:TRUE \
		-addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
}

ca_issue() {
	_vd=$1 _vn=$2 _vcn=$3
	printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=%s\n' \
		"$4" >"$_vd/$_vn.ext"
	if [ -n "${6:-}" ]; then printf 'subjectAltName=DNS:%s\n' "$6" >>"$_vd/$_vn.ext"; fi
	if [ "$5" = rsa ]; then
		set -- -newkey rsa:2048
	else
		set -- -newkey ec -pkeyopt ec_paramgen_curve:prime256v1
	fi
	openssl req "$@" -nodes -keyout "$_vd/$_vn.key" -out "$_vd/$_vn.csr" -subj "/CN=$_vcn" \
		2>/dev/null &&
	openssl x509 -req -in "$_vd/$_vn.csr" -CA "$_vd/ca.crt" -CAkey "$_vd/ca.key" \
		-CAcreateserial -out "$_vd/$_vn.crt" -days 1 -extfile "$_vd/$_vn.ext" 2>/dev/null
}

# one_line TEXT: its lines joined by " + "
one_line() { printf '%s\n' "$1" | awk 'NR > 1 { printf " + " } { printf "%s", $0 }'; }

log_lines() { wc -l <"$1"; }

log_since() { tail -n "+$(($2 + 1))" "$1"; }

begin() {
	VPN_LOG=$1
	MARK=$(audit_max)
	LMARK=$(log_lines "$VPN_LOG")
}

expect_rows() {
	_vgot=$(audit_since "$MARK" "event <> 'admin'")
	_vwant=$(printf '%s\n' "$@")
	[ $# -eq 0 ] && _vwant=""
	[ "$_vgot" = "$_vwant" ] ||
		problem "audit rows are '$(one_line "$_vgot")', wanted '$(one_line "$_vwant")'"
}

expect_log() {
	_vn=$(log_since "$VPN_LOG" "$LMARK" | grep -cF -- "$1")
	[ "$_vn" = "${2:-1}" ] ||
		problem "gateway log has $_vn line(s) with \"$1\", wanted ${2:-1}"
}

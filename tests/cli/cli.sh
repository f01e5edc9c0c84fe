#!/bin/sh
# cli.sh BUILD_DIR: the command-line tools on good and bad input. Every
# refusal must be one clear line on stderr, a non-zero exit, and leave the
# store as it was.
set -u
BUILD=${1:?usage: cli.sh BUILD_DIR}
TESTLIB=$(cd "$(dirname "$0")/../lib" && pwd)
# shellcheck source=tests/lib/tap.sh
. "$TESTLIB/tap.sh"
# shellcheck source=tests/lib/proc.sh
. "$TESTLIB/proc.sh"
# shellcheck source=tests/lib/otp.sh
. "$TESTLIB/otp.sh"
# shellcheck source=tests/lib/audit.sh
. "$TESTLIB/audit.sh"
# shellcheck source=tests/lib/login.sh
. "$TESTLIB/login.sh"
# shellcheck source=tests/lib/syslog.sh
. "$TESTLIB/syslog.sh"
scratch otpgate-cli
H=$(mktemp -d /tmp/otpgate-cli-home-XXXXXX)	# an organisation admin's own directory
ETC=/etc/otpgate-cli-${T##*-}			# where an organisation admin must not write
rm_outside() { rm -rf "$H"; rm -f "$ETC.png" "$ETC-link.png" "$ETC-super.png" "$ETC-key"; }
on_exit rm_outside
AUDIT_DB=$T/otpgate.db
prov() { "$BUILD/otpgate-provision" -c "$T/otpgate.conf" "$@"; }
kr() { "$BUILD/otpgate-keyrotate" -c "$T/otpgate.conf" "$@"; }
count() { sqlite3 "$T/$1" "SELECT count(*) FROM $2"; }

# gina's hardware token (below) runs 201 steps ahead: past the default
# totp.max_drift of 10, so this store allows 250
cat >"$T/otpgate.conf" <<CONF
store = { backend = "sqlite"; path = "$T/otpgate.db"; };
master_key = "$T/master.key";
totp = { max_drift = 250; };
policy = ( { match = "*"; allow_from = [ "127.0.0.0/8" ]; } );
CONF
chmod 600 "$T/otpgate.conf"
succeeds "init" prov init
refuses "init keeps an existing master key: second init is fine, bad config is not" \
	"unknown setting" sh -c "printf 'bogus = 1;\n' >$T/bad.conf; chmod 600 $T/bad.conf;
	$BUILD/otpgate-provision -c $T/bad.conf init"

# enrol
succeeds "enrol prints an otpauth URI" prov enrol alice --qr none
if grep -q '^otpauth://totp/otpgate:alice?secret=[A-Z2-7]*&issuer=otpgate' "$T/out"; then
	ok "enrol: the URI is on a line of its own"
else
	not_ok "enrol: URI line: $(cat "$T/out")"
fi
refuses "enrol: a hostile user name" "not a valid name" prov enrol 'bob;rm -rf /' --qr none
refuses "enrol: 7 digits" "must be 6 or 8" prov enrol bob --digits 7
refuses "enrol: an issuer with ':'" "without ':'" prov enrol bob --issuer 'a:b' --qr none
if [ "$(count otpgate.db tokens)" -eq 1 ]; then
	ok "refused enrolments stored nothing"
else
	not_ok "refused enrolments stored tokens"
fi

# a phone token is pending until confirm; the module refuses it until then
mkdir -p "$T/pam.d"
printf 'auth required %s/pam_otpgate.so config=%s/otpgate.conf\n' "$BUILD" "$T" >"$T/pam.d/cli"
succeeds "enrol frank" prov enrol frank --qr none
URI=$(grep '^otpauth://' "$T/out")
prov show frank >"$T/show"
if grep -q "token: v-[0-9a-f]* virtual pending" "$T/show"; then
	ok "show: the new token is pending"
else
	not_ok "show: $(cat "$T/show")"
fi
wait_margin 4
CODE=$(totp uri "$URI")
login_refused "a pending token does not log in" cli frank "$CODE" "Authentication failure" no-token
refuses "confirm: a code with a space" "exactly 6 digits" prov confirm frank "$(echo "$CODE" | sed 's/^\(...\)/\1 /')"
refuses "confirm: a wrong code" "does not match" prov confirm frank "$(totp wrong-uri "$URI")"
refuses "confirm: a user with nothing pending" "no pending token" prov confirm nobody2 123456
succeeds "confirm: the right code" prov confirm frank "$CODE"
succeeds "show frank --json" prov show frank --json
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); t=d["tokens"];
assert d["user"]=="frank" and not d["locked"] and len(t)==1 and t[0]["state"]=="active", d' "$T/out"; then
	ok "show --json: one object, the token active after confirm"
else
	not_ok "show --json: $(cat "$T/out")"
fi
login_refused "the confirming code cannot log in (replay)" cli frank "$CODE" "Authentication failure" replay
logs_in "the next code logs in" cli frank "$(totp uri "$URI" 1)"
succeeds "revoke frank" prov revoke frank
login_refused "a revoked token is refused" cli frank "$(totp uri "$URI" -1)" "Authentication failure" no-token
refuses "revoke: nothing left to revoke" "no active or pending token" prov revoke frank
refuses "show: an unknown user" "unknown user" prov show nobody-here

# a hardware token whose clock ran ahead: resync finds the offset from two codes
GS=3132333435363738393031323334353637383939
printf 'user,serial,secret\ngina,HW-GINA,%s\n' "$GS" >"$T/gina.csv"
succeeds "import gina's hardware token" prov import --format csv "$T/gina.csv"
wait_margin 4
login_refused "a code 100 min ahead is refused" cli gina "$(totp hex "$GS" 200)" "Authentication failure" bad-code
refuses "resync: codes that are not consecutive" "no active token" prov resync gina "$(totp hex "$GS" 200)" "$(totp hex "$GS" 202)"
grep -v '^totp' "$T/otpgate.conf" >"$T/strict.conf" && chmod 600 "$T/strict.conf"
refuses "resync: an offset beyond the default totp.max_drift is not stored" \
	"token HW-GINA runs 6030 s ahead, beyond totp.max_drift (10 steps of 30 s); nothing changed" \
	"$BUILD/otpgate-provision" -c "$T/strict.conf" resync gina "$(totp hex "$GS" 200)" "$(totp hex "$GS" 201)"
if [ "$(sqlite3 "$T/otpgate.db" "select drift from tokens where serial='HW-GINA'")" -eq 0 ]; then
	ok "the refused resync left the drift at 0"
else
	not_ok "a refused resync changed the drift"
fi
succeeds "resync: two consecutive codes from the drifted token" prov resync gina "$(totp hex "$GS" 200)" "$(totp hex "$GS" 201)"
if grep -q "runs 6030 s ahead" "$T/out"; then ok "resync reports the offset"; else not_ok "resync said: $(cat "$T/out")"; fi
login_refused "the codes resync used are spent" cli gina "$(totp hex "$GS" 201)" "Authentication failure" replay
logs_in "after resync the drifted token logs in" cli gina "$(totp hex "$GS" 202)"

# an HOTP phone token (enrol --hotp): its URI names the counter; confirm
# takes its next code, each login one of the next hotp.look_ahead (10), as
# oathtool --hotp computes them; resync finds it again past the look-ahead
refuses "enrol --hotp: no period for a counter-based token" "--period is for TOTP tokens" \
	prov enrol hugo --hotp --period 60 --qr none
succeeds "enrol hugo --hotp" prov enrol hugo --hotp --qr none
HURI=$(grep '^otpauth://' "$T/out")
if echo "$HURI" | grep -q '^otpauth://hotp/otpgate:hugo?secret=[A-Z2-7]*&issuer=otpgate&algorithm=SHA1&digits=6&counter=0$'; then
	ok "enrol --hotp: an otpauth://hotp/ URI with counter=0"
else
	not_ok "enrol --hotp: URI $HURI"
fi
HB32=$(echo "$HURI" | sed 's/.*secret=\([A-Z2-7]*\).*/\1/')
hotp() { oathtool --hotp -b -c "$1" "$HB32"; }
login_refused "a pending HOTP token does not log in" cli hugo "$(hotp 0)" "Authentication failure" no-token
succeeds "confirm: the HOTP token's first code" prov confirm hugo "$(hotp 0)"
login_refused "the confirming HOTP code cannot log in (replay)" cli hugo "$(hotp 0)" "Authentication failure" replay
logs_in "the next HOTP code logs in" cli hugo "$(hotp 1)"
logs_in "an HOTP code 10 presses on logs in (hotp.look_ahead)" cli hugo "$(hotp 11)"
login_refused "the codes it skipped are spent" cli hugo "$(hotp 5)" "Authentication failure" replay
login_refused "an HOTP code 11 presses on is refused" cli hugo "$(hotp 22)" "Authentication failure" bad-code
refuses "resync: HOTP codes that are not consecutive" "no active token" prov resync hugo "$(hotp 40)" "$(hotp 42)"
succeeds "resync: two consecutive HOTP codes past the look-ahead" prov resync hugo "$(hotp 40)" "$(hotp 41)"
check "resync tells the HOTP token's counter" grep -q "counter is 42 (its next code's)" "$T/out"
login_refused "the HOTP codes resync used are spent" cli hugo "$(hotp 41)" "Authentication failure" replay
logs_in "after resync the HOTP token logs in" cli hugo "$(hotp 42)"
succeeds "show hugo" prov show hugo
check "show: the token is HOTP at counter 43" grep -q "^token: v-[0-9a-f]* virtual active hotp SHA1 6 digits, counter 43, last used [1-9]" "$T/out"
succeeds "show hugo --json" prov show hugo --json
if python3 -c 'import json,sys; t=json.load(open(sys.argv[1]))["tokens"][0]
assert t["kind"]=="virtual" and t["otp_kind"]=="hotp" and t["counter"]==43 and "period" not in t, t' "$T/out"; then
	ok "show --json: the device kind, the OTP kind and the counter"
else
	not_ok "show --json: $(cat "$T/out")"
fi
succeeds "list hugo" prov list hugo
check "list: the OTP kind and the counter" \
	grep -q "^hugo  *v-[0-9a-f]*  *virtual  *active  *hotp SHA1  *6 counter=43$" "$T/out"
succeeds "export hugo --json" prov export hugo --json
if python3 - "$T/out" "$HB32" <<'PY'; then ok "export: the OTP kind and the counter, no secret"; else not_ok "export: $(head -c 300 "$T/out")"; fi
import json, sys
text = open(sys.argv[1]).read()
t = json.loads(text)["tokens"][0]
assert t["otp_kind"] == "hotp" and t["counter"] == 43 and "period" not in t and "drift" not in t, t
assert sys.argv[2] not in text and "secret" not in text.lower(), "a secret in the export"
PY
# a vendor's CSV file of both kinds: the type column, an HOTP token's counter
HS1=3132333435363738393031323334353637383930
printf 'user,serial,secret,type,counter,period\nhcsv,HW-HC1,%s,hotp,5,\nhcsv2,HW-TC1,%s,totp,,60\n' \
	"$HS1" "$HS1" >"$T/kinds.csv"
succeeds "import: a CSV file of HOTP and TOTP tokens" prov import --format csv "$T/kinds.csv"
logs_in "the CSV's HOTP token logs in with oathtool's code of its counter" cli hcsv \
	"$(oathtool --hotp -c 5 "$HS1")"
wait_margin 4 60
logs_in "the CSV's TOTP token logs in with oathtool's code" cli hcsv2 "$(oathtool --totp -s 60s "$HS1")"
printf 'user,serial,secret,type,counter\nhcsv3,HW-HC3,%s,totp,5\n' "$HS1" >"$T/bad-kind.csv"
refuses "import: a counter on a TOTP row" "bad-kind.csv:2: a counter is for HOTP tokens" \
	prov import --format csv "$T/bad-kind.csv"
printf 'user,serial,secret,type\nhcsv3,HW-HC3,%s,ocra\n' "$HS1" >"$T/bad-kind.csv"
refuses "import: a type that is neither" "bad-kind.csv:2: type 'ocra' is not totp or hotp" \
	prov import --format csv "$T/bad-kind.csv"

# hardware tokens without a user wait in stock until assigned
HS=3132333435363738393031323334353637383931
printf 'user,serial,secret\n,HW-STOCK1,%s\n' "$HS" >"$T/stock.csv"
succeeds "import a token with no user (stock)" prov import --format csv "$T/stock.csv"
prov list --json >"$T/list"
if grep -q '"serial":"HW-STOCK1","kind":"hardware","state":"stock"' "$T/list"; then
	ok "it is listed in stock"
else
	not_ok "stock token: $(grep STOCK1 "$T/list")"
fi
refuses "assign: a serial not in stock" "no token NOPE in stock" prov assign NOPE hana
succeeds "assign HW-STOCK1 to hana" prov assign HW-STOCK1 hana
wait_margin 4
logs_in "hana logs in with the assigned token" cli hana "$(totp hex "$HS")"
refuses "assign: the same token twice" "in stock" prov assign HW-STOCK1 ivan

# a CSV import goes to the store in batches; a refused row is named by its
# line, whichever batch it is in, and nothing of the file is stored (in a
# store of their own, which the counts below do not see)
cat >"$T/bulk.conf" <<CONF
store = { backend = "sqlite"; path = "$T/bulk.db"; };
keys = { registry = "$T/bulk-keys.db"; };
master_key = "$T/master.key";
CONF
chmod 600 "$T/bulk.conf"
# shellcheck disable=SC2317 # run through succeeds and refuses
bprov() { "$BUILD/otpgate-provision" -c "$T/bulk.conf" "$@"; }
succeeds "a store for the bulk imports" bprov init
awk -v s="$HS" 'BEGIN { print "user,serial,secret"
	for (i = 0; i < 150; i++) printf "bulk%03d,BULK-%03d,%s\n", i, i, s }' >"$T/bulk.csv"
succeeds "import 150 rows (more than one batch)" bprov import --format csv "$T/bulk.csv"
if grep -q "^imported 150 tokens" "$T/out" &&
	[ "$(sqlite3 "$T/bulk.db" "select count(*) from tokens t join subjects s on s.name = t.user
		where t.serial like 'BULK-%' and t.state = 'active'")" -eq 150 ]; then
	ok "all 150 are stored, each user with a pseudonym"
else
	not_ok "bulk import: $(cat "$T/out")"
fi
awk -v s="$HS" 'BEGIN { print "user,serial,secret"
	for (i = 0; i < 130; i++) printf "late%03d,LATE-%03d,%s\n", i, (i == 99 ? 5 : i), s }' >"$T/late.csv"
refuses "import: a serial earlier in the file, in another batch, named by its line" \
	"late.csv:101: serial 'LATE-005' is already in the store or earlier in the file; nothing imported" \
	bprov import --format csv "$T/late.csv"
awk -v s="$HS" 'BEGIN { print "user,serial,secret,org"
	for (i = 0; i < 70; i++) printf "%s,ORG-%03d,%s,%s\n", (i == 66 ? "bulk007" : "org" i), i, s, "acme" }' \
	>"$T/org.csv"
refuses "import: a user of another organisation, named by its line" \
	"org.csv:68: user 'bulk007' belongs to another organisation; nothing imported" \
	bprov import --format csv "$T/org.csv"
if [ "$(sqlite3 "$T/bulk.db" "select count(*) from tokens where serial like 'LATE-%' or serial like 'ORG-%'")" -eq 0 ] &&
	[ "$(sqlite3 "$T/bulk.db" "select count(*) from users where name like 'late%' or name like 'org%'")" -eq 0 ]; then
	ok "the refused imports stored nothing"
else
	not_ok "a refused import stored tokens or users"
fi

# invitations: the admin is given a code to hand over, and never a secret
# (the device's secret is made at the user's own login: tests/pam/test_pam_invite.c)
succeeds "invite nina" prov invite nina --org acme --expires 2h
if grep -qE '^invitation code for nina: [A-HJKMNP-Z2-9]{4}(-[A-HJKMNP-Z2-9]{4}){4}$' "$T/out"; then
	ok "invite: a code of five groups of four, without look-alikes"
else
	not_ok "invite printed: $(cat "$T/out")"
fi
NINA=$(sed -n 's/^invitation code for nina: //p' "$T/out")
if grep -qiE 'otpauth|secret' "$T/out" "$T/err"; then
	not_ok "invite shows a URI or a secret: $(cat "$T/out" "$T/err")"
else
	ok "invite shows no URI and no secret"
fi
if sqlite3 "$T/otpgate.db" .dump | grep -q "$NINA"; then
	not_ok "the invitation code is stored as it is"
else
	ok "the invitation code is not stored, only its hash"
fi
succeeds "invite --hotp --json" prov invite oscar --hotp --json
if python3 -c 'import json,re,sys; d=json.load(open(sys.argv[1]));
assert d["user"]=="oscar" and d["org"]=="" and d["otp_kind"]=="hotp", d
assert re.fullmatch(r"[A-HJKMNP-Z2-9]{4}(-[A-HJKMNP-Z2-9]{4}){4}", d["code"]), d
assert d["expires"]-d["created"]==86400, d' "$T/out"; then
	ok "invite --json: one object, a day by default"
else
	not_ok "invite --json: $(cat "$T/out")"
fi
succeeds "invites" prov invites
if grep -qE '^nina +acme +totp open ' "$T/out" && grep -qE '^oscar +- +hotp open ' "$T/out"; then
	ok "invites lists both, open"
else
	not_ok "invites: $(cat "$T/out")"
fi
succeeds "invites --json" prov invites --json
if grep -q '^{"user":"nina","org":"acme","otp_kind":"totp","state":"open",' "$T/out" &&
	! grep -q "$NINA" "$T/out"; then
	ok "invites --json: a line each, never a code"
else
	not_ok "invites --json: $(cat "$T/out")"
fi
refuses "invite: --expires beyond 30 days" "from 1m to 30d" prov invite pia --expires 31d
refuses "invite: --expires that is no duration" "from 1m to 30d" prov invite pia --expires soon
refuses "invite: a user with an active token" "hana' has an active token" prov invite hana
refuses "invite: a user of another organisation" "belongs to another organisation" \
	prov invite nina --org globex
refuses "invite: a hostile user name" "not a valid name" prov invite 'x;y'
succeeds "revoke-invite oscar" prov revoke-invite oscar
refuses "revoke-invite: none left" "no invitation left to revoke" prov revoke-invite oscar
prov audit --user nina >"$T/out"
if grep -q 'event=admin result=success reason=invite user=nina' "$T/out" && ! grep -q "$NINA" "$T/out"; then
	ok "audit: the invitation, without its code"
else
	not_ok "audit of nina: $(cat "$T/out")"
fi

# a vendor's PSKC file (RFC 6030 figure 6, encrypted with a pre-shared key, as TOTP)
FIX=$(dirname "$0")/pskc-encrypted-totp.xml
refuses "pskc: the wrong pre-shared key" "ValueMAC does not match" \
	prov import --format pskc "$FIX" --psk 00000000000000000000000000000000
refuses "pskc: a short pre-shared key" "32, 48 or 64 hex digits" prov import --format pskc "$FIX" --psk 1234
printf '12345678901234567890123456789012\n' >"$T/psk"
chmod 644 "$T/psk"
refuses "pskc: a key file others may read" "accessible by group or others" \
	prov import --format pskc "$FIX" --psk-file "$T/psk"
chmod 600 "$T/psk"
succeeds "pskc: the right key, from a file" prov import --format pskc "$FIX" --psk-file "$T/psk"
if grep -q "imported 1 tokens from .* into stock" "$T/out"; then
	ok "pskc: the token is in stock"
else
	not_ok "pskc: $(cat "$T/out")"
fi
succeeds "assign the PSKC token 987654321 to ivan" prov assign 987654321 ivan
wait_margin 4
PC=$(python3 -c 'import hmac,struct,time
m=hmac.new(b"12345678901234567890",struct.pack(">Q",int(time.time())//30),"sha1").digest()
o=m[-1]&15; print("%08d" % ((struct.unpack(">I",m[o:o+4])[0]&0x7fffffff)%10**8))')
logs_in "ivan logs in with the PSKC token's 8-digit code" cli ivan "$PC"

# vendors' PSKC files (tests/pskc, written by python-pskc): every TOTP and
# HOTP key imported logs in through the module with a code from oathtool. A
# store of their own (the tests below count the tokens of the first)
PX=$(dirname "$0")/../pskc
sed "s|$T/otpgate.db|$T/pskc.db|" "$T/otpgate.conf" >"$T/pskc.conf"
grep -v '^totp' "$T/pskc.conf" >"$T/pskc-strict.conf"
chmod 600 "$T/pskc.conf" "$T/pskc-strict.conf"
printf 'auth required %s/pam_otpgate.so config=%s/pskc.conf\n' "$BUILD" "$T" >"$T/pam.d/pskc"
pprov() { "$BUILD/otpgate-provision" -c "$T/pskc.conf" "$@"; }
succeeds "pskc: a store of their own" pprov init
PSK128=2b7e151628aed2a6abf7158809cf4f3c
PSK192=8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b
PSK256=603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4
# oath SERIAL BYTES HASH DIGITS PERIOD [STEPS]: oathtool's code for the
# fixture's secret (SHA-512 of "otpgate-fixture:SERIAL", cut) STEPS from now
oath() {
	printf 'otpgate-fixture:%s' "$1" | sha512sum | cut -c1-$(($2 * 2)) |
		oathtool --totp="$3" -d "$4" -s "$5s" -N "@$(($(date +%s) + ${6:-0} * $5))" -
}
# oath_hotp SERIAL BYTES HASH DIGITS COUNTER: oathtool's HOTP code of the
# fixture's secret at COUNTER (--hotp is HMAC-SHA1 only; another hash: the
# TOTP of the time step COUNTER, which RFC 6238 defines as that HOTP code)
oath_hotp() {
	printf 'otpgate-fixture:%s' "$1" | sha512sum | cut -c1-$(($2 * 2)) >"$T/oathkey"
	if [ "$3" = SHA1 ]; then
		oathtool --hotp -d "$4" -c "$5" - <"$T/oathkey"
	else
		oathtool --totp="$3" -d "$4" -s 30s -N "@$(($5 * 30))" - <"$T/oathkey"
	fi
}
# pskc_login SERIAL BYTES HASH DIGITS PERIOD [STEPS]: the stock token, assigned
# to a user of its own, logs in with oathtool's code; for an HOTP token,
# PERIOD is "hotp" and STEPS the counter of the code
pskc_login() {
	u=p-$(echo "$1" | tr '[:upper:]' '[:lower:]')
	[ "$5" = hotp ] || wait_margin 4 "$5"
	if ! pprov assign "$1" "$u" >/dev/null 2>"$T/err"; then
		not_ok "pskc: $1 cannot be assigned: $(cat "$T/err")"
		return
	fi
	AUDIT_DB=$T/pskc.db
	if [ "$5" = hotp ]; then
		logs_in "pskc: HOTP $1 ($3, $4 digits) logs in with oathtool's code of counter $6" \
			pskc "$u" "$(oath_hotp "$1" "$2" "$3" "$4" "$6")"
	else
		logs_in "pskc: $1 ($3, $4 digits, $5 s${6:+, drift $6}) logs in with oathtool's code" \
			pskc "$u" "$(oath "$@")"
	fi
	AUDIT_DB=$T/otpgate.db
}
NTOK=$(count pskc.db tokens)
# a delivery of TOTP, HOTP, OCRA and SecurID keys: refused, each key otpgate
# cannot import named (the HOTP key is not one of them)
if pprov import --format pskc "$PX/vendor-mixed-aes128.xml" --psk $PSK128 >"$T/out" 2>"$T/err"; then
	not_ok "pskc: a file with unsupported keys is imported (exit 0)"
elif [ "$(wc -l <"$T/err")" -eq 3 ] && ! grep -q "MX-H-0003" "$T/err" &&
	grep -q "vendor-mixed-aes128.xml:[0-9]*: key 'MX-OCRA-0004' (urn:ietf:params:xml:ns:keyprov:pskc#OCRA-1:HOTP-SHA1-6:QN08): otpgate does not support this algorithm$" "$T/err" &&
	grep -q ":[0-9]*: key 'MX-SID-0005' (http://www.rsa.com/.*#SecurID-AES-Counter): otpgate does not support" "$T/err" &&
	grep -q "2 of 5 keys are not supported; nothing imported (--skip-unsupported imports the other 3" "$T/err"; then
	ok "pskc: unsupported keys refuse the file, each named by serial and algorithm"
else
	not_ok "pskc: the refusal of unsupported keys said: $(cat "$T/err")"
fi
# refusals: one line naming what and where, nothing imported
refuses "pskc: a wrong pre-shared key" "vendor-sha2-aes256.xml:[0-9]*: ValueMAC does not match: wrong pre-shared key" \
	pprov import --format pskc "$PX/vendor-sha2-aes256.xml" --psk "$(echo $PSK256 | tr 0 1)" --skip-unsupported
refuses "pskc: a 256-bit key for an aes128-cbc file" "the pre-shared key is 256 bits; the file's aes128-cbc needs 128 bits" \
	pprov import --format pskc "$PX/vendor-mixed-aes128.xml" --psk $PSK256 --skip-unsupported
refuses "pskc: a 128-bit key for a kw-aes256 file" "the file's kw-aes256 needs 256 bits" \
	pprov import --format pskc "$PX/vendor-kw-aes256.xml" --psk $PSK128
refuses "pskc: a password for a pre-shared-key file" "encrypted with a pre-shared key: give the pre-shared key" \
	pprov import --format pskc "$PX/vendor-kw-aes256.xml" --password secret
refuses "pskc: a pre-shared key for a password file" "derived from a password (PBKDF2): give the password" \
	pprov import --format pskc "$PX/vendor-pbkdf2-aes256.xml" --psk $PSK256 --skip-unsupported
refuses "pskc: a wrong password" "vendor-pbkdf2-aes256.xml:[0-9]*: ValueMAC does not match: wrong password" \
	pprov import --format pskc "$PX/vendor-pbkdf2-aes256.xml" --password 'vendor passphrase' --skip-unsupported
printf 'vendor passphrase 2024\n' >"$T/pass"
chmod 644 "$T/pass"
refuses "pskc: a password file others may read" "accessible by group or others" \
	pprov import --format pskc "$PX/vendor-pbkdf2-aes256.xml" --password-file "$T/pass"
chmod 600 "$T/pass"
sed '0,/<pskc:ValueMAC>A/s//<pskc:ValueMAC>B/; 0,/<pskc:ValueMAC>[^A]/s//<pskc:ValueMAC>A/' \
	"$PX/vendor-two-keys.xml" >"$T/tampered.xml"
refuses "pskc: a tampered ValueMAC" "tampered.xml:[0-9]*: ValueMAC does not match" \
	pprov import --format pskc "$T/tampered.xml" --psk $PSK128
sed 's/Version="1.0"/Version="2.0"/' "$PX/vendor-plain-time-drift.xml" >"$T/v2.xml"
refuses "pskc: Version 2.0" "v2.xml:2: PSKC Version '2.0' is not supported (only 1.0)" \
	pprov import --format pskc "$T/v2.xml"
# an HOTP key at a Counter no token reaches (counter arithmetic stays in range)
sed 's|pskc:totp" Id="TM-0001"|pskc:hotp" Id="TM-0001"|; s|<pskc:Time>|<pskc:Counter>|;
	s|</pskc:Time>|</pskc:Counter>|; s|56666666|4611686018427387905|' \
	"$PX/vendor-plain-time-drift.xml" >"$T/counter.xml"
refuses "pskc: an HOTP Counter beyond 2^62" \
	"counter.xml:[0-9]*: key 'TM-0001': Counter 4611686018427387905 is beyond 2^62; nothing imported" \
	pprov import --format pskc "$T/counter.xml"
refuses "pskc: a TimeDrift beyond totp.max_drift" \
	"vendor-two-keys.xml:[0-9]*: key 'SOLO-3': TimeDrift -122 steps is beyond totp.max_drift (10 steps); raise totp.max_drift to import it; nothing imported" \
	"$BUILD/otpgate-provision" -c "$T/pskc-strict.conf" import --format pskc "$PX/vendor-two-keys.xml" --psk $PSK128
refuses "pskc: two credentials" "usage:" pprov import --format pskc "$PX/vendor-pbkdf2-aes256.xml" \
	--psk $PSK128 --password-file "$T/pass"
refuses "csv: --skip-unsupported is for PSKC" "usage:" pprov import --format csv "$T/stock.csv" \
	--skip-unsupported
if [ "$(count pskc.db tokens)" -eq "$NTOK" ]; then
	ok "pskc: the refused imports stored nothing"
else
	not_ok "pskc: refused imports stored tokens"
fi
# --skip-unsupported: the rest imported, each skipped key listed
succeeds "pskc: --skip-unsupported" pprov import --format pskc "$PX/vendor-mixed-aes128.xml" --psk $PSK128 --skip-unsupported
if grep -q "^skipped .*vendor-mixed-aes128.xml:[0-9]*: key 'MX-OCRA-0004' (urn:ietf:params:xml:ns:keyprov:pskc#OCRA-1:HOTP-SHA1-6:QN08): otpgate does not support this algorithm$" "$T/out" &&
	[ "$(grep -c '^skipped ' "$T/out")" -eq 2 ] &&
	grep -q "^imported 3 tokens from .*vendor-mixed-aes128.xml into stock (2 keys skipped)$" "$T/out"; then
	ok "pskc: --skip-unsupported lists each skipped key"
else
	not_ok "pskc: --skip-unsupported said: $(cat "$T/out")"
fi
pprov list --json >"$T/list"
if python3 - "$T/list" <<'PY'; then ok "pskc: the HOTP key is in stock at its Counter, the TOTP keys with their period"; else not_ok "pskc: list --json: $(cat "$T/list")"; fi
import json, sys
t = {d["serial"]: d for d in map(json.loads, open(sys.argv[1]))}
assert t["MX-H-0003"]["otp_kind"] == "hotp" and t["MX-H-0003"]["counter"] == 7, t["MX-H-0003"]
assert "period" not in t["MX-H-0003"] and t["MX-H-0003"]["state"] == "stock", t["MX-H-0003"]
assert t["MX-T60-0001"]["otp_kind"] == "totp" and t["MX-T60-0001"]["period"] == 60, t["MX-T60-0001"]
assert "counter" not in t["MX-T60-0001"], t["MX-T60-0001"]
PY
pskc_login MX-T60-0001 20 SHA1 6 60
pskc_login MX-T30-0002 20 SHA1 8 30
pskc_login MX-H-0003 20 SHA1 6 hotp 7
succeeds "pskc: AES-256-CBC, HMAC-SHA256, every value encrypted: TOTP and HOTP keys, all imported" \
	pprov import --format pskc "$PX/vendor-sha2-aes256.xml" --psk $PSK256
check "pskc: ... with no key skipped" grep -q "^imported 3 tokens from .*vendor-sha2-aes256.xml into stock$" "$T/out"
pskc_login S2-SHA256-0001 32 SHA256 8 60
pskc_login S2-SHA512-0002 64 SHA512 6 30 2
# its HOTP key (SHA-256, 32 bytes) is at an encrypted Counter of 1000: its
# next code is counter 1000's, one 10 presses on is past the look-ahead
AUDIT_DB=$T/pskc.db
pprov assign S2-HOTP-0003 p-s2-hotp-0003 >/dev/null
login_refused "pskc: HOTP S2-HOTP-0003: a code 10 presses ahead of its Counter is refused" \
	pskc p-s2-hotp-0003 "$(oath_hotp S2-HOTP-0003 32 SHA256 6 1010)" "Authentication failure" bad-code
logs_in "pskc: HOTP S2-HOTP-0003 (SHA256, 6 digits) logs in with oathtool's code of counter 1000" \
	pskc p-s2-hotp-0003 "$(oath_hotp S2-HOTP-0003 32 SHA256 6 1000)"
login_refused "pskc: ... and that code is spent" \
	pskc p-s2-hotp-0003 "$(oath_hotp S2-HOTP-0003 32 SHA256 6 1000)" "Authentication failure" replay
AUDIT_DB=$T/otpgate.db
printf '%s\n' $PSK192 >"$T/psk192" && chmod 600 "$T/psk192"
succeeds "pskc: AES-192-CBC, HMAC-SHA512, an encrypted TimeDrift" \
	pprov import --format pskc "$PX/vendor-drift-aes192.xml" --psk-file "$T/psk192"
pskc_login DT-0001 20 SHA1 6 30 -2
for kw in 128:$PSK128 192:$PSK192 256:$PSK256; do
	succeeds "pskc: kw-aes${kw%%:*}" pprov import --format pskc "$PX/vendor-kw-aes${kw%%:*}.xml" --psk "${kw#*:}"
	pskc_login "KW${kw%%:*}-0001" 32 SHA256 6 30
done
pskc_login KW128-0002 20 SHA1 6 30
# a delivery of TOTP and HOTP tokens imports whole, and both kinds log in
succeeds "pskc: a password file (PBKDF2) of a TOTP and an HOTP key, the password from a file" \
	pprov import --format pskc "$PX/vendor-pbkdf2-aes256.xml" --password-file "$T/pass"
check "pskc: ... both imported" grep -q "^imported 2 tokens from .*vendor-pbkdf2-aes256.xml into stock$" "$T/out"
pskc_login PW-T-0001 20 SHA1 6 30
pskc_login PW-H-0002 20 SHA1 6 hotp 3
succeeds "pskc: two keys on one device, a TimeDrift of -122" pprov import --format pskc "$PX/vendor-two-keys.xml" --psk $PSK128
pprov list >"$T/list"
if grep -q "DUO-7-1 .* stock .* 6/30s drift=0" "$T/list" && grep -q "DUO-7-2 .* 8/60s" "$T/list" &&
	grep -q "PAIR-9-B " "$T/list" && grep -q "SOLO-3 .* drift=-122" "$T/list"; then
	ok "pskc: list shows each key of a device as SERIAL-KEYID, and the drift"
else
	not_ok "pskc: list: $(cat "$T/list")"
fi
pskc_login DUO-7-1 20 SHA1 6 30
pskc_login DUO-7-2 20 SHA1 8 60
pskc_login PAIR-9-A 20 SHA1 6 30
pskc_login PAIR-9-B 20 SHA1 6 30
pskc_login SOLO-3 20 SHA1 6 30 -122
succeeds "pskc: Time and TimeDrift in the clear" pprov import --format pskc "$PX/vendor-plain-time-drift.xml"
pskc_login TM-0001 20 SHA1 6 30
pskc_login TD-0002 20 SHA1 6 30 -122
succeeds "pskc: no MACKey (older exports)" pprov import --format pskc "$PX/vendor-no-mackey.xml" --psk $PSK128
pskc_login OLD-0001 20 SHA1 6 30
succeeds "pskc: HMAC-SHA1 by its xmldsig-more URI" pprov import --format pskc "$PX/vendor-hmac-sha1-more.xml" --psk $PSK128
pskc_login MORE-0001 20 SHA1 6 30

# the longest serial of a device with two keys: 60 characters, '-', a 3-character Id
S60=$(printf '%060d' 0 | tr 0 L)
sed "s|<pskc:SerialNo>T[MD]-000[12]<|<pskc:SerialNo>$S60<|; s|Id=\"TM-0001\"|Id=\"ABC\"|; s|Id=\"TD-0002\"|Id=\"ABD\"|" \
	"$PX/vendor-plain-time-drift.xml" >"$T/long.xml"
succeeds "pskc: a serial of 64 characters (device serial, '-', key Id)" pprov import --format pskc "$T/long.xml"
succeeds "pskc: it can be assigned" pprov assign "$S60-ABD" p-long
sed "s|$S60|L$S60|" "$T/long.xml" >"$T/longer.xml"
refuses "pskc: a serial of 66 characters" "longer.xml:[0-9]*: the serial of key 'ABC' of device 'L$S60' (serial, '-' and key Id) is longer than 64 characters" \
	pprov import --format pskc "$T/longer.xml"

# recovery codes: ten, shown once, each good for one login, hashed in the store
succeeds "recovery gina" prov recovery gina
if [ "$(grep -c '^[a-z2-9]\{5\}-[a-z2-9]\{5\}$' "$T/out")" -eq 10 ]; then
	ok "recovery prints 10 codes"
else
	not_ok "recovery printed: $(cat "$T/out")"
fi
R1=$(sed -n 1p "$T/out"); R2=$(sed -n 2p "$T/out")
logs_in "a recovery code logs in" cli gina "$R1" recovery
login_refused "a used recovery code is refused" cli gina "$R1" "Authentication failure" replay
logs_in "a recovery code typed in capitals, without the hyphen" cli gina "$(echo "$R2" | tr '[:lower:]' '[:upper:]' | tr -d -)" recovery
if sqlite3 "$T/otpgate.db" "select hash from recovery_codes" | grep -q "$(echo "$R1" | tr -d -)"; then
	not_ok "a recovery code is stored in clear"
else
	ok "recovery codes are stored only as hashes"
fi
if [ "$(audit_where "user='gina' and event='auth' and reason='recovery'")" -eq 2 ]; then
	ok "recovery logins are audited as such"
else
	not_ok "recovery logins not audited"
fi

# a JSON-lines audit file for a SIEM, beside syslog and the store
sed 's|^policy|audit = { jsonl = "'"$T"'/audit.jsonl"; };\npolicy|' "$T/otpgate.conf" >"$T/jsonl.conf"
chmod 600 "$T/jsonl.conf"
printf 'auth required %s/pam_otpgate.so config=%s/jsonl.conf\n' "$BUILD" "$T" >"$T/pam.d/jsonl"
"$BUILD/otpgate-provision" -c "$T/jsonl.conf" unlock gina >/dev/null
login_refused "a code with a quote is refused as a bad code, with the JSON-lines file set" \
	jsonl gina 'x"y' "Authentication failure" bad-code
if python3 - "$T/audit.jsonl" <<'PY'; then ok "audit.jsonl: an admin action and a login, one JSON object a line"; else not_ok "audit.jsonl"; fi
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert any(r.get("reason") == "unlock" and r.get("actor") for r in rows), rows
assert any(r.get("event") == "auth" and r.get("user") == "gina" and r.get("source") == "127.0.0.1" for r in rows), rows
PY
if [ "$(stat -c %a "$T/audit.jsonl")" = 600 ]; then ok "audit.jsonl is mode 0600"; else not_ok "audit.jsonl mode"; fi

# two-stage removal: refused at once, restorable, purged after the retention
succeeds "remove hana" prov remove hana
wait_margin 4
login_refused "a removed user is refused at once" cli hana "$(totp hex "$HS" 1)" "Authentication failure" removed
refuses "remove twice" "already removed" prov remove hana
succeeds "restore hana" prov restore hana
logs_in "a restored user logs in again" cli hana "$(totp hex "$HS" 1)"
succeeds "remove hana again" prov remove hana
succeeds "purge within the retention" prov purge
if grep -q "purged 0 users" "$T/out"; then
	ok "purge keeps users removed less than the retention ago"
else
	not_ok "purge: $(cat "$T/out")"
fi
sed 's|^policy|removal = { retention = "0s"; };\npolicy|' "$T/otpgate.conf" >"$T/purge.conf"
chmod 600 "$T/purge.conf"
succeeds "purge after the retention" "$BUILD/otpgate-provision" -c "$T/purge.conf" purge
if [ "$(sqlite3 "$T/otpgate.db" "select count(*) from tokens where user='hana'")" -eq 0 ] &&
	[ "$(sqlite3 "$T/otpgate.db" "select count(*) from users where name='hana'")" -eq 0 ]; then
	ok "purge deleted hana's user row and tokens"
else
	not_ok "hana's data is still there"
fi

# a store of schema 1 (before removal existed, audit entries unchained and
# naming people in clear, every token TOTP) is refused until migrate brings it up
sqlite3 "$T/otpgate.db" "ALTER TABLE users DROP COLUMN removed_at; ALTER TABLE users DROP COLUMN removed_with_org;
	ALTER TABLE tokens DROP COLUMN otp_kind;
	UPDATE audit SET user = (SELECT name FROM subjects WHERE pseudonym = audit.user),
		actor = (SELECT name FROM subjects WHERE pseudonym = audit.actor);
	DROP VIEW audit_named; ALTER TABLE audit DROP COLUMN mac; DROP TABLE subjects; DROP TABLE org_removals;
	PRAGMA user_version = 1;"
refuses "a schema 1 store is refused" "schema version 1, want 8" prov show gina
succeeds "migrate: schema 1 to 8" prov migrate
succeeds "the migrated store works" prov show gina
check "migrate: gina's token is TOTP, as every token was" grep -q "^token: HW-GINA hardware active totp " "$T/out"
if [ "$(sqlite3 "$T/otpgate.db" "PRAGMA user_version")" -eq 8 ]; then
	ok "migrate set schema version 8"
else
	not_ok "schema version after migrate: $(sqlite3 "$T/otpgate.db" "PRAGMA user_version")"
fi
succeeds "migrate sealed the old audit entries into a chain" prov audit verify
if [ "$(sqlite3 "$T/otpgate.db" "select count(*) from audit where user = 'gina' or mac is null")" -eq 0 ] &&
	[ "$(audit_where "user='gina' and event='auth' and reason='recovery'")" -eq 2 ]; then
	ok "migrate: old entries name gina by pseudonym, and still show her"
else
	not_ok "migrate: old entries not pseudonymised"
fi

# data-subject requests: export everything (never a secret), erase for good;
# a remote host name with byte 0xff is exported as it was audited, \xff
login_refused "a remote host name with byte 0xff is refused (bad-source)" \
	cli gina 123456 "Authentication failure" bad-source -r "$(printf 'bad\377host')"
succeeds "export gina --json" prov export gina --json
if python3 - "$T/out" "$GS" <<'PY'; then ok "export: user, tokens, audit in one JSON object, no secret"; else not_ok "export: $(head -c 300 "$T/out")"; fi
import json, sys
text = open(sys.argv[1], encoding="utf-8", errors="strict").read()
d = json.loads(text)
assert d["user"] == "gina" and d["known"], d
assert any(t["serial"] == "HW-GINA" for t in d["tokens"]), d["tokens"]
assert any(a.get("event") == "auth" for a in d["audit"]), "no logins in the export"
assert any(a.get("reason") == "bad-source" and a.get("source") == "bad\\xffhost"
           for a in d["audit"]), "the hostile remote host, escaped once"
assert sys.argv[2] not in text and "secret" not in text.lower(), "a secret in the export"
PY
succeeds "erase gina" prov erase gina
PSEUDO=$(sed -n 's/.*names them erased-\([0-9a-f]*\)$/\1/p' "$T/out")
if [ -n "$PSEUDO" ] && [ "$(sqlite3 "$T/otpgate.db" "select count(*) from subjects where name='gina'")" -eq 0 ] &&
	[ "$(sqlite3 "$T/otpgate.db" "select count(*) from audit where user='$PSEUDO'")" -gt 0 ] &&
	[ "$(sqlite3 "$T/otpgate.db" "select count(*) from tokens where user='gina'")" -eq 0 ] &&
	! sqlite3 "$T/otpgate.db" .dump | grep -q "'gina'"; then
	ok "erase: no row names gina; her audit rows carry a pseudonym"
else
	not_ok "erase left gina behind"
fi
prov audit --json >"$T/trail.json"
if ! grep -q '"gina"' "$T/trail.json" && grep -q "\"erased-$PSEUDO\"" "$T/trail.json"; then
	ok "audit shows erased-PSEUDONYM where gina was"
else
	not_ok "audit after erase: $(grep -c gina "$T/trail.json")"
fi
succeeds "audit verify passes after an erasure" prov audit verify
if grep -q "1 erased" "$T/out"; then ok "audit verify counts the erasure"; else not_ok "audit verify: $(cat "$T/out")"; fi
refuses "erase: an unknown user" "nothing erased" prov erase gina
succeeds "export of the erased gina" prov export gina --json
if [ "$(sqlite3 "$T/otpgate.db" "select count(*) from subjects where name='gina'")" -eq 0 ]; then
	ok "exporting an erased name does not write the name down again"
else
	not_ok "export mapped gina again"
fi

# organisations: the superuser (root, from init) makes org admins; an org
# admin (through sudo) manages only their organisation, after a step-up code
succeeds "enrol the org admin's own token" prov enrol oadmin --org acme --qr none
OURI=$(grep '^otpauth://' "$T/out")
wait_margin 5
succeeds "confirm it" prov confirm oadmin "$(totp uri "$OURI")"
succeeds "superuser: admin add oadmin --org acme" prov admin add oadmin --org acme
as() { who=$1; shift; SUDO_USER=$who "$@"; }
STEP=$(totp uri "$OURI" 1)
if echo "$STEP" | as oadmin "$BUILD/otpgate-provision" -c "$T/otpgate.conf" enrol x1 --org acme --qr none >"$T/out" 2>"$T/err"; then
	ok "org admin: enrol in their organisation, after a step-up code"
else not_ok "org admin enrol: $(cat "$T/err")"; fi
refuses "org admin: the same step-up code again" "step-up code refused" \
	sh -c "echo $STEP | SUDO_USER=oadmin $BUILD/otpgate-provision -c $T/otpgate.conf enrol x3 --org acme --qr none"
refuses "org admin: a wrong step-up code" "step-up code refused" \
	sh -c "echo 000000 | SUDO_USER=oadmin $BUILD/otpgate-provision -c $T/otpgate.conf enrol x3 --org acme --qr none"
# an org admin whose own token is HOTP steps up with its next code, which
# is then spent for a login too (one counter, one claim)
succeeds "enrol an org admin's HOTP token" prov enrol hadmin --org acme --hotp --qr none
HAB32=$(sed -n 's/^otpauth:.*secret=\([A-Z2-7]*\).*/\1/p' "$T/out")
succeeds "confirm it with its first code" prov confirm hadmin "$(oathtool --hotp -b -c 0 "$HAB32")"
succeeds "superuser: admin add hadmin --org acme" prov admin add hadmin --org acme
HSTEP=$(oathtool --hotp -b -c 1 "$HAB32")
if echo "$HSTEP" | as hadmin "$BUILD/otpgate-provision" -c "$T/otpgate.conf" enrol x4 --org acme --qr none >"$T/out" 2>"$T/err"; then
	ok "org admin with an HOTP token: enrol after a step-up code"
else not_ok "HOTP org admin enrol: $(cat "$T/err")"; fi
refuses "org admin with an HOTP token: the same step-up code again" "step-up code refused" \
	sh -c "echo $HSTEP | SUDO_USER=hadmin $BUILD/otpgate-provision -c $T/otpgate.conf enrol x5 --org acme --qr none"
login_refused "the HOTP step-up code cannot log in (replay)" cli hadmin "$HSTEP" "Authentication failure" replay
check "the HOTP step-ups are audited: the code, then its replay" \
	[ "$(sqlite3 "$T/otpgate.db" "SELECT group_concat(reason) FROM (SELECT reason FROM audit_named
		WHERE user = 'hadmin' AND event = 'step-up' ORDER BY id)")" = ok,replay ]
refuses "org admin: another organisation" "other is not your organisation" \
	as oadmin "$BUILD/otpgate-provision" -c "$T/otpgate.conf" enrol x2 --org other --qr none
refuses "org admin: a user outside the organisation" "not in your organisation" \
	as oadmin "$BUILD/otpgate-provision" -c "$T/otpgate.conf" show ivan
refuses "org admin: a superuser's command" "only the superuser" \
	as oadmin "$BUILD/otpgate-provision" -c "$T/otpgate.conf" purge
refuses "org admin: an admin of another organisation" "not your organisation" \
	as oadmin "$BUILD/otpgate-provision" -c "$T/otpgate.conf" admin add eve --org other
refuses "someone who is not an admin" "not an otpgate admin" \
	as mallory "$BUILD/otpgate-provision" -c "$T/otpgate.conf" list
if [ "$(audit_where "result='failure' and detail='forbidden'")" -ge 6 ]; then
	ok "every refusal is in the audit trail"
else
	not_ok "refusals not audited"
fi

# the audit trail, as text and as JSON
succeeds "audit --user frank" prov audit --user frank
if grep -q 'event=admin result=success reason=confirm user=frank' "$T/out"; then
	ok "audit shows frank's confirm"
else
	not_ok "audit: $(cat "$T/out")"
fi
succeeds "audit --since 1h --json" prov audit --since 1h --json
if grep -q '^{"ts":[0-9]*,"event":"auth","result":"success","reason":"ok","user":"erased-' "$T/out"; then
	ok "audit --json has the (erased) login"
else
	not_ok "audit --json: $(head -3 "$T/out")"
fi
refuses "audit --since junk" "usage" prov audit --since yesterday

# a whole organisation: removed at once (logins refused, nothing new for it),
# restored, or purged after the retention together with its data key
VS=$(python3 -c 'import os; print(os.urandom(20).hex())')
WS=$(python3 -c 'import os; print(os.urandom(20).hex())')
printf 'user,serial,secret,org\nvic,HW-VIC,%s,globex\nwendy,HW-WENDY,%s,globex\n' "$VS" "$WS" >"$T/globex.csv"
succeeds "import two users of organisation globex" prov import --format csv "$T/globex.csv"
wait_margin 5
logs_in "vic (globex) logs in" cli vic "$(totp hex "$VS")"
succeeds "list --org globex --json" prov list --org globex --json
if [ "$(grep -c '"serial"' "$T/out")" -eq 2 ] && grep -q '"serial":"HW-VIC"' "$T/out" &&
	grep -q '"serial":"HW-WENDY"' "$T/out"; then
	ok "list --org shows exactly the organisation's tokens"
else
	not_ok "list --org globex: $(cat "$T/out")"
fi
refuses "list --org with a bad name" "usage" prov list --org 'a b'

refuses "remove --org: an unknown organisation" "no organisation nosuch" prov remove --org nosuch
succeeds "remove wendy on her own" prov remove wendy
succeeds "remove --org globex" prov remove --org globex
if grep -q "removed organisation globex: 1 users' logins refused now" "$T/out"; then
	ok "remove --org reports the users it took away"
else
	not_ok "remove --org: $(cat "$T/out")"
fi
login_refused "a user of a removed organisation is refused at once" cli vic "$(totp hex "$VS" 1)" "Authentication failure" removed
refuses "remove --org twice" "already removed" prov remove --org globex
refuses "enrol into a removed organisation" "organisation is removed" prov enrol kim --org globex --qr none
refuses "admin add for a removed organisation" "organisation globex is removed" prov admin add gadmin --org globex
refuses "restore --org: an organisation not removed" "is not removed" prov restore --org acme
refuses "restore a user of a removed organisation" "restore --org globex first" prov restore vic
succeeds "restore --org globex" prov restore --org globex
logs_in "after restore --org vic logs in again" cli vic "$(totp hex "$VS" 1)"
if [ "$(sqlite3 "$T/otpgate.db" "select removed_at > 0 from users where name='wendy'")" = 1 ]; then
	ok "restore --org leaves a user removed on her own removed"
else
	not_ok "restore --org restored wendy too"
fi
succeeds "remove --org globex again" prov remove --org globex
WRAPPED=$(sqlite3 "$T/otpgate.db" "select hex(wrapped) from data_keys where org='globex'")
succeeds "purge after the retention: the organisation goes" "$BUILD/otpgate-provision" -c "$T/purge.conf" purge
if grep -q "and 1 organisations" "$T/out"; then ok "purge counts the organisation"; else not_ok "purge: $(cat "$T/out")"; fi
if [ "$(sqlite3 "$T/otpgate.db" "select (select count(*) from data_keys where org='globex')
	+ (select count(*) from users where org='globex') + (select count(*) from tokens where serial like 'HW-%' and user in ('vic','wendy'))")" -eq 0 ]; then
	ok "purge deleted globex's users, tokens and data key"
else
	not_ok "globex is still in the store"
fi
if python3 - "$WRAPPED" "$T/otpgate.db" "$T/otpgate.db-wal" <<'PY'; then ok "the purged data key's bytes are gone from the database files"; else not_ok "the wrapped data key is still on disk"; fi
import os, sys
key = bytes.fromhex(sys.argv[1])
assert len(key) > 32
for path in sys.argv[2:]:
    if os.path.exists(path):
        assert key not in open(path, "rb").read(), path
PY
succeeds "audit verify after an organisation's purge" prov audit verify

# the trail is tamper-evident: audit verify names the first entry where the
# chain breaks, on a copy of the store edited behind otpgate's back
tampered() {
	desc=$1 want=$2 sql=$3
	rm -rf "$T/tp" && mkdir "$T/tp"
	sqlite3 "$T/otpgate.db" ".backup '$T/tp/otpgate.db'" && chmod 600 "$T/tp/otpgate.db"
	sqlite3 "$T/tp/otpgate.db" "$sql"
	sed "s|$T/otpgate.db|$T/tp/otpgate.db|" "$T/otpgate.conf" >"$T/tp.conf" && chmod 600 "$T/tp.conf"
	refuses "$desc" "$want" "$BUILD/otpgate-provision" -c "$T/tp.conf" audit verify
}
K=$(sqlite3 "$T/otpgate.db" "select max(id) / 2 from audit")
tampered "audit verify: an edited entry" "entry $K .*edited, deleted or moved" \
	"UPDATE audit SET reason = reason || '-x' WHERE id = $K"
tampered "audit verify: a deleted entry" "entry $((K + 1)) " "DELETE FROM audit WHERE id = $K"
tampered "audit verify: two entries swapped" "entry $K " \
	"UPDATE audit SET id = -1 WHERE id = $K; UPDATE audit SET id = $K WHERE id = $K + 1;
	 UPDATE audit SET id = $K + 1 WHERE id = -1"
tampered "audit verify: the oldest entry deleted" "entry 2 " "DELETE FROM audit WHERE id = 1"
tampered "audit verify: a mac recomputed without the key" "entry $K " \
	"UPDATE audit SET detail = 'x', mac = zeroblob(32) WHERE id = $K"
tampered "audit verify: a name mapping deleted outside erase" "with no erasure on record" \
	"DELETE FROM subjects WHERE name = 'frank'"
tampered "audit verify: a name mapping relabelled" "name mapping was altered" \
	"UPDATE subjects SET name = 'frank-relabelled' WHERE name = 'frank'"
succeeds "audit verify on the untouched store" prov audit verify
if grep -q "^audit trail intact: [0-9]* entries" "$T/out"; then
	ok "audit verify reports the entries and the head"
else
	not_ok "audit verify: $(cat "$T/out")"
fi
chmod 644 "$T/master.key"
refuses "audit verify without a usable master key" "master.key: mode 0644" prov audit verify
chmod 400 "$T/master.key"

# the QR code as a PNG decodes, with a standard decoder, to exactly the URI
succeeds "enrol --qr png:FILE" prov enrol carol --qr "png:$T/carol.png"
uri=$(grep '^otpauth://' "$T/out")
if [ "$(zbarimg -q --raw "$T/carol.png" 2>/dev/null)" = "$uri" ]; then
	ok "the PNG QR code decodes (zbarimg) to the printed URI"
else
	not_ok "PNG QR code does not decode to $uri"
fi
if [ "$(stat -c %a "$T/carol.png")" = 600 ]; then
	ok "the QR file (it holds the secret) is mode 0600"
else
	not_ok "QR file mode $(stat -c %a "$T/carol.png")"
fi
# and the one drawn on the terminal with half blocks, seen as a camera would
succeeds "enrol --qr terminal" prov enrol carl --qr terminal
uri=$(grep '^otpauth://' "$T/out")
if "$(dirname "$0")/../lib/termqr-to-pgm" "$T/out" "$T/carl.pgm" &&
	[ "$(zbarimg -q --raw "$T/carl.pgm" 2>/dev/null)" = "$uri" ]; then
	ok "the terminal QR code decodes (zbarimg) to the printed URI"
else
	not_ok "terminal QR code does not decode to $uri"
fi
succeeds "enrol --qr svg:FILE" prov enrol dave --qr "svg:$T/dave.svg"
if grep -q '^<svg .*viewBox' "$T/dave.svg"; then ok "the SVG QR code is an SVG"; else not_ok "no SVG in $T/dave.svg"; fi
refuses "enrol --qr onto an existing file" "exists; not overwriting it" prov enrol erin --qr "png:$T/carol.png"
refuses "enrol --qr of an unknown kind" "png:FILE or svg:FILE" prov enrol erin --qr gif:x
if [ "$(count otpgate.db tokens)" -eq 13 ]; then
	ok "a refused QR file stored no token"
else
	not_ok "tokens: $(count otpgate.db tokens)"
fi

# import
printf 'user,serial,secret\nbob,S1,3132333435363738393031323334353637383930\ncarol,S2,zz\n' >"$T/bad1.csv"
refuses "import: a bad secret names its line" "bad1.csv:3:" prov import --format csv "$T/bad1.csv"
printf 'user,serial,secret\nbob,S1,3132333435363738393031323334353637383930\ncarol,S1,3132333435363738393031323334353637383930\n' >"$T/bad2.csv"
refuses "import: a duplicate serial names its line" "bad2.csv:3:" prov import --format csv "$T/bad2.csv"
printf 'user,serial,colour\n' >"$T/bad3.csv"
refuses "import: an unknown column" "unknown column 'colour'" prov import --format csv "$T/bad3.csv"
printf 'user,serial,secret\n"bob",S9,3132333435363738393031323334353637383930\n' >"$T/bad4.csv"
refuses "import: a quoted field" "bad4.csv:2:" prov import --format csv "$T/bad4.csv"
refuses "import: another format" "usage" prov import --format xml "$T/bad4.csv"
if [ "$(count otpgate.db tokens)" -eq 13 ]; then
	ok "failed imports imported nothing"
else
	not_ok "failed imports left tokens behind"
fi
printf 'user,serial,secret,digits,period,algorithm\nbob,S1,3132333435363738393031323334353637383930,8,60,SHA256\n' >"$T/good.csv"
succeeds "import: a good file" prov import --format csv "$T/good.csv"
if grep -q "imported 1 tokens" "$T/out"; then ok "import: summary line"; else not_ok "import summary: $(cat "$T/out")"; fi
prov list --json >"$T/out"
if grep -q '"user":"bob".*"algorithm":"SHA256","digits":8,"period":60' "$T/out"; then
	ok "list --json shows the imported parameters"
else
	not_ok "list --json: $(cat "$T/out")"
fi
if ! grep -qi secret "$T/out"; then ok "list never shows secrets"; else not_ok "list shows a secret"; fi

# files with unsafe permissions are refused, not used
chmod 644 "$T/otpgate.db"
refuses "a store readable by others is refused" "accessible by group or others" prov list
chmod 600 "$T/otpgate.db"
chmod 620 "$T/otpgate.conf"
refuses "a config writable by the group is refused" "otpgate.conf" prov list
chmod 600 "$T/otpgate.conf"

# keyrotate: bad input
ssh-keygen -q -t rsa -b 2048 -N '' -f "$T/weak"
ssh-keygen -q -t ed25519 -N '' -f "$T/good"
refuses "add: an RSA key under 3072 bits" "at least 3072 bits" kr add bob "$T/weak.pub"
printf 'ssh-ed25519 AAAAnotbase64!!\n' >"$T/junk.pub"
refuses "add: a malformed key line" "junk.pub: not accepted" kr add bob "$T/junk.pub"
refuses "add: an unknown user" "unknown user" kr add nosuchuser "$T/good.pub"
chmod 666 "$T/good.pub"
refuses "add: a key file others may write" "good.pub: mode 0666 is writable" kr add bob "$T/good.pub"
chmod 644 "$T/good.pub"
succeeds "add: a good key" kr add bob "$T/good.pub"
refuses "add: the same key again" "already registered" kr add alice "$T/good.pub"
refuses "revoke: a user with no key" "alice has no valid key" kr revoke --user alice
refuses "issue: --out onto an existing file" "exists" kr issue bob --out "$T/good"
if [ "$(count keys.db access_keys)" -eq 1 ]; then
	ok "refused key operations registered nothing"
else
	not_ok "refused key operations left keys behind"
fi
out=$(kr authorized-keys 'bob;id' 'SHA256:x' 2>&1)
if [ -z "$out" ]; then
	ok "authorized-keys: hostile arguments print nothing"
else
	not_ok "authorized-keys printed: $out"
fi
out=$(kr authorized-keys "$(printf 'a%.0s' $(seq 400))" 2>&1)
if [ -z "$out" ]; then
	ok "authorized-keys: an overlong user prints nothing"
else
	not_ok "authorized-keys printed: $out"
fi
kr authorized-keys bob >"$T/out"
if grep -q '^expiry-time="[0-9]\{14\}Z" ssh-ed25519 ' "$T/out"; then
	ok "authorized-keys: bob's key with sshd's expiry-time"
else
	not_ok "authorized-keys: $(cat "$T/out")"
fi

# otpgate-keyrotate is a front (docs/architecture.md): it serves lookups
# on SQLite itself, without libcrypto, and hands everything else to the
# full tool, otpgate-keyrotate-tool, found beside it
if readelf -d "$BUILD/otpgate-keyrotate" | grep -q 'NEEDED.*libcrypto' ||
	nm "$BUILD/otpgate-keyrotate" | grep -q ' \(EVP_\|OPENSSL_\|CRYPTO_\|RAND_bytes\)'; then
	not_ok "the front has libcrypto in it"
elif ! readelf -d "$BUILD/otpgate-keyrotate-tool" | grep -q 'NEEDED.*libcrypto'; then
	not_ok "the check cannot see libcrypto: the full tool shows none either"
else
	ok "the front neither loads nor contains libcrypto (the full tool loads it)"
fi
BOBFP=$(ssh-keygen -l -E sha256 -f "$T/good.pub" | cut -d' ' -f2)
LOOKUP_LOG=$T/lookup.log
# lookup DESC EXIT OUTPUT LOGLINE CMD...: CMD exits EXIT, prints OUTPUT (a
# grep pattern; "" for nothing at all) and logs a line matching LOGLINE.
# CMD runs in syslog_of's namespace: a command, not a shell function.
lookup() {
	_desc=$1 _exit=$2 _want=$3 _line=$4
	shift 4
	: >"$LOOKUP_LOG"
	syslog_of "$LOOKUP_LOG" "$@" >"$T/out" 2>"$T/err"
	_rc=$?
	[ "$_rc" = "$_exit" ] || problem "exit $_rc, want $_exit"
	if [ -z "$_want" ]; then
		[ ! -s "$T/out" ] || problem "printed: $(cat "$T/out")"
	elif [ "$(grep -c "$_want" "$T/out")" != 1 ] || [ "$(wc -l <"$T/out")" != 1 ]; then
		problem "printed: $(cat "$T/out"), want one line with $_want"
	fi
	grep -q "otpgate-keyrotate\[[0-9]*\]: $_line" "$LOOKUP_LOG" ||
		problem "syslog: $(cat "$LOOKUP_LOG"), want a line with $_line"
	result "$_desc"
}
KEYLINE='^expiry-time="[0-9]\{14\}Z" ssh-ed25519 [A-Za-z0-9+/=]* otpgate:[0-9a-f]\{32\}$'
lookup "authorized-keys %u %f: bob's key, and the lookup's syslog line" 0 "$KEYLINE" \
	"event=key-lookup result=ok reason=listed user=bob service=sshd key=$BOBFP keys=1$" \
	"$BUILD/otpgate-keyrotate" -c "$T/otpgate.conf" authorized-keys bob "$BOBFP"
lookup "authorized-keys: a key sshd was offered that is not bob's is logged as such" 0 "$KEYLINE" \
	"event=key-lookup result=not-registered reason=listed user=bob service=sshd key=SHA256:$(printf 'A%.0s' $(seq 43)) keys=1$" \
	"$BUILD/otpgate-keyrotate" -c "$T/otpgate.conf" authorized-keys bob "SHA256:$(printf 'A%.0s' $(seq 43))"
lookup "authorized-keys: hostile arguments go to the full tool, refused, nothing printed" 1 "" \
	"event=key-lookup result=refused reason=none user=bob;id service=sshd key=SHA256:x keys=0$" \
	"$BUILD/otpgate-keyrotate" -c "$T/otpgate.conf" authorized-keys 'bob;id' 'SHA256:x'
lookup "authorized-keys: an overlong user is refused, logged cut with its digest's mark" 1 "" \
	"event=key-lookup result=refused reason=none user=a*\\[cut:400:[0-9a-f]\{32\}\\] service=sshd keys=0$" \
	"$BUILD/otpgate-keyrotate" -c "$T/otpgate.conf" authorized-keys "$(printf 'a%.0s' $(seq 400))"
lookup "authorized-keys: three arguments are refused, nothing printed" 1 "" \
	"event=key-lookup result=refused reason=none user=bob service=sshd key=$BOBFP keys=0$" \
	"$BUILD/otpgate-keyrotate" -c "$T/otpgate.conf" authorized-keys bob "$BOBFP" extra
sed 's|^store = .*|&\nkeys = { registry = "'"$T"'/no-such-registry.db"; };|' "$T/otpgate.conf" >"$T/noreg.conf"
chmod 600 "$T/noreg.conf"
lookup "authorized-keys: a missing registry prints nothing (fail closed)" 1 "" \
	"event=key-lookup result=error reason=none user=bob service=sshd keys=0$" \
	"$BUILD/otpgate-keyrotate" -c "$T/noreg.conf" authorized-keys bob
lookup "authorized-keys: an unreadable config prints nothing (fail closed)" 1 "" \
	".*$T/no-such.conf" "$BUILD/otpgate-keyrotate" -c "$T/no-such.conf" authorized-keys bob

# the front on its own, with no full tool beside it (nor installed): it
# still serves a lookup, and names what is missing for any other command
mkdir "$T/front"
cp "$BUILD/otpgate-keyrotate" "$T/front/"
lookup "the front alone serves a lookup on SQLite" 0 "$KEYLINE" \
	"event=key-lookup result=ok reason=listed user=bob service=sshd key=$BOBFP keys=1$" \
	"$T/front/otpgate-keyrotate" -c "$T/otpgate.conf" authorized-keys bob "$BOBFP"
if [ -e "$(sed -n 's/^plugin directory: //p' "$T/out" 2>/dev/null)/otpgate-keyrotate-tool" ] ||
	[ -e "$("$BUILD/otpgate-keyrotate-tool" --version | sed -n 's/^plugin directory: //p')/otpgate-keyrotate-tool" ]; then
	echo "# skipped: the front alone with an admin command (this host has the tool installed)"
else
	refuses "the front alone: list needs the full tool, and says where it looked" \
		"otpgate-keyrotate-tool not found beside the program or in /" \
		"$T/front/otpgate-keyrotate" -c "$T/otpgate.conf" list
fi

# the unprivileged reader (sshd's AuthorizedKeysCommandUser, otpgate): a
# registry it cannot read gives nothing. Its own directory, which it may
# enter (the test's own is root's alone); a copy of the registry.
R=$(mktemp -d /tmp/otpgate-cli-reader-XXXXXX)
rm_reader_dir() { rm -rf "$R"; }
on_exit rm_reader_dir
chmod 711 "$R"
sqlite3 "$T/keys.db" ".backup $R/keys.db"
chgrp otpgate "$R/keys.db" && chmod 640 "$R/keys.db"
printf 'store = { backend = "sqlite"; path = "%s/otpgate.db"; };\nkeys = { registry = "%s/keys.db"; };\n' \
	"$R" "$R" >"$R/otpgate.conf"
chgrp otpgate "$R/otpgate.conf" && chmod 640 "$R/otpgate.conf"
"$BUILD/otpgate-keyrotate" -c "$R/otpgate.conf" authorized-keys bob >/dev/null	# root makes -wal, -shm
lookup "the reader (user otpgate) gets bob's key" 0 "$KEYLINE" \
	"event=key-lookup result=ok reason=listed user=bob service=sshd keys=1$" \
	setpriv --reuid otpgate --regid otpgate --init-groups "$BUILD/otpgate-keyrotate" -c "$R/otpgate.conf" authorized-keys bob
chmod 600 "$R/keys.db"
lookup "a registry the reader cannot read prints nothing (fail closed)" 1 "" \
	"event=key-lookup result=error reason=none user=bob service=sshd keys=0$" \
	setpriv --reuid otpgate --regid otpgate --init-groups "$BUILD/otpgate-keyrotate" -c "$R/otpgate.conf" authorized-keys bob

# organisation admins through sudo, in a store of their own. The admin is
# nobody (a real local user, so files can be written as them); vera is of
# another organisation. Each run of oa gives a fresh step-up code.
A=$T/adm
mkdir "$A"
cat >"$A/otpgate.conf" <<CONF
store = { backend = "sqlite"; path = "$A/otpgate.db"; };
master_key = "$A/master.key";
totp = { window = 10; };
lockout = { max_failures = 3; interval = "1h"; lock_for = "0s"; };
policy = ( { match = "*"; allow_from = [ "127.0.0.0/8" ]; } );
CONF
chmod 600 "$A/otpgate.conf"
aprov() { "$BUILD/otpgate-provision" -c "$A/otpgate.conf" "$@"; }
adb() { sqlite3 "$A/otpgate.db" "$1"; }
succeeds "a store for the organisation admin checks" aprov init
succeeds "enrol nobody in acme" aprov enrol nobody --org acme --qr none
NURI=$(grep '^otpauth://' "$T/out")
succeeds "confirm nobody's token" aprov confirm nobody "$(totp uri "$NURI" -10)"
succeeds "nobody becomes an admin of acme" aprov admin add nobody --org acme
succeeds "enrol vera in globex" aprov enrol vera --org globex --qr none
succeeds "enrol ann in acme" aprov enrol ann --org acme --qr none
N=-10
sudo_nobody() { SUDO_USER=nobody SUDO_UID=65534 SUDO_GID=65534 "$BUILD/otpgate-provision" -c "$A/otpgate.conf" "$@"; }
oa() {
	N=$((N + 1))
	code=$(totp uri "$NURI" "$N")
	sudo_nobody "$@" <<EOF
$code
EOF
}
# oa_next CMD...: the same with the code oa gives next (a refusal before the
# step-up spends none)
oa_next() {
	code=$(totp uri "$NURI" "$((N + 1))")
	sudo_nobody "$@" <<EOF
$code
EOF
}
oa_wrong() {
	code=$(totp wrong-uri "$NURI")
	sudo_nobody "$@" <<EOF
$code
EOF
}
stepups() { adb "SELECT count(*) FROM audit_named WHERE user='nobody' AND event='step-up' AND reason='$1'"; }

# the scope is checked on the command line as parsed, in every spelling
refuses "org admin: enrol --org acme --org=globex" "more than once" oa_next enrol --org acme --org=globex gbob --qr none
refuses "org admin: enrol USER --org acme --or globex" "more than once" oa_next enrol gbob --org acme --or globex --qr none
refuses "org admin: enrol --org acme USER --org globex" "more than once" oa_next enrol --org acme gbob --qr none --org globex
refuses "org admin: enrol USER --or=globex" "globex is not your organisation" oa_next enrol gbob --or=globex --qr none
if [ "$(adb "SELECT count(*) FROM users WHERE name='gbob'")" -eq 0 ]; then
	ok "no spelling of --org enrolled gbob into globex"
else
	not_ok "gbob was enrolled: $(adb "SELECT org FROM users WHERE name='gbob'")"
fi
for args in "show --json vera" "revoke vera" "unlock vera" "recovery vera" "export --json vera" \
	"erase vera" "remove vera" "restore vera" "confirm vera 123456" "resync vera 123456 654321" \
	"assign HW-NONE vera" "audit --user=vera" "audit --us vera" "list vera" "invite vera" \
	"revoke-invite vera"; do
	# shellcheck disable=SC2086 # args is a command line, split into its words
	refuses "org admin: $args" "vera is not in your organisation" oa_next $args
done
for args in "list --or=globex" "admin add eve --org=globex" "admin add --org=globex eve" \
	"invite gina2 --org=globex"; do
	# shellcheck disable=SC2086 # args is a command line, split into its words
	refuses "org admin: $args" "globex is not your organisation" oa_next $args
done
for args in "audit" "remove --org=acme" "restore --org acme"; do
	# shellcheck disable=SC2086 # args is a command line, split into its words
	refuses "org admin: $args" "only the superuser acts on every user" oa_next $args
done
for args in "purge" "audit verify" "import --format csv /dev/null" "migrate-store --to $A/otpgate.conf"; do
	# shellcheck disable=SC2086 # args is a command line, split into its words
	refuses "org admin: $args" "only the superuser" oa_next $args
done
if [ "$(stepups ok)" -eq 0 ]; then ok "refused before the step-up: no code spent"; else not_ok "step-ups: $(stepups ok)"; fi
succeeds "org admin: enrol USER --or=acme (an abbreviation)" oa enrol gnew --or=acme --qr none
if [ "$(adb "SELECT org FROM users WHERE name='gnew'")" = acme ] && [ "$(stepups ok)" -eq 1 ]; then
	ok "gnew is in acme, after one step-up"
else
	not_ok "gnew: $(adb "SELECT org FROM users WHERE name='gnew'")"
fi
succeeds "superuser: invite vlad into globex" aprov invite vlad --org globex
succeeds "org admin: invite ina into acme" oa invite ina --org acme
succeeds "org admin: invites" oa invites
if grep -qE '^ina +acme ' "$T/out" && ! grep -q '^vlad ' "$T/out"; then
	ok "org admin: invites shows their organisation's only"
else
	not_ok "org admin invites: $(cat "$T/out")"
fi

# step-up shares the login's lockout (3 failures here): failures count,
# success clears them, a locked admin is refused, all audited
refuses "step-up: a wrong code" "step-up code refused" oa_wrong unlock ann
refuses "step-up: a second wrong code" "step-up code refused" oa_wrong unlock ann
succeeds "step-up: the right code clears the failures" oa unlock ann
refuses "step-up: a wrong code after the success" "step-up code refused" oa_wrong unlock ann
refuses "step-up: another" "step-up code refused" oa_wrong unlock ann
refuses "step-up: the third in a row locks" "you are now locked" oa_wrong unlock ann
refuses "step-up: a locked admin is refused, even with the right code" "you are locked" oa unlock ann
if [ "$(stepups bad-code)" -eq 5 ] && [ "$(stepups locked)" -eq 1 ] &&
	[ "$(adb "SELECT count(*) FROM audit_named WHERE user='nobody' AND event='lockout'")" -eq 1 ]; then
	ok "step-up failures, the lockout and the refusal are audited"
else
	not_ok "step-up audit: bad-code $(stepups bad-code), locked $(stepups locked)"
fi
aprov show nobody >"$T/out"
if grep -q "^locked: until unlocked by an admin" "$T/out"; then
	ok "the lock is the login's lock"
else
	not_ok "show nobody: $(cat "$T/out")"
fi
succeeds "the superuser unlocks nobody" aprov unlock nobody
succeeds "step-up works again after unlock" oa unlock ann

# lockout.mode "step-up": three failures put the admin in failure mode, not
# locked; a step-up then needs their next code too (the next line of input)
sed 's|lock_for = "0s"; }|lock_for = "0s"; mode = "step-up"; }|' "$A/otpgate.conf" >"$A/mode.conf"
chmod 600 "$A/mode.conf"
oa_mode() {
	_lines=$1
	shift
	# shellcheck disable=SC2086 # the codes, one word each: one line each
	printf '%s\n' $_lines | sudo_nobody_mode "$@"
}
sudo_nobody_mode() { SUDO_USER=nobody SUDO_UID=65534 SUDO_GID=65534 "$BUILD/otpgate-provision" -c "$A/mode.conf" "$@"; }
refuses "failure mode: a wrong code" "step-up code refused" oa_mode 000000 unlock ann
refuses "failure mode: another" "step-up code refused" oa_mode 000001 unlock ann
refuses "failure mode: the third is refused, nothing locked" "step-up code refused" oa_mode 000002 unlock ann
N=$((N + 1))
refuses "failure mode: one right code is not enough" \
	"you are in failure mode: step-up needs the code your device shows next too" \
	oa_mode "$(totp uri "$NURI" "$N")" unlock ann
N=$((N + 2))
succeeds "failure mode: two consecutive codes pass" oa_mode "$(totp uri "$NURI" $((N - 1))) $(totp uri "$NURI" "$N")" unlock ann
if [ "$(stepups failure-mode-passed)" -eq 1 ] && [ "$(adb "SELECT count(*) FROM audit_named WHERE
	user = 'nobody' AND event = 'lockout' AND result = 'failure-mode'")" -eq 1 ] &&
	[ "$(adb "SELECT count(*) FROM failures WHERE user = 'nobody'")" -eq 0 ]; then
	ok "failure mode began once, was passed with two codes, and is over"
else
	not_ok "failure mode: $(adb "SELECT event, result, reason FROM audit_named WHERE user = 'nobody' ORDER BY id DESC LIMIT 6")"
fi

# files an organisation admin names are written as them, never through a
# symbolic link, never over an existing file
chown nobody:nogroup "$H"
refuses "org admin: --qr png: into /etc" "Permission denied" oa enrol q1 --org acme --qr "png:$ETC.png"
if [ ! -e "$ETC.png" ]; then ok "nothing was created in /etc"; else not_ok "$ETC.png was created"; fi
ln -s /etc "$H/etc"
refuses "org admin: a symbolic link to /etc on the way" "symbolic link" \
	oa enrol q2 --org acme --qr "png:$H/etc/${ETC#/etc/}-link.png"
if [ ! -e "$ETC-link.png" ]; then ok "the link on the way was not followed"; else not_ok "$ETC-link.png was created"; fi
ln -s "$ETC-link.png" "$H/link.png"
refuses "org admin: a symbolic link planted at the file" "exists; not overwriting it" \
	oa enrol q3 --org acme --qr "png:$H/link.png"
if [ ! -e "$ETC-link.png" ]; then ok "the planted link was not followed"; else not_ok "$ETC-link.png was created"; fi
echo keep >"$H/exists.png"
refuses "org admin: an existing file" "exists; not overwriting it" oa enrol q4 --org acme --qr "svg:$H/exists.png"
if [ "$(cat "$H/exists.png")" = keep ]; then ok "the existing file is untouched"; else not_ok "exists.png was replaced"; fi
oa_uid0() {
	N=$((N + 1))
	code=$(totp uri "$NURI" "$N")
	SUDO_USER=nobody SUDO_UID=0 SUDO_GID=0 "$BUILD/otpgate-provision" -c "$A/otpgate.conf" "$@" <<EOF
$code
EOF
}
refuses "org admin: a SUDO_UID that is not SUDO_USER's" "SUDO_UID" oa_uid0 enrol q6 --org acme --qr "png:$H/q6.png"
if [ ! -e "$H/q6.png" ]; then ok "no file for an admin whose identity is unclear"; else not_ok "q6.png was created"; fi
succeeds "org admin: a QR file in their own directory" oa enrol q5 --org acme --qr "png:$H/q5.png"
if [ "$(stat -c %U:%G:%a "$H/q5.png")" = nobody:nogroup:600 ]; then
	ok "it is the admin's file, mode 0600"
else
	not_ok "q5.png is $(stat -c %U:%G:%a "$H/q5.png")"
fi
if [ "$(zbarimg -q --raw "$H/q5.png" 2>/dev/null)" = "$(grep '^otpauth://' "$T/out")" ]; then
	ok "and it decodes to the printed URI"
else
	not_ok "q5.png does not decode to the URI"
fi
if [ "$(adb "SELECT count(*) FROM users WHERE name IN ('q1','q2','q3','q4','q6')")" -eq 0 ]; then
	ok "refused QR files stored no token"
else
	not_ok "a refused QR file stored a token"
fi
refuses "superuser: a symbolic link on the way is not followed either" "symbolic link" \
	aprov enrol s1 --qr "png:$H/etc/${ETC#/etc/}-super.png"
if [ ! -e "$ETC-super.png" ]; then ok "the superuser's file did not go through the link"; else not_ok "$ETC-super.png was created"; fi
refuses "superuser: a token not stored removes its QR file" "belongs to another organisation" \
	aprov enrol vera --org acme --qr "png:$H/vera.png"
if [ ! -e "$H/vera.png" ]; then ok "the QR file of the refused token is gone"; else not_ok "vera.png is still there"; fi
refuses "keyrotate issue --out: a symbolic link on the way" "symbolic link" \
	kr issue bob --out "$H/etc/${ETC#/etc/}-key"
if [ ! -e "$ETC-key" ]; then ok "issue --out did not go through the link"; else not_ok "$ETC-key was created"; fi

# sessions, each opened through libpam and held open by its own process
# (pam-login -O, as sshd's session process holds one): listed for every
# bastion of the store, closed on this one (SIGHUP to that very process,
# audited), refused on another, naming it. bastion-a and bastion-b share
# the store; ann is of acme, vera of globex.
for h in a b; do
	sed "s|^policy|host = \"bastion-$h\";\npolicy|" "$A/otpgate.conf" >"$A/$h.conf"
	chmod 600 "$A/$h.conf"
	printf 'auth required pam_permit.so\nsession optional %s/pam_otpgate.so config=%s/%s.conf\n' \
		"$BUILD" "$A" "$h" >"$T/pam.d/sess-$h"
done
bprov() { _b=$1; shift; "$BUILD/otpgate-provision" -c "$A/$_b.conf" "$@"; }
HOLDERS=
# shellcheck disable=SC2086 # a list of pids, one word each
stop_holders() { exec 5>&- 6>&- 7>&-; stop $HOLDERS; }
on_exit stop_holders
# hold NAME FD SERVICE USER RHOST: a session held open until FD is closed
hold() {
	mkfifo "$T/$1.in"
	# (without the other holders' ends: each ends when its own is closed)
	"$BUILD/tests/pam-login" -d "$T/pam.d" -s "$3" -u "$4" -r "$5" -O - \
		<"$T/$1.in" >"$T/$1.out" 2>"$T/$1.err" 5>&- 6>&- 7>&- &
	HOLDERS="$HOLDERS $!"
	eval "$1=$!"
	eval "exec $2>\"\$T/\$1.in\""
	poll 100 grep -q 'session open' "$T/$1.out"
}
sessions_of() { adb "SELECT count(*) FROM sessions WHERE $1"; }
h1="" h2="" h3=""
hold h1 5 sess-a ann 127.0.0.1
hold h2 6 sess-a ann 127.0.0.2
hold h3 7 sess-b vera 127.0.0.3
if [ "$(sessions_of "host = 'bastion-a' AND user = 'ann' AND pid IN ($h1, $h2)")" -eq 2 ] &&
	[ "$(sessions_of "host = 'bastion-b' AND user = 'vera' AND pid = $h3")" -eq 1 ]; then
	ok "three sessions recorded, each with its process and bastion"
else
	not_ok "sessions: $(adb 'SELECT user, source, host, pid FROM sessions')"
fi
ID1=$(adb "SELECT id FROM sessions WHERE pid = $h1")
ID3=$(adb "SELECT id FROM sessions WHERE pid = $h3")
if grep -q "^info: otpgate: you also have a session on bastion-a from 127.0.0.1 (/dev/pts/otpgate-test) since .*; end it with: otpgate-provision close $ID1 (process $h1)$" "$T/h2.err" &&
	[ ! -s "$T/h1.err" ] && [ ! -s "$T/h3.err" ]; then
	ok "the second source is told of the first, with how to close it; nobody else is told anything"
else
	not_ok "the warning: $(cat "$T/h1.err" "$T/h2.err" "$T/h3.err")"
fi
succeeds "sessions: every bastion's" bprov a sessions
if [ "$(wc -l <"$T/out")" -eq 3 ] && grep -q "^$ID1 ann  *127.0.0.1  *bastion-a  */dev/pts/otpgate-test .* pid $h1$" "$T/out" &&
	grep -q "^$ID3 vera  *127.0.0.3  *bastion-b " "$T/out"; then
	ok "sessions lists the three, with id, user, source, bastion, tty, start and process"
else
	not_ok "sessions: $(cat "$T/out")"
fi
succeeds "sessions ann --json" bprov a sessions ann --json
if python3 -c 'import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert len(rows) == 2 and {r["source"] for r in rows} == {"127.0.0.1", "127.0.0.2"}, rows
assert all(r["user"] == "ann" and r["org"] == "acme" and r["host"] == "bastion-a" and r["this_host"]
	   and r["service"] == "sess-a" and len(r["id"]) == 32 for r in rows), rows' "$T/out"; then
	ok "sessions ann --json: a JSON object a line, ann's two"
else
	not_ok "sessions ann --json: $(cat "$T/out")"
fi
succeeds "sessions of nobody in particular" bprov a sessions mallory
if [ ! -s "$T/out" ] && grep -q "^no open sessions of mallory$" "$T/err"; then
	ok "no sessions: said on stderr, nothing listed"
else
	not_ok "sessions mallory: $(cat "$T/out" "$T/err")"
fi
succeeds "org admin: sessions" oa sessions
if [ "$(wc -l <"$T/out")" -eq 2 ] && ! grep -q vera "$T/out"; then
	ok "an organisation admin sees their organisation's sessions only"
else
	not_ok "org admin sessions: $(cat "$T/out")"
fi
refuses "org admin: close a session of another organisation" "$ID3 is not in your organisation" \
	oa close "$ID3"
refuses "close: a session of another bastion is refused, naming it" \
	"session $ID3 runs on host bastion-b, not here: close it there" bprov a close "$ID3"
check "... and its process still runs" alive "$h3"
succeeds "close: a session of this bastion" bprov a close "$ID1"
if grep -q "^closed session $ID1 of ann from 127.0.0.1 (process $h1 got SIGHUP and ended)$" "$T/out" &&
	! alive "$h1" && [ "$(sessions_of "id = '$ID1'")" -eq 0 ] && alive "$h2"; then
	ok "close: its process got SIGHUP and ended, the session is forgotten, the other one runs on"
else
	not_ok "close: $(cat "$T/out") (holder $h1 alive: $(alive "$h1" && echo yes || echo no))"
fi
if [ "$(adb "SELECT count(*) FROM audit_named WHERE event = 'admin' AND reason = 'close' AND
	result = 'success' AND user = 'ann' AND detail LIKE 'session $ID1, process $h1 on bastion-a'")" -eq 1 ] &&
	[ "$(adb "SELECT count(*) FROM audit_named WHERE reason = 'close' AND result = 'failure'
	AND user = 'vera'")" -eq 1 ]; then
	ok "close is audited, the refused one too"
else
	not_ok "close audit: $(adb "SELECT event, result, reason, user, detail FROM audit_named WHERE reason = 'close'")"
fi
refuses "close: a session closed already" "no open session $ID1" bprov a close "$ID1"
refuses "close: not a session id" "usage: otpgate-provision close ID" bprov a close "-oProxyCommand=x"
# a process that holds another session too (a daemon's, one per client): SIGHUP would end both
ID2=$(adb "SELECT id FROM sessions WHERE pid = $h2")
adb "INSERT INTO sessions SELECT '0000000000000000000000000000000f', \"user\", source, host, service,
	tty, pid, pid_start, boot_id, started FROM sessions WHERE id = '$ID2'"
refuses "close: a session whose process holds another one too" \
	"session $ID2: process $h2 (sess-a) holds other open sessions too, which SIGHUP would end as well: nothing done; end it through sess-a" \
	bprov a close "$ID2"
check "... and its process still runs" alive "$h2"
check "... and both sessions are kept" [ "$(sessions_of "pid = $h2")" -eq 2 ]
adb "DELETE FROM sessions WHERE id = '0000000000000000000000000000000f'"
exec 6>&-
poll 100 sh -c "[ \"\$(sqlite3 '$A/otpgate.db' \"SELECT count(*) FROM sessions WHERE pid = $h2\")\" -eq 0 ]"
check "a session that ends closes itself" [ "$(sessions_of "user = 'ann'")" -eq 0 ]
stop_holders
HOLDERS=

# names that would read as options to a program are refused everywhere
refuses "enrol: a user name starting with -" "not a valid name" prov enrol --qr none -- -mallory

# keyrotate: rotate (max_age 1h, grace 1h, a notify program that cannot start)
cat >"$T/rot.conf" <<CONF
store = { backend = "sqlite"; path = "$T/otpgate.db"; };
master_key = "$T/master.key";
policy = ( { match = "*"; allow_from = [ "127.0.0.0/8" ]; } );
keys = { max_age = "1h"; grace = "1h"; drop_dir = "$T/drop"; notify = "$T/no-such-notify"; };
CONF
chmod 600 "$T/rot.conf"
rot() { "$BUILD/otpgate-keyrotate" -c "$T/rot.conf" "$@"; }
# age USER SECONDS: USER's active key registered that much earlier, not-after too
age() {
	sqlite3 "$T/keys.db" "UPDATE access_keys SET created = created - $2, not_after = not_after - $2
		WHERE user = '$1' AND state = 'active'"
}
files_of() { find "$T/drop/$1" -type f 2>/dev/null | wc -l; }

age bob 3700
if rot rotate --user bob >"$T/out" 2>"$T/err"; then
	not_ok "rotate: a notify program that cannot start (exit 0)"
elif grep -q "1 user keys to grace, 0 expired, 1 failed" "$T/out" &&
	grep -q "not started: exec: No such file or directory" "$T/err"; then
	ok "rotate: a keys.notify that cannot start fails the run, with the reason"
else not_ok "rotate with a missing keys.notify: $(cat "$T/out" "$T/err")"; fi
if [ "$(audit_where "event='notify' and result='failure' and reason='key-expiring' and user='bob'
	and detail='exec: No such file or directory'")" -eq 1 ]; then
	ok "rotate: the notify program that could not start is audited"
else
	not_ok "no notify audit row"
fi

succeeds "issue a key for root" rot issue root
age root 10800	# registered 3 h ago: past max_age, and past its not-after (2 h)
succeeds "rotate: root's key past its not-after" rot rotate --user root
if grep -q "0 rotated, 0 user keys to grace, 1 expired, 0 failed" "$T/out" && [ "$(files_of root)" -eq 1 ]; then
	ok "rotate: a key past its not-after expires and gets no successor"
else
	not_ok "rotate past the not-after: $(cat "$T/out") ($(files_of root) key files)"
fi

succeeds "enrol daemon" prov enrol daemon --qr none
succeeds "issue a key for daemon" rot issue daemon
succeeds "remove daemon" prov remove daemon
age daemon 3700
succeeds "rotate: a removed user's key" rot rotate --user daemon
if grep -q "no successor: the user is removed" "$T/out" &&
	grep -q "0 rotated, 0 user keys to grace, 0 expired, 0 failed" "$T/out" && [ "$(files_of daemon)" -eq 1 ]; then
	ok "rotate: a removed user gets no successor"
else
	not_ok "rotate for a removed user: $(cat "$T/out")"
fi
refuses "issue: a removed user gets no new key" "user 'daemon' is removed" rot issue daemon

# rotate as the systemd unit runs it: root with only the unit's capabilities
UNIT=$(dirname "$0")/../../conf/systemd/otpgate-keyrotate.service
CAPS=$(sed -n 's/^CapabilityBoundingSet=//p' "$UNIT")
case " $CAPS " in
*CAP_DAC_OVERRIDE*) not_ok "the unit grants CAP_DAC_OVERRIDE" ;;
*) ok "the unit grants no CAP_DAC_OVERRIDE ($CAPS)" ;;
esac
BSET=$(echo "$CAPS" | tr 'A-Z ' 'a-z\n' | sed -n 's/^cap_/+/p' | paste -sd, -)
succeeds "issue a key for nobody" rot issue nobody
age nobody 3700
if (umask 022 && setpriv --bounding-set "-all,$BSET" --inh-caps -all --no-new-privs \
	"$BUILD/otpgate-keyrotate" -c "$T/rot.conf" rotate --user nobody) >"$T/out" 2>"$T/err" &&
	grep -q "1 rotated, 0 user keys to grace, 0 expired, 0 failed" "$T/out" &&
	[ "$(files_of nobody)" -eq 2 ] && [ "$(stat -c '%U %a' "$T/drop/nobody")" = "nobody 700" ] &&
	[ -z "$(find "$T/drop/nobody" -type f ! -user nobody -o -type f ! -perm 600)" ]; then
	ok "rotate with only $CAPS delivers into the user's 0700 directory, and gives it back"
else not_ok "rotate with only $CAPS: $(cat "$T/out" "$T/err")"; fi

tap_done

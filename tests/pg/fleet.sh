#!/bin/sh
# fleet.sh BUILD_DIR: several bastions on one PostgreSQL (run under
# tests/pg/with-postgres). Each bastion is its own config, PAM service and
# audit spool; logins are separate pam-login processes, as sshd would run.
#  - the same valid code, submitted at once through every bastion, lets
#    exactly one login in, round after round;
#  - failures spread over the bastions lock the account everywhere;
#  - with the database stopped, logins end (no hang), refused with
#    PAM_AUTHINFO_UNAVAIL and the attempts reach the audit table after the
#    restart; a dead or wrong server in conninfo is a clear, bounded error;
#  - the spool: a row the database refuses is set aside, a flush killed
#    mid-way loses nothing and stores nothing twice, two flush at once;
#  - with the network cut in the middle of a login (a proxy that stops
#    forwarding and holds the sockets open), the login still ends with
#    PAM_AUTHINFO_UNAVAIL, its audit row is spooled and stored later, and
#    the locks the cut-off session held are released for the fleet;
#  - the same fleet through PgBouncer in transaction pooling mode (run
#    under with-postgres --pgbouncer): the race, the lockout across hosts,
#    the chain, the spool, and a session cut off behind PgBouncer.
set -u
BUILD=${1:?usage: fleet.sh BUILD_DIR}
: "${OTPGATE_TEST_CONNINFO:?run under tests/pg/with-postgres --pgbouncer}"
: "${OTPGATE_TEST_POOLED_CONNINFO:?run under tests/pg/with-postgres --pgbouncer}"
BASTIONS=${OTPGATE_FLEET_BASTIONS:-4}
ROUNDS=${OTPGATE_FLEET_ROUNDS:-12}
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
scratch otpgate-fleet
listener="" proxy=""
PROXY=$(dirname "$0")/partition-proxy
stop_helpers() { stop "$listener" "$proxy"; }
on_exit stop_helpers
AUDIT_PG=$OTPGATE_TEST_CONNINFO
AF="Authentication failure"
UNAVAIL="Authentication service cannot retrieve authentication info"
sql() { psql -Atq "$OTPGATE_TEST_CONNINFO" -c "$1"; }

mkdir "$T/pam.d"
for b in $(seq 1 "$BASTIONS"); do
	cat >"$T/bastion$b.conf" <<CONF
store = { backend = "postgresql"; conninfo = "$OTPGATE_TEST_CONNINFO"; timeout = "2s";
          spool = "$T/spool$b"; };
master_key = "$T/master.key";
policy = ( { match = "*"; allow_from = [ "127.0.0.0/8" ]; } );
lockout = { max_failures = 3; interval = "10m"; lock_for = "15m"; };
CONF
	chmod 600 "$T/bastion$b.conf"
	printf 'auth required %s/pam_otpgate.so config=%s/bastion%s.conf\n' "$BUILD" "$T" "$b" \
		>"$T/pam.d/bastion$b"
done
python3 - "$T" "$ROUNDS" <<'PY'
import os, sys
t, rounds = sys.argv[1], int(sys.argv[2])
with open(f"{t}/tokens.csv", "w") as c, open(f"{t}/secrets", "w") as s:
    c.write("user,serial,secret,type,counter\n")
    for name in [f"race{i}" for i in range(rounds)] + ["spread", "down", "cut1", "cut2", "after"]:
        key = os.urandom(20).hex()
        c.write(f"{name},HW-{name},{key},totp,\n")
        s.write(f"{name} {key}\n")
    for name in [f"hrace{i}" for i in range(rounds)]:
        key = os.urandom(20).hex()
        c.write(f"{name},HW-{name},{key},hotp,0\n")
        s.write(f"{name} {key}\n")
# section 7's users, imported through PgBouncer
with open(f"{t}/ptokens.csv", "w") as c, open(f"{t}/secrets", "a") as s:
    c.write("user,serial,secret\n")
    for name in [f"prace{i}" for i in range(rounds)] + ["pspread", "pdown", "pcut", "pafter"]:
        key = os.urandom(20).hex()
        c.write(f"{name},HW-{name},{key}\n")
        s.write(f"{name} {key}\n")
PY
"$BUILD/otpgate-provision" -c "$T/bastion1.conf" init >/dev/null || exit 1
"$BUILD/otpgate-provision" -c "$T/bastion2.conf" import --format csv "$T/tokens.csv" >/dev/null || exit 1
secret() { awk -v u="$1" '$1 == u { print $2 }' "$T/secrets"; }
code() { totp hex "$1"; }
# race SERVICE B USER CODE: one of the logins that race, through bastion B's
# service SERVICEB (each its own output)
race() {
	"$BUILD/tests/pam-login" -d "$T/pam.d" -s "$1$2" -u "$3" -r 127.0.0.1 "$4" \
		>"$T/race.$1.$r.$2" 2>&1
}
# hotp_code HEX R: the HOTP code of round R, one of the counters within the
# look-ahead of a token at counter 0
hotp_code() { oathtool --hotp -c $(($2 % 10)) "$1"; }
# race_rounds SERVICE USER [hotp]: ROUNDS rounds, in each of which the code
# of user USERr (its TOTP code, or hotp_code) goes through every bastion's
# SERVICE at once; bad_rounds counts the rounds without exactly one
# success, the others refused as any refusal is
race_rounds() {
	bad_rounds=0
	for r in $(seq 0 $((ROUNDS - 1))); do
		if [ "${3:-}" = hotp ]; then
			c=$(hotp_code "$(secret "$2$r")" "$r")
		else
			wait_margin 3
			c=$(code "$(secret "$2$r")")
		fi
		for b in $(seq 1 "$BASTIONS"); do
			(race "$1" "$b" "$2$r" "$c"; echo $? >"$T/rc.$1.$r.$b") &
		done
		wait
		wins=$(cat "$T/rc.$1.$r."* | grep -c '^0$')
		said=$(cat "$T/race.$1.$r."* | sort | uniq -c | tr -s ' ' | paste -sd, -)
		if [ "$wins" -ne 1 ] || [ "$said" != " $((BASTIONS - 1)) $AF, 1 Success" ]; then
			bad_rounds=$((bad_rounds + 1))
			diag "$1 round $r: $wins successes; PAM said:$said"
		fi
	done
}

# 1. the same code through every bastion at once: exactly one success, every
# round; the others are refused as any refusal is
race_rounds bastion race
check "same code on $BASTIONS bastions at once: one success in each of $ROUNDS rounds" \
	[ "$bad_rounds" -eq 0 ]
"$BUILD/otpgate-provision" -c "$T/bastion3.conf" audit verify >"$T/out" 2>&1
check "after the races the fleet's audit chain is one unbroken chain" grep -q "audit trail intact" "$T/out"
check "every refused racer is audited as a replay" \
	[ "$(audit_where "event='auth' and reason='replay' and \"user\" like 'race%'")" \
	  -eq $((ROUNDS * (BASTIONS - 1))) ]

# 1a. the same with an HOTP code (of a counter within the look-ahead): its
# counter is claimed once, fleet-wide, and is the counter the code had
race_rounds bastion hrace hotp
check "same HOTP code on $BASTIONS bastions at once: one success in each of $ROUNDS rounds" \
	[ "$bad_rounds" -eq 0 ]
check "every refused HOTP racer is audited as a replay" \
	[ "$(audit_where "event='auth' and reason='replay' and \"user\" like 'hrace%'")" \
	  -eq $((ROUNDS * (BASTIONS - 1))) ]
check "each raced HOTP token's counter is past the code's, no further" \
	[ "$(sql "select count(*) from tokens where serial like 'HW-hrace%'
		and last_step = cast(substr(serial, 9) as int) % 10")" -eq "$ROUNDS" ]

# 2. failures spread over bastions lock the account on all of them
login_refused "a first failure, on bastion 1" bastion1 spread 000000 "$AF" bad-code
login_refused "a second, on bastion 2" bastion2 spread 000001 "$AF" bad-code
login_refused "third failure, on a third bastion, is refused" bastion3 spread 000002 "$AF" bad-code
check "... and locks" [ "$(audit_where "event='lockout' and \"user\"='spread'")" -eq 1 ]
wait_margin 3
# told as any refusal (auth.uniform_refusals); the trail says why
login_refused "the lock holds on bastion 4, even for the right code" \
	bastion4 spread "$(code "$(secret spread)")" "$AF" locked
check "... audited as locked" \
	[ "$(audit_where "event='auth' and reason='locked' and \"user\"='spread'")" -eq 1 ]

# 2b. a key revoked through one bastion is refused by another at once
# (spread is locked from section 2: unlocked through bastion 2 first).
# Bastion 1 checks keys in a service of its own: with the check on, a
# login without a key is refused, and the later sections log in without.
{ cat "$T/bastion1.conf"; echo 'keys = { check_at_login = true; };'; } >"$T/bastion1-keys.conf"
chmod 600 "$T/bastion1-keys.conf"
printf 'auth required %s/pam_otpgate.so config=%s/bastion1-keys.conf\naccount required %s/pam_otpgate.so config=%s/bastion1-keys.conf\n' \
	"$BUILD" "$T" "$BUILD" "$T" >"$T/pam.d/bastion1-keys"
ssh-keygen -q -t ed25519 -N '' -f "$T/fleetkey"
"$BUILD/otpgate-keyrotate" -c "$T/bastion2.conf" add spread "$T/fleetkey.pub" >/dev/null
# a lookup on PostgreSQL: the front (otpgate-keyrotate) hands it to the full
# tool; alone, without the tool beside it, it prints nothing and names it
"$BUILD/otpgate-keyrotate" -c "$T/bastion2.conf" authorized-keys spread >"$T/ak.out" 2>"$T/ak.err"
check "authorized-keys on PostgreSQL lists spread's key (through the full tool)" \
	[ "$(grep -c '^expiry-time="[0-9]\{14\}Z" ssh-ed25519 [^ ]* otpgate:[0-9a-f]\{32\}$' "$T/ak.out")" = 1 ]
mkdir "$T/front"
cp "$BUILD/otpgate-keyrotate" "$T/front/"
"$T/front/otpgate-keyrotate" -c "$T/bastion2.conf" authorized-keys spread >"$T/ak.out" 2>"$T/ak.err"
rc=$?
if [ -e "$("$BUILD/otpgate-keyrotate-tool" --version | sed -n 's/^plugin directory: //p')/otpgate-keyrotate-tool" ]; then
	echo "# skipped: the front alone on PostgreSQL (this host has the tool installed)"
else
	check "... which the front alone does not serve: nothing printed, the tool named" \
		sh -c "[ $rc = 1 ] && [ ! -s '$T/ak.out' ] && grep -q 'otpgate-keyrotate-tool not found' '$T/ak.err'"
	# ... but otpgated does, on its key socket, to root (a registry on
	# PostgreSQL it answers to root only): the front alone then lists it
	"$BUILD/otpgated" -s "$T/kd.sock" -k "$T/kk.sock" -c "$T/bastion2.conf" 2>"$T/kd.err" &
	KD=$!
	stop_kd() { stop "$KD" || true; }
	on_exit stop_kd
	poll 100 test -S "$T/kk.sock"
	"$T/front/otpgate-keyrotate" -c "$T/bastion2.conf" authorized-keys --daemon "$T/kk.sock" spread \
		>"$T/ak.out" 2>"$T/ak.err"
	check "through otpgated's key socket the front alone lists spread's key on PostgreSQL" \
		[ "$(grep -c '^expiry-time="[0-9]\{14\}Z" ssh-ed25519 [^ ]* otpgate:[0-9a-f]\{32\}$' "$T/ak.out")" = 1 ]
	stop "$KD"
fi
info="SSH_AUTH_INFO_0=publickey $(cut -d' ' -f1,2 "$T/fleetkey.pub")"
sql "select count(*) from access_keys where \"user\"='spread' and state='active'" | grep -q '^1$'
check "a key added through bastion 2 is in the shared registry" [ $? -eq 0 ]
"$BUILD/otpgate-keyrotate" -c "$T/bastion2.conf" revoke --user spread >/dev/null
"$BUILD/otpgate-provision" -c "$T/bastion2.conf" unlock spread >/dev/null
wait_margin 3
login_refused "a key revoked through bastion 2: its login through bastion 1 is refused" \
	bastion1-keys spread "$(code "$(secret spread)")" "$AF" key-revoked -E "$info" -A
check "revoked through bastion 2, refused on bastion 1 at once" \
	[ "$(audit_where "\"user\"='spread' and reason='key-revoked' and host is not null")" -ge 1 ]

# 3. the database goes away mid-run
$OTPGATE_TEST_PGCTL -m fast stop >/dev/null
LOGIN_TIMEOUT=30 pam_login bastion1 down 123456
check "database stopped: the login ends (no hang)" [ $? -ne 124 ]
check "database stopped: refused with PAM_AUTHINFO_UNAVAIL, the connection's error logged" \
	sh -c "grep -qx '$UNAVAIL' '$T/login.out' &&
	grep -q 'store postgresql: connect: .*failed' '$T/login.log'"
check "database stopped: the attempt is spooled" grep -q "reason=store-unavailable" "$T/spool1"
"$BUILD/otpgate-provision" -c "$T/bastion1.conf" status >"$T/out" 2>&1
rc=$?
check "database stopped: status is CRITICAL (exit 2), with the connection's error and the spool" \
	sh -c "[ $rc -eq 2 ] && grep -q '^CRITICAL store      store postgresql: connect:' $T/out &&
	grep -q '^WARNING  spool      1 audit rows wait for the store in $T/spool1' $T/out"
$OTPGATE_TEST_PGCTL start >/dev/null
wait_margin 3
LOGIN_SPOOLED="auth|failure|store-unavailable|down"
logs_in "database back: logins work again (the spooled attempt written first)" \
	bastion1 down "$(code "$(secret down)")"
LOGIN_SPOOLED=
check "database back: the spooled attempt reached the audit table" \
	[ "$(audit_where "\"user\"='down' and reason='store-unavailable'")" -eq 1 ]
check "database back: the spool is gone" [ ! -e "$T/spool1" ]
"$BUILD/otpgate-provision" -c "$T/bastion1.conf" status >"$T/out" 2>&1
check "database back: status finds the store again" \
	sh -c "grep -q '^OK       store      postgresql: reachable, schema version 8' $T/out &&
	grep -q '^OK       spool      empty' $T/out"
"$BUILD/otpgate-provision" -c "$T/bastion1.conf" check-config >"$T/out" 2>&1
check "check-config on a fleet bastion: ok" sh -c "[ $? -eq 0 ] && tail -1 $T/out | grep -q ': ok$'"
"$BUILD/otpgate-provision" -c "$T/bastion2.conf" audit verify >"$T/out" 2>&1
check "spooled entries joined the chain intact" grep -q "audit trail intact" "$T/out"

# 3a. the database stops, or restarts, while a login waits at its prompt:
# the connection that read the user's state is gone, so the code cannot be
# claimed. The login is refused with PAM_AUTHINFO_UNAVAIL, its audit row
# waits in the spool, and once the server is back the same code logs in
printf 'user,serial,secret\n' >"$T/mid.csv"
for u in midstop midrestart; do
	key=$(python3 -c 'import os; print(os.urandom(20).hex())')
	echo "$u,HW-$u,$key" >>"$T/mid.csv"
	echo "$u $key" >>"$T/secrets"
done
"$BUILD/otpgate-provision" -c "$T/bastion2.conf" import --format csv "$T/mid.csv" >/dev/null || exit 1
for fault in stop restart; do
	u=mid$fault
	case $fault in stop) what=stopped ;; restart) what=restarted ;; esac
	wait_margin 8
	c=$(code "$(secret "$u")")
	pam_login bastion1 "$u" "$c" -P "$OTPGATE_TEST_PGCTL -m fast $fault >/dev/null"
	check "database $what at the prompt: refused with PAM_AUTHINFO_UNAVAIL, the error logged" \
		sh -c "grep -qx '$UNAVAIL' '$T/login.out' &&
		grep -q 'user $u: watermark not stored: ' '$T/login.log'"
	check "database $what at the prompt: the attempt is spooled, with its reason" \
		grep -q "reason=store-error user=$u " "$T/spool1"
	[ "$fault" = stop ] && $OTPGATE_TEST_PGCTL start >/dev/null
	LOGIN_SPOOLED="auth|failure|store-error|$u"
	logs_in "database back after the $fault: the same code logs in, the spooled attempt written first" \
		bastion1 "$u" "$c"
	LOGIN_SPOOLED=
done
check "database stopped and restarted mid-login: the spool is gone" [ ! -e "$T/spool1" ]

# 3b. the spool, on bastion 3: rows it cannot store do not hold back the
# others, and a flush killed mid-way loses nothing and stores nothing twice
S="$T/spool3"
# spool_rows FROM TO REASON: rows "row N" as og_spool_append writes them
spool_rows() {
	python3 - "$S" "$@" <<'PY'
import sys
path, first, last, reason = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
with open(path, "a") as f:
    for i in range(first, last):
        f.write(f"ts={1795440000 + i} event=auth result=failure reason={reason} user=spool{i % 7}"
                f" source=127.0.0.1 service=bastion3 detail=row\\x20{i}\n")
PY
	chmod 600 "$S"
}
flush3() { "$BUILD/otpgate-provision" -c "$T/bastion3.conf" list >/dev/null 2>&1; }
# stored_once REASON: "distinct-rows rows" among the rows of that reason
stored_once() { sql "select count(distinct detail) || ' ' || count(*) from audit where reason='$1'"; }
# an older version spooled this row (PostgreSQL refused its raw byte 0xff)
printf 'ts=1795440000 event=auth result=failure reason=bad-user-name user=bob\\xffx source=127.0.0.1 service=bastion3\n' >"$S"
spool_rows 0 1 outage
flush3
check "a name with byte 0xff that blocked the spool is stored, escaped" \
	[ "$(audit_where "\"user\"='bob\\xffx' and reason='bad-user-name'")" -eq 1 ]
check "the outage row behind it is stored too, and the spool is gone" \
	sh -c "[ \"$(stored_once outage)\" = '1 1' ] && [ ! -e $S ] && [ ! -e $S.claim ]"
sql "CREATE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS \$\$
	BEGIN IF NEW.reason = 'poison' THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END \$\$;
	CREATE TRIGGER poison BEFORE INSERT ON audit FOR EACH ROW EXECUTE FUNCTION refuse_poison()"
spool_rows 1000 1150 dead-letter
spool_rows 1150 1151 poison
spool_rows 1151 1300 dead-letter
flush3
check "a row the database refuses is set aside in $S.dead, mode 0600" \
	sh -c "[ \"\$(stat -c %a $S.dead)\" = 600 ] && [ \"\$(grep -c 'reason=poison .*detail=row.x201150$' $S.dead)\" -eq 1 ]"
check "the rows around it are stored, each once" [ "$(stored_once dead-letter)" = "299 299" ]
check "the row set aside is audited" \
	[ "$(audit_where "event='spool' and reason='set-aside' and detail like '%$S.dead'")" -eq 1 ]
check "nothing is left to hold the spool back" sh -c "[ ! -e $S ] && [ ! -e $S.claim ]"
sql "DROP TRIGGER poison ON audit; DROP FUNCTION refuse_poison()"
# kill -9 a flush (kill_flush REASON WHEN) once it has claimed the spool (it
# renames it), or once it has also stored a first chunk; it dies before
# storing anything, between chunks, or between a commit and its cleanup
kill_flush() {
	"$BUILD/otpgate-provision" -c "$T/bastion3.conf" list >/dev/null 2>&1 &
	pid=$!
	i=0
	while { [ -e "$S" ] || { [ "$2" = stored ] && [ "$(stored_once "$1")" = "0 0" ]; }; } &&
		kill -0 "$pid" 2>/dev/null && [ $i -lt 1000 ]; do
		sleep 0.01
		i=$((i + 1))
	done
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	echo "# killed with $(stored_once "$1" | cut -d' ' -f2) of 4000 rows stored"
}
spool_rows 2000 6000 killed
kill_flush killed claimed
flush3
check "a flush killed once it claimed the spool: the next one stores every row, once" \
	[ "$(stored_once killed)" = "4000 4000" ]
spool_rows 10000 14000 killed-later
kill_flush killed-later stored
flush3
check "a flush killed after storing a chunk: the next one stores every row, once" \
	[ "$(stored_once killed-later)" = "4000 4000" ]
check "a flush killed mid-way: nothing left behind" sh -c "[ ! -e $S ] && [ ! -e $S.claim ]"
spool_rows 7000 9000 twice
flush3 &
p1=$!
flush3 &
p2=$!
wait "$p1" "$p2"
flush3
check "two flushes at once: every row once" [ "$(stored_once twice)" = "2000 2000" ]
"$BUILD/otpgate-provision" -c "$T/bastion2.conf" audit verify >"$T/out" 2>&1
check "after the spool's faults the chain is intact" grep -q "audit trail intact" "$T/out"

# 3c. the network to the database stops forwarding in the middle of a login
# (at the prompt), every socket held open: the login still ends, within
# store.timeout, with PAM_AUTHINFO_UNAVAIL; its audit row waits in the spool
# and reaches the database once the network is back. A proxy between this
# bastion and the server makes the cut (tests/pg/partition-proxy).
PX="$T/proxy"
mkdir "$PX"
"$PROXY" "$PX" "$OTPGATE_TEST_PGPORT" &
proxy=$!
for _ in $(seq 100); do [ -s "$PX/port" ] && break; sleep 0.1; done
cat >"$T/cut.conf" <<CONF
store = { backend = "postgresql"; timeout = "2s"; spool = "$T/spool-cut";
          conninfo = "host=127.0.0.1 port=$(cat "$PX/port") dbname=otpgate user=postgres"; };
master_key = "$T/master.key";
policy = ( { match = "*"; allow_from = [ "127.0.0.0/8" ]; } );
lockout = { max_failures = 3; interval = "10m"; lock_for = "15m"; };
CONF
chmod 600 "$T/cut.conf"
printf 'auth required %s/pam_otpgate.so config=%s/cut.conf\n' "$BUILD" "$T" >"$T/pam.d/cut"
# cut_login USER MODE: a login through the proxy that sets MODE at the prompt;
# a generous outer timeout turns a hang into a failure
cut_login() {
	timeout 60 "$BUILD/tests/pam-login" -d "$T/pam.d" -s cut -u "$1" -r 127.0.0.1 \
		-P "$PROXY --set $PX $2" "$(code "$(secret "$1")")" >"$T/out" 2>&1
	echo $? >"$T/rc"
}
wait_margin 8
c1=$(code "$(secret cut1)")
cut_login cut1 partition
check "cut mid-login: the login ends (no hang)" [ "$(cat "$T/rc")" -ne 124 ]
check "cut mid-login: refused with PAM_AUTHINFO_UNAVAIL" grep -q "cannot retrieve authentication info" "$T/out"
check "cut mid-login: the attempt is spooled, with its reason" \
	grep -q "reason=store-error user=cut1 " "$T/spool-cut"
"$PROXY" --set "$PX" forward
LOGIN_SPOOLED="auth|failure|store-error|cut1"
logs_in "network back: the same code logs in (the cut attempt claimed nothing)" cut cut1 "$c1"
LOGIN_SPOOLED=
check "network back: the spooled attempt reached the audit table" \
	[ "$(audit_where "\"user\"='cut1' and reason='store-error'")" -eq 1 ]
check "network back: the spool is gone" [ ! -e "$T/spool-cut" ]

# 3d. the cut comes while the server's answer is on its way: the server has
# claimed the code and taken the audit chain's lock, and hears nothing more.
# The login is refused as above, and the server ends the orphaned session
# after store.timeout (idle_in_transaction_session_timeout), so the fleet's
# next login, through another bastion, gets the lock
wait_margin 8
cut_login cut2 cut-on-reply
check "answer lost: the login ends (no hang)" [ "$(cat "$T/rc")" -ne 124 ]
check "answer lost: refused with PAM_AUTHINFO_UNAVAIL" grep -q "cannot retrieve authentication info" "$T/out"
check "answer lost: the attempt is spooled" grep -q "reason=store-error user=cut2 " "$T/spool-cut"
logs_in "answer lost: the orphaned session's locks are gone, bastion 2 logs in" \
	bastion2 after "$(code "$(secret after)")"
"$PROXY" --set "$PX" forward
stop "$proxy"
proxy=""
K=$(sql "select max(id) / 2 from audit")
source_k=$(sql "select source from audit where id = $K")
sql "update audit set source = '10.9.9.9' where id = $K"
"$BUILD/otpgate-provision" -c "$T/bastion4.conf" audit verify >"$T/out" 2>&1
check "an entry edited in the shared database: audit verify names it" grep -q "entry $K " "$T/out"
sql "update audit set source = '$source_k' where id = $K"	# the later sections check the chain

# 4. bad conninfo: clear errors, within the timeout
port=$(free_port tcp)
sed "s|conninfo = \"[^\"]*\"|conninfo = \"host=127.0.0.1 port=$port dbname=otpgate\"|" \
	"$T/bastion1.conf" >"$T/closed.conf"
chmod 600 "$T/closed.conf"
refuses "nothing listening: non-zero exit and a connect error" \
	"store postgresql: connect: connection to server at \"127.0.0.1\", port $port failed: Connection refused" \
	"$BUILD/otpgate-provision" -c "$T/closed.conf" list
python3 -c 'import socket,sys,time
s=socket.socket(); s.bind(("127.0.0.1",int(sys.argv[1]))); s.listen(8); time.sleep(60)' "$port" &
listener=$!
sleep 0.3
timeout 30 "$BUILD/otpgate-provision" -c "$T/closed.conf" list >"$T/out" 2>&1
rc=$?
check "a server that never answers: gives up after store.timeout (2 s), not hung" \
	sh -c "[ $rc -ne 0 ] && [ $rc -ne 124 ] &&
	grep -qx 'otpgate-provision: store postgresql: connect: no answer within 2s (store.timeout); connection given up' $T/out"
stop "$listener"
listener=""
"$BUILD/otpgate-provision" check-config -c "$T/closed.conf" >"$T/out" 2>&1
check "check-config: a database nobody answers for is a problem at store.conninfo's line" \
	sh -c "[ $? -eq 1 ] && grep -q '^$T/closed.conf:1: store.conninfo: store postgresql: connect:' $T/out"
sed "s|user=postgres|user=nosuchrole|" "$T/bastion1.conf" >"$T/role.conf"
chmod 600 "$T/role.conf"
refuses "a wrong role: non-zero exit naming the problem" 'role "nosuchrole" does not exist' \
	"$BUILD/otpgate-provision" -c "$T/role.conf" list

# 5. a single host's SQLite store moves into the fleet's database
$OTPGATE_TEST_PGCTL start >/dev/null 2>&1
createdb_sql="CREATE DATABASE moved"
sql "$createdb_sql" >/dev/null
moved_conninfo=$(echo "$OTPGATE_TEST_CONNINFO" | sed 's/dbname=otpgate/dbname=moved/')
cat >"$T/single.conf" <<CONF
store = { backend = "sqlite"; path = "$T/single.db"; spool = "$T/spool-single"; };
master_key = "$T/master.key";
policy = ( { match = "*"; allow_from = [ "127.0.0.0/8" ]; } );
CONF
sed "s|conninfo = \"[^\"]*\"|conninfo = \"$moved_conninfo\"|" "$T/bastion1.conf" >"$T/moved.conf"
# moved-wide: the same store, with a window wide enough that a code used
# before the move still matches after it, to be refused as a replay
{ cat "$T/moved.conf"; echo 'totp = { window = 10; };'; } >"$T/moved-wide.conf"
chmod 600 "$T/single.conf" "$T/moved.conf" "$T/moved-wide.conf"
for s in single moved moved-wide; do
	printf 'auth required %s/pam_otpgate.so config=%s/%s.conf\n' "$BUILD" "$T" "$s" >"$T/pam.d/$s"
done
# on_store SQLITE_DB | on_store pg CONNINFO: where the audit helpers look
on_store() {
	if [ "$1" = pg ]; then AUDIT_DB="" AUDIT_PG=$2; else AUDIT_DB=$1 AUDIT_PG=""; fi
}
on_store "$T/single.db"
"$BUILD/otpgate-provision" -c "$T/single.conf" init >/dev/null
"$BUILD/otpgate-provision" -c "$T/single.conf" import --format csv "$T/tokens.csv" >/dev/null
# as docs/fleet.md says: init the fleet's database first, then copy into it
"$BUILD/otpgate-provision" -c "$T/moved.conf" init >/dev/null
wait_margin 3
c=$(code "$(secret race0)")
logs_in "the single host: race0 logs in (its code is used now)" single race0 "$c"
logs_in "the single host: hrace0 logs in with an HOTP code (counter 4)" single hrace0 \
	"$(oathtool --hotp -c 4 "$(secret hrace0)")"
"$BUILD/otpgate-provision" -c "$T/single.conf" remove race2 >/dev/null
# everything else a store holds: recovery codes (one used), a lock, an
# org admin, an organisation's removal, an SSH key in the registry
single() { "$BUILD/otpgate-provision" -c "$T/single.conf" "$@"; }
single recovery race3 >"$T/recovery" 2>/dev/null
logs_in "the single host: race3 logs in with a recovery code" single race3 "$(sed -n 1p "$T/recovery")" recovery
: >"$T/race4.out"
for i in 1 2 3 4 5; do
	pam_login single race4 00000$i
	cat "$T/login.out" >>"$T/race4.out"
done
check "the single host: race4's five wrong codes refused as bad codes, and locked" \
	sh -c "[ \"\$(sort -u '$T/race4.out')\" = '$AF' ] &&
	[ $(audit_where "event = 'auth' and reason = 'bad-code' and \"user\" = 'race4'") -eq 5 ] &&
	[ $(audit_where "event = 'lockout' and \"user\" = 'race4'") -eq 1 ]"
AS=$(python3 -c 'import os; print(os.urandom(20).hex())')
printf 'user,serial,secret,org\nann,HW-ANN,%s,acme\n' "$AS" >"$T/acme.csv"
single import --format csv "$T/acme.csv" >/dev/null
single admin add opal --org acme >/dev/null
single remove --org acme >/dev/null
"$BUILD/otpgate-keyrotate" -c "$T/single.conf" add race5 "$T/fleetkey.pub" >/dev/null
# a hostile remote host name in the trail (stored as bad\xffhost), and a
# spool chunk the source stored: its claim, as a flush that died before
# removing it would leave it behind
login_refused "the single host: a remote host name with byte 0xff is refused (bad-source)" \
	single race6 123456 "$AF" bad-source -r "$(printf 'bad\377host')"
printf 'ts=1795440000 event=auth result=failure reason=moved-claim user=race6 source=127.0.0.1 service=single\n#batch 0123456789abcdef0123456789abcdef\n' \
	>"$T/claim.saved"
install -m 600 "$T/claim.saved" "$T/spool-single.claim"
single list >/dev/null 2>&1
# and a session whose process ended without closing it (killed): its row
# stays until the next session opens on that host, and moves with the store
printf 'auth required pam_permit.so\nsession optional %s/pam_otpgate.so config=%s/single.conf\n' \
	"$BUILD" "$T" >"$T/pam.d/single-sess"
mkfifo "$T/single-sess.in"
"$BUILD/tests/pam-login" -d "$T/pam.d" -s single-sess -u race6 -r 127.0.0.1 -O - \
	<"$T/single-sess.in" >"$T/single-sess.out" 2>&1 &
sess_pid=$!
exec 7>"$T/single-sess.in"
poll 100 grep -q 'session open' "$T/single-sess.out"
kill -9 "$sess_pid"
wait "$sess_pid" 2>/dev/null
exec 7>&-
"$BUILD/otpgate-provision" -c "$T/single.conf" migrate-store --to "$T/moved.conf" >"$T/out" 2>&1
diag "$(cat "$T/out")"
on_store pg "$moved_conninfo"
check "migrate-store: the spool chunks the source stored, counted" \
	sh -c "grep -qx '  spool chunks stored 1' $T/out &&
	[ \"\$(psql -Atq '$moved_conninfo' -c \"select count(*) from spool_flushed where id = '0123456789abcdef0123456789abcdef:0'\")\" -eq 1 ]"
check "migrate-store: a hostile value goes over as it was audited, escaped once" \
	[ "$(psql -Atq "$moved_conninfo" -c "select count(*) from audit where source = 'bad\\xffhost'")" -eq 1 ]
# the claim left behind, flushed into the new store: its chunk is marked there
install -m 600 "$T/claim.saved" "$T/spool1.claim"
"$BUILD/otpgate-provision" -c "$T/moved.conf" list >/dev/null 2>&1
check "migrate-store: a claim the source stored is not stored again in the target" \
	sh -c "[ ! -e '$T/spool1.claim' ] &&
	[ \"\$(psql -Atq '$moved_conninfo' -c \"select count(*) from audit where reason = 'moved-claim'\")\" -eq 1 ]"
check "migrate-store copies everything and checks the counts" grep -q "counts match" "$T/out"
check "migrate-store: the count of each table" sh -c "grep -qx '  tokens $((2 * ROUNDS + 6))' $T/out &&
	grep -qx '  recovery codes 10' $T/out && grep -qx '  failure counts and locks 1' $T/out &&
	grep -qx '  admins 2 (1 already there)' $T/out && grep -qx '  SSH access keys 1' $T/out &&
	grep -qx '  organisation removals 1' $T/out && grep -qx '  open sessions 1' $T/out"
check "migrate-store: the session went along" \
	[ "$(psql -Atq "$moved_conninfo" -c "select count(*) from sessions where \"user\" = 'race6'")" -eq 1 ]
check "migrate-store: the target's audit trail verifies" \
	grep -q "the target's audit trail verifies: [0-9]* entries, head [0-9a-f]\{64\}" "$T/out"
check "migrate-store: a removed user stays removed" \
	[ "$(psql -Atq "$moved_conninfo" -c "select removed_at > 0 from users where name = 'race2'")" = t ]
moved_sql() { psql -Atq "$moved_conninfo" -c "$1"; }
check "migrate-store: an HOTP token stays HOTP, at its counter" \
	[ "$(moved_sql "select otp_kind, last_step from tokens where serial = 'HW-hrace0'")" = "hotp|4" ]
login_refused "migrate-store: the HOTP code used before the move is refused after it" \
	moved hrace0 "$(oathtool --hotp -c 4 "$(secret hrace0)")" "$AF" replay
logs_in "migrate-store: the HOTP token's next code logs in after the move" moved hrace0 \
	"$(oathtool --hotp -c 5 "$(secret hrace0)")"
check "migrate-store: recovery codes, the used one still used" \
	[ "$(moved_sql "select count(*), sum(case when used > 0 then 1 else 0 end) from recovery_codes where \"user\" = 'race3'")" = "10|1" ]
login_refused "migrate-store: a recovery code used before the move is refused after it" \
	moved race3 "$(sed -n 1p "$T/recovery")" "$AF" replay
logs_in "migrate-store: an unused recovery code logs in on the new store" \
	moved race3 "$(sed -n 2p "$T/recovery")" recovery
wait_margin 3
# told as any refusal (auth.uniform_refusals); the trail says why
login_refused "migrate-store: a lock holds on the new store, even for the right code" \
	moved race4 "$(code "$(secret race4)")" "$AF" locked
check "migrate-store: ... audited as locked" \
	[ "$(moved_sql "select count(*) from audit_named where event = 'auth' and reason = 'locked' and \"user\" = 'race4'")" -eq 1 ]
check "migrate-store: the org admin, with its organisation" \
	[ "$(moved_sql "select role || ':' || org from admins where name = 'opal'")" = org-admin:acme ]
check "migrate-store: the SSH key, in the shared registry" \
	[ "$(moved_sql "select count(*) from access_keys where \"user\" = 'race5' and state = 'active'")" -eq 1 ]
"$BUILD/otpgate-provision" -c "$T/moved.conf" restore --org acme >"$T/out" 2>&1
check "migrate-store: an organisation's removal, undone on the new store with its user" \
	grep -q "restored organisation acme and the 1 users" "$T/out"
# and back: PostgreSQL into a new SQLite store (a directory of its own: the
# key registry goes beside the store, and single.db's already holds a key)
mkdir "$T/back"
cat >"$T/back.conf" <<CONF
store = { backend = "sqlite"; path = "$T/back/back.db"; spool = "$T/spool-back"; };
master_key = "$T/master.key";
policy = ( { match = "*"; allow_from = [ "127.0.0.0/8" ]; } );
CONF
chmod 600 "$T/back.conf"
printf 'auth required %s/pam_otpgate.so config=%s/back.conf\n' "$BUILD" "$T" >"$T/pam.d/back"
"$BUILD/otpgate-provision" -c "$T/moved.conf" migrate-store --to "$T/back.conf" >"$T/out" 2>&1
diag "$(cat "$T/out")"
on_store "$T/back/back.db"
check "migrate-store from PostgreSQL into SQLite: counts match, the trail verifies" \
	sh -c "grep -q 'counts match' $T/out && grep -qx '  recovery codes 10' $T/out &&
	grep -qx '  SSH access keys 1' $T/out"
login_refused "migrate-store into SQLite: the recovery code used on PostgreSQL stays used" \
	back race3 "$(sed -n 2p "$T/recovery")" "$AF" replay
logs_in "migrate-store into SQLite: another recovery code logs in" \
	back race3 "$(sed -n 3p "$T/recovery")" recovery
check "migrate-store into SQLite: the lock came along" \
	[ "$(sqlite3 "$T/back/back.db" "select locked_until > strftime('%s','now') from failures where user = 'race4'")" = 1 ]
"$BUILD/otpgate-provision" -c "$T/back.conf" audit verify >"$T/out" 2>&1
check "migrate-store into SQLite: audit verify" grep -q "audit trail intact" "$T/out"
on_store pg "$moved_conninfo"
login_refused "migrate-store: a code used before the move stays used" moved-wide race0 "$c" "$AF" replay
logs_in "migrate-store: tokens still decrypt on the new store" moved race1 "$(code "$(secret race1)")"
"$BUILD/otpgate-provision" -c "$T/moved.conf" audit verify >"$T/out" 2>&1
check "migrate-store: the copied trail verifies in the target" grep -q "audit trail intact" "$T/out"
refuses "migrate-store refuses a target that is not empty" "not empty" \
	"$BUILD/otpgate-provision" -c "$T/single.conf" migrate-store --to "$T/moved.conf"

# 6. erasure and the schema 3 to 7 upgrade, on PostgreSQL
succeeds "erase race1 on PostgreSQL" "$BUILD/otpgate-provision" -c "$T/moved.conf" erase race1
"$BUILD/otpgate-provision" -c "$T/moved.conf" audit verify >"$T/out" 2>&1
check "erase on PostgreSQL: the trail still verifies, with the erasure counted" \
	grep -q "intact.*(1 erased)" "$T/out"
moved() { psql -Atq "$moved_conninfo" -c "$1"; }
OS=$(python3 -c 'import os; print(os.urandom(20).hex())')
printf 'user,serial,secret,org\nolga,HW-OLGA,%s,initech\n' "$OS" >"$T/initech.csv"
"$BUILD/otpgate-provision" -c "$T/moved.conf" import --format csv "$T/initech.csv" >/dev/null
"$BUILD/otpgate-provision" -c "$T/moved.conf" remove --org initech >"$T/out" 2>&1
check "remove --org on PostgreSQL takes its user away" grep -q "1 users' logins refused" "$T/out"
wait_margin 3
login_refused "a user of a removed organisation is refused" moved olga "$(code "$OS")" "$AF" removed
sed 's|^policy|removal = { retention = "0s"; };\npolicy|' "$T/moved.conf" >"$T/moved-purge.conf"
chmod 600 "$T/moved-purge.conf"
"$BUILD/otpgate-provision" -c "$T/moved-purge.conf" purge >"$T/out" 2>&1
check "purge on PostgreSQL: the organisation and its data key are gone" \
	sh -c "grep -q 'and 1 organisations' $T/out &&
	[ \"\$(psql -Atq '$moved_conninfo' -c \"select count(*) from data_keys where org='initech'\")\" -eq 0 ]"
moved "update audit set \"user\" = (select name from subjects where pseudonym = audit.\"user\"),
	actor = (select name from subjects where pseudonym = audit.actor);
	drop view audit_named; alter table audit drop column mac; drop table subjects; drop table org_removals;
	alter table users drop column removed_with_org; alter table tokens drop column otp_kind;
	update otpgate_meta set value = '3' where key = 'schema_version'"
refuses "a schema 3 database is refused before migrate" "schema version 3, want 8" \
	"$BUILD/otpgate-provision" -c "$T/moved.conf" list
"$BUILD/otpgate-provision" -c "$T/moved.conf" migrate >/dev/null 2>&1 &&
	"$BUILD/otpgate-provision" -c "$T/moved.conf" audit verify >"$T/out" 2>&1
check "migrate seals the old entries into a chain that verifies" grep -q "audit trail intact" "$T/out"
check "migrate: no entry names race0 in clear any more" \
	[ "$(moved "select count(*) from audit where \"user\" = 'race0' or mac is null")" -eq 0 ]

# 7. the fleet through PgBouncer (transaction pooling), as docs/fleet.md sets
# it up: every bastion's conninfo names the pooler, which hands each
# transaction whatever server connection is free. Nothing may depend on
# the session: the server's timeouts come with each transaction, the
# audit chain's lock is transaction-scoped, statements are unnamed.
on_store pg "$OTPGATE_TEST_CONNINFO"
for b in $(seq 1 "$BASTIONS"); do
	sed -e "s|conninfo = \"[^\"]*\"|conninfo = \"$OTPGATE_TEST_POOLED_CONNINFO\"|" \
		-e "s|spool = \"[^\"]*\"|spool = \"$T/pspool$b\"|" "$T/bastion$b.conf" >"$T/pooled$b.conf"
	chmod 600 "$T/pooled$b.conf"
	printf 'auth required %s/pam_otpgate.so config=%s/pooled%s.conf\n' "$BUILD" "$T" "$b" \
		>"$T/pam.d/pooled$b"
done
"$BUILD/otpgate-provision" -c "$T/pooled1.conf" import --format csv "$T/ptokens.csv" >"$T/out" 2>&1
check "through PgBouncer: import" grep -q "^imported $((ROUNDS + 4)) tokens" "$T/out"
"$BUILD/otpgate-provision" -c "$T/pooled1.conf" status >"$T/out" 2>&1
check "through PgBouncer: status finds the store" \
	grep -q '^OK       store      postgresql: reachable, schema version 8' "$T/out"
race_rounds pooled prace
check "through PgBouncer: the same code on $BASTIONS bastions at once, one success in each of $ROUNDS rounds" \
	[ "$bad_rounds" -eq 0 ]
check "through PgBouncer: every refused racer is audited as a replay" \
	[ "$(audit_where "event='auth' and reason='replay' and \"user\" like 'prace%'")" \
	  -eq $((ROUNDS * (BASTIONS - 1))) ]
login_refused "through PgBouncer: a first failure, on bastion 1" pooled1 pspread 000000 "$AF" bad-code
login_refused "through PgBouncer: a second, on bastion 2" pooled2 pspread 000001 "$AF" bad-code
login_refused "through PgBouncer: a third, on bastion 3" pooled3 pspread 000002 "$AF" bad-code
check "through PgBouncer: failures on three bastions lock the account" \
	[ "$(audit_where "event='lockout' and \"user\"='pspread'")" -eq 1 ]
wait_margin 3
login_refused "through PgBouncer: the lock holds on bastion 4, even for the right code" \
	pooled4 pspread "$(code "$(secret pspread)")" "$AF" locked
"$BUILD/otpgate-provision" -c "$T/pooled2.conf" audit verify >"$T/out" 2>&1
check "through PgBouncer: the fleet's audit chain is intact" grep -q "audit trail intact" "$T/out"
# the spool: the server goes away behind PgBouncer, and comes back
$OTPGATE_TEST_PGCTL -m fast stop >/dev/null
LOGIN_TIMEOUT=30 pam_login pooled1 pdown 123456
check "through PgBouncer, server stopped: the login ends (no hang)" [ $? -ne 124 ]
check "through PgBouncer, server stopped: refused with PAM_AUTHINFO_UNAVAIL" \
	grep -qx "$UNAVAIL" "$T/login.out"
check "through PgBouncer, server stopped: the attempt is spooled, with its reason" \
	grep -q "reason=store-unavailable user=pdown " "$T/pspool1"
$OTPGATE_TEST_PGCTL start >/dev/null
# until PgBouncer reaches the server again (server_login_retry)
answers() { psql -Atq "$1" -c 'select 1' >/dev/null 2>&1; }
poll 100 answers "$OTPGATE_TEST_POOLED_CONNINFO"
wait_margin 3
LOGIN_SPOOLED="auth|failure|store-unavailable|pdown"
logs_in "through PgBouncer, server back: logins work again (the spooled attempt written first)" \
	pooled1 pdown "$(code "$(secret pdown)")"
LOGIN_SPOOLED=
check "through PgBouncer, server back: the spool is gone" [ ! -e "$T/pspool1" ]
# a session cut off behind PgBouncer, while the server's answer is on its
# way: the server holds the claim's row lock and the chain's lock in an
# open transaction, and PgBouncer cannot tell it anything. The timeouts
# each transaction set end that session, so the next login gets the locks.
PX="$T/pproxy"
mkdir "$PX"
"$PROXY" "$PX" "$OTPGATE_TEST_PGPORT" &
proxy=$!
poll 100 test -s "$PX/port"
printf '[databases]\notpgate_cut = host=127.0.0.1 port=%s dbname=otpgate\n' "$(cat "$PX/port")" \
	>>"$OTPGATE_TEST_PGBOUNCER_INI"
$OTPGATE_TEST_PGBOUNCER_RELOAD
cut_conninfo=$(echo "$OTPGATE_TEST_POOLED_CONNINFO" | sed 's/dbname=otpgate/dbname=otpgate_cut/')
check "through PgBouncer: a database added to its config is served after a reload" \
	poll 100 answers "$cut_conninfo"
sed -e "s|dbname=otpgate|dbname=otpgate_cut|" -e "s|spool = \"[^\"]*\"|spool = \"$T/pspool-cut\"|" \
	"$T/pooled1.conf" >"$T/pcut.conf"
chmod 600 "$T/pcut.conf"
printf 'auth required %s/pam_otpgate.so config=%s/pcut.conf\n' "$BUILD" "$T" >"$T/pam.d/pcut"
wait_margin 8
# a generous outer timeout turns a hang into a failure
timeout 60 "$BUILD/tests/pam-login" -d "$T/pam.d" -s pcut -u pcut -r 127.0.0.1 \
	-P "$PROXY --set $PX cut-on-reply" "$(code "$(secret pcut)")" >"$T/out" 2>&1
rc=$?
check "through PgBouncer, answer lost: the login ends (no hang)" [ "$rc" -ne 124 ]
check "through PgBouncer, answer lost: refused with PAM_AUTHINFO_UNAVAIL" grep -qx "$UNAVAIL" "$T/out"
check "through PgBouncer, answer lost: the attempt is spooled, with its reason" \
	grep -q "reason=store-error user=pcut " "$T/pspool-cut"
logs_in "through PgBouncer, answer lost: the cut-off session's locks are gone, bastion 2 logs in" \
	pooled2 pafter "$(code "$(secret pafter)")"
"$PROXY" --set "$PX" forward
stop "$proxy"
proxy=""
"$BUILD/otpgate-provision" -c "$T/pooled3.conf" audit verify >"$T/out" 2>&1
check "through PgBouncer: after the faults the chain is intact" grep -q "audit trail intact" "$T/out"

# 7a. sessions, fleet-wide, through PgBouncer: a session opened on one
# bastion is seen from another, its user warned there of it (by its
# bastion's name), and only its own bastion closes it. Each is held open
# by its own process (pam-login -O), as sshd's session process holds one.
for b in 1 2; do
	{ cat "$T/pooled$b.conf"; echo "host = \"bastion-p$b\";"; } >"$T/psess$b.conf"
	chmod 600 "$T/psess$b.conf"
	printf 'auth required pam_permit.so\nsession optional %s/pam_otpgate.so config=%s/psess%s.conf\n' \
		"$BUILD" "$T" "$b" >"$T/pam.d/psess$b"
done
holders=""
# shellcheck disable=SC2086 # a list of pids, one word each
stop_holders() { exec 5>&- 6>&-; stop $holders; }
on_exit stop_holders
# hold NAME FD B RHOST: a session of psess through bastion B, held open until FD is closed
hold() {
	mkfifo "$T/$1.in"
	"$BUILD/tests/pam-login" -d "$T/pam.d" -s "psess$3" -u psess -r "$4" -O - \
		<"$T/$1.in" >"$T/$1.out" 2>"$T/$1.err" 5>&- 6>&- &
	holders="$holders $!"
	eval "$1_pid=$!"
	eval "exec $2>\"\$T/\$1.in\""
	poll 100 grep -q 'session open' "$T/$1.out"
}
s1_pid=""
psessions() { sql "select count(*) from sessions where \"user\" = 'psess' ${1:-}"; }
hold s1 5 1 127.0.0.1
hold s2 6 2 127.0.0.2
S1=$(sql "select id from sessions where \"user\" = 'psess' and host = 'bastion-p1'")
check "through PgBouncer: sessions on two bastions recorded in the shared store" \
	[ "$(psessions)" -eq 2 ]
check "through PgBouncer: the second bastion warns of the first, naming it" \
	grep -q "^info: otpgate: you also have a session on bastion-p1 from 127.0.0.1 (.*) since .*; it runs on host bastion-p1: end it there (session $S1)$" "$T/s2.err"
"$BUILD/otpgate-provision" -c "$T/psess2.conf" sessions psess >"$T/out" 2>&1
check "through PgBouncer: sessions on bastion 2 lists both bastions' sessions" \
	sh -c "[ \$(wc -l <'$T/out') -eq 2 ] && grep -q ' bastion-p1 ' '$T/out' && grep -q ' bastion-p2 ' '$T/out'"
refuses "through PgBouncer: bastion 2 refuses to close bastion 1's session, naming it" \
	"session $S1 runs on host bastion-p1, not here: close it there" \
	"$BUILD/otpgate-provision" -c "$T/psess2.conf" close "$S1"
succeeds "through PgBouncer: bastion 1 closes its own session" \
	"$BUILD/otpgate-provision" -c "$T/psess1.conf" close "$S1"
check "... its process got SIGHUP and ended, the session is forgotten" \
	sh -c "grep -q 'got SIGHUP and ended' '$T/out' && ! kill -0 $s1_pid 2>/dev/null &&
	[ $(psessions "and id = '$S1'") -eq 0 ]"
exec 6>&-
none_left() { [ "$(psessions)" -eq 0 ]; }
check "through PgBouncer: a session that ends closes itself" poll 100 none_left
stop_holders
holders=""

# 8. otpgated keeps each worker's connection open between logins: the
# database restarted meanwhile (its connections closed) must cost no login
python3 - "$T" <<'PY'
import os, sys
t = sys.argv[1]
with open(f"{t}/dtokens.csv", "w") as c, open(f"{t}/secrets", "a") as s:
    c.write("user,serial,secret\n")
    for name in [f"warm{i}" for i in range(8)] + [f"again{i}" for i in range(6)]:
        key = os.urandom(20).hex()
        c.write(f"{name},HW-{name},{key}\n")
        s.write(f"{name} {key}\n")
PY
"$BUILD/otpgate-provision" -c "$T/bastion1.conf" import --format csv "$T/dtokens.csv" >/dev/null
"$BUILD/otpgated" -s "$T/otpgated.sock" -w 4 2>"$T/otpgated.err" &
dpid=$!
# shellcheck disable=SC2317 # run at exit, through on_exit
stop_daemon() { stop "$dpid" || true; }
on_exit stop_daemon
poll 100 test -S "$T/otpgated.sock"
printf 'auth required %s/pam_otpgate.so config=%s/bastion1.conf daemon=%s/otpgated.sock\n' \
	"$BUILD" "$T" "$T" >"$T/pam.d/viad"
wait_margin 6
warm=0
for i in 0 1 2 3 4 5 6 7; do
	pam_login viad "warm$i" "$(code "$(secret "warm$i")")" && warm=$((warm + 1))
done
check "through otpgated: logins on PostgreSQL (every worker's connection opened)" [ "$warm" -eq 8 ]
$OTPGATE_TEST_PGCTL -m fast restart >/dev/null
again=0
for i in 0 1 2 3 4 5; do
	pam_login viad "again$i" "$(code "$(secret "again$i")")" && again=$((again + 1))
done
check "through otpgated: the database restarted between logins, every next login succeeds" \
	[ "$again" -eq 6 ]
stop "$dpid" || true

tap_done

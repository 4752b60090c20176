#!/bin/sh
# The station's record, on real databases only: SQLite files and a private
# PostgreSQL cluster this test starts (tests/lib-pg.sh). Four stations
# (tests/station_sim: the record's side of a run) allocate identities for
# 25 boards each at once; one is killed mid-run and restarted. Then the
# faults that must stop a station before it touches a board.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/lib-pg.sh"
SIM=$top_builddir/tests/station_sim
pids=""
cleanup() {
	for p in $pids; do kill -9 "$p" 2>/dev/null; done
	wait 2>/dev/null
	pg_stop
	rm -rf "$T"
}
trap cleanup EXIT
chmod 755 "$T" # the read-only test runs as an unprivileged user

# q TARGET SQL: rows of a query, "|" between columns, on either backend
q() {
	case $1 in
	*=*) psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$1" -c "$2" ;;
	*) sqlite3 -batch -cmd '.timeout 15000' "$1" "$2" ;;
	esac
}

# expect_eq GOT WANT DESCRIPTION
expect_eq() {
	if [ "$1" = "$2" ]; then ok "$3"; else not_ok "$3 (got \"$1\", expected \"$2\")"; fi
}

# stations LABEL TARGET: 4 stations x 25 boards at once; the 4th, slower,
# is killed (SIGKILL) in the middle of a run that holds an identity, then
# restarted: first alone (recovery), then on its boards again.
stations() {
	label=$1 tgt=$2
	spids=""
	for i in 1 2 3 4; do
		ms=5
		[ "$i" -eq 4 ] && ms=25
		stop=""
		[ "$i" -eq 4 ] && stop="--stop-at 5"
		"$SIM" --record "$tgt" --station "$label-$i" --boards 25 --uid-base "$i"00000 \
			--step-ms "$ms" $stop >"$T/$label-$i.out" 2>"$T/$label-$i.err" &
		spids="$spids $!"
		pids="$pids $!"
	done
	k=$!
	# Station 4 stops itself (SIGSTOP) once it holds the 6th board's value,
	# after 5 boards: it is killed there, for certain, not by timing.
	n=0
	while [ "$n" -lt 600 ]; do
		state=$(sed 's/.*) \(.\).*/\1/' "/proc/$k/stat" 2>/dev/null)
		[ "$state" = T ] && break
		sleep 0.05
		n=$((n + 1))
	done
	kill -9 "$k"
	wait "$k" 2>/dev/null
	lost=$(q "$tgt" "SELECT identity FROM runs WHERE station = '$label-4' AND result = 'running'")
	lost_uid=$(q "$tgt" "SELECT board_uid FROM runs WHERE station = '$label-4' AND result = 'running'")
	if [ -n "$lost" ]; then ok "$label: station 4 killed mid-run holding $lost"; else not_ok "$label: station 4 was not killed mid-run"; fi
	rc=0
	for p in $spids; do
		[ "$p" = "$k" ] && continue
		wait "$p" || rc=1
	done
	expect_eq "$rc" 0 "$label: stations 1-3 finished"
	cat "$T/$label-1.err" "$T/$label-2.err" "$T/$label-3.err" | sed 's/^/    /'

	expect_eq "$(q "$tgt" "SELECT state FROM identities WHERE value = '$lost'")" allocated \
		"$label: the killed station's value is on record as allocated to its board"
	"$SIM" --record "$tgt" --station "$label-4" --boards 0 >"$T/$label-4r.out" 2>&1
	expect_eq "$(head -1 "$T/$label-4r.out")" "recovered 1 1 $lost" \
		"$label: the restarted station reports the interrupted run and the abandoned value"
	expect_eq "$(q "$tgt" "SELECT state, board_uid FROM identities WHERE value = '$lost'")" \
		"abandoned|$lost_uid" "$label: the abandoned value is recorded as such, with its board"
	expect_eq "$(q "$tgt" "SELECT result FROM runs WHERE station = '$label-4' AND identity = '$lost' ORDER BY id LIMIT 1")" \
		interrupted "$label: the killed run is recorded as interrupted"

	"$SIM" --record "$tgt" --station "$label-4" --boards 25 --uid-base 400000 \
		>"$T/$label-4b.out" 2>&1
	expect_eq "$?" 0 "$label: station 4 restarted and finished its boards"
	expect_eq "$(grep -c ' kept$' "$T/$label-4b.out")" "$(($(grep -c '^board' "$T/$label-4.out") + 1))" \
		"$label: re-flashed boards kept their values (the interrupted one too)"
	grep "^board $lost_uid " "$T/$label-4b.out" >"$T/line"
	expect_eq "$(cut -d' ' -f3 "$T/line")" "$lost" "$label: the interrupted board got its own value back"

	cat "$T/$label-1.out" "$T/$label-2.out" "$T/$label-3.out" "$T/$label-4b.out" |
		grep '^board' >"$T/$label-all"
	expect_eq "$(wc -l <"$T/$label-all")" 100 "$label: 100 boards"
	expect_eq "$(cut -d' ' -f3 "$T/$label-all" | sort -u | wc -l)" 100 "$label: 100 distinct values"
	expect_eq "$(q "$tgt" "SELECT COUNT(*), COUNT(DISTINCT value), COUNT(DISTINCT board_uid) FROM identities WHERE state = 'used'")" \
		"100|100|100" "$label: the record holds 100 used values on 100 boards"
	expect_eq "$(q "$tgt" "SELECT COUNT(*), MIN(value), MAX(value) FROM identities")" \
		"100|FW-000001|FW-000100" "$label: no value skipped or lost (FW-000001..FW-000100)"
	expect_eq "$(q "$tgt" "SELECT COUNT(*) FROM runs r WHERE r.result = 'pass' AND (SELECT COUNT(*) FROM run_steps s WHERE s.run_id = r.id) = 7 AND (SELECT COUNT(*) FROM run_images i WHERE i.run_id = r.id) = 1")" \
		"$(($(q "$tgt" "SELECT COUNT(*) FROM runs") - 1))" \
		"$label: every run but the interrupted one passed with its 7 steps and its image"
}

# history LABEL TARGET: fwpack history answers from what stations() left
history() {
	label=$1 tgt=$2
	"$FWPACK" history --record "$tgt" --identity "$lost" --json >"$T/h.json" 2>"$T/out"
	expect_eq "$? $(jq -r '[.[] | .result] | join(",")' "$T/h.json")" "0 interrupted,pass" \
		"$label: history --identity: the interrupted run, then the one that passed"
	expect_eq "$(jq -r '[.[].board] | unique | join(",")' "$T/h.json")" "$lost_uid" \
		"$label: ...both on the same board"
	expect_eq "$(jq -r '.[1].steps | length' "$T/h.json") $(jq -r '.[1].images[0].name' "$T/h.json")" \
		"7 app" "$label: ...with its steps and images"
	up=$(echo "$lost_uid" | tr a-f A-F)
	"$FWPACK" history --record "$tgt" --board "0x$up" >"$T/out" 2>&1
	expect_eq "$? $(grep -c " $lost_uid " "$T/out")" "0 2" "$label: history --board (0x, capitals) as a table"
	"$FWPACK" history --record "$tgt" --failures --csv >"$T/h.csv" 2>&1
	expect_eq "$(head -1 "$T/h.csv" | cut -d, -f1-3)" "run,started,finished" "$label: history --csv has a header"
	expect_eq "$(grep -c ',interrupted,' "$T/h.csv") $(($(wc -l <"$T/h.csv") - 1))" "1 1" \
		"$label: history --failures: only the interrupted run"
	"$FWPACK" history --record "$tgt" --json \
		--digest 5E884898DA28047151D0E56F8DC6292773603D0D6AABBDD62A11EF721D1542D8 >"$T/h.json"
	expect_eq "$(jq length "$T/h.json")" "$(q "$tgt" "SELECT COUNT(*) FROM runs")" \
		"$label: history --digest: every run wrote that image"
	"$FWPACK" history --record "$tgt" --digest 00 >"$T/out" 2>&1
	expect_eq "$?" 64 "$label: history --digest checks its argument"
}

# faults LABEL TARGET: each stops the station before its first board
faults() {
	label=$1 tgt=$2
	"$SIM" --record "$tgt" --station "$label-x" --pool small --end 3 --boards 5 \
		--uid-base 700000 >"$T/out" 2>&1
	expect_eq "$? $(grep -c '^board' "$T/out")" "1 3" "$label: a pool of 3 serves 3 boards, then fails"
	expect_output_file "is exhausted" "$label: exhausted pool: clear error"
	runs=$(q "$tgt" "SELECT COUNT(*) FROM runs")
	"$SIM" --record "$tgt" --station "$label-x" --pool small --end 3 --boards 1 \
		--uid-base 710000 >"$T/out" 2>&1
	expect_eq "$? $(grep -c '^recovered' "$T/out")" "1 0" "$label: an exhausted pool stops the station before any board"
	expect_output_file 'identity pool "small" is exhausted' "$label: ...naming the pool"
	expect_eq "$(q "$tgt" "SELECT COUNT(*) FROM runs")" "$runs" "$label: ...and no run was started"
	"$SIM" --record "$tgt" --station "$label-x" --pool small --format "SN{:08x}" --boards 1 >"$T/out" 2>&1
	expect_eq "$?" 1 "$label: one pool, one format"
	expect_output_file 'has the format "FW-{:06d}", not "SN{:08x}"' "$label: ...clear error"

	printf 'serial,mac\nA1,00:11\nA2,00:12\n' >"$T/ok.csv"
	"$SIM" --record "$tgt" --station "$label-c" --pool macs --csv "$T/ok.csv" --column mac \
		--boards 3 --uid-base 720000 >"$T/out" 2>&1
	expect_eq "$? $(grep '^board' "$T/out" | cut -d' ' -f3 | tr '\n' ' ')" "1 00:11 00:12 " \
		"$label: a CSV pool hands out its values in order, then is exhausted"
	"$SIM" --record "$tgt" --station "$label-m" --pool cmd --command 'echo "MAC-$FWPACK_BOARD_UID"' \
		--boards 2 --uid-base 730000 >"$T/out" 2>&1
	expect_eq "$? $(grep -c ' MAC-0*73000[01] new$' "$T/out")" "0 2" "$label: a command pool"
	"$SIM" --record "$tgt" --station "$label-m" --pool same --command 'echo SAME' \
		--boards 2 --uid-base 740000 >"$T/out" 2>&1
	expect_eq "$? $(grep -c '^board' "$T/out")" "1 1" "$label: a command that repeats a value is refused"
	expect_output_file 'printed "SAME", which pool "same" already gave to board' "$label: ...clear error"
}

expect_output_file() {
	if grep -qF -- "$1" "$T/out"; then ok "$2"; else not_ok "$2 (no \"$1\")"; sed 's/^/    /' "$T/out"; fi
}

# ---- SQLite: several processes on one file ----
stations sqlite "$T/station.db"
history sqlite "$T/station.db"
faults sqlite "$T/station.db"

printf 'serial\nS1\nS2\nS3\nS2\n' >"$T/dup.csv"
"$SIM" --record "$T/dup.db" --csv "$T/dup.csv" >"$T/out" 2>&1
expect_eq "$?" 1 "a CSV list with a duplicate is refused"
expect_output_file 'dup.csv:5: duplicate value "S2" (also on line 3)' "...naming both lines"
if [ -e "$T/dup.db" ]; then not_ok "...before the record is even opened"; else ok "...before the record is even opened"; fi

# An identity command is bounded in time and must succeed.
start=$(date +%s)
"$SIM" --record "$T/cmd.db" --pool slow --command 'sleep 30; echo late' --boards 1 >"$T/out" 2>&1
expect_eq "$? $(grep -c '^board' "$T/out")" "1 0" "a command that hangs gives no value"
expect_output_file "identity command \"sleep 30; echo late\": no value within 5000 ms (killed)" "...killed after its time limit"
if [ $(($(date +%s) - start)) -lt 20 ]; then ok "...without waiting for it"; else not_ok "...without waiting for it"; fi
"$SIM" --record "$T/cmd.db" --pool bad --command 'echo X; exit 3' --boards 1 >"$T/out" 2>&1
expect_output_file 'identity command "echo X; exit 3" failed (exit status 3)' "a command that fails gives no value"
expect_eq "$(sqlite3 "$T/cmd.db" "SELECT COUNT(*) FROM identities; SELECT COUNT(*) FROM runs WHERE result = 'fail'")" \
	"0
2" "...and the record holds both failed runs, with no value"

cp "$T/station.db" "$T/ro.db"
chmod 444 "$T/ro.db"
as_user=""
[ "$(id -u)" -eq 0 ] && as_user="runuser -u nobody --"
$as_user "$SIM" --record "$T/ro.db" --station ro --boards 1 >"$T/out" 2>&1
expect_eq "$? $(grep -c '^board' "$T/out")" "1 0" "a read-only SQLite file stops the station"
expect_output_file "read-only (the station cannot record" "...with a clear error"
$as_user "$FWPACK" history --record "$T/ro.db" --identity FW-000001 --csv >"$T/out" 2>&1
expect_eq "$? $(grep -c ',FW-000001,' "$T/out" | sed 's/^[1-9][0-9]*$/some/')" "0 some" \
	"history reads a read-only record"
"$FWPACK" history --record "$T/none.db" >"$T/out" 2>&1
expect_eq "$?" 74 "history: a missing record file is an error"
sqlite3 "$T/other.db" "CREATE TABLE other (a)"
"$FWPACK" history --record "$T/other.db" >"$T/out" 2>&1
expect_eq "$? $(grep -c 'no station record in it' "$T/out")" "66 1" \
	"history: an SQLite file without the record's tables is not a record"

# ---- PostgreSQL: a private cluster ----
if pg_start; then
	ok "private PostgreSQL cluster started"
	shared=$(pg_createdb shared)
	stations pg "$shared"
	history pg "$shared"
	faults pg "$(pg_createdb faults)"
	"$FWPACK" history --record "$(pg_createdb blank)" >"$T/out" 2>&1
	expect_eq "$? $(grep -c 'no station record in it' "$T/out")" "66 1" \
		"pg: history on a database without the record's tables"
	url="postgresql://fwpack@/csvpool?host=$PG_DIR"
	pg_createdb csvpool >/dev/null
	seq 1 20 | sed '1i mac' | sed 's/^\([0-9]\)/02:00:00:00:00:\1/' >"$T/macs.csv"
	"$SIM" --record "$url" --station c1 --pool macs --csv "$T/macs.csv" --boards 10 --uid-base 1 >"$T/c1" 2>&1 &
	c1=$!
	pids="$pids $c1"
	"$SIM" --record "$url" --station c2 --pool macs --csv "$T/macs.csv" --boards 10 --uid-base 2000 >"$T/c2" 2>&1
	r2=$?
	wait "$c1"
	expect_eq "$? $r2" "0 0" "pg (URI): two stations share a CSV pool"
	expect_eq "$(cat "$T/c1" "$T/c2" | grep '^board' | cut -d' ' -f3 | sort -u | wc -l)" 20 \
		"pg: 20 boards, 20 distinct values from the list"

	ro=$(pg_createdb ro)
	pg_sql postgres "ALTER DATABASE ro SET default_transaction_read_only = on"
	"$SIM" --record "$ro" --station ro --boards 1 >"$T/out" 2>&1
	expect_eq "$? $(grep -c '^board' "$T/out")" "1 0" "pg: a read-only database stops the station"
	expect_output_file "read-only (the station cannot record" "pg: ...with a clear error"
	pg_stop
else
	not_ok "private PostgreSQL cluster started"
fi
"$SIM" --record "host=$T/no-server user=fwpack dbname=x" --boards 1 >"$T/out" 2>&1
expect_eq "$?" 1 "pg: an unreachable server stops the station"
expect_output_file "cannot connect (the station cannot record" "pg: ...with a clear error"
finish

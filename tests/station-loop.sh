#!/bin/sh
# fwpack run --loop: a plug-in station (tests/lib-station.sh's emulated
# boards). Each board plugged in gets exactly one run in the SQLite record,
# with its own identity, and a running count; SIGINT ends the station.
# Over USB (no identity: a USB-only recipe has no step that writes one):
# three blank boards plugged in one after another (usbemu
# plug-ms=), each re-enumerating during its own recipe (the DfuSe ROM
# leaves, the fwpack Loader takes its place with the same USB serial
# number): one run each, not two. Over serial: posix boards appearing on a
# glob's ports, each provisioned with a serial number its Application
# prints; a fourth that has no Loader fails; a fifth is plugged in and
# SIGINT comes during its run: the record says "interrupted" for it (and
# "fail" for the fourth), every step recorded, no run left running.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/lib-station.sh"

STATION_PID=
cleanup() {
	[ -n "$STATION_PID" ] && kill "$STATION_PID" 2>/dev/null
	st_stop_boards
	rm -rf "$T"
}
trap cleanup EXIT
S=$T/s
station_fixture "$S" || { not_ok "the station's images and recipes"; finish; exit 1; }
# wait_for SECONDS COMMAND...: until COMMAND succeeds, at most SECONDS
wait_for() {
	n=$(($1 * 10))
	shift
	for _ in $(seq "$n"); do "$@" && return 0; sleep 0.1; done
	return 1
}
logged() { grep -q "$1" "$T/log"; }
runs() { sqlite3 "$1" "SELECT count(*) FROM runs"; }
hist() { "$FWPACK" history --record "$1" --json | jq -r "$2"; }
# stop_station WHAT: SIGINT to the station; WHAT: it ends within 30 s; its exit status in $rc
stop_station() {
	kill -INT "$(cat "$T/pid")"
	if wait_for 30 sh -c "! kill -0 $STATION_PID 2>/dev/null"; then ok "$1"; else
		not_ok "$1"; sed 's/^/    /' "$T/log"; fi
	wait "$STATION_PID"
	rc=$?
	STATION_PID=
}

# 1. USB: three blank boards, one after another, each re-enumerating (ROM -> Loader).
devs=
for n in 1 2 3; do
	st_loader_flash "$T/ul$n"
	devs="$devs --device dfuse,serial=L$n,flash=$T/ud$n,plug-ms=$((500 + (n - 1) * 3000)),reappear=loader,loader.flash=$T/ul$n"
done
rm -f "$T/pid"
# shellcheck disable=SC2086
timeout -k 5 120 "$ST_EMU" $devs -- sh -c "echo \$\$ >'$T/pid'; exec '$FWPACK' run --loop --all \
	--record '$T/u.db' --station loop-usb '$S/usb.json'" >"$T/log" 2>&1 &
STATION_PID=$!
if wait_for 90 logged "station: 3 passed"; then ok "USB: three boards plugged in one after another pass"; else
	not_ok "USB: three boards plugged in one after another pass"; sed 's/^/    /' "$T/log"; fi
sleep 1.5 # more hotplug events (the boards boot): nobody gets a second run
stop_station "USB: the station ends on SIGINT"
expect_eq "$rc" 0 "...exit 0: every board passed"
for n in 1 2 3; do
	expect_output "station: $n passed, 0 failed, 0 interrupted" "...the running count after board $n"
done
expect_output "3 passed, 0 failed, 0 interrupted (station loop-usb)" "...and the summary"
expect_eq "$(runs "$T/u.db")" 3 "the record: one run per board, though each re-enumerated (ROM, then Loader)"
expect_eq "$(hist "$T/u.db" 'map(.board + ":" + .result) | sort | join(" ")')" "L1:pass L2:pass L3:pass" \
	"...three distinct boards, each by its USB serial number (the ROM's), passed"
expect_eq "$(hist "$T/u.db" 'map(.steps | length) | join(" ")')" "6 6 6" "...every step of each recorded"
all=1
for n in 1 2 3; do st_app_in "$T/ul$n" || all=0; done
expect_eq "$all" 1 "...each board's Loader committed the Application"

# 2. Serial: posix boards appear on the fixture's ports; the recipe provisions
#    each with a serial number its Application prints (the factory steps done).
jq '.board.rom = "none" | .steps |= .[3:] | .steps[0].timeout_ms = 3000' "$S/prov.json" >"$S/ser-prov.json"
mkdir "$T/fix"
rm -f "$T/pid"
sh -c "echo \$\$ >'$T/pid'; LD_PRELOAD='$ST_SHIM' exec '$FWPACK' run --loop --port '$T/fix/*' \
	--record '$T/s.db' --station loop-ser '$S/ser-prov.json'" >"$T/log" 2>&1 &
STATION_PID=$!
for n in 1 2 3; do
	sleep 0.5
	st_board "$n" "$T" && ln -s "$(readlink "$T/dev$n")" "$T/fix/b$n" || not_ok "posix board $n"
	wait_for 60 logged "station: $n passed" || { not_ok "serial board $n passes"; sed 's/^/    /' "$T/log"; }
done
expect_output "station: 3 passed, 0 failed, 0 interrupted" "serial: three boards plugged in one after another pass"
sleep 1 # a few more scans: nobody gets a second run
expect_eq "$(runs "$T/s.db")" 3 "...one run each in the record"
# A fourth board with no Loader in its flash: nothing answers on its port; it fails.
head -c $((0x104000)) /dev/zero | tr '\000' '\377' >"$T/pf4"
"$ST_DEV" --flash "$T/pf4" --link "$T/raw4" >"$T/board4.log" 2>&1 &
ST_PIDS="$ST_PIDS $!"
wait_link "$T/raw4" && ln -s "$(readlink "$T/raw4")" "$T/fix/b4" || not_ok "posix board 4"
wait_for 30 logged "station: 3 passed, 1 failed, 0 interrupted" ||
	{ not_ok "a board without a Loader fails, counted"; sed 's/^/    /' "$T/log"; }
# A fifth board; SIGINT while it is in its recipe (after its Loader reported its unique ID).
st_board 5 "$T" && ln -s "$(readlink "$T/dev5")" "$T/fix/b5" || not_ok "posix board 5"
wait_for 30 sh -c "[ \"\$(sqlite3 '$T/s.db' 'SELECT count(*) FROM runs')\" = 5 ]" ||
	not_ok "the fifth board's run started"
sleep 0.3 # its Loader answers within 50 ms; its Application takes over a second to send
stop_station "serial: the station ends on SIGINT during a board's run"
expect_eq "$rc" 69 "...exit 69: a board failed (its Loader never answered)"
expect_output "STOPPED " "...that board is reported as stopped"
expect_output "3 passed, 1 failed, 1 interrupted (station loop-ser)" "...and the counts say so"
expect_eq "$(hist "$T/s.db" 'map(.result) | join(" ")')" "pass pass pass fail interrupted" \
	"the record: three passed, the fourth failed (not interrupted: it failed before the stop), the fifth interrupted"
expect_eq "$(hist "$T/s.db" '.[3].steps | map(.name + ":" + .result) | join(" ")')" \
	"wait_loader:fail write:skipped provision:skipped boot:skipped expect:skipped" "...the fourth: its Loader never answered"
expect_eq "$(sqlite3 "$T/s.db" "SELECT count(*) FROM runs WHERE result = 'running' OR finished IS NULL")" 0 \
	"...no run left half-recorded"
expect_eq "$(hist "$T/s.db" 'map(.steps | length) | join(" ")')" "5 5 5 5 5" \
	"...every step of every run recorded (the interrupted one's rest as skipped)"
expect_eq "$(hist "$T/s.db" '[.[] | select(.result == "interrupted") | .steps[-1].result] | join(" ")')" "skipped" \
	"...the interrupted run's last step skipped"
expect_eq "$(hist "$T/s.db" '[.[] | select(.result == "pass") | .identity] | sort | join(" ")')" \
	"FW-000001 FW-000002 FW-000003" "...three distinct serial numbers for the boards that passed"
expect_eq "$(hist "$T/s.db" '[.[] | .board | select(test("^[0-9a-f]{24}$"))] | unique | length')" 4 \
	"...four boards by the unique ID their Loader reported (the fifth's too)"
for n in 1 2 3; do
	if grep -q "^PASS [0-9a-f]\{24\} identity FW-00000$n " "$T/log"; then ok "...board $n's result line"; else
		not_ok "...board $n's result line"; fi
done

# 3. --wait (no --loop): the board named is plugged in 1.5 s after the start.
st_loader_flash "$T/wl1"
expect_exit 0 "--wait: a USB board plugged in after the start gets its run" \
	timeout -k 5 60 "$ST_EMU" --device "dfuse,serial=W1,flash=$T/wd1,plug-ms=1500,reappear=loader,loader.flash=$T/wl1" -- \
	"$FWPACK" run --wait=20 --serial W1 --record "$T/w.db" "$S/usb.json"
expect_output "PASS W1" "...it passes"
t0=$(date +%s)
expect_exit 69 "--wait=1: a board that comes too late fails" \
	timeout -k 5 30 "$ST_EMU" --device "dfuse,serial=W2,flash=$T/wd2,plug-ms=8000" -- \
	"$FWPACK" run --wait=1 --timeout 500 --serial W2 --record "$T/w.db" "$S/usb.json"
expect_eq "$(($(date +%s) - t0 < 6))" 1 "...without waiting for it longer than asked"

# 4. Refused before any board.
expect_exit 64 "--loop with --wait" "$FWPACK" run --loop --wait=5 --all "$S/usb.json"
expect_output "--loop waits for boards by itself" "...says why"
expect_exit 64 "--loop with a recipe that pairs USB devices with ports" \
	"$FWPACK" run --loop --record "$T/x.db" --port "$T/fix/*" "$S/ser.json"
expect_output "pair only in a list given up front" "...says why"
expect_exit 64 "--loop, a serial recipe, no --port" "$FWPACK" run --loop --record "$T/x.db" --all "$S/ser-prov.json"
expect_output "give --port with a glob" "...says what to give"
finish

#!/bin/sh
# fwpack run on emulated boards (tests/lib-station.sh): the factory images
# through usbemu's DfuSe ROM model (mass erase, write, leave), the fwpack
# Loader after it (usbemu's loader model in the DfuSe device's place, or
# the posix port on a pty) takes the Application, the board boots and its
# console prints the expected line; the record (SQLite, and once the
# private PostgreSQL cluster) holds every step. Also: several boards in one
# run, a board that fails its check, and what refuses before a board.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/lib-pg.sh"
. "$top_srcdir/tests/lib-station.sh"

cleanup() {
	st_stop_boards
	pg_stop
	rm -rf "$T"
}
trap cleanup EXIT
S=$T/s
station_fixture "$S" || { not_ok "the station's images and recipes"; finish; exit 1; }
STEPS_USB="dfuse_mass_erase:pass dfuse_write:pass dfuse_leave:pass wait_loader:pass write:pass boot:pass"
steps() { # RECORD: the last run's steps, name:result
	"$FWPACK" history --record "$1" --json | jq -r '.[-1].steps | map(.name + ":" + .result) | join(" ")'
}

# 1. One board, the Loader over DFU: the DfuSe device leaves and the Loader takes its place.
st_loader_flash "$T/lf1"
expect_exit 0 "one board: DfuSe factory images, then the Application through the DFU Loader" \
	st_usb "--device dfuse,serial=B1,flash=$T/d1,reappear=loader,loader.flash=$T/lf1" \
	"$FWPACK" run --record "$T/r.db" --station line1 --operator ann --serial B1 "$S/usb.json"
# (The fwpack Loader's iSerialNumber is its unique ID: the Loader in B1's place reports UID b1.)
expect_output "PASS b1" "...the board passes, under the unique ID its DFU Loader reports"
expect_output "1 passed, 0 failed, 0 not run (station line1)" "...and the summary says so"
blsz=$(wc -c <"$S/out/bootloader.bin")
if tail -c +1 "$T/d1" | head -c "$blsz" | cmp -s - "$S/out/bootloader.bin"; then
	ok "...the ROM's flash holds the Bootloader at 0x08000000"; else not_ok "...the ROM's flash holds the Bootloader"; fi
ldsz=$(wc -c <"$S/out/loader.bin")
if tail -c +$((0x4000 + 1)) "$T/d1" | head -c "$ldsz" | cmp -s - "$S/out/loader.bin"; then
	ok "...and the Loader at 0x08004000"; else not_ok "...and the Loader at 0x08004000"; fi
if st_app_in "$T/lf1"; then ok "...the Loader committed the Application"; else
	not_ok "...the Loader committed the Application"; fi
expect_eq "$(steps "$T/r.db")" "$STEPS_USB" "the record: every step of the recipe, in order, passed"
"$FWPACK" history --record "$T/r.db" --json >"$T/h.json"
expect_eq "$(jq -r '.[0] | .station + " " + .operator + " " + .board + " " + .result' "$T/h.json")" \
	"line1 ann b1 pass" "...the station, operator, board and result"
bytes=$(jq -r '.[0].steps | map(select(.name == "dfuse_write" or .name == "write") | .bytes) | join(" ")' "$T/h.json")
expect_eq "$bytes" "$(( $(wc -c <"$S/out/bootloader.bin") + ldsz )) $(wc -c <"$S/out/app.bin")" \
	"...the bytes each write step sent"
expect_eq "$(jq -r '[.[0].steps[] | select(.duration_ms > 0)] | length >= 3' "$T/h.json")" "true" \
	"...and the steps' durations"

# 2. Two boards, the Loader over serial (posix ports on ptys, paired in order
#    with the DfuSe devices), the console check, PostgreSQL as the record.
st_board 1 "$T" && st_board 2 "$T" || not_ok "two posix boards"
if pg_start; then
	ok "private PostgreSQL cluster started"
	db=$(pg_createdb station)
	expect_exit 0 "two boards: DfuSe, then the serial Loader, boot, the console line; PostgreSQL" \
		st_usb "--device dfuse,serial=C1,flash=$T/c1 --device dfuse,serial=C2,flash=$T/c2" \
		"$FWPACK" run --record "$db" --station line2 --serial C1 --serial C2 --port "$T/dev[12]" "$S/ser.json"
	expect_output "2 passed, 0 failed" "...both pass"
	expect_output "expect: pass" "...each console printed the line"
	all=1
	for n in 1 2; do st_app_in "$T/pf$n" || all=0; done
	expect_eq "$all" 1 "...both posix boards hold the Application"
	"$FWPACK" history --record "$db" --json >"$T/h.json"
	expect_eq "$(jq -r 'map(.port + ":" + .result) | sort | join(" ")' "$T/h.json")" \
		"$T/dev1 (usb C1):pass $T/dev2 (usb C2):pass" "...the record: each board with its place, port and USB serial number"
	expect_eq "$(jq -r 'map(.board | test("^[0-9a-f]{24}$")) | unique | join(" ")' "$T/h.json")" "true" \
		"...each keyed by the unique ID its Loader reported (not C1, C2)"
	expect_eq "$(pg_sql station "SELECT count(*) FROM boards WHERE uid IN ('C1', 'C2')")" "0" \
		"...and the stand-in keys C1, C2 left no board behind (PostgreSQL's re-key)"
	expect_eq "$(jq -r '.[0].steps | map(.name + ":" + .result) | join(" ")' "$T/h.json")" \
		"$STEPS_USB expect:pass" "...and every step, the console check last"
else
	not_ok "private PostgreSQL cluster started"
fi
st_stop_boards

# 3. A board whose console never prints the line: it fails, by name, and the record says why.
st_board 3 "$T" || not_ok "posix board 3"
jq '.steps[-1].line = "no such line" | .steps[-1].timeout_ms = 800' "$S/ser.json" >"$S/never.json"
expect_exit 1 "a board that fails its console check fails the run" \
	st_usb "--device dfuse,serial=E1,flash=$T/e1" \
	"$FWPACK" run --record "$T/r.db" --station line1 --serial E1 --port "$T/dev3" "$S/never.json"
expect_output "FAIL $("$FWPACK" history --record "$T/r.db" --json | jq -r '.[-1].board')" "...naming the board by its unique ID"
expect_output "no line \"no such line\" on $T/dev3 in 800 ms" "...and why"
expect_eq "$(steps "$T/r.db")" "$STEPS_USB expect:fail" "...the record: the check failed, the steps before passed"
expect_eq "$("$FWPACK" history --record "$T/r.db" --json | jq -r '.[-1].result')" "fail" "...the run failed"
st_stop_boards

# 4. A board that is not there: the first step fails, the rest are skipped.
st_loader_flash "$T/lf4"
expect_exit 69 "the DfuSe device is not there" \
	st_usb "--device dfuse,serial=X1,flash=$T/x1" "$FWPACK" run --timeout 500 --record "$T/r.db" \
	--serial NOPE "$S/usb.json"
expect_eq "$(steps "$T/r.db")" \
	"dfuse_mass_erase:fail dfuse_write:skipped dfuse_leave:skipped wait_loader:skipped write:skipped boot:skipped" \
	"...the record: the first step failed, the others skipped"

# 5. Refused before any board: a board count that does not pair, no board, a provision step.
expect_exit 64 "USB devices and ports that do not pair" \
	st_usb "--device dfuse,serial=P1,flash=$T/p1" "$FWPACK" run --record "$T/r.db" \
	--serial P1 --serial P2 --port "$T/nothere" "$S/ser.json"
expect_output "2 USB device(s) but 1 port(s) (they pair in order)" "...says how they pair"
expect_exit 64 "no board given" "$FWPACK" run --record "$T/r.db" "$S/usb.json"
expect_output "no board given (--port, --serial, --path or --all)" "...with the options to give"
n_before=$("$FWPACK" history --record "$T/r.db" --json | jq length)
expect_exit 64 "--port for a recipe that reaches its boards over USB only" \
	"$FWPACK" run --record "$T/r.db" --port /dev/null "$S/usb.json"
expect_eq "$("$FWPACK" history --record "$T/r.db" --json | jq length)" "$n_before" \
	"...no run is recorded for a refused station"
finish

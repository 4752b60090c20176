#!/bin/sh
# The F429-style recipe end to end on emulated boards (tests/lib-station.sh):
# usbemu's DfuSe ROM model takes the factory images, the posix port's
# Loader (on a pty behind linkemu) takes the Application and the board's
# provisioning record (its serial number from the record's counter, bound
# to the unique ID its INFO reports, signed with the station's
# provisioning key), the board boots and its Application prints the serial
# number the recipe's expect step waits for; the SQLite record holds every
# step. Then: the board re-flashed through another port keeps its
# identity and its record's newer security counter is accepted; a run
# keyed by the ROM's USB serial number merges into the unique ID; a
# provisioning key the board does not trust fails the board, by name; a
# recipe without the key, or with one that cannot be read, is refused
# before a board is touched.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/lib-station.sh"

trap st_cleanup EXIT
S=$T/s
station_fixture "$S" || { not_ok "the station's images and recipes"; finish; exit 1; }
DB=$T/r.db
q() { sqlite3 "$DB" "$1"; }
last() { "$FWPACK" history --record "$DB" --json | jq -r ".[-1] | $1"; }
STEPS="dfuse_mass_erase:pass dfuse_write:pass dfuse_leave:pass wait_loader:pass write:pass provision:pass boot:pass expect:pass"

# 1. One board through the whole recipe.
st_board 1 "$T" || not_ok "posix board 1"
expect_exit 0 "the F429-style recipe: DfuSe factory images, Application, provisioning record, boot, serial number" \
	st_usb "--device dfuse,serial=F1,flash=$T/f1" \
	"$FWPACK" run --record "$DB" --station line1 --serial F1 --port "$T/dev1" "$S/prov.json"
expect_output "identity FW-000001 (new)" "...the board gets the pool's first serial number"
expect_output "provision: pass" "...the provision step passes"
expect_output "expect: pass" "...and the Application printed \"app: serial number FW-000001\""
uid=$(last .board)
case $uid in
*[!0-9a-f]* | "") not_ok "the record keys the board by the Loader's unique ID (got '$uid')" ;;
*) ok "the record keys the board by the Loader's unique ID ($uid), not by its USB serial F1" ;;
esac
expect_output "PASS $uid identity FW-000001" "...and so does the summary"
expect_eq "$(last .port)" "$T/dev1 (usb F1)" "...its place: the port and the ROM's USB serial number"
expect_eq "$(last '.steps | map(.name + ":" + .result) | join(" ")')" "$STEPS" \
	"the record: every step of the recipe, in order, passed"
expect_eq "$(last .identity)" "FW-000001" "...the identity"
expect_eq "$(q "SELECT state || ' ' || board_uid FROM identities WHERE value = 'FW-000001'")" \
	"used $uid" "...bound to the unique ID and marked used"
expect_eq "$(q "SELECT count(*) FROM boards WHERE uid = 'F1'")" "0" "...no board is left under the stand-in key F1"
pbytes=$(last '.steps[] | select(.name == "provision") | .bytes')
psha=$(last '.images[] | select(.name == "provisioning:provisioning") | .sha256')
fsha=$(tail -c +$((0xE0000 + 1)) "$T/pf1" | head -c "$pbytes" | sha256sum | cut -d' ' -f1)
expect_eq "$psha" "$fsha" "the record's digest of the provisioning image is what the board's provisioning slot holds ($pbytes bytes)"
tail -c +$((0xE0000 + 1)) "$T/pf1" | head -c "$pbytes" >"$T/p1.img"
expect_exit 0 "the provisioning image as written" "$FWPACK" inspect "$T/p1.img"
expect_output "fields.serial       FW-000001" "...carries the serial number"
expect_output "uid                 $uid" "...and the board's unique ID"
expect_output "fields.board        $uid" "...{board_uid} filled in"
run1=$(last .run)
expect_output "security_counter    $run1" "...its security counter is the run's number ($run1)"
st_stop_boards

# 2. The same board again, through another port and another USB device:
#    it keeps its identity, and its newer record is accepted.
# (The posix board's unique ID comes from its flash file: board 1's file, on a new port.)
on_port() { # FLASH N: the board on that flash behind a new link DIR/devN
	rm -f "$T/raw$2" "$T/dev$2"
	"$ST_DEV" --flash "$1" --link "$T/raw$2" >"$T/board$2.log" 2>&1 &
	ST_PIDS="$ST_PIDS $!"
	wait_link "$T/raw$2" || return 1
	"$ST_LINK" --device "$(readlink "$T/raw$2")" --link "$T/dev$2" --baud 115200 >"$T/link$2.log" 2>&1 &
	ST_PIDS="$ST_PIDS $!"
	wait_link "$T/dev$2"
}
# A re-flash that keeps what the provisioning slot holds (a Loader-only line,
# or a mass erase that spares it): the board's Loader takes the installed
# record's counter as its floor, so the new record must not be older.
dd if="$T/pf1" of="$T/slot" bs=65536 skip=14 count=2 status=none
st_loader_flash "$T/pf1" && dd if="$T/slot" of="$T/pf1" bs=65536 seek=14 conv=notrunc status=none
on_port "$T/pf1" 2 || not_ok "board 1 on a second port"
expect_exit 0 "board 1 re-flashed through another port and another USB device" \
	st_usb "--device dfuse,serial=F9,flash=$T/f9" \
	"$FWPACK" run --record "$DB" --station line2 --serial F9 --port "$T/dev2" "$S/prov.json"
expect_output "identity FW-000001 (kept)" "...keeps its serial number"
expect_eq "$(last .board)" "$uid" "...recorded under the same unique ID"
expect_eq "$(last .port)" "$T/dev2 (usb F9)" "...at its new place"
expect_eq "$(q "SELECT count(DISTINCT board_uid) FROM runs")" "1" "...one board in the record, two runs"
expect_output "expect: pass" "...its newer record (a higher security counter) is accepted and printed"
st_stop_boards

# 3. A run that never reaches the Loader stays under the ROM's USB serial
#    number; once the Loader reports the unique ID, those runs merge into it.
st_board 3 "$T" || not_ok "posix board 3"
jq '.steps[3].timeout_ms = 300' "$S/prov.json" >"$S/short.json"
expect_exit 66 "a board whose Loader is not there (wrong port)" \
	st_usb "--device dfuse,serial=G1,flash=$T/g1" \
	"$FWPACK" run --record "$DB" --serial G1 --port "$T/nothere" "$S/short.json"
expect_eq "$(last .board)" "G1" "...is recorded under its ROM's USB serial number"
expect_eq "$(last .identity)" "null" "...and takes no identity before its unique ID is known"
expect_exit 0 "the same chip (USB serial G1) again, on its port" \
	st_usb "--device dfuse,serial=G1,flash=$T/g1" \
	"$FWPACK" run --record "$DB" --serial G1 --port "$T/dev3" "$S/prov.json"
uid3=$(last .board)
expect_output "identity FW-000002 (new)" "...a second board, the pool's next number"
expect_eq "$(q "SELECT count(*) FROM runs WHERE board_uid = '$uid3'")" "2" \
	"...the earlier run under G1 merged into its unique ID"
expect_eq "$(q "SELECT count(*) FROM boards WHERE uid = 'G1'")" "0" "...and G1 is no board of its own any more"

# 4. A provisioning key the board does not trust (the release key, here):
#    the Loader refuses the record, the board fails by name, the value is abandoned.
jq '.provisioning_key = "keys/dev.pem"' "$S/prov.json" >"$S/wrongkey.json"
st_stop_boards
st_board 4 "$T" || not_ok "posix board 4"
expect_exit 2 "a provisioning record signed with a key the board does not trust" \
	st_usb "--device dfuse,serial=H1,flash=$T/h1" \
	"$FWPACK" run --record "$DB" --serial H1 --port "$T/dev4" "$S/wrongkey.json"
expect_output "wrong key" "...fails the board: the device refused it, wrong key"
expect_eq "$(last '.steps | map(.name + ":" + .result) | join(" ")')" \
	"dfuse_mass_erase:pass dfuse_write:pass dfuse_leave:pass wait_loader:pass write:pass provision:fail boot:skipped expect:skipped" \
	"...the record: the provision step failed, the rest skipped"
expect_eq "$(q "SELECT state FROM identities WHERE value = (SELECT identity FROM runs ORDER BY id DESC LIMIT 1)")" \
	"abandoned" "...its value is abandoned, not used"
st_stop_boards

# 5. Three boards at once (--jobs 3): three serial numbers, three complete records.
DB3=$T/r3.db
for n in 7 8 9; do st_board $n "$T" || not_ok "posix board $n"; done
expect_exit 0 "three boards through the recipe at once (--jobs 3)" \
	st_usb "--device dfuse,serial=J7,flash=$T/j7 --device dfuse,serial=J8,flash=$T/j8 --device dfuse,serial=J9,flash=$T/j9" \
	"$FWPACK" run --jobs 3 --record "$DB3" --serial J7 --serial J8 --serial J9 --port "$T/dev[789]" "$S/prov.json"
expect_output "3 passed, 0 failed, 0 not run" "...all three pass"
expect_eq "$(sqlite3 "$DB3" "SELECT group_concat(value, ' ') FROM (SELECT value FROM identities WHERE state = 'used' ORDER BY value)")" \
	"FW-000001 FW-000002 FW-000003" "...three distinct serial numbers, each used"
expect_eq "$(sqlite3 "$DB3" "SELECT count(DISTINCT board_uid) || ' ' || count(*) FROM runs WHERE result = 'pass'")" "3 3" \
	"...three boards by unique ID, three passed runs"
expect_eq "$(sqlite3 "$DB3" "SELECT count(*) FROM run_steps WHERE result = 'pass'")" "24" "...every step of each recorded as passed"
own=0
for n in 7 8 9; do
	sn=$(sqlite3 "$DB3" "SELECT i.value FROM identities i JOIN runs r ON r.id = i.run_id WHERE r.port LIKE '%dev$n %'")
	[ -n "$sn" ] && tail -c +$((0xE0000 + 1)) "$T/pf$n" | head -c 400 | grep -qa "$sn" && own=$((own + 1))
done
expect_eq "$own" 3 "...each board's provisioning slot holds the serial number the record gave it"
st_stop_boards

# 6. Refused before any board: no key in the recipe, a key that cannot be read.
st_board 6 "$T" || not_ok "posix board 6"
n_before=$(q "SELECT count(*) FROM runs")
jq 'del(.provisioning_key)' "$S/prov.json" >"$S/nokey.json"
expect_exit 65 "a recipe with a provision step and no provisioning_key" \
	"$FWPACK" run --record "$DB" --serial N1 --port "$T/dev6" "$S/nokey.json"
expect_output "steps[5]: provision: the recipe names no \"provisioning_key\"" "...says which step and what is missing"
jq '.provisioning_key = "keys/missing.pem"' "$S/prov.json" >"$S/missing.json"
expect_exit 66 "a provisioning_key that does not exist" \
	"$FWPACK" run --record "$DB" --serial N1 --port "$T/dev6" "$S/missing.json"
expect_output "provisioning_key $S/keys/missing.pem" "...names the key file"
expect_eq "$(q "SELECT count(*) FROM runs")" "$n_before" "...no run recorded, no board touched"
expect_exit 0 "--dry-run prints the provisioning key" "$FWPACK" run --dry-run "$S/prov.json"
expect_output "keys/station.pem" "...by its path"
finish

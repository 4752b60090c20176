#!/bin/sh
# Several USB DFU boards in one fwpack flash run, through the real libusb
# (one context per board's thread) against emulated devices (usbemu):
# three fwpack Loaders and an STM32 DfuSe ROM bootloader mixed, by --all and
# by repeated --serial/--path; two selectors naming one board; a board that
# vanishes mid-download beside boards that pass; no hang anywhere; Ctrl-C
# mid-image leaves no board half committed.
. "$top_srcdir/tests/lib.sh"

EMU=$top_builddir/tests/tools/usbemu
emu() { timeout -k 5 60 "$EMU" "$@"; }
POSIX=$top_builddir/device-build/posix
SIZE=$(wc -c <"$POSIX/app.bin")

slot_holds() { # LOADER-FLASH: its application slot holds app.bin
	tail -c +$((0x20000 + 1)) "$1" | head -c "$SIZE" >"$T/slot.bin"
	cmp -s "$T/slot.bin" "$POSIX/app.bin"
}
dfuse_holds() { # DFUSE-FLASH: app.bin at 0x08020000
	tail -c +$((0x20000 + 1)) "$1" | head -c "$SIZE" >"$T/slot.bin"
	cmp -s "$T/slot.bin" "$POSIX/app.bin"
}
fleet() { # four boards: Loaders L1..L3 at 1-1..1-3, DfuSe D at 1-4 (extra options for L2)
	rm -f "$T/f1" "$T/f2" "$T/f3" "$T/d"
	l2=$1
	shift
	emu --device "loader,serial=L1,flash=$T/f1" --device "loader,serial=L2,flash=$T/f2$l2" \
		--device "loader,serial=L3,flash=$T/f3" --device "dfuse,serial=D,flash=$T/d" -- "$@"
}

# 1. --all: four boards of two kinds at once.
expect_exit 0 "--all: 3 fwpack Loaders and a DfuSe ROM bootloader in one run" \
	fleet "" "$FWPACK" flash --all --address 0x08020000 "$POSIX/app.bin"
expect_output "4 of 4 boards passed" "the summary counts 4 passed"
expect_output "[1-4] Leaving DFU mode: starting the firmware at 0x08000000" "the DfuSe board leaves DFU mode"
n=$(grep -c '^\[1-[123]\] Resetting the device (USB reset) into the new firmware' "$T/log")
if [ "$n" -eq 3 ]; then ok "the 3 Loaders are reset into their new firmware"; else
	not_ok "the 3 Loaders are reset into their new firmware ($n)"; fi
all=1
for f in f1 f2 f3; do slot_holds "$T/$f" || all=0; done
if [ $all -eq 1 ]; then ok "each Loader committed the image"; else not_ok "each Loader committed the image"; fi
if dfuse_holds "$T/d"; then ok "the DfuSe flash holds it"; else not_ok "the DfuSe flash holds it"; fi
if grep -q "^1-[1234] .* pass" "$T/log" && [ "$(grep -c ' pass *$' "$T/log")" -eq 4 ]; then
	ok "each board has its row"; else not_ok "each board has its row"; fi

# 2. JSON, boards chosen by repeated --serial and --path.
expect_exit 0 "--serial L1 --serial L3 --path 1-4, in JSON" \
	fleet "" "$FWPACK" flash --json --serial L1 --serial L3 --path 1-4 --address 0x08020000 "$POSIX/app.bin"
if [ "$(grep -c '"event":"result","result":"pass"' "$T/log")" -eq 3 ]; then ok "JSON: 3 boards pass"; else
	not_ok "JSON: 3 boards pass"; fi
if grep '^{' "$T/log" | grep -v '"target":{"transport":"usb-dfu","name":"1-[134]","usb_serial":"[L1L3D]*"' | grep -q .; then
	not_ok "JSON: every event names its board"; grep '^{' "$T/log" | head -3 | sed 's/^/    /'; else
	ok "JSON: every event names its board"; fi
if slot_holds "$T/f2"; then not_ok "L2, not named, is untouched"; else ok "L2, not named, is untouched"; fi
if grep -q '"event":"erase","mode":"the sectors written, before writing them"' "$T/log"; then
	ok "JSON: DfuSe erases before it writes, and says so"; else not_ok "JSON: DfuSe erase event"; fi

# 3. Two selectors naming one board: flashed once, the repeat refused by name.
expect_exit 64 "--serial L1 and --path 1-1 are one board" \
	fleet "" "$FWPACK" flash --serial L1 --path 1-1 "$POSIX/app.bin"
expect_output "1-1: the same board as 1-1, named twice: flashed once" "the repeat is named"
expect_output "1 of 2 boards passed" "the board itself is flashed"

# 4. A board that vanishes mid-download, and one that is not there: the others pass.
start=$(date +%s)
fleet ",vanish-after=30000" "$FWPACK" flash --all --serial NOPE --address 0x08020000 "$POSIX/app.bin" \
	>"$T/log" 2>&1
rc=$?
took=$(($(date +%s) - start))
if [ $rc -eq 69 ]; then ok "a vanished board fails the run (exit 69)"; else not_ok "a vanished board fails the run (exit $rc)"; fi
expect_output "3 of 5 boards passed" "the 3 others pass"
expect_output "the device is gone" "the vanished board's reason"
expect_output "no USB DFU device matches" "a board not there is named"
if [ "$took" -lt 40 ]; then ok "nothing hangs (${took} s)"; else not_ok "nothing hangs (${took} s)"; fi
# 5. Ctrl-C during a multi-board USB run: every board is done, untouched or
# left without a header (nothing half committed), never in between.
S2=$(wc -c <"$POSIX/app2.bin")
slot_state() { # FLASH: new (app2.bin), old (app.bin), empty (no header), else broken
	tail -c +$((0x20000 + 1)) "$1" | head -c "$S2" | cmp -s - "$POSIX/app2.bin" && { echo new; return; }
	tail -c +$((0x20000 + 1)) "$1" | head -c "$SIZE" | cmp -s - "$POSIX/app.bin" && { echo old; return; }
	hdr=$(tail -c +$((0x20000 + 1)) "$1" | head -c 32 | od -v -An -tx1 | tr -d ' \n')
	case $hdr in
	*[!f]*) case $hdr in *[!0]*) echo broken ;; *) echo empty ;; esac ;;
	*) echo empty ;;
	esac
}
rm -f "$T"/c[1-4]
cfleet() {
	emu --device "loader,serial=C1,flash=$T/c1" --device "loader,serial=C2,flash=$T/c2" \
		--device "loader,serial=C3,flash=$T/c3" --device "loader,serial=C4,flash=$T/c4" -- "$@"
}
expect_exit 0 "four Loaders hold the old application" cfleet "$FWPACK" flash --all --no-boot "$POSIX/app.bin"
start=$(date +%s)
cfleet sh -c "echo \$\$ >'$T/pid'; exec '$FWPACK' flash --all --jobs 2 '$POSIX/app2.bin'" >"$T/log" 2>&1 &
up=$!
for _ in $(seq 200); do grep -q "progress: [1-9]" "$T/log" && break; sleep 0.02; done
kill -INT "$(cat "$T/pid")"
wait $up
rc=$?
took=$(($(date +%s) - start))
if [ $rc -eq 69 ]; then ok "Ctrl-C mid-image: exit 69, as documented"; else
	not_ok "Ctrl-C mid-image: exit 69, as documented (exit $rc)"; sed 's/^/    /' "$T/log"; fi
expect_output "download aborted (DFU_ABORT)" "a board was stopped mid-image"
expect_output "interrupted before" "the reason names the interruption"
if [ "$took" -lt 20 ]; then ok "it stops at once (${took} s)"; else not_ok "it stops at once (${took} s)"; fi
states=
for n in 1 2 3 4; do states="$states $(slot_state "$T/c$n")"; done
case $states in
*broken*) not_ok "no board is half committed:$states" ;;
*) ok "no board is half committed:$states" ;;
esac
case $states in
*empty*) ok "the interrupted board has no header in its slot" ;;
*) not_ok "the interrupted board has no header in its slot:$states" ;;
esac
case $states in
*old*) ok "a board not yet started keeps its old image" ;;
*) not_ok "a board not yet started keeps its old image:$states" ;;
esac
finish

#!/bin/sh
# The Loader over USB DFU, end to end on the host: the usbemu "loader" model
# (device/core's USB framework and DFU class over the update engine, over a
# flash file in the posix port's layout) driven by the real dfu-util through
# the real libusb; then the posix port boots what was written. Listing, a
# download that lands byte for byte and is committed, the read-back, and
# refusals with their DFU status: a bad signature (errVERIFY, nothing
# committed), the Loader's own slot (errTARGET), a rollback (errFIRMWARE,
# nothing erased); and the Updater taking a new Loader.
. "$top_srcdir/tests/lib.sh"

EMU=$top_builddir/tests/tools/usbemu
DEV=$top_builddir/device/ports/posix/fwd-posix
I=$top_builddir/device-build/posix
if [ -f "$I/.stamp" ] && [ -f "$I/app.bin" ]; then ok "the posix images are built"; else
	not_ok "the posix images are built"; finish; exit 1; fi
export ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0"
emu() { timeout -k 5 60 "$EMU" "$@"; }
APP=$(wc -c <"$I/app.bin")

# A board fresh from the factory: erased flash, the Loader programmed.
factory() {
	rm -f "$1"
	head -c $((0x104000)) /dev/zero | tr '\000' '\377' >"$1"
	dd if="$I/loader.bin" of="$1" bs=1024 seek=16 conv=notrunc status=none
}
slot_bytes() { # FLASH OFFSET LEN OUT
	dd if="$1" of="$4" bs=1 skip="$2" count="$3" status=none
}
# Power the posix port up on FLASH for a moment; its console into $T/log.
boot() {
	rm -f "$T/tty"
	timeout -k 2 10 "$DEV" --flash "$1" --link "$T/tty" >"$T/dev.log" 2>&1 &
	pid=$!
	for _ in 1 2 3 4 5 6 7 8 9 10; do [ -L "$T/tty" ] && break; sleep 0.1; done
	timeout 2 cat "$(readlink "$T/tty")" >"$T/log" 2>&1
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
}

factory "$T/f"
expect_exit 0 "dfu-util -l lists the Loader" emu --device "loader,flash=$T/f,serial=L1" -- dfu-util -l
expect_output 'Found DFU: [1209:0001] ver=0100, devnum=2, cfg=1, intf=0, path="1-1", alt=2, name="slot 2: application", serial="L1"' \
	"alt 2 is the application slot, with the serial number"
expect_output 'alt=1, name="slot 1: loader"' "alt 1 the loader slot"
expect_output 'alt=0, name="slot 0: bootloader"' "alt 0 the bootloader slot"

expect_exit 0 "dfu-util -a 2 -D app.bin" emu --device "loader,flash=$T/f" -- \
	dfu-util -a 2 -D "$I/app.bin"
expect_output "Device returned transfer size 2048" "wTransferSize 2048"
expect_output "DFU state(2) = dfuIDLE, status(0) = No error condition is present" \
	"the manifestation ends in dfuIDLE (manifestation tolerant)"
slot_bytes "$T/f" $((0x20000)) "$APP" "$T/slot.bin"
expect_same "$T/slot.bin" "$I/app.bin" "the application slot holds the image, header included"
boot "$T/f"
expect_output "loader: application 1.2.3+4 valid, booting it" "the posix port's Loader boots it: committed"

expect_exit 0 "dfu-util -a 2 -U reads the slot back" emu --device "loader,flash=$T/f" -- \
	dfu-util -a 2 -U "$T/up.bin"
[ "$(wc -c <"$T/up.bin")" -eq $((0xC0000)) ] && ok "the whole slot (786432 bytes; the last sector is the provisioning slot)" ||
	not_ok "the whole slot (786432 bytes)"
head -c "$APP" "$T/up.bin" >"$T/uphead.bin"
expect_same "$T/uphead.bin" "$I/app.bin" "starting with the image"

# A bad signature: found at the manifestation; the slot stays headerless.
# (dfu-util 0.11 prints the error state after the download but exits 0.)
cp "$I/app.bin" "$T/bad.bin"
flip_byte "$T/bad.bin" $((APP - 1))
factory "$T/g"
emu --device "loader,flash=$T/g" -- dfu-util -a 2 -D "$T/bad.bin" >"$T/log" 2>&1
expect_output "DFU state(10) = dfuERROR, status(7)" "a bad signature is dfuERROR errVERIFY"
boot "$T/g"
expect_output "loader: update mode" "and the Loader does not boot it (nothing committed)"

# The Loader's own slot is not writable from the Loader.
expect_exit 74 "alt 1 (the Loader's slot) is refused" emu --device "loader,flash=$T/g" -- \
	dfu-util -a 1 -D "$I/app.bin"
expect_output "DFU state(10) = dfuERROR, status(1)" "with errTARGET, at the first block"

# Rollback: app2 (security counter 2) boots once, which records counter 2;
# then app (counter 1) is refused at its header, before anything is erased.
factory "$T/h"
expect_exit 0 "install app2 (counter 2)" emu --device "loader,flash=$T/h" -- \
	dfu-util -a 2 -D "$I/app2.bin"
boot "$T/h"
expect_output "valid, booting it" "it boots, and its counter is recorded"
dd if=/dev/zero of="$T/h" bs=1 seek=$((0x20000)) count=64 conv=notrunc status=none
slot_bytes "$T/h" $((0x20040)) 4096 "$T/before.bin"
expect_exit 74 "an older application (counter 1) is refused" emu --device "loader,flash=$T/h" -- \
	dfu-util -a 2 -D "$I/app.bin"
expect_output "DFU state(10) = dfuERROR, status(10)" "with errFIRMWARE"
slot_bytes "$T/h" $((0x20040)) 4096 "$T/after.bin"
expect_same "$T/before.bin" "$T/after.bin" "nothing was erased for the refused image"

# The Updater over DFU: its one alternate setting is the Loader's slot; a
# new Loader (root key) lands and the Bootloader starts it; an older one is
# refused (errFIRMWARE).
factory "$T/u"
expect_exit 0 "the Updater lists the Loader's slot" emu --device "loader,role=updater,flash=$T/u" -- \
	dfu-util -l
expect_output 'ver=0200, devnum=2, cfg=1, intf=0, path="1-1", alt=0, name="slot 1: loader"' \
	"as alt 0, bcdDevice 0x0200"
expect_exit 0 "the Updater takes loader2 over DFU" emu --device "loader,role=updater,flash=$T/u" -- \
	dfu-util -a 0 -D "$I/loader2.bin"
boot "$T/u"
expect_output "bootloader: loader 2.0.0+1 valid, starting it" "the Bootloader starts the new Loader"
expect_exit 74 "the Updater refuses an older Loader" emu --device "loader,role=updater,flash=$T/u" -- \
	dfu-util -a 0 -D "$I/loader.bin"
expect_output "DFU state(10) = dfuERROR, status(10)" "with errFIRMWARE"

expect_exit 64 "an unknown model option is refused" emu --device "loader,flash=$T/h,colour=red" -- true
finish

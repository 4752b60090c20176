#!/bin/sh
# fwpack flash --dfu through the real libusb against emulated devices
# (tests/tools/usbemu): the STM32 ROM DfuSe bootloader (raw image, DfuSe
# .dfu file, failures: dfuERROR, STALL, a device that vanishes), the fwpack
# Loader over the real update engine (commit, refusals), and a crowded bus
# (two devices: refused and listed without a selector, only the chosen one
# written with one), and a device in runtime mode that detaches into the
# Loader and is flashed there. Every command runs under a time limit: a hang fails.
. "$top_srcdir/tests/lib.sh"

POSIX=$top_builddir/device-build/posix

# ---- DfuSe: a raw 256 KiB image at the start of flash ----
head -c 262144 /dev/urandom >"$T/img.bin"
expect_exit 0 "a raw 256 KiB image goes to an emulated STM32 DfuSe bootloader" \
	usbemu --device "dfuse,serial=X,flash=$T/flash" -- \
	"$FWPACK" flash --dfu --device 0483:df11 --address 0x08000000 "$T/img.bin"
expect_output "Connected: USB DFU device 0483:df11 serial X at 1-1, DfuSe 1.1a, alt 0" \
	"it connects to the DfuSe device by VID:PID"
expect_output "6 sectors erased" "it erases the 6 sectors the image touches (4x16K, 64K, 128K)"
expect_output "Leaving DFU mode: starting the firmware at 0x08000000" "and leaves DFU mode"
expect_output "dfuse X: leaves DFU mode" "the device saw the leave request"
expect_at "$T/flash" 0 "$T/img.bin" "the flash file holds the image byte for byte"
expect_erased_to_end "$T/flash" 262144 1048576 "and nothing else was written"

# The same at another address with JSON events, staying in DFU mode.
head -c 5000 /dev/urandom >"$T/small.bin"
expect_exit 0 "--json --no-boot to 0x08060000" \
	usbemu --device "dfuse,serial=X,flash=$T/flash" -- \
	"$FWPACK" flash --serial X --address 0x08060000 --json --no-boot "$T/small.bin"
expect_output '"event":"connect","transport":"usb-dfu","usb_id":"0483:df11","serial":"X","path":"1-1","protocol":"dfuse"' \
	"a connect event names the USB device"
expect_output '"event":"done","image":' "a done event"
if grep -q '"event":"boot"' "$T/log" || grep -q "leaves DFU mode" "$T/log"; then
	not_ok "--no-boot stays in DFU mode"
else
	ok "--no-boot stays in DFU mode"
fi
expect_at "$T/flash" 0x60000 "$T/small.bin" "the image is at 0x08060000"
expect_at "$T/flash" 0 "$T/img.bin" "the first image is still there (only sector 5 was erased)"

# --mass-erase: everything goes, then the image is written.
expect_exit 0 "--mass-erase erases all of the flash first" \
	usbemu --device "dfuse,serial=X,flash=$T/flash" -- \
	"$FWPACK" flash --dfu --mass-erase --address 0x08000000 "$T/img.bin"
expect_output "the whole flash was mass-erased first" "it says so"
expect_erased "$T/flash" 0x60000 5000 "the image at 0x08060000 is gone"
expect_at "$T/flash" 0 "$T/img.bin" "the new one is at 0x08000000"
cp "$T/flash" "$T/flash-unprot"
expect_exit 0 "--unprotect: read unprotect, no image needed" \
	usbemu --device "dfuse,serial=X,flash=$T/flash-unprot" -- "$FWPACK" flash --unprotect
expect_output "Read protection removed" "it says what happened"
erased 1048576 >"$T/ff.bin"
expect_same "$T/flash-unprot" "$T/ff.bin" "and the device erased all of its flash"

# fwpack images without --address go to their slot (load address - header size).
EX=$top_builddir/examples
expect_exit 0 "build the STM32F429 example images" \
	"$FWPACK" build -q -o "$T/f429" "$EX/manifests/factory-f429.json"
rm -f "$T/flash4"
expect_exit 0 "an fwpack Loader and application image to the DfuSe device, by their headers" \
	usbemu --device "dfuse,flash=$T/flash4" -- "$FWPACK" flash --dfu "$T/f429/loader.bin" "$T/f429/app.bin"
for i in loader:0x4000 app:0x20000; do
	size=$(wc -c <"$T/f429/${i%:*}.bin")
	tail -c +$((${i#*:} + 1)) "$T/flash4" | head -c "$size" >"$T/at.bin"
	expect_same "$T/at.bin" "$T/f429/${i%:*}.bin" \
		"${i%:*}.bin is at $(printf 0x%08x $((0x08000000 + ${i#*:})))"
done
expect_output "starting the firmware at 0x08000000" \
	"the device starts at its flash base (the Bootloader), not at an image header"

# A raw image without --address, or beyond the flash: refused before writing.
expect_exit 64 "a raw image needs --address" \
	usbemu --device "dfuse,flash=$T/flash" -- "$FWPACK" flash --dfu "$T/img.bin"
expect_output "give --address" "the message says so"
expect_exit 65 "an image past the end of flash is refused" \
	usbemu --device "dfuse,flash=$T/flash" -- "$FWPACK" flash --dfu --address 0x080ff000 "$T/small.bin"
expect_output "0x08100000 is outside \"Internal Flash\"" "naming the address and the memory"

# DfuSe .dfu files as dfu-util's dfuse-pack makes them (DFUImageSize counts
# the whole file, UM0391's way; test_dfu checks the older way too): one
# element; two at their own addresses; two targets for alt settings 0 and 1
# (only alt 0's is written here); the suffix's VID and CRC checked.
if command -v dfuse-pack >/dev/null 2>&1; then
	head -c 3000 /dev/urandom >"$T/b.bin"
	pack() { dfuse-pack "$@" >"$T/pack.log" 2>&1 || { cat "$T/pack.log"; not_ok "dfuse-pack $*"; }; }
	pack -b 0x08008000:"$T/small.bin" "$T/one.dfu"
	pack -b 0x08008000:"$T/small.bin" -b 0x08040000:"$T/b.bin" "$T/fw.dfu"
	pack -b 0x08008000:"$T/small.bin" -b 0x08040000@1:"$T/b.bin" "$T/alts.dfu"
	pack -D 0x1234:0xdf11 -b 0x08008000:"$T/small.bin" "$T/other.dfu"
	rm -f "$T/flash2"
	expect_exit 0 "a dfuse-pack file with one element" \
		usbemu --device "dfuse,flash=$T/flash2" -- "$FWPACK" flash --dfu "$T/one.dfu"
	expect_at "$T/flash2" 0x8000 "$T/small.bin" "its element is at 0x08008000"
	rm -f "$T/flash2"
	expect_exit 0 "a dfuse-pack file with two elements goes to their addresses" \
		usbemu --device "dfuse,flash=$T/flash2" -- "$FWPACK" flash --dfu "$T/fw.dfu"
	expect_at "$T/flash2" 0x8000 "$T/small.bin" "element 1 at 0x08008000"
	expect_at "$T/flash2" 0x40000 "$T/b.bin" "element 2 at 0x08040000"
	expect_output "starting the firmware at 0x08008000" "it leaves at the first element"
	rm -f "$T/flash2"
	expect_exit 0 "a dfuse-pack file with targets for alt settings 0 and 1" \
		usbemu --device "dfuse,flash=$T/flash2" -- "$FWPACK" flash --dfu "$T/alts.dfu"
	expect_at "$T/flash2" 0x8000 "$T/small.bin" "alt 0's element is written"
	expect_erased "$T/flash2" 0x40000 3000 "alt 1's element is not (the device has no alt 1)"
	expect_exit 64 "a .dfu file for another VID is refused" \
		usbemu --device "dfuse,flash=$T/flash2" -- "$FWPACK" flash --dfu "$T/other.dfu"
	expect_output "the file is for 1234:df11" "naming both IDs"
	printf 'X' | dd of="$T/fw.dfu" bs=1 seek=100 conv=notrunc 2>/dev/null
	expect_exit 65 "a .dfu file with a bad CRC is refused" \
		usbemu --device "dfuse,flash=$T/flash2" -- "$FWPACK" flash --dfu "$T/fw.dfu"
	expect_output "DFU suffix: CRC is" "the CRC is named"

	# Two elements in one 16 KiB sector: the sector is erased once, before
	# the first, and the first survives the second (read back from flash).
	head -c 1000 /dev/urandom >"$T/e1.bin"
	head -c 1000 /dev/urandom >"$T/e2.bin"
	pack -b 0x08000000:"$T/e1.bin" -b 0x08002000:"$T/e2.bin" "$T/same.dfu"
	rm -f "$T/flash2"
	expect_exit 0 "two elements in one sector" \
		usbemu --device "dfuse,flash=$T/flash2" -- "$FWPACK" flash --dfu "$T/same.dfu"
	expect_output "1 sector erased" "that sector is erased once"
	expect_at "$T/flash2" 0 "$T/e1.bin" "the first element survives the second"
	expect_at "$T/flash2" 0x2000 "$T/e2.bin" "and the second is there too"
	# Across the files of one session too: the second file's sector is not erased again.
	pack -b 0x0800a000:"$T/e2.bin" "$T/next.dfu"
	rm -f "$T/flash2"
	expect_exit 0 "two files, one sector, one session" \
		usbemu --device "dfuse,flash=$T/flash2" -- "$FWPACK" flash --dfu "$T/one.dfu" "$T/next.dfu"
	expect_at "$T/flash2" 0xa000 "$T/e2.bin" "the second file's element is written"
	expect_at "$T/flash2" 0x8000 "$T/small.bin" "next to the first file's, in the same sector"
else
	skip "DfuSe .dfu files (no dfuse-pack: install dfu-util)"
fi

# ---- DfuSe failures: each a clear message and a non-zero exit, promptly ----
expect_exit 2 "dfuERROR errCHECK_ERASED at the third block" \
	usbemu --device "dfuse,serial=X,fail=errCHECK_ERASED,fail-at=3" -- \
	"$FWPACK" flash --dfu --address 0x08000000 "$T/img.bin"
expect_output "errCHECK_ERASED (flash not erased)" "the device's status in words"
expect_output "DFU device 0483:df11 serial X at 1-1" "naming the device"
# The next session finds the device in dfuERROR and clears it (DFU_CLRSTATUS) first.
rm -f "$T/flash3"
expect_exit 0 "a device left in dfuERROR is recovered by the next fwpack" \
	usbemu --device "dfuse,serial=X,flash=$T/flash3,fail=errCHECK_ERASED,fail-at=3" -- sh -c \
	"'$FWPACK' flash --dfu -q --address 0x08000000 '$T/img.bin'; [ \$? = 2 ] &&
	 '$FWPACK' flash --dfu -q --address 0x08000000 '$T/img.bin'"
expect_at "$T/flash3" 0 "$T/img.bin" "and the second download is complete"
# A STALL is the device refusing the protocol (exit 76), not a missing
# device (69); each message keeps libusb's code.
expect_exit 76 "a STALL in the middle of the download (exit 76, a protocol error)" \
	usbemu --device dfuse,serial=X,stall-after=20000 -- \
	"$FWPACK" flash --dfu --address 0x08000000 "$T/img.bin"
expect_output "the device stalled it (LIBUSB_ERROR_PIPE)" "a stall is named, with libusb's code"
expect_exit 69 "a device that vanishes in the middle of the download (exit 69)" \
	usbemu --device dfuse,serial=X,vanish-after=20000 -- \
	"$FWPACK" flash --dfu --address 0x08000000 "$T/img.bin"
expect_output "the device is gone (LIBUSB_ERROR_NO_DEVICE)" \
	"a vanished device is named, with libusb's code"
usbemu --device dfuse,serial=X,stall-after=20000 -- \
	"$FWPACK" flash --dfu --json --address 0x08000000 "$T/img.bin" >"$T/log" 2>&1
expect_output '"exit":76' "the JSON error event carries the same exit status"
expect_exit 69 "no device at all" usbemu --device dfuse,serial=X -- \
	"$FWPACK" flash --dfu --serial Y --address 0x08000000 "$T/img.bin"
expect_output "no USB DFU device matches" "is said so"

# ---- A crowded bus: two DfuSe devices ----
two() { usbemu --device "dfuse,serial=A,flash=$T/a" --device "dfuse,serial=B,flash=$T/b" -- "$@"; }
rm -f "$T/a" "$T/b"
expect_exit 64 "two devices and no selector: refused" \
	two "$FWPACK" flash --dfu --address 0x08000000 "$T/small.bin"
expect_output "2 USB DFU devices match, choose one with --serial or --path" "the refusal says why"
expect_output "0483:df11 serial A at 1-1; 0483:df11 serial B at 1-2" "it lists A and B, by path"
erased 1048576 >"$T/ff.bin"
expect_same "$T/a" "$T/ff.bin" "A was not written"
expect_same "$T/b" "$T/ff.bin" "B was not written"
expect_exit 0 "--serial B writes B" two "$FWPACK" flash --serial B --address 0x08000000 "$T/small.bin"
expect_at "$T/b" 0 "$T/small.bin" "B holds the image"
expect_same "$T/a" "$T/ff.bin" "A is untouched"
expect_exit 0 "--path 1-1 writes A" two "$FWPACK" flash --path 1-1 --address 0x08000000 "$T/small.bin"
expect_at "$T/a" 0 "$T/small.bin" "A holds the image"
expect_exit 0 "fwpack list shows both" two "$FWPACK" list --json
expect_output '"transport":"usb-dfu","usb_id":"0483:df11","serial":"A","path":"1-1"' "A, JSON"
expect_output '"transport":"usb-dfu","usb_id":"0483:df11","serial":"B","path":"1-2"' "B, JSON"
expect_output '"alts":[{"alt":0,"interface":0,"name":"@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg"}]' \
	"with the alt setting's name"

# ---- A device in DFU runtime mode (its application running) ----
expect_exit 0 "fwpack list shows a runtime-mode device" \
	usbemu --device runtime,serial=R -- "$FWPACK" list
expect_output "USB DFU 1209:0002  serial R  at 1-1  runtime mode, DFU 1.1" "as runtime mode"
# It is sent DETACH (and a USB reset: it does not detach by itself), leaves
# the bus and never comes back: the wait for it ends at its bound with a
# clear error instead of a hang.
expect_exit 69 "a runtime-mode device is detached and waited for, within a bound" \
	usbemu --device runtime,serial=R,will-detach=0 -- \
	"$FWPACK" flash --dfu --serial R --address 0x08000000 "$T/small.bin"
expect_output "runtime R: DFU_DETACH (1000 ms), waiting for a USB reset" \
	"DFU_DETACH with the descriptor's wDetachTimeOut"
expect_output "runtime R: USB reset in appDETACH, leaving the bus" "the USB reset takes it off the bus"
expect_output "did not come back in DFU mode within 10000 ms of DETACH" "the wait is bounded and said so"

# A board whose application detaches into the fwpack Loader: it comes back
# at a new address on the same port, as another device (1209:0001) with the
# same serial number, and is flashed there. A second board (serial S) sits
# on the bus and must be left alone.
erased $((0x104000)) >"$T/sflash" # a posix port flash
cp "$T/sflash" "$T/sflash.before"
for wd in 0 1; do
	rm -f "$T/rflash"
	expect_exit 0 "runtime mode (will-detach=$wd) into the Loader: detached, found again by serial, flashed" \
		usbemu --device "runtime,serial=R,will-detach=$wd,reappear=loader,loader.flash=$T/rflash" \
		--device "runtime,serial=S,reappear=loader,loader.flash=$T/sflash" -- sh -c \
		"timeout 30 '$FWPACK' flash --dfu --serial R '$POSIX/app.bin' && timeout 30 '$FWPACK' list"
	if [ "$wd" = 0 ]; then
		expect_output "runtime R: USB reset in appDETACH, leaving the bus" "it left on the USB reset"
	else
		expect_output "runtime R: DFU_DETACH (1000 ms), leaving the bus" "it left on DETACH by itself"
	fi
	expect_output "usbemu: /dev/bus/usb/001/004 plugged in at 1-1 (loader)" \
		"the Loader came in at a new address on the same port"
	expect_output "Connected: USB DFU device 1209:0001 serial R at 1-1, DFU 1.1, alt 2" \
		"fwpack connects to it in DFU mode"
	expect_output "verified and committed" "the Loader verifies and commits"
	size=$(wc -c <"$POSIX/app.bin")
	expect_at "$T/rflash" 0x20000 "$POSIX/app.bin" "its application slot holds the image"
	expect_output "USB DFU 1209:0001  serial R  at 1-1  DFU mode" "fwpack list then shows R in DFU mode"
	expect_output "USB DFU 1209:0002  serial S  at 1-2  runtime mode" "and S still in runtime mode"
	if grep -q "runtime S:" "$T/log"; then
		not_ok "S was not detached"
	else
		ok "S was not detached"
	fi
	expect_same "$T/sflash" "$T/sflash.before" "S's flash is untouched"
done
# One that is gone before DETACH's status stage: the failed request is the
# detach it asked for, not an error.
rm -f "$T/rflash"
expect_exit 0 "a board gone before DETACH is acknowledged is still found again and flashed" \
	usbemu --device "runtime,serial=R,detach-ack=0,reappear=loader,loader.flash=$T/rflash" -- \
	"$FWPACK" flash --dfu --serial R "$POSIX/app.bin"
expect_output "verified and committed" "the Loader commits"
expect_at "$T/rflash" 0x20000 "$POSIX/app.bin" "its application slot holds the image"

# ---- The fwpack Loader over the real update engine ----
rm -f "$T/lflash"
expect_exit 0 "an application image to the emulated fwpack Loader" \
	usbemu --device "loader,serial=L,flash=$T/lflash" -- "$FWPACK" flash --dfu "$POSIX/app.bin"
expect_output 'alt 2 "slot 2: application"' "it picks the alt setting named for the image's slot"
expect_output "Verifying on the device" "the Loader verifies at the zero-length DNLOAD"
expect_output "verified and committed" "and commits"
expect_output "Resetting the device (USB reset) into the new firmware" "then resets it to run it"
size=$(wc -c <"$POSIX/app.bin")
expect_at "$T/lflash" 0x20000 "$POSIX/app.bin" "the slot holds the image"
expect_exit 0 "fwpack list shows the Loader's slots" \
	usbemu --device "loader,serial=L,flash=$T/lflash" -- "$FWPACK" list
expect_output 'USB DFU 1209:0001  serial L  at 1-1  DFU mode, DFU 1.1' "the Loader, DFU 1.1"
expect_output 'alt 1  "slot 1: loader"' "its alt settings by name"

cp "$POSIX/app.bin" "$T/bad.bin"
flip_byte "$T/bad.bin" $((size - 3))
expect_exit 2 "a damaged signature: the Loader refuses at manifestation (exit 2)" \
	usbemu --device "loader,serial=L,flash=$T/lflash" -- "$FWPACK" flash --dfu "$T/bad.bin"
expect_output "manifestation: errVERIFY (bad signature, untrusted key, digest or CRC)" \
	"with the Loader's reason"
expect_exit 2 "an image into a slot that is not its own: refused" \
	usbemu --device "loader,serial=L,flash=$T/lflash" -- "$FWPACK" flash --dfu --alt 1 "$POSIX/app.bin"
expect_output "errTARGET" "as the wrong target"
# The Updater: one alt setting (the Loader's slot); a new Loader lands, an older one is a rollback.
head -c $((0x104000)) /dev/zero | tr '\000' '\377' >"$T/uflash"
dd if="$POSIX/loader.bin" of="$T/uflash" bs=1024 seek=16 conv=notrunc 2>/dev/null
expect_exit 0 "a new Loader to the emulated fwpack Updater" \
	usbemu --device "loader,role=updater,serial=U,flash=$T/uflash" -- "$FWPACK" flash --dfu "$POSIX/loader2.bin"
expect_output 'alt 0 "slot 1: loader"' "into its one alt setting"
expect_output "verified and committed" "committed"
expect_exit 2 "an older Loader to the Updater: refused" \
	usbemu --device "loader,role=updater,serial=U,flash=$T/uflash" -- "$FWPACK" flash --dfu "$POSIX/loader.bin"
expect_output "errFIRMWARE (security counter below the device's, a rollback)" \
	"as a rollback, in the Loader's words"

expect_exit 64 "--alt that does not exist" \
	usbemu --device "loader,serial=L,flash=$T/lflash" -- "$FWPACK" flash --dfu --alt nope "$POSIX/app.bin"
expect_output "no alt setting 'nope' (it has 0 \"slot 0: bootloader\"" "lists the alt settings"
finish

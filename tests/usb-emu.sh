#!/bin/sh
# The emulated USB devices (tests/tools/usbemu) under the real libusb, driven
# by the real dfu-util: listing, a download that lands byte for byte in the
# emulated flash and reads back, devices that fail (dfuERROR, a STALL, a
# device that vanishes mid-transfer), two devices told apart by serial and
# by port, a device that comes back as another (reappear=), and the
# harness's own contract (exit status, time limit).
. "$top_srcdir/tests/lib.sh"

LAYOUT='@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg'
# A hang fails its check instead of stalling the suite.
# dfu-util's download of a file to the start of flash, then leave
DL="dfu-util -d 0483:df11 -a 0 -s 0x08000000:leave -D"


# Listing: descriptors from sysfs, strings over ep0.
expect_exit 0 "dfu-util -l runs against an emulated DfuSe device" \
	usbemu --device dfuse,serial=X -- dfu-util -l
expect_output "Found DFU: [0483:df11] ver=2200, devnum=2, cfg=1, intf=0, path=\"1-1\", alt=0" \
	"it is listed at bus 1 port 1, devnum 2"
expect_output "name=\"$LAYOUT\"" "with its alternate setting's name (the flash layout)"
expect_output 'serial="X"' "and its serial number"
expect_output "usbemu: 4 control transfers, 0 bytes out," "the harness counts the transfers"
expect_exit 0 "the emulated sysfs has the attributes udev-based tools read" \
	usbemu --device dfuse,serial=X -- sh -c 'cd /sys/bus/usb/devices/1-1 &&
	echo "$(cat idVendor):$(cat idProduct) $(cat manufacturer) / $(cat product) / $(cat serial)"'
expect_output "0483:df11 STMicroelectronics / STM32  BOOTLOADER / X" "(ids and the model's strings)"

# A 100 KB download: exactly those bytes at the start of flash, the rest erased.
head -c 102400 /dev/urandom >"$T/image.bin"
expect_exit 0 "dfu-util downloads 100 KB and leaves" \
	usbemu --device "dfuse,serial=X,flash=$T/flash" -- $DL "$T/image.bin"
expect_output "Transitioning to dfuMANIFEST state" "the device manifests on leave"
expect_output "dfuse X: leaves DFU mode" "and leaves DFU mode"
expect_output "usbemu: /dev/bus/usb/001/002 left the bus" "off the bus, as the ROM resets into the program"
expect_at "$T/flash" 0 "$T/image.bin" "the flash file holds the image at offset 0"
expect_erased_to_end "$T/flash" 102400 1048576 "and 0xFF after it"
[ "$(wc -c <"$T/flash")" -eq 1048576 ] && ok "the flash file is 1 MiB" ||
	not_ok "the flash file is 1 MiB"

# Reading back (UPLOAD) from the saved state.
expect_exit 0 "dfu-util uploads from the flash the last run saved" \
	usbemu --device "dfuse,flash=$T/flash" -- \
	dfu-util -a 0 -s 0x08000000:102400 -U "$T/up.bin"
expect_same "$T/up.bin" "$T/image.bin" "the upload is the image"

# DfuSe's other commands: mass erase, read unprotect (erases, then resets).
head -c 1048576 /dev/urandom >"$T/full"
expect_exit 0 "dfu-util mass-erase" \
	usbemu --device "dfuse,flash=$T/full" -- dfu-util -a 0 -s 0x08000000:mass-erase:force
erased 1048576 >"$T/ff.bin"
expect_same "$T/full" "$T/ff.bin" "erases all of the flash"
head -c 1048576 /dev/urandom >"$T/full"
expect_exit 0 "dfu-util unprotect" \
	usbemu --device "dfuse,flash=$T/full" -- dfu-util -a 0 -s 0x08000000:unprotect:force
expect_output "left the bus" "the device resets"
expect_same "$T/full" "$T/ff.bin" "after erasing all of the flash"

# Failures reach dfu-util, which must exit non-zero, promptly.
expect_exit 74 "dfuERROR errCHECK_ERASED at the third block fails dfu-util (EX_IOERR)" \
	usbemu --device "dfuse,flash=$T/flash,fail=errCHECK_ERASED,fail-at=3" -- $DL "$T/image.bin"
expect_output "status(5) = Memory erase check failed" "it reports the device's status"
expect_exit 74 "a STALL of a DNLOAD fails dfu-util" \
	usbemu --device dfuse,stall-after=20000 -- $DL "$T/image.bin"
expect_output "Error during download" "it reports the failed download"
expect_exit 74 "a device that vanishes mid-transfer fails dfu-util, without a hang" \
	usbemu --device dfuse,vanish-after=20000 -- $DL "$T/image.bin"
expect_output "LIBUSB_ERROR_NO_DEVICE" "libusb says the device is gone"
expect_output "usbemu: /dev/bus/usb/001/002 left the bus" "the harness took it off the bus"
expect_exit 0 "a new scan after a device vanished" \
	usbemu --device dfuse,serial=A,vanish-after=0 --device dfuse,serial=B -- sh -c \
	"dfu-util -S A -a 0 -s 0x08000000:leave -D '$T/image.bin' >/dev/null 2>&1; echo exit \$?;
	 echo sysfs: \$(ls /sys/bus/usb/devices); dfu-util -l"
expect_output "exit 74" "(the download to it failed)"
expect_output "sysfs: 1-2" "its sysfs entry is gone (the preload shows the testbed's /sys)"
if grep -q 'serial="A"' "$T/log"; then not_ok "dfu-util no longer finds it"; else ok "dfu-util no longer finds it"; fi
expect_output 'serial="B"' "but still the other one"
expect_exit 0 "a program that keeps its libusb context gets the hotplug event" \
	usbemu --device dfuse,vanish-after=0 -- "$top_builddir/tests/tools/usbprobe"
expect_output "claim: LIBUSB_SUCCESS" "(claiming with auto-detach works,"
expect_output "claim 1: LIBUSB_ERROR_INVALID_PARAM" "a missing interface is refused,"
expect_output "claim on another fd: LIBUSB_ERROR_BUSY" "one claimed through another fd is busy,"
expect_output "release: LIBUSB_SUCCESS" "released,"
expect_output "claim there now: LIBUSB_SUCCESS" "it can be claimed there)"
expect_output "left: bus 1 port 1" "for bus 1 port 1"
expect_output "devices: 0" "and its device list is empty"

# reappear=: an application that dfu-util detaches comes back as the ROM
# bootloader, on its port at the next address, with its serial number.
expect_exit 0 "a detached device comes back as another model (reappear=)" \
	usbemu --device "runtime,serial=R,reappear=dfuse,reappear-ms=100" -- sh -c \
	"dfu-util -d 1209:0002 -e; sleep 1; dfu-util -l"
expect_output "usbemu: /dev/bus/usb/001/002 left the bus" "the application left the bus"
expect_output "usbemu: /dev/bus/usb/001/003 plugged in at 1-1 (dfuse)" \
	"the bootloader came in at the next address on the same port"
expect_output 'Found DFU: [0483:df11] ver=2200, devnum=3, cfg=1, intf=0, path="1-1"' \
	"a new scan finds it there"
expect_output 'serial="R"' "with the application's serial number"
expect_exit 64 "reappear= of an unknown model is refused" usbemu --device runtime,reappear=nosuch -- true
expect_exit 64 "the next device's options are checked at the start" \
	usbemu --device runtime,reappear=dfuse,dfuse.colour=red -- true
expect_exit 64 "options for a model that does not follow are refused" \
	usbemu --device runtime,reappear=dfuse,loader.flash=x -- true
expect_exit 64 "reappear-ms= alone is refused" usbemu --device runtime,reappear-ms=5 -- true

# Two devices: -S and -p pick one; only its flash changes.
two() { usbemu --device "dfuse,serial=A,flash=$T/a" --device "dfuse,serial=B,flash=$T/b" -- "$@"; }
rm -f "$T/a" "$T/b"
expect_exit 0 "two devices are listed" two dfu-util -l
expect_output 'path="1-1", alt=0, name="@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg", serial="A"' \
	"A at port 1"
expect_output 'path="1-2", alt=0, name="@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg", serial="B"' \
	"B at port 2"
expect_exit 0 "dfu-util -p 1-2 lists only the second" two dfu-util -p 1-2 -l
if grep -q 'serial="A"' "$T/log"; then not_ok "-p 1-2 leaves A out"; else ok "-p 1-2 leaves A out"; fi
expect_exit 0 "dfu-util -S B downloads to B" two dfu-util -S B -a 0 -s 0x08000000:leave -D "$T/image.bin"
expect_at "$T/b" 0 "$T/image.bin" "B's flash holds the image"
erased 1048576 >"$T/ff.bin"
expect_same "$T/a" "$T/ff.bin" "A's flash is untouched (erased)"

# The harness's contract.
expect_exit 7 "the command's exit status is usbemu's" usbemu --device dfuse -- sh -c 'exit 7'
expect_exit 124 "a command past --timeout is stopped (124)" \
	usbemu --timeout 1 --device dfuse -- sleep 30
expect_output "still running after 1 s" "and says so"
expect_exit 127 "a command that cannot be started (127)" usbemu --device dfuse -- /nonexistent/cmd
expect_exit 70 "a flash file that cannot be written fails the run (70)" \
	usbemu --device "dfuse,flash=$T/nodir/flash" -- true
expect_output "dfuse: cannot write $T/nodir/flash" "and says why"
expect_exit 64 "an unknown model is a usage error" usbemu --device nosuch -- true
expect_exit 64 "an unknown option is refused" usbemu --device dfuse,colour=red -- true
expect_exit 64 "a bad fault option is refused" usbemu --device dfuse,vanish-after=x -- true

finish

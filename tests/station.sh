#!/bin/sh
# Station mode: boards that appear after fwpack flash started. --wait: a
# serial board and a USB board plugged in during the wait are flashed.
# --loop: three serial boards plugged in one after another are each
# flashed once, with a running count, until SIGINT; over USB, a board whose
# application re-enumerates into its Loader during its own update is one
# board, flashed once. USB waits on libusb hotplug events: boards plugged in
# after the start (usbemu plug-ms=) with --wait and with --loop (and
# --loop --all).
. "$top_srcdir/tests/lib.sh"

DEV=$top_builddir/device/ports/posix/fwd-posix
LINK=$top_builddir/tests/tools/linkemu
USB=$top_builddir/tests/tools/usbemu
I=$top_builddir/device-build/posix
export ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0"
SIZE=$(wc -c <"$I/app.bin")

PIDS=
trap 'stop_all; rm -rf "$T"' EXIT
factory() {
	head -c $((0x104000)) /dev/zero | tr '\000' '\377' >"$1"
	dd if="$I/loader.bin" of="$1" bs=1024 seek=16 conv=notrunc status=none
}
board() { # N LINKPATH: board N plugged in, its host end appearing at LINKPATH
	factory "$T/f$1"
	rm -f "$T/dev$1"
	"$DEV" --flash "$T/f$1" --link "$T/dev$1" >/dev/null 2>&1 &
	PIDS="$PIDS $!"
	wait_link "$T/dev$1"
	"$LINK" --device "$(readlink "$T/dev$1")" --link "$T/h$1" --baud 921600 2>/dev/null &
	PIDS="$PIDS $!"
	wait_link "$T/h$1"
	ln -s "$(readlink "$T/h$1")" "$2"
}
holds() { # FLASH: the application slot holds app.bin
	tail -c +$((0x20000 + 1)) "$1" | head -c "$SIZE" | cmp -s - "$I/app.bin"
}
fw() { LD_PRELOAD=$top_builddir/tests/tools/ptyshim.so "$FWPACK" flash "$@"; }
# usb_station N SETTLE WHAT USBEMU-ARGS...: fwpack flash --loop $SEL
# (default --dfu) under usbemu until "station: N passed", SETTLE more
# seconds, then SIGINT; WHAT: the check that it ended with exit 0.
usb_station() {
	want=$1 settle=$2 what=$3
	shift 3
	rm -f "$T/pid"
	timeout -k 5 90 "$USB" "$@" -- sh -c "echo \$\$ >'$T/pid'; exec '$FWPACK' flash --loop ${SEL:---dfu} '$I/app.bin'" \
		>"$T/log" 2>&1 &
	up=$!
	for _ in $(seq 300); do grep -q "station: $want passed" "$T/log" && break; sleep 0.1; done
	sleep "$settle"
	kill -INT "$(cat "$T/pid")"
	wait $up
	rc=$?
	if [ $rc -eq 0 ]; then ok "$what"; else not_ok "$what (exit $rc)"; sed 's/^/    /' "$T/log"; fi
}

# 1. --wait: the port appears a second after the run started.
LD_PRELOAD=$top_builddir/tests/tools/ptyshim.so "$FWPACK" flash --wait=20 --no-boot --port "$T/late" \
	"$I/app.bin" >"$T/log" 2>&1 &
fp=$!
sleep 1
board 1 "$T/late"
for _ in $(seq 200); do kill -0 $fp 2>/dev/null || break; sleep 0.1; done
wait $fp
rc=$?
if [ $rc -eq 0 ]; then ok "--wait: a serial board plugged in after the start is flashed"; else
	not_ok "--wait: a serial board plugged in after the start is flashed (exit $rc)"; sed 's/^/    /' "$T/log"; fi
if holds "$T/f1"; then ok "its slot holds the image"; else not_ok "its slot holds the image"; fi
expect_exit 66 "--wait=1: a port that never comes, bounded" fw --wait=1 --port "$T/never" "$I/app.bin"
expect_output "no such serial port after" "it says how long it waited"
stop_all

# 2. --loop: three boards, one after another; each flashed once; SIGINT ends it.
mkdir "$T/fixture"
rm -f "$T/log"
LD_PRELOAD=$top_builddir/tests/tools/ptyshim.so "$FWPACK" flash --loop --no-boot --port "$T/fixture/*" \
	"$I/app.bin" >"$T/log" 2>&1 &
fp=$!
for n in 1 2 3; do
	sleep 0.5
	board $n "$T/fixture/b$n"
	for _ in $(seq 150); do grep -q "station: $n passed" "$T/log" && break; sleep 0.1; done
done
sleep 1 # a few more scans: nobody is flashed twice
kill -INT $fp
for _ in $(seq 100); do kill -0 $fp 2>/dev/null || break; sleep 0.1; done
if kill -0 $fp 2>/dev/null; then not_ok "--loop ends on SIGINT"; kill -9 $fp; else ok "--loop ends on SIGINT"; fi
wait $fp
rc=$?
if [ $rc -eq 0 ]; then ok "every board passed: exit 0"; else not_ok "every board passed: exit 0 ($rc)"; fi
expect_output "station: 1 passed, 0 failed" "the count after the first board"
expect_output "station: 3 passed, 0 failed" "and after the third"
expect_output "3 of 3 boards passed" "the summary at the end"
n=$(grep -c "Connected: posix" "$T/log")
if [ "$n" -eq 3 ]; then ok "each board was flashed once (3 connects)"; else
	not_ok "each board was flashed once ($n connects)"; sed 's/^/    /' "$T/log"; fi
all=1
for n in 1 2 3; do holds "$T/f$n" || all=0; done
if [ $all -eq 1 ]; then ok "the 3 slots hold the image"; else not_ok "the 3 slots hold the image"; fi
stop_all

# 3. USB: a board whose application detaches (dfu-util -e) comes back as the
# fwpack Loader 1.5 s later: fwpack flash --wait, started before, flashes it.
rm -f "$T/u1"
expect_exit 0 "--wait over USB: a Loader that appears after the start is flashed" \
	timeout -k 5 60 "$USB" --device "runtime,serial=R,reappear=loader,reappear-ms=1500,loader.flash=$T/u1" -- \
	sh -c "'$FWPACK' flash --wait=20 --device 1209:0001 --no-boot '$I/app.bin' & f=\$!; sleep 0.5; dfu-util -e -S R >/dev/null 2>&1; wait \$f"
expect_output "Connected: USB DFU device 1209:0001 serial R" "it connects to the Loader"
if holds "$T/u1"; then ok "its slot holds the image"; else not_ok "its slot holds the image"; fi

# 4. USB --loop: a board in its application (runtime mode) re-enumerates
# into the Loader during its own update: one board, flashed once.
rm -f "$T/u1"
# the board resets into its new firmware (1.5 s): still the same board
usb_station 1 1.5 "USB --loop ends on SIGINT, all passed" \
	--device "runtime,serial=R,reappear=loader,loader.flash=$T/u1"
expect_output "runtime R: DFU_DETACH" "the application was detached"
expect_output "station: 1 passed, 0 failed" "the count"
n=$(grep -c "Connected: USB DFU device" "$T/log")
if [ "$n" -eq 1 ]; then ok "the re-enumerated board was flashed once"; else
	not_ok "the re-enumerated board was flashed once ($n connects)"; sed 's/^/    /' "$T/log"; fi
if holds "$T/u1"; then ok "its slot holds the image"; else not_ok "its slot holds the image"; fi
# 5. USB, libusb hotplug: a Loader plugged in 1.5 s after the start (usbemu
# plug-ms=) is seen by its "add" event and flashed.
rm -f "$T/u1"
FWPACK_DEBUG=1 timeout -k 5 60 "$USB" --device "loader,serial=H1,flash=$T/u1,plug-ms=1500" -- \
	"$FWPACK" flash --all --wait=20 --no-boot "$I/app.bin" >"$T/log" 2>&1
rc=$?
if [ $rc -eq 0 ]; then ok "--all --wait: a USB board plugged in after the start is flashed"; else
	not_ok "--all --wait: a USB board plugged in after the start is flashed (exit $rc)"; sed 's/^/    /' "$T/log"; fi
expect_output "waiting for USB devices with libusb hotplug events" "it waits on hotplug events, not by polling"
if holds "$T/u1"; then ok "its slot holds the image"; else not_ok "its slot holds the image"; fi
expect_exit 69 "--all --wait=1 over USB: nothing comes, bounded" \
	timeout -k 5 30 "$USB" --device "loader,serial=H9,flash=$T/u9,plug-ms=5000" -- \
	"$FWPACK" flash --all --wait=1 --no-boot "$I/app.bin"
expect_output "--all: no USB DFU device found" "it says nothing came"

# 6. USB --loop on hotplug: three boards plugged in one after another, the
# second an application that re-enumerates into its Loader during its own
# update; each flashed once; SIGINT ends it with the counts.
rm -f "$T/u1" "$T/u2" "$T/u3"
# then 1 s more of events (the boards reset): nobody is flashed twice
FWPACK_DEBUG=1 usb_station 3 1 "USB --loop on hotplug ends on SIGINT, all passed" \
	--device "loader,serial=P1,flash=$T/u1,plug-ms=500" \
	--device "runtime,serial=P2,plug-ms=3000,reappear=loader,loader.flash=$T/u2" \
	--device "loader,serial=P3,flash=$T/u3,plug-ms=6000"
expect_output "waiting for USB devices with libusb hotplug events" "the station waits on hotplug events"
for n in 1 2 3; do
	expect_output "station: $n passed, 0 failed" "the count after board $n"
done
expect_output "3 of 3 boards passed" "the summary at the end"
expect_output "runtime P2: DFU_DETACH" "the second board was detached from its application"
for n in 1 2 3; do
	c=$(grep -c "Connected: USB DFU device .* serial P$n " "$T/log")
	if [ "$c" -eq 1 ]; then ok "board P$n was flashed once"; else
		not_ok "board P$n was flashed once ($c connects)"; sed 's/^/    /' "$T/log"; fi
done
all=1
for n in 1 2 3; do holds "$T/u$n" || all=0; done
if [ $all -eq 1 ]; then ok "the 3 slots hold the image"; else not_ok "the 3 slots hold the image"; fi

# 7. --loop --all: USB boards plugged in one after another are found too,
# while the serial ports are looked at every 200 ms (none listed here);
# each flashed once, though the station looks at USB again only on events.
rm -f "$T/u1" "$T/u2"
SEL=--all usb_station 2 1 "--loop --all: USB boards plugged in, SIGINT, all passed" \
	--device "loader,serial=Q1,flash=$T/u1,plug-ms=500" \
	--device "loader,serial=Q2,flash=$T/u2,plug-ms=2500"
for n in 1 2; do
	c=$(grep -c "Connected: USB DFU device .* serial Q$n " "$T/log")
	if [ "$c" -eq 1 ]; then ok "--loop --all: board Q$n was flashed once"; else
		not_ok "--loop --all: board Q$n was flashed once ($c connects)"; sed 's/^/    /' "$T/log"; fi
done
if holds "$T/u1" && holds "$T/u2"; then ok "--loop --all: the 2 slots hold the image"; else
	not_ok "--loop --all: the 2 slots hold the image"; fi
finish

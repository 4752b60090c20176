#!/bin/sh
# fwpack flash --all over serial ports: under tests/tools/ttyemu, the system
# lists emulated USB CDC-ACM ports (libserialport's sp_list_ports), three
# joined to posix-port Loaders, one with nothing behind it. --all probes
# each, flashes the three, skips the silent one and says so (-v, the JSON,
# the summary); --port GLOB and --device narrow what is probed; --all --wait
# finds a board that appears after the run started; two ports with one
# board behind them (one UID) flash it once; --loop --all probes each port
# once, when it appears; one board on a serial port and on USB DFU (one
# UID) is flashed once, over USB, and is one board to --loop --all.
. "$top_srcdir/tests/lib.sh"

DEV=$top_builddir/device/ports/posix/fwd-posix
TTYEMU=$top_builddir/tests/tools/ttyemu
I=$top_builddir/device-build/posix
export ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0"

PIDS=
device() { # N: a fresh board N on flash $T/fN (the Loader programmed), its UART at $T/devN
	erased $((0x104000)) >"$T/f$1"
	dd if="$I/loader.bin" of="$T/f$1" bs=1024 seek=16 conv=notrunc status=none
	rm -f "$T/dev$1"
	"$DEV" --flash "$T/f$1" --link "$T/dev$1" >"$T/dev$1.log" 2>&1 &
	PIDS="$PIDS $!"
	wait_link "$T/dev$1"
}
trap 'stop_all; rm -rf "$T"' EXIT

fixture() { # ttyemu with boards 1-3 on ttyACM0-2 and a silent ttyUSB0, then ARGS
	timeout -k 5 90 "$TTYEMU" --port ttyACM0="$(readlink "$T/dev1")" \
		--port ttyACM1="$(readlink "$T/dev2")" --usb 1209:0001:other --port ttyUSB0=none \
		--port ttyACM2="$(readlink "$T/dev3")" -- "$@"
}
results() { # the result events of $T/log, "name result", sorted
	grep '"event":"result"' "$T/log" | sed 's/.*"result":"\([a-z]*\)".*"name":"\([^"]*\)".*/\2 \1/' | sort
}
# expect_passed RC WHAT PORT...: exit status RC is 0 and $T/log has a pass
# result for each PORT, none for another
expect_passed() {
	code=$1 what=$2
	shift 2
	printf '%s pass\n' "$@" >"$T/want"
	results >"$T/got"
	if [ "$code" -eq 0 ] && cmp -s "$T/got" "$T/want"; then ok "$what"; else
		not_ok "$what (exit $code)"; sed 's/^/    /' "$T/log" "$T/err"; fi
}

# 1. Three Loaders and a port that answers nothing: the three flashed, the other skipped.
device 1
device 2
device 3
fixture "$FWPACK" flash --all -v "$I/app.bin" >"$T/log" 2>&1
rc=$?
if [ $rc -eq 0 ]; then ok "--all: exit 0"; else not_ok "--all: exit $rc"; sed 's/^/    /' "$T/log"; fi
expect_output "3 of 3 boards passed" "--all: the summary counts 3 boards"
for p in /dev/ttyACM0 /dev/ttyACM1 /dev/ttyACM2; do
	if grep -q "^$p .* pass" "$T/log"; then ok "--all: $p passed"; else not_ok "--all: $p not in the summary as passed"; fi
done
expect_output "fwpack: --all: skipping /dev/ttyUSB0: /dev/ttyUSB0: no fwpack Loader or Updater answers" \
	"--all -v: the silent port skipped, with why"
expect_output "skipped by --all (not an fwpack Loader or Updater, or a board reached another way): /dev/ttyUSB0" \
	"--all: the summary names the skipped port"
if grep -q "^/dev/ttyUSB0 " "$T/log"; then not_ok "--all: the silent port is not a board"; else ok "--all: the silent port is not a board"; fi
stop_all
for n in 1 2 3; do
	if boots $n; then ok "--all: board $n boots the new application"; else not_ok "--all: board $n does not boot it"; fi
done

# 2. The same in JSON: one result per board, a warning naming the skipped port.
device 1
device 2
device 3
fixture "$FWPACK" flash --all --json "$I/app.bin" >"$T/log" 2>"$T/err"
rc=$?
if [ $rc -eq 0 ]; then ok "--all --json: exit 0"; else not_ok "--all --json: exit $rc"; sed 's/^/    /' "$T/log" "$T/err"; fi
printf '/dev/ttyACM0 pass\n/dev/ttyACM1 pass\n/dev/ttyACM2 pass\n' >"$T/want"
results >"$T/got"
expect_same "$T/got" "$T/want" "--all --json: a pass result for each of the 3 boards, none for the other port"
if grep '"event":"warning"' "$T/log" | grep -q 'skipped by --all: /dev/ttyUSB0: no fwpack Loader or Updater answers.*"name":"/dev/ttyUSB0"'; then
	ok "--all --json: a warning event names the skipped port and why"
else
	not_ok "--all --json: no warning event for the skipped port"; sed 's/^/    /' "$T/log"
fi
if grep '"event":"connect"' "$T/log" | grep -q '"uid":""'; then
	not_ok "--all --json: a board without its UID"
else
	ok "--all --json: each board's UID in its events"
fi
stop_all

# 3. --port GLOB: only the ports it matches are probed (the silent one is never written to).
device 1
device 2
device 3
fixture "$FWPACK" flash --all -v --port '/dev/ttyACM[01]' --json "$I/app.bin" >"$T/log" 2>"$T/err"
rc=$?
expect_passed $rc "--all --port GLOB: the matching ports flashed" /dev/ttyACM0 /dev/ttyACM1
if grep -q ttyUSB0 "$T/log" "$T/err"; then not_ok "--all --port GLOB: the other port was probed"; else
	ok "--all --port GLOB: only the matching ports probed"; fi

# 4. --device VID:PID: only the serial ports of that USB device (none of them a board here).
fixture "$FWPACK" flash --all -v --device 1209:0001 "$I/app.bin" >"$T/log" 2>&1
rc=$?
if [ $rc -eq 69 ] && grep -q "skipping /dev/ttyUSB0" "$T/log" && ! grep -q "ttyACM" "$T/log"; then
	ok "--all --device: only the ports with that VID:PID probed; none answers: exit 69"
else
	not_ok "--all --device (exit $rc)"; sed 's/^/    /' "$T/log"
fi
stop_all

# 5. --all --wait: the only board appears 2 s after the run started.
device 4
fixture_late() {
	timeout -k 5 90 "$TTYEMU" --port ttyUSB0=none --after 2 --port ttyACM0="$(readlink "$T/dev4")" -- "$@"
}
fixture_late "$FWPACK" flash --all --wait=20 --json "$I/app.bin" >"$T/log" 2>"$T/err"
rc=$?
expect_passed $rc "--all --wait: a board plugged in after the start is found and flashed" /dev/ttyACM0
# Nothing appears: the wait ends, bounded, with the reason.
start=$(date +%s)
timeout -k 5 60 "$TTYEMU" --port ttyUSB0=none -- "$FWPACK" flash --all --wait=3 "$I/app.bin" >"$T/log" 2>&1
rc=$?
took=$(($(date +%s) - start))
if [ $rc -eq 69 ] && [ $took -lt 15 ] && grep -q "no serial port answers as an fwpack Loader or Updater (1 probed" "$T/log"; then
	ok "--all --wait=3 with no board: exit 69 after ${took} s, saying why"
else
	not_ok "--all --wait=3 with no board (exit $rc after $took s)"; sed 's/^/    /' "$T/log"
fi
stop_all

# 7. Two ports, one board (two posix processes on one flash file report one UID):
# flashed once, the second port skipped, naming the first.
device 5
rm -f "$T/dev5b"
"$DEV" --flash "$T/f5" --link "$T/dev5b" >"$T/dev5b.log" 2>&1 &
PIDS="$PIDS $!"
wait_link "$T/dev5b"
timeout -k 5 90 "$TTYEMU" --port ttyACM0="$(readlink "$T/dev5")" --port ttyACM1="$(readlink "$T/dev5b")" -- \
	"$FWPACK" flash --all -v --json "$I/app.bin" >"$T/log" 2>"$T/err"
rc=$?
expect_passed $rc "--all: two ports reporting one UID are one board, flashed once" /dev/ttyACM0
if grep -q "skipping /dev/ttyACM1: /dev/ttyACM1: the same board as /dev/ttyACM0 (UID [0-9a-f]*): flashed once" "$T/err"; then
	ok "--all -v: the second port is skipped, naming the first"
else
	not_ok "--all -v: the second port of one board not skipped as such"; sed 's/^/    /' "$T/err"
fi
stop_all

# 8. --loop --all: a station that probes each serial port once, when it appears.
# Board 6 is there at the start, board 7 is plugged in 2 s later, next to a
# port that answers nothing: both flashed once, the silent port probed once
# (not on every look), the count after each, exit 0 on SIGINT.
device 6
device 7
timeout -k 5 90 "$TTYEMU" --port ttyACM0="$(readlink "$T/dev6")" --port ttyUSB0=none \
	--after 2 --port ttyACM1="$(readlink "$T/dev7")" -- sh -c '
	"$0" flash --loop --all -v --json "$1" >"$2/log" 2>"$2/err" &
	pid=$!
	for _ in $(seq 300); do
		[ "$(grep -c "\"event\":\"result\"" "$2/log")" -ge 2 ] && break
		sleep 0.1
	done
	sleep 1 # more looks: nothing is probed or flashed twice
	kill -INT $pid
	wait $pid' "$FWPACK" "$I/app.bin" "$T"
rc=$?
expect_passed $rc "--loop --all: the board there and the one plugged in later, each flashed once; exit 0 on SIGINT" \
	/dev/ttyACM0 /dev/ttyACM1
expect_eq "$(grep -c 'skipping /dev/ttyUSB0: /dev/ttyUSB0: no fwpack Loader or Updater answers' "$T/err")" 1 \
	"--loop --all -v: the silent port probed once, and skipped with why"
expect_eq "$(grep '"event":"warning"' "$T/log" | grep -c 'skipped by --all: /dev/ttyUSB0: no fwpack Loader or Updater answers.*"name":"/dev/ttyUSB0"')" 1 \
	"--loop --all --json: one warning event names the skipped port and why"
if grep '"event":"count"' "$T/log" | tail -1 | grep -q '"passed":2,"failed":0'; then
	ok "--loop --all: the running count reaches 2 passed"
else
	not_ok "--loop --all: no count of 2 passed"; sed 's/^/    /' "$T/log"
fi
stop_all
for n in 6 7; do
	if boots $n; then ok "--loop --all: board $n boots the new application"; else not_ok "--loop --all: board $n does not boot it"; fi
done

# 9. One board on both carriers: its Loader answers on a serial port and as
# a USB DFU device (usbemu's Loader model on the same flash file reports the
# same UID as its iSerialNumber; ttyemu joins usbemu's emulated system).
# --all flashes it once, over USB, and skips the port, naming the device.
device 8
USBEMU=$top_builddir/tests/tools/usbemu
timeout -k 5 90 "$USBEMU" --device "loader,flash=$T/f8" -- \
	"$TTYEMU" --port ttyACM0="$(readlink "$T/dev8")" -- \
	"$FWPACK" flash --all -v --json "$I/app.bin" >"$T/log" 2>"$T/err"
rc=$?
expect_passed $rc "--all: one board on both carriers is flashed once" 1-1
uid8=$(grep '"event":"connect"' "$T/log" | sed -n 's/.*"uid":"\([0-9a-f]*\)".*/\1/p' | head -1)
grep '"event":"result"' "$T/log" | grep -q '"transport":"usb-dfu"' && ok "...over USB" || not_ok "...over USB"
if grep -q "skipping /dev/ttyACM0: /dev/ttyACM0: the same board as USB DFU device 1-1 (UID $uid8): flashed once, over USB" "$T/err" &&
	[ -n "$uid8" ]; then
	ok "--all -v: its serial port skipped, naming the USB device and the UID"
else
	not_ok "--all -v: the serial port of a board flashed over USB not skipped as such"; sed 's/^/    /' "$T/err"
fi
stop_all
if boots 8; then ok "--all: the board boots the new application"; else not_ok "--all: the board does not boot it"; fi

# 10. --loop --all: the same board's USB side appears (2.5 s) after its serial
# port was flashed: it is the same board (its key is the UID), not flashed again.
device 8
rm -f "$T/u8"
UPPER=$(printf %s "$uid8" | tr 'a-f' 'A-F')
timeout -k 5 90 "$USBEMU" --device "loader,flash=$T/u8,serial=$UPPER,plug-ms=2500" -- \
	"$TTYEMU" --port ttyACM0="$(readlink "$T/dev8")" -- sh -c '
	"$0" flash --loop --all --json "$1" >"$2/log" 2>"$2/err" &
	pid=$!
	for _ in $(seq 300); do grep -q "\"event\":\"result\"" "$2/log" && break; sleep 0.1; done
	sleep 3.5 # the USB side plugs in at 2.5 s: no second job for it
	kill -INT $pid
	wait $pid' "$FWPACK" "$I/app.bin" "$T" 2>"$T/emu.err"
rc=$?
expect_passed $rc "--loop --all: the board flashed once over serial; its USB side later is the same board" \
	/dev/ttyACM0
expect_eq "$(grep -c '"event":"connect"' "$T/log")" 1 "...one connect in all"
stop_all

# 6. --all takes boards already in their Loader: --enter is refused, not ignored.
expect_exit 64 "--all --enter: refused" "$FWPACK" flash --all --enter reset "$I/app.bin"
expect_output "no --enter with it" "--all --enter: says why"
expect_exit 64 "-v without --all: refused" "$FWPACK" flash --port /dev/null -v "$I/app.bin"

finish

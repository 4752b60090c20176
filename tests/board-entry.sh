#!/bin/sh
# A board that runs its Application, taken into its Loader by each entry
# method `fwpack flash --enter` offers, over the emulated cable: the posix
# board on a pty, tests/tools/linkemu in between carrying the modem lines,
# and tests/serial-client (real libserialport, ptyshim.so reporting DTR,
# RTS, the rate and closes) on the host's end (docs/serial-emulation.md).
# reset: RTS holds the board, DTR asserted as it lets go is boot-select;
# 1200: the 1200-baud touch; console: the line the Application's console
# library answers (device/core/fwd_console_cmd.h). Each time the Loader
# answers HELLO in update mode, and says why it stayed. And the negative:
# without the lines on the cable, the reset sequence reaches nothing.
. "$top_srcdir/tests/lib.sh"

DEV=$top_builddir/device/ports/posix/fwd-posix
EMU=$top_builddir/tests/tools/linkemu
CLIENT=$top_builddir/tests/serial-client
SHIM=$top_builddir/tests/tools/ptyshim.so
I=$top_builddir/device-build/posix
export ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0"
if [ -f "$I/.stamp" ] && [ -f "$I/app.bin" ]; then ok "the posix images are built"; else
	not_ok "the posix images are built"; finish; exit 1; fi

M=$T/modem
mkdir -p "$M"
export FWP_MODEM_DIR=$M

head -c $((0x104000)) /dev/zero | tr '\000' '\377' >"$T/flash"
dd if="$I/loader.bin" of="$T/flash" bs=1024 seek=16 conv=notrunc status=none

DPID= EPID=
"$DEV" --flash "$T/flash" --link "$T/dev" >"$T/dev.log" 2>&1 &
DPID=$!
for _ in $(seq 50); do [ -L "$T/dev" ] && break; sleep 0.1; done
"$EMU" --device "$(readlink "$T/dev")" --link "$T/host" --baud 921600 2>"$T/emu.log" &
EPID=$!
for _ in $(seq 50); do [ -L "$T/host" ] && break; sleep 0.1; done
stop() {
	for p in $EPID $DPID; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	EPID= DPID=
}
trap 'stop; rm -rf "$T"' EXIT

client() { LD_PRELOAD=$SHIM timeout 60 "$CLIENT" --port "$(readlink "$T/host")" "$@"; }

expect_exit 0 "install the Application through the Loader" client --expect "app: marked good" "$I/app.bin"
for method in reset 1200 console console=fwpack-update; do
	expect_exit 0 "--enter $method: the Loader answers HELLO" client --enter "$method"
	expect_output "entered the Loader by $method" "--enter $method: the sequence was sent"
	expect_output "device: board posix, role loader" "--enter $method: it is the Loader, in update mode"
	case $method in
	reset) expect_exit 0 "the board saw RTS hold it and DTR select the Loader" \
		grep -q "RTS released: reset, boot-select asserted" "$T/dev.log" ;;
	1200) expect_exit 0 "the board saw the 1200-baud touch" \
		grep -q "1200-baud touch: reset into the Loader" "$T/dev.log" ;;
	esac
	# Back into the Application: BOOT, and the Loader boots it (boot-select released now).
	expect_exit 0 "--enter $method: BOOT runs the Application again" \
		client --info --boot --expect "app: marked good"
done

# What must not take the board into its Loader: another line, or a cable without the lines.
expect_exit 3 "a command the Application does not know leaves it running: no Loader" \
	client --enter console=fwpack-updat
FWP_MODEM_DIR= expect_exit 3 "without the lines on the cable, --enter reset reaches nothing" \
	client --enter reset
finish

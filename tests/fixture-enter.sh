#!/bin/sh
# fwpack flash --enter: a board that runs its Application is taken into its
# Loader by each method the host offers (reset: DTR/RTS; 1200: the 1200-baud
# touch; console[=CMD]: a line to the Application's console) and flashed,
# over the emulated cable: the posix board on a pty, linkemu carrying the
# modem lines (FWP_MODEM_DIR, docs/serial-emulation.md), the real
# libserialport on the host's end. Then two boards at once, each entered.
. "$top_srcdir/tests/lib.sh"

# The emulated modem lines and the board's reset circuit come with the
# device side of the entry methods; without them there is nothing to enter.
if ! grep -q FWP_MODEM_DIR "$top_srcdir/tests/tools/ptyshim.c"; then
	echo "SKIP: the emulated cable carries no modem lines here (tests/tools/ptyshim.c)"
	exit 77
fi

DEV=$top_builddir/device/ports/posix/fwd-posix
EMU=$top_builddir/tests/tools/linkemu
I=$top_builddir/device-build/posix
export ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0"
mkdir -p "$T/modem"
export FWP_MODEM_DIR=$T/modem

PIDS=
trap 'stop_all; rm -rf "$T"' EXIT
board() { # N: board N, its host end at $T/hostN
	head -c $((0x104000)) /dev/zero | tr '\000' '\377' >"$T/f$1"
	dd if="$I/loader.bin" of="$T/f$1" bs=1024 seek=16 conv=notrunc status=none
	rm -f "$T/dev$1" "$T/host$1"
	"$DEV" --flash "$T/f$1" --link "$T/dev$1" >"$T/dev$1.log" 2>&1 &
	PIDS="$PIDS $!"
	wait_link "$T/dev$1"
	"$EMU" --device "$(readlink "$T/dev$1")" --link "$T/host$1" --baud 921600 2>/dev/null &
	PIDS="$PIDS $!"
	wait_link "$T/host$1"
}
fw() { LD_PRELOAD=$top_builddir/tests/tools/ptyshim.so "$FWPACK" flash --timeout 300 "$@"; }
holds() { # N IMAGE
	size=$(wc -c <"$2")
	tail -c +$((0x20000 + 1)) "$T/f$1" | head -c "$size" | cmp -s - "$2"
}

board 1
P=$(readlink "$T/host1")
expect_exit 0 "the Application installed and booted" fw --port "$P" "$I/app.bin"
expect_exit 1 "now it runs its Application: no Loader answers" \
	sh -c "LD_PRELOAD=$top_builddir/tests/tools/ptyshim.so '$FWPACK' flash --timeout 100 --retries 2 --no-boot --port '$P' '$I/app2.bin' >/dev/null 2>&1; [ \$? -eq 69 ] && exit 1"
img=app2.bin # each time: app.bin after it would be a rollback
for method in reset 1200 console console=fwpack-update; do
	expect_exit 0 "--enter $method: into the Loader, flashed, booted" \
		fw --enter "$method" --port "$P" "$I/$img"
	expect_output "Connected: posix, fwpack Loader" "--enter $method: the Loader answered"
	expect_output "Resetting the device into the new firmware" "--enter $method: and runs the new image"
	if holds 1 "$I/$img"; then ok "--enter $method: the slot holds $img"; else
		not_ok "--enter $method: the slot holds $img"; fi
	sleep 0.5 # the Application starts
done
expect_exit 64 "an unknown method is a usage error" fw --enter jump --port "$P" "$I/app.bin"
expect_exit 64 "--enter is for serial ports only" "$FWPACK" flash --dfu --enter reset "$I/app.bin"

# Two boards running their Application, both entered and flashed in one run.
board 2
expect_exit 0 "board 2's Application installed" fw --port "$(readlink "$T/host2")" "$I/app.bin"
sleep 0.5
expect_exit 0 "--enter reset on two boards at once" \
	fw --json --enter reset --port "$P" --port "$(readlink "$T/host2")" "$I/app2.bin"
if [ "$(grep -c '"event":"result","result":"pass"' "$T/log")" -eq 2 ]; then ok "both passed"; else
	not_ok "both passed"; fi
if grep '"event":"result"' "$T/log" | grep -q '"enter":0,' ; then not_ok "the enter phase is timed"; else
	ok "the enter phase is timed"; fi
if grep '"event":"result"' "$T/log" | grep -q '"uid":"[0-9a-f]\{24\}"'; then ok "each board names its unique ID"; else
	not_ok "each board names its unique ID"; fi
if holds 1 "$I/app2.bin" && holds 2 "$I/app2.bin"; then ok "both slots hold app2.bin"; else
	not_ok "both slots hold app2.bin"; fi
finish

#!/bin/sh
# Firmware that nobody here wrote, through the whole chain under QEMU: the
# third-party example (examples/thirdparty/: vendor-style startup, vector
# table and linker script, its own Makefile with the linker's default
# flags, no fwpack code; a heartbeat printed only when its SysTick
# interrupt runs) is built, packaged by fwpack build from its ELF, flashed
# by fwpack flash over the emulated UART (linkemu) into the real Loader,
# and then reset through QEMU's monitor (a real system reset). Confirmed
# ("confirmed": true) it boots and ticks after every one of five resets;
# not confirmed, the Loader boots it three times and then stays in update
# mode, as the crash-loop check is designed.
. "$top_srcdir/tests/lib.sh"

D=$top_builddir/device-build/qemu-mps2
EMU=$top_builddir/tests/tools/linkemu
export ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0"
[ -f "$D/bootloader.elf" ] || { not_ok "QEMU images missing (tests/qemu-boot.sh builds them)"; finish; exit 1; }

QPID= EPID= CPID=
stop() {
	for p in $CPID $EPID $QPID; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	QPID= EPID= CPID=
}
trap 'stop; rm -rf "$T"' EXIT

make -s -C "$top_srcdir/examples/thirdparty" OUT="$T/tp" >"$T/log" 2>&1 &&
	ok "the third-party example builds with its own Makefile" ||
	{ not_ok "the third-party example builds"; cat "$T/log"; finish; exit 1; }
# The header-only API, as a foreign build would use it: one -I, C and C++, nothing linked.
cat >"$T/uses_app.c" <<'C'
#include <fwpack/app.h>
#define SHARED ((struct fwd_shared *)0x20000000u)
int app_started(void);
int app_started(void)
{
	fwp_app_mark_good(SHARED);
	return fwp_app_boot_reason(SHARED) == FWD_RESET_WATCHDOG ? 1 : fwp_app_request_update(SHARED);
}
C
cp "$T/uses_app.c" "$T/uses_app.cpp"
if arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb -Os -std=c11 -Wall -Wextra -Werror \
	-I"$top_srcdir/include" -c "$T/uses_app.c" -o "$T/uses_app.o" >"$T/log" 2>&1 &&
	arm-none-eabi-g++ -mcpu=cortex-m4 -mthumb -Os -Wall -Wextra -Werror \
		-I"$top_srcdir/include" -c "$T/uses_app.cpp" -o "$T/uses_app_cpp.o" >>"$T/log" 2>&1; then
	ok "fwpack/app.h compiles for Cortex-M with one -I (C11 and C++)"
else
	not_ok "fwpack/app.h compiles for Cortex-M with one -I"
	sed 's/^/    /' "$T/log"
fi

cat >"$T/tp.json" <<JSON
{ "manifest_version": 1,
  "regions": [ { "name": "flash", "address": "0x00000000", "size": "1M",
                 "sectors": [ { "count": 4, "size": "16K" }, { "count": 1, "size": "64K" },
                              { "count": 7, "size": "128K" } ], "alignment": 4 } ],
  "slots": [ { "name": "app", "address": "0x00020000", "size": "896K" } ],
  "images": [
    { "name": "tp", "type": "app", "input": "$T/tp/tp.elf", "version": "3.1.4",
      "slot": "app", "key": "$D/keys/dev.pem", "vector_table_size": 256 },
    { "name": "tp-confirmed", "type": "app", "input": "$T/tp/tp.elf", "version": "3.1.5",
      "slot": "app", "key": "$D/keys/dev.pem", "vector_table_size": 256, "confirmed": true } ] }
JSON
expect_exit 0 "fwpack build packages its ELF (default ld flags)" "$FWPACK" build -o "$T/out" "$T/tp.json"
"$FWPACK" inspect "$T/out/tp-confirmed.bin" >"$T/log"
expect_output "confirmed           yes" "fwpack inspect shows the confirmed flag"
"$FWPACK" inspect "$T/out/tp.bin" >"$T/log"
expect_output "confirmed           no" "and its absence"
expect_exit 0 "the confirmed image verifies (the flag is signed)" \
	"$FWPACK" verify --key "$D/keys/dev.pem" "$T/out/tp-confirmed.bin"

# count PATTERN: lines of the console that contain PATTERN
count() { grep -c -- "$1" "$T/console" 2>/dev/null || true; }
# wait_count PATTERN N: until the console has N such lines (bounded: 15 s)
wait_count() {
	for _ in $(seq 75); do
		[ "$(count "$1")" -ge "$2" ] && return 0
		sleep 0.2
	done
	return 1
}

# QEMU with the Bootloader and Loader in flash, the UART on a pty, the
# monitor on a pipe; IMAGE flashed through linkemu by fwpack flash, then
# the console read from the pty into $T/console.
start() { # IMAGE
	rm -f "$T/qemu.log" "$T/console" "$T/mon.in" "$T/mon.out"
	mkfifo "$T/mon.in" "$T/mon.out"
	qemu-system-arm -M mps2-an386 -display none -chardev pty,id=u -serial chardev:u \
		-chardev pipe,id=mon,path="$T/mon" -mon chardev=mon,mode=readline \
		-kernel "$D/bootloader.elf" -device loader,file="$D/loader.bin",addr=0x4000 \
		-device loader,file="$D/nvstate.bin",addr=0x100000 >"$T/qemu.log" 2>&1 &
	QPID=$!
	pts=
	for _ in $(seq 50); do
		pts=$(sed -n 's/.*redirected to \(\/dev\/pts\/[0-9]*\).*/\1/p' "$T/qemu.log")
		[ -n "$pts" ] && break
		sleep 0.1
	done
	cat "$T/mon.out" >"$T/mon.log" &
	CPID=$!
	rm -f "$T/host"
	"$EMU" --device "$pts" --link "$T/host" --baud 115200 2>"$T/emu.log" &
	EPID=$!
	for _ in $(seq 50); do [ -L "$T/host" ] && break; sleep 0.1; done
	LD_PRELOAD=$top_builddir/tests/tools/ptyshim.so "$FWPACK" flash --port "$(readlink "$T/host")" \
		--timeout 300 --retries 30 "$1" >"$T/log" 2>&1
	rc=$?
	kill "$EPID" 2>/dev/null && wait "$EPID" 2>/dev/null
	stty -F "$pts" raw -echo 2>/dev/null
	cat "$pts" >"$T/console" &
	EPID=$!
	return $rc
}
reset_board() { printf 'system_reset\n' >"$T/mon.in"; }
show() { sed 's/^/    /' "$T/console"; }

# Confirmed: boots, ticks, and keeps booting across five resets.
if start "$T/out/tp-confirmed.bin"; then
	ok "confirmed: fwpack flash writes it through the Loader over the emulated UART"
else
	not_ok "confirmed: fwpack flash writes it through the Loader"
	sed 's/^/    /' "$T/log"
fi
if wait_count "tp: tick" 2; then
	ok "confirmed: it boots and its SysTick interrupt ticks (interrupts enabled at the handoff)"
else
	not_ok "confirmed: it ticks"
	show
fi
good=1
for n in 1 2 3 4 5; do
	before=$(count "tp: tick")
	reset_board
	if ! wait_count "loader: application 3.1.5+0 valid, booting it (confirmed)" "$n" ||
		! wait_count "tp: tick" $((before + 2)); then
		good=0
		break
	fi
done
if [ $good = 1 ] && [ "$(count "tp: third-party application started")" -ge 5 ]; then
	ok "confirmed: five resets, and after each the Loader boots it and it ticks again"
else
	not_ok "confirmed: keeps booting and ticking across five resets (failed at reset $n)"
	show
fi
if [ "$(count "crash loop")" -eq 0 ]; then
	ok "confirmed: no crash-loop fallback"
else
	not_ok "confirmed: no crash-loop fallback"
	show
fi
stop

# Not confirmed, and it never marks itself good: three boots, then update mode.
start "$T/out/tp.bin" || { not_ok "unconfirmed: fwpack flash"; sed 's/^/    /' "$T/log"; }
wait_count "tp: tick" 1 || { not_ok "unconfirmed: it ticks"; show; }
reset_board
wait_count "valid, booting it (boot 2)" 1 && wait_count "tp: tick" 2
reset_board
if wait_count "valid, booting it (boot 3)" 1; then
	ok "unconfirmed: the Loader counts its boots (it never marks itself good)"
else
	not_ok "unconfirmed: the Loader counts its boots"
	show
fi
wait_count "tp: tick" 3
starts=$(count "tp: third-party application started")
reset_board
if wait_count "loader: update mode: application unstable (crash loop)" 1; then
	ok "unconfirmed: after three boots the Loader declares a crash loop and stays in update mode"
else
	not_ok "unconfirmed: the crash-loop fallback"
	show
fi
sleep 1
if [ "$(count "tp: third-party application started")" -eq "$starts" ]; then
	ok "unconfirmed: the application did not run again"
else
	not_ok "unconfirmed: the application did not run again"
	show
fi
stop
finish

#!/bin/sh
# fwpack flash end to end: the real libserialport on a pty, the link
# emulator (tests/tools/linkemu) in between, and the device as the posix
# port (a host process, flash in a file) or the real Loader under QEMU.
# Clean transfer; 1% of bytes corrupted; a disconnect at 50% and a resume;
# a wrongly signed image refused with the reason; an image too large for
# the slot refused before a byte is sent; JSON events.
. "$top_srcdir/tests/lib.sh"

DEV=$top_builddir/device/ports/posix/fwd-posix
EMU=$top_builddir/tests/tools/linkemu
I=$top_builddir/device-build/posix
export ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0"

factory() {
	head -c $((0x104000)) /dev/zero | tr '\000' '\377' >"$1"
	dd if="$I/loader.bin" of="$1" bs=1024 seek=16 conv=notrunc status=none
}

DPID= EPID=
device() { # FLASH
	# One device at a time: starting another over a running one would leave it behind.
	if [ -n "$DPID" ]; then not_ok "a device (pid $DPID) was still running"; stop; fi
	rm -f "$T/dev"
	"$DEV" --flash "$1" --link "$T/dev" >"$T/dev.log" 2>&1 &
	DPID=$!
	for _ in 1 2 3 4 5 6 7 8 9 10; do [ -L "$T/dev" ] && break; sleep 0.1; done
}
link() { # linkemu options: between the device's pty and $T/host
	rm -f "$T/host"
	"$EMU" --device "$(readlink "$T/dev")" --link "$T/host" "$@" 2>"$T/emu.log" &
	EPID=$!
	for _ in 1 2 3 4 5 6 7 8 9 10; do [ -L "$T/host" ] && break; sleep 0.1; done
}
unlink_() { [ -n "$EPID" ] && kill "$EPID" 2>/dev/null && wait "$EPID" 2>/dev/null; EPID=; }
stop() {
	unlink_
	[ -n "$DPID" ] && kill "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null
	DPID=
}
trap 'stop; qemu_stop; rm -rf "$T"' EXIT

flash() { # fwpack flash through the link; output in $T/log
	LD_PRELOAD=$top_builddir/tests/tools/ptyshim.so \
		"$FWPACK" flash --port "$(readlink "$T/host")" --timeout 300 --retries 30 "$@"
}

in_slot() { # FLASH IMAGE DESCRIPTION: the image's bytes are in the application slot
	dd if="$1" of="$T/slot.bin" bs=1 skip=$((0x20000)) count="$(wc -c <"$2")" status=none
	expect_same "$T/slot.bin" "$2" "$3"
}

# Clean, at 921600 baud.
factory "$T/f1"
device "$T/f1"
link --baud 921600
expect_exit 0 "a clean transfer at 921600 baud" flash "$I/app.bin"
expect_output "Connected: posix, fwpack Loader, protocol 1" "it reports the device"
expect_output "verified and committed" "the device verified and committed"
expect_output "Resetting the device into the new firmware" "and reset it"
stop
in_slot "$T/f1" "$I/app.bin" "the slot holds the image"

# 1% of the bytes corrupted, both ways.
factory "$T/f2"
device "$T/f2"
link --baud 921600 --corrupt 0.01 --seed 7
expect_exit 0 "1% of bytes corrupted: the transfer still completes" flash "$I/app.bin"
expect_output "resends" "damaged frames were resent"
stop
in_slot "$T/f2" "$I/app.bin" "the slot holds the image, byte for byte"

# The cable pulled at 50%, then a new fwpack flash resumes: once with the
# image sent as it is, once compressed (the device keeps its inflate state
# while it waits, so the stream continues where it stopped).
reap() { # PID: gone within 10 s, or killed (a test never waits for ever)
	for _ in $(seq 100); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
	kill "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}
n=3
for mode in uncompressed compressed; do
	factory "$T/f$n"
	device "$T/f$n"
	if [ $mode = uncompressed ]; then
		half=$(($(wc -c <"$I/app.bin") / 2))
		opt=--no-compress
	else
		# Half of the compressed stream: what a clean transfer puts on the wire.
		link --baud 921600
		flash --no-boot "$I/app.bin" >"$T/log" 2>&1
		unlink_
		onwire=$(sed -n 's/.*(\([0-9]*\) on the wire).*/\1/p' "$T/log")
		half=$(( ${onwire:-0} / 2 ))
		stop
		factory "$T/f$n"
		device "$T/f$n"
		opt=
	fi
	link --baud 921600 --disconnect-at "$half"
	flash $opt "$I/app.bin" >"$T/log" 2>&1
	rc=$?
	if [ $rc -ne 0 ]; then ok "$mode: a disconnect at 50% fails the transfer (exit $rc)"; else
		not_ok "$mode: a disconnect at 50% fails the transfer"; fi
	reap "$EPID"
	EPID=
	link --baud 921600
	expect_exit 0 "$mode: a new fwpack flash after the disconnect" flash $opt "$I/app.bin"
	expect_output "resuming at byte" "$mode: it resumes where the device stopped"
	off=$(sed -n 's/.*resuming at byte \([0-9]*\) of.*/\1/p' "$T/log")
	if [ -n "$off" ] && [ "$off" -gt 0 ]; then ok "$mode: resumed from byte $off, not 0"; else
		not_ok "$mode: resumed from a byte > 0"; fi
	stop
	in_slot "$T/f$n" "$I/app.bin" "$mode: the resumed transfer is byte-identical"
	n=$((n + 10))
done

# A wrongly signed image, and one that is too large.
"$FWPACK" keygen "$T/rogue.pem" >/dev/null
mkdir -p "$T/rogue" && cp "$I"/*-payload.bin "$T/rogue/" && cp -r "$I/keys" "$T/rogue/"
sed "s|keys/dev.pem|$T/rogue.pem|" "$I/manifest.json" >"$T/rogue/manifest.json"
"$FWPACK" build -q -o "$T/rogue" "$T/rogue/manifest.json"
factory "$T/f4"
device "$T/f4"
link --baud 921600
expect_exit 2 "a wrongly signed image is refused (exit 2)" flash "$T/rogue/app.bin"
expect_output "the device refused the image: wrong key" "with the device's reason"
{ cat "$I/app.bin"; head -c 1048576 /dev/zero; } >"$T/big.bin"
unlink_
link --baud 921600
expect_exit 65 "an image too large for the slot (exit 65)" flash "$T/big.bin"
expect_output "does not fit slot 2" "refused by the host"
unlink_
sent=$(sed -n 's/.*to device \([0-9]*\) bytes.*/\1/p' "$T/emu.log")
if [ -n "$sent" ] && [ "$sent" -lt 100 ]; then ok "no image byte was sent ($sent bytes: the greeting)"; else
	not_ok "no image byte was sent (${sent:-?} bytes went to the device)"; fi
stop

# A faster rate after sync: the emulated cable follows the host's setting.
factory "$T/f5"
device "$T/f5"
link --baud follow --match-rates yes
expect_exit 0 "connect at 115200, switch to 921600" flash --baud 115200 --fast-baud 921600 "$I/app.bin"
expect_output "Switched to 921600 baud" "both sides switched"
expect_output "verified and committed" "and the transfer completed at the new rate"
stop
in_slot "$T/f5" "$I/app.bin" "the image arrived intact after the switch"

# A rate the cable cannot carry: the switch fails, the host goes back, and
# the device goes back by itself after a second without a good frame (a
# device left at 921600 would garble every byte: the rates must match).
factory "$T/f8"
device "$T/f8"
link --baud follow --match-rates yes --max-baud 460800
expect_exit 0 "a switch the line cannot carry: back to 115200, transfer completes" \
	flash --baud 115200 --fast-baud 921600 "$I/app.bin"
expect_output "no answer at 921600 baud; staying at 115200" "the host says why it stayed"
expect_output "verified and committed" "the device went back to 115200 by itself"
stop
in_slot "$T/f8" "$I/app.bin" "the image arrived intact at the old rate"
factory "$T/f6"
device "$T/f6"

# JSON events for production scripts.
link --baud 921600
flash --json "$I/app2.bin" >"$T/log" 2>&1
for ev in connect begin erase progress verify done boot; do
	expect_output "{\"event\":\"$ev\"" "JSON event $ev"
done
stop
link_json_ok=1
while IFS= read -r line; do
	case "$line" in "{"*"}") ;; *) link_json_ok=0 ;; esac
done <"$T/log"
if [ $link_json_ok -eq 1 ]; then ok "every line is one JSON object"; else not_ok "every line is one JSON object"; fi

# fwpack list: a named port (the system does not enumerate ptys), with and
# without a probe; a port where nothing answers; a port that does not exist.
factory "$T/f7"
device "$T/f7"
link --baud 921600
lst() { LD_PRELOAD=$top_builddir/tests/tools/ptyshim.so "$FWPACK" list "$@"; }
expect_exit 0 "fwpack list names a port" lst "$(readlink "$T/host")"
expect_output "$(readlink "$T/host")  native" "it shows the port and its transport"
if grep -q "fwpack" "$T/log"; then not_ok "without --probe nothing is asked"; else
	ok "without --probe nothing is asked"; fi
expect_exit 0 "fwpack list --probe" lst --probe "$(readlink "$T/host")"
expect_output "fwpack Loader on posix, protocol 1" "the Loader answers the probe"
expect_output "slot 2  0x00020000" "with its slot layout"
expect_output "read-only" "and which slots it may not write"
expect_exit 0 "fwpack list --probe --json" lst --probe --json "$(readlink "$T/host")"
expect_output '"fwpack":{"role":"loader","board":"posix"' "JSON: the device's role and board"
expect_output '"writable":true' "JSON: the slots"
unlink_
stop
rm -f "$T/host"
"$EMU" --device-exec "cat >/dev/null" --link "$T/host" 2>"$T/emu.log" &
EPID=$!
for _ in $(seq 50); do [ -L "$T/host" ] && break; sleep 0.1; done
expect_exit 0 "a port where nothing answers is listed" lst --probe --timeout 100 "$(readlink "$T/host")"
expect_output "no fwpack Loader or Updater answers" "and said to have no fwpack device"
unlink_
expect_exit 66 "a port that does not exist (exit 66)" lst "$T/no-such-port"
expect_output "no such serial port" "with the reason"

# The real Loader under QEMU, through the same emulated link at 115200.
Q=$top_builddir/device-build/qemu-mps2
if [ -f "$Q/bootloader.elf" ]; then
	qemu_loader "$Q"
	ln -sf "$QEMU_PTS" "$T/dev"
	link --baud 115200
	expect_exit 0 "QEMU: the Loader takes the application at 115200 baud" flash --no-boot "$Q/app.bin"
	expect_output "Connected: qemu-mps2-an386" "QEMU: it reports the board"
	unlink_
	link --baud 115200
	expect_exit 2 "QEMU: a loader image for the application slot is refused" \
		flash --slot 2 --fast-baud 3000000 "$Q/loader2.bin"
	expect_output "warning: /dev/pts" "QEMU: a rate the device cannot run at is declined"
	expect_output "the device cannot run at 3000000 baud" "QEMU: with the reason"
	unlink_
	qemu_stop
else
	not_ok "QEMU images missing (tests/qemu-boot.sh builds them)"
fi
finish

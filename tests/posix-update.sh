#!/bin/sh
# The posix port (the device programs as a host process, flash in a file,
# UART on a pty) updated through the serial protocol by tests/serial-client
# over the real libserialport: a clean update, a resumed one, refusals with
# their reasons (wrong key, too large, rollback), an Updater that replaces
# the Loader over serial, and flash that survives a power cycle.
. "$top_srcdir/tests/lib.sh"

# Images for the port, as the top-level build made them (raw stand-ins for
# the programs, signed by fwpack from examples/manifests/device-posix.json);
# the board and the client come from tests/lib.sh (posix_*).
I=$POSIX_IMAGES
if [ -f "$I/.stamp" ] && [ -f "$I/app.bin" ]; then ok "the posix images are built"; else
	not_ok "the posix images are built"; finish; exit 1; fi
O=$I
trap 'posix_stop; rm -rf "$T"' EXIT
APP=$(port_slot posix app | cut -d' ' -f1)

slot_bytes() { # FLASH OFFSET LEN OUT
	dd if="$1" of="$4" bs=1 skip="$2" count="$3" status=none
}

# 1. A clean update, and the device boots the new Application.
posix_factory "$T/f1"
posix_start "$T/f1"
expect_exit 0 "a clean update" posix_client --expect "app: fwpack example application" "$O/app.bin"
expect_output "device: board posix, role loader, protocol 1" "the device reports itself"
expect_output "slot 2: 0x00020000, 786432 bytes, writable" "the device reports its slots"
expect_output "verified and committed: $(wc -c <"$O/app.bin") bytes" "the device verified and committed"
expect_output "loader: application 1.2.3+4 valid, booting it" "the loader boots the new application"
posix_stop
slot_bytes "$T/f1" "$APP" "$(wc -c <"$O/app.bin")" "$T/slot.bin"
expect_same "$T/slot.bin" "$O/app.bin" "the slot holds the image byte for byte"

# Flash is a file: after a power cycle the Application boots again.
posix_start "$T/f1"
expect_exit 0 "after a power cycle the application runs" posix_client --send u --expect "app: update requested"
posix_stop

# 2. Interrupted, then resumed: the result is the same image.
posix_factory "$T/f2"
posix_start "$T/f2"
expect_exit 0 "a transfer stopped at 40000 bytes" posix_client --stop-after 40000 --no-boot "$O/app.bin"
expect_output "stopped at 40960 of" "the host stops after 40960 bytes"
expect_exit 0 "a new session resumes" posix_client --expect "app: fwpack example application" "$O/app.bin"
expect_output "from offset 40960 (resumed)" "it continues where the device stopped"
posix_stop
slot_bytes "$T/f2" "$APP" "$(wc -c <"$O/app.bin")" "$T/slot.bin"
expect_same "$T/slot.bin" "$O/app.bin" "the resumed image is byte-identical"

# 3. A wrongly signed image: refused with the reason, nothing bootable.
"$FWPACK" keygen "$T/rogue.pem" >/dev/null
mkdir -p "$T/rogue"
cp "$I"/*-payload.bin "$T/rogue/" && cp -r "$I/keys" "$T/rogue/"
sed "s|keys/dev.pem|$T/rogue.pem|" "$I/manifest.json" >"$T/rogue/manifest.json"
"$FWPACK" build -q -o "$T/rogue" "$T/rogue/manifest.json"
posix_factory "$T/f3"
posix_start "$T/f3"
expect_exit 1 "a wrongly signed image is refused" posix_client "$T/rogue/app.bin"
expect_output "device refused the image: wrong key" "the reason is wrong key"
expect_exit 0 "the device stays in update mode" posix_client --info
expect_output "session: state 3" "the session is marked failed"

# 3b. The board's unique ID in INFO: 96 bits derived from its flash file,
# the same after a restart, another on another board; and the USB emulator's
# Loader model over the same flash files: several on one bus, each showing
# its board's ID as its iSerialNumber (upper-case hex, as the STM32 port).
uid_of() { sed -n 's/^uid: \([0-9a-f]*\)$/\1/p' "$T/log"; }
u3=$(uid_of)
if [ "${#u3}" -eq 24 ]; then ok "INFO carries a 96-bit unique ID ($u3)"; else
	not_ok "INFO carries a 96-bit unique ID (got '$u3')"; sed 's/^/    /' "$T/log"; fi
posix_stop
posix_start "$T/f3"
posix_client --info >"$T/log" 2>&1
if [ "$(uid_of)" = "$u3" ]; then ok "the same ID after a restart"; else not_ok "the same ID after a restart ($(uid_of))"; fi
posix_stop
posix_factory "$T/f3b"
posix_start "$T/f3b"
posix_client --info >"$T/log" 2>&1
u2=$(uid_of)
if [ -n "$u2" ] && [ "$u2" != "$u3" ]; then ok "another board, another ID ($u2)"; else
	not_ok "another board, another ID ($u2, $u3)"; fi
posix_stop
upper() { printf '%s' "$1" | tr a-f A-F; }
expect_exit 0 "two Loader models on one USB bus" timeout -k 5 60 "$top_builddir/tests/tools/usbemu" \
	--device "loader,flash=$T/f3b" --device "loader,flash=$T/f3" -- dfu-util -l
expect_output "alt=2, name=\"slot 2: application\", serial=\"$(upper "$u2")\"" \
	"the first shows its board's ID as its serial number"
expect_output "alt=2, name=\"slot 2: application\", serial=\"$(upper "$u3")\"" \
	"the second its own"
posix_start "$T/f3"

# 4. Too large for the slot: refused before a byte is sent.
{ cat "$O/app.bin"; head -c 1048576 /dev/zero; } >"$T/big.bin"
expect_exit 1 "an image larger than the slot" posix_client "$T/big.bin"
expect_output "image too large for slot 2" "refused before sending"
if grep -q "^begin:" "$T/log"; then not_ok "no transfer started"; else ok "no transfer started"; fi
posix_stop

# 5. Rollback: the device booted counter 2, so counter 1 is refused at BEGIN,
# before anything is erased.
posix_factory "$T/f5"
posix_start "$T/f5"
expect_exit 0 "install an application with security counter 2" \
	posix_client --expect "app: fwpack example application" "$O/app2.bin"
posix_stop
dd if=/dev/zero of="$T/f5" bs=1 seek="$APP" count=64 conv=notrunc status=none
slot_bytes "$T/f5" $((0x20040)) 4096 "$T/before.bin"
posix_start "$T/f5"
expect_exit 1 "an older application (counter 1) is refused" posix_client "$O/app.bin"
expect_output "device refused the image: rollback" "the reason is rollback"
posix_stop
slot_bytes "$T/f5" $((0x20040)) 4096 "$T/after.bin"
expect_same "$T/before.bin" "$T/after.bin" "nothing was erased for the refused image"

# 6. The Updater over serial: the Loader installs it, it takes a new Loader
# into slot 1, and the Bootloader boots that Loader.
posix_factory "$T/f6"
posix_start "$T/f6"
expect_exit 0 "install the updater" posix_client --expect "updater: fwpack loader updater" "$O/updater.bin"
expect_output "loader: updater 1.0.0+1 valid, booting it" "the loader boots the updater"
expect_exit 0 "the updater takes a new loader" \
	posix_client --slot 1 --expect "update requested by the application" "$O/loader2.bin"
expect_output "role updater" "the updater reports its role"
expect_output "bootloader: loader 2.0.0+1 valid, starting it" "the bootloader boots the new loader"
expect_exit 1 "the new loader does not take images for slot 1" posix_client --slot 1 "$O/app.bin"
expect_output "slot 1 is not writable" "the host is told slot 1 is not writable"
posix_stop

finish

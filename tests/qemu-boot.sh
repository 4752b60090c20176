#!/bin/sh
# The real device programs under qemu-system-arm (mps2-an386): the chain
# boots, and every kind of bad Application or Loader is refused with its
# reason on the console; the Application's update request reaches the
# Loader through shared RAM; a crash-looping Application sends the device
# to update mode.
. "$top_srcdir/tests/lib.sh"

D=$top_builddir/device-build/qemu-mps2
trap 'qemu_stop; rm -rf "$T"' EXIT
make -s -C "$top_srcdir/device" PORT=qemu-mps2 OUT="$D" FWPACK="$FWPACK" \
	BEARSSL_DIR="${BEARSSL_DIR:-$top_builddir/third_party/bearssl}" >"$T/make.log" 2>&1 ||
	{ cat "$T/make.log"; not_ok "device build"; finish; exit 1; }
ok "device build"

# run LOADER_BIN APP_BIN [INPUT [COUNTER_SECTOR]]: boot until the console goes quiet,
# output in $T/log
run() {
	set -- "$1" "$2" "${3:-}" "${4:-$D/nvstate.bin}"
	args="-M mps2-an386 -display none -monitor none -serial stdio -kernel $D/bootloader.elf"
	[ -n "$1" ] && args="$args -device loader,file=$1,addr=0x4000"
	[ -n "$2" ] && args="$args -device loader,file=$2,addr=0x20000"
	[ -n "$4" ] && args="$args -device loader,file=$4,addr=0x100000"
	# shellcheck disable=SC2086
	{ sleep 2; printf '%s' "$3"; sleep 2; } | timeout 6 qemu-system-arm $args >"$T/log" 2>&1
	tr -d '\r' <"$T/log" >"$T/log.txt" && mv "$T/log.txt" "$T/log"
}

flip() { # FILE OFFSET OUT
	cp "$1" "$3"
	flip_byte "$3" "$2"
}

# A variant of the port's images: manifest edits (sed script), built in $T/v.
variant() {
	rm -rf "$T/v" && mkdir -p "$T/v" && cp "$D"/*.elf "$T/v/" && cp -r "$D/keys" "$T/v/"
	sed "$1" "$D/manifest.json" >"$T/v/manifest.json"
	"$FWPACK" build -q -o "$T/v" "$T/v/manifest.json"
}

run "$D/loader.bin" "$D/app.bin"
expect_output "bootloader: loader 1.0.0+1 valid, starting it" "bootloader checks and starts the loader"
expect_output "loader: application 1.2.3+4 valid, booting it" "loader checks and boots the application"
expect_output "app: fwpack example application 1.2.3" "the application runs"
if grep -q "cannot store the security counter" "$T/log"; then
	not_ok "the loader stores the security counter"
else
	ok "the loader stores the security counter"
fi
# The stack reserved for the Bootloader covers its measured high-water mark.
used=$(sed -n 's/.*(stack \([0-9]*\) of \([0-9]*\) bytes).*/\1/p' "$T/log")
size=$(sed -n 's/.*(stack \([0-9]*\) of \([0-9]*\) bytes).*/\2/p' "$T/log")
if [ -n "$used" ] && [ "$used" -le $((size - 256)) ]; then
	ok "bootloader stack: $used of $size bytes used"
else
	not_ok "bootloader stack: ${used:-?} of ${size:-?} bytes leaves under 256 bytes of margin"
fi

flip "$D/app.bin" 700 "$T/app-flipped.bin"
run "$D/loader.bin" "$T/app-flipped.bin"
expect_output "loader: update mode: no valid application (payload CRC mismatch)" "a flipped payload byte"

"$FWPACK" keygen "$T/rogue.pem" >/dev/null
variant "s|keys/dev.pem|$T/rogue.pem|"
run "$D/loader.bin" "$T/v/app.bin"
expect_output "loader: update mode: no valid application (signed with an untrusted key)" \
	"a wrongly signed application"

run "$D/loader.bin" ""
expect_output "loader: update mode: no valid application (no image)" "a missing application"

flip "$D/loader.bin" 2000 "$T/loader-flipped.bin"
run "$T/loader-flipped.bin" "$D/app.bin"
expect_output "bootloader: loader invalid: payload CRC mismatch; halting" "a corrupted loader: bootloader stays put"
if grep -q "^loader:" "$T/log"; then not_ok "nothing ran after the bootloader"; else ok "nothing ran after the bootloader"; fi

run "$D/loader.bin" "$D/app.bin" u
expect_output "app: update requested, resetting" "the application requests an update"
expect_output "loader: update mode: update requested by the application" "the request reaches the loader through shared RAM"

# Anti-rollback: the device already booted an image with counter 5.
printf '\005\000\000\000\372\377\377\377' >"$T/counter.bin"
run "$D/loader.bin" "$D/app.bin" "" "$T/counter.bin"
expect_output "loader: update mode: no valid application (rollback refused (security counter too low))" \
	"a rolled-back application (counter 1, device at 5)"
variant 's|"security_counter": 1, "slot": "app"|"security_counter": 5, "slot": "app"|'
run "$D/loader.bin" "$T/v/app.bin" "" "$T/counter.bin"
expect_output "loader: application 1.2.3+4 valid, booting it" "an application at the stored counter boots"

variant 's|"input": "app.elf"|"input": "app-crashloop.elf"|'
run "$D/loader.bin" "$T/v/app.bin"
expect_output "loader: application 1.2.3+4 valid, booting it (boot 3)" "the crash-looping application boots 3 times"
expect_output "loader: update mode: application unstable (crash loop)" "then the loader stays in update mode"

# The Updater: its bundled Loader 2.0.0 (signed with the next key, trusting
# only that key) replaces Loader 1.0.0 in one transfer, and the device boots it.
run "$D/loader.bin" "$D/updater.bin"
expect_output "loader: updater 1.0.0+1 valid, booting it" "the loader boots the updater"
expect_output "updater: bundled loader 2.0.0+1 valid, installing it" "the updater checks its bundled loader first"
expect_output "updater: loader installed" "the updater installs the new loader"
expect_output "bootloader: loader 2.0.0+1 valid, starting it" "after the reset the bootloader boots the new loader"
expect_output "loader: update mode: update requested by the application" \
	"the new loader waits for the application to be reinstalled"
if [ "$(grep -c "updater: fwpack loader updater" "$T/log")" -eq 1 ]; then
	ok "the updater removed itself"
else
	not_ok "the updater removed itself (it ran more than once)"
fi

# Power failed after the Updater erased the Loader: the Bootloader starts the
# Updater (signed with a root key), which finishes the job.
run "" "$D/updater.bin"
expect_output "bootloader: loader invalid: no image; starting updater 1.0.0+1 to repair it" \
	"an empty loader slot: the bootloader starts the updater"
expect_output "bootloader: loader 2.0.0+1 valid, starting it" "the repaired device boots the new loader"
flip "$D/loader.bin" 2000 "$T/loader-flipped.bin"
run "$T/loader-flipped.bin" "$D/app.bin"
expect_output "bootloader: loader invalid: payload CRC mismatch; halting" \
	"with an application (not an updater) in slot 2 the bootloader still halts"

# Key rotation: the new Loader refuses what the old key signs, takes the new key.
run "$D/loader2.bin" "$D/app.bin"
expect_output "loader: update mode: no valid application (signed with an untrusted key)" \
	"after rotation, an application signed with the old key is refused"
run "$D/loader2.bin" "$D/app-next.bin"
expect_output "loader: application 1.2.3+5 valid, booting it" \
	"after rotation, an application signed with the new key boots"
run "$D/loader.bin" "$D/app-next.bin"
expect_output "loader: update mode: no valid application (signed with an untrusted key)" \
	"before rotation, the new key is not trusted by the old loader"

# Update mode over the emulated UART: the host client sends images through
# a pty (QEMU's -chardev pty) with the real libserialport.
serial_update() { # EXPECT IMAGE: the Loader alone in flash, then IMAGE sent to slot 2
	serial_client --expect "$1" "$2"
}
serial_client() { # ARGS: the Loader alone in flash (plus $QEMU_EXTRA), serial-client ARGS
	# shellcheck disable=SC2086
	qemu_loader "$D" ${QEMU_EXTRA:-}
	pty_client "$QEMU_PTS" "$@" >"$T/log" 2>&1
	rc=$?
	qemu_stop
	return $rc
}
if serial_update "app: fwpack example application 1.2.3" "$D/app.bin"; then
	ok "the loader takes an application over the UART and boots it"
else
	not_ok "the loader takes an application over the UART and boots it"
	sed 's/^/    /' "$T/log"
fi
expect_output "device: board qemu-mps2-an386, role loader" "the loader reports the board"
expect_output "uid: 71656d752d6d707332000001" "an unprovisioned board reports the port's fixed unique ID"
# A board's own ID, provisioned where the port reads it (12 bytes at 0x003FFFF0).
printf '\001\043\105\147\211\253\315\357\376\334\272\230' >"$T/uid.bin"
QEMU_EXTRA="-device loader,file=$T/uid.bin,addr=0x003FFFF0"
expect_exit 0 "a board with a provisioned ID answers HELLO" serial_client --info
QEMU_EXTRA=
expect_output "uid: 0123456789abcdeffedcba98" "and reports that ID in INFO"
if serial_update "loader: update mode: update requested" "$D/updater.bin"; then
	ok "one transfer of the updater replaces the loader"
else
	not_ok "one transfer of the updater replaces the loader"
	sed 's/^/    /' "$T/log"
fi
expect_output "bootloader: loader 2.0.0+1 valid, starting it" "the new loader runs after the transfer"

finish

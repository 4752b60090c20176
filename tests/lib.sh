# Shared by the shell tests: counters, assertions and a temp dir.
# Each test script ends with `finish`, which prints "N passed, N failed".
set -u
: "${top_srcdir:?run through make check}" "${top_builddir:?run through make check}"
FWPACK=$top_builddir/fwpack
passed=0
failed=0
skipped=0
T=$(mktemp -d /tmp/fwpack-sh-XXXXXX)
trap 'rm -rf "$T"' EXIT

ok() { passed=$((passed + 1)); echo "ok - $1"; }
# A check that could not run is no pass: counted apart, and a script with
# one ends as SKIP (exit 77) for automake, never as PASS.
skip() { skipped=$((skipped + 1)); echo "ok - # SKIP $1"; }
not_ok() { failed=$((failed + 1)); echo "not ok - $1"; }

# expect_exit CODE DESCRIPTION COMMAND...: run, keep stdout+stderr in $T/out
expect_exit() {
	want=$1 desc=$2
	shift 2
	"$@" >"$T/log" 2>&1
	got=$?
	if [ "$got" -eq "$want" ]; then
		ok "$desc"
	else
		not_ok "$desc (exit $got, expected $want)"
		sed 's/^/    /' "$T/log"
	fi
}

# expect_output TEXT DESCRIPTION: the last command's output contains TEXT
expect_output() {
	if grep -qF -- "$1" "$T/log"; then
		ok "$2"
	else
		not_ok "$2 (no \"$1\" in output)"
		sed 's/^/    /' "$T/log"
	fi
}

expect_same() {
	if cmp -s "$1" "$2"; then ok "$3"; else not_ok "$3 ($1 and $2 differ)"; fi
}

# expect_eq GOT WANT WHAT: one test line, with both values when they differ
expect_eq() {
	if [ "$1" = "$2" ]; then ok "$3"; else not_ok "$3 (got \"$1\", expected \"$2\")"; fi
}

# flip_byte FILE OFFSET: invert every bit of one byte in place. Writing a
# fixed value would change nothing where the byte already holds it (a
# signature byte is 0x00 one build in 256).
flip_byte() {
	b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
	printf "\\$(printf '%03o' $((b ^ 255)))" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}

# erased N: N bytes of erased flash (0xFF) on stdout.
erased() { head -c "$1" /dev/zero | tr '\000' '\377'; }

# expect_at FLASH OFFSET FILE DESC: FLASH holds FILE's bytes at OFFSET.
expect_at() {
	tail -c +$(($2 + 1)) "$1" | head -c "$(wc -c <"$3")" >"$T/at.bin"
	expect_same "$T/at.bin" "$3" "$4"
}

# expect_erased FLASH OFFSET LEN DESC: the LEN bytes at OFFSET are 0xFF.
expect_erased() {
	tail -c +$(($2 + 1)) "$1" | head -c "$3" >"$T/at.bin"
	erased "$3" >"$T/ff.bin"
	expect_same "$T/at.bin" "$T/ff.bin" "$4"
}

# expect_erased_to_end FLASH OFFSET SIZE DESC: FLASH is SIZE bytes, 0xFF from OFFSET on.
expect_erased_to_end() {
	tail -c +$(($2 + 1)) "$1" >"$T/at.bin"
	erased $(($3 - $2)) >"$T/ff.bin"
	expect_same "$T/at.bin" "$T/ff.bin" "$4"
}

# usbemu ARGS...: tests/tools/usbemu, bounded (docs/usb-emulation.md).
# wait_link PATH: up to 5 s for an emulator to make its link
wait_link() { for _ in $(seq 50); do [ -L "$1" ] && return 0; sleep 0.1; done; return 1; }
# wait_for_line FILE TEXT SECONDS: until FILE (written by a process in the
# background) holds TEXT, for at most SECONDS; a loaded machine takes longer
# to boot an emulated board, a fixed wait would fail there.
wait_for_line() {
	for _ in $(seq $(($3 * 10))); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
	return 1
}
boots() { # N: posix board N ($DEV on $T/fN), restarted on its flash, starts the new application
	rm -f "$T/boot$1"
	"$DEV" --flash "$T/f$1" --link "$T/boot$1" >/dev/null 2>&1 &
	bp=$!
	wait_link "$T/boot$1"
	timeout 3 cat "$(readlink "$T/boot$1")" >"$T/boot$1.out" 2>/dev/null
	kill "$bp" 2>/dev/null
	wait "$bp" 2>/dev/null
	grep -q "app: fwpack example application" "$T/boot$1.out"
}
# The background processes a test started, in $PIDS: stopped, and waited for.
stop_all() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for p in $PIDS; do wait "$p" 2>/dev/null; done
	PIDS=
}
usbemu() { timeout -k 5 60 "$top_builddir/tests/tools/usbemu" "$@"; }

# ---- the posix board (device/ports/posix) on a pty, and tests/serial-client ----
# Its images (examples/manifests/device-posix.json, signed by the top-level build).
POSIX_IMAGES=$top_builddir/device-build/posix

# port_slot PORT NAME: "ADDRESS SIZE" (decimal) of a slot, or of the
# counter sector, from the port's own table (device/ports/PORT/layout.c).
port_slot() {
	"$top_builddir/tests/tools/portlayout-$1" | while read -r n a s; do
		[ "$n" = "$2" ] && echo "$((a)) $((s))"; done
}

# pty_client PTY ARGS...: tests/serial-client on a pty, through the
# null-modem shim libserialport needs there (tests/tools/ptyshim.c).
pty_client() {
	pty=$1
	shift
	LD_PRELOAD=$top_builddir/tests/tools/ptyshim.so ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" \
		"$top_builddir/tests/serial-client" --port "$pty" "$@"
}

# ---- the qemu-mps2 chain under QEMU ----
# qemu_loader DIR [QEMU OPTIONS...]: the chain DIR holds (the port's build)
# with only the Loader in flash, its UART on a pty, $QEMU_PTS (QEMU's output
# in $T/qemu.log). qemu_stop ends it; a test calls it in its EXIT trap too.
QEMU_PID=
qemu_loader() {
	d=$1
	shift
	rm -f "$T/qemu.log" "$T/uart.log"
	qemu-system-arm -M mps2-an386 -display none -monitor none -chardev pty,id=u,logfile="$T/uart.log" \
		-serial chardev:u -kernel "$d/bootloader.elf" "$@" \
		-device loader,file="$d/loader.bin",addr="$(port_slot qemu-mps2 loader | cut -d' ' -f1)" \
		-device loader,file="$d/nvstate.bin",addr="$(port_slot qemu-mps2 counter | cut -d' ' -f1)" \
		>"$T/qemu.log" 2>&1 &
	QEMU_PID=$!
	QEMU_PTS=
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		QEMU_PTS=$(sed -n 's/.*redirected to \(\/dev\/pts\/[0-9]*\).*/\1/p' "$T/qemu.log" 2>/dev/null)
		[ -n "$QEMU_PTS" ] && break
		sleep 0.2
	done
}
qemu_stop() {
	[ -n "$QEMU_PID" ] && kill "$QEMU_PID" 2>/dev/null && wait "$QEMU_PID" 2>/dev/null
	QEMU_PID=
}

# posix_factory FLASH: a board fresh from the factory: erased flash up to
# the end of the counter sector, the Loader programmed into its slot.
posix_factory() {
	set -- "$1" $(port_slot posix counter) $(port_slot posix loader)
	rm -f "$1"
	erased $(($2 + $3)) >"$1"
	dd if="$POSIX_IMAGES/loader.bin" of="$1" bs=1024 seek=$(($4 / 1024)) conv=notrunc status=none
}

# posix_start FLASH: the board running on that flash, its pty at $T/tty
# (output in $T/dev.log); posix_stop ends it. A test stops it in its EXIT
# trap: trap 'posix_stop; rm -rf "$T"' EXIT
POSIX_PID=
posix_start() {
	rm -f "$T/tty"
	"$top_builddir/device/ports/posix/fwd-posix" --flash "$1" --link "$T/tty" >"$T/dev.log" 2>&1 &
	POSIX_PID=$!
	for _ in 1 2 3 4 5 6 7 8 9 10; do [ -L "$T/tty" ] && break; sleep 0.1; done
}
posix_stop() {
	[ -n "$POSIX_PID" ] && kill "$POSIX_PID" 2>/dev/null && wait "$POSIX_PID" 2>/dev/null
	POSIX_PID=
}

# posix_client ARGS...: tests/serial-client on the board's pty.
posix_client() { pty_client "$(readlink "$T/tty")" "$@"; }

finish() {
	echo "$passed passed, $failed failed, $skipped skipped"
	[ "$failed" -eq 0 ] || return 1
	[ "$skipped" -eq 0 ] || return 77
}

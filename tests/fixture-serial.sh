#!/bin/sh
# A fixture of 8 boards in one fwpack flash run: posix-port processes on
# ptys, each through its own link emulator. One link is cut midway: the
# other 7 pass and boot, the summary and the JSON name the failing one with
# its reason, the exit status is non-zero, and a new run resumes it.
# Also: the same board named twice, a glob, --jobs, a port that vanishes,
# a board that never answers, and Ctrl-C leaving no board half committed.
. "$top_srcdir/tests/lib.sh"

DEV=$top_builddir/device/ports/posix/fwd-posix
EMU=$top_builddir/tests/tools/linkemu
I=$top_builddir/device-build/posix
export ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0"
APP_SIZE=$(wc -c <"$I/app.bin")

factory() { # FLASH: erased, the Loader programmed
	head -c $((0x104000)) /dev/zero | tr '\000' '\377' >"$1"
	dd if="$I/loader.bin" of="$1" bs=1024 seek=16 conv=notrunc status=none
}

PIDS=
device() { # N: board N on flash $T/fN, its UART at $T/devN
	rm -f "$T/dev$1"
	"$DEV" --flash "$T/f$1" --link "$T/dev$1" >"$T/dev$1.log" 2>&1 &
	eval "DPID$1=$!"
	PIDS="$PIDS $!"
	wait_link "$T/dev$1"
}
link() { # N linkemu-options: the host's end of board N at $T/hostN
	rm -f "$T/host$1"
	n=$1
	shift
	"$EMU" --device "$(readlink "$T/dev$n")" --link "$T/host$n" "$@" 2>"$T/emu$n.log" &
	eval "EPID$n=$!"
	PIDS="$PIDS $!"
	wait_link "$T/host$n"
}
trap 'stop_all; rm -rf "$T"' EXIT

flash() {
	LD_PRELOAD=$top_builddir/tests/tools/ptyshim.so \
		"$FWPACK" flash --timeout 300 --retries 5 "$@"
}
ports() { # N...: --port for each board
	for n in "$@"; do printf ' --port %s' "$(readlink "$T/host$n")"; done
}
header_erased() { # N: slot 2's header on board N was never written
	[ "$(dd if="$T/f$1" bs=1 skip=$((0x20000)) count=64 status=none | od -An -v -tx1 |
		tr -d ' \n' | tr -d f)" = "" ]
}
setup() { # CUT-BOARD CUT-AT: 8 fresh boards, one link cut
	for n in 1 2 3 4 5 6 7 8; do
		factory "$T/f$n"
		device $n
		if [ "$n" = "$1" ]; then link $n --baud 921600 --disconnect-at "$2"; else
			link $n --baud 921600; fi
	done
}

# 1. Eight boards, board 5's cable pulled at half the image: text and summary.
half=$((APP_SIZE / 2))
setup 5 $half
P5=$(readlink "$T/host5")
# shellcheck disable=SC2046
flash --no-compress $(ports 1 2 3 4 5 6 7 8) "$I/app.bin" >"$T/log" 2>&1
rc=$?
if [ $rc -ne 0 ]; then ok "one board cut off: the run fails (exit $rc)"; else
	not_ok "one board cut off: the run fails"; sed 's/^/    /' "$T/log"; fi
expect_output "7 of 8 boards passed" "the summary counts 7 passed"
# (A cut cable shows as a write or a read error: whichever the flasher was doing when it went.)
if grep -E "^$P5 .* FAIL +.*$P5: (write|read)" "$T/log" >/dev/null; then ok "the summary names the failing board and why"; else
	not_ok "the summary names the failing board and why"; sed 's/^/    /' "$T/log"; fi
if [ "$(grep -c ' pass *$' "$T/log")" -eq 7 ]; then ok "7 boards pass in the summary"; else
	not_ok "7 boards pass in the summary"; fi
expect_output "phases (s)" "the phase times are shown"
expect_output "[$P5] fwpack: $I/app.bin: $P5: " "the error is on stderr, with the board"
stop_all
allboot=1
for n in 1 2 3 4 6 7 8; do boots $n || { allboot=0; echo "    board $n does not boot"; }; done
if [ $allboot -eq 1 ]; then ok "the 7 other boards boot their new application"; else
	not_ok "the 7 other boards boot their new application"; fi
if header_erased 5; then ok "board 5 holds no committed half image"; else
	not_ok "board 5 holds no committed half image"; fi
if boots 5; then not_ok "board 5 does not boot a half image"; else ok "board 5 does not boot a half image"; fi

# 2. The same in JSON, board 3 cut; then the same command resumes board 3.
setup 3 $half
P3=$(readlink "$T/host3")
# shellcheck disable=SC2046
flash --json --no-compress --no-boot $(ports 1 2 3 4 5 6 7 8) "$I/app.bin" >"$T/log" 2>"$T/err"
rc=$?
if [ $rc -ne 0 ]; then ok "JSON: the run fails (exit $rc)"; else not_ok "JSON: the run fails"; fi
if [ "$(grep -c '"event":"result","result":"pass"' "$T/log")" -eq 7 ]; then ok "JSON: 7 result events pass"; else
	not_ok "JSON: 7 result events pass"; fi
if grep '"event":"result","result":"fail"' "$T/log" | grep -q "\"reason\":\"$I/app.bin: $P3: .*\"target\":{\"transport\":\"serial\",\"name\":\"$P3\""; then
	ok "JSON: the failing result names board 3 and its reason"; else
	not_ok "JSON: the failing result names board 3 and its reason"; grep '"result"' "$T/log" | sed 's/^/    /'; fi
if grep -q "\"event\":\"error\".*\"target\":{\"transport\":\"serial\",\"name\":\"$P3\"" "$T/log"; then
	ok "JSON: an error event for board 3"; else not_ok "JSON: an error event for board 3"; fi
if grep -v '"target":{"transport":"serial","name":"/dev/pts/' "$T/log" | grep -q .; then
	not_ok "JSON: every event names its board"; else ok "JSON: every event names its board"; fi
if grep '"event":"result"' "$T/log" | grep -q '"phases":{"find":[0-9.e-]*,"enter":[0-9.e-]*,"connect":[0-9.e-]*,"baud":[0-9.e-]*,"transfer":[0-9.e-]*,"verify":[0-9.e-]*,"reset":[0-9.e-]*}'; then
	ok "JSON: per-board phase times"; else not_ok "JSON: per-board phase times"; fi
kill "$EPID3" 2>/dev/null
wait "$EPID3" 2>/dev/null
link 3 --baud 921600
P3=$(readlink "$T/host3")
# shellcheck disable=SC2046
expect_exit 0 "the same command again: every board completes" \
	flash --json --no-compress --no-boot $(ports 1 2 3 4 5 6 7 8) "$I/app.bin"
grep "\"name\":\"$P3\"" "$T/log" >"$T/log3"
if grep -q '"event":"begin".*"resumed":true' "$T/log3"; then ok "board 3 resumes"; else
	not_ok "board 3 resumes"; sed 's/^/    /' "$T/log3"; fi
if grep -q '"event":"erase"' "$T/log3"; then not_ok "a resumed transfer has no erase event"; else
	ok "a resumed transfer has no erase event"; fi
off=$(sed -n 's/.*"event":"begin".*"offset":\([0-9]*\),.*/\1/p' "$T/log3")
wire=$(sed -n 's/.*"event":"done".*"wire_bytes":\([0-9]*\),.*/\1/p' "$T/log3")
if [ -n "$off" ] && [ -n "$wire" ] && [ "$off" -gt 0 ] && [ "$wire" -eq $((APP_SIZE - off)) ]; then
	ok "wire_bytes counts only what this run sent ($wire of $APP_SIZE, from $off)"; else
	not_ok "wire_bytes counts only what this run sent (offset ${off:-?}, wire ${wire:-?})"; fi
stop_all
for n in 1 2 3 4 5 6 7 8; do
	dd if="$T/f$n" of="$T/slot$n" bs=1 skip=$((0x20000)) count="$APP_SIZE" status=none
done
same=1
for n in 1 2 3 4 5 6 7 8; do cmp -s "$T/slot$n" "$I/app.bin" || same=0; done
if [ $same -eq 1 ]; then ok "all 8 slots hold the image"; else not_ok "all 8 slots hold the image"; fi

# 3. Selectors: a board named twice, a glob, --jobs.
for n in 1 2; do factory "$T/f$n"; device $n; link $n --baud 921600; done
P1=$(readlink "$T/host1")
expect_exit 64 "the same board named twice: the repeat fails (exit 64)" \
	flash --no-boot --port "$P1" --port "$T/host1" "$I/app.bin"
expect_output "the same board as $P1, named twice: flashed once" "it says which"
expect_output "1 of 2 boards passed" "and the board itself is flashed once"
mkdir "$T/glob" && ln -s "$(readlink "$T/host1")" "$T/glob/a" && ln -s "$(readlink "$T/host2")" "$T/glob/b"
expect_exit 0 "a glob names both boards; --jobs 1 flashes one after the other" \
	flash --no-boot --jobs 1 --port "$T/glob/*" "$I/app.bin"
expect_output "2 of 2 boards passed" "both passed"
expect_exit 64 "--jobs 0 is refused" flash --jobs 0 --port "$P1" "$I/app.bin"
expect_exit 66 "a glob that matches nothing" flash --port "$T/none*" "$I/app.bin"
expect_output "no port matches" "is said so"
stop_all

# 4. Faults: a port that vanishes, a board that never answers; the good one passes.
factory "$T/f1"; device 1; link 1 --baud 921600
rm -f "$T/host2"
"$EMU" --device-exec "cat >/dev/null" --link "$T/host2" 2>/dev/null &
PIDS="$PIDS $!"
wait_link "$T/host2"
start=$(date +%s)
# shellcheck disable=SC2046
flash --no-boot $(ports 1 2) --port "$T/vanished" "$I/app.bin" >"$T/log" 2>&1
rc=$?
took=$(($(date +%s) - start))
if [ $rc -ne 0 ]; then ok "faulty boards fail the run (exit $rc)"; else not_ok "faulty boards fail the run"; fi
expect_output "1 of 3 boards passed" "the good board passes beside them"
expect_output "$T/vanished: no such serial port" "a port that is gone is named"
expect_output "no fwpack Loader or Updater answers" "a board that never answers is named"
if [ "$took" -lt 30 ]; then ok "nothing hangs (${took} s)"; else not_ok "nothing hangs (${took} s)"; fi
stop_all

# 5. Ctrl-C: three boards at 115200 stop, none with half an image committed.
for n in 1 2 3; do factory "$T/f$n"; device $n; link $n --baud 115200; done
rm -f "$T/log"
# shellcheck disable=SC2046
LD_PRELOAD=$top_builddir/tests/tools/ptyshim.so "$FWPACK" flash --no-compress $(ports 1 2 3) \
	"$I/app.bin" >"$T/log" 2>&1 &
fp=$!
for _ in $(seq 100); do grep -q "progress: " "$T/log" && break; sleep 0.1; done
kill -INT $fp
for _ in $(seq 100); do kill -0 $fp 2>/dev/null || break; sleep 0.1; done
if kill -0 $fp 2>/dev/null; then not_ok "SIGINT stops the run within 10 s"; kill -9 $fp; else
	ok "SIGINT stops the run within 10 s"; fi
wait $fp
rc=$?
if [ $rc -ne 0 ] && [ $rc -lt 128 ]; then ok "it exits with a failure of its own ($rc)"; else
	not_ok "it exits with a failure of its own ($rc)"; fi
expect_output "interrupted at byte" "each board says where it stopped"
stop_all
clean=1
for n in 1 2 3; do header_erased $n || clean=0; boots $n && clean=0; done
if [ $clean -eq 1 ]; then ok "no board holds a committed half image or boots one"; else
	not_ok "no board holds a committed half image or boots one"; fi
finish

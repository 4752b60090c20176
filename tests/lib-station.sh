# Emulated boards for fwpack run (source after tests/lib.sh): tests/station-run.sh
# and bench/station. The factory images go to usbemu's DfuSe ROM model
# (flash at 0x08000000); the fwpack Loader is a separate device that plays
# the same board after the ROM's "leave": usbemu's `loader` model (over
# DFU: `reappear=loader` takes the DfuSe device's place on its port, with
# its serial number) or the posix port on a pty (over serial). The two
# emulators do not share one flash, so the Loader's flash file starts with
# the Loader already in it, and the manifest puts the Application in the
# posix port's layout (its slot at 0x20000), where both Loader models
# accept it signed with the posix port's dev key.
ST_POSIX=$top_builddir/device-build/posix
ST_EMU=$top_builddir/tests/tools/usbemu
ST_DEV=$top_builddir/device/ports/posix/fwd-posix
ST_LINK=$top_builddir/tests/tools/linkemu
ST_SHIM=$top_builddir/tests/tools/ptyshim.so
export ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0"

# station_fixture DIR: DIR/m.json built into DIR/out, recipes DIR/usb.json
# (the Loader over DFU) and DIR/ser.json (over serial, then the console check)
station_fixture() {
	mkdir -p "$1" && cp -r "$ST_POSIX/keys" "$1/" &&
	cp "$ST_POSIX/loader-payload.bin" "$ST_POSIX/app-payload.bin" "$1/" &&
	head -c 4096 "$ST_POSIX/app-payload.bin" >"$1/bl-payload.bin" || return 1
	cat >"$1/m.json" <<'JSON'
{
  "manifest_version": 1,
  "description": "tests/lib-station.sh: the DfuSe ROM's flash for the factory images, the Application in the posix port's layout",
  "regions": [
    { "name": "rom", "address": "0x08000000", "size": "128K",
      "sectors": [ { "count": 4, "size": "16K" }, { "count": 1, "size": "64K" } ], "alignment": 4 },
    { "name": "flash", "address": "0x00000000", "size": "1M",
      "sectors": [ { "count": 4, "size": "16K" }, { "count": 1, "size": "64K" },
                   { "count": 7, "size": "128K" } ], "alignment": 4 }
  ],
  "slots": [
    { "name": "bootloader", "address": "0x08000000", "size": "16K" },
    { "name": "loader", "address": "0x08004000", "size": "112K" },
    { "name": "app", "address": "0x00020000", "size": "768K" },
    { "name": "provisioning", "address": "0x000E0000", "size": "128K" }
  ],
  "images": [
    { "name": "bootloader", "type": "bootloader", "format": "raw", "input": "bl-payload.bin",
      "load_address": "0x08000000", "version": "1.0.0", "slot": "bootloader" },
    { "name": "loader", "type": "loader", "input": "loader-payload.bin", "load_address": "0x08004200",
      "version": "1.0.0+1", "security_counter": 1, "slot": "loader", "key": "keys/dev.pem",
      "vector_table_size": 256 },
    { "name": "app", "type": "app", "input": "app-payload.bin", "load_address": "0x00020200",
      "version": "1.2.3+4", "security_counter": 1, "slot": "app", "key": "keys/dev.pem",
      "vector_table_size": 256 }
  ]
}
JSON
	"$top_builddir/fwpack" build -q -o "$1/out" "$1/m.json" || return 1
	cat >"$1/usb.json" <<'JSON'
{
  "recipe_version": 1,
  "manifest": "m.json",
  "build_dir": "out",
  "board": { "rom": "dfuse", "loader": ["dfu"], "console": false },
  "steps": [
    { "do": "dfuse_mass_erase", "timeout_ms": 30000 },
    { "do": "dfuse_write", "images": ["bootloader", "loader"] },
    { "do": "dfuse_leave" },
    { "do": "wait_loader", "over": "dfu", "timeout_ms": 10000 },
    { "do": "write", "images": ["app"], "over": "dfu" },
    { "do": "boot", "over": "dfu" }
  ]
}
JSON
	jq '.board.loader = ["serial"] | .board.console = true
	    | .steps |= map(if .over then .over = "serial" else . end)
	    | .steps += [{"do": "expect", "line": "app: fwpack example application", "timeout_ms": 5000}]' \
		"$1/usb.json" >"$1/ser.json"
	# prov.json: the F429 factory flow (examples/recipes/factory-f429.json)
	# on these boards: a serial number from a counter, written as the
	# board's provisioning record, then printed by its Application.
	jq '.provisioning_key = "keys/station.pem"
	    | .identity = {"pool": "fw-serial", "counter": {"format": "FW-{:06d}", "start": 1, "end": 999999}}
	    | .steps |= (.[0:5] + [{"do": "provision", "slot": "provisioning", "over": "serial",
	                            "fields": {"serial": "{identity}", "board": "{board_uid}"}}] + .[5:])
	    | .steps[-1].line = "app: serial number {identity}"' "$1/ser.json" >"$1/prov.json"
}

# st_loader_flash FILE: a board's flash with the Loader in it (what the DfuSe steps wrote)
st_loader_flash() {
	head -c $((0x104000)) /dev/zero | tr '\000' '\377' >"$1" &&
	dd if="$ST_POSIX/loader.bin" of="$1" bs=1024 seek=16 conv=notrunc status=none
}

# st_app_in FILE: the flash's Application slot holds the Application
st_app_in() {
	tail -c +$((0x20000 + 1)) "$1" | head -c "$(wc -c <"$ST_POSIX/app.bin")" | cmp -s - "$ST_POSIX/app.bin"
}

# st_board N DIR: posix board N (flash DIR/pfN, its log DIR/boardN.log)
# behind a link emulator at 115200 baud (the host's end DIR/devN), as a
# UART paces its bytes; their pids in ST_PIDS
ST_PIDS=
st_board() {
	st_loader_flash "$2/pf$1" && rm -f "$2/raw$1" "$2/dev$1" || return 1
	"$ST_DEV" --flash "$2/pf$1" --link "$2/raw$1" >"$2/board$1.log" 2>&1 &
	ST_PIDS="$ST_PIDS $!"
	wait_link "$2/raw$1" || return 1
	"$ST_LINK" --device "$(readlink "$2/raw$1")" --link "$2/dev$1" --baud 115200 \
		>"$2/link$1.log" 2>&1 &
	ST_PIDS="$ST_PIDS $!"
	wait_link "$2/dev$1"
}
st_stop_boards() {
	for p in $ST_PIDS; do kill "$p" 2>/dev/null || :; done
	for p in $ST_PIDS; do wait "$p" 2>/dev/null || :; done
	ST_PIDS=
}

# st_cleanup: a test's EXIT trap when its boards are all it started
st_cleanup() {
	st_stop_boards
	rm -rf "$T"
}

# st_usb "USBEMU-DEVICE-OPTIONS" COMMAND...: COMMAND under usbemu (the
# options split at spaces: paths without them), with the pty shim ahead of
# umockdev's preload (umockdev's own lstat would hide the ptys'
# /sys/class/tty entries the shim supplies)
st_usb() {
	devs=$1
	shift
	# shellcheck disable=SC2086
	timeout -k 5 120 "$ST_EMU" $devs -- sh -c 'LD_PRELOAD="$0 $LD_PRELOAD" exec "$@"' "$ST_SHIM" "$@"
}

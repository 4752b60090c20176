#!/bin/sh
# The provisioning slot on the real firmware: the qemu-mps2 port's Loader
# (built with FWD_HAVE_PROVISIONING, its provisioning key
# device-build/qemu-mps2/keys/station.pem) under QEMU, its unique ID given
# per board (12 bytes at 0x003FFFF0, device/ports/qemu-mps2/port.c).
# fwpack provision + fwpack flash over the Loader's UART: another board's
# record not sent by fwpack (in the WRONG_BOARD words) and refused by the
# Loader when sent anyway, the board's own accepted, and the example
# Application printing "app: serial number ..." from it.
. "$top_srcdir/tests/lib.sh"

D=$top_builddir/device-build/qemu-mps2
SHIM=$top_builddir/tests/tools/ptyshim.so
export ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0"
trap 'exec 9<&- 2>/dev/null; qemu_stop; rm -rf "$T"' EXIT
make -s -C "$top_srcdir/device" PORT=qemu-mps2 OUT="$D" FWPACK="$FWPACK" \
	BEARSSL_DIR="${BEARSSL_DIR:-$top_builddir/third_party/bearssl}" >"$T/make.log" 2>&1 ||
	{ cat "$T/make.log"; not_ok "device build"; finish; exit 1; }
[ -f "$D/keys/station.pem" ] && ok "the qemu-mps2 build has a provisioning key" ||
	{ not_ok "the qemu-mps2 build has a provisioning key"; finish; exit 1; }
set -- $(port_slot qemu-mps2 provisioning)
PROV=${1:-}
[ "$PROV" = $((0xE0000)) ] && ok "the qemu-mps2 port's provisioning slot is at 0xE0000" ||
	not_ok "the qemu-mps2 port's provisioning slot (got '${PROV:-none}')"
PROV=$((0xE0000))
printf 'board-A-0001' >"$T/uid-a.bin"
printf 'board-B-0002' >"$T/uid-b.bin"
ua=$(od -An -v -tx1 "$T/uid-a.bin" | tr -d ' \n')
ub=$(od -An -v -tx1 "$T/uid-b.bin" | tr -d ' \n')
UID_AT=0x003FFFF0
flash() { env LD_PRELOAD="$SHIM" "$FWPACK" flash --port "$QEMU_PTS" --timeout 2000 "$@"; }

# Board A: only the Loader in flash, so it waits in update mode.
qemu_loader "$D" -device loader,file="$T/uid-a.bin",addr=$UID_AT
[ -n "$QEMU_PTS" ] || { not_ok "QEMU started"; finish; exit 1; }
expect_exit 0 "board A: the Application over the Loader's UART" flash --no-boot "$D/app.bin"
expect_output "Connected: qemu-mps2" "...the qemu-mps2 Loader answers"

# Board B's record for board A: not sent (the UID the Loader reports is not the record's).
expect_exit 0 "fwpack provision: board B's record" "$FWPACK" provision --uid "$ub" --address $PROV \
	--field serial=FW-000002 --key "$D/keys/station.pem" -o "$T/pb.img"
expect_exit 2 "board B's record is not sent to board A" flash --no-boot "$T/pb.img"
expect_output "not sent: the provisioning record is for another board (its UID $ub; UID $ua is this board)" \
	"...in the WRONG_BOARD words, naming both UIDs"
# Sent anyway (tests/serial-client does not check): the Loader refuses it itself.
expect_exit 1 "board A's Loader refuses board B's record" \
	pty_client "$QEMU_PTS" --slot 3 --no-boot "$T/pb.img"
expect_output "device refused the image: bad image" "...as a bad image (its verdict: another board)"

# A record signed with the release key: the provisioning slot refuses it.
expect_exit 0 "board A's record signed with the release key" "$FWPACK" provision --uid "$ua" \
	--address $PROV --field serial=FW-000001 --key "$D/keys/dev.pem" -o "$T/prel.img"
expect_exit 2 "the provisioning slot refuses the release key" flash --no-boot "$T/prel.img"
expect_output "wrong key" "...as the wrong key"

# Board A's own record: accepted; the board boots and prints it. The pty is
# held open (raw, not read) across fwpack's session so the Application's
# first lines wait in it.
expect_exit 0 "fwpack provision: board A's record" "$FWPACK" provision --uid "$ua" --address $PROV \
	--field serial=FW-000001 --key "$D/keys/station.pem" -o "$T/pa.img"
stty -F "$QEMU_PTS" raw -echo 2>/dev/null
exec 9<"$QEMU_PTS"
expect_exit 0 "board A takes its own record and boots" flash "$T/pa.img"
cat <&9 >/dev/null 2>&1 &
cp=$!
# What the board printed, from QEMU's own log of its UART: whoever read the
# pty first (fwpack's check after BOOT, or cat) cannot take it from the test.
wait_for_line "$T/uart.log" "app: marked good" 30
kill "$cp" 2>/dev/null
wait "$cp" 2>/dev/null
exec 9<&-
tr -d '\r' <"$T/uart.log" >"$T/log"
expect_output "app: fwpack example application" "the Application runs"
expect_output "app: serial number FW-000001" "...and prints the serial number its record holds"
qemu_stop

# The same record preloaded on board B's flash: board B's Application
# reads nothing (the record is not for it).
run_b() {
	qemu-system-arm -M mps2-an386 -display none -monitor none -serial stdio \
		-kernel "$D/bootloader.elf" -device loader,file="$D/loader.bin",addr=0x4000 \
		-device loader,file="$D/app.bin",addr=0x20000 -device loader,file="$1",addr=$PROV \
		-device loader,file="$D/nvstate.bin",addr=0x100000 \
		-device loader,file="$2",addr=$UID_AT </dev/null >"$T/raw" 2>&1 &
	QEMU_PID=$!
	wait_for_line "$T/raw" "app: marked good" 30
	qemu_stop
	tr -d '\r' <"$T/raw" >"$T/log"
}
run_b "$T/pa.img" "$T/uid-b.bin"
expect_output "app: fwpack example application" "board B with board A's record in its slot: the Application runs"
if grep -q "serial number" "$T/log"; then not_ok "...and prints no serial number"; else
	ok "...and prints no serial number (the record is board A's)"; fi
run_b "$T/pa.img" "$T/uid-a.bin"
expect_output "app: serial number FW-000001" "the same flash on board A: the serial number"
finish

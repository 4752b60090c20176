#!/bin/sh
# Provisioning over USB DFU: usbemu's Loader model (the device core's
# update engine with device/apps/loader.c's targets, its provisioning slot
# included) on a posix-layout flash file. The host's DFU transport reports
# the board's unique ID from the fwpack Loader's iSerialNumber, so a
# recipe whose write and provision steps go "over": "dfu" gets the board's
# record into its provisioning slot (read back from the flash file, then
# booted by the posix port, whose Application prints the serial number).
# Then the refusals, over DFU: another board's record (not sent: the host
# says so in the WRONG_BOARD words, naming both UIDs, and board A keeps its
# own), an Application signed with the provisioning key, a record signed
# with the release key.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/lib-station.sh"

trap st_cleanup EXIT
if [ -f "$ST_POSIX/.stamp" ] && [ -f "$ST_POSIX/keys/station.pem" ]; then ok "the posix images are built"; else
	not_ok "the posix images are built"; finish; exit 1; fi
S=$T/s
station_fixture "$S" || { not_ok "the station's images and recipes"; finish; exit 1; }
DB=$T/r.db
PROV=$((0xE0000))
last() { "$FWPACK" history --record "$DB" --json | jq -r ".[-1] | $1"; }
emu() { timeout -k 5 60 "$ST_EMU" "$@"; }
# usb_serial FLASH: the Loader model's iSerialNumber on that flash (its UID in hex)
usb_serial() {
	emu --device "loader,flash=$1" -- dfu-util -l 2>/dev/null |
		sed -n 's/.*name="slot 3: provisioning", serial="\([0-9A-F]*\)".*/\1/p'
}
# The Loader already in place (the ROM steps are tests/station-provision.sh's):
# the recipe starts at the Loader, over DFU, and has no console.
jq '.board = {"rom": "none", "loader": ["dfu"], "console": false}
    | .steps |= map(select(.do != "dfuse_mass_erase" and .do != "dfuse_write"
                           and .do != "dfuse_leave" and .do != "expect"))
    | .steps |= map(if .over then .over = "dfu" else . end)' "$S/prov.json" >"$S/dfu.json"

# 1. The alt settings: the provisioning slot is alt 3.
st_loader_flash "$T/a"
st_loader_flash "$T/b"
sa=$(usb_serial "$T/a")
sb=$(usb_serial "$T/b")
ua=$(printf %s "$sa" | tr 'A-F' 'a-f')
ub=$(printf %s "$sb" | tr 'A-F' 'a-f')
case $sa in
"" | *[!0-9A-F]*) not_ok "the Loader model lists alt 3 \"slot 3: provisioning\", its serial the UID (got '$sa')" ;;
*) ok "the Loader model lists alt 3 \"slot 3: provisioning\", its serial the UID ($sa)" ;;
esac
[ -n "$sb" ] && [ "$sa" != "$sb" ] && ok "two flash files, two boards ($sa, $sb)" || not_ok "two boards, two UIDs"

# 2. The recipe over DFU: Application, provisioning record, boot.
expect_exit 0 "fwpack run --dry-run: a provision step over dfu is a plan" "$FWPACK" run -n "$S/dfu.json"
expect_exit 0 "the recipe's write and provision steps over dfu to board A" \
	st_usb "--device loader,flash=$T/a" \
	"$FWPACK" run --record "$DB" --station line1 --serial "$sa" "$S/dfu.json"
expect_output "unique ID $ua" "...the DFU transport reports the board's unique ID"
expect_output "provision: pass" "...the provision step passes"
expect_eq "$(last .board)" "$ua" "the record keys the board by its unique ID"
expect_eq "$(last '.steps | map(.name + ":" + .result) | join(" ")')" \
	"wait_loader:pass write:pass provision:pass boot:pass" "...every step recorded, passed"
expect_eq "$(last .identity)" "FW-000001" "...with its identity"
pbytes=$(last '.steps[] | select(.name == "provision") | .bytes')
psha=$(last '.images[] | select(.name == "provisioning:provisioning") | .sha256')
tail -c +$((PROV + 1)) "$T/a" | head -c "$pbytes" >"$T/pa.img"
expect_eq "$(sha256sum <"$T/pa.img" | cut -d' ' -f1)" "$psha" \
	"the flash file's provisioning slot holds the record the station made ($pbytes bytes)"
expect_exit 0 "the record as read back" "$FWPACK" inspect "$T/pa.img"
expect_output "fields.serial       FW-000001" "...carries the serial number"
expect_output "uid                 $ua" "...bound to board A's unique ID"
st_app_in "$T/a" && ok "the Application went to its slot over DFU" || not_ok "the Application in its slot"
# The posix port on the same flash boots it and prints the record.
rm -f "$T/tty"
"$ST_DEV" --flash "$T/a" --link "$T/tty" >"$T/dev.log" 2>&1 &
ST_PIDS=$!
wait_link "$T/tty" && timeout 2 cat "$(readlink "$T/tty")" >"$T/console" 2>&1
st_stop_boards
expect_eq "$(grep -c 'app: serial number FW-000001' "$T/console")" 1 \
	"board A boots and its Application prints \"app: serial number FW-000001\""

# 3. Board B's record, for board A over DFU: not sent (board A's Loader
# would refuse it only once it is all in, after erasing the slot), in words.
expect_exit 0 "board B's record" "$FWPACK" provision --uid "$ub" --address $PROV \
	--field serial=FW-000002 --security-counter 99 --key "$S/keys/station.pem" -o "$T/pb.img"
cp "$T/a" "$T/a.before"
expect_exit 2 "fwpack flash refuses board B's record for board A over DFU" \
	st_usb "--device loader,flash=$T/a" "$FWPACK" flash --dfu --no-boot "$T/pb.img"
expect_output "not sent: the provisioning record is for another board (its UID $ub; UID $ua is this board): the board keeps the record it has" \
	"...in the WRONG_BOARD words, naming both boards"
expect_output "control transfers, 0 bytes out" "...not a byte of it sent"
if cmp -s "$T/a" "$T/a.before"; then ok "...board A's flash unchanged: it keeps its own record"; else
	not_ok "...board A's flash changed"; fi

# 4. An Application signed with the provisioning key: refused over DFU.
mkdir -p "$T/rogue"
cp "$ST_POSIX"/*-payload.bin "$T/rogue/" && cp -r "$ST_POSIX/keys" "$T/rogue/"
sed "s|keys/dev.pem|keys/station.pem|" "$ST_POSIX/manifest.json" >"$T/rogue/manifest.json"
"$FWPACK" build -q -o "$T/rogue" "$T/rogue/manifest.json" || not_ok "build the rogue Application"
expect_exit 2 "an Application signed with the provisioning key is refused over DFU" \
	st_usb "--device loader,flash=$T/b" "$FWPACK" flash --dfu --no-boot "$T/rogue/app.bin"
expect_output "errVERIFY" "...as a verification failure"
rm -f "$T/tty"
"$ST_DEV" --flash "$T/b" --link "$T/tty" >"$T/dev.log" 2>&1 &
ST_PIDS=$!
wait_link "$T/tty" && timeout 2 cat "$(readlink "$T/tty")" >"$T/console" 2>&1
st_stop_boards
expect_output_file() { grep -qF "$1" "$T/console" && ok "$2" || not_ok "$2"; }
expect_output_file "loader: update mode" "...board B's Loader boots nothing (nothing was committed)"

# 5. A record signed with the release key: the provisioning slot refuses it.
expect_exit 0 "board B's record signed with the release key" "$FWPACK" provision --uid "$ub" \
	--address $PROV --field serial=FW-000003 --key "$S/keys/dev.pem" -o "$T/prel.img"
expect_exit 2 "the provisioning slot refuses the release key over DFU" \
	st_usb "--device loader,flash=$T/b" "$FWPACK" flash --dfu --no-boot "$T/prel.img"
expect_output "errVERIFY" "...as a verification failure"
expect_eq "$(tail -c +$((PROV + 1)) "$T/b" | head -c 64 | tr -d '\377' | wc -c)" 0 \
	"...and board B's provisioning slot holds no committed header"
finish

#!/bin/sh
# Provisioning over the posix port (docs/provisioning.md): a station that
# holds the provisioning key and not the release key writes a board's
# identity, and cannot get code accepted through that path. The images come
# from `fwpack provision`, the board is the posix port's Loader, the host
# is tests/serial-client over the real libserialport.
. "$top_srcdir/tests/lib.sh"

I=$POSIX_IMAGES
if [ -f "$I/.stamp" ] && [ -f "$I/app.bin" ] && [ -f "$I/keys/station.pem" ]; then
	ok "the posix images and the provisioning key are built"
else
	not_ok "the posix images and the provisioning key are built"; finish; exit 1
fi
STATION=$I/keys/station.pem
PROV_ADDR=0xE0000 # device/ports/posix/layout.c: the last 128K sector

trap 'posix_stop; rm -rf "$T"' EXIT
# fwpack flash on the board's pty, through the shim as pty_client (tests/lib.sh)
flash_pty() {
	LD_PRELOAD=$top_builddir/tests/tools/ptyshim.so ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" \
		"$FWPACK" flash --port "$(readlink "$T/tty")" "$@"
}
uid_of() { sed -n 's/^uid: \([0-9a-f]*\)$/\1/p' "$T/log"; }

# Two boards; each reports its unique ID.
posix_factory "$T/a"
posix_factory "$T/b"
posix_start "$T/b"
posix_client --info >"$T/log" 2>&1
ub=$(uid_of)
posix_stop
posix_start "$T/a"
expect_exit 0 "board A: the release-signed Application" posix_client --no-boot "$I/app.bin"
posix_client --info >"$T/log" 2>&1
ua=$(uid_of)
if [ -n "$ua" ] && [ -n "$ub" ] && [ "$ua" != "$ub" ]; then ok "two boards, two IDs ($ua, $ub)"; else
	not_ok "two boards, two IDs ('$ua', '$ub')"; fi
expect_exit 0 "INFO lists the provisioning slot" posix_client --info
expect_output "slot 3: 0x000e0000, 131072 bytes, writable" "slot 3 is the provisioning slot"

# 1. Code signed with the provisioning key: the Application slot refuses it.
mkdir -p "$T/rogue"
cp "$I"/*-payload.bin "$T/rogue/" && cp -r "$I/keys" "$T/rogue/"
sed "s|keys/dev.pem|keys/station.pem|" "$I/manifest.json" >"$T/rogue/manifest.json"
"$FWPACK" build -q -o "$T/rogue" "$T/rogue/manifest.json"
expect_exit 1 "an Application signed with the provisioning key is refused" posix_client --no-boot "$T/rogue/app.bin"
expect_output "device refused the image: wrong key" "the reason is wrong key"
# ... and the provisioning slot refuses an Application whatever its key
# (this one's header names the Application slot: refused as a bad header).
expect_exit 1 "an Application sent to the provisioning slot is refused" \
	posix_client --slot 3 --no-boot "$T/rogue/app.bin"
expect_output "device refused the image" "refused by the device"

# 2. A provisioning image carrying code into the Application slot: refused.
expect_exit 0 "fwpack provision builds an image for the app slot's address" \
	"$FWPACK" provision --uid "$ua" --address 0x20000 --field serial=FW-000001 \
	--key "$STATION" -o "$T/p-app.img"
expect_exit 1 "a provisioning image into the Application slot is refused" \
	posix_client --no-boot "$T/p-app.img"
expect_output "wrong slot" "the reason is the slot"
# ... and signed with the release key, the provisioning slot refuses it.
expect_exit 0 "a record signed with the release key" "$FWPACK" provision --uid "$ua" \
	--address $PROV_ADDR --field serial=FW-000001 --key "$I/keys/dev.pem" -o "$T/p-rel.img"
expect_exit 1 "the provisioning slot refuses the release key" posix_client --slot 3 --no-boot "$T/p-rel.img"
expect_output "device refused the image: wrong key" "the reason is wrong key"

# 3. Board B's record is refused by board A.
expect_exit 0 "board B's record" "$FWPACK" provision --uid "$ub" --address $PROV_ADDR \
	--field serial=FW-000002 --key "$STATION" -o "$T/p-b.img"
expect_exit 1 "board A refuses board B's record" posix_client --slot 3 --no-boot "$T/p-b.img"
expect_output "device refused the image: bad image" "the reason is the image"
expect_exit 2 "fwpack flash: board B's record is not sent to board A" \
	flash_pty --no-boot "$T/p-b.img"
expect_output "not sent: the provisioning record is for another board (its UID $ub; UID $ua is this board)" \
	"...in words, naming both UIDs (not \"bad image (verdict 13)\")"

# 4. Board A's own record: accepted, and its Application prints the serial number.
# (A refused session has erased the Application slot it was aimed at: the
# release-signed Application goes back first.)
expect_exit 0 "board A: the Application again" posix_client --no-boot "$I/app.bin"
expect_exit 0 "board A's record" "$FWPACK" provision --uid "$ua" --address $PROV_ADDR \
	--field serial=FW-000042 --field mac=02:00:00:00:00:2a --security-counter 2 \
	--key "$STATION" -o "$T/p-a.img"
expect_exit 0 "fwpack inspect shows the record" "$FWPACK" inspect "$T/p-a.img"
expect_output "image_type_name     provisioning" "its type"
expect_output "uid                 $ua" "its board"
expect_output "fields.serial       FW-000042" "its serial number"
expect_exit 0 "fwpack verify with the provisioning key" "$FWPACK" verify --key "$I/keys/station.pub.pem" "$T/p-a.img"
expect_exit 0 "board A takes its record and boots" \
	posix_client --slot 3 --expect "app: serial number FW-000042" "$T/p-a.img"
posix_stop
# After a power cycle the Application reads it again.
posix_start "$T/a"
expect_exit 0 "after a power cycle the Application runs" posix_client --send u --expect "app: update requested"
expect_exit 0 "and, booted again, prints the same serial number" \
	posix_client --info --boot --expect "app: serial number FW-000042"

# 5. An older record (lower counter) is refused; the same one again is accepted.
expect_exit 0 "an older record" "$FWPACK" provision --uid "$ua" --address $PROV_ADDR \
	--field serial=FW-000007 --security-counter 1 --key "$STATION" -o "$T/p-old.img"
expect_exit 0 "the Application asked for an update" posix_client --send u --expect "app: update requested"
expect_exit 1 "the older record is refused" posix_client --slot 3 --no-boot "$T/p-old.img"
expect_output "rollback" "the reason is rollback"
expect_exit 0 "the same record again is accepted" posix_client --slot 3 --expect "app: serial number FW-000042" "$T/p-a.img"
# fwpack flash sends it to slot 3 by its type, as the station does.
expect_exit 0 "back in the Loader" posix_client --send u --expect "app: update requested"
expect_exit 0 "fwpack flash writes the record to the provisioning slot by its type" \
	flash_pty --no-boot "$T/p-a.img"
expect_exit 0 "and the Application prints it after the boot" \
	posix_client --info --boot --expect "app: serial number FW-000042"
posix_stop

# 6. Bad input to the builder: clear errors, no file.
expect_exit 64 "a UID that is not hex" "$FWPACK" provision --uid xyz --address $PROV_ADDR \
	--key "$STATION" -o "$T/bad.img"
expect_exit 64 "a field without =" "$FWPACK" provision --uid "$ua" --address $PROV_ADDR \
	--field serial --key "$STATION" -o "$T/bad.img"
expect_exit 64 "a field name the board refuses" "$FWPACK" provision --uid "$ua" --address $PROV_ADDR \
	--field Serial=1 --key "$STATION" -o "$T/bad.img"
expect_output "a-z, 0-9, _" "the message says which names are allowed"
if [ ! -e "$T/bad.img" ]; then ok "nothing written"; else not_ok "nothing written"; fi
finish

#!/bin/sh
# One case per documented exit status (fwpack(1), fwpack-verify(1),
# fwpack-inspect(1)) for verify, inspect, build and keygen, and the tampered
# images of issue 11: a changed magic, non-zero header padding and a changed
# TLV length are verification failures (1), not malformed input (65), and
# verify's OK line names only what was checked. (2 and 69 belong to flash;
# 70, out of memory, cannot be caused from outside without breaking ASan.)
. "$top_srcdir/tests/lib.sh"

EX=$top_builddir/examples
PUB=$EX/keys/dev-p256.pub.pem
IMG=$T/out/app.bin

expect_exit 0 "build: 0 on success" "$FWPACK" build -q -o "$T/out" "$EX/manifests/single-app.json"
expect_exit 64 "build: 64 on a bad command line" "$FWPACK" build --frobnicate "$T/m.json"
printf '{ "manifest_version": 1, ' >"$T/bad.json"
expect_exit 65 "build: 65 on a malformed manifest" "$FWPACK" build -o "$T/x" "$T/bad.json"
expect_exit 66 "build: 66 on a missing manifest" "$FWPACK" build -o "$T/x" "$T/none.json"
: >"$T/file"
expect_exit 74 "build: 74 when the output directory cannot be made" \
	"$FWPACK" build -q -o "$T/file/out" "$EX/manifests/single-app.json"

expect_exit 0 "keygen: 0 on success" "$FWPACK" keygen "$T/k.pem"
expect_exit 64 "keygen: 64 on an unknown curve" "$FWPACK" keygen --curve p384 "$T/k2.pem"
expect_exit 74 "keygen: 74 when the key cannot be written" "$FWPACK" keygen "$T/file/k.pem"

# Tampered copies of a good image (dd, in place).
patch() { # patch NAME OFFSET HEXBYTE: a copy of the image with one byte replaced
	cp "$IMG" "$T/$1.bin"
	printf "\\$(printf '%03o' "$3")" | dd of="$T/$1.bin" bs=1 seek="$2" conv=notrunc 2>/dev/null
}
"$FWPACK" inspect --json "$IMG" >"$T/app.json"
trailer=$(sed -n 's/.*"trailer_offset":\([0-9]*\).*/\1/p' "$T/app.json")
patch magic 0 0x58       # "FWPK" -> "XWPK"
patch padding 100 0x01   # inside the header region (hdr_size 0x200), after the 64-byte header
patch tlvlen $((trailer + 6)) 0x21 # the SHA256 record's length, 32 -> 33
patch payload 0x300 0x5A # a payload byte
head -c 40 "$IMG" >"$T/short.bin"

expect_exit 0 "verify: 0 on a good image" "$FWPACK" verify --key "$PUB" "$IMG"
expect_output "OK (header CRC, payload CRC, TLVs, digest, key hash, signature)" \
	"verify says it checked the signature"
expect_exit 0 "verify without --key: 0" "$FWPACK" verify "$IMG"
expect_output "digest; signature not checked: no --key" "verify says what it did not check"
for t in magic padding tlvlen payload; do
	expect_exit 1 "verify: 1 on a tampered image ($t)" "$FWPACK" verify --key "$PUB" "$T/$t.bin"
	expect_exit 1 "inspect: 1 on a tampered image ($t)" "$FWPACK" inspect "$T/$t.bin"
done
expect_exit 1 "verify: the changed magic" "$FWPACK" verify "$T/magic.bin"
expect_output "header: bad magic 0x4b505758" "the reason names the magic"
expect_exit 1 "verify: the dirty padding" "$FWPACK" verify "$T/padding.bin"
expect_output "header: padding after the header" "the reason names the padding"
expect_exit 1 "verify: the changed TLV length" "$FWPACK" verify "$T/tlvlen.bin"
expect_output "trailer: TLV at offset" "the reason names the TLV"
expect_exit 64 "verify: 64 without an image" "$FWPACK" verify
printf 'not a key\n' >"$T/bad.pem"
expect_exit 65 "verify: 65 on a malformed key file" "$FWPACK" verify --key "$T/bad.pem" "$IMG"
expect_exit 65 "verify: 65 on a file too short to be an image" "$FWPACK" verify "$T/short.bin"
expect_exit 66 "verify: 66 on a missing image" "$FWPACK" verify "$T/none.bin"
expect_exit 74 "verify: 74 when the image cannot be read" "$FWPACK" verify "$T"

expect_exit 0 "inspect: 0 on a good image" "$FWPACK" inspect "$IMG"
expect_output "checked             header CRC, payload CRC, TLVs, digest" "inspect says what it checked"
expect_exit 64 "inspect: 64 without an image" "$FWPACK" inspect
expect_exit 65 "inspect: 65 on a file too short to be an image" "$FWPACK" inspect "$T/short.bin"
expect_exit 66 "inspect: 66 on a missing image" "$FWPACK" inspect "$T/none.bin"
expect_exit 74 "inspect: 74 when the image cannot be read" "$FWPACK" inspect "$T"

# A cookbook v1 image: a CRC is all it has, and all verify claims.
expect_exit 0 "verify: a cookbook v1 image" "$FWPACK" verify "$top_srcdir/tests/fuzz/corpus/image/cookbook-v1.bin"
expect_output "OK (cookbook v1: data CRC; it carries no digest or signature)" \
	"verify claims only the CRC for a cookbook v1 image"

# Operand counts, checked by the start every command shares (fwp_cli_start).
for c in "build" "build a.json b.json" "keygen" "keygen a.pem b.pem" "layout" \
	"layout a.json b.json" "run" "run a.json b.json" "history x" "provision x"; do
	expect_exit 64 "$c: 64 on a wrong number of operands" "$FWPACK" $c
done
expect_output "unexpected operand \"x\"" "provision names the operand it did not expect"
expect_exit 64 "build: 64 without a manifest" "$FWPACK" build
expect_output "expected 1 MANIFEST, got 0" "build says how many operands it wants"
finish

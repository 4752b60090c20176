#!/bin/sh
# End to end through the fwpack command on the example firmware: outputs,
# split by region, factory merge, HEX/S-record read back by srec_cat and
# objcopy, inspect/verify, tampering, errors and exit codes, external
# signing with the openssl command, reproducibility.
. "$top_srcdir/tests/lib.sh"

EX=$top_builddir/examples
KEY=$EX/keys/dev-p256.pem
PUB=$EX/keys/dev-p256.pub.pem
O=$T/out

# ---- building the examples ----
for m in single-app factory-f429 qspi-f746; do
	expect_exit 0 "build $m" "$FWPACK" build -o "$O/$m" "$EX/manifests/$m.json"
done
for f in single-app/app.bin single-app/app.hex single-app/app.srec \
	factory-f429/bootloader.bin factory-f429/loader.bin factory-f429/app.bin \
	factory-f429/factory-f429.bin factory-f429/factory-f429.hex \
	factory-f429/factory-f429.srec qspi-f746/app.bin qspi-f746/app-assets.bin \
	qspi-f746/factory-f746-flash.bin qspi-f746/factory-f746-qspi.bin; do
	if [ -s "$O/$f" ]; then ok "output $f"; else not_ok "output $f missing"; fi
done

# ---- inspect and verify ----
expect_exit 0 "inspect app" "$FWPACK" inspect "$O/single-app/app.bin"
expect_output "version             1.4.2+118" "inspect shows the version"
expect_output "security_counter    3" "inspect shows the security counter"
expect_output "load_addr           0x08020200" "inspect shows the load address"
expect_output "name=BUILD_ID" "inspect shows the build ID TLV"
expect_output "name=ECDSA_P256" "inspect shows the signature TLV"
expect_exit 0 "inspect --json" "$FWPACK" inspect --json "$O/single-app/app.bin"
expect_output '"image_type_name":"app"' "inspect --json has the image type"
expect_output '"tlvs":[' "inspect --json has the TLVs"
expect_exit 0 "verify with the right key" "$FWPACK" verify --key "$PUB" "$O/single-app/app.bin" \
	"$O/factory-f429/loader.bin" "$O/factory-f429/app.bin" "$O/qspi-f746/app-assets.bin"
"$FWPACK" keygen "$T/other.pem" >/dev/null
expect_exit 1 "verify with another key fails" "$FWPACK" verify --key "$T/other.pub.pem" \
	"$O/single-app/app.bin"
expect_output "signed by another key" "the reason names the key"

cp "$O/single-app/app.bin" "$T/tampered.bin"
flip_byte "$T/tampered.bin" 1000
expect_exit 1 "a tampered payload byte fails verify" "$FWPACK" verify --key "$PUB" "$T/tampered.bin"
expect_output "payload: payload_crc32 is" "the reason is the payload CRC"
expect_exit 1 "inspect of a tampered image exits non-zero" "$FWPACK" inspect "$T/tampered.bin"
expect_output "payload_size" "but still shows the header"

# ---- two memory regions: one image each, never a 2 GiB flat binary ----
expect_exit 0 "inspect the QSPI part" "$FWPACK" inspect "$O/qspi-f746/app-assets.bin"
expect_output "load_addr           0x90000200" "QSPI part loads at 0x90000200"
expect_output "flags               0x00000001" "QSPI part is flagged as data"
for f in app.bin app-assets.bin factory-f746-flash.bin factory-f746-qspi.bin; do
	size=$(stat -c %s "$O/qspi-f746/$f")
	if [ "$size" -lt 1048576 ]; then ok "$f is $size bytes"; else not_ok "$f is $size bytes"; fi
done

# ---- factory image: slots at their offsets, gaps filled ----
F=$O/factory-f429/factory-f429.bin
dd if="$F" of="$T/f-boot" bs=1 count="$(stat -c %s "$O/factory-f429/bootloader.bin")" 2>/dev/null
expect_same "$T/f-boot" "$O/factory-f429/bootloader.bin" "factory: bootloader at offset 0"
dd if="$F" of="$T/f-loader" bs=16384 skip=1 2>/dev/null
head -c "$(stat -c %s "$O/factory-f429/loader.bin")" "$T/f-loader" >"$T/f-loader2"
expect_same "$T/f-loader2" "$O/factory-f429/loader.bin" "factory: loader at 0x4000"
tail -c "$(stat -c %s "$O/factory-f429/app.bin")" "$F" >"$T/f-app"
expect_same "$T/f-app" "$O/factory-f429/app.bin" "factory: app at 0x20000, at the end"
gap=$(dd if="$F" bs=1 skip=$((0x1FFFF)) count=1 2>/dev/null | od -An -tx1 | tr -d ' ')
if [ "$gap" = ff ]; then ok "factory: gaps filled with 0xFF"; else not_ok "factory gap is $gap"; fi
if [ "$(stat -c %s "$F")" -eq $((0x20000 + $(stat -c %s "$O/factory-f429/app.bin"))) ]; then
	ok "factory: size ends at the last image"
else
	not_ok "factory size $(stat -c %s "$F")"
fi

# ---- HEX and S-records read back by srec_cat and objcopy ----
srec_to_bin() { # FILE FORMAT OFFSET OUT
	"$SREC_CAT" "$1" "$2" -offset "-$3" -o "$4" -binary
}
srec_to_bin "$O/single-app/app.hex" -intel 0x08020000 "$T/a-hex.bin"
expect_same "$T/a-hex.bin" "$O/single-app/app.bin" "srec_cat reads app.hex back"
srec_to_bin "$O/single-app/app.srec" -motorola 0x08020000 "$T/a-srec.bin"
expect_same "$T/a-srec.bin" "$O/single-app/app.bin" "srec_cat reads app.srec back"
srec_to_bin "$O/factory-f429/factory-f429.hex" -intel 0x08000000 "$T/f-hex.bin"
expect_same "$T/f-hex.bin" "$F" "srec_cat reads the factory .hex back"
srec_to_bin "$O/factory-f429/factory-f429.srec" -motorola 0x08000000 "$T/f-srec.bin"
expect_same "$T/f-srec.bin" "$F" "srec_cat reads the factory .srec back"
objcopy -I ihex -O binary "$O/factory-f429/factory-f429.hex" "$T/f-objcopy-hex.bin"
expect_same "$T/f-objcopy-hex.bin" "$F" "objcopy reads the factory .hex back"
objcopy -I srec -O binary "$O/factory-f429/factory-f429.srec" "$T/f-objcopy-srec.bin"
expect_same "$T/f-objcopy-srec.bin" "$F" "objcopy reads the factory .srec back"
srec_to_bin "$O/qspi-f746/factory-f746-qspi.hex" -intel 0x90000000 "$T/q-hex.bin"
expect_same "$T/q-hex.bin" "$O/qspi-f746/factory-f746-qspi.bin" "srec_cat reads the QSPI .hex back"

# ---- reproducible: same inputs, same bytes, whatever the clock says ----
SOURCE_DATE_EPOCH=1 "$FWPACK" build -q -o "$T/again" "$EX/manifests/factory-f429.json"
for f in bootloader.bin loader.bin app.bin factory-f429.bin factory-f429.hex; do
	expect_same "$T/again/$f" "$O/factory-f429/$f" "reproducible $f"
done

# ---- external signing with the openssl command as the "HSM" ----
sed "s|\.\./keys/dev-p256.pem|$PUB|; s|\.\./firmware/|$EX/firmware/|" \
	"$EX/manifests/single-app.json" >"$T/ext.json"
expect_exit 0 "external signing step 1: --digest-dir" \
	"$FWPACK" build --digest-dir "$T/dig" -o "$T/ext" "$T/ext.json"
if [ ! -e "$T/ext/app.bin" ] && [ "$(stat -c %s "$T/dig/app.digest")" -eq 32 ]; then
	ok "step 1 writes the digest and no image"
else
	not_ok "step 1 outputs"
fi
"$OPENSSL" pkeyutl -sign -inkey "$KEY" -in "$T/dig/app.digest" -out "$T/dig/app.sig"
expect_exit 0 "external signing step 2: --signature-dir" \
	"$FWPACK" build --signature-dir "$T/dig" -o "$T/ext" "$T/ext.json"
expect_exit 0 "the externally signed image verifies" "$FWPACK" verify --key "$PUB" "$T/ext/app.bin"
# openssl signs with a random nonce: all but the signature is the same image.
"$FWPACK" inspect "$T/ext/app.bin" >"$T/log"
end=$(sed -n 's/^image_end *//p' "$T/log")
head -c $((end - 64)) "$T/ext/app.bin" >"$T/ext-head"
head -c $((end - 64)) "$O/single-app/app.bin" >"$T/direct-head"
expect_same "$T/ext-head" "$T/direct-head" "external and direct signing give the same image but the signature"
printf 'garbage' >"$T/dig/app.sig"
expect_exit 65 "a malformed signature file is refused" \
	"$FWPACK" build --signature-dir "$T/dig" -o "$T/ext2" "$T/ext.json"
expect_output "app.sig" "the error names the signature file"

# ---- input errors, with the manifest location ----
sed "s|0x90000000|0xA0000000|; s|\.\./keys/|$EX/keys/|; s|\.\./firmware/|$EX/firmware/|" \
	"$EX/manifests/qspi-f746.json" >"$T/no-qspi.json"
expect_exit 65 "a segment outside every region" "$FWPACK" build -o "$T/x" "$T/no-qspi.json"
expect_output "no-qspi.json:" "the error names the manifest"
expect_output "images[0].input: " "the error names the JSON path"
expect_output "segment 2 (0x90000200..0x900081ff) lies outside every memory region" "the error says why"
sed 's|"size": "16M",|"size": "16K",|' "$EX/manifests/qspi-f746.json" >"$T/small-qspi.json"
sed -i "s|\.\./keys/|$EX/keys/|; s|\.\./firmware/|$EX/firmware/|; s|\"8M\"|\"16K\"|" "$T/small-qspi.json"
expect_exit 65 "a segment past the end of its region" "$FWPACK" build -o "$T/x" "$T/small-qspi.json"
expect_output "runs past the end of region qspi" "the error says why"
if [ ! -e "$T/x/app.bin" ]; then ok "a failed build writes no image"; else not_ok "partial output"; fi

# ---- the outputs are one set: all of them change, or none ----
# A failure in the middle of the renames (the 3rd rename fails, by a
# preloaded shim), over the outputs of an earlier build and into an empty
# directory; an output path taken by a directory (found before any rename).
FAIL=$top_builddir/tests/tools/failshim.so
same_dir() { # A B DESCRIPTION: the same names and bytes, nothing else
	if diff -r "$1" "$2" >/dev/null; then ok "$3"; else not_ok "$3"; diff -r "$1" "$2" | sed 's/^/    /'; fi
}
F429=$T/f429.json
sed "s|\.\./keys/|$EX/keys/|; s|\.\./firmware/|$EX/firmware/|" "$EX/manifests/factory-f429.json" >"$F429"
sed 's|"version": "2.3.0+512"|"version": "2.3.1+513"|; s|"version": "1.0.0"|"version": "1.0.1"|; s|"version": "1.1.0+7"|"version": "1.1.1+8"|' "$F429" >"$T/f429-next.json"
"$FWPACK" build -q -o "$T/set" "$F429" && cp -r "$T/set" "$T/set-before"
"$FWPACK" build -q -o "$T/set-next" "$T/f429-next.json"
if cmp -s "$T/set/loader.bin" "$T/set-next/loader.bin"; then
	not_ok "the second build differs from the first in every image"; fi
failing() { # N COMMAND...: run with the Nth rename() failing
	n=$1
	shift
	env ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" FWP_FAIL_RENAME="$n" \
		LD_PRELOAD="$FAIL" "$@"
}
expect_exit 74 "a rename failing half-way through the outputs (exit 74)" \
	failing 3 "$FWPACK" build -q -o "$T/set" "$T/f429-next.json"
expect_output "rename: Input/output error" "the error names the failed rename"
same_dir "$T/set" "$T/set-before" "every output is the previous build's again, no temporary left"
mkdir "$T/set-empty"
expect_exit 74 "the same into an empty directory" \
	failing 3 "$FWPACK" build -q -o "$T/set-empty" "$T/f429-next.json"
if [ -z "$(ls -A "$T/set-empty")" ]; then ok "and it stays empty"; else
	not_ok "and it stays empty ($(ls "$T/set-empty" | tr '\n' ' '))"; fi
mkdir -p "$T/set-dir/factory-f429.srec"
expect_exit 74 "an output path that is a directory" "$FWPACK" build -q -o "$T/set-dir" "$F429"
expect_output "factory-f429.srec: is a directory" "is named"
if [ "$(ls -A "$T/set-dir")" = "factory-f429.srec" ]; then ok "and no other output was written"; else
	not_ok "and no other output was written ($(ls "$T/set-dir" | tr '\n' ' '))"; fi
expect_exit 74 "keygen: the public half's rename fails" failing 2 "$FWPACK" keygen "$T/half.pem"
if [ ! -e "$T/half.pem" ] && [ -z "$(ls "$T" | grep half)" ]; then ok "and neither half is left"; else
	not_ok "and neither half is left ($(ls "$T" | grep half | tr '\n' ' '))"; fi

sed "s|\.\./firmware/app_f411.elf|/bin/true|; s|\.\./keys/|$EX/keys/|" \
	"$EX/manifests/single-app.json" >"$T/host-elf.json"
expect_exit 65 "a host ELF is refused" "$FWPACK" build -o "$T/x" "$T/host-elf.json"
expect_output "images[0].input: /bin/true: " "the error names the input"

# ---- CLI conventions and exit codes ----
expect_exit 0 "--version" "$FWPACK" --version
expect_output "fwpack " "--version prints the name"
for c in build inspect verify keygen; do
	expect_exit 0 "$c --help" "$FWPACK" "$c" --help
	expect_output "usage: fwpack $c" "$c --help shows usage"
done
expect_exit 64 "no command" "$FWPACK"
expect_exit 64 "unknown command" "$FWPACK" frobnicate
expect_exit 64 "unknown option" "$FWPACK" build --frobnicate m.json
expect_output "fwpack: build: option --frobnicate" "usage errors name the option"
expect_exit 66 "missing manifest" "$FWPACK" build -o "$T/x" "$T/nonexistent.json"
expect_output "fwpack: $T/nonexistent.json: No such file or directory" "the error names the file"
printf '{"manifest_version": 1,\n "regions": 3}\n' >"$T/bad.json"
expect_exit 65 "malformed manifest" "$FWPACK" build -o "$T/x" "$T/bad.json"
expect_output "fwpack: $T/bad.json:2:13: regions: expected an array, found a number" \
	"manifest errors give file:line:col: path: reason"
expect_exit 65 "inspect of a non-image" "$FWPACK" inspect "$T/bad.json"

# ---- keygen ----
expect_exit 0 "keygen" "$FWPACK" keygen "$T/k.pem"
if [ "$(stat -c %a "$T/k.pem")" = 600 ]; then ok "private key mode 0600"; else not_ok "mode $(stat -c %a "$T/k.pem")"; fi
expect_exit 64 "keygen refuses to overwrite" "$FWPACK" keygen "$T/k.pem"
expect_exit 0 "keygen --force overwrites" "$FWPACK" keygen --force "$T/k.pem"
expect_exit 0 "openssl reads the generated key" "$OPENSSL" pkey -in "$T/k.pem" -noout
expect_exit 64 "keygen rejects an unknown curve" "$FWPACK" keygen --curve p384 "$T/k2.pem"

finish

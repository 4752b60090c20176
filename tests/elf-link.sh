#!/bin/sh
# ELF inputs as toolchains link them by default: the third-party example
# (examples/thirdparty/, its own startup, linker script and Makefile, no
# -n) linked by arm-none-eabi-gcc (GNU ld maps the ELF headers into the
# first load segment, at the slot address) and by clang/lld (a headers-only
# load segment there) builds to an image whose payload is exactly what
# `objcopy -O binary` makes of the same ELF. An ELF linked where the header
# must go is refused with the address to link at. Cookbook images take the
# vector table from where the ELF links it (slot + 0x80 in the Cookbook's
# linker scripts), and a raw input follows the Cookbook's layout.
. "$top_srcdir/tests/lib.sh"

TP=$top_srcdir/examples/thirdparty
OBJCOPY=arm-none-eabi-objcopy
"$FWPACK" keygen "$T/k.pem" >/dev/null

manifest() { # NAME INPUT [EXTRA IMAGE KEYS]: a manifest for the QEMU board's slots in $T/NAME.json
	cat >"$T/$1.json" <<JSON
{ "manifest_version": 1,
  "regions": [ { "name": "flash", "address": "0x00000000", "size": "1M",
                 "sectors": [ { "count": 4, "size": "16K" }, { "count": 1, "size": "64K" },
                              { "count": 7, "size": "128K" } ] } ],
  "slots": [ { "name": "app", "address": "0x00020000", "size": "896K" } ],
  "images": [ { "name": "$1", "type": "app", "input": "$2", "version": "1.0.0", "slot": "app",
                "vector_table_size": 256 ${3:-, \"key\": \"$T/k.pem\"} } ] }
JSON
}

field() { # IMAGE FIELD: one value of fwpack inspect
	"$FWPACK" inspect "$1" | sed -n "s/^$2  *//p"
}

payload() { # IMAGE OUT: the payload bytes of a fwpack image
	dd if="$1" of="$2" bs=1 skip="$(field "$1" hdr_size)" count="$(field "$1" payload_size)" \
		status=none
}

# NAME MAKE-ARGS: link with the example's own Makefile, package, compare with objcopy.
toolchain() {
	if ! make -s -C "$TP" OUT="$T/$1" $2 >"$T/log" 2>&1; then
		not_ok "$1: the third-party example links"
		sed 's/^/    /' "$T/log"
		return
	fi
	first=$(arm-none-eabi-readelf -lW "$T/$1/tp.elf" | awk '$1 == "LOAD" { print $2, $3; exit }')
	if [ "$first" = "0x000000 0x00020000" ]; then
		ok "$1: default flags map the ELF headers into a load segment at the slot address"
	else
		not_ok "$1: the first load segment is not the ELF headers at the slot ($first)"
	fi
	manifest "$1" "$T/$1/tp.elf"
	expect_exit 0 "$1: fwpack build takes the ELF as linked" "$FWPACK" build -q -o "$T/out" "$T/$1.json"
	"$OBJCOPY" -O binary "$T/$1/tp.elf" "$T/$1/objcopy.bin"
	payload "$T/out/$1.bin" "$T/$1/payload.bin"
	expect_same "$T/$1/payload.bin" "$T/$1/objcopy.bin" "$1: the payload equals objcopy -O binary"
	[ "$(field "$T/out/$1.bin" vector_addr)" = 0x00020200 ] &&
		ok "$1: the vector table is where the ELF links it" ||
		not_ok "$1: vector_addr $(field "$T/out/$1.bin" vector_addr), expected 0x00020200"
}

toolchain gcc ""
if clang --version >/dev/null 2>&1 && command -v ld.lld >/dev/null; then
	toolchain lld "CC=clang LLD=1"
else
	not_ok "clang and ld.lld are installed (scripts/install-deps)"
fi

# Linked at the slot address itself: no room for the header. The error says where to link.
sed 's/ORIGIN = 0x00020200, LENGTH = 0xDFE00/ORIGIN = 0x00020000, LENGTH = 0xE0000/' \
	"$TP/mps2_an386.ld" >"$T/at-slot.ld"
arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb -Os -fno-tree-loop-distribute-patterns -nostdlib \
	-T "$T/at-slot.ld" -o "$T/at-slot.elf" "$TP/startup_mps2.c" "$TP/main.c"
manifest at-slot "$T/at-slot.elf"
expect_exit 65 "an ELF linked at the slot address is refused" "$FWPACK" build -q -o "$T/out" "$T/at-slot.json"
expect_output "link the firmware after the header, e.g. at 0x00020100" "with the address to link at"

# The Cookbook's layout: a placeholder header at the slot, the vector table at ALIGN(128).
cat >"$T/cb.ld" <<'LD'
MEMORY { FLASH (rx) : ORIGIN = 0x00020000, LENGTH = 0xE0000
         RAM (rwx) : ORIGIN = 0x20000100, LENGTH = 0x3FFF00 }
ENTRY(Reset_Handler)
SECTIONS {
	.image_hdr : { KEEP(*(.image_hdr)) . = ALIGN(128); } > FLASH
	.isr_vector : { KEEP(*(.isr_vector)) } > FLASH
	.text : { *(.text*) *(.rodata*) . = ALIGN(4); } > FLASH
	__etext = .;
	.data : AT (__etext) { __data_start__ = .; *(.data*) . = ALIGN(4); __data_end__ = .; } > RAM
	.bss (NOLOAD) : { __bss_start__ = .; *(.bss*) . = ALIGN(4); __bss_end__ = .; } > RAM
	__StackTop = ORIGIN(RAM) + LENGTH(RAM);
}
LD
printf '__attribute__((section(".image_hdr"), used)) const unsigned char image_hdr[32] = {0xFE, 0xCA};\n' \
	>"$T/cb_hdr.c"
arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb -Os -fno-tree-loop-distribute-patterns -nostdlib \
	-T "$T/cb.ld" -o "$T/cb.elf" "$TP/startup_mps2.c" "$TP/main.c" "$T/cb_hdr.c"
"$OBJCOPY" -O binary "$T/cb.elf" "$T/cb-raw.bin"
for fmt in cookbook-v1 cookbook-v2; do
	key=", \"format\": \"$fmt\""
	[ $fmt = cookbook-v2 ] && { "$FWPACK" keygen --curve secp256k1 "$T/k1.pem" >/dev/null; key="$key, \"key\": \"$T/k1.pem\""; }
	manifest cb-elf "$T/cb.elf" "$key"
	"$FWPACK" build -q -o "$T/out" "$T/cb-elf.json" 2>"$T/log"
	[ "$(field "$T/out/cb-elf.bin" vector_addr)" = 0x00020080 ] &&
		ok "$fmt from an ELF: vector_addr is where the ELF links the table (slot + 0x80)" ||
		not_ok "$fmt from an ELF: vector_addr $(field "$T/out/cb-elf.bin" vector_addr), expected 0x00020080"
	manifest cb-raw "$T/cb-raw.bin" "$key, \"load_address\": \"0x00020000\""
	"$FWPACK" build -q -o "$T/out" "$T/cb-raw.json" 2>"$T/log"
	[ "$(field "$T/out/cb-raw.bin" vector_addr)" = 0x00020080 ] &&
		ok "$fmt from a raw input: vector_addr follows the Cookbook's layout (slot + 0x80)" ||
		not_ok "$fmt from a raw input: vector_addr $(field "$T/out/cb-raw.bin" vector_addr), expected 0x00020080"
done
finish

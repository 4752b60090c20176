#!/bin/sh
# The stm32f4 port (Nucleo-F429ZI) builds with the project's warnings, its
# programs fit their slots, its images verify with their keys, its vector
# tables sit where VTOR can take them, and nothing pulls in a heap. (No
# board here: running it is for the bring-up, see device/ports/stm32f4.)
. "$top_srcdir/tests/lib.sh"

D=$top_builddir/device-build/stm32f4
make -s -C "$top_srcdir/device" PORT=stm32f4 OUT="$D" FWPACK="$FWPACK" \
	BEARSSL_DIR="${BEARSSL_DIR:-$top_builddir/third_party/bearssl}" >"$T/make.log" 2>&1 ||
	{ cat "$T/make.log"; not_ok "stm32f4 build"; finish; exit 1; }
ok "stm32f4 build"

flash_of() { arm-none-eabi-size "$1" | awk 'NR == 2 { print $1 + $2 }'; }
fits() { # ELF LIMIT WHAT
	n=$(flash_of "$1")
	if [ "$n" -le "$2" ]; then ok "$3: $n bytes of $2"; else not_ok "$3: $n bytes, over $2"; fi
}
fits "$D/bootloader.elf" 16384 "the bootloader fits sector 0"
fits "$D/loader.elf" $((112 * 1024 - 512 - 256)) "the loader fits its slot"
fits "$D/updater.elf" $((896 * 1024 - 512 - 256)) "the updater fits the application slot"

for i in loader app updater; do
	expect_exit 0 "$i.bin verifies with the dev key" "$FWPACK" verify --key "$D/keys/dev.pub.pem" "$D/$i.bin"
done
for i in loader2 app-next; do
	expect_exit 0 "$i.bin verifies with the next key" "$FWPACK" verify --key "$D/keys/next.pub.pem" "$D/$i.bin"
done
expect_exit 1 "an image does not verify with the other key" \
	"$FWPACK" verify --key "$D/keys/next.pub.pem" "$D/app.bin"

"$FWPACK" inspect "$D/loader.bin" >"$T/log" 2>&1
expect_output "vector_addr         0x08004200" "the loader's vector table at its slot + 0x200 (512-byte VTOR alignment)"
"$FWPACK" inspect "$D/app.bin" >"$T/log" 2>&1
expect_output "vector_addr         0x08020200" "the application's vector table at its slot + 0x200"
for p in bootloader loader app updater; do
	if arm-none-eabi-nm "$D/$p.elf" | grep -qw -e malloc -e _sbrk -e free; then
		not_ok "$p: no heap"
	else
		ok "$p: no heap"
	fi
done
finish

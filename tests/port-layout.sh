#!/bin/sh
# One layout per port, three descriptions kept together: the port's C slot
# table (device/ports/PORT/layout.c, printed by tests/tools/portlayout-PORT),
# its linker scripts (bootloader.ld, loader.ld, app.ld: where each program
# is linked) and its manifest (examples/manifests/device-PORT.json), plus
# the F429 manifest (factory-f429.json: the stm32f4 port's slots, and the
# posix port's layout moved to the F429's flash). The built ELFs' vector
# tables sit where the linker scripts say (the images qemu-boot.sh and device-ports.sh build).
. "$top_srcdir/tests/lib.sh"
M=$top_srcdir/examples/manifests

# "16K", "1M", "0x4000", "4096" -> a number.
num() {
	case $1 in
	*K) echo $(( ${1%K} * 1024 )) ;;
	*M) echo $(( ${1%M} * 1048576 )) ;;
	*) echo $(( $1 )) ;;
	esac
}

# A manifest's slots as "NAME START END" lines (END exclusive), in decimal.
manifest_slots() {
	jq -r '.slots[] | "\(.name) \(.address) \(.size)"' "$1" | while read -r n a s; do
		a=$(num "$a"); echo "$n $a $((a + $(num "$s")))"; done
}

# A port's C table the same way; the counter sector on its own.
table_slots() {
	"$top_builddir/tests/tools/portlayout-$1" | while read -r n a s; do
		echo "$n $((a)) $((a + s))"; done
}

# A linker script's FLASH region: "START END".
ld_flash() {
	sed -n 's/.*FLASH (rx) : ORIGIN = \([^,]*\), LENGTH = \([^ }]*\).*/\1 \2/p' "$1" | {
		read -r o l; o=$(num "$o"); echo "$o $((o + $(num "$l")))"; }
}

# The VTOR alignment of a vector table of N bytes: the next power of two.
vt_align() { a=1; while [ "$a" -lt "$1" ]; do a=$((a * 2)); done; echo "$a"; }

for port in posix qemu-mps2 stm32f4; do
	table_slots "$port" >"$T/$port.table"
	grep -v '^counter ' "$T/$port.table" >"$T/$port.c"
	manifest_slots "$M/device-$port.json" >"$T/$port.m"
	if cmp -s "$T/$port.c" "$T/$port.m"; then
		ok "$port: layout.c and device-$port.json have the same slots"
	else
		not_ok "$port: layout.c and device-$port.json disagree"
		diff "$T/$port.c" "$T/$port.m" | sed 's/^/    /'
	fi
	# The security counter's sector: no slot may reach into it.
	read -r _ cs ce <<-END
	$(grep '^counter ' "$T/$port.table")
	END
	clash=$(awk -v s="$cs" -v e="$ce" '$2 < e && s < $3 { print $1 }' "$T/$port.c")
	[ -z "$clash" ] && ok "$port: the counter sector lies outside every slot" ||
		not_ok "$port: the counter sector overlaps slot $clash"
done

# The linker scripts: the Bootloader fills its slot from its start; the
# Loader and the Application start after a header room that keeps their
# vector table VTOR-aligned (vector_table_size in the manifest), and end
# with their slot.
for port in qemu-mps2 stm32f4; do
	vts=$(jq -r '[.images[] | select(.vector_table_size) | .vector_table_size] | max' \
		"$M/device-$port.json")
	align=$(vt_align "$vts")
	for prog in bootloader:bootloader loader:loader app:app; do
		ld=${prog%%:*} slot=${prog#*:}
		read -r ls le <<-END
		$(ld_flash "$top_srcdir/device/ports/$port/$ld.ld")
		END
		read -r _ ss se <<-END
		$(grep "^$slot " "$T/$port.c")
		END
		if [ "$ld" = bootloader ]; then
			[ "$ls" -eq "$ss" ] && [ "$le" -eq "$se" ] &&
				ok "$port: bootloader.ld is the bootloader slot" ||
				not_ok "$port: bootloader.ld $(printf '0x%x-0x%x' "$ls" "$le") is not the slot $(printf '0x%x-0x%x' "$ss" "$se")"
			continue
		fi
		room=$((ls - ss))
		[ "$room" -gt 0 ] && [ $((room % align)) -eq 0 ] && [ "$le" -eq "$se" ] &&
			ok "$port: $ld.ld is the $slot slot after a header room of $(printf 0x%x "$room") (VTOR alignment $align)" ||
			not_ok "$port: $ld.ld $(printf '0x%x-0x%x' "$ls" "$le") does not fit the $slot slot $(printf '0x%x-0x%x' "$ss" "$se") with a $align-aligned header room"
		echo "$ld $ls" >>"$T/$port.ld"
	done
	echo "bootloader $(ld_flash "$top_srcdir/device/ports/$port/bootloader.ld" | cut -d' ' -f1)" >>"$T/$port.ld"
	# The programs as built: each vector table where its linker script starts.
	D=$top_builddir/device-build/$port
	for prog in bootloader loader app; do
		if [ ! -f "$D/$prog.elf" ]; then
			skip "$port: $prog.elf not built (tests/qemu-boot.sh, tests/device-ports.sh build it)"
			continue
		fi
		vt=$(arm-none-eabi-nm "$D/$prog.elf" | awk '$3 == "vector_table" { print $1 }')
		want=$(awk -v p="$prog" '$1 == p { print $2 }' "$T/$port.ld")
		[ -n "$vt" ] && [ $((0x$vt)) -eq "$want" ] &&
			ok "$port: $prog.elf's vector table at its linker script's start" ||
			not_ok "$port: $prog.elf's vector table at 0x${vt:-?}, its linker script starts at $(printf 0x%x "$want")"
	done
done

# The F429 manifest: factory-f429.json is the stm32f4 port's slots (the
# provisioning slot included), and the posix port's layout is the same,
# moved to the F429's flash (so the station's emulated boards are F429s).
manifest_slots "$M/factory-f429.json" >"$T/factory"
if cmp -s "$T/factory" "$T/stm32f4.c"; then ok "factory-f429.json has the stm32f4 port's slots"; else
	not_ok "factory-f429.json and the stm32f4 port's layout.c disagree"; diff "$T/stm32f4.c" "$T/factory" | sed 's/^/    /'; fi
base=$(awk '$1 == "bootloader" { print $2 }' "$T/factory")
awk -v b="$base" '{ print $1, $2 - b, $3 - b }' "$T/factory" >"$T/factory.rel"
if cmp -s "$T/factory.rel" "$T/posix.c"; then ok "factory-f429.json's slots are the posix port's, moved to the F429's flash"; else
	not_ok "factory-f429.json and the posix port's layout.c disagree"; diff "$T/posix.c" "$T/factory.rel" | sed 's/^/    /'; fi
# Every port with a provisioning slot: its last 128K, after the Application's.
for port in posix qemu-mps2 stm32f4; do
	read -r _ ps pe <<-END
	$(grep '^provisioning ' "$T/$port.c")
	END
	read -r _ as ae <<-END
	$(grep '^app ' "$T/$port.c")
	END
	[ -n "$ps" ] && [ "$ae" -eq "$ps" ] && [ $((pe - ps)) -eq 131072 ] &&
		ok "$port: the provisioning slot is the 128K after the Application slot" ||
		not_ok "$port: no 128K provisioning slot right after the Application slot (app ${as:-?}-${ae:-?}, provisioning ${ps:-?}-${pe:-?})"
done
finish

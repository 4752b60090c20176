#!/bin/sh
# fwpack layout: the example manifests' maps as checked in (tests/layout/),
# the built images in their slots with the VTOR their headers carry, the
# SVG valid XML with every slot in it, and the documented exit codes.
. "$top_srcdir/tests/lib.sh"
M=$top_srcdir/examples/manifests
for m in factory-f429 single-app qspi-f746; do
	"$FWPACK" layout "$M/$m.json" >"$T/$m.txt" 2>&1
	if cmp -s "$T/$m.txt" "$top_srcdir/tests/layout/$m.txt"; then ok "layout of $m.json as checked in"; else
		not_ok "layout of $m.json differs from tests/layout/$m.txt"; diff "$top_srcdir/tests/layout/$m.txt" "$T/$m.txt" | sed 's/^/    /'; fi
done

# With the images fwpack build made: each one's size and VTOR, as inspect reads them.
cp "$top_builddir/examples/manifests/factory-f429.json" "$T/f429.json" # its inputs, built
sed -i "s#\"\\.\\./#\"$top_builddir/examples/#g" "$T/f429.json"
expect_exit 0 "fwpack build of the F429 factory manifest" "$FWPACK" build -q -o "$T/out" "$T/f429.json"
expect_exit 0 "fwpack layout --images DIR --svg FILE" "$FWPACK" layout -i "$T/out" --svg "$T/map.svg" "$T/f429.json"
cp "$T/log" "$T/map.txt"
for img in loader app; do
	vtor=$("$FWPACK" inspect --json "$T/out/$img.bin" | sed -n 's/.*"vector_addr":\([0-9]*\).*/\1/p')
	vtor=$(printf '0x%08x' "${vtor:-0}")
	if [ -n "$vtor" ] && grep -q "header 0x200, VTOR $vtor" "$T/map.txt"; then ok "$img: the map shows VTOR $vtor from its header"; else
		not_ok "$img: VTOR '$vtor' not in the map"; sed 's/^/    /' "$T/map.txt"; fi
done
grep -q "raw format" "$T/map.txt" && ok "the raw bootloader image is shown with its size and format" || not_ok "no raw bootloader in the map"
grep -q "% used, .* free" "$T/map.txt" && ok "used and free space per slot" || not_ok "no free space shown"
if xmllint --noout "$T/map.svg" 2>"$T/log"; then ok "the SVG is well-formed XML"; else not_ok "the SVG is not XML"; sed 's/^/    /' "$T/log"; fi
for s in bootloader loader app; do
	grep -q "<g class=\"slot\">" "$T/map.svg" && grep -q ">$s [0-9]" "$T/map.svg" || not_ok "slot $s missing from the SVG"
done
ok "the SVG shows every slot"
rm -f "$T/out/app.bin"
"$FWPACK" layout -i "$T/out" "$T/f429.json" >"$T/log" 2>&1
expect_output "(not built)" "an image missing from DIR is shown as not built"
expect_output "app.bin" "...and named in a note"

expect_exit 64 "no manifest: exit 64" "$FWPACK" layout
expect_exit 64 "two manifests: exit 64" "$FWPACK" layout "$M/single-app.json" "$M/single-app.json"
printf '{ "manifest_version": 1, "regions": [ }' >"$T/bad.json"
expect_exit 65 "a malformed manifest: exit 65" "$FWPACK" layout "$T/bad.json"
expect_output "bad.json:1:" "...with file:line:col"
expect_exit 66 "a missing manifest: exit 66" "$FWPACK" layout "$T/none.json"
expect_exit 74 "an SVG that cannot be written: exit 74" "$FWPACK" layout --svg "$T/no/dir/m.svg" "$M/single-app.json"
# Outputs are renamed into place: a path that is not a regular file (a
# FIFO here; /dev/null for a careless script) is refused, never replaced.
mkfifo "$T/fifo"
expect_exit 74 "an SVG path that is a FIFO: exit 74" "$FWPACK" layout --svg "$T/fifo" "$M/single-app.json"
expect_output "not a regular file" "...saying why"
if [ -p "$T/fifo" ]; then ok "...and the FIFO is still a FIFO"; else not_ok "the FIFO was replaced"; fi
finish

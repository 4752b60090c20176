#!/bin/sh
# --help and the man pages come from two places; they must list the same
# options (what dfu-util's --wait shows happens otherwise).
. "$top_srcdir/tests/lib.sh"
for c in build inspect verify keygen flash list run history; do
	"$FWPACK" "$c" --help | grep -o -- '--[a-z][a-z-]*' | sort -u >"$T/help"
	sed -n '/^\.SH OPTIONS/,/^\.SH [^O]/p' "$top_srcdir/man/fwpack-$c.1" |
		grep -o -- '\\-\\-[a-z][a-z\\-]*' | sed 's/\\//g' | sort -u >"$T/man"
	if cmp -s "$T/help" "$T/man"; then
		ok "fwpack $c: --help and man page list the same options"
	else
		not_ok "fwpack $c: --help and man/fwpack-$c.1 differ"
		diff "$T/help" "$T/man" | sed 's/^/    /'
	fi
	if grep -q "fwpack-$c" "$top_srcdir/man/fwpack.1"; then ok "fwpack.1 refers to fwpack-$c"; else not_ok "fwpack.1 lacks fwpack-$c"; fi
done
finish

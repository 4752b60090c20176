#!/bin/sh
# The wire tables in include/fwpack/ (printed by tests/wire-tables) and
# the tables of docs/serial-protocol.md and docs/usb-dfu.md must agree
# row by row: a new status code, or a renamed one, needs its line in both.
. "$top_srcdir/tests/lib.sh"
tables=$top_builddir/tests/wire-tables

# The rows "| value | name |" of each table in a document, as "table value name"
# lines. A table is named by its header's first cell (see the awk below).
doc_rows() {
	awk -F'|' '
		function trim(s) { gsub(/^[ \t`]+|[ \t`]+$/, "", s); return s }
		/^## / { section = $0 }
		/^\|/ {
			a = trim($2); b = trim($3)
			if (a == "code" && section ~ /Status codes/) { table = "serial-status"; next }
			if (a == "detail" && b == "verdict") { table = "verdict"; next }
			if (a == "bRequest") { table = "dfu-request"; next }
			if (a == "bState") { table = "dfu-state"; next }
			if (a == "bStatus" && b == "status") { table = "dfu-status"; next }
			if (a == "command byte") { table = "dfuse-command"; next }
			if (table != "" && a !~ /^-+$/) print table, a, b
			next
		}
		{ table = "" }' "$@"
}

compare() { # label, documents...
	label=$1
	shift
	"$tables" >"$T/code" || { not_ok "wire-tables failed"; return; }
	doc_rows "$@" >"$T/doc"
	if cmp -s "$T/code" "$T/doc"; then
		ok "$label"
	else
		not_ok "$label"
		diff "$T/code" "$T/doc" | sed 's/^/    /'
	fi
}

docs="$top_srcdir/docs/serial-protocol.md $top_srcdir/docs/usb-dfu.md"
n=$("$tables" | wc -l)
expect_exit 0 "the header's tables have rows ($n)" test "$n" -gt 40
compare "serial status codes, image verdicts, DFU requests, states and status codes, DfuSe commands: the headers and the docs agree" $docs

# The comparison notices a difference: a doc with one name changed fails it.
sed 's/^| 11 | ROLLBACK |/| 11 | ROLL_BACK |/' "$top_srcdir/docs/serial-protocol.md" >"$T/serial.md"
sed 's/^| 5 | errCHECK_ERASED |/| 5 | errCHECKERASED |/' "$top_srcdir/docs/usb-dfu.md" >"$T/dfu.md"
for changed in "$T/serial.md $top_srcdir/docs/usb-dfu.md" "$top_srcdir/docs/serial-protocol.md $T/dfu.md"; do
	"$tables" >"$T/code"
	doc_rows $changed >"$T/doc"
	if cmp -s "$T/code" "$T/doc"; then not_ok "a changed name in $changed went unnoticed"
	else ok "a changed name is a difference ($(diff "$T/code" "$T/doc" | grep -c '^>') row)"; fi
done
finish

# Shared by the shell tests: counters, assertions and a temp dir.
# Each test script ends with `finish`, which prints "N passed, N failed".
set -u
: "${top_srcdir:?run through make check}" "${top_builddir:?run through make check}"
FWPACK=$top_builddir/fwpack
passed=0
failed=0
skipped=0
T=$(mktemp -d /tmp/fwpack-sh-XXXXXX)
trap 'rm -rf "$T"' EXIT

ok() { passed=$((passed + 1)); echo "ok - $1"; }
# A check that could not run is no pass: counted apart, and a script with
# one ends as SKIP (exit 77) for automake, never as PASS.
skip() { skipped=$((skipped + 1)); echo "ok - # SKIP $1"; }
not_ok() { failed=$((failed + 1)); echo "not ok - $1"; }

# expect_exit CODE DESCRIPTION COMMAND...: run, keep stdout+stderr in $T/out
expect_exit() {
	want=$1 desc=$2
	shift 2
	"$@" >"$T/log" 2>&1
	got=$?
	if [ "$got" -eq "$want" ]; then
		ok "$desc"
	else
		not_ok "$desc (exit $got, expected $want)"
		sed 's/^/    /' "$T/log"
	fi
}

# expect_output TEXT DESCRIPTION: the last command's output contains TEXT
expect_output() {
	if grep -qF -- "$1" "$T/log"; then
		ok "$2"
	else
		not_ok "$2 (no \"$1\" in output)"
		sed 's/^/    /' "$T/log"
	fi
}

expect_same() {
	if cmp -s "$1" "$2"; then ok "$3"; else not_ok "$3 ($1 and $2 differ)"; fi
}

# flip_byte FILE OFFSET: invert every bit of one byte in place. Writing a
# fixed value would change nothing where the byte already holds it (a
# signature byte is 0x00 one build in 256).
flip_byte() {
	b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
	printf "\\$(printf '%03o' $((b ^ 255)))" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}

finish() {
	echo "$passed passed, $failed failed, $skipped skipped"
	[ "$failed" -eq 0 ] || return 1
	[ "$skipped" -eq 0 ] || return 77
}

#!/bin/sh
# Replay each fuzz target's seed corpus (with truncations and mutations, see
# tests/fuzz/driver.c) under the sanitizers of the build.
. "$top_srcdir/tests/lib.sh"
for t in elf manifest image serial info usb dfufile dfuse_layout modem recipe csv; do
	expect_exit 0 "fuzz_$t replays its corpus" \
		"$top_builddir/tests/fuzz/fuzz_$t" "$top_srcdir/tests/fuzz/corpus/$t"
done
finish

#!/bin/sh
# fwpack as the post-build step of the user's own build system: the example
# firmware built by CMake (cmake/FwpackImage.cmake) and by a plain Makefile
# (examples/make) comes out as a signed image that fwpack verify accepts,
# and a broken manifest fails the build instead of passing unnoticed.
. "$top_srcdir/tests/lib.sh"
if ! command -v cmake >/dev/null 2>&1; then
	not_ok "cmake not installed (scripts/install-deps installs it)"
	finish; exit
fi
cm=$T/cmake
expect_exit 0 "cmake configures the example with the arm-none-eabi toolchain file" \
	cmake -S "$top_srcdir/examples/cmake" -B "$cm" \
	-DCMAKE_TOOLCHAIN_FILE="$top_srcdir/examples/cmake/arm-none-eabi.cmake" -DFWPACK_EXECUTABLE="$FWPACK"
expect_exit 0 "cmake --build links app.elf and runs fwpack build after it" cmake --build "$cm"
expect_output "fwpack build: postbuild-f411.json" "the post-build step ran"
expect_exit 0 "the CMake build's image verifies with its key" \
	"$FWPACK" verify --key "$cm/dev.pem" "$cm/images/app.bin"
expect_exit 0 "...and has a HEX file" test -s "$cm/images/app.hex"

mk=$T/make
expect_exit 0 "make -C examples/make builds app.elf and the signed image" \
	make -C "$top_srcdir/examples/make" OUT="$mk" FWPACK="$FWPACK"
expect_exit 0 "the Makefile build's image verifies with its key" \
	"$FWPACK" verify --key "$mk/dev.pem" "$mk/images/app.bin"
# A manifest error fails the build that runs it.
sed 's/"version": "1.0.0"/"version": "one"/' "$top_srcdir/examples/manifests/postbuild-f411.json" >"$T/bad.json"
rm -rf "$mk/images"
expect_exit 2 "make fails when fwpack build fails (bad version in the manifest)" \
	make -C "$top_srcdir/examples/make" OUT="$mk" FWPACK="$FWPACK" MANIFEST="$T/bad.json"
expect_exit 1 "...and no image is left behind" test -e "$mk/images/app.bin"
finish

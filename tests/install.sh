#!/bin/sh
# make install puts everything a user and a device project need in place:
# the binary, the man pages, the public headers with their pkg-config file,
# shell completion and the udev rule; a device-side program builds against
# the installed headers through pkg-config alone.
. "$top_srcdir/tests/lib.sh"
root=$T/root
expect_exit 0 "make install DESTDIR=..." make -s -C "$top_builddir" install DESTDIR="$root"
prefix=$(sed -n 's/^prefix=//p' "$top_builddir/fwpack.pc")
p=$root$prefix
for f in bin/fwpack share/man/man1/fwpack.1 share/man/man1/fwpack-flash.1 \
	share/man/man5/fwpack-manifest.5 include/fwpack/image.h include/fwpack/protocol.h \
	include/fwpack/dfu.h include/fwpack/verdict.h \
	lib/pkgconfig/fwpack.pc share/bash-completion/completions/fwpack \
	share/zsh/site-functions/_fwpack lib/udev/rules.d/60-fwpack.rules \
	share/fwpack/cmake/FwpackImage.cmake; do
	if [ -f "$p/$f" ]; then ok "installed: $f"; else not_ok "not installed: $f"; fi
done
for m in "$top_srcdir"/man/*.[15]; do
	s=${m##*.}
	[ -f "$p/share/man/man$s/${m##*/}" ] || not_ok "man page ${m##*/} not installed"
done
ok "every man page in man/ is installed"

# The rule carries the Loader's VID:PID from device/apps/loader_usb.h.
vid=$(sed -n 's/^#define FWD_LOADER_USB_VID 0x\([0-9a-fA-F]*\)u.*/\1/p' "$top_srcdir/device/apps/loader_usb.h")
grep -q "ATTR{idVendor}==\"$vid\"" "$p/lib/udev/rules.d/60-fwpack.rules" &&
	grep -q 'ATTR{idVendor}=="0483", ATTR{idProduct}=="df11"' "$p/lib/udev/rules.d/60-fwpack.rules" &&
	! grep -q @ "$p/lib/udev/rules.d/60-fwpack.rules"
if [ $? -eq 0 ]; then ok "udev rule: the Loader ($vid) and ST's DfuSe bootloader"; else
	not_ok "udev rule content"; sed 's/^/    /' "$p/lib/udev/rules.d/60-fwpack.rules"; fi
if command -v udevadm >/dev/null 2>&1; then
	expect_exit 0 "udevadm verify accepts the rule" sh -c \
		"udevadm verify '$p/lib/udev/rules.d/60-fwpack.rules' 2>&1 || ! udevadm verify --help >/dev/null 2>&1"
fi

# A device project: one -I from pkg-config, the image header compiles.
cat >"$T/dev.c" <<'C'
#include <fwpack/image.h>
#include <fwpack/protocol.h>
#include <fwpack/dfu.h>
#include <fwpack/verdict.h>
_Static_assert(sizeof(struct fwp_image_header) == FWP_IMAGE_HDR_LEN, "header");
int main(void) { return 0; }
C
flags=$(PKG_CONFIG_SYSROOT_DIR=$root PKG_CONFIG_LIBDIR=$p/lib/pkgconfig pkg-config --cflags fwpack)
expect_exit 0 "pkg-config --cflags fwpack: $flags" test -n "$flags"
expect_exit 0 "a program builds against the installed headers with them" \
	${CC:-cc} -std=c11 -pedantic -Wall -Wextra -Werror $flags -o "$T/dev" "$T/dev.c"
"$p/bin/fwpack" --version >"$T/log" 2>&1
expect_output "fwpack " "the installed binary runs"

make -s -C "$top_builddir" uninstall DESTDIR="$root" >/dev/null 2>&1
left=$(find "$root" -type f | wc -l)
if [ "$left" -eq 0 ]; then ok "make uninstall removes every file"; else
	not_ok "make uninstall left $left files"; find "$root" -type f | sed 's/^/    /'; fi
finish

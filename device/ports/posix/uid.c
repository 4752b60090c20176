/*
 * The posix board's unique ID. A real board's comes from its chip; this
 * one's from where its flash lives: the absolute path of the flash file,
 * hashed to 96 bits like an STM32's UID. Eight boards on eight files get
 * eight IDs, a board keeps its ID across resets and restarts, and the USB
 * emulator's Loader model over the same file (tests/tools/usbemu_loader.c)
 * reports the same one.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "fwd_crc32.h"
#include "posix.h"

#define UID_LEN 12u

unsigned fwd_posix_uid(const char *flash_path, uint8_t out[FWP_UID_MAX])
{
	/* The file may not exist yet: resolve its folder, keep its name. */
	char dir[PATH_MAX], abs[2 * PATH_MAX + 2];
	const char *slash = strrchr(flash_path, '/');
	const char *base = slash ? slash + 1 : flash_path;
	size_t dlen = slash ? (size_t)(slash - flash_path) : 1;
	char parent[PATH_MAX];
	if (dlen >= sizeof(parent))
		return 0;
	memcpy(parent, slash ? flash_path : ".", dlen);
	parent[dlen] = 0;
	if (slash && dlen == 0)
		strcpy(parent, "/");
	if (!realpath(parent, dir))
		return 0;
	size_t n = strlen(dir), blen = strlen(base);
	memcpy(abs, dir, n);
	abs[n++] = '/';
	memcpy(abs + n, base, blen);
	n += blen;
	/* Three CRC-32s, each over a different prefix byte and the path. */
	for (unsigned i = 0; i < UID_LEN / 4; i++) {
		uint8_t salt = (uint8_t)('U' + i);
		uint32_t c = fwd_crc32(fwd_crc32(0, &salt, 1), abs, (uint32_t)n);
		for (unsigned k = 0; k < 4; k++)
			out[4 * i + k] = (uint8_t)(c >> (24 - 8 * k));
	}
	return UID_LEN;
}

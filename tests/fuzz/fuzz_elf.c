/*
 * Fuzz target: the ELF reader (firmware files from anywhere). Besides not
 * crashing or leaking, an accepted file must keep the promises build.c
 * relies on, so a broken promise aborts like a crash would.
 *
 * Seeds (tests/fuzz/corpus/elf/, each under 8 KiB) were made with the ARM
 * toolchain: two-region.elf (flash + QSPI + .data stored after the code,
 * build ID note), no-sections.elf (the same without section headers),
 * app_f411.elf (the stripped example), reloc-object.elf (ET_REL),
 * big-endian.elf, overlap.elf (load ranges linked over each other with
 * --no-check-sections), long-build-id.elf (a 65-byte GNU note written in
 * assembly), host-x86-64-object.elf (host gcc: 64-bit) and garbage.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "elfread.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_promises(const struct fwp_elf *elf)
{
	if (elf->nsegs == 0 || elf->build_id_len > sizeof(elf->build_id))
		abort();
	for (size_t i = 0; i < elf->nsegs; i++) {
		const struct fwp_segment *s = &elf->segs[i];
		if (s->size == 0 || (uint64_t)s->paddr + s->size > 0x100000000ull)
			abort();
		/* inside the reader's own copy */
		if (s->data < elf->image || s->size > elf->image_len ||
		    (size_t)(s->data - elf->image) > elf->image_len - s->size)
			abort();
		/* sorted by load address, not overlapping */
		if (i && (uint64_t)elf->segs[i - 1].paddr + elf->segs[i - 1].size > s->paddr)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fwp_elf elf;
	struct fwp_err err;
	int rc = fwp_elf_parse(data, size, "fuzz.elf", &elf, &err);
	if (rc == FWP_OK) {
		check_promises(&elf);
		fwp_elf_free(&elf);
	} else if (strncmp(err.msg, "fuzz.elf: ", 10) != 0 && rc != FWP_ERR_NOMEM) {
		abort(); /* every rejection names the input */
	}
	return 0;
}

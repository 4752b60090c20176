/*
 * Reading firmware ELF files through libelf (elfutils): the PT_LOAD
 * segments by physical (load) address, the entry point and the GNU build
 * ID. The region mapping is done by the caller (build.c).
 */
#ifndef FWP_ELFREAD_H
#define FWP_ELFREAD_H

#include <stddef.h>
#include <stdint.h>

#include "fwpack/error.h"

struct fwp_segment {
	uint32_t paddr;      /* load (physical) address: where the bytes go in flash */
	uint32_t vaddr;      /* run address */
	uint32_t size;       /* bytes taken from the file (bss is not loaded) */
	const uint8_t *data; /* size bytes, owned by the fwp_elf */
};

struct fwp_elf {
	/*
	 * PT_LOAD segments with file bytes, sorted by paddr, each trimmed to the
	 * sections inside it (what objcopy -O binary writes): the ELF and
	 * program headers a linker maps into the first segment are dropped.
	 */
	struct fwp_segment *segs;
	size_t nsegs;
	uint32_t entry;
	uint32_t vector_addr; /* load address of the vector table (its symbol or section), if found */
	int has_vector_addr;
	uint8_t build_id[64];
	size_t build_id_len; /* 0 when the ELF has no NT_GNU_BUILD_ID note */
	uint8_t *image;      /* owned copy of the file the segments point into */
	size_t image_len;
};

/*
 * Parse an ELF held in memory (the bytes are copied). name is used in
 * messages ("<name>: not an ELF file"). Rejects: not ELF, not 32-bit
 * little-endian, machine other than EM_ARM, not an executable, a segment
 * whose file range lies outside the file, a segment whose address range
 * wraps past 4 GiB, and segments whose load ranges overlap.
 */
int fwp_elf_parse(const uint8_t *data, size_t len, const char *name, struct fwp_elf *out,
		  struct fwp_err *err);

/* Read and parse an ELF file. */
int fwp_elf_load(const char *path, struct fwp_elf *out, struct fwp_err *err);

void fwp_elf_free(struct fwp_elf *elf);

/* Non-zero if data starts with the ELF magic. */
int fwp_is_elf(const uint8_t *data, size_t len);

#endif /* FWP_ELFREAD_H */

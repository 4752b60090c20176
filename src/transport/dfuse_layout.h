/*
 * The DfuSe memory layout an alternate setting's string describes
 * (ST AN3156 / UM0424), e.g.
 *   "@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg"
 * a name, then for each address a list of COUNT*SIZE[unit]ATTR groups:
 * unit ' ', 'K' or 'M'; ATTR a letter 'a'..'g' whose value minus 'a' plus
 * one is a mask of readable (1), erasable (2) and writable (4). The string
 * comes from the device, so the parser refuses anything else with the
 * column where it stopped.
 */
#ifndef FWP_DFUSE_LAYOUT_H
#define FWP_DFUSE_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#include "fwpack/error.h"

#define FWP_DFUSE_READABLE 1
#define FWP_DFUSE_ERASABLE 2
#define FWP_DFUSE_WRITABLE 4
#define FWP_DFUSE_MAX_REGIONS 64

/* count sectors of sector_size bytes each from start. */
struct fwp_dfuse_region {
	uint32_t start, count, sector_size;
	uint8_t attrs;
};

struct fwp_dfuse_layout {
	char name[64];
	unsigned nregions;
	struct fwp_dfuse_region regions[FWP_DFUSE_MAX_REGIONS];
};

int fwp_dfuse_layout_parse(const char *s, size_t len, struct fwp_dfuse_layout *out,
			   struct fwp_err *err);

/*
 * The sector holding addr: its start and size and attributes. FWP_ERR_RANGE
 * when no region covers addr.
 */
int fwp_dfuse_sector_at(const struct fwp_dfuse_layout *l, uint32_t addr, uint32_t *start,
			uint32_t *size, uint8_t *attrs);

#endif /* FWP_DFUSE_LAYOUT_H */

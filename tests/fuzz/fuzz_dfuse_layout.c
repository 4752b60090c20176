/* Fuzz target: the DfuSe memory layout parser (strings from the device). */
#include <stdint.h>
#include <stdlib.h>

#include "dfuse_layout.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fwp_dfuse_layout l;
	struct fwp_err err;
	if (fwp_dfuse_layout_parse((const char *)data, size, &l, &err) == FWP_OK) {
		uint32_t start, sz;
		uint8_t attrs;
		for (unsigned i = 0; i < l.nregions; i++)
			fwp_dfuse_sector_at(&l, l.regions[i].start, &start, &sz, &attrs);
	}
	return 0;
}

/* Fuzz target: the .dfu file parser (DFU suffix and DfuSe container, files from anywhere). */
#include <stdint.h>
#include <stdlib.h>

#include "dfufile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fwp_dfu_file f;
	struct fwp_err err;
	if (fwp_dfu_file_parse(data, size, &f, &err) == FWP_OK) {
		/* Touch every element's bytes: the sanitizers see an out-of-bounds pointer. */
		volatile uint8_t sink = 0;
		for (size_t i = 0; i < f.nelements; i++)
			if (f.elements[i].size)
				sink ^= f.elements[i].data[0] ^ f.elements[i].data[f.elements[i].size - 1];
		(void)sink;
	}
	fwp_dfu_file_free(&f);
	return 0;
}

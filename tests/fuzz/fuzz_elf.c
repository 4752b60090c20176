/* Fuzz target: the ELF reader (firmware files from anywhere). */
#include <stdint.h>
#include <stdlib.h>

#include "elfread.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fwp_elf elf;
	struct fwp_err err;
	if (fwp_elf_parse(data, size, "fuzz.elf", &elf, &err) == FWP_OK)
		fwp_elf_free(&elf);
	return 0;
}

/* Fuzz target: the host's reading of a device's INFO (what any device on a port may send). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "flasher.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fwp_device_info d;
	struct fwp_err err;
	if (size > 4096)
		return 0;
	if (fwp_device_info_parse("fuzz", data, (uint32_t)size, &d, &err) == FWP_OK) {
		/* What the rest of the flasher relies on. */
		if (d.nslots > FWP_MAX_DEVICE_SLOTS || strlen(d.board) >= sizeof(d.board) ||
		    d.max_packet < 16)
			abort();
		for (unsigned i = 0; i < d.nslots; i++)
			if (d.slots[i].addr + (uint64_t)d.slots[i].size > 0x100000000ull)
				abort();
		for (const char *c = d.board; *c; c++)
			if (*c < 0x20 || *c == 0x7F)
				abort();
		/* The unique ID: lower-case hex, whole bytes, or nothing. */
		size_t ul = strlen(d.uid);
		if (ul >= sizeof(d.uid) || ul % 2)
			abort();
		for (const char *c = d.uid; *c; c++)
			if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f')))
				abort();
	}
	return 0;
}

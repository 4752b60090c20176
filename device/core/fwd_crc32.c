/* CRC-32 for the device programs and the framing both sides share. */
#include "fwd_crc32.h"

/*
 * Bitwise CRC-32 (reflected, polynomial 0xEDB88320, as zlib). The host
 * uses zlib's crc32() for files; the device has no zlib in the Bootloader,
 * and a table would cost 1 KiB of flash there for a check that runs once a
 * boot.
 */
uint32_t fwd_crc32(uint32_t crc, const void *data, uint32_t len)
{
	const uint8_t *p = data;
	crc = ~crc;
	while (len--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
	}
	return ~crc;
}

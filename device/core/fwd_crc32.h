/* CRC-32 (IEEE 802.3, as zlib's crc32()), with no dependency: the host links it too. */
#ifndef FWD_CRC32_H
#define FWD_CRC32_H

#include <stdint.h>

/* CRC-32 continued from crc (0 to start). */
uint32_t fwd_crc32(uint32_t crc, const void *data, uint32_t len);

#endif /* FWD_CRC32_H */

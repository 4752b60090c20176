/*
 * Intel HEX and Motorola S-record writers. Both take a list of chunks
 * (address + bytes), sorted by address and not overlapping, and append the
 * text to a buffer.
 */
#ifndef FWP_HEXFILE_H
#define FWP_HEXFILE_H

#include <stddef.h>
#include <stdint.h>

#include "fwpack/error.h"
#include "util.h"

struct fwp_chunk {
	uint32_t addr;
	const uint8_t *data;
	size_t len;
};

/*
 * Intel HEX: 16 data bytes per record (type 00), type 04 extended linear
 * address records whenever the upper 16 bits change (records never cross a
 * 64 KiB boundary), type 05 start linear address when has_start, type 01
 * end of file. CRLF line endings are not used: "\n" only.
 */
int fwp_ihex_write(const struct fwp_chunk *chunks, size_t n, int has_start, uint32_t start,
		   struct fwp_buf *out, struct fwp_err *err);

/*
 * Motorola S-record: an S0 header record carrying header (may be NULL),
 * data records of 16 bytes using the smallest address width that fits the
 * highest address (S1 16-bit, S2 24-bit, S3 32-bit), an S5 (or S6 above
 * 65535 records) count record, and the matching termination record
 * (S9/S8/S7) with start address start (0 when unknown).
 */
int fwp_srec_write(const struct fwp_chunk *chunks, size_t n, const char *header, uint32_t start,
		   struct fwp_buf *out, struct fwp_err *err);

#endif /* FWP_HEXFILE_H */

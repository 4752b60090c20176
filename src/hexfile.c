/* Intel HEX and Motorola S-record writers. */
#include <string.h>

#include "hexfile.h"

#define RECORD_BYTES 16

static int check_chunks(const struct fwp_chunk *c, size_t n, struct fwp_err *err)
{
	uint64_t prev_end = 0;
	for (size_t i = 0; i < n; i++) {
		uint64_t end = (uint64_t)c[i].addr + c[i].len;
		if (end > 0x100000000ull)
			return fwp_fail(err, FWP_ERR_RANGE,
					"chunk at 0x%08x of %zu bytes runs past 4 GiB", c[i].addr,
					c[i].len);
		if (c[i].len && c[i].addr < prev_end)
			return fwp_fail(err, FWP_ERR_ARG,
					"chunk at 0x%08x overlaps or precedes the one before it",
					c[i].addr);
		if (c[i].len)
			prev_end = end;
	}
	return FWP_OK;
}

/* ":LLAAAATT<data>CC" with CC the two's complement of the byte sum. */
static int ihex_record(struct fwp_buf *out, uint8_t type, uint16_t addr, const uint8_t *d,
		       size_t n, struct fwp_err *err)
{
	unsigned sum = (unsigned)n + (addr >> 8) + (addr & 0xFF) + type;
	int rc = fwp_buf_printf(out, err, ":%02X%04X%02X", (unsigned)n, addr, type);
	for (size_t i = 0; rc == FWP_OK && i < n; i++) {
		sum += d[i];
		rc = fwp_buf_printf(out, err, "%02X", d[i]);
	}
	if (rc == FWP_OK)
		rc = fwp_buf_printf(out, err, "%02X\n", (unsigned)(-sum & 0xFF));
	return rc;
}

int fwp_ihex_write(const struct fwp_chunk *chunks, size_t n, int has_start, uint32_t start,
		   struct fwp_buf *out, struct fwp_err *err)
{
	int rc = check_chunks(chunks, n, err);
	long upper = -1; /* upper 16 address bits of the last 04 record */
	for (size_t i = 0; rc == FWP_OK && i < n; i++) {
		uint64_t addr = chunks[i].addr;
		const uint8_t *d = chunks[i].data;
		size_t left = chunks[i].len;
		while (rc == FWP_OK && left) {
			if ((long)(addr >> 16) != upper) {
				uint8_t ext[2] = {(uint8_t)(addr >> 24), (uint8_t)(addr >> 16)};
				upper = (long)(addr >> 16);
				rc = ihex_record(out, 0x04, 0, ext, 2, err);
				if (rc < 0)
					break;
			}
			/* A record never crosses a 64 KiB boundary. */
			size_t room = 0x10000 - (size_t)(addr & 0xFFFF);
			size_t len = left < RECORD_BYTES ? left : RECORD_BYTES;
			if (len > room)
				len = room;
			rc = ihex_record(out, 0x00, (uint16_t)addr, d, len, err);
			addr += len;
			d += len;
			left -= len;
		}
	}
	if (rc == FWP_OK && has_start) {
		uint8_t s[4] = {(uint8_t)(start >> 24), (uint8_t)(start >> 16), (uint8_t)(start >> 8),
				(uint8_t)start};
		rc = ihex_record(out, 0x05, 0, s, 4, err);
	}
	if (rc == FWP_OK)
		rc = ihex_record(out, 0x01, 0, NULL, 0, err);
	return rc;
}

/* "Stccaaaa<data>ss": count covers address, data and checksum; ss is ~sum. */
static int srec_record(struct fwp_buf *out, char type, unsigned addr_bytes, uint32_t addr,
		       const uint8_t *d, size_t n, struct fwp_err *err)
{
	unsigned count = addr_bytes + (unsigned)n + 1;
	unsigned sum = count;
	int rc = fwp_buf_printf(out, err, "S%c%02X", type, count);
	for (unsigned i = addr_bytes; rc == FWP_OK && i > 0; i--) {
		uint8_t b = (uint8_t)(addr >> (8 * (i - 1)));
		sum += b;
		rc = fwp_buf_printf(out, err, "%02X", b);
	}
	for (size_t i = 0; rc == FWP_OK && i < n; i++) {
		sum += d[i];
		rc = fwp_buf_printf(out, err, "%02X", d[i]);
	}
	if (rc == FWP_OK)
		rc = fwp_buf_printf(out, err, "%02X\n", (unsigned)(~sum & 0xFF));
	return rc;
}

int fwp_srec_write(const struct fwp_chunk *chunks, size_t n, const char *header, uint32_t start,
		   struct fwp_buf *out, struct fwp_err *err)
{
	int rc = check_chunks(chunks, n, err);
	uint64_t top = 0;
	unsigned long records = 0;
	for (size_t i = 0; i < n; i++)
		if (chunks[i].len && chunks[i].addr + (uint64_t)chunks[i].len > top)
			top = chunks[i].addr + (uint64_t)chunks[i].len;
	if ((uint64_t)start + 1 > top)
		top = (uint64_t)start + 1;
	/* The narrowest address width that holds every address written. */
	unsigned ab = top <= 0x10000 ? 2 : top <= 0x1000000 ? 3 : 4;
	char data_type = ab == 2 ? '1' : ab == 3 ? '2' : '3';
	char end_type = ab == 2 ? '9' : ab == 3 ? '8' : '7';

	if (rc == FWP_OK) {
		size_t hlen = header ? strlen(header) : 0;
		if (hlen > 64)
			hlen = 64; /* S0 text is informational; keep the record short */
		rc = srec_record(out, '0', 2, 0, (const uint8_t *)header, hlen, err);
	}
	for (size_t i = 0; rc == FWP_OK && i < n; i++) {
		uint32_t addr = chunks[i].addr;
		const uint8_t *d = chunks[i].data;
		size_t left = chunks[i].len;
		while (rc == FWP_OK && left) {
			size_t len = left < RECORD_BYTES ? left : RECORD_BYTES;
			rc = srec_record(out, data_type, ab, addr, d, len, err);
			records++;
			addr += (uint32_t)len;
			d += len;
			left -= len;
		}
	}
	if (rc == FWP_OK) {
		if (records <= 0xFFFF)
			rc = srec_record(out, '5', 2, (uint32_t)records, NULL, 0, err);
		else if (records <= 0xFFFFFF)
			rc = srec_record(out, '6', 3, (uint32_t)records, NULL, 0, err);
	}
	if (rc == FWP_OK)
		rc = srec_record(out, end_type, ab, start, NULL, 0, err);
	return rc;
}

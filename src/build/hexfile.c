/*
 * Intel HEX and Motorola S-record writers.
 *
 * Both formats are lines of hex digits encoding a few bytes (length,
 * address, type, data) and a checksum over them, so each record is first
 * gathered as bytes in a struct record and then encoded once: the checksum
 * cannot disagree with what is printed, and a line costs one append instead
 * of a printf per byte.
 */
#include <string.h>

#include "hexfile.h"

/* Data bytes per record: what srec_cat and objcopy write by default. */
#define DATA_PER_RECORD 16

/* An S-record's count byte covers 2 address bytes, the text and the checksum. */
#define SREC_MAX_HEADER (0xFF - 2 - 1)

#define ADDR_SPACE 0x100000000ull

struct record {
	uint8_t b[0xFF + 1];
	size_t n;
};

static void rec_byte(struct record *r, uint8_t v)
{
	r->b[r->n++] = v;
}

static void rec_be(struct record *r, uint32_t v, unsigned bytes)
{
	while (bytes--)
		rec_byte(r, (uint8_t)(v >> (8 * bytes)));
}

static void rec_bytes(struct record *r, const uint8_t *d, size_t n)
{
	if (n)
		memcpy(r->b + r->n, d, n);
	r->n += n;
}

static uint8_t rec_sum(const struct record *r)
{
	unsigned sum = 0;
	for (size_t i = 0; i < r->n; i++)
		sum += r->b[i];
	return (uint8_t)sum;
}

/* prefix, the record's bytes and check as upper-case hex, "\n". */
static int rec_emit(struct fwp_buf *out, const char *prefix, const struct record *r, uint8_t check,
		    struct fwp_err *err)
{
	static const char digits[] = "0123456789ABCDEF";
	char line[2 + 2 * (sizeof(r->b) + 1) + 1];
	size_t k = 0;

	while (*prefix)
		line[k++] = *prefix++;
	for (size_t i = 0; i <= r->n; i++) {
		uint8_t v = i < r->n ? r->b[i] : check;
		line[k++] = digits[v >> 4];
		line[k++] = digits[v & 15];
	}
	line[k++] = '\n';
	return fwp_buf_append(out, line, k, err);
}

/*
 * Refuse what would make the output wrong rather than write it: an address
 * past 4 GiB cannot be expressed, and overlapping or unsorted chunks would
 * leave it to the reader which byte wins.
 */
static int check_chunks(const struct fwp_chunk *c, size_t n, struct fwp_err *err)
{
	const struct fwp_chunk *prev = NULL;
	size_t p = 0; /* index of prev, for the messages */

	if (n && !c)
		return fwp_fail(err, FWP_ERR_ARG, "chunk list: NULL for %zu chunks", n);
	for (size_t i = 0; i < n; i++) {
		unsigned addr = c[i].addr;
		if (!c[i].len)
			continue; /* nothing is written for it, so it cannot clash */
		if (!c[i].data)
			return fwp_fail(err, FWP_ERR_ARG,
					"chunk %zu at 0x%08X: no data for %zu bytes", i, addr,
					c[i].len);
		if ((uint64_t)c[i].len > ADDR_SPACE - addr)
			return fwp_fail(err, FWP_ERR_RANGE,
					"chunk %zu at 0x%08X: %zu bytes run past 4 GiB", i, addr,
					c[i].len);
		if (prev && addr < prev->addr)
			return fwp_fail(err, FWP_ERR_ARG,
					"chunk %zu at 0x%08X: below chunk %zu at 0x%08X "
					"(chunks must be sorted by address)",
					i, addr, p, (unsigned)prev->addr);
		if (prev && addr - prev->addr < prev->len)
			return fwp_fail(err, FWP_ERR_ARG,
					"chunk %zu at 0x%08X: overlaps chunk %zu (0x%08X..0x%08llX)",
					i, addr, p, (unsigned)prev->addr,
					(unsigned long long)(prev->addr + (uint64_t)prev->len - 1));
		prev = &c[i];
		p = i;
	}
	return FWP_OK;
}

/* An append failed part way: leave out as the caller gave it. */
static int undo(struct fwp_buf *out, size_t mark, int rc)
{
	out->len = mark;
	if (out->data)
		out->data[mark] = 0;
	return rc;
}

/* ---- Intel HEX ---- */

/* ":LLAAAATT<data>CC", CC making the sum of all the bytes zero. */
static int ihex_record(struct fwp_buf *out, uint8_t type, uint16_t addr, const uint8_t *d,
		       size_t n, struct fwp_err *err)
{
	struct record r = {.n = 0};
	rec_byte(&r, (uint8_t)n);
	rec_be(&r, addr, 2);
	rec_byte(&r, type);
	rec_bytes(&r, d, n);
	return rec_emit(out, ":", &r, (uint8_t)-rec_sum(&r), err);
}

/* Upper 16 address bits as set by the last type 04 record, if any yet. */
struct ihex_page {
	int known;
	uint32_t upper;
};

static int ihex_chunk(struct fwp_buf *out, const struct fwp_chunk *c, struct ihex_page *page,
		      struct fwp_err *err)
{
	uint64_t addr = c->addr; /* 64 bits: a chunk may end exactly at 4 GiB */
	const uint8_t *d = c->data;
	size_t left = c->len;

	while (left) {
		uint32_t upper = (uint32_t)(addr >> 16);
		/*
		 * Written even for the first page 0, which readers assume: a
		 * file concatenated after another must not inherit its page.
		 */
		if (!page->known || page->upper != upper) {
			uint8_t ela[2] = {(uint8_t)(upper >> 8), (uint8_t)upper};
			int rc = ihex_record(out, 0x04, 0, ela, sizeof(ela), err);
			if (rc < 0)
				return rc;
			page->known = 1;
			page->upper = upper;
		}
		/*
		 * Readers disagree on whether an offset past 0xFFFF wraps
		 * within the page or carries into the next: split at the
		 * boundary so the question never comes up.
		 */
		size_t room = 0x10000 - (size_t)(addr & 0xFFFF);
		size_t len = left < DATA_PER_RECORD ? left : DATA_PER_RECORD;
		if (len > room)
			len = room;
		int rc = ihex_record(out, 0x00, (uint16_t)addr, d, len, err);
		if (rc < 0)
			return rc;
		addr += len;
		d += len;
		left -= len;
	}
	return FWP_OK;
}

int fwp_ihex_write(const struct fwp_chunk *chunks, size_t n, int has_start, uint32_t start,
		   struct fwp_buf *out, struct fwp_err *err)
{
	size_t mark = out->len;
	struct ihex_page page = {0, 0};
	int rc = check_chunks(chunks, n, err);

	for (size_t i = 0; rc == FWP_OK && i < n; i++)
		rc = ihex_chunk(out, &chunks[i], &page, err);
	if (rc == FWP_OK && has_start) {
		uint8_t sla[4] = {(uint8_t)(start >> 24), (uint8_t)(start >> 16),
				  (uint8_t)(start >> 8), (uint8_t)start};
		rc = ihex_record(out, 0x05, 0, sla, sizeof(sla), err);
	}
	if (rc == FWP_OK)
		rc = ihex_record(out, 0x01, 0, NULL, 0, err);
	return rc < 0 ? undo(out, mark, rc) : FWP_OK;
}

/* ---- Motorola S-record ---- */

/* "Stcc<address><data>ss": cc counts the bytes after it, ss is ~sum. */
static int srec_record(struct fwp_buf *out, char type, unsigned addr_bytes, uint32_t addr,
		       const uint8_t *d, size_t n, struct fwp_err *err)
{
	char prefix[3] = {'S', type, 0};
	struct record r = {.n = 0};
	rec_byte(&r, (uint8_t)(addr_bytes + n + 1));
	rec_be(&r, addr, addr_bytes);
	rec_bytes(&r, d, n);
	return rec_emit(out, prefix, &r, (uint8_t)~rec_sum(&r), err);
}

/*
 * Address bytes of the data and termination records: the fewest that hold
 * the highest address written and also the start address, since the
 * termination record must use the data records' width.
 */
static unsigned srec_addr_bytes(const struct fwp_chunk *c, size_t n, uint32_t start)
{
	uint64_t end = (uint64_t)start + 1;
	for (size_t i = 0; i < n; i++)
		if (c[i].len && c[i].addr + (uint64_t)c[i].len > end)
			end = c[i].addr + (uint64_t)c[i].len;
	return end <= 0x10000 ? 2 : end <= 0x1000000 ? 3 : 4;
}

static int srec_chunk(struct fwp_buf *out, const struct fwp_chunk *c, unsigned addr_bytes,
		      unsigned long *records, struct fwp_err *err)
{
	char type = (char)('1' + addr_bytes - 2);
	uint32_t addr = c->addr;
	const uint8_t *d = c->data;
	size_t left = c->len;

	while (left) {
		size_t len = left < DATA_PER_RECORD ? left : DATA_PER_RECORD;
		int rc = srec_record(out, type, addr_bytes, addr, d, len, err);
		if (rc < 0)
			return rc;
		(*records)++;
		addr += (uint32_t)len; /* wraps to 0 only after the last record at 4 GiB */
		d += len;
		left -= len;
	}
	return FWP_OK;
}

/*
 * The count record is optional in the format, and S6 stops at 24 bits: past
 * that (256 MiB of data) there is no count to give, so none is written.
 */
static int srec_count(struct fwp_buf *out, unsigned long records, struct fwp_err *err)
{
	if (records <= 0xFFFF)
		return srec_record(out, '5', 2, (uint32_t)records, NULL, 0, err);
	if (records <= 0xFFFFFF)
		return srec_record(out, '6', 3, (uint32_t)records, NULL, 0, err);
	return FWP_OK;
}

int fwp_srec_write(const struct fwp_chunk *chunks, size_t n, const char *header, uint32_t start,
		   struct fwp_buf *out, struct fwp_err *err)
{
	size_t mark = out->len;
	size_t hlen = header ? strlen(header) : 0;
	unsigned long records = 0;

	int rc = check_chunks(chunks, n, err);
	if (rc < 0)
		return rc;
	if (hlen > SREC_MAX_HEADER)
		return fwp_fail(err, FWP_ERR_RANGE,
				"S-record header: %zu bytes, at most %d fit in an S0 record", hlen,
				SREC_MAX_HEADER);

	unsigned ab = srec_addr_bytes(chunks, n, start);
	rc = srec_record(out, '0', 2, 0, (const uint8_t *)header, hlen, err);
	for (size_t i = 0; rc == FWP_OK && i < n; i++)
		rc = srec_chunk(out, &chunks[i], ab, &records, err);
	if (rc == FWP_OK)
		rc = srec_count(out, records, err);
	if (rc == FWP_OK) /* S9, S8, S7 end the S1, S2, S3 data */
		rc = srec_record(out, (char)('9' - (ab - 2)), ab, start, NULL, 0, err);
	return rc < 0 ? undo(out, mark, rc) : FWP_OK;
}

/*
 * A bounded little-endian reader for bytes from outside (a device's
 * answer, a file): every read checks the bytes left first. A read past
 * the end returns zeros and sets bad, which stays set, so that a parser
 * reads a whole structure and checks once, instead of before every field.
 * Fixed layouts already checked for length use fwp_le16/fwp_le32
 * (fwpack/image.h), which these are built on.
 */
#ifndef FWC_RD_H
#define FWC_RD_H

#include <stddef.h>
#include <stdint.h>

#include "fwpack/image.h"

struct fwc_rd {
	const uint8_t *p;
	size_t n, off;
	int bad; /* a read went past n: every value since is 0 */
};

static inline struct fwc_rd fwc_rd_init(const uint8_t *p, size_t n)
{
	struct fwc_rd r = {p, n, 0, 0};
	return r;
}

static inline size_t fwc_rd_left(const struct fwc_rd *r)
{
	return r->bad ? 0 : r->n - r->off;
}

/* k bytes in place, or NULL (and bad) if fewer are left. */
static inline const uint8_t *fwc_rd_bytes(struct fwc_rd *r, size_t k)
{
	if (r->bad || k > r->n - r->off) {
		r->bad = 1;
		return NULL;
	}
	r->off += k;
	return r->p + r->off - k;
}

static inline uint8_t fwc_rd_u8(struct fwc_rd *r)
{
	const uint8_t *b = fwc_rd_bytes(r, 1);
	return b ? b[0] : 0;
}

static inline uint16_t fwc_rd_u16(struct fwc_rd *r)
{
	const uint8_t *b = fwc_rd_bytes(r, 2);
	return b ? fwp_le16(b) : 0;
}

static inline uint32_t fwc_rd_u32(struct fwc_rd *r)
{
	const uint8_t *b = fwc_rd_bytes(r, 4);
	return b ? fwp_le32(b) : 0;
}

#endif /* FWC_RD_H */

/* The update write order: erase, payload, verify, then the header commits. */
#include <string.h>

#include "fwd_writer.h"

static int in_slot(const struct fwd_slot *s, uint32_t off, uint32_t len)
{
	return off <= s->size && len <= s->size - off;
}

enum fwd_write_status fwd_writer_begin(struct fwd_writer *w, const struct fwd_flash *fl,
				       const struct fwd_slot *slot)
{
	memset(w, 0, sizeof(*w));
	w->fl = fl;
	w->slot = *slot;
	if (!slot->writable)
		return FWD_WRITE_PROTECTED;
	uint32_t a = slot->addr;
	while (a < slot->addr + slot->size) {
		uint32_t start, size;
		if (fl->ops->sector_of(fl->ctx, a, &start, &size) != 0 || start != a ||
		    (uint64_t)start + size > (uint64_t)slot->addr + slot->size)
			return FWD_WRITE_OUT_OF_RANGE; /* a slot is whole sectors */
		a += size;
	}
	w->erased = 1;
	return FWD_WRITE_OK;
}

/*
 * Sectors are erased as the data reaches them, not all at begin: a large
 * slot on a real part takes seconds to erase, and erasing only what the
 * image needs lets that time overlap reception. The first write erases the
 * first sector, which holds the old header: from then on the old image is
 * gone, and the new one is not bootable until the commit.
 */
enum fwd_write_status fwd_writer_erase_to(struct fwd_writer *w, uint32_t end)
{
	if (end > w->slot.size)
		end = w->slot.size;
	while (w->erased_to < end) {
		uint32_t start, size;
		uint32_t a = w->slot.addr + w->erased_to;
		if (w->fl->ops->sector_of(w->fl->ctx, a, &start, &size) != 0 ||
		    w->fl->ops->erase_sector(w->fl->ctx, a) != 0)
			return FWD_WRITE_FLASH_ERROR;
		w->erased_to += size;
	}
	return FWD_WRITE_OK;
}

enum fwd_write_status fwd_writer_write(struct fwd_writer *w, uint32_t off, const void *data,
				       uint32_t len)
{
	const uint8_t *p = data;
	if (!w->erased)
		return FWD_WRITE_ORDER;
	if (off != w->next)
		return FWD_WRITE_ORDER;
	if (!in_slot(&w->slot, off, len))
		return FWD_WRITE_OUT_OF_RANGE;
	enum fwd_write_status st = fwd_writer_erase_to(w, off + len);
	if (st != FWD_WRITE_OK)
		return st;
	if (off < FWP_IMAGE_HDR_LEN) {
		uint32_t n = FWP_IMAGE_HDR_LEN - off < len ? FWP_IMAGE_HDR_LEN - off : len;
		memcpy(w->header + off, p, n);
		off += n;
		p += n;
		len -= n;
		w->next += n;
	}
	if (len && w->fl->ops->program(w->fl->ctx, w->slot.addr + off, p, len) != 0)
		return FWD_WRITE_FLASH_ERROR;
	w->next += len;
	return FWD_WRITE_OK;
}

uint32_t fwd_writer_offset(const struct fwd_writer *w)
{
	return w->next;
}

/* A flash view that reads the held-back header from RAM: validate before committing. */
struct staged {
	const struct fwd_writer *w;
};

static int staged_read(void *ctx, uint32_t addr, void *buf, size_t len)
{
	const struct fwd_writer *w = ((struct staged *)ctx)->w;
	int rc = w->fl->ops->read(w->fl->ctx, addr, buf, len);
	uint32_t hs = w->slot.addr, he = hs + FWP_IMAGE_HDR_LEN;
	for (size_t i = 0; rc == 0 && i < len; i++)
		if (addr + i >= hs && addr + i < he)
			((uint8_t *)buf)[i] = w->header[addr + i - hs];
	return rc;
}

enum fwd_write_status fwd_writer_commit(struct fwd_writer *w, const struct fwd_policy *pol,
					enum fwd_verdict *verdict)
{
	static const struct fwd_flash_ops staged_ops = {staged_read, NULL, NULL, NULL};
	struct staged st = {w};
	struct fwd_flash view = {&staged_ops, &st};
	struct fwd_image img;
	if (!w->erased || w->next < FWP_IMAGE_HDR_LEN)
		return FWD_WRITE_ORDER;
	if (fwd_writer_erase_to(w, FWP_IMAGE_HDR_LEN) != FWD_WRITE_OK)
		return FWD_WRITE_FLASH_ERROR;
	*verdict = fwd_image_check(&view, w->slot.addr, w->slot.size, pol, &img);
	if (*verdict != FWD_IMAGE_OK)
		return FWD_WRITE_REJECTED;
	if (w->fl->ops->program(w->fl->ctx, w->slot.addr, w->header, FWP_IMAGE_HDR_LEN) != 0)
		return FWD_WRITE_FLASH_ERROR;
	/* Read back what the commit wrote: a flash fault must not pass as success. */
	*verdict = fwd_image_check(w->fl, w->slot.addr, w->slot.size, pol, &img);
	return *verdict == FWD_IMAGE_OK ? FWD_WRITE_OK : FWD_WRITE_REJECTED;
}

enum fwd_write_status fwd_slot_invalidate(const struct fwd_flash *fl, const struct fwd_slot *slot)
{
	static const uint8_t zeros[FWP_IMAGE_HDR_LEN];
	if (!slot->writable)
		return FWD_WRITE_PROTECTED;
	/* NOR programming only clears bits: zeros need no erase. */
	return fl->ops->program(fl->ctx, slot->addr, zeros, sizeof(zeros)) == 0
		       ? FWD_WRITE_OK
		       : FWD_WRITE_FLASH_ERROR;
}

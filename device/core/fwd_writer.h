/*
 * Writing an image into a slot in the order that never leaves a bootable
 * half-image: erase the slot, write everything but the header, verify,
 * and only then program the header (the commit). Every write is checked
 * against the target slot's bounds, and slots marked protected (the
 * Bootloader's) are never written.
 */
#ifndef FWD_WRITER_H
#define FWD_WRITER_H

#include <stdint.h>

#include "fwd_flash.h"
#include "fwd_image.h"

enum fwd_write_status {
	FWD_WRITE_OK = 0,
	FWD_WRITE_OUT_OF_RANGE,  /* outside the slot, or past its end */
	FWD_WRITE_PROTECTED,     /* the slot may not be written from here */
	FWD_WRITE_ORDER,         /* not sequential, or header before erase */
	FWD_WRITE_FLASH_ERROR,
	FWD_WRITE_REJECTED       /* the finished image did not validate */
};

struct fwd_slot {
	uint32_t addr;
	uint32_t size;
	int writable;
};

struct fwd_writer {
	const struct fwd_flash *fl;
	struct fwd_slot slot;
	uint32_t next;          /* offset of the next byte expected */
	uint32_t erased_to;     /* offset up to which the slot's sectors are erased */
	uint8_t header[FWP_IMAGE_HDR_LEN]; /* held back until the commit */
	int erased;             /* begun: the slot's bounds and sectors were checked */
};

/*
 * Start writing an image into slot: checks that it is writable and made of
 * whole sectors. Nothing is erased yet: sectors are erased as the writes
 * reach them.
 */
enum fwd_write_status fwd_writer_begin(struct fwd_writer *w, const struct fwd_flash *fl,
				       const struct fwd_slot *slot);

/*
 * Write len bytes at offset off from the slot start; offsets must follow
 * each other (resume continues at fwd_writer_offset()). The first 64
 * bytes (the header) are kept in RAM and not programmed yet.
 */
enum fwd_write_status fwd_writer_write(struct fwd_writer *w, uint32_t off, const void *data,
				       uint32_t len);

/* Erase ahead, up to offset end (clamped to the slot), e.g. while idle. */
enum fwd_write_status fwd_writer_erase_to(struct fwd_writer *w, uint32_t end);

/* Bytes accepted so far: where an interrupted transfer resumes. */
uint32_t fwd_writer_offset(const struct fwd_writer *w);

/*
 * Validate what was written as if the header were there, then program the
 * header. On a rejection the slot stays headerless: not bootable.
 */
enum fwd_write_status fwd_writer_commit(struct fwd_writer *w, const struct fwd_policy *pol,
					enum fwd_verdict *verdict);

/* Invalidate the image in slot by programming zeros over its header. */
enum fwd_write_status fwd_slot_invalidate(const struct fwd_flash *fl, const struct fwd_slot *slot);

#endif /* FWD_WRITER_H */

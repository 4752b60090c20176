/*
 * A read-only view of flash in which one window shows bytes from
 * elsewhere: an image stored inside another (the Updater's bundled
 * Loader) can then be checked as if it already sat in its own slot,
 * before that slot is touched.
 */
#ifndef FWD_REMAP_H
#define FWD_REMAP_H

#include "fwd_flash.h"

struct fwd_remap {
	const struct fwd_flash *base;
	uint32_t window; /* where the image will live */
	uint32_t size;
	uint32_t source; /* where its bytes are now */
	struct fwd_flash view;
};

/* Set up r->view: reads of [window, window + size) come from source. */
void fwd_remap_init(struct fwd_remap *r, const struct fwd_flash *base, uint32_t window,
		    uint32_t size, uint32_t source);

#endif /* FWD_REMAP_H */

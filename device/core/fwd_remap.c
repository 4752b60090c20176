/* Reads through a window; the rest of flash reads as it is. */
#include "fwd_remap.h"

static int remap_read(void *ctx, uint32_t addr, void *buf, size_t len)
{
	const struct fwd_remap *r = ctx;
	uint8_t *p = buf;
	while (len) {
		uint32_t n, from;
		if (addr >= r->window && addr - r->window < r->size) {
			n = r->size - (addr - r->window);
			from = r->source + (addr - r->window);
		} else {
			/* Up to the window's start, or to the end of the request. */
			n = addr < r->window ? r->window - addr : (uint32_t)len;
			from = addr;
		}
		if (n > len)
			n = (uint32_t)len;
		if (r->base->ops->read(r->base->ctx, from, p, n) != 0)
			return -1;
		addr += n;
		p += n;
		len -= n;
	}
	return 0;
}

void fwd_remap_init(struct fwd_remap *r, const struct fwd_flash *base, uint32_t window,
		    uint32_t size, uint32_t source)
{
	static const struct fwd_flash_ops ops = {remap_read, NULL, NULL, NULL};
	r->base = base;
	r->window = window;
	r->size = size;
	r->source = source;
	r->view.ops = &ops;
	r->view.ctx = r;
}

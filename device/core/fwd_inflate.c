/* zlib's inflate over a static pool, for the update engine. */
#include <stddef.h>
#include <string.h>
#include <zlib.h>

#include "fwd_inflate.h"

/* zlib's inflate state (about 7 KiB on 32-bit targets, more on 64-bit hosts) and the window. */
#define POOL_SIZE (12288u + (1u << FWD_INFLATE_WBITS) + (sizeof(void *) > 4 ? 8192u : 0u))

static union {
	uint8_t b[POOL_SIZE];
	uint64_t align;
} pool;
static uint32_t pool_used;
static z_stream zs;
static int active;

static voidpf pool_alloc(voidpf opaque, uInt items, uInt size)
{
	(void)opaque;
	uint32_t n = (uint32_t)items * (uint32_t)size;
	n = (n + 7u) & ~7u;
	if (n > POOL_SIZE - pool_used)
		return Z_NULL;
	void *p = pool.b + pool_used;
	pool_used += n;
	return p;
}

static void pool_free(voidpf opaque, voidpf p)
{
	(void)opaque;
	(void)p; /* the pool is reset as a whole at the next stream */
}

int fwd_inflate_begin(void)
{
	pool_used = 0;
	memset(&zs, 0, sizeof(zs));
	zs.zalloc = pool_alloc;
	zs.zfree = pool_free;
	active = inflateInit2(&zs, -FWD_INFLATE_WBITS) == Z_OK;
	return active ? 0 : -1;
}

int fwd_inflate_feed(const uint8_t *in, uint32_t len, fwd_inflate_sink sink, void *ctx)
{
	uint8_t out[256];
	if (!active)
		return -1;
	zs.next_in = (Bytef *)(uintptr_t)in;
	zs.avail_in = len;
	for (;;) {
		zs.next_out = out;
		zs.avail_out = sizeof(out);
		int rc = inflate(&zs, Z_NO_FLUSH);
		uint32_t n = (uint32_t)(sizeof(out) - zs.avail_out);
		if (n) {
			int s = sink(ctx, out, n);
			if (s)
				return s;
		}
		if (rc == Z_STREAM_END)
			return zs.avail_in ? -1 : 1; /* bytes after the end: not ours */
		if (rc == Z_BUF_ERROR || (rc == Z_OK && zs.avail_in == 0 && zs.avail_out))
			return 0; /* needs more input */
		if (rc != Z_OK)
			return -1;
	}
}

/*
 * Compressed update data (BEGIN encoding "deflate"): a raw deflate stream
 * with a window of at most 4 KiB (windowBits 12), inflated by zlib into the
 * slot writer. zlib's state and window come from a static pool: no heap.
 * One stream at a time (there is one update session).
 */
#ifndef FWD_INFLATE_H
#define FWD_INFLATE_H

#include <stdint.h>

#define FWD_INFLATE_WBITS 12

/* Where inflated bytes go; nonzero stops the stream. */
typedef int (*fwd_inflate_sink)(void *ctx, const uint8_t *p, uint32_t n);

/* Start a stream. 0 on success. */
int fwd_inflate_begin(void);

/*
 * Inflate len bytes, handing the output to sink. Returns 0 (more to come),
 * 1 (the stream ended), -1 (corrupt data), or the sink's nonzero value.
 */
int fwd_inflate_feed(const uint8_t *in, uint32_t len, fwd_inflate_sink sink, void *ctx);

#endif /* FWD_INFLATE_H */

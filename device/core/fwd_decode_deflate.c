/*
 * Compressed updates: the deflate decoder (zlib through fwd_inflate) and the
 * decoder table of a program that accepts them.
 */
#include <stddef.h>

#include "fwd_decode.h"
#include "fwd_inflate.h"
#include "fwd_update.h"

/* The sink's stop value carries the writer's status past zlib's codes. */
#define STOPPED 1000

static int inflated(void *ctx, const uint8_t *p, uint32_t n)
{
	enum fwp_status st = fwd_update_write(ctx, p, n);
	return st == FWP_ST_OK ? 0 : STOPPED + (int)st;
}

static enum fwp_status deflate_data(struct fwd_update *u, const uint8_t *data, uint32_t len)
{
	if (u->stream_end)
		return FWP_ST_OUT_OF_RANGE; /* bytes after the end of the stream */
	int rc = fwd_inflate_feed(data, len, inflated, u);
	if (rc >= STOPPED) {
		u->state = FWP_SESSION_FAILED;
		return (enum fwp_status)(rc - STOPPED);
	}
	if (rc < 0) {
		/* The stream is corrupt past recovery: start again with BEGIN. */
		u->state = FWP_SESSION_FAILED;
		u->verdict = FWD_IMAGE_BAD_PAYLOAD;
		return FWP_ST_BAD_IMAGE;
	}
	u->in_next += len;
	u->stream_end = rc == 1;
	return FWP_ST_OK;
}

static const struct fwd_decoder deflate = { FWP_ENC_DEFLATE, fwd_inflate_begin, deflate_data };

const struct fwd_decoder *const fwd_decoders[] = { &fwd_decoder_raw, &deflate, NULL };

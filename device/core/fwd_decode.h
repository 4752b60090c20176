/*
 * The update engine's seam for BEGIN's encodings. Raw bytes go straight to
 * the slot writer; a compressed encoding is a decoder in a file of its own.
 * Which decoders a program carries is chosen when it is linked: it links
 * exactly one table file, fwd_decode_raw.c (raw only) or
 * fwd_decode_deflate.c (raw and deflate), so a program without inflate
 * carries none of its code and refuses the encoding at BEGIN.
 */
#ifndef FWD_DECODE_H
#define FWD_DECODE_H

#include <stdint.h>

#include "fwpack/protocol.h"

struct fwd_update;

struct fwd_decoder {
	uint8_t encoding; /* enum fwp_encoding */
	/* Starts a stream at BEGIN; 0 on success. NULL: nothing to start. */
	int (*begin)(void);
	/* Update data past what was already taken, in order. */
	enum fwp_status (*data)(struct fwd_update *u, const uint8_t *data, uint32_t len);
};

/* The decoders this program was linked with, NULL-terminated. */
extern const struct fwd_decoder *const fwd_decoders[];

/* Raw: the data are the image (fwd_update.c). */
extern const struct fwd_decoder fwd_decoder_raw;

/*
 * For decoders: image bytes at the writer's offset, checked against the
 * session's header and size as raw data are.
 */
enum fwp_status fwd_update_write(struct fwd_update *u, const uint8_t *data, uint32_t len);

#endif /* FWD_DECODE_H */

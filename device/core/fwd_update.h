/*
 * The update engine: one image transfer into one slot, whatever carries the
 * bytes (the serial protocol, fwd_serial.c, or USB DFU, fwd_dfu.c). It checks what it can
 * before anything is erased (slot, size, header, type, rollback), writes
 * through fwd_writer (sectors erased as data reaches them, header held
 * back), verifies and commits at the end, and remembers how far a session
 * got so that a host can resume it after the link dropped.
 */
#ifndef FWD_UPDATE_H
#define FWD_UPDATE_H

#include <stdint.h>

#include "fwd_image.h"
#include "fwd_writer.h"
#include "fwpack/protocol.h"

/* A slot as the device reports it, with what it accepts. */
struct fwd_update_target {
	uint8_t id;          /* 0 Bootloader, 1 Loader, 2 Application */
	struct fwd_slot slot;
	struct fwd_policy pol;
};

struct fwd_update {
	const struct fwd_flash *fl;
	const struct fwd_update_target *targets;
	uint8_t ntargets;
	/* The session. */
	uint8_t state;   /* enum fwp_session_state */
	uint8_t target;  /* index into targets */
	uint8_t encoding;
	uint8_t stream_end;  /* deflate: the compressed stream is complete */
	uint32_t in_next;    /* deflate: compressed bytes taken so far */
	uint32_t size;
	uint8_t id[FWP_SESSION_ID_LEN];
	uint8_t header[FWP_IMAGE_HDR_LEN];
	struct fwd_writer w;
	enum fwd_verdict verdict; /* of the last FINISH */
};

void fwd_update_init(struct fwd_update *u, const struct fwd_flash *fl,
		     const struct fwd_update_target *targets, uint8_t ntargets);

/*
 * Start writing size bytes into slot id, or resume: the same slot, size,
 * id and header as the session in progress continue where it stopped.
 * *offset is where the host sends from. Nothing is erased on a refusal.
 * *detail is the verdict when the header is refused.
 */
enum fwp_status fwd_update_begin(struct fwd_update *u, uint8_t slot_id, uint8_t encoding,
				 uint32_t size, const uint8_t *id, const uint8_t *header,
				 uint32_t *offset, uint8_t *detail);

/*
 * Bytes at offset off. Data already written (a retransmission) is
 * accepted again without writing; a gap is FWP_ST_OFFSET, and
 * fwd_update_offset() tells where to continue.
 */
enum fwp_status fwd_update_data(struct fwd_update *u, uint32_t off, const uint8_t *data,
				uint32_t len);

/* Verify the whole image and commit its header; *detail = the verdict. */
enum fwp_status fwd_update_finish(struct fwd_update *u, uint8_t *detail);

/*
 * For a carrier that learns the length only at the end (USB DFU: the
 * zero-length DNLOAD; BEGIN was given the slot size as the bound): the
 * image is what was received so far; then as fwd_update_finish.
 */
enum fwp_status fwd_update_finish_here(struct fwd_update *u, uint8_t *detail);

void fwd_update_abort(struct fwd_update *u);

/*
 * The next byte the session expects: of the image (raw), or of the
 * compressed stream (deflate); the image size once committed.
 */
uint32_t fwd_update_offset(const struct fwd_update *u);

/*
 * Whether BEGIN takes this encoding: the decoders the program was linked
 * with (fwd_decode.h).
 */
int fwd_update_accepts(uint8_t encoding);

/* The protocol status for an image verdict. */
enum fwp_status fwd_update_status_of(enum fwd_verdict v);

#endif /* FWD_UPDATE_H */

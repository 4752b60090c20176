/*
 * The host side of the serial update protocol (docs/serial-protocol.md):
 * sync with a Loader or Updater, read its layout, send an image with a
 * window of frames in flight, recover from lost or corrupted frames by
 * going back to the offset the device confirmed, resume an interrupted
 * session, have the device verify and commit, and reset it.
 */
#ifndef FWP_FLASHER_H
#define FWP_FLASHER_H

#include <stddef.h>
#include <stdint.h>

#include "fwc_info.h"
#include "fwpack/error.h"
#include "fwpack/protocol.h"
#include "serial.h"
#include "xfer_report.h"

struct fwp_device_info {
	uint16_t version, max_packet, features;
	uint8_t window, role;
	char board[256];
	unsigned nslots;
	struct fwc_info_slot slots[FWP_MAX_SLOTS];
	uint8_t session_state, session_slot;
	uint32_t session_size, session_offset;
	uint8_t session_id[FWP_SESSION_ID_LEN];
	char uid[2 * FWP_UID_MAX + 1]; /* the board's unique ID, lower-case hex; "" if none */
};

/* The device's answer to HELLO (status, INFO body), from port; checked field by field. */
int fwp_device_info_parse(const char *port, const uint8_t *r, uint32_t n,
			  struct fwp_device_info *d, struct fwp_err *err);

struct fwp_flasher_opts {
	unsigned timeout_ms; /* for one answer */
	unsigned retries;    /* consecutive failures before giving up */
	long stop_after;     /* testing: stop sending after this many bytes (-1: never) */
	int no_compress;     /* send raw even when the device inflates */
	const volatile int *cancel; /* non-zero: stop sending at the next frame (NULL: never) */
	void (*report)(const struct fwp_flash_report *r, void *ctx);
	void *ctx;
};

struct fwp_flasher;

int fwp_flasher_new(struct fwp_serial *port, const struct fwp_flasher_opts *opts,
		    struct fwp_flasher **out, struct fwp_err *err);
void fwp_flasher_free(struct fwp_flasher *f);

/* HELLO until the device answers (opts->retries attempts). */
int fwp_flasher_connect(struct fwp_flasher *f, struct fwp_device_info *info,
			struct fwp_err *err);

/*
 * Send image (a whole fwpack image file) into slot and have it committed.
 * Checks before sending anything: the slot exists, is writable, and holds
 * the image. The device's refusal is FWP_ERR_REFUSED with its reason.
 */
int fwp_flasher_send(struct fwp_flasher *f, uint8_t slot, const uint8_t *image, size_t len,
		     struct fwp_err *err);

/*
 * The same, with the image already deflated by fwp_image_deflate (NULL: do
 * it here): a fixture compresses an image once for all its boards.
 */
int fwp_flasher_send_deflated(struct fwp_flasher *f, uint8_t slot, const uint8_t *image,
			      size_t len, const uint8_t *deflated, uint32_t deflated_len,
			      struct fwp_err *err);

/* A raw deflate stream with the window the protocol allows devices; *out is free()d by the caller. */
int fwp_image_deflate(const uint8_t *image, size_t len, uint8_t **out, uint32_t *out_len,
		      struct fwp_err *err);

/*
 * Switch the line to baud: the device answers at the old rate, both switch,
 * and a HELLO must pass at the new one; otherwise the host goes back (the
 * device does so by itself after a second without a good frame).
 */
int fwp_flasher_switch_baud(struct fwp_flasher *f, uint32_t old_baud, uint32_t baud,
			    struct fwp_err *err);

/*
 * Ask the device to reset into its new firmware. The device resets right
 * after its answer, so that answer is the one that a bad line can lose for
 * good: then a Loader that still answers HELLO did not boot (an error),
 * while silence means it left update mode, and *acked is 0 (else 1).
 */
int fwp_flasher_boot(struct fwp_flasher *f, int *acked, struct fwp_err *err);

/* A device status in words: fwp_status_name (fwpack/protocol.h). */

#endif /* FWP_FLASHER_H */

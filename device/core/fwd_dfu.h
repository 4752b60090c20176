/*
 * The USB DFU 1.1 class over the update engine: the second carrier of
 * fwd_update, next to the serial protocol. One download is one fwpack
 * image file into the slot of the selected alternate setting; the first
 * block must carry the image header (fwd_update_begin), the following
 * blocks go to fwd_update_data at the accumulated offset, and the
 * zero-length DNLOAD ends the file (fwd_update_finish_here: digest,
 * signature, commit). Flash work is deferred to fwd_dfu_poll(), so that
 * GETSTATUS can answer dfuDNBUSY/dfuMANIFEST with a short bwPollTimeout.
 *
 * Refusals become dfuERROR with this bStatus (docs/usb-dfu.md):
 *   wrong slot or image type, slot not writable   errTARGET
 *   header malformed, first block too short        errFILE
 *   bad signature, untrusted key, digest or CRC    errVERIFY
 *   security counter below the device's           errFIRMWARE
 *   image larger than the slot, data past it       errADDRESS
 *   file ended before the image did                errNOTDONE
 *   flash write or erase failed                    errWRITE
 *   anything else                                  errUNKNOWN
 * and a request the state does not allow stalls with errSTALLEDPKT.
 */
#ifndef FWD_DFU_H
#define FWD_DFU_H

#include <stdint.h>

#include "fwd_update.h"
#include "fwpack/dfu.h"

/* wTransferSize: one block, and so the buffer the deferred write holds. */
#ifndef FWD_DFU_TRANSFER_SIZE
#define FWD_DFU_TRANSFER_SIZE 2048u
#endif
/* bwPollTimeout, ms: the host asks again this soon while a block is written. */
#ifndef FWD_DFU_POLL_MS
#define FWD_DFU_POLL_MS 8u
#endif

/* bmAttributes: not willDetach, there is no runtime mode to leave. */
#define FWD_DFU_ATTRIBUTES \
	(FWP_DFU_ATTR_CAN_DNLOAD | FWP_DFU_ATTR_CAN_UPLOAD | FWP_DFU_ATTR_MANIFESTATION_TOLERANT)

/* Work deferred from a request to fwd_dfu_poll(). */
enum fwd_dfu_work { FWD_DFU_WORK_NONE = 0, FWD_DFU_WORK_BLOCK, FWD_DFU_WORK_MANIFEST };

struct fwd_dfu {
	struct fwd_update *up;
	uint8_t alt;     /* index into up->targets */
	uint8_t state;   /* enum fwp_dfu_state */
	uint8_t status;  /* enum fwp_dfu_status_code */
	uint8_t work;    /* enum fwd_dfu_work */
	uint8_t installed; /* a download was committed, none begun since */
	uint8_t active;    /* the engine's session is this download's (not serial's) */
	uint32_t off;    /* download: file bytes taken; upload: slot bytes sent */
	uint16_t len;    /* bytes of the pending block */
	uint8_t buf[FWD_DFU_TRANSFER_SIZE];
};

void fwd_dfu_init(struct fwd_dfu *d, struct fwd_update *up);

/* The functional descriptor (FWP_DFU_FUNC_DESC_LEN bytes) into p. */
void fwd_dfu_func_desc(uint8_t *p);

/* Select alternate setting alt (a slot): abandons a transfer in progress. */
int fwd_dfu_set_alt(struct fwd_dfu *d, uint8_t alt);

/*
 * A class request to the DFU interface. OUT: data holds *len bytes
 * (wLength); IN: at most wLength bytes go into data, *len says how many.
 * Returns 0 to acknowledge, -1 to stall.
 */
int fwd_dfu_request(struct fwd_dfu *d, uint8_t bRequest, uint16_t wValue, uint16_t wLength,
		    uint8_t *data, uint16_t *len);

/* Run deferred flash work; returns 1 if there was some. */
int fwd_dfu_poll(struct fwd_dfu *d);

/* The bStatus for an engine status (see the table above). */
enum fwp_dfu_status_code fwd_dfu_status_of(enum fwp_status st, uint8_t detail);

#endif /* FWD_DFU_H */

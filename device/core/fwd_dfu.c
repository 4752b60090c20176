/*
 * The DFU 1.1 state machine (USB DFU 1.1, appendix A). A request changes
 * the state when it is acknowledged; the flash work of a block or of the
 * manifestation runs later, in fwd_dfu_poll(), while GETSTATUS reports
 * the busy state.
 */
#include <string.h>

#include "fwd_dfu.h"

void fwd_dfu_init(struct fwd_dfu *d, struct fwd_update *up)
{
	memset(d, 0, sizeof(*d));
	d->up = up;
	d->state = FWP_DFU_IDLE;
}

void fwd_dfu_func_desc(uint8_t *p)
{
	p[0] = FWP_DFU_FUNC_DESC_LEN;
	p[1] = FWP_DFU_FUNC_DESC_TYPE;
	p[2] = FWD_DFU_ATTRIBUTES;
	fwp_put_le16(p + 3, 1000); /* wDetachTimeOut: unused, no runtime mode */
	fwp_put_le16(p + 5, FWD_DFU_TRANSFER_SIZE);
	fwp_put_le16(p + 7, FWP_DFU_VERSION);
}

enum fwp_dfu_status_code fwd_dfu_status_of(enum fwp_status st, uint8_t detail)
{
	switch (st) {
	case FWP_ST_OK:
		return FWP_DFU_OK;
	case FWP_ST_WRONG_SLOT:
		return FWP_DFU_ERR_TARGET;
	case FWP_ST_BAD_SIGNATURE:
	case FWP_ST_WRONG_KEY:
		return FWP_DFU_ERR_VERIFY;
	case FWP_ST_ROLLBACK:
		return FWP_DFU_ERR_FIRMWARE;
	case FWP_ST_OUT_OF_RANGE:
		return FWP_DFU_ERR_ADDRESS;
	case FWP_ST_OFFSET:
		return FWP_DFU_ERR_NOTDONE;
	case FWP_ST_FLASH_ERROR:
		return FWP_DFU_ERR_WRITE;
	case FWP_ST_BAD_IMAGE:
		/* A header that does not parse is the wrong file; the rest of
		 * the image failing its checks is a verification failure. */
		return detail == FWD_IMAGE_BAD_HEADER || detail == FWD_IMAGE_EMPTY
			       ? FWP_DFU_ERR_FILE
			       : FWP_DFU_ERR_VERIFY;
	default:
		return FWP_DFU_ERR_UNKNOWN;
	}
}

static void fail(struct fwd_dfu *d, enum fwp_dfu_status_code st)
{
	d->state = FWP_DFU_ERROR;
	d->status = (uint8_t)st;
	d->work = FWD_DFU_WORK_NONE;
}

/*
 * A request the state does not allow: stall, and the spec's error; in
 * dfuERROR already, the status keeps the reason the host has yet to read.
 */
static int stall(struct fwd_dfu *d)
{
	if (d->state != FWP_DFU_ERROR)
		fail(d, FWP_DFU_ERR_STALLEDPKT);
	return -1;
}

static void to_idle(struct fwd_dfu *d)
{
	/*
	 * A download left unfinished stays uncommitted: the slot holds no
	 * image. A serial session in the engine is not this one's to end.
	 */
	if (d->active && d->up->state == FWP_SESSION_RECEIVING)
		fwd_update_abort(d->up);
	d->active = 0;
	d->state = FWP_DFU_IDLE;
	d->status = FWP_DFU_OK;
	d->work = FWD_DFU_WORK_NONE;
	d->off = 0;
}

int fwd_dfu_set_alt(struct fwd_dfu *d, uint8_t alt)
{
	if (alt >= d->up->ntargets)
		return -1;
	to_idle(d);
	d->alt = alt;
	return 0;
}

static uint16_t get_status(struct fwd_dfu *d, uint8_t *data, uint16_t wLength)
{
	uint8_t r[FWP_DFU_STATUS_LEN];
	/* The transition GETSTATUS causes: the answer reports the new state. */
	if (d->state == FWP_DFU_DNLOAD_SYNC)
		d->state = d->work ? FWP_DFU_DNBUSY : FWP_DFU_DNLOAD_IDLE;
	else if (d->state == FWP_DFU_MANIFEST_SYNC)
		d->state = d->work ? FWP_DFU_MANIFEST : FWP_DFU_IDLE;
	fwp_dfu_status_put(r, d->status, d->work ? FWD_DFU_POLL_MS : 0, d->state);
	uint16_t n = wLength < sizeof(r) ? wLength : (uint16_t)sizeof(r);
	memcpy(data, r, n);
	return n;
}

static int dnload(struct fwd_dfu *d, uint8_t *data, uint16_t len)
{
	if (d->state == FWP_DFU_IDLE) {
		if (len == 0)
			return stall(d); /* nothing to end */
		d->off = 0;
		d->installed = 0;
	} else if (d->state != FWP_DFU_DNLOAD_IDLE) {
		return stall(d);
	}
	if (len > FWD_DFU_TRANSFER_SIZE)
		return stall(d);
	memcpy(d->buf, data, len);
	d->len = len;
	if (len == 0) {
		d->state = FWP_DFU_MANIFEST_SYNC;
		d->work = FWD_DFU_WORK_MANIFEST;
	} else {
		d->state = FWP_DFU_DNLOAD_SYNC;
		d->work = FWD_DFU_WORK_BLOCK;
	}
	return 0;
}

static int upload(struct fwd_dfu *d, uint16_t wLength, uint8_t *data, uint16_t *len)
{
	if (d->state == FWP_DFU_IDLE)
		d->off = 0;
	else if (d->state != FWP_DFU_UPLOAD_IDLE)
		return stall(d);
	const struct fwd_slot *s = &d->up->targets[d->alt].slot;
	uint32_t n = s->size - d->off;
	if (n > wLength)
		n = wLength;
	if (n > FWD_DFU_TRANSFER_SIZE)
		n = FWD_DFU_TRANSFER_SIZE;
	if (n && d->up->fl->ops->read(d->up->fl->ctx, s->addr + d->off, data, n) != 0) {
		fail(d, FWP_DFU_ERR_UNKNOWN);
		return -1;
	}
	d->off += n;
	*len = (uint16_t)n;
	/* A short packet ends the upload (the whole slot was sent). */
	d->state = n < wLength ? FWP_DFU_IDLE : FWP_DFU_UPLOAD_IDLE;
	return 0;
}

int fwd_dfu_request(struct fwd_dfu *d, uint8_t bRequest, uint16_t wValue, uint16_t wLength,
		    uint8_t *data, uint16_t *len)
{
	(void)wValue; /* block numbers: the offset is what was accumulated */
	uint16_t in = *len;
	*len = 0;
	switch (bRequest) {
	case FWP_DFU_REQ_GETSTATUS:
		*len = get_status(d, data, wLength);
		return 0;
	case FWP_DFU_REQ_GETSTATE:
		if (wLength)
			data[0] = d->state;
		*len = wLength ? 1 : 0;
		return 0;
	case FWP_DFU_REQ_CLRSTATUS:
		if (d->state != FWP_DFU_ERROR)
			return stall(d);
		to_idle(d);
		return 0;
	case FWP_DFU_REQ_ABORT:
		if (d->state != FWP_DFU_IDLE && d->state != FWP_DFU_DNLOAD_IDLE &&
		    d->state != FWP_DFU_UPLOAD_IDLE && d->state != FWP_DFU_DNLOAD_SYNC &&
		    d->state != FWP_DFU_MANIFEST_SYNC)
			return stall(d);
		to_idle(d);
		return 0;
	case FWP_DFU_REQ_DNLOAD:
		return dnload(d, data, in);
	case FWP_DFU_REQ_UPLOAD:
		return upload(d, wLength, data, len);
	default:
		/* DETACH too: this interface is the DFU mode, there is no runtime. */
		return stall(d);
	}
}

/* The first block: the header picks the checks, then the engine begins. */
static enum fwp_status first_block(struct fwd_dfu *d, uint8_t *detail)
{
	uint32_t offset;
	uint8_t id[FWP_SESSION_ID_LEN];
	if (d->len < FWP_IMAGE_HDR_LEN) {
		*detail = FWD_IMAGE_BAD_HEADER;
		return FWP_ST_BAD_IMAGE;
	}
	/*
	 * DFU does not resume: every download starts over. The session id
	 * only names the session for the serial protocol's INFO; the header
	 * bytes (CRCs included) tell one image from another well enough.
	 */
	memcpy(id, d->buf + FWP_IMAGE_HDR_LEN - FWP_SESSION_ID_LEN, FWP_SESSION_ID_LEN);
	fwd_update_abort(d->up);
	const struct fwd_update_target *t = &d->up->targets[d->alt];
	enum fwp_status st = fwd_update_begin(d->up, t->id, FWP_ENC_RAW, t->slot.size, id, d->buf,
					      &offset, detail);
	d->active = st == FWP_ST_OK;
	return st;
}

int fwd_dfu_poll(struct fwd_dfu *d)
{
	enum fwp_status st = FWP_ST_OK;
	uint8_t detail = 0;
	/* The work runs once the host was told to wait for it. */
	if (d->work == FWD_DFU_WORK_NONE ||
	    (d->state != FWP_DFU_DNBUSY && d->state != FWP_DFU_MANIFEST))
		return 0;
	if (d->work == FWD_DFU_WORK_BLOCK) {
		if (d->off == 0)
			st = first_block(d, &detail);
		if (st == FWP_ST_OK)
			st = fwd_update_data(d->up, d->off, d->buf, d->len);
		if (st == FWP_ST_OK) {
			d->off += d->len;
			d->state = FWP_DFU_DNLOAD_SYNC;
		}
	} else {
		st = fwd_update_finish_here(d->up, &detail);
		if (st == FWP_ST_OK) {
			d->state = FWP_DFU_MANIFEST_SYNC; /* tolerant: back to dfuIDLE */
			d->installed = 1;
			d->active = 0;
		}
	}
	d->work = FWD_DFU_WORK_NONE;
	if (st != FWP_ST_OK) {
		if (d->active)
			fwd_update_abort(d->up);
		d->active = 0;
		fail(d, fwd_dfu_status_of(st, detail));
	}
	return 1;
}

/* One update session: checks first, then the writer's safe order. */
#include <string.h>

#include "fwd_decode.h"
#include "fwd_update.h"

void fwd_update_init(struct fwd_update *u, const struct fwd_flash *fl,
		     const struct fwd_update_target *targets, uint8_t ntargets)
{
	memset(u, 0, sizeof(*u));
	u->fl = fl;
	u->targets = targets;
	u->ntargets = ntargets;
}

enum fwp_status fwd_update_status_of(enum fwd_verdict v)
{
	switch (v) {
	case FWD_IMAGE_OK:
		return FWP_ST_OK;
	case FWD_IMAGE_WRONG_KEY:
		return FWP_ST_WRONG_KEY;
	case FWD_IMAGE_BAD_SIGNATURE:
		return FWP_ST_BAD_SIGNATURE;
	case FWD_IMAGE_ROLLBACK:
		return FWP_ST_ROLLBACK;
	case FWD_IMAGE_WRONG_TYPE:
		return FWP_ST_WRONG_SLOT;
	case FWD_IMAGE_FLASH_ERROR:
		return FWP_ST_FLASH_ERROR;
	default:
		return FWP_ST_BAD_IMAGE;
	}
}

static enum fwp_status write_status(enum fwd_write_status st)
{
	switch (st) {
	case FWD_WRITE_OK:
		return FWP_ST_OK;
	case FWD_WRITE_OUT_OF_RANGE:
		return FWP_ST_OUT_OF_RANGE;
	case FWD_WRITE_PROTECTED:
		return FWP_ST_WRONG_SLOT;
	case FWD_WRITE_ORDER:
		return FWP_ST_BAD_STATE;
	case FWD_WRITE_REJECTED:
		return FWP_ST_BAD_IMAGE;
	default:
		return FWP_ST_FLASH_ERROR;
	}
}

static const struct fwd_decoder *decoder_for(uint8_t encoding)
{
	for (const struct fwd_decoder *const *d = fwd_decoders; *d; d++)
		if ((*d)->encoding == encoding)
			return *d;
	return NULL;
}

int fwd_update_accepts(uint8_t encoding)
{
	return decoder_for(encoding) != NULL;
}

static int same_session(const struct fwd_update *u, uint8_t t, uint8_t encoding, uint32_t size,
			const uint8_t *id, const uint8_t *header)
{
	return u->state != FWP_SESSION_NONE && u->target == t && u->encoding == encoding &&
	       u->size == size && memcmp(u->id, id, FWP_SESSION_ID_LEN) == 0 &&
	       memcmp(u->header, header, FWP_IMAGE_HDR_LEN) == 0;
}

enum fwp_status fwd_update_begin(struct fwd_update *u, uint8_t slot_id, uint8_t encoding,
				 uint32_t size, const uint8_t *id, const uint8_t *header,
				 uint32_t *offset, uint8_t *detail)
{
	uint8_t t;
	*offset = 0;
	*detail = 0;
	for (t = 0; t < u->ntargets && u->targets[t].id != slot_id; t++)
		;
	if (t == u->ntargets || !u->targets[t].slot.writable)
		return FWP_ST_WRONG_SLOT;
	const struct fwd_decoder *dec = decoder_for(encoding);
	if (!dec)
		return FWP_ST_UNSUPPORTED;
	const struct fwd_update_target *tg = &u->targets[t];
	if (size > tg->slot.size)
		return FWP_ST_OUT_OF_RANGE;
	if (same_session(u, t, encoding, size, id, header) && u->state != FWP_SESSION_FAILED) {
		*offset = fwd_update_offset(u);
		return FWP_ST_OK;
	}
	/* What the header alone tells, before the old image is touched. */
	struct fwp_image_header h;
	enum fwd_verdict v = fwd_image_precheck(header, tg->slot.addr, tg->slot.size, &tg->pol, &h);
	if (v == FWD_IMAGE_OK && size < (uint64_t)h.hdr_size + h.payload_size + h.protected_tlv_size)
		v = FWD_IMAGE_BAD_HEADER; /* the file ends before the header says it does */
	if (v != FWD_IMAGE_OK) {
		*detail = (uint8_t)v;
		return v == FWD_IMAGE_EMPTY ? FWP_ST_BAD_IMAGE : fwd_update_status_of(v);
	}
	u->state = FWP_SESSION_NONE;
	enum fwd_write_status st = fwd_writer_begin(&u->w, u->fl, &tg->slot);
	if (st != FWD_WRITE_OK)
		return write_status(st);
	if (dec->begin && dec->begin() != 0)
		return FWP_ST_UNSUPPORTED;
	u->in_next = 0;
	u->stream_end = 0;
	u->state = FWP_SESSION_RECEIVING;
	u->target = t;
	u->encoding = encoding;
	u->size = size;
	u->verdict = FWD_IMAGE_EMPTY;
	memcpy(u->id, id, FWP_SESSION_ID_LEN);
	memcpy(u->header, header, FWP_IMAGE_HDR_LEN);
	return FWP_ST_OK;
}

/* Image bytes at the writer's offset, the header checked against BEGIN's. */
enum fwp_status fwd_update_write(struct fwd_update *u, const uint8_t *data, uint32_t len)
{
	uint32_t off = fwd_writer_offset(&u->w);
	if (len > u->size - off)
		return FWP_ST_OUT_OF_RANGE;
	if (off < FWP_IMAGE_HDR_LEN) {
		uint32_t n = len < FWP_IMAGE_HDR_LEN - off ? len : FWP_IMAGE_HDR_LEN - off;
		if (memcmp(u->header + off, data, n) != 0)
			return FWP_ST_BAD_REQUEST;
	}
	return write_status(fwd_writer_write(&u->w, off, data, len));
}


const struct fwd_decoder fwd_decoder_raw = { FWP_ENC_RAW, NULL, fwd_update_write };

enum fwp_status fwd_update_data(struct fwd_update *u, uint32_t off, const uint8_t *data,
				uint32_t len)
{
	if (u->state != FWP_SESSION_RECEIVING)
		return u->state == FWP_SESSION_COMMITTED ? FWP_ST_OK : FWP_ST_BAD_STATE;
	uint32_t next = fwd_update_offset(u);
	if (u->encoding == FWP_ENC_RAW && (off > u->size || len > u->size - off))
		return FWP_ST_OUT_OF_RANGE;
	if (off > next)
		return FWP_ST_OFFSET;
	if (off + len <= next)
		return FWP_ST_OK; /* a retransmission of what is written */
	uint32_t skip = next - off;
	data += skip;
	len -= skip;
	return decoder_for(u->encoding)->data(u, data, len);
}

enum fwp_status fwd_update_finish(struct fwd_update *u, uint8_t *detail)
{
	*detail = (uint8_t)u->verdict;
	if (u->state == FWP_SESSION_COMMITTED)
		return FWP_ST_OK;
	if (u->state != FWP_SESSION_RECEIVING)
		return u->state == FWP_SESSION_FAILED ? fwd_update_status_of(u->verdict)
						      : FWP_ST_BAD_STATE;
	if (fwd_writer_offset(&u->w) != u->size)
		return FWP_ST_OFFSET;
	if (u->encoding != FWP_ENC_RAW && !u->stream_end)
		return FWP_ST_OFFSET; /* the compressed stream has not ended */
	enum fwd_verdict v = FWD_IMAGE_FLASH_ERROR;
	enum fwd_write_status st = fwd_writer_commit(&u->w, &u->targets[u->target].pol, &v);
	u->verdict = v;
	*detail = (uint8_t)v;
	if (st == FWD_WRITE_OK) {
		u->state = FWP_SESSION_COMMITTED;
		return FWP_ST_OK;
	}
	u->state = FWP_SESSION_FAILED;
	return st == FWD_WRITE_REJECTED ? fwd_update_status_of(v) : write_status(st);
}

enum fwp_status fwd_update_finish_here(struct fwd_update *u, uint8_t *detail)
{
	if (u->state == FWP_SESSION_RECEIVING && u->encoding == FWP_ENC_RAW)
		u->size = fwd_writer_offset(&u->w);
	return fwd_update_finish(u, detail);
}

void fwd_update_abort(struct fwd_update *u)
{
	u->state = FWP_SESSION_NONE;
}

uint32_t fwd_update_offset(const struct fwd_update *u)
{
	if (u->state == FWP_SESSION_NONE)
		return 0;
	if (u->state == FWP_SESSION_COMMITTED)
		return u->encoding == FWP_ENC_RAW ? u->size : u->in_next;
	return u->encoding == FWP_ENC_RAW ? fwd_writer_offset(&u->w) : u->in_next;
}

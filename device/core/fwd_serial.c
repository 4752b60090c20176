/* Requests in, responses out; every request gets exactly one response. */
#include <string.h>

#include "fwd_serial.h"

void fwd_serial_init(struct fwd_serial *s, const struct fwd_serial_config *cfg,
		     struct fwd_update *up)
{
	memset(s, 0, sizeof(*s));
	s->cfg = cfg;
	s->up = up;
	fwd_frame_rx_init(&s->rx, s->rxbuf, sizeof(s->rxbuf));
}

#define INFO_MAX                                                                            \
	(FWD_FRAME_HDR_LEN + FWP_INFO_FIXED_LEN + 1 + 255 + 1 + 8 * FWP_INFO_SLOT_LEN +     \
	 FWP_INFO_SESSION_LEN + FWP_INFO_EXT_HDR_LEN + FWP_UID_MAX + FWD_FRAME_CRC_LEN)

static void respond(struct fwd_serial *s, uint8_t *pkt, uint32_t n)
{
	fwd_frame_send(pkt, n, s->cfg->put, s->cfg->put_ctx);
}

static void respond_status(struct fwd_serial *s, uint8_t type, uint8_t seq, enum fwp_status st,
			   uint8_t detail)
{
	uint8_t pkt[FWD_FRAME_HDR_LEN + FWP_STATUS_LEN + FWD_FRAME_CRC_LEN];
	pkt[0] = type;
	pkt[1] = seq;
	pkt[2] = (uint8_t)st;
	pkt[3] = detail;
	fwd_put_le32(pkt + 4, fwd_update_offset(s->up));
	respond(s, pkt, FWD_FRAME_HDR_LEN + FWP_STATUS_LEN);
}

static void respond_info(struct fwd_serial *s, uint8_t seq)
{
	uint8_t pkt[INFO_MAX];
	const struct fwd_update *u = s->up;
	uint32_t n = 0, blen = 0;
	const char *board = s->cfg->board;
	while (board[blen] && blen < 255)
		blen++;
	pkt[n++] = FWP_REQ_HELLO | FWP_RESPONSE;
	pkt[n++] = seq;
	pkt[n++] = FWP_ST_OK;
	pkt[n++] = 0;
	pkt[n++] = FWP_PROTO_VERSION & 0xFF;
	pkt[n++] = FWP_PROTO_VERSION >> 8;
	pkt[n++] = FWD_SERIAL_MAX_PACKET & 0xFF;
	pkt[n++] = FWD_SERIAL_MAX_PACKET >> 8;
	pkt[n++] = FWD_SERIAL_WINDOW;
	pkt[n++] = s->cfg->role;
	pkt[n++] = (uint8_t)((s->cfg->baud_ok ? FWP_FEAT_BAUD : 0) |
#ifdef FWD_HAVE_INFLATE
			     FWP_FEAT_DEFLATE |
#endif
			     0);
	pkt[n++] = 0;
	pkt[n++] = (uint8_t)blen;
	memcpy(pkt + n, board, blen);
	n += blen;
	uint8_t count = u->ntargets < 8 ? u->ntargets : 8;
	pkt[n++] = count;
	for (uint8_t i = 0; i < count; i++) {
		const struct fwd_update_target *t = &u->targets[i];
		pkt[n++] = t->id;
		pkt[n++] = t->slot.writable ? FWP_SLOT_WRITABLE : 0;
		pkt[n++] = t->pol.type_mask;
		pkt[n++] = 0;
		fwd_put_le32(pkt + n, t->slot.addr);
		fwd_put_le32(pkt + n + 4, t->slot.size);
		n += 8;
	}
	pkt[n] = u->state;
	pkt[n + 1] = u->state != FWP_SESSION_NONE ? u->targets[u->target].id : 0;
	pkt[n + 2] = u->encoding;
	pkt[n + 3] = 0;
	fwd_put_le32(pkt + n + 4, u->size);
	fwd_put_le32(pkt + n + 8, fwd_update_offset(u));
	memcpy(pkt + n + 12, u->id, FWP_SESSION_ID_LEN);
	n += FWP_INFO_SESSION_LEN;
	if (s->cfg->uid_len && s->cfg->uid_len <= FWP_UID_MAX) {
		pkt[n++] = FWP_INFO_EXT_UID;
		pkt[n++] = s->cfg->uid_len;
		memcpy(pkt + n, s->cfg->uid, s->cfg->uid_len);
		n += s->cfg->uid_len;
	}
	respond(s, pkt, n);
}

enum fwd_serial_action fwd_serial_packet(struct fwd_serial *s, const uint8_t *pkt, uint32_t len)
{
	if (len < FWD_FRAME_HDR_LEN) {
		/* No type or seq to answer to: as a frame that did not decode. */
		respond_status(s, FWP_RESP_BAD_FRAME, 0, FWP_ST_BAD_FRAME, 0);
		return FWD_SERIAL_CONTINUE;
	}
	uint8_t type = pkt[0], seq = pkt[1], detail = 0;
	const uint8_t *body = pkt + FWD_FRAME_HDR_LEN;
	uint32_t blen = len - FWD_FRAME_HDR_LEN, off;
	uint8_t rtype = (uint8_t)(type | FWP_RESPONSE);
	enum fwp_status st;

	switch (type) {
	case FWP_REQ_HELLO:
		if (blen != 2)
			break;
		/* A newer host speaks version 1 to us; an older one we cannot serve. */
		if ((uint32_t)(body[0] | body[1] << 8) < FWP_PROTO_VERSION) {
			respond_status(s, rtype, seq, FWP_ST_UNSUPPORTED, 0);
			return FWD_SERIAL_CONTINUE;
		}
		respond_info(s, seq);
		return FWD_SERIAL_CONTINUE;
	case FWP_REQ_BEGIN:
		if (blen != FWP_BEGIN_LEN || body[2] || body[3])
			break;
		st = fwd_update_begin(s->up, body[0], body[1], fwd_get_le32(body + 4), body + 8,
				      body + 8 + FWP_SESSION_ID_LEN, &off, &detail);
		respond_status(s, rtype, seq, st, detail);
		return FWD_SERIAL_CONTINUE;
	case FWP_REQ_DATA:
		if (blen < FWP_DATA_HDR_LEN + 1)
			break;
		st = fwd_update_data(s->up, fwd_get_le32(body), body + FWP_DATA_HDR_LEN,
				     blen - FWP_DATA_HDR_LEN);
		respond_status(s, rtype, seq, st, 0);
		return FWD_SERIAL_CONTINUE;
	case FWP_REQ_FINISH:
		if (blen != 0)
			break;
		st = fwd_update_finish(s->up, &detail);
		respond_status(s, rtype, seq, st, detail);
		return FWD_SERIAL_CONTINUE;
	case FWP_REQ_BOOT:
		if (blen != 0)
			break;
		respond_status(s, rtype, seq, FWP_ST_OK, 0);
		return FWD_SERIAL_BOOT;
	case FWP_REQ_ABORT:
		if (blen != 0)
			break;
		fwd_update_abort(s->up);
		respond_status(s, rtype, seq, FWP_ST_OK, 0);
		return FWD_SERIAL_CONTINUE;
	case FWP_REQ_BAUD:
		if (blen != 4)
			break;
		/* Asked before the answer: an OK means the device will follow. */
		if (!s->cfg->baud_ok || s->cfg->baud_ok(fwd_get_le32(body)) != 0) {
			respond_status(s, rtype, seq, FWP_ST_UNSUPPORTED, 0);
			return FWD_SERIAL_CONTINUE;
		}
		s->baud = fwd_get_le32(body);
		respond_status(s, rtype, seq, FWP_ST_OK, 0);
		return FWD_SERIAL_SET_BAUD;
	default:
		respond_status(s, rtype, seq, FWP_ST_UNKNOWN_REQUEST, 0);
		return FWD_SERIAL_CONTINUE;
	}
	respond_status(s, rtype, seq, FWP_ST_BAD_REQUEST, 0);
	return FWD_SERIAL_CONTINUE;
}

enum fwd_serial_action fwd_serial_input(struct fwd_serial *s, uint8_t b)
{
	switch (fwd_frame_rx_byte(&s->rx, b)) {
	case FWD_FRAME_OK:
		s->good_frames++;
		return fwd_serial_packet(s, s->rx.buf, s->rx.len);
	case FWD_FRAME_BAD:
		/* The sender cannot be trusted from this frame: seq 0, and where we are. */
		s->bad_frames++;
		respond_status(s, FWP_RESP_BAD_FRAME, 0, FWP_ST_BAD_FRAME, 0);
		return FWD_SERIAL_CONTINUE;
	default:
		return FWD_SERIAL_CONTINUE;
	}
}

/* Requests in, responses out; every request gets exactly one response. */
#include <string.h>

#include "fwc_info.h"
#include "fwd_serial.h"

void fwd_serial_init(struct fwd_serial *s, const struct fwd_serial_config *cfg,
		     struct fwd_update *up)
{
	memset(s, 0, sizeof(*s));
	s->cfg = cfg;
	s->up = up;
	fwd_frame_rx_init(&s->rx, s->rxbuf, sizeof(s->rxbuf));
}

#define INFO_MAX (FWD_FRAME_HDR_LEN + FWC_INFO_MAX + FWD_FRAME_CRC_LEN)

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
	fwp_put_le32(pkt + 4, fwd_update_offset(s->up));
	respond(s, pkt, FWD_FRAME_HDR_LEN + FWP_STATUS_LEN);
}

static void respond_info(struct fwd_serial *s, uint8_t seq)
{
	uint8_t pkt[INFO_MAX];
	const struct fwd_update *u = s->up;
	struct fwc_info in;
	memset(&in, 0, sizeof(in));
	in.version = FWP_PROTO_VERSION;
	in.max_packet = FWD_SERIAL_MAX_PACKET;
	in.window = FWD_SERIAL_WINDOW;
	in.role = s->cfg->role;
	in.features = (uint16_t)((s->cfg->baud_ok ? FWP_FEAT_BAUD : 0) |
				 (fwd_update_accepts(FWP_ENC_DEFLATE) ? FWP_FEAT_DEFLATE : 0));
	in.board = (const uint8_t *)s->cfg->board;
	while (s->cfg->board[in.board_len] && in.board_len < 255)
		in.board_len++;
	in.nslots = u->ntargets < FWP_MAX_SLOTS ? u->ntargets : FWP_MAX_SLOTS;
	for (uint8_t i = 0; i < in.nslots; i++) {
		const struct fwd_update_target *t = &u->targets[i];
		in.slots[i].id = t->id;
		in.slots[i].flags = t->slot.writable ? FWP_SLOT_WRITABLE : 0;
		in.slots[i].type_mask = t->pol.type_mask;
		in.slots[i].addr = t->slot.addr;
		in.slots[i].size = t->slot.size;
	}
	in.session_state = u->state;
	in.session_slot = u->state != FWP_SESSION_NONE ? u->targets[u->target].id : 0;
	in.session_encoding = u->encoding;
	in.session_size = u->size;
	in.session_offset = fwd_update_offset(u);
	in.session_id = u->id;
	if (s->cfg->uid_len <= FWP_UID_MAX) {
		in.uid = s->cfg->uid;
		in.uid_len = s->cfg->uid_len;
	}
	pkt[0] = FWP_REQ_HELLO | FWP_RESPONSE;
	pkt[1] = seq;
	respond(s, pkt,
		FWD_FRAME_HDR_LEN + (uint32_t)fwc_info_encode(&in, pkt + FWD_FRAME_HDR_LEN,
								FWC_INFO_MAX));
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
		if (fwp_le16(body) < FWP_PROTO_VERSION) {
			respond_status(s, rtype, seq, FWP_ST_UNSUPPORTED, 0);
			return FWD_SERIAL_CONTINUE;
		}
		respond_info(s, seq);
		return FWD_SERIAL_CONTINUE;
	case FWP_REQ_BEGIN:
		if (blen != FWP_BEGIN_LEN || body[2] || body[3])
			break;
		st = fwd_update_begin(s->up, body[0], body[1], fwp_le32(body + 4), body + 8,
				      body + 8 + FWP_SESSION_ID_LEN, &off, &detail);
		respond_status(s, rtype, seq, st, detail);
		return FWD_SERIAL_CONTINUE;
	case FWP_REQ_DATA:
		if (blen < FWP_DATA_HDR_LEN + 1)
			break;
		st = fwd_update_data(s->up, fwp_le32(body), body + FWP_DATA_HDR_LEN,
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
		if (!s->cfg->baud_ok || s->cfg->baud_ok(fwp_le32(body)) != 0) {
			respond_status(s, rtype, seq, FWP_ST_UNSUPPORTED, 0);
			return FWD_SERIAL_CONTINUE;
		}
		s->baud = fwp_le32(body);
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

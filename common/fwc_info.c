/* INFO: one encoder, one decoder (see fwc_info.h). */
#include <string.h>

#include "fwc_info.h"
#include "fwc_rd.h"

size_t fwc_info_encode(const struct fwc_info *in, uint8_t *out, size_t cap)
{
	size_t need = FWP_INFO_FIXED_LEN + 1 + in->board_len + 1 +
		      (size_t)in->nslots * FWP_INFO_SLOT_LEN + FWP_INFO_SESSION_LEN +
		      (in->uid_len ? FWP_INFO_EXT_HDR_LEN + in->uid_len : 0);
	if (in->nslots > FWP_MAX_SLOTS || in->uid_len > FWP_UID_MAX || need > cap)
		return 0;
	uint8_t *p = out;
	*p++ = FWP_ST_OK;
	*p++ = 0;
	fwp_put_le16(p, in->version);
	fwp_put_le16(p + 2, in->max_packet);
	p[4] = in->window;
	p[5] = in->role;
	fwp_put_le16(p + 6, in->features);
	p += 8;
	*p++ = in->board_len;
	memcpy(p, in->board, in->board_len);
	p += in->board_len;
	*p++ = in->nslots;
	for (unsigned i = 0; i < in->nslots; i++, p += FWP_INFO_SLOT_LEN) {
		p[0] = in->slots[i].id;
		p[1] = in->slots[i].flags;
		p[2] = in->slots[i].type_mask;
		p[3] = 0;
		fwp_put_le32(p + 4, in->slots[i].addr);
		fwp_put_le32(p + 8, in->slots[i].size);
	}
	p[0] = in->session_state;
	p[1] = in->session_slot;
	p[2] = in->session_encoding;
	p[3] = 0;
	fwp_put_le32(p + 4, in->session_size);
	fwp_put_le32(p + 8, in->session_offset);
	if (in->session_id)
		memcpy(p + 12, in->session_id, FWP_SESSION_ID_LEN);
	else
		memset(p + 12, 0, FWP_SESSION_ID_LEN);
	p += FWP_INFO_SESSION_LEN;
	if (in->uid_len) {
		p[0] = FWP_INFO_EXT_UID;
		p[1] = in->uid_len;
		memcpy(p + FWP_INFO_EXT_HDR_LEN, in->uid, in->uid_len);
		p += FWP_INFO_EXT_HDR_LEN + in->uid_len;
	}
	return (size_t)(p - out);
}

/* Where a fault was found: the start of the part being read. */
static const char *fault(size_t *at, size_t where, const char *why)
{
	*at = where;
	return why;
}

static const char *decode_slots(struct fwc_rd *r, struct fwc_info *o, size_t *at)
{
	size_t start = r->off;
	o->nslots = fwc_rd_u8(r);
	if (r->bad)
		return fault(at, start, "ends before the slot count");
	if (o->nslots > FWP_MAX_SLOTS)
		return fault(at, start, "lists more slots than the protocol allows");
	for (unsigned i = 0; i < o->nslots; i++) {
		struct fwc_info_slot *s = &o->slots[i];
		start = r->off;
		s->id = fwc_rd_u8(r);
		s->flags = fwc_rd_u8(r);
		s->type_mask = fwc_rd_u8(r);
		fwc_rd_u8(r); /* reserved */
		s->addr = fwc_rd_u32(r);
		s->size = fwc_rd_u32(r);
		if (r->bad)
			return fault(at, start, "ends inside the slot table");
		if (s->addr + (uint64_t)s->size > 0x100000000ull)
			return fault(at, start, "reports a slot past the end of the address space");
	}
	return NULL;
}

static const char *decode_session(struct fwc_rd *r, struct fwc_info *o, size_t *at)
{
	size_t start = r->off;
	o->session_state = fwc_rd_u8(r);
	o->session_slot = fwc_rd_u8(r);
	o->session_encoding = fwc_rd_u8(r);
	fwc_rd_u8(r); /* reserved */
	o->session_size = fwc_rd_u32(r);
	o->session_offset = fwc_rd_u32(r);
	o->session_id = fwc_rd_bytes(r, FWP_SESSION_ID_LEN);
	if (r->bad)
		return fault(at, start, "ends inside the session");
	if (o->session_state != FWP_SESSION_NONE && o->session_offset > o->session_size)
		return fault(at, start, "reports a session offset past the session's size");
	return NULL;
}

/* Extension records (tag, len, value) to the end; unknown tags are skipped. */
static const char *decode_records(struct fwc_rd *r, struct fwc_info *o, size_t *at)
{
	while (fwc_rd_left(r)) {
		size_t start = r->off;
		uint8_t tag = fwc_rd_u8(r), len = fwc_rd_u8(r);
		const uint8_t *v = fwc_rd_bytes(r, len);
		if (r->bad)
			return fault(at, start, "has an extension record that runs past its end");
		if (tag != FWP_INFO_EXT_UID)
			continue;
		if (o->uid)
			return fault(at, start, "reports two unique IDs");
		if (len == 0 || len > FWP_UID_MAX)
			return fault(at, start, "reports an empty or too long unique ID");
		o->uid = v;
		o->uid_len = len;
	}
	return NULL;
}

const char *fwc_info_decode(const uint8_t *p, size_t n, struct fwc_info *o, size_t *at)
{
	struct fwc_rd r = fwc_rd_init(p, n);
	memset(o, 0, sizeof(*o));
	uint8_t status = fwc_rd_u8(&r);
	fwc_rd_u8(&r); /* detail */
	o->version = fwc_rd_u16(&r);
	o->max_packet = fwc_rd_u16(&r);
	o->window = fwc_rd_u8(&r);
	o->role = fwc_rd_u8(&r);
	o->features = fwc_rd_u16(&r);
	if (r.bad)
		return fault(at, 0, "is shorter than its fixed part");
	if (status != FWP_ST_OK)
		return fault(at, 0, "carries a status other than OK");
	size_t start = r.off;
	o->board_len = fwc_rd_u8(&r);
	o->board = fwc_rd_bytes(&r, o->board_len);
	if (r.bad)
		return fault(at, start, "ends inside the board name");
	const char *why = decode_slots(&r, o, at);
	if (!why)
		why = decode_session(&r, o, at);
	if (!why)
		why = decode_records(&r, o, at);
	return why;
}

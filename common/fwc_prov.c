/*
 * The provisioning record reader. It reads through the image source in
 * pieces no larger than one record (at most 4 + 1 + 31 + 63 bytes for a
 * FIELD; vendor records are skipped unread), so the Loader checks a record
 * in flash with a small stack, and every length is checked against what
 * is left of the payload before it is used.
 */
#include <string.h>

#include "fwc_prov.h"

#ifdef FWC_TERSE
#define bad(r, off) ((void)(r), (void)(off), FWC_BAD_PAYLOAD)
#else
static enum fwc_verdict bad(struct fwc_result *r, uint32_t off)
{
	r->rule = FWC_R_PROV_FORMAT;
	r->off = off;
	return FWC_BAD_PAYLOAD;
}
#endif

static int name_char(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

/* A FIELD's value: u8 name_len, name, value; both parts checked and copied. */
static int parse_field(const uint8_t *v, uint32_t len, struct fwc_prov_field *f)
{
	uint32_t nl = v[0];
	if (nl < 1 || nl > FWP_PROV_NAME_MAX || len < 1 + nl + 1 ||
	    len - 1 - nl > FWP_PROV_VALUE_MAX)
		return -1;
	for (uint32_t i = 0; i < nl; i++)
		if (!name_char(v[1 + i]))
			return -1;
	for (uint32_t i = 1 + nl; i < len; i++)
		if (v[i] < 0x20 || v[i] > 0x7E)
			return -1;
	memcpy(f->name, v + 1, nl);
	f->name[nl] = 0;
	memcpy(f->value, v + 1 + nl, len - 1 - nl);
	f->value[len - 1 - nl] = 0;
	return 0;
}

enum fwc_verdict fwc_prov_check(const struct fwc_source *src, uint32_t off, uint32_t len,
				fwc_prov_each each, void *ctx, struct fwc_result *r)
{
	uint8_t buf[1 + FWP_PROV_NAME_MAX + FWP_PROV_VALUE_MAX];
	struct fwc_prov_field f, prev;
	uint32_t pos = 2, nrec = 0;
	int vendor_seen = 0;
	prev.name[0] = 0;
	r->prov_uid_len = 0;
	if (len < 2 + FWP_TLV_HDR_LEN || len > FWP_PROV_MAX || off > src->size ||
	    len > src->size - off)
		return bad(r, off);
	if (src->read(src->ctx, src->base + off, buf, 2) != 0)
		return FWC_READ_ERROR;
	if (fwp_le16(buf) != FWP_PROV_VERSION)
		return bad(r, off);
	while (pos < len) {
		uint32_t at = off + pos;
		if (len - pos < FWP_TLV_HDR_LEN)
			return bad(r, at);
		if (src->read(src->ctx, src->base + at, buf, FWP_TLV_HDR_LEN) != 0)
			return FWC_READ_ERROR;
		uint16_t tag = fwp_le16(buf), n = fwp_le16(buf + 2);
		pos += FWP_TLV_HDR_LEN;
		if (n > len - pos)
			return bad(r, at);
		int vendor = tag >= FWP_PROV_VENDOR_FIRST && tag <= FWP_PROV_VENDOR_LAST;
		/* The UID first and only there; then FIELDs; vendor records last. */
		if ((nrec == 0) != (tag == FWP_PROV_UID) ||
		    (tag != FWP_PROV_UID && tag != FWP_PROV_FIELD && !vendor))
			return bad(r, at);
		if (tag == FWP_PROV_FIELD && vendor_seen)
			return bad(r, at);
		if (!vendor) {
			if (n > sizeof(buf) ||
			    src->read(src->ctx, src->base + at + FWP_TLV_HDR_LEN, buf, n) != 0)
				return n > sizeof(buf) ? bad(r, at) : FWC_READ_ERROR;
		}
		if (tag == FWP_PROV_UID) {
			if (n < 1 || n > FWP_UID_MAX)
				return bad(r, at);
			memcpy(r->prov_uid, buf, n);
			r->prov_uid_len = (uint8_t)n;
		} else if (tag == FWP_PROV_FIELD) {
			/* Strictly ascending names: no name twice, checked with one name of memory. */
			if (n == 0 || parse_field(buf, n, &f) != 0 || strcmp(f.name, prev.name) <= 0)
				return bad(r, at);
			if (each && each(ctx, &f))
				return FWC_OK;
			prev = f;
		} else {
			vendor_seen = 1;
		}
		pos += n;
		nrec++;
	}
	return FWC_OK;
}

struct lookup {
	const char *name;
	char *out;
	int found;
};

static int match(void *ctx, const struct fwc_prov_field *f)
{
	struct lookup *l = ctx;
	if (strcmp(f->name, l->name) != 0)
		return 0;
	memcpy(l->out, f->value, sizeof(f->value));
	l->found = 1;
	return 1;
}

int fwc_prov_get(const struct fwc_source *src, const uint8_t *uid, uint32_t uid_len,
		 const char *name, char out[FWP_PROV_VALUE_MAX + 1])
{
	struct fwc_result r;
	struct lookup l = {name, out, 0};
	if (fwc_image_check(src, FWC_STRUCTURE, NULL, &r) != FWC_OK ||
	    r.hdr.image_type != FWP_IMAGE_TYPE_PROVISIONING || !uid_len ||
	    r.prov_uid_len != uid_len || memcmp(r.prov_uid, uid, uid_len) != 0)
		return -1;
	if (fwc_prov_check(src, r.hdr.hdr_size, r.hdr.payload_size, match, &l, &r) != FWC_OK)
		return -1;
	return l.found ? 0 : -1;
}

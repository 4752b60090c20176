/* Writing, parsing and verifying fwpack slot images. */
#include <string.h>

#include "slotimage.h"

static void put_tlv_hdr(uint8_t *p, uint16_t type, uint16_t len)
{
	fwp_put_le16(p, type);
	fwp_put_le16(p + 2, len);
}

static int append_tlv(struct fwp_buf *b, uint16_t type, const uint8_t *value, uint16_t len,
		      struct fwp_err *err)
{
	uint8_t h[FWP_TLV_HDR_LEN];
	int rc;
	put_tlv_hdr(h, type, len);
	if ((rc = fwp_buf_append(b, h, sizeof(h), err)) < 0)
		return rc;
	return fwp_buf_append(b, value, len, err);
}

static void encode_header(const struct fwp_image_params *p, uint16_t hdr_size,
			  uint16_t prot_size, uint8_t h[FWP_IMAGE_HDR_LEN])
{
	memset(h, 0, FWP_IMAGE_HDR_LEN);
	fwp_put_le32(h + FWP_HDR_OFF_MAGIC, FWP_IMAGE_MAGIC);
	fwp_put_le16(h + FWP_HDR_OFF_HDR_VERSION, FWP_IMAGE_HDR_VERSION);
	fwp_put_le16(h + FWP_HDR_OFF_HDR_SIZE, hdr_size);
	h[FWP_HDR_OFF_IMAGE_TYPE] = (uint8_t)p->type;
	fwp_put_le16(h + FWP_HDR_OFF_FLAGS, p->flags);
	h[FWP_HDR_OFF_VER_MAJOR] = p->version.major;
	h[FWP_HDR_OFF_VER_MINOR] = p->version.minor;
	fwp_put_le16(h + FWP_HDR_OFF_VER_PATCH, p->version.patch);
	fwp_put_le32(h + FWP_HDR_OFF_VER_BUILD, p->version.build);
	fwp_put_le32(h + FWP_HDR_OFF_SECURITY_COUNTER, p->security_counter);
	fwp_put_le32(h + FWP_HDR_OFF_LOAD_ADDR, p->load_addr);
	fwp_put_le32(h + FWP_HDR_OFF_VECTOR_ADDR, p->vector_addr);
	fwp_put_le32(h + FWP_HDR_OFF_PAYLOAD_SIZE, (uint32_t)p->payload_len);
	fwp_put_le32(h + FWP_HDR_OFF_PAYLOAD_CRC32, fwp_crc32(p->payload, p->payload_len));
	fwp_put_le16(h + FWP_HDR_OFF_PROTECTED_TLV_SIZE, prot_size);
	fwp_put_le32(h + FWP_HDR_OFF_HEADER_CRC32, fwp_crc32(h, FWP_HDR_OFF_HEADER_CRC32));
}

int fwp_image_begin(const struct fwp_image_params *p, struct fwp_buf *out, uint8_t digest[32],
		    struct fwp_err *err)
{
	uint8_t h[FWP_IMAGE_HDR_LEN];
	uint64_t hdr_size = (uint64_t)p->load_addr - p->slot_addr;
	uint16_t prot_size = 0;
	int rc;

	if (p->load_addr < p->slot_addr || hdr_size < FWP_IMAGE_HDR_LEN ||
	    hdr_size >= FWP_IMAGE_HDR_SIZE_MAX)
		return fwp_fail(err, FWP_ERR_RANGE,
				"load address 0x%08x leaves 0x%llx bytes for the image header at "
				"slot address 0x%08x; it needs 0x%x..0x%x",
				p->load_addr, (long long)hdr_size, p->slot_addr, FWP_IMAGE_HDR_LEN,
				FWP_IMAGE_HDR_SIZE_MAX - 1);
	if ((uint64_t)p->payload_len > 0xFFFFFFFFu - p->load_addr)
		return fwp_fail(err, FWP_ERR_RANGE, "payload of %zu bytes runs past 4 GiB",
				p->payload_len);
	if (p->build_id_len > FWP_BUILD_ID_MAX)
		return fwp_fail(err, FWP_ERR_RANGE, "build ID of %zu bytes is longer than %u",
				p->build_id_len, FWP_BUILD_ID_MAX);
	if (p->build_id_len)
		prot_size = (uint16_t)(FWP_TLV_INFO_LEN + FWP_TLV_HDR_LEN + p->build_id_len);

	encode_header(p, (uint16_t)hdr_size, prot_size, h);
	if ((rc = fwp_buf_append(out, h, sizeof(h), err)) < 0 ||
	    (rc = fwp_buf_fill(out, 0, (size_t)hdr_size - FWP_IMAGE_HDR_LEN, err)) < 0 ||
	    (rc = fwp_buf_append(out, p->payload, p->payload_len, err)) < 0)
		return rc;
	if (prot_size) {
		uint8_t info[FWP_TLV_INFO_LEN];
		fwp_put_le16(info, FWP_TLV_PROT_INFO_MAGIC);
		fwp_put_le16(info + 2, prot_size);
		if ((rc = fwp_buf_append(out, info, sizeof(info), err)) < 0 ||
		    (rc = append_tlv(out, FWP_TLV_BUILD_ID, p->build_id, (uint16_t)p->build_id_len,
				     err)) < 0)
			return rc;
	}
	struct fwp_iov iov = {out->data, out->len};
	return fwp_sha256(&iov, 1, digest, err);
}

int fwp_image_finish(struct fwp_buf *out, const uint8_t digest[32], const uint8_t keyhash[32],
		     const uint8_t sig[64], struct fwp_err *err)
{
	uint8_t info[FWP_TLV_INFO_LEN];
	int rc;
	uint16_t total = FWP_TLV_INFO_LEN + 3 * FWP_TLV_HDR_LEN + FWP_SHA256_LEN + FWP_SHA256_LEN +
			 FWP_P256_SIG_LEN;
	fwp_put_le16(info, FWP_TLV_INFO_MAGIC);
	fwp_put_le16(info + 2, total);
	if ((rc = fwp_buf_append(out, info, sizeof(info), err)) < 0 ||
	    (rc = append_tlv(out, FWP_TLV_SHA256, digest, FWP_SHA256_LEN, err)) < 0 ||
	    (rc = append_tlv(out, FWP_TLV_KEYHASH, keyhash, FWP_SHA256_LEN, err)) < 0)
		return rc;
	return append_tlv(out, FWP_TLV_ECDSA_P256, sig, FWP_P256_SIG_LEN, err);
}

int fwp_pad_to(struct fwp_buf *b, uint32_t align, uint8_t fill, struct fwp_err *err)
{
	size_t rem = align ? b->len & (align - 1) : 0;
	return rem ? fwp_buf_fill(b, fill, align - rem, err) : FWP_OK;
}

/* ---- parsing and verifying: the common verifier (common/fwc_image.c) ---- */

int fwp_buf_read(void *ctx, uint32_t addr, void *buf, size_t len)
{
	const struct fwp_buf *b = ctx;
	if (addr > b->len || len > b->len - addr)
		return -1;
	memcpy(buf, b->data + addr, len);
	return 0;
}

static int mem_read(void *ctx, uint32_t addr, void *buf, size_t len)
{
	const struct fwp_image_info *info = ctx;
	uint32_t off = addr - info->slot_addr;
	if (off > info->len || len > info->len - off)
		return -1;
	memcpy(buf, info->data + off, len);
	return 0;
}

/*
 * A file in memory as the verifier's source. A file does not say which
 * slot it is for, so the slot is where its header puts it (load_addr -
 * hdr_size): the device's rule that the payload follows the header then
 * holds, and a header no slot could hold (below address 0 or past 4 GiB) is
 * refused here.
 */
static int mem_source(struct fwp_image_info *info, struct fwc_source *src, struct fwp_err *err)
{
	src->read = mem_read;
	src->ctx = info;
	src->base = 0;
	src->size = info->len > 0xFFFFFFFFu ? 0xFFFFFFFFu : (uint32_t)info->len;
	if (info->len < FWP_IMAGE_HDR_LEN)
		return FWP_OK;
	uint32_t load = fwp_le32(info->data + FWP_HDR_OFF_LOAD_ADDR);
	uint16_t hsize = fwp_le16(info->data + FWP_HDR_OFF_HDR_SIZE);
	uint32_t magic = fwp_le32(info->data + FWP_HDR_OFF_MAGIC);
	if (magic == FWP_IMAGE_MAGIC && (load < hsize || (uint64_t)load - hsize + src->size >
								 0x100000000ull))
		return fwp_fail(err, FWP_ERR_VERIFY,
				"header: load_addr 0x%08x does not fit the header and payload", load);
	src->base = info->slot_addr = load - hsize;
	return FWP_OK;
}

const char *fwp_tlv_name(uint16_t type)
{
	switch (type) {
	case FWP_TLV_SHA256:
		return "SHA256";
	case FWP_TLV_KEYHASH:
		return "KEYHASH";
	case FWP_TLV_ECDSA_P256:
		return "ECDSA_P256";
	case FWP_TLV_BUILD_ID:
		return "BUILD_ID";
	default:
		return type >= FWP_TLV_VENDOR_FIRST && type <= FWP_TLV_VENDOR_LAST ? "VENDOR"
										    : "UNKNOWN";
	}
}

/*
 * The verifier's finding as a sentence that names the field, the offset and
 * why: one function per part of the image. Each returns the error, or 1
 * when the rule is not about its part.
 */
static int explain_header(const struct fwc_result *r, size_t len, struct fwp_err *err)
{
	const struct fwp_image_header *h = &r->hdr;
	switch (r->rule) {
	case FWC_R_ERASED:
		return fwp_fail(err, FWP_ERR_VERIFY,
				"header: no image (the 64 header bytes are all 0x%02x: an erased "
				"or invalidated slot)", r->got);
	case FWC_R_MAGIC:
		return fwp_fail(err, FWP_ERR_VERIFY, "header: bad magic 0x%08x (expected 0x%08x)",
				r->got, r->want);
	case FWC_R_HDR_VERSION:
		return fwp_fail(err, FWP_ERR_VERIFY, "header: hdr_version %u is not supported (%u)",
				r->got, r->want);
	case FWC_R_HDR_CRC:
		return fwp_fail(err, FWP_ERR_VERIFY,
				"header: header_crc32 is 0x%08x, the header's CRC-32 is 0x%08x",
				r->got, r->want);
	case FWC_R_HDR_SIZE:
		return fwp_fail(err, FWP_ERR_VERIFY, "header: hdr_size %u is below %u", r->got,
				r->want);
	case FWC_R_IMAGE_TYPE:
		return fwp_fail(err, FWP_ERR_VERIFY, "header: unknown image_type %u (1..%u)",
				r->got, r->want);
	case FWC_R_FLAGS:
		return fwp_fail(err, FWP_ERR_VERIFY, "header: unknown flags 0x%04x",
				r->got & ~r->want);
	case FWC_R_RESERVED:
		return fwp_fail(err, FWP_ERR_VERIFY,
				"header: reserved bytes are not zero (reserved%u at offset %u)",
				r->off == FWP_HDR_OFF_RESERVED0 ? 0 : 1, r->off);
	case FWC_R_FIT:
		if (r->off == 0) /* not an image at all, rather than a refused one */
			return fwp_fail(err, FWP_ERR_FORMAT,
					"%zu bytes is too short for an image header", len);
		return fwp_fail(err, FWP_ERR_VERIFY,
				"header: hdr_size %u + payload_size %u + protected_tlv_size %u run "
				"past the end of the file (%zu bytes)",
				h->hdr_size, h->payload_size, h->protected_tlv_size, len);
	case FWC_R_LOAD_ADDR:
		return fwp_fail(err, FWP_ERR_VERIFY,
				"header: load_addr 0x%08x does not fit the header and payload",
				h->load_addr);
	case FWC_R_PADDING:
		return fwp_fail(err, FWP_ERR_VERIFY,
				"header: padding after the header (offsets %u..%u) is not zero", r->off,
				r->got - 1);
	case FWC_R_PAYLOAD_CRC:
		return fwp_fail(err, FWP_ERR_VERIFY,
				"payload: payload_crc32 is 0x%08x, the payload's CRC-32 is 0x%08x",
				r->got, r->want);
	default:
		return 1;
	}
}

static int explain_tlvs(const struct fwc_result *r, size_t len, struct fwp_err *err)
{
	const char *area = r->trailer_off ? "trailer" : "protected TLVs";
	switch (r->rule) {
	case FWC_R_AREA_MISSING:
		return fwp_fail(err, FWP_ERR_VERIFY, "%s: missing (file ends at %zu)", area, len);
	case FWC_R_AREA_MAGIC:
		return fwp_fail(err, FWP_ERR_VERIFY, "%s: bad magic 0x%04x at offset %u (0x%04x)",
				area, r->got, r->off, r->want);
	case FWC_R_AREA_TOTAL:
		return fwp_fail(err, FWP_ERR_VERIFY,
				"%s: length %u at offset %u does not fit (%s %u)", area, r->got,
				r->off, r->trailer_off ? "at most" : "protected_tlv_size is", r->want);
	case FWC_R_TLV_TRUNCATED:
		return fwp_fail(err, FWP_ERR_VERIFY, "%s: truncated TLV at offset %u", area,
				r->off);
	case FWC_R_TLV_OVERRUN:
		return fwp_fail(err, FWP_ERR_VERIFY,
				"%s: TLV at offset %u of %u bytes runs past the area (%u left)", area,
				r->off, r->got, r->want);
	case FWC_R_TLV_ORDER:
		return fwp_fail(err, FWP_ERR_VERIFY,
				"%s: TLV 0x%04x at offset %u appears twice or out of order (types "
				"ascend, each at most once)", area, r->got, r->off);
	case FWC_R_TLV_LENGTH:
		return fwp_fail(err, FWP_ERR_VERIFY, "%s: TLV at offset %u has length %u (%s%u)",
				area, r->off - 2, r->got, r->trailer_off ? "" : "1..", r->want);
	case FWC_R_TLV_PLACE:
		if (!r->trailer_off)
			return fwp_fail(err, FWP_ERR_VERIFY,
					"protected TLVs: TLV 0x%04x at offset %u belongs in the trailer",
					r->got, r->off);
		return fwp_fail(err, FWP_ERR_VERIFY,
				"trailer: TLV 0x%04x at offset %u is not allowed outside the protected "
				"area", r->got, r->off);
	case FWC_R_TLV_MISSING:
		for (uint16_t t = FWP_TLV_SHA256; t <= FWP_TLV_ECDSA_P256; t++)
			if (!(r->got & (1u << t)))
				return fwp_fail(err, FWP_ERR_VERIFY, "trailer: no %s record",
						fwp_tlv_name(t));
		return 1;
	default:
		return 1;
	}
}

static int explain_checks(const struct fwc_result *r, struct fwp_err *err)
{
	char want[2 * FWP_SHA256_LEN + 1], got[2 * FWP_SHA256_LEN + 1];
	switch (r->rule) {
	case FWC_R_DIGEST:
		fwp_hex(r->digest, FWP_SHA256_LEN, want);
		fwp_hex(r->hashed, FWP_SHA256_LEN, got);
		return fwp_fail(err, FWP_ERR_VERIFY,
				"digest mismatch: the trailer says %s, the image hashes to %s", want,
				got);
	case FWC_R_KEY:
		fwp_hex(r->keyhash, FWP_SHA256_LEN, want);
		return fwp_fail(err, FWP_ERR_VERIFY,
				"signed by another key: the image's key hash is %s", want);
	case FWC_R_SIGNATURE:
		return fwp_fail(err, FWP_ERR_VERIFY, "signature does not verify with the given key");
	case FWC_R_READ:
		return fwp_fail(err, FWP_ERR_VERIFY, "offset %u is past the end of the file",
				r->off);
	case FWC_R_PROV_CODE:
		return fwp_fail(err, FWP_ERR_VERIFY,
				"header: a provisioning image must carry the DATA flag and "
				"vector_addr 0 (it has 0x%08x)", r->got);
	case FWC_R_PROV_UID:
		return fwp_fail(err, FWP_ERR_VERIFY,
				"provisioning record: its unique ID (%u bytes) is not this board's "
				"(%u bytes)", r->got, r->want);
	case FWC_R_PROV_FORMAT:
		return fwp_fail(err, FWP_ERR_VERIFY,
				"payload: provisioning record malformed at offset %u "
				"(docs/image-format.md: version, UID first, FIELDs by name, vendor records)",
				r->off);
	default:
		return 1;
	}
}

static int explain(const struct fwc_result *r, size_t len, struct fwp_err *err)
{
	int rc = explain_header(r, len, err);
	if (rc > 0)
		rc = explain_tlvs(r, len, err);
	if (rc > 0)
		rc = explain_checks(r, err);
	if (rc > 0)
		rc = fwp_fail(err, FWP_ERR_VERIFY, "image refused (rule %d at offset %u)",
			      (int)r->rule, r->off);
	return rc;
}

/* List the records of both areas with the verifier's own iterator. */
static void collect_tlvs(struct fwp_image_info *info, const struct fwc_source *src,
			 const struct fwc_result *r)
{
	struct fwc_result scratch;
	struct fwc_tlv_iter it;
	struct fwc_tlv t;
	for (int prot = 1; prot >= 0; prot--) {
		uint32_t off = prot ? r->prot_off : r->trailer_off;
		if (prot && !info->hdr.protected_tlv_size)
			continue;
		if (fwc_tlv_open(&it, src, off, prot, 0, &scratch) < 0)
			continue;
		while (info->ntlvs < FWP_IMAGE_MAX_TLVS && fwc_tlv_next(&it, &t, &scratch) > 0) {
			struct fwp_tlv *e = &info->tlvs[info->ntlvs++];
			e->type = t.type;
			e->len = t.len;
			e->value = info->data + t.off;
			e->protected_area = prot;
			if (t.type == FWP_TLV_SHA256)
				info->sha256 = e->value;
			else if (t.type == FWP_TLV_KEYHASH)
				info->keyhash = e->value;
			else if (t.type == FWP_TLV_ECDSA_P256)
				info->sig = e->value;
			else if (t.type == FWP_TLV_BUILD_ID) {
				info->build_id = e->value;
				info->build_id_len = t.len;
			}
		}
	}
}

int fwp_image_parse(const uint8_t *d, size_t len, struct fwp_image_info *info,
		    struct fwp_err *err)
{
	struct fwc_result r;
	struct fwc_source src;
	int rc;
	memset(info, 0, sizeof(*info));
	info->data = d;
	info->len = len;
	if ((rc = mem_source(info, &src, err)) < 0) {
		fwp_image_decode_header(d, &info->hdr);
		return rc;
	}
	enum fwc_verdict v = fwc_image_check(&src, FWC_STRUCTURE, NULL, &r);
	info->hdr = r.hdr;
	if (v != FWC_OK)
		return explain(&r, len, err);
	info->payload = d + r.hdr.hdr_size;
	info->signed_data = d;
	info->signed_len = r.trailer_off;
	info->trailer_off = r.trailer_off;
	info->end = r.end;
	collect_tlvs(info, &src, &r);
	return FWP_OK;
}

int fwp_image_verify(const struct fwp_image_info *info, const struct fwp_key *key,
		     struct fwp_err *err)
{
	uint8_t point[FWP_P256_PUBKEY_LEN];
	struct fwc_policy pol = {(const uint8_t(*)[FWP_P256_PUBKEY_LEN])point, 1, 0xFF, 0, 0, NULL, 0};
	struct fwc_result r;
	int rc;
	if (key && fwp_key_curve(key) != FWP_CURVE_P256)
		return fwp_fail(err, FWP_ERR_VERIFY, "fwpack images are signed with P-256 keys");
	if (key && (rc = fwp_key_public_point(key, point, err)) < 0)
		return rc;
	struct fwc_source src;
	if ((rc = mem_source((struct fwp_image_info *)info, &src, err)) < 0)
		return rc;
	if (fwc_image_check(&src, key ? FWC_SIGNATURE : FWC_DIGEST, &pol, &r) != FWC_OK)
		return explain(&r, info->len, err);
	return FWP_OK;
}

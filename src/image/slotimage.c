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

/* ---- parsing ---- */

static int all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

static int check_header(const uint8_t *d, size_t len, const struct fwp_image_header *h,
			struct fwp_err *err)
{
	uint32_t crc;
	if (h->magic != FWP_IMAGE_MAGIC)
		return fwp_fail(err, FWP_ERR_FORMAT, "header: bad magic 0x%08x (expected 0x%08x)",
				h->magic, FWP_IMAGE_MAGIC);
	if (h->hdr_version != FWP_IMAGE_HDR_VERSION)
		return fwp_fail(err, FWP_ERR_UNSUPPORTED, "header: version %u is not supported (1)",
				h->hdr_version);
	crc = fwp_crc32(d, FWP_HDR_OFF_HEADER_CRC32);
	if (crc != h->header_crc32)
		return fwp_fail(err, FWP_ERR_VERIFY,
				"header: header_crc32 is 0x%08x, the header's CRC-32 is 0x%08x",
				h->header_crc32, crc);
	if (h->hdr_size < FWP_IMAGE_HDR_LEN || h->hdr_size > len)
		return fwp_fail(err, FWP_ERR_FORMAT, "header: hdr_size %u is outside 64..%zu",
				h->hdr_size, len);
	if (h->image_type < FWP_IMAGE_TYPE_LOADER || h->image_type > FWP_IMAGE_TYPE_BOOTLOADER)
		return fwp_fail(err, FWP_ERR_FORMAT, "header: unknown image_type %u",
				h->image_type);
	if (h->flags & ~FWP_IMAGE_FLAGS_KNOWN)
		return fwp_fail(err, FWP_ERR_UNSUPPORTED, "header: unknown flags 0x%04x",
				h->flags & ~FWP_IMAGE_FLAGS_KNOWN);
	if (h->reserved0 || !all_zero(h->reserved1, sizeof(h->reserved1)))
		return fwp_fail(err, FWP_ERR_FORMAT, "header: reserved bytes are not zero");
	if (!all_zero(d + FWP_IMAGE_HDR_LEN, h->hdr_size - FWP_IMAGE_HDR_LEN))
		return fwp_fail(err, FWP_ERR_FORMAT, "header: padding after the header is not zero");
	if (h->payload_size > len - h->hdr_size)
		return fwp_fail(err, FWP_ERR_FORMAT,
				"header: payload_size %u runs past the end of the file (%zu bytes)",
				h->payload_size, len);
	if ((uint64_t)h->load_addr + h->payload_size > 0x100000000ull ||
	    h->load_addr < h->hdr_size)
		return fwp_fail(err, FWP_ERR_FORMAT,
				"header: load_addr 0x%08x does not fit the header and payload",
				h->load_addr);
	return FWP_OK;
}

static int add_tlv(struct fwp_image_info *info, uint16_t type, uint16_t len, const uint8_t *v,
		   int prot, struct fwp_err *err)
{
	const char *area = prot ? "protected TLVs" : "trailer";
	if (info->ntlvs == FWP_IMAGE_MAX_TLVS)
		return fwp_fail(err, FWP_ERR_FORMAT, "%s: more than %d TLV records", area,
				FWP_IMAGE_MAX_TLVS);
	for (size_t i = 0; i < info->ntlvs; i++)
		if (info->tlvs[i].type == type)
			return fwp_fail(err, FWP_ERR_FORMAT, "%s: TLV 0x%04x appears twice", area,
					type);
	struct fwp_tlv *t = &info->tlvs[info->ntlvs++];
	t->type = type;
	t->len = len;
	t->value = v;
	t->protected_area = prot;

	switch (type) {
	case FWP_TLV_SHA256:
	case FWP_TLV_KEYHASH:
	case FWP_TLV_ECDSA_P256:
		if (prot)
			return fwp_fail(err, FWP_ERR_FORMAT,
					"protected TLVs: TLV 0x%04x belongs in the trailer", type);
		if (len != (type == FWP_TLV_ECDSA_P256 ? FWP_P256_SIG_LEN : FWP_SHA256_LEN))
			return fwp_fail(err, FWP_ERR_FORMAT, "trailer: TLV 0x%04x has length %u",
					type, len);
		if (type == FWP_TLV_SHA256)
			info->sha256 = v;
		else if (type == FWP_TLV_KEYHASH)
			info->keyhash = v;
		else
			info->sig = v;
		break;
	case FWP_TLV_BUILD_ID:
		if (!prot)
			return fwp_fail(err, FWP_ERR_FORMAT,
					"trailer: the build ID must be a protected TLV");
		if (len == 0 || len > FWP_BUILD_ID_MAX)
			return fwp_fail(err, FWP_ERR_FORMAT, "protected TLVs: build ID of %u bytes",
					len);
		info->build_id = v;
		info->build_id_len = len;
		break;
	default:
		if (!prot)
			return fwp_fail(err, FWP_ERR_FORMAT,
					"trailer: unknown TLV 0x%04x outside the protected area",
					type);
		break;
	}
	return FWP_OK;
}

/* Parse one TLV area at d[off..]; on success *next is the offset after it. */
static int parse_area(const uint8_t *d, size_t len, size_t off, int prot, size_t expect_total,
		      struct fwp_image_info *info, size_t *next, struct fwp_err *err)
{
	const char *area = prot ? "protected TLVs" : "trailer";
	uint16_t magic_expected = prot ? FWP_TLV_PROT_INFO_MAGIC : FWP_TLV_INFO_MAGIC;
	if (len - off < FWP_TLV_INFO_LEN)
		return fwp_fail(err, FWP_ERR_FORMAT, "%s: missing (file ends at %zu)", area, len);
	uint16_t magic = fwp_le16(d + off), total = fwp_le16(d + off + 2);
	if (magic != magic_expected)
		return fwp_fail(err, FWP_ERR_FORMAT, "%s: bad magic 0x%04x at offset %zu", area,
				magic, off);
	if (total < FWP_TLV_INFO_LEN || total > len - off ||
	    (expect_total && total != expect_total))
		return fwp_fail(err, FWP_ERR_FORMAT, "%s: length %u does not fit", area, total);
	size_t p = off + FWP_TLV_INFO_LEN, end = off + total;
	while (p < end) {
		if (end - p < FWP_TLV_HDR_LEN)
			return fwp_fail(err, FWP_ERR_FORMAT, "%s: truncated TLV at offset %zu",
					area, p);
		uint16_t type = fwp_le16(d + p), tlen = fwp_le16(d + p + 2);
		p += FWP_TLV_HDR_LEN;
		if (tlen > end - p)
			return fwp_fail(err, FWP_ERR_FORMAT,
					"%s: TLV 0x%04x of %u bytes runs past the area", area, type,
					tlen);
		int rc = add_tlv(info, type, tlen, d + p, prot, err);
		if (rc < 0)
			return rc;
		p += tlen;
	}
	*next = end;
	return FWP_OK;
}

int fwp_image_parse(const uint8_t *d, size_t len, struct fwp_image_info *info,
		    struct fwp_err *err)
{
	struct fwp_image_header *h = &info->hdr;
	size_t off;
	int rc;

	memset(info, 0, sizeof(*info));
	if (len < FWP_IMAGE_HDR_LEN)
		return fwp_fail(err, FWP_ERR_FORMAT, "%zu bytes is too short for an image header",
				len);
	fwp_image_decode_header(d, h);
	if ((rc = check_header(d, len, h, err)) < 0)
		return rc;
	info->payload = d + h->hdr_size;
	uint32_t crc = fwp_crc32(info->payload, h->payload_size);
	if (crc != h->payload_crc32)
		return fwp_fail(err, FWP_ERR_VERIFY,
				"payload: payload_crc32 is 0x%08x, the payload's CRC-32 is 0x%08x",
				h->payload_crc32, crc);
	off = (size_t)h->hdr_size + h->payload_size;
	if (h->protected_tlv_size &&
	    (rc = parse_area(d, len, off, 1, h->protected_tlv_size, info, &off, err)) < 0)
		return rc;
	info->signed_data = d;
	info->signed_len = off;
	info->trailer_off = off;
	if ((rc = parse_area(d, len, off, 0, 0, info, &info->end, err)) < 0)
		return rc;
	if (!info->sha256)
		return fwp_fail(err, FWP_ERR_FORMAT, "trailer: no SHA-256 digest");
	return FWP_OK;
}

int fwp_image_verify(const struct fwp_image_info *info, const struct fwp_key *key,
		     struct fwp_err *err)
{
	uint8_t digest[FWP_SHA256_LEN], kh[FWP_SHA256_LEN];
	struct fwp_iov iov = {info->signed_data, info->signed_len};
	char want[65], got[65];
	int rc;

	if ((rc = fwp_sha256(&iov, 1, digest, err)) < 0)
		return rc;
	if (memcmp(digest, info->sha256, FWP_SHA256_LEN) != 0) {
		fwp_hex(info->sha256, FWP_SHA256_LEN, want);
		fwp_hex(digest, FWP_SHA256_LEN, got);
		return fwp_fail(err, FWP_ERR_VERIFY,
				"digest mismatch: the trailer says %s, the image hashes to %s", want,
				got);
	}
	if (!key)
		return FWP_OK;
	if (!info->sig || !info->keyhash)
		return fwp_fail(err, FWP_ERR_VERIFY, "image is not signed");
	if ((rc = fwp_key_hash(key, kh, err)) < 0)
		return rc;
	if (memcmp(kh, info->keyhash, FWP_SHA256_LEN) != 0) {
		fwp_hex(info->keyhash, FWP_SHA256_LEN, want);
		fwp_hex(kh, FWP_SHA256_LEN, got);
		return fwp_fail(err, FWP_ERR_VERIFY,
				"signed by another key: image key hash %s, given key hash %s", want,
				got);
	}
	if (fwp_key_curve(key) != FWP_CURVE_P256)
		return fwp_fail(err, FWP_ERR_VERIFY, "fwpack images are signed with P-256 keys");
	rc = fwp_ecdsa_verify_digest(key, digest, info->sig, err);
	if (rc == FWP_ERR_VERIFY)
		return fwp_fail(err, rc, "signature does not verify with the given key");
	return rc;
}

/*
 * Image validation on the device. Flash is read through the port's read
 * operation in small chunks, so that a slot of any size is hashed with a
 * few hundred bytes of stack and no heap.
 */
#include <string.h>

#include <bearssl.h>

#include "fwd_image.h"

#define CHUNK 256u

const char *fwd_verdict_str(enum fwd_verdict v)
{
	switch (v) {
	case FWD_IMAGE_OK:
		return "valid";
	case FWD_IMAGE_EMPTY:
		return "no image";
	case FWD_IMAGE_BAD_HEADER:
		return "bad header";
	case FWD_IMAGE_BAD_PAYLOAD:
		return "payload CRC mismatch";
	case FWD_IMAGE_BAD_TRAILER:
		return "bad TLV trailer";
	case FWD_IMAGE_BAD_DIGEST:
		return "digest mismatch";
	case FWD_IMAGE_WRONG_KEY:
		return "signed with an untrusted key";
	case FWD_IMAGE_BAD_SIGNATURE:
		return "bad signature";
	case FWD_IMAGE_WRONG_TYPE:
		return "wrong image type for this slot";
	case FWD_IMAGE_ROLLBACK:
		return "rollback refused (security counter too low)";
	case FWD_IMAGE_BAD_VECTORS:
		return "vector table outside the payload or misaligned";
	case FWD_IMAGE_FLASH_ERROR:
		return "flash read error";
	}
	return "unknown";
}

static int all_bytes(const uint8_t *p, uint32_t n, uint8_t v)
{
	for (uint32_t i = 0; i < n; i++)
		if (p[i] != v)
			return 0;
	return 1;
}

static enum fwd_verdict check_header(const uint8_t *raw, const struct fwp_image_header *h,
				     uint32_t slot_addr, uint32_t slot_size)
{
	if (all_bytes(raw, FWP_IMAGE_HDR_LEN, 0xFF) || all_bytes(raw, FWP_IMAGE_HDR_LEN, 0x00))
		return FWD_IMAGE_EMPTY; /* erased, or invalidated by zeroing */
	if (h->magic != FWP_IMAGE_MAGIC)
		return FWD_IMAGE_EMPTY;
	if (h->hdr_version != FWP_IMAGE_HDR_VERSION ||
	    fwd_crc32(0, raw, FWP_HDR_OFF_HEADER_CRC32) != h->header_crc32)
		return FWD_IMAGE_BAD_HEADER;
	if (h->hdr_size < FWP_IMAGE_HDR_LEN || h->reserved0 ||
	    !all_bytes(h->reserved1, sizeof(h->reserved1), 0) ||
	    (h->flags & ~FWP_IMAGE_FLAGS_KNOWN))
		return FWD_IMAGE_BAD_HEADER;
	/* Everything must fit the slot, and the payload must sit where it says. */
	uint64_t end = (uint64_t)h->hdr_size + h->payload_size + h->protected_tlv_size;
	if (end > slot_size || h->load_addr != slot_addr + h->hdr_size)
		return FWD_IMAGE_BAD_HEADER;
	return FWD_IMAGE_OK;
}

/* Hash (and CRC, when crc != NULL) len bytes of flash at addr. */
static int stream(const struct fwd_flash *fl, uint32_t addr, uint32_t len,
		  br_sha256_context *sha, uint32_t *crc)
{
	uint8_t buf[CHUNK];
	while (len) {
		uint32_t n = len < CHUNK ? len : CHUNK;
		if (fl->ops->read(fl->ctx, addr, buf, n) != 0)
			return -1;
		br_sha256_update(sha, buf, n);
		if (crc)
			*crc = fwd_crc32(*crc, buf, n);
		addr += n;
		len -= n;
	}
	return 0;
}

struct trailer {
	uint8_t sha[32];
	uint8_t keyhash[32];
	uint8_t sig[64];
	uint8_t have; /* bit 0 sha, 1 keyhash, 2 sig */
};

/* Walk one TLV area at addr; collect the trailer records. */
static enum fwd_verdict walk_area(const struct fwd_flash *fl, uint32_t addr, uint32_t room,
				  int prot, uint32_t expect_total, struct trailer *t,
				  uint32_t *total_out)
{
	uint8_t h[4];
	if (room < FWP_TLV_INFO_LEN || fl->ops->read(fl->ctx, addr, h, 4) != 0)
		return FWD_IMAGE_BAD_TRAILER;
	uint16_t magic = fwp_le16(h), total = fwp_le16(h + 2);
	if (magic != (prot ? FWP_TLV_PROT_INFO_MAGIC : FWP_TLV_INFO_MAGIC) ||
	    total < FWP_TLV_INFO_LEN || total > room || (expect_total && total != expect_total))
		return FWD_IMAGE_BAD_TRAILER;
	uint32_t p = FWP_TLV_INFO_LEN;
	while (p < total) {
		if (total - p < FWP_TLV_HDR_LEN || fl->ops->read(fl->ctx, addr + p, h, 4) != 0)
			return FWD_IMAGE_BAD_TRAILER;
		uint16_t type = fwp_le16(h), len = fwp_le16(h + 2);
		p += FWP_TLV_HDR_LEN;
		if (len > total - p)
			return FWD_IMAGE_BAD_TRAILER;
		uint8_t *dst = NULL;
		uint16_t want = 0, bit = 0;
		if (type == FWP_TLV_SHA256) {
			dst = t->sha, want = 32, bit = 1;
		} else if (type == FWP_TLV_KEYHASH) {
			dst = t->keyhash, want = 32, bit = 2;
		} else if (type == FWP_TLV_ECDSA_P256) {
			dst = t->sig, want = 64, bit = 4;
		}
		if (dst) {
			if (prot || len != want || (t->have & bit) ||
			    fl->ops->read(fl->ctx, addr + p, dst, len) != 0)
				return FWD_IMAGE_BAD_TRAILER;
			t->have |= (uint8_t)bit;
		} else if (!prot) {
			return FWD_IMAGE_BAD_TRAILER; /* unknown records only where signed */
		}
		p += len;
	}
	*total_out = total;
	return FWD_IMAGE_OK;
}

static enum fwd_verdict check_policy(const struct fwp_image_header *h,
				     const struct fwd_policy *pol)
{
	if (h->image_type > 7 || !(pol->type_mask & (1u << h->image_type)))
		return FWD_IMAGE_WRONG_TYPE;
	if (h->security_counter < pol->min_security_counter)
		return FWD_IMAGE_ROLLBACK;
	if (h->flags & FWP_IMAGE_F_DATA)
		return FWD_IMAGE_BAD_VECTORS; /* never bootable */
	uint32_t align = fwp_vector_alignment(pol->vector_table_size);
	if (h->vector_addr < h->load_addr ||
	    (uint64_t)h->vector_addr + 8 > (uint64_t)h->load_addr + h->payload_size ||
	    (h->vector_addr & (align - 1)))
		return FWD_IMAGE_BAD_VECTORS;
	return FWD_IMAGE_OK;
}

enum fwd_verdict fwd_image_precheck(const uint8_t *raw, uint32_t slot_addr, uint32_t slot_size,
				    const struct fwd_policy *pol, struct fwp_image_header *h)
{
	enum fwd_verdict v;
	fwp_image_decode_header(raw, h);
	if ((v = check_header(raw, h, slot_addr, slot_size)) != FWD_IMAGE_OK)
		return v;
	return check_policy(h, pol);
}

enum fwd_verdict fwd_image_check(const struct fwd_flash *fl, uint32_t slot_addr,
				 uint32_t slot_size, const struct fwd_policy *pol,
				 struct fwd_image *out)
{
	uint8_t raw[FWP_IMAGE_HDR_LEN], digest[32];
	struct fwp_image_header *h = &out->hdr;
	struct trailer t;
	br_sha256_context sha;
	uint32_t crc = 0, off, total;
	enum fwd_verdict v;

	memset(out, 0, sizeof(*out));
	memset(&t, 0, sizeof(t));
	out->slot_addr = slot_addr;
	if (slot_size < FWP_IMAGE_HDR_LEN || fl->ops->read(fl->ctx, slot_addr, raw, sizeof(raw)))
		return FWD_IMAGE_FLASH_ERROR;
	fwp_image_decode_header(raw, h);
	if ((v = check_header(raw, h, slot_addr, slot_size)) != FWD_IMAGE_OK)
		return v;

	/* The signed data: header region, payload (with its CRC), protected TLVs. */
	br_sha256_init(&sha);
	br_sha256_update(&sha, raw, sizeof(raw));
	if (stream(fl, slot_addr + FWP_IMAGE_HDR_LEN, h->hdr_size - FWP_IMAGE_HDR_LEN, &sha, NULL) ||
	    stream(fl, h->load_addr, h->payload_size, &sha, &crc))
		return FWD_IMAGE_FLASH_ERROR;
	if (crc != h->payload_crc32)
		return FWD_IMAGE_BAD_PAYLOAD;
	off = h->hdr_size + h->payload_size;
	if (h->protected_tlv_size) {
		v = walk_area(fl, slot_addr + off, slot_size - off, 1, h->protected_tlv_size, &t,
			      &total);
		if (v != FWD_IMAGE_OK)
			return v;
		if (stream(fl, slot_addr + off, total, &sha, NULL))
			return FWD_IMAGE_FLASH_ERROR;
		off += total;
	}
	br_sha256_out(&sha, digest);
	v = walk_area(fl, slot_addr + off, slot_size - off, 0, 0, &t, &total);
	if (v != FWD_IMAGE_OK)
		return v;
	if (t.have != 7)
		return FWD_IMAGE_BAD_TRAILER;
	if (memcmp(digest, t.sha, 32) != 0)
		return FWD_IMAGE_BAD_DIGEST;

	/* Trust: the key hash names the signer, the signature proves it. */
	const uint8_t *key = NULL;
	for (uint32_t i = 0; i < pol->key_count && !key; i++) {
		uint8_t kh[32];
		br_sha256_init(&sha);
		br_sha256_update(&sha, pol->keys[i], FWP_P256_PUBKEY_LEN);
		br_sha256_out(&sha, kh);
		if (memcmp(kh, t.keyhash, 32) == 0)
			key = pol->keys[i];
	}
	if (!key)
		return FWD_IMAGE_WRONG_KEY;
	br_ec_public_key pk = {BR_EC_secp256r1, (unsigned char *)key, FWP_P256_PUBKEY_LEN};
	if (br_ecdsa_i31_vrfy_raw(&br_ec_p256_m31, digest, 32, &pk, t.sig, 64) != 1)
		return FWD_IMAGE_BAD_SIGNATURE;
	return check_policy(h, pol);
}

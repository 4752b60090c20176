/*
 * The image verifier shared by the host and the device. Flash (or the
 * file) is read in small chunks so that a slot of any size is checked with
 * a few hundred bytes of stack and no heap; every length comes from the
 * image and is checked against what is left before it is used.
 */
#include <string.h>

#include <bearssl.h>

#include "fwc_image.h"
#ifndef FWC_NO_PROVISIONING
#include "fwc_prov.h"
#endif
#include "fwd_crc32.h"

#define CHUNK 256u

/*
 * The device prints only the verdict: FWC_TERSE (its build) drops the
 * rule, offset and values, which the Bootloader's flash budget cannot
 * spare; the verdicts are the same either way.
 */
#ifdef FWC_TERSE
#define fail(r, v, rule, off, got, want) ((void)(r), (v))
#else
static enum fwc_verdict fail(struct fwc_result *r, enum fwc_verdict v, enum fwc_rule rule,
			     uint32_t off, uint32_t got, uint32_t want)
{
	r->rule = rule;
	r->off = off;
	r->got = got;
	r->want = want;
	return v;
}
#endif

static int all_bytes(const uint8_t *p, uint32_t n, uint8_t v)
{
	for (uint32_t i = 0; i < n; i++)
		if (p[i] != v)
			return 0;
	return 1;
}

static enum fwc_verdict header_rules(const uint8_t *raw, const struct fwc_source *src,
				     struct fwc_result *r)
{
	struct fwp_image_header *h = &r->hdr;
	fwp_image_decode_header(raw, h);
	if (all_bytes(raw, FWP_IMAGE_HDR_LEN, 0xFF) || all_bytes(raw, FWP_IMAGE_HDR_LEN, 0x00))
		return fail(r, FWC_EMPTY, FWC_R_ERASED, 0, raw[0], 0);
	if (h->magic != FWP_IMAGE_MAGIC)
		return fail(r, FWC_EMPTY, FWC_R_MAGIC, FWP_HDR_OFF_MAGIC, h->magic, FWP_IMAGE_MAGIC);
	if (h->hdr_version != FWP_IMAGE_HDR_VERSION)
		return fail(r, FWC_BAD_HEADER, FWC_R_HDR_VERSION, FWP_HDR_OFF_HDR_VERSION,
			    h->hdr_version, FWP_IMAGE_HDR_VERSION);
	uint32_t crc = fwd_crc32(0, raw, FWP_HDR_OFF_HEADER_CRC32);
	if (crc != h->header_crc32)
		return fail(r, FWC_BAD_HEADER, FWC_R_HDR_CRC, FWP_HDR_OFF_HEADER_CRC32,
			    h->header_crc32, crc);
	if (h->hdr_size < FWP_IMAGE_HDR_LEN)
		return fail(r, FWC_BAD_HEADER, FWC_R_HDR_SIZE, FWP_HDR_OFF_HDR_SIZE, h->hdr_size,
			    FWP_IMAGE_HDR_LEN);
	if (h->image_type < FWP_IMAGE_TYPE_LOADER || h->image_type > FWP_IMAGE_TYPE_PROVISIONING)
		return fail(r, FWC_BAD_HEADER, FWC_R_IMAGE_TYPE, FWP_HDR_OFF_IMAGE_TYPE,
			    h->image_type, FWP_IMAGE_TYPE_PROVISIONING);
	if (h->flags & ~FWP_IMAGE_FLAGS_KNOWN)
		return fail(r, FWC_BAD_HEADER, FWC_R_FLAGS, FWP_HDR_OFF_FLAGS, h->flags,
			    FWP_IMAGE_FLAGS_KNOWN);
	if (h->reserved0 || !all_bytes(h->reserved1, sizeof(h->reserved1), 0))
		return fail(r, FWC_BAD_HEADER, FWC_R_RESERVED,
			    h->reserved0 ? FWP_HDR_OFF_RESERVED0 : FWP_HDR_OFF_RESERVED1, 0, 0);
	uint64_t end = (uint64_t)h->hdr_size + h->payload_size + h->protected_tlv_size;
	if (end > src->size)
		return fail(r, FWC_BAD_HEADER, FWC_R_FIT, FWP_HDR_OFF_PAYLOAD_SIZE,
			    end > 0xFFFFFFFFu ? 0xFFFFFFFFu : (uint32_t)end, src->size);
	/* The payload must sit where it says: right after the header region. */
	if (h->load_addr != src->base + h->hdr_size)
		return fail(r, FWC_BAD_HEADER, FWC_R_LOAD_ADDR, FWP_HDR_OFF_LOAD_ADDR, h->load_addr,
			    src->base + h->hdr_size);
	return FWC_OK;
}

/*
 * Read len bytes at image offset off, feeding the hash and CRC when given;
 * *bits collects the OR of every byte when asked (zero: all bytes zero).
 */
static int stream(const struct fwc_source *s, uint32_t off, uint32_t len,
		  br_sha256_context *sha, uint32_t *crc, uint8_t *bits)
{
	uint8_t buf[CHUNK];
	while (len) {
		uint32_t n = len < CHUNK ? len : CHUNK;
		if (s->read(s->ctx, s->base + off, buf, n) != 0)
			return -1;
		if (sha)
			br_sha256_update(sha, buf, n);
		if (crc)
			*crc = fwd_crc32(*crc, buf, n);
		for (uint32_t i = 0; bits && i < n; i++)
			*bits |= buf[i];
		off += n;
		len -= n;
	}
	return 0;
}

/*
 * The iterator's bodies, inlined into the one walk that uses them on the
 * device (a call costs bytes the Bootloader does not have); the host lists
 * records through the public wrappers below.
 */
#if defined(__GNUC__)
#define FWC_INLINE static inline __attribute__((always_inline))
#else
#define FWC_INLINE static inline
#endif

FWC_INLINE int tlv_open(struct fwc_tlv_iter *it, const struct fwc_source *src, uint32_t off,
			int prot, uint32_t expect_total, struct fwc_result *r)
{
	uint8_t h[FWP_TLV_INFO_LEN];
	it->src = src;
	it->prot = (uint8_t)prot;
	it->last_type = 0;
	if (off > src->size || src->size - off < FWP_TLV_INFO_LEN)
		return -(int)fail(r, FWC_BAD_TRAILER, FWC_R_AREA_MISSING, off, 0, FWP_TLV_INFO_LEN);
	if (src->read(src->ctx, src->base + off, h, sizeof(h)) != 0)
		return -(int)fail(r, FWC_READ_ERROR, FWC_R_READ, off, 0, 0);
	uint16_t magic = fwp_le16(h), total = fwp_le16(h + 2);
	uint16_t want = prot ? FWP_TLV_PROT_INFO_MAGIC : FWP_TLV_INFO_MAGIC;
	if (magic != want)
		return -(int)fail(r, FWC_BAD_TRAILER, FWC_R_AREA_MAGIC, off, magic, want);
	if (total < FWP_TLV_INFO_LEN || total > src->size - off ||
	    (expect_total && total != expect_total))
		return -(int)fail(r, FWC_BAD_TRAILER, FWC_R_AREA_TOTAL, off + 2, total,
				  expect_total ? expect_total : src->size - off);
	it->pos = off + FWP_TLV_INFO_LEN;
	it->end = off + total;
	return 0;
}

FWC_INLINE int tlv_next(struct fwc_tlv_iter *it, struct fwc_tlv *t, struct fwc_result *r)
{
	uint8_t h[FWP_TLV_HDR_LEN];
	if (it->pos == it->end)
		return 0;
	if (it->end - it->pos < FWP_TLV_HDR_LEN)
		return -(int)fail(r, FWC_BAD_TRAILER, FWC_R_TLV_TRUNCATED, it->pos,
				  it->end - it->pos, FWP_TLV_HDR_LEN);
	if (it->src->read(it->src->ctx, it->src->base + it->pos, h, sizeof(h)) != 0)
		return -(int)fail(r, FWC_READ_ERROR, FWC_R_READ, it->pos, 0, 0);
	t->type = fwp_le16(h);
	t->len = fwp_le16(h + 2);
	t->off = it->pos + FWP_TLV_HDR_LEN;
	if (t->len > it->end - t->off)
		return -(int)fail(r, FWC_BAD_TRAILER, FWC_R_TLV_OVERRUN, it->pos, t->len,
				  it->end - t->off);
	/* Strictly ascending types: no duplicates, checked with no memory. */
	if (t->type <= it->last_type || t->type == 0)
		return -(int)fail(r, FWC_BAD_TRAILER, FWC_R_TLV_ORDER, it->pos, t->type,
				  it->last_type + 1);
	it->last_type = t->type;
	it->pos = t->off + t->len;
	return 1;
}

int fwc_tlv_open(struct fwc_tlv_iter *it, const struct fwc_source *src, uint32_t off, int prot,
		 uint32_t expect_total, struct fwc_result *r)
{
	return tlv_open(it, src, off, prot, expect_total, r);
}

int fwc_tlv_next(struct fwc_tlv_iter *it, struct fwc_tlv *t, struct fwc_result *r)
{
	return tlv_next(it, t, r);
}

/* Walk one area, checking each record's place and length; keep the trailer's. */
static enum fwc_verdict walk(const struct fwc_source *src, uint32_t off, int prot,
			     uint32_t expect_total, struct fwc_result *r, uint32_t *end,
			     uint32_t *have)
{
	struct fwc_tlv_iter it;
	struct fwc_tlv t;
	int n = tlv_open(&it, src, off, prot, expect_total, r);
	if (n < 0)
		return (enum fwc_verdict)-n;
	while ((n = tlv_next(&it, &t, r)) > 0) {
		uint8_t *dst = NULL;
		uint32_t lo = 0, hi = 0xFFFF; /* the lengths allowed */
		if (t.type == FWP_TLV_SHA256)
			dst = r->digest, lo = hi = FWP_SHA256_LEN;
		else if (t.type == FWP_TLV_KEYHASH)
			dst = r->keyhash, lo = hi = FWP_SHA256_LEN;
		else if (t.type == FWP_TLV_ECDSA_P256)
			dst = r->sig, lo = hi = FWP_P256_SIG_LEN;
		else if (t.type == FWP_TLV_BUILD_ID)
			lo = 1, hi = FWP_BUILD_ID_MAX;
		if (!dst != !!prot)
			return fail(r, FWC_BAD_TRAILER, FWC_R_TLV_PLACE, t.off - FWP_TLV_HDR_LEN, t.type,
				    0);
		if (t.len < lo || t.len > hi)
			return fail(r, FWC_BAD_TRAILER, FWC_R_TLV_LENGTH, t.off - FWP_TLV_HDR_LEN + 2,
				    t.len, hi);
		if (dst) {
			if (src->read(src->ctx, src->base + t.off, dst, t.len) != 0)
				return fail(r, FWC_READ_ERROR, FWC_R_READ, t.off, 0, 0);
			*have |= 1u << t.type;
		}
	}
	if (n < 0)
		return (enum fwc_verdict)-n;
	*end = it.end;
	return FWC_OK;
}

enum fwc_verdict fwc_policy_check(const struct fwp_image_header *h, const struct fwc_policy *pol,
				  struct fwc_result *r)
{
	if (h->image_type > 7 || !(pol->type_mask & (1u << h->image_type)))
		return fail(r, FWC_WRONG_TYPE, FWC_R_TYPE_POLICY, FWP_HDR_OFF_IMAGE_TYPE,
			    h->image_type, pol->type_mask);
	if (h->security_counter < pol->min_security_counter)
		return fail(r, FWC_ROLLBACK, FWC_R_ROLLBACK, FWP_HDR_OFF_SECURITY_COUNTER,
			    h->security_counter, pol->min_security_counter);
#ifndef FWC_NO_PROVISIONING
	/* Data by construction: marked so, and no entry point to jump to. */
	if (h->image_type == FWP_IMAGE_TYPE_PROVISIONING)
		return (h->flags & FWP_IMAGE_F_DATA) && h->vector_addr == 0
			       ? FWC_OK
			       : fail(r, FWC_BAD_VECTORS, FWC_R_PROV_CODE, FWP_HDR_OFF_VECTOR_ADDR,
				      h->vector_addr, 0);
#endif
	if (h->flags & FWP_IMAGE_F_DATA)
		return fail(r, FWC_BAD_VECTORS, FWC_R_DATA_IMAGE, FWP_HDR_OFF_FLAGS, h->flags, 0);
	uint32_t align = fwp_vector_alignment(pol->vector_table_size);
	if (h->vector_addr < h->load_addr ||
	    (uint64_t)h->vector_addr + 8 > (uint64_t)h->load_addr + h->payload_size ||
	    (h->vector_addr & (align - 1)))
		return fail(r, FWC_BAD_VECTORS, FWC_R_VECTORS, FWP_HDR_OFF_VECTOR_ADDR,
			    h->vector_addr, align);
	return FWC_OK;
}

enum fwc_verdict fwc_header_check(const uint8_t raw[FWP_IMAGE_HDR_LEN], const struct fwc_source *src,
				  const struct fwc_policy *pol, struct fwc_result *r)
{
	memset(r, 0, sizeof(*r));
	enum fwc_verdict v = header_rules(raw, src, r);
	return v != FWC_OK ? v : fwc_policy_check(&r->hdr, pol, r);
}

enum fwc_verdict fwc_image_check(const struct fwc_source *src, enum fwc_depth depth,
				 const struct fwc_policy *pol, struct fwc_result *r)
{
	uint8_t raw[FWP_IMAGE_HDR_LEN];
	uint8_t *digest = r->hashed;
	const struct fwp_image_header *h = &r->hdr;
	br_sha256_context sha, *hs = depth >= FWC_DIGEST ? &sha : NULL;
	uint32_t crc = 0, have = 0, off;
	uint8_t pad = 0;
	enum fwc_verdict v;

	memset(r, 0, sizeof(*r));
	if (src->size < FWP_IMAGE_HDR_LEN)
		return fail(r, FWC_BAD_HEADER, FWC_R_FIT, 0, src->size, FWP_IMAGE_HDR_LEN);
	if (src->read(src->ctx, src->base, raw, sizeof(raw)) != 0)
		return fail(r, FWC_READ_ERROR, FWC_R_READ, 0, 0, 0);
	if ((v = header_rules(raw, src, r)) != FWC_OK)
		return v;

	/* The signed data: header region (padding zero), payload (its CRC), protected TLVs. */
	if (hs) {
		br_sha256_init(hs);
		br_sha256_update(hs, raw, sizeof(raw));
	}
	if (stream(src, FWP_IMAGE_HDR_LEN, h->hdr_size - FWP_IMAGE_HDR_LEN, hs, NULL, &pad) ||
	    stream(src, h->hdr_size, h->payload_size, hs, &crc, NULL))
		return fail(r, FWC_READ_ERROR, FWC_R_READ, FWP_IMAGE_HDR_LEN, 0, 0);
	if (pad)
		return fail(r, FWC_BAD_HEADER, FWC_R_PADDING, FWP_IMAGE_HDR_LEN, h->hdr_size, 0);
	if (crc != h->payload_crc32)
		return fail(r, FWC_BAD_PAYLOAD, FWC_R_PAYLOAD_CRC, FWP_HDR_OFF_PAYLOAD_CRC32,
			    h->payload_crc32, crc);
#ifndef FWC_NO_PROVISIONING
	/* A record the Application could not read is refused like a bad payload. */
	if (h->image_type == FWP_IMAGE_TYPE_PROVISIONING &&
	    (v = fwc_prov_check(src, h->hdr_size, h->payload_size, NULL, NULL, r)) != FWC_OK)
		return v;
#endif
	off = r->prot_off = h->hdr_size + h->payload_size;
	if (h->protected_tlv_size) {
		if ((v = walk(src, off, 1, h->protected_tlv_size, r, &off, &have)) != FWC_OK)
			return v;
		if (stream(src, r->prot_off, h->protected_tlv_size, hs, NULL, NULL))
			return fail(r, FWC_READ_ERROR, FWC_R_READ, r->prot_off, 0, 0);
	}
	r->trailer_off = off;
	if ((v = walk(src, off, 0, 0, r, &r->end, &have)) != FWC_OK)
		return v;
	const uint32_t all = (1u << FWP_TLV_SHA256) | (1u << FWP_TLV_KEYHASH) |
			     (1u << FWP_TLV_ECDSA_P256);
	if (have != all)
		return fail(r, FWC_BAD_TRAILER, FWC_R_TLV_MISSING, off, have, all);
	if (!hs)
		return FWC_OK;

	br_sha256_out(hs, digest);
	if (memcmp(digest, r->digest, FWP_SHA256_LEN) != 0)
		return fail(r, FWC_BAD_DIGEST, FWC_R_DIGEST, off, 0, 0);
	if (depth == FWC_DIGEST)
		return FWC_OK;

	/* Trust: the key hash names the signer, the signature proves it. */
	for (uint32_t i = 0; i < pol->key_count && !r->key; i++) {
		uint8_t kh[FWP_SHA256_LEN];
		br_sha256_init(&sha);
		br_sha256_update(&sha, pol->keys[i], FWP_P256_PUBKEY_LEN);
		br_sha256_out(&sha, kh);
		if (memcmp(kh, r->keyhash, sizeof(kh)) == 0)
			r->key = pol->keys[i];
	}
	if (!r->key)
		return fail(r, FWC_WRONG_KEY, FWC_R_KEY, off, 0, pol->key_count);
	br_ec_public_key pk = {BR_EC_secp256r1, (unsigned char *)r->key, FWP_P256_PUBKEY_LEN};
	if (br_ecdsa_i31_vrfy_raw(&br_ec_p256_m31, digest, FWP_SHA256_LEN, &pk, r->sig,
				  FWP_P256_SIG_LEN) != 1)
		return fail(r, FWC_BAD_SIGNATURE, FWC_R_SIGNATURE, off, 0, 0);
	if (depth == FWC_SIGNATURE)
		return FWC_OK;
#ifdef FWC_NO_PROVISIONING
	return fwc_policy_check(h, pol, r);
#else
	if ((v = fwc_policy_check(h, pol, r)) != FWC_OK)
		return v;
	/* Bound to one board: a board without a unique ID takes no record at all. */
	if (h->image_type == FWP_IMAGE_TYPE_PROVISIONING &&
	    (!pol->uid_len || pol->uid_len != r->prov_uid_len ||
	     memcmp(pol->uid, r->prov_uid, pol->uid_len) != 0))
		return fail(r, FWC_WRONG_BOARD, FWC_R_PROV_UID, h->hdr_size, r->prov_uid_len,
			    pol->uid_len);
	return FWC_OK;
#endif
}

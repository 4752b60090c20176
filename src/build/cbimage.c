/* Cookbook v1/v2 image headers, written byte-exactly and parsed back. */
#include <string.h>

#include "cbimage.h"
#include "fwpack/image.h"

int fwp_cb_begin(const struct fwp_cb_params *p, struct fwp_buf *out, uint8_t digest[32],
		 struct fwp_err *err)
{
	uint8_t h[FWP_CB_V2_HDR_LEN];
	size_t hlen = p->hdr_version == 2 ? FWP_CB_V2_HDR_LEN : FWP_CB_V1_HDR_LEN;
	int rc;

	if (p->hdr_version != 1 && p->hdr_version != 2)
		return fwp_fail(err, FWP_ERR_ARG, "cookbook header version %u", p->hdr_version);
	if (p->data_len > 0xFFFFFFFFu)
		return fwp_fail(err, FWP_ERR_RANGE, "data of %zu bytes does not fit data_size",
				p->data_len);
	memset(h, 0, sizeof(h));
	fwp_put_le16(h + FWP_CB_OFF_MAGIC, FWP_CB_MAGIC);
	fwp_put_le16(h + FWP_CB_OFF_HDR_VERSION, (uint16_t)p->hdr_version);
	fwp_put_le32(h + FWP_CB_OFF_CRC, fwp_crc32(p->data, p->data_len));
	fwp_put_le32(h + FWP_CB_OFF_DATA_SIZE, (uint32_t)p->data_len);
	h[FWP_CB_OFF_IMAGE_TYPE] = p->image_type;
	h[FWP_CB_OFF_VER_MAJOR] = p->major;
	h[FWP_CB_OFF_VER_MINOR] = p->minor;
	h[FWP_CB_OFF_VER_PATCH] = p->patch;
	fwp_put_le32(h + FWP_CB_OFF_VECTOR_ADDR, p->vector_addr);
	memcpy(h + FWP_CB_OFF_GIT_SHA, p->git_sha, FWP_CB_GIT_SHA_LEN);
	h[FWP_CB_OFF_GIT_SHA + FWP_CB_GIT_SHA_LEN - 1] = 0;
	if ((rc = fwp_buf_append(out, h, hlen, err)) < 0 ||
	    (rc = fwp_buf_append(out, p->data, p->data_len, err)) < 0)
		return rc;
	if (p->hdr_version == 2) {
		struct fwp_iov iov = {p->data, p->data_len};
		return fwp_sha256(&iov, 1, digest, err);
	}
	return FWP_OK;
}

void fwp_cb_set_signature(struct fwp_buf *out, const uint8_t sig[64])
{
	memcpy(out->data + FWP_CB_OFF_SIGNATURE, sig, FWP_CB_SIG_LEN);
}

int fwp_cb_detect(const uint8_t *d, size_t len)
{
	return len >= FWP_CB_V1_HDR_LEN && fwp_le16(d + FWP_CB_OFF_MAGIC) == FWP_CB_MAGIC &&
	       (fwp_le16(d + FWP_CB_OFF_HDR_VERSION) == 1 ||
		fwp_le16(d + FWP_CB_OFF_HDR_VERSION) == 2);
}

int fwp_cb_parse(const uint8_t *d, size_t len, struct fwp_cb_info *info, struct fwp_err *err)
{
	memset(info, 0, sizeof(*info));
	if (len < FWP_CB_V1_HDR_LEN || fwp_le16(d + FWP_CB_OFF_MAGIC) != FWP_CB_MAGIC)
		return fwp_fail(err, FWP_ERR_FORMAT, "not a cookbook image (no 0xCAFE magic)");
	info->hdr_version = fwp_le16(d + FWP_CB_OFF_HDR_VERSION);
	if (info->hdr_version != 1 && info->hdr_version != 2)
		return fwp_fail(err, FWP_ERR_UNSUPPORTED, "cookbook header version %u",
				info->hdr_version);
	info->hdr_len = info->hdr_version == 2 ? FWP_CB_V2_HDR_LEN : FWP_CB_V1_HDR_LEN;
	if (len < info->hdr_len)
		return fwp_fail(err, FWP_ERR_FORMAT, "%zu bytes is too short for a v%u header", len,
				info->hdr_version);
	info->crc = fwp_le32(d + FWP_CB_OFF_CRC);
	info->data_size = fwp_le32(d + FWP_CB_OFF_DATA_SIZE);
	info->image_type = d[FWP_CB_OFF_IMAGE_TYPE];
	info->major = d[FWP_CB_OFF_VER_MAJOR];
	info->minor = d[FWP_CB_OFF_VER_MINOR];
	info->patch = d[FWP_CB_OFF_VER_PATCH];
	info->vector_addr = fwp_le32(d + FWP_CB_OFF_VECTOR_ADDR);
	info->reserved = fwp_le32(d + FWP_CB_OFF_RESERVED);
	memcpy(info->git_sha, d + FWP_CB_OFF_GIT_SHA, FWP_CB_GIT_SHA_LEN);
	info->git_sha[FWP_CB_GIT_SHA_LEN] = 0;
	if (info->hdr_version == 2)
		info->sig = d + FWP_CB_OFF_SIGNATURE;
	if (info->data_size > len - info->hdr_len)
		return fwp_fail(err, FWP_ERR_FORMAT,
				"header: data_size %u runs past the end of the file (%zu bytes)",
				info->data_size, len);
	info->data = d + info->hdr_len;
	uint32_t crc = fwp_crc32(info->data, info->data_size);
	if (crc != info->crc)
		return fwp_fail(err, FWP_ERR_VERIFY,
				"data: header crc is 0x%08x, the data's CRC-32 is 0x%08x", info->crc,
				crc);
	return FWP_OK;
}

int fwp_cb_verify(const struct fwp_cb_info *info, const struct fwp_key *key, struct fwp_err *err)
{
	uint8_t digest[32];
	struct fwp_iov iov = {info->data, info->data_size};
	int rc;
	if (!info->sig)
		return fwp_fail(err, FWP_ERR_VERIFY, "a cookbook v1 image carries no signature");
	if (fwp_key_curve(key) != FWP_CURVE_SECP256K1)
		return fwp_fail(err, FWP_ERR_VERIFY, "cookbook v2 images are signed with secp256k1 keys");
	if ((rc = fwp_sha256(&iov, 1, digest, err)) < 0)
		return rc;
	rc = fwp_ecdsa_verify_digest(key, digest, info->sig, err);
	if (rc == FWP_ERR_VERIFY)
		return fwp_fail(err, rc, "signature does not verify with the given key");
	return rc;
}

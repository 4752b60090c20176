/* Image validation on the device: the common verifier over the port's flash. */
#include "fwd_image.h"

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
	case FWD_IMAGE_WRONG_BOARD:
#ifndef FWC_NO_PROVISIONING /* a verdict such a build never gives: its bytes saved */
		return "provisioning record for another board";
#endif
		break;
	}
	return "unknown";
}

enum fwd_verdict fwd_image_precheck(const uint8_t *raw, uint32_t slot_addr, uint32_t slot_size,
				    const struct fwd_policy *pol, struct fwp_image_header *h)
{
	struct fwc_source src = {NULL, NULL, slot_addr, slot_size};
	struct fwc_result r;
	enum fwd_verdict v = (enum fwd_verdict)fwc_header_check(raw, &src, pol, &r);
	*h = r.hdr;
	return v;
}

enum fwd_verdict fwd_image_check(const struct fwd_flash *fl, uint32_t slot_addr,
				 uint32_t slot_size, const struct fwd_policy *pol,
				 struct fwd_image *out)
{
	struct fwc_source src = {fl->ops->read, fl->ctx, slot_addr, slot_size};
	return (enum fwd_verdict)fwc_image_check(&src, FWC_BOOT, pol, out);
}

/* Image validation on the device: the common verifier over the port's flash. */
#include "fwd_image.h"

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

/* Printing an image's identity and a verdict, the same way in every program. */
#ifndef FWD_REPORT_H
#define FWD_REPORT_H

#include "fwd_image.h"
#include "fwd_port.h"

static inline void fwd_report_version(const struct fwp_image_header *h)
{
	fwd_put_u32(h->version.major);
	fwd_puts(".");
	fwd_put_u32(h->version.minor);
	fwd_puts(".");
	fwd_put_u32(h->version.patch);
	fwd_puts("+");
	fwd_put_u32(h->version.build);
}

#endif /* FWD_REPORT_H */

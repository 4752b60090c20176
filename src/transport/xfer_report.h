/*
 * What a backend's transfer code (the serial flasher, the DFU download)
 * reports as it goes, before the transport layer turns it into the neutral
 * events of event.h with the board's identity.
 */
#ifndef FWP_XFER_REPORT_H
#define FWP_XFER_REPORT_H

#include <stdint.h>

struct fwp_device_info;

/* What a transfer reports as it goes. */
enum fwp_flash_event {
	FWP_EV_CONNECT,  /* info is valid */
	FWP_EV_BEGIN,    /* offset = where the transfer starts (resumed if > 0) */
	FWP_EV_PROGRESS, /* offset of size bytes confirmed by the device */
	FWP_EV_RETRY,    /* a frame was resent (reason in text) */
	FWP_EV_VERIFY,   /* the device is checking the image */
	FWP_EV_DONE      /* committed */
};

struct fwp_flash_report {
	enum fwp_flash_event ev;
	const struct fwp_device_info *info;
	uint32_t offset, size; /* in bytes on the wire: compressed when compressing */
	uint32_t image_size;   /* the image's own size */
	const char *text;
};

#endif /* FWP_XFER_REPORT_H */

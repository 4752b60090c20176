/*
 * A USB DFU 1.1 client over libusb-1.0: finding DFU interfaces (runtime
 * and DFU mode), picking exactly one device on a crowded hub, the class
 * requests, and the state machine around them. Every wait is bounded: each
 * control transfer by a timeout, busy polling by a count and a deadline,
 * re-enumeration after DETACH by a deadline. Errors name the device and,
 * when the device reports one, its DFU status in words.
 */
#ifndef FWP_DFU_H
#define FWP_DFU_H

#include <stddef.h>
#include <stdint.h>

#include "fwpack/dfu.h"
#include "fwpack/error.h"
#include "fwpack/protocol.h"

#define FWP_DFU_MAX_ALTS 16

struct fwp_dfu_alt {
	uint8_t iface, alt;
	char name[256];
};

/* What enumeration found about one device with a DFU interface. */
struct fwp_dfu_info {
	uint16_t vid, pid;
	uint8_t bus;
	char path[32];          /* "BUS-PORT.PORT...", stable while the cable stays put */
	char serial[128];       /* "" when the device has none or it cannot be read */
	char product[128];
	int dfu_mode;           /* interface protocol 2; 1 is runtime mode */
	uint8_t attrs;          /* FWP_DFU_ATTR_CAN_DNLOAD ... */
	uint16_t detach_timeout, transfer_size, dfu_version;
	unsigned nalts;
	struct fwp_dfu_alt alts[FWP_DFU_MAX_ALTS];
};

/* Which device: every field set must match (-1 / NULL for any). */
struct fwp_dfu_select {
	long vid, pid;
	const char *serial;
	const char *path;
	const char *alt; /* a number or an alt setting's name; NULL: the first */
};

struct fwp_dfu_opts {
	unsigned timeout_ms; /* one control transfer */
	unsigned busy_ms;    /* the longest a device may stay busy (erase, manifest) */
	unsigned reenum_ms;  /* the longest a device may take to come back after DETACH */
	/* set (Ctrl-C): the next download block is not sent; the download is aborted */
	const volatile int *cancel;
};

struct fwp_dfu_status {
	uint8_t status, state, istring;
	uint32_t poll_ms;
};

struct fwp_dfu_ctx;
struct fwp_dfu_dev;

int fwp_dfu_init(struct fwp_dfu_ctx **out, struct fwp_err *err);
void fwp_dfu_exit(struct fwp_dfu_ctx *ctx);
/* Its libusb context, for the hotplug watcher (usbwatch.c). */
struct libusb_context;
struct libusb_context *fwp_dfu_libusb(struct fwp_dfu_ctx *ctx);

/* Every DFU device matching sel (alt is ignored here). *out is malloc'd. */
int fwp_dfu_list(struct fwp_dfu_ctx *ctx, const struct fwp_dfu_select *sel,
		 struct fwp_dfu_info **out, size_t *n, struct fwp_err *err);

/*
 * Open the one device matching sel, in DFU mode (a runtime-mode device is
 * detached and waited for under the same serial number), claim the
 * interface, select the alt setting and bring the device to dfuIDLE,
 * clearing a left-over dfuERROR. Several matches: FWP_ERR_USAGE listing
 * them. None: FWP_ERR_NO_DEVICE.
 */
int fwp_dfu_open(struct fwp_dfu_ctx *ctx, const struct fwp_dfu_select *sel,
		 const struct fwp_dfu_opts *opts, struct fwp_dfu_dev **out, struct fwp_err *err);
void fwp_dfu_close(struct fwp_dfu_dev *d);

const struct fwp_dfu_info *fwp_dfu_dev_info(const struct fwp_dfu_dev *d);
const struct fwp_dfu_alt *fwp_dfu_dev_alt(const struct fwp_dfu_dev *d);
/* "0483:df11 serial 123 at 1-2.3": for messages. */
const char *fwp_dfu_dev_label(const struct fwp_dfu_dev *d);
/* wTransferSize, or a safe default when the descriptor lacks it. */
unsigned fwp_dfu_transfer_size(const struct fwp_dfu_dev *d);
/* An fwpack Loader or Updater (device/apps/loader_usb.c names its product "fwpack ..."). */
int fwp_dfu_is_fwpack(const struct fwp_dfu_info *in);
/*
 * The board's unique ID, lower-case hex as INFO gives it over serial: an
 * fwpack Loader's (or Updater's) iSerialNumber is its UID in hex
 * (device/apps/loader_usb.c); anything else reports none (""), and so does
 * a serial number that is not 1..FWP_UID_MAX bytes of hex.
 */
void fwp_dfu_board_uid(const struct fwp_dfu_info *in, char out[2 * FWP_UID_MAX + 1]);

/*
 * Switch to another alt setting (a number or a name) of the open device and
 * bring it to dfuIDLE there.
 */
int fwp_dfu_set_alt(struct fwp_dfu_dev *d, const char *alt, struct fwp_err *err);

/* The class requests, one control transfer each. */
int fwp_dfu_dnload(struct fwp_dfu_dev *d, uint16_t block, const uint8_t *data, size_t len,
		   struct fwp_err *err);
int fwp_dfu_get_status(struct fwp_dfu_dev *d, struct fwp_dfu_status *st, struct fwp_err *err);
int fwp_dfu_clear_status(struct fwp_dfu_dev *d, struct fwp_err *err);
int fwp_dfu_abort(struct fwp_dfu_dev *d, struct fwp_err *err);

/*
 * DNLOAD one block and poll GETSTATUS (waiting bwPollTimeout each time)
 * until dfuDNLOAD_IDLE. dfuERROR is FWP_ERR_REFUSED naming the status.
 */
int fwp_dfu_dnload_block(struct fwp_dfu_dev *d, uint16_t block, const uint8_t *data,
			 size_t len, struct fwp_err *err);

/*
 * The zero-length DNLOAD that ends a download, then manifestation: done at
 * dfuIDLE (tolerant devices), dfuMANIFEST_WAIT_RESET, or when a device that
 * is not tolerant goes away. A refusal (dfuERROR) is FWP_ERR_REFUSED with
 * the device's reason.
 */
int fwp_dfu_manifest(struct fwp_dfu_dev *d, uint16_t block, struct fwp_err *err);

/*
 * A USB bus reset: after a download, DFU 1.1's way to make the device run
 * its new firmware. The device leaving the bus is success.
 */
int fwp_dfu_reset(struct fwp_dfu_dev *d, struct fwp_err *err);

/* bcdDFUVersion as people write it: "1.1", "1.1a" (DfuSe), "1.0". */
void fwp_dfu_version_str(uint16_t bcd, char out[8]);

#endif /* FWP_DFU_H */

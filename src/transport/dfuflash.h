/*
 * What `fwpack flash --dfu` writes where. To a plain DFU 1.1 device (the
 * fwpack Loader) a file goes as it is into the alt setting of its slot and
 * the device verifies and commits at the zero-length DNLOAD. To a DfuSe
 * device a DfuSe .dfu file goes to its elements' addresses, anything else
 * (an fwpack image, a raw .bin) to --address or, for an fwpack image, to its
 * slot (load address minus header size); the sectors written are erased
 * first, and the device leaves DFU mode at the end.
 */
#ifndef FWP_DFUFLASH_H
#define FWP_DFUFLASH_H

#include <stddef.h>
#include <stdint.h>

#include "dfu.h"
#include "dfuse.h"
#include "xfer_report.h"
#include "fwpack/error.h"

struct fwp_dfu_flash_opts {
	long long address; /* -1: from the image */
	int mass_erase;    /* DfuSe: erase everything first instead of sector by sector */
	int no_leave;      /* stay in DFU mode afterwards */
	int alt_given;     /* --alt chosen by the user: do not pick one by image type */
	void (*report)(const struct fwp_flash_report *r, void *ctx);
	void *ctx;
};

struct fwp_dfu_flash {
	struct fwp_dfu_dev *dev;
	const struct fwp_dfu_flash_opts *opts;
	int dfuse, erased_all, have_start, written;
	/* Where a DfuSe device starts the firmware on leaving: the first address
	   written, as dfu-util does, or the flash base when that was an fwpack image. */
	uint32_t start;
	struct fwp_dfuse_erased erased; /* each sector at most once per session */
};

void fwp_dfu_flash_init(struct fwp_dfu_flash *s, struct fwp_dfu_dev *dev,
			const struct fwp_dfu_flash_opts *opts);
/*
 * Without --alt, on a plain DFU device with several alt settings: select
 * the one named for this fwpack image's slot (fwp_dfu_flash_file does it
 * too; calling it first lets the caller show the choice).
 */
int fwp_dfu_flash_choose_alt(struct fwp_dfu_flash *s, const uint8_t *data, size_t len,
			     struct fwp_err *err);
/* One file (whole, as read). Errors are prefixed with nothing: the caller names the file. */
int fwp_dfu_flash_file(struct fwp_dfu_flash *s, const uint8_t *data, size_t len,
		       struct fwp_err *err);
/*
 * After the last file, unless no_leave: a DfuSe device leaves DFU mode, a
 * plain DFU device gets a USB reset to run its new firmware.
 */
int fwp_dfu_flash_finish(struct fwp_dfu_flash *s, struct fwp_err *err);

#endif /* FWP_DFUFLASH_H */

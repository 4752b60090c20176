/*
 * ST's DfuSe extensions (AN3156, fwpack/dfu.h) on top of the DFU client:
 * commands are DNLOADs to block 0, data goes to blocks 2 and up at address
 * pointer + (block - 2) * wTransferSize, and a zero-length DNLOAD after
 * setting the address leaves DFU mode for the firmware there.
 */
#ifndef FWP_DFUSE_H
#define FWP_DFUSE_H

#include <stddef.h>
#include <stdint.h>

#include "dfu.h"
#include "dfuse_layout.h"
#include "fwpack/error.h"

int fwp_dfuse_set_address(struct fwp_dfu_dev *d, uint32_t addr, struct fwp_err *err);
int fwp_dfuse_erase_page(struct fwp_dfu_dev *d, uint32_t addr, struct fwp_err *err);
int fwp_dfuse_mass_erase(struct fwp_dfu_dev *d, struct fwp_err *err);
/* Removes read protection: the device mass-erases and resets itself. */
int fwp_dfuse_read_unprotect(struct fwp_dfu_dev *d, struct fwp_err *err);
/* Set the address to addr and leave DFU mode to run from there. */
int fwp_dfuse_leave(struct fwp_dfu_dev *d, uint32_t addr, struct fwp_err *err);

/*
 * The sectors a session has erased, as merged address runs: a second
 * element (or file) in a sector already erased and partly written must not
 * erase it again, or the first one's bytes are lost. Zero it to start.
 */
#define FWP_DFUSE_ERASED_RUNS 256
struct fwp_dfuse_erased {
	unsigned nruns;
	struct {
		uint32_t start;
		uint64_t end;
	} runs[FWP_DFUSE_ERASED_RUNS];
};

/*
 * Erase every sector [addr, addr + len) touches that is not in *done yet,
 * and add it there: each must be in the layout, erasable and writable
 * (checked for all before the first erase). Returns the number of sectors
 * erased now through *count.
 */
int fwp_dfuse_erase_range(struct fwp_dfu_dev *d, const struct fwp_dfuse_layout *l,
			  struct fwp_dfuse_erased *done, uint32_t addr, size_t len, unsigned *count,
			  struct fwp_err *err);

/* Write data at addr (erased before); progress(bytes written so far, ctx) after each block. */
int fwp_dfuse_write(struct fwp_dfu_dev *d, uint32_t addr, const uint8_t *data, size_t len,
		    void (*progress)(size_t done, void *ctx), void *ctx, struct fwp_err *err);

#endif /* FWP_DFUSE_H */

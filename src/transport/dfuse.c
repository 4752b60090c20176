/* DfuSe commands and writes (see dfuse.h). */
#include <stdio.h>

#include "dfuse.h"
#include "fwpack/image.h"

/* wBlockNum is 16 bits: the address is set again before the count could wrap. */
#define BLOCKS_PER_ADDRESS 0x4000u

static int command(struct fwp_dfu_dev *d, const uint8_t *cmd, size_t len, const char *what,
		   struct fwp_err *err)
{
	int rc = fwp_dfu_dnload_block(d, 0, cmd, len, err);
	if (rc < 0) {
		char ctx[96];
		snprintf(ctx, sizeof(ctx), "DfuSe %s", what);
		fwp_err_prefix(err, ctx);
	}
	return rc;
}

static int addr_command(struct fwp_dfu_dev *d, uint8_t op, uint32_t addr, const char *what,
			struct fwp_err *err)
{
	uint8_t cmd[FWP_DFUSE_CMD_LEN] = {op};
	fwp_put_le32(cmd + 1, addr);
	char w[64];
	snprintf(w, sizeof(w), "%s 0x%08x", what, addr);
	return command(d, cmd, sizeof(cmd), w, err);
}

int fwp_dfuse_set_address(struct fwp_dfu_dev *d, uint32_t addr, struct fwp_err *err)
{
	return addr_command(d, FWP_DFUSE_CMD_SET_ADDRESS, addr, "set address", err);
}

int fwp_dfuse_erase_page(struct fwp_dfu_dev *d, uint32_t addr, struct fwp_err *err)
{
	return addr_command(d, FWP_DFUSE_CMD_ERASE, addr, "erase", err);
}

int fwp_dfuse_mass_erase(struct fwp_dfu_dev *d, struct fwp_err *err)
{
	static const uint8_t cmd[1] = {FWP_DFUSE_CMD_ERASE};
	return command(d, cmd, sizeof(cmd), "mass erase", err);
}

int fwp_dfuse_read_unprotect(struct fwp_dfu_dev *d, struct fwp_err *err)
{
	static const uint8_t cmd[1] = {FWP_DFUSE_CMD_READ_UNPROTECT};
	/* The device answers, erases everything and resets: losing it here is success. */
	int rc = fwp_dfu_dnload(d, 0, cmd, sizeof(cmd), err);
	if (rc == FWP_OK) {
		struct fwp_dfu_status st;
		fwp_dfu_get_status(d, &st, NULL);
	}
	return rc;
}

int fwp_dfuse_leave(struct fwp_dfu_dev *d, uint32_t addr, struct fwp_err *err)
{
	int rc = fwp_dfuse_set_address(d, addr, err);
	if (rc < 0)
		return rc;
	if ((rc = fwp_dfu_dnload(d, FWP_DFUSE_FIRST_DATA_BLOCK, NULL, 0, err)) < 0)
		return rc;
	/* This GETSTATUS starts the jump; the device may be gone before it answers. */
	struct fwp_dfu_status st;
	fwp_dfu_get_status(d, &st, NULL);
	return FWP_OK;
}

static int erased_already(const struct fwp_dfuse_erased *e, uint32_t start)
{
	for (unsigned i = 0; i < e->nruns; i++)
		if (start >= e->runs[i].start && start < e->runs[i].end)
			return 1;
	return 0;
}

/* Room for one more run, checked before anything is erased. */
static int erased_room(const struct fwp_dfuse_erased *e, uint32_t start)
{
	if (e->nruns < FWP_DFUSE_ERASED_RUNS)
		return 1;
	for (unsigned i = 0; i < e->nruns; i++)
		if (e->runs[i].end == start)
			return 1;
	return 0;
}

static void erased_add(struct fwp_dfuse_erased *e, uint32_t start, uint32_t size)
{
	uint64_t end = (uint64_t)start + size;
	for (unsigned i = 0; i < e->nruns; i++)
		if (e->runs[i].end == start) {
			e->runs[i].end = end;
			return;
		}
	if (e->nruns < FWP_DFUSE_ERASED_RUNS) {
		e->runs[e->nruns].start = start;
		e->runs[e->nruns++].end = end;
	}
}

int fwp_dfuse_erase_range(struct fwp_dfu_dev *d, const struct fwp_dfuse_layout *l,
			  struct fwp_dfuse_erased *done, uint32_t addr, size_t len, unsigned *count,
			  struct fwp_err *err)
{
	uint64_t end = (uint64_t)addr + len;
	*count = 0;
	/* Everything is checked before anything is erased. */
	for (int pass = 0; pass < 2; pass++) {
		for (uint64_t a = addr; a < end;) {
			uint32_t start, size;
			uint8_t attrs;
			if (fwp_dfuse_sector_at(l, (uint32_t)a, &start, &size, &attrs) < 0)
				return fwp_fail(err, FWP_ERR_RANGE,
						"DFU device %s: 0x%08x is outside \"%s\"",
						fwp_dfu_dev_label(d), (unsigned)a, l->name);
			if ((attrs & (FWP_DFUSE_ERASABLE | FWP_DFUSE_WRITABLE)) !=
			    (FWP_DFUSE_ERASABLE | FWP_DFUSE_WRITABLE))
				return fwp_fail(err, FWP_ERR_RANGE,
						"DFU device %s: the sector at 0x%08x of \"%s\" is not %s",
						fwp_dfu_dev_label(d), start, l->name,
						attrs & FWP_DFUSE_WRITABLE ? "erasable" : "writable");
			if (pass == 0 && !erased_already(done, start) && !erased_room(done, start))
				return fwp_fail(err, FWP_ERR_UNSUPPORTED,
						"DFU device %s: more than %d separate erased ranges "
						"in one session",
						fwp_dfu_dev_label(d), FWP_DFUSE_ERASED_RUNS);
			if (pass == 1 && !erased_already(done, start)) {
				int rc = fwp_dfuse_erase_page(d, start, err);
				if (rc < 0)
					return rc;
				erased_add(done, start, size);
				(*count)++;
			}
			a = (uint64_t)start + size;
		}
	}
	return FWP_OK;
}

int fwp_dfuse_write(struct fwp_dfu_dev *d, uint32_t addr, const uint8_t *data, size_t len,
		    void (*progress)(size_t done, void *ctx), void *ctx, struct fwp_err *err)
{
	size_t xfer = fwp_dfu_transfer_size(d), done = 0;
	while (done < len) {
		/* One address per run of blocks: the device counts from it. */
		int rc = fwp_dfuse_set_address(d, addr + (uint32_t)done, err);
		for (uint32_t b = 0; rc == FWP_OK && b < BLOCKS_PER_ADDRESS && done < len; b++) {
			size_t n = len - done < xfer ? len - done : xfer;
			rc = fwp_dfu_dnload_block(d, (uint16_t)(FWP_DFUSE_FIRST_DATA_BLOCK + b), data + done,
						  n, err);
			if (rc < 0) {
				char at[64];
				snprintf(at, sizeof(at), "writing 0x%08x", addr + (uint32_t)done);
				return fwp_err_prefix(err, at);
			}
			done += n;
			if (progress)
				progress(done, ctx);
		}
		if (rc < 0)
			return rc;
	}
	return FWP_OK;
}

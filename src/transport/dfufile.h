/*
 * .dfu files: the DFU 1.1 suffix (Appendix B: 16 bytes at the end, "UFD",
 * CRC-32) and ST's DfuSe container (UM0391: "DfuSe" prefix, targets,
 * elements with addresses). Input comes from anywhere, so every length is
 * checked against the bytes left before it is used.
 */
#ifndef FWP_DFUFILE_H
#define FWP_DFUFILE_H

#include <stddef.h>
#include <stdint.h>

#include "fwpack/error.h"

#define FWP_DFU_SUFFIX_LEN 16
#define FWP_DFUSE_PREFIX_LEN 11
#define FWP_DFUSE_TARGET_LEN 274
/* Bounds that no real file comes near; they keep hostile counts cheap. */
#define FWP_DFUSE_MAX_TARGETS 32
#define FWP_DFUSE_MAX_ELEMENTS 1024

struct fwp_dfu_element {
	uint8_t alt; /* the target's alternate setting */
	uint32_t addr;
	const uint8_t *data; /* points into the parsed buffer */
	uint32_t size;
};

struct fwp_dfu_file {
	int has_suffix;
	uint16_t bcd_device, vid, pid, bcd_dfu; /* 0xffff: any */
	const uint8_t *payload; /* the file without its suffix */
	size_t payload_len;
	int dfuse; /* a DfuSe container: the elements below */
	unsigned ntargets;
	struct fwp_dfu_element *elements; /* malloc'd, in file order */
	size_t nelements;
};

/* The CRC-32 of the suffix as dfu-util computes it: zlib's CRC without the final inversion. */
uint32_t fwp_dfu_crc(const uint8_t *data, size_t len);

/*
 * Parse a file. Without a "UFD" suffix the whole buffer is the payload
 * (has_suffix 0); with one, its CRC must match. A payload that starts
 * with "DfuSe" is parsed as a DfuSe container. Errors are FWP_ERR_FORMAT
 * naming the field and offset. fwp_dfu_file_free() in every case.
 */
int fwp_dfu_file_parse(const uint8_t *data, size_t len, struct fwp_dfu_file *out,
		       struct fwp_err *err);
void fwp_dfu_file_free(struct fwp_dfu_file *f);

#endif /* FWP_DFUFILE_H */

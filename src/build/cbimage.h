/*
 * Cookbook-compatible images (include/fwpack/cookbook.h): v1 with a CRC,
 * v2 with a secp256k1 signature of the data after the header.
 */
#ifndef FWP_CBIMAGE_H
#define FWP_CBIMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "crypto.h"
#include "fwpack/cookbook.h"
#include "fwpack/error.h"
#include "util.h"

struct fwp_cb_params {
	unsigned hdr_version; /* 1 or 2 */
	uint8_t image_type;   /* LOADER=1 APP=2 UPDATER=3 */
	uint8_t major, minor, patch;
	uint32_t vector_addr;
	char git_sha[FWP_CB_GIT_SHA_LEN]; /* NUL-padded */
	const uint8_t *data;              /* the bytes after the header */
	size_t data_len;
};

/*
 * Write header + data to out (empty). For v2, digest receives the SHA-256
 * of the data, to be signed; the signature field is zero until
 * fwp_cb_set_signature.
 */
int fwp_cb_begin(const struct fwp_cb_params *p, struct fwp_buf *out, uint8_t digest[32],
		 struct fwp_err *err);

/* Put a raw r||s signature into a v2 header at the start of out. */
void fwp_cb_set_signature(struct fwp_buf *out, const uint8_t sig[64]);

struct fwp_cb_info {
	uint16_t hdr_version;
	uint32_t crc;
	uint32_t data_size;
	uint8_t image_type;
	uint8_t major, minor, patch;
	uint32_t vector_addr;
	uint32_t reserved;
	char git_sha[FWP_CB_GIT_SHA_LEN + 1];
	const uint8_t *sig; /* v2 only */
	const uint8_t *data;
	size_t hdr_len;
};

/* Non-zero if data starts with the cookbook magic and a known header version. */
int fwp_cb_detect(const uint8_t *data, size_t len);

/* Parse a cookbook image and check its CRC. */
int fwp_cb_parse(const uint8_t *data, size_t len, struct fwp_cb_info *info, struct fwp_err *err);

/* v2: check the signature with a secp256k1 public key. */
int fwp_cb_verify(const struct fwp_cb_info *info, const struct fwp_key *key, struct fwp_err *err);

#endif /* FWP_CBIMAGE_H */

/*
 * Validating an fwpack image in a flash slot: the common verifier
 * (common/fwc_image.c, the same code fwpack verify runs) over the port's
 * flash, at full depth: header, CRCs, TLVs, digest, key, signature, then
 * the device's policy (image type, anti-rollback counter, vector table).
 */
#ifndef FWD_IMAGE_H
#define FWD_IMAGE_H

#include <stdint.h>

#include "fwc_image.h"
#include "fwd_crc32.h"
#include "fwd_flash.h"

/* The device's names for the common verdicts (same values). */
enum fwd_verdict {
	FWD_IMAGE_OK = FWC_OK,
	FWD_IMAGE_EMPTY = FWC_EMPTY,
	FWD_IMAGE_BAD_HEADER = FWC_BAD_HEADER,
	FWD_IMAGE_BAD_PAYLOAD = FWC_BAD_PAYLOAD,
	FWD_IMAGE_BAD_TRAILER = FWC_BAD_TRAILER,
	FWD_IMAGE_BAD_DIGEST = FWC_BAD_DIGEST,
	FWD_IMAGE_WRONG_KEY = FWC_WRONG_KEY,
	FWD_IMAGE_BAD_SIGNATURE = FWC_BAD_SIGNATURE,
	FWD_IMAGE_WRONG_TYPE = FWC_WRONG_TYPE,
	FWD_IMAGE_ROLLBACK = FWC_ROLLBACK,
	FWD_IMAGE_BAD_VECTORS = FWC_BAD_VECTORS,
	FWD_IMAGE_FLASH_ERROR = FWC_READ_ERROR,
	FWD_IMAGE_WRONG_BOARD = FWC_WRONG_BOARD
};

/* A short sentence for the console: fwp_verdict_name (fwpack/verdict.h). */

/*
 * The device's policy and result are the common verifier's (policy:
 * {keys, key_count, type_mask, min_security_counter, vector_table_size};
 * result: .hdr, the decoded header); the old names stay for the programs
 * and tests that spell them.
 */
#define fwd_policy fwc_policy
#define fwd_image fwc_result

/* Check the image at slot_addr (slot_size bytes) against policy. */
enum fwd_verdict fwd_image_check(const struct fwd_flash *fl, uint32_t slot_addr,
				 uint32_t slot_size, const struct fwd_policy *policy,
				 struct fwd_image *out);

/*
 * What can be known from the 64-byte header alone (before any byte is
 * written): its fields and CRC, that it fits the slot, and the policy.
 */
enum fwd_verdict fwd_image_precheck(const uint8_t *raw, uint32_t slot_addr, uint32_t slot_size,
				    const struct fwd_policy *pol, struct fwp_image_header *h);

#endif /* FWD_IMAGE_H */

/*
 * Validating an fwpack image in a flash slot, the way docs/image-format.md
 * orders it: header, header CRC, payload CRC, TLVs, digest (SHA-256),
 * key hash, ECDSA P-256 signature (BearSSL, no heap), then the device's
 * policy: image type, anti-rollback counter, vector table.
 */
#ifndef FWD_IMAGE_H
#define FWD_IMAGE_H

#include <stdint.h>

#include "fwd_crc32.h"
#include "fwd_flash.h"
#include "fwpack/image.h"

enum fwd_verdict {
	FWD_IMAGE_OK = 0,
	FWD_IMAGE_EMPTY,          /* no header: erased or invalidated slot */
	FWD_IMAGE_BAD_HEADER,     /* header fields or header CRC wrong */
	FWD_IMAGE_BAD_PAYLOAD,    /* payload CRC wrong */
	FWD_IMAGE_BAD_TRAILER,    /* TLV areas malformed */
	FWD_IMAGE_BAD_DIGEST,     /* SHA-256 does not match */
	FWD_IMAGE_WRONG_KEY,      /* signed by a key this device does not trust */
	FWD_IMAGE_BAD_SIGNATURE,  /* the signature does not verify */
	FWD_IMAGE_WRONG_TYPE,     /* e.g. an application image in the Loader slot */
	FWD_IMAGE_ROLLBACK,       /* security counter below the installed one */
	FWD_IMAGE_BAD_VECTORS,    /* vector table outside the payload or misaligned */
	FWD_IMAGE_FLASH_ERROR     /* reading the slot failed */
};

/* A short sentence for the console. */
const char *fwd_verdict_str(enum fwd_verdict v);

struct fwd_policy {
	const uint8_t (*keys)[65];  /* the trusted P-256 keys, 04 || X || Y */
	uint32_t key_count;
	uint8_t type_mask;          /* bit (1 << image_type) for each type accepted */
	uint32_t min_security_counter;
	uint32_t vector_table_size; /* bytes, for the VTOR alignment check */
};

struct fwd_image {
	struct fwp_image_header hdr; /* decoded */
	uint32_t slot_addr;
};

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

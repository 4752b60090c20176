/*
 * fwpack slot images (include/fwpack/image.h): writing them, and parsing
 * and verifying them as outside input.
 */
#ifndef FWP_SLOTIMAGE_H
#define FWP_SLOTIMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "crypto.h"
#include "fwc_image.h"
#include "fwpack/error.h"
#include "fwpack/image.h"
#include "util.h"

/* The largest image file the tools read: no slot is larger. */
#define FWP_IMAGE_FILE_MAX (256u << 20)

struct fwp_image_params {
	enum fwp_image_type type;
	uint16_t flags;
	struct fwp_image_version version;
	uint32_t security_counter;
	uint32_t slot_addr;   /* header goes here */
	uint32_t load_addr;   /* payload goes here: hdr_size = load_addr - slot_addr */
	uint32_t vector_addr;
	const uint8_t *payload;
	size_t payload_len;
	const uint8_t *build_id; /* NULL when none */
	size_t build_id_len;
};

/*
 * Write the signed part of an image (header region, payload, protected
 * TLVs) to out, which must be empty, and compute its digest. The caller
 * then signs the digest and calls fwp_image_finish.
 */
int fwp_image_begin(const struct fwp_image_params *p, struct fwp_buf *out, uint8_t digest[32],
		    struct fwp_err *err);

/* Append the unprotected trailer (digest, key hash, signature). */
int fwp_image_finish(struct fwp_buf *out, const uint8_t digest[32], const uint8_t keyhash[32],
		     const uint8_t sig[64], struct fwp_err *err);

/*
 * The read of a verifier source (common/fwc_image.h) over bytes in memory:
 * ctx is a const struct fwp_buf *, addresses are offsets into it.
 */
int fwp_buf_read(void *ctx, uint32_t addr, void *buf, size_t len);

struct fwp_tlv {
	uint16_t type;
	uint16_t len;
	const uint8_t *value;
	int protected_area;
};

#define FWP_IMAGE_MAX_TLVS 32

struct fwp_image_info {
	struct fwp_image_header hdr; /* decoded, host byte order */
	const uint8_t *data;         /* the whole file */
	size_t len;
	uint32_t slot_addr;          /* where its header puts its slot: load_addr - hdr_size */
	const uint8_t *signed_data;  /* header region + payload + protected TLVs */
	size_t signed_len;
	const uint8_t *payload;
	size_t trailer_off; /* offset of the unprotected trailer */
	size_t end;         /* offset just past the trailer */
	struct fwp_tlv tlvs[FWP_IMAGE_MAX_TLVS];
	size_t ntlvs;
	const uint8_t *sha256;  /* NULL if absent: each checked by fwp_image_parse */
	const uint8_t *keyhash;
	const uint8_t *sig;
	const uint8_t *build_id;
	size_t build_id_len;
};

/* "SHA256", "KEYHASH", ...: a TLV type's name; "VENDOR" or "UNKNOWN" otherwise. */
const char *fwp_tlv_name(uint16_t type);

/*
 * Parse and check an image's structure with the device's own verifier
 * (common/fwc_image.c): header fields, header CRC, padding, payload CRC,
 * TLV areas. Every failure is FWP_ERR_VERIFY (a tampered or damaged image
 * is a verification failure, as on the device) and names the field, the
 * offset and why. Bytes after the trailer (slot padding) are allowed.
 * Does not check the digest or the signature: see fwp_image_verify.
 */
int fwp_image_parse(const uint8_t *data, size_t len, struct fwp_image_info *info,
		    struct fwp_err *err);

/*
 * Recompute the digest and compare it with the SHA256 TLV; when key is
 * not NULL also check the key hash and the signature, exactly as the
 * device does. FWP_ERR_VERIFY with the precise reason otherwise.
 */
int fwp_image_verify(const struct fwp_image_info *info, const struct fwp_key *key,
		     struct fwp_err *err);

/* Round len up to a multiple of align (a power of two), appending fill bytes. */
int fwp_pad_to(struct fwp_buf *b, uint32_t align, uint8_t fill, struct fwp_err *err);

#endif /* FWP_SLOTIMAGE_H */

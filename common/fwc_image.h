/*
 * The one image verifier, compiled by the host tool (fwpack verify,
 * inspect, flash) and by the device (Bootloader, Loader, Updater): the
 * rules of docs/image-format.md in one place, so that the host reports
 * exactly what the device will decide.
 *
 * It reads the image through a read callback (flash on the device, a file
 * in memory on the host) in small chunks: no heap, a few hundred bytes of
 * stack. SHA-256 and ECDSA P-256 are BearSSL's, on both sides.
 */
#ifndef FWC_IMAGE_H
#define FWC_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "fwpack/image.h"
#include "fwpack/protocol.h"
#include "fwpack/verdict.h"

/* The verdicts, as the device acts on them (fwpack/verdict.h: values and words). */
#define FWC_VERDICT_ENUM_(name, value, words) FWC_##name = value,
enum fwc_verdict { FWP_VERDICTS(FWC_VERDICT_ENUM_) };

/*
 * Which rule decided the verdict, for the host's messages (the device
 * only prints the verdict). off is the byte offset from the image start,
 * got/want the values that disagree where the rule has them.
 */
enum fwc_rule {
	FWC_R_NONE = 0,
	FWC_R_ERASED,        /* header all 0xFF or all 0x00 */
	FWC_R_MAGIC,
	FWC_R_HDR_VERSION,
	FWC_R_HDR_CRC,
	FWC_R_HDR_SIZE,      /* below 64 */
	FWC_R_IMAGE_TYPE,    /* not a known type */
	FWC_R_FLAGS,         /* unknown bits */
	FWC_R_RESERVED,      /* reserved0/reserved1 not zero */
	FWC_R_FIT,           /* header region + payload + protected TLVs past the end */
	FWC_R_LOAD_ADDR,     /* load_addr is not slot address + hdr_size */
	FWC_R_PADDING,       /* a byte between the header and hdr_size not zero */
	FWC_R_PAYLOAD_CRC,
	FWC_R_AREA_MISSING,  /* no room for the area's info record */
	FWC_R_AREA_MAGIC,
	FWC_R_AREA_TOTAL,    /* total too small, past the end, or != protected_tlv_size */
	FWC_R_TLV_TRUNCATED, /* a record header cut by the area's end */
	FWC_R_TLV_OVERRUN,   /* a record's value runs past the area */
	FWC_R_TLV_ORDER,     /* types not strictly ascending: a duplicate or out of order */
	FWC_R_TLV_LENGTH,    /* a known type with a wrong length */
	FWC_R_TLV_PLACE,     /* a trailer record in the protected area, or other in the trailer */
	FWC_R_TLV_MISSING,   /* the trailer lacks SHA256, KEYHASH or ECDSA_P256 */
	FWC_R_DIGEST,
	FWC_R_KEY,
	FWC_R_SIGNATURE,
	FWC_R_TYPE_POLICY,
	FWC_R_ROLLBACK,
	FWC_R_DATA_IMAGE,    /* DATA flag: never booted */
	FWC_R_VECTORS,
	FWC_R_READ,
	FWC_R_PROV_FORMAT,   /* the provisioning record breaks its format: off is where */
	FWC_R_PROV_CODE,     /* a provisioning image without DATA or with a vector_addr */
	FWC_R_PROV_UID       /* its UID is not the board's (want: the board's length) */
};

/* Where the image is read from: read(ctx, base + off, buf, n), 0 on success. */
struct fwc_source {
	int (*read)(void *ctx, uint32_t addr, void *buf, size_t len);
	void *ctx;
	uint32_t base; /* the slot address (or 0 for a file) */
	uint32_t size; /* bytes that may hold the image: the slot or the file */
};

/* How far to check. */
enum fwc_depth {
	FWC_STRUCTURE = 0, /* header, padding, payload CRC, TLV areas */
	FWC_DIGEST,        /* ... and the SHA-256 digest */
	FWC_SIGNATURE,     /* ... and key hash and signature against keys */
	FWC_BOOT           /* ... and the device policy: type, counter, vectors */
};

struct fwc_policy {
	const uint8_t (*keys)[FWP_P256_PUBKEY_LEN]; /* trusted P-256 keys, 04 || X || Y */
	uint32_t key_count;
	uint8_t type_mask;          /* bit (1 << image_type) for each type accepted */
	uint32_t min_security_counter;
	uint32_t vector_table_size; /* bytes, for the VTOR alignment check */
	/* The board's unique ID, which a provisioning image must carry; none: refused. */
	const uint8_t *uid;
	uint32_t uid_len;
};

/* What a check found, valid up to the point it stopped. */
struct fwc_result {
	struct fwp_image_header hdr;
	uint32_t prot_off, trailer_off, end; /* image offsets; end is past the trailer */
	uint8_t digest[FWP_SHA256_LEN];      /* the SHA256 record */
	uint8_t hashed[FWP_SHA256_LEN];      /* the digest computed (FWC_DIGEST and deeper) */
	uint8_t keyhash[FWP_SHA256_LEN];
	uint8_t sig[FWP_P256_SIG_LEN];
	const uint8_t *key;                  /* the trusted key that signed it */
	enum fwc_rule rule;                  /* FWC_R_NONE when the verdict is FWC_OK */
	uint32_t off, got, want;
	uint8_t prov_uid[FWP_UID_MAX]; /* a provisioning record's UID */
	uint8_t prov_uid_len;
};

/*
 * Check the image at src->base to the given depth (pol is read only from
 * FWC_SIGNATURE on, and may be NULL below). Every rule of
 * docs/image-format.md, in its order; the first that fails decides.
 */
enum fwc_verdict fwc_image_check(const struct fwc_source *src, enum fwc_depth depth,
				 const struct fwc_policy *pol, struct fwc_result *r);

/*
 * The 64 header bytes alone (before the rest of an image has arrived):
 * fields, header CRC, fit in the slot, and the boot policy.
 */
enum fwc_verdict fwc_header_check(const uint8_t raw[FWP_IMAGE_HDR_LEN], const struct fwc_source *src,
				  const struct fwc_policy *pol, struct fwc_result *r);

/* The boot policy on a decoded header: type, counter, vector table. */
enum fwc_verdict fwc_policy_check(const struct fwp_image_header *h, const struct fwc_policy *pol,
				  struct fwc_result *r);

/*
 * The one TLV iterator. fwc_tlv_open reads an area's info record at
 * image offset off (expect_total: its total must equal this, 0 for any);
 * fwc_tlv_next yields one record at a time: 1 with a record, 0 at the end,
 * minus the verdict (FWC_BAD_TRAILER, FWC_READ_ERROR) on a malformed area. Bounded: each record moves
 * at least 4 bytes forward and nothing is read past the area.
 */
struct fwc_tlv_iter {
	const struct fwc_source *src;
	uint32_t pos, end;
	uint32_t last_type; /* 0 before the first record */
	uint8_t prot;
};

struct fwc_tlv {
	uint16_t type, len;
	uint32_t off; /* image offset of the value */
};

int fwc_tlv_open(struct fwc_tlv_iter *it, const struct fwc_source *src, uint32_t off, int prot,
		 uint32_t expect_total, struct fwc_result *r);
int fwc_tlv_next(struct fwc_tlv_iter *it, struct fwc_tlv *t, struct fwc_result *r);

#endif /* FWC_IMAGE_H */

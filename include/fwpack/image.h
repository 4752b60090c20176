/*
 * fwpack slot image format, version 1.
 *
 * This header is the single definition of the format: the host tool writes
 * it and the device bootloader compiles this same file to check it. It must
 * stay free of anything but <stdint.h> and <stddef.h>.
 *
 * All multi-byte fields are LITTLE ENDIAN. Readers must not cast flash or
 * file bytes to these structs on a big-endian host; use the offsets below
 * (FWP_HDR_OFF_*) with explicit little-endian loads. The structs document
 * the layout and let the compiler check it (see the static assertions).
 *
 * A slot image is laid out as:
 *
 *   +--------------------------+ slot address
 *   | header (64 bytes)        |
 *   | zero padding             |  up to hdr_size (so that the vector
 *   +--------------------------+  table lands where VTOR can take it)
 *   | payload (payload_size)   |  load_addr = slot address + hdr_size
 *   +--------------------------+
 *   | protected TLVs           |  protected_tlv_size bytes (may be 0)
 *   +--------------------------+
 *   | TLV trailer              |  info record, then TLV records
 *   +--------------------------+
 *   | fill to slot alignment   |
 *   +--------------------------+
 *
 * The signed data is the header region (hdr_size bytes, padding included),
 * the payload and the protected TLV area: every header field and the build
 * ID are covered by the SHA-256 digest and so by the signature. The
 * unprotected trailer holds only what is derived from the signed data: the
 * digest, the signer's key hash and the signature. So every byte from the
 * header to the end of the trailer is bound to the signature.
 *
 * See docs/image-format.md for the full specification.
 */
#ifndef FWPACK_IMAGE_H
#define FWPACK_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#define FWP_IMAGE_MAGIC 0x4B505746u /* "FWPK" as bytes in flash */
#define FWP_IMAGE_HDR_VERSION 1u
#define FWP_IMAGE_HDR_LEN 64u /* the fixed part; hdr_size may be larger */
#define FWP_IMAGE_HDR_SIZE_MAX 0x10000u

/* image_type values; 1..3 keep the cookbook's numbering. */
enum fwp_image_type {
	FWP_IMAGE_TYPE_LOADER = 1,
	FWP_IMAGE_TYPE_APP = 2,
	FWP_IMAGE_TYPE_UPDATER = 3,
	FWP_IMAGE_TYPE_BOOTLOADER = 4,
	FWP_IMAGE_TYPE_PROVISIONING = 5 /* a board's identity: data, never code */
};

/*
 * flags. DATA: the payload holds no vector table (a part of an image in
 * another memory region, e.g. assets in external QSPI flash); a bootloader
 * must never jump into it, and vector_addr is zero. CONFIRMED: an
 * application that will never mark itself good (it does not know the
 * shared RAM): the Loader boots it without the crash-loop fallback. Being
 * in the header, it is signed: nobody adds or strips it without the key.
 * Readers refuse any other bit.
 */
#define FWP_IMAGE_F_DATA 0x0001u
#define FWP_IMAGE_F_CONFIRMED 0x0002u
#define FWP_IMAGE_FLAGS_KNOWN 0x0003u

/* Byte offsets of the header fields. */
#define FWP_HDR_OFF_MAGIC 0
#define FWP_HDR_OFF_HDR_VERSION 4
#define FWP_HDR_OFF_HDR_SIZE 6
#define FWP_HDR_OFF_IMAGE_TYPE 8
#define FWP_HDR_OFF_RESERVED0 9
#define FWP_HDR_OFF_FLAGS 10
#define FWP_HDR_OFF_VER_MAJOR 12
#define FWP_HDR_OFF_VER_MINOR 13
#define FWP_HDR_OFF_VER_PATCH 14
#define FWP_HDR_OFF_VER_BUILD 16
#define FWP_HDR_OFF_SECURITY_COUNTER 20
#define FWP_HDR_OFF_LOAD_ADDR 24
#define FWP_HDR_OFF_VECTOR_ADDR 28
#define FWP_HDR_OFF_PAYLOAD_SIZE 32
#define FWP_HDR_OFF_PAYLOAD_CRC32 36
#define FWP_HDR_OFF_PROTECTED_TLV_SIZE 40
#define FWP_HDR_OFF_RESERVED1 42
#define FWP_HDR_OFF_HEADER_CRC32 60

struct fwp_image_version {
	uint8_t major;
	uint8_t minor;
	uint16_t patch;
	uint32_t build;
};

#if defined(__GNUC__)
#define FWP_PACKED __attribute__((packed))
#else
#define FWP_PACKED
#endif

struct fwp_image_header {
	uint32_t magic;            /* FWP_IMAGE_MAGIC */
	uint16_t hdr_version;      /* FWP_IMAGE_HDR_VERSION */
	uint16_t hdr_size;         /* header region incl. zero padding, >= 64 */
	uint8_t image_type;        /* enum fwp_image_type */
	uint8_t reserved0;         /* zero */
	uint16_t flags;            /* zero in version 1 */
	struct fwp_image_version version;
	uint32_t security_counter; /* anti-rollback: never lower than installed */
	uint32_t load_addr;        /* address of the payload's first byte */
	uint32_t vector_addr;      /* address of the vector table (VTOR) */
	uint32_t payload_size;     /* bytes of payload after the header region */
	uint32_t payload_crc32;    /* CRC-32 (IEEE 802.3, zlib) of the payload */
	uint16_t protected_tlv_size; /* bytes of protected TLVs after the payload */
	uint8_t reserved1[18];     /* zero */
	uint32_t header_crc32;     /* CRC-32 of bytes 0..59 of this header */
} FWP_PACKED;

#if defined(__cplusplus)
#define FWP_STATIC_ASSERT(c, m) static_assert(c, m)
#else
#define FWP_STATIC_ASSERT(c, m) _Static_assert(c, m)
#endif

FWP_STATIC_ASSERT(sizeof(struct fwp_image_header) == FWP_IMAGE_HDR_LEN,
		  "fwp_image_header must be 64 bytes");
FWP_STATIC_ASSERT(offsetof(struct fwp_image_header, version) == FWP_HDR_OFF_VER_MAJOR,
		  "version offset");
FWP_STATIC_ASSERT(offsetof(struct fwp_image_header, security_counter) ==
			  FWP_HDR_OFF_SECURITY_COUNTER,
		  "security_counter offset");
FWP_STATIC_ASSERT(offsetof(struct fwp_image_header, payload_crc32) ==
			  FWP_HDR_OFF_PAYLOAD_CRC32,
		  "payload_crc32 offset");
FWP_STATIC_ASSERT(offsetof(struct fwp_image_header, protected_tlv_size) ==
			  FWP_HDR_OFF_PROTECTED_TLV_SIZE,
		  "protected_tlv_size offset");
FWP_STATIC_ASSERT(offsetof(struct fwp_image_header, header_crc32) ==
			  FWP_HDR_OFF_HEADER_CRC32,
		  "header_crc32 offset");

/*
 * TLV areas. The protected area (when protected_tlv_size is not zero)
 * starts right after the payload, the unprotected trailer right after it;
 * no alignment. Each area is an info record, then TLV records back to back:
 *
 *   u16 magic, u16 total (info record included)
 *   { u16 type, u16 len, u8 value[len] } ...
 *
 * SHA256, KEYHASH and ECDSA_P256 live in the unprotected trailer, exactly
 * once each; BUILD_ID and vendor records live in the protected area.
 */
#define FWP_TLV_PROT_INFO_MAGIC 0x6F7Au
#define FWP_TLV_INFO_MAGIC 0x6F7Bu
#define FWP_TLV_INFO_LEN 4u
#define FWP_TLV_HDR_LEN 4u

enum fwp_tlv_type {
	FWP_TLV_SHA256 = 0x0001,     /* 32: SHA-256 of header region + payload
				      * + protected TLV area */
	FWP_TLV_KEYHASH = 0x0002,    /* 32: SHA-256 of the signer's public key,
				      * as the 65-byte uncompressed SEC1 point */
	FWP_TLV_ECDSA_P256 = 0x0003, /* 64: raw r||s over the SHA-256 digest */
	FWP_TLV_BUILD_ID = 0x0010,   /* 1..64: GNU build ID of the input ELF */
	FWP_TLV_VENDOR_FIRST = 0xF000, /* 0xF000..0xFFFE: reserved for vendors */
	FWP_TLV_VENDOR_LAST = 0xFFFE
};

/*
 * The payload of a PROVISIONING image (docs/provisioning.md): a record
 * bound to one board. u16 version, then records { u16 tag, u16 len,
 * value } back to back up to the payload's end: UID first (the board's
 * unique ID as INFO reports it), then FIELDs in strictly ascending name
 * order (so no name twice), then vendor records. Such an image carries
 * the DATA flag and vector_addr 0: nothing ever jumps into it.
 */
#define FWP_PROV_VERSION 1u
#define FWP_PROV_MAX 4096u      /* payload bytes */
#define FWP_PROV_NAME_MAX 31u   /* a FIELD's name: [a-z0-9_], 1..31 */
#define FWP_PROV_VALUE_MAX 63u  /* its value: printable ASCII, 1..63 */

enum fwp_prov_tag {
	FWP_PROV_UID = 0x0001,   /* 1..FWP_UID_MAX bytes (protocol.h), once, first */
	FWP_PROV_FIELD = 0x0002, /* u8 name_len, name, value (len = 1 + name + value) */
	FWP_PROV_VENDOR_FIRST = 0xF000, /* 0xF000..0xFFFE: opaque, skipped */
	FWP_PROV_VENDOR_LAST = 0xFFFE
};

#define FWP_SHA256_LEN 32u
#define FWP_P256_SIG_LEN 64u
#define FWP_P256_PUBKEY_LEN 65u /* 0x04 || X || Y */
#define FWP_BUILD_ID_MAX 64u

/*
 * A vector table of vt_size bytes must sit on a boundary that is the next
 * power of two of its size, and at least 128 bytes (ARMv7-M VTOR).
 */
static inline uint32_t fwp_vector_alignment(uint32_t vt_size)
{
	uint32_t a = 128;
	while (a < vt_size && a < 0x80000000u)
		a <<= 1;
	return a;
}

static inline uint16_t fwp_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static inline uint32_t fwp_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
	       ((uint32_t)p[3] << 24);
}

static inline void fwp_put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void fwp_put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* Decode the 64 header bytes at d (no checks: see docs/image-format.md). */
static inline void fwp_image_decode_header(const uint8_t *d, struct fwp_image_header *h)
{
	h->magic = fwp_le32(d + FWP_HDR_OFF_MAGIC);
	h->hdr_version = fwp_le16(d + FWP_HDR_OFF_HDR_VERSION);
	h->hdr_size = fwp_le16(d + FWP_HDR_OFF_HDR_SIZE);
	h->image_type = d[FWP_HDR_OFF_IMAGE_TYPE];
	h->reserved0 = d[FWP_HDR_OFF_RESERVED0];
	h->flags = fwp_le16(d + FWP_HDR_OFF_FLAGS);
	h->version.major = d[FWP_HDR_OFF_VER_MAJOR];
	h->version.minor = d[FWP_HDR_OFF_VER_MINOR];
	h->version.patch = fwp_le16(d + FWP_HDR_OFF_VER_PATCH);
	h->version.build = fwp_le32(d + FWP_HDR_OFF_VER_BUILD);
	h->security_counter = fwp_le32(d + FWP_HDR_OFF_SECURITY_COUNTER);
	h->load_addr = fwp_le32(d + FWP_HDR_OFF_LOAD_ADDR);
	h->vector_addr = fwp_le32(d + FWP_HDR_OFF_VECTOR_ADDR);
	h->payload_size = fwp_le32(d + FWP_HDR_OFF_PAYLOAD_SIZE);
	h->payload_crc32 = fwp_le32(d + FWP_HDR_OFF_PAYLOAD_CRC32);
	h->protected_tlv_size = fwp_le16(d + FWP_HDR_OFF_PROTECTED_TLV_SIZE);
	for (size_t i = 0; i < sizeof(h->reserved1); i++)
		h->reserved1[i] = d[FWP_HDR_OFF_RESERVED1 + i];
	h->header_crc32 = fwp_le32(d + FWP_HDR_OFF_HEADER_CRC32);
}

#endif /* FWPACK_IMAGE_H */

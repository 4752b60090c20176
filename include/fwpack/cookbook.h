/*
 * The image headers of the "Device Firmware Update Cookbook" example
 * firmware (shared/cookbook.md), which fwpack writes byte-exactly so that a
 * product built on that example keeps its bootloader. Packed, little endian.
 *
 * These headers are unsigned (v1) or sign only the data after the header
 * (v2); fwpack's own format (image.h) fixes that. They are here only for
 * compatibility.
 */
#ifndef FWPACK_COOKBOOK_H
#define FWPACK_COOKBOOK_H

#define FWP_CB_MAGIC 0xCAFEu
#define FWP_CB_V1_HDR_LEN 32u
#define FWP_CB_V2_HDR_LEN 96u
/*
 * The Cookbook's linker scripts put the vector table at ALIGN(128) after
 * the header (slot + 0x80 for v1 and v2), and its image_start() jumps
 * through vector_addr: a raw input without "vector_address" follows that.
 */
#define FWP_CB_VECTOR_ALIGN 128u

#define FWP_CB_OFF_MAGIC 0         /* u16 0xCAFE */
#define FWP_CB_OFF_HDR_VERSION 2   /* u16 1 or 2 */
#define FWP_CB_OFF_CRC 4           /* u32 CRC-32 of data_size bytes after the header */
#define FWP_CB_OFF_DATA_SIZE 8     /* u32 */
#define FWP_CB_OFF_IMAGE_TYPE 12   /* u8 LOADER=1 APP=2 UPDATER=3 */
#define FWP_CB_OFF_VER_MAJOR 13    /* u8 */
#define FWP_CB_OFF_VER_MINOR 14    /* u8 */
#define FWP_CB_OFF_VER_PATCH 15    /* u8 */
#define FWP_CB_OFF_VECTOR_ADDR 16  /* u32 */
#define FWP_CB_OFF_RESERVED 20     /* u32 */
#define FWP_CB_OFF_GIT_SHA 24      /* char[8]: 7 characters + NUL */
#define FWP_CB_OFF_SIGNATURE 32    /* v2: u8[64] raw r||s, secp256k1, SHA-256 */
#define FWP_CB_GIT_SHA_LEN 8u
#define FWP_CB_SIG_LEN 64u

#endif /* FWPACK_COOKBOOK_H */

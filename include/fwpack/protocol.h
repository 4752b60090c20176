/*
 * The fwpack serial update protocol, version 1: request and response
 * types, status codes and body layouts. The single definition for the
 * device (device/core/fwd_serial.c) and the host; docs/serial-protocol.md
 * is the specification. Multi-byte fields are little endian.
 */
#ifndef FWPACK_PROTOCOL_H
#define FWPACK_PROTOCOL_H

#include <stdint.h>

#include "fwpack/xtable.h"

#define FWP_PROTO_VERSION 1u

/* Request types (host to device); a response has the request's type | 0x80. */
enum fwp_request {
	FWP_REQ_HELLO = 0x01,  /* -> INFO: version, limits, slots, the last session */
	FWP_REQ_BEGIN = 0x02,  /* start or resume writing an image into a slot */
	FWP_REQ_DATA = 0x03,   /* image bytes at an offset */
	FWP_REQ_FINISH = 0x04, /* verify the image and commit its header */
	FWP_REQ_BOOT = 0x05,   /* reset into the new firmware */
	FWP_REQ_ABORT = 0x06,  /* forget the session (the slot stays unbootable) */
	FWP_REQ_BAUD = 0x07    /* switch the line rate after this response */
};
#define FWP_RESPONSE 0x80u
/* Sent for a frame that could not be read (bad CRC, malformed): seq 0. */
#define FWP_RESP_BAD_FRAME 0xFFu

/*
 * Status codes: name, number, and the words a host prints. One table for
 * the enum, the device, the hosts and docs/serial-protocol.md (which
 * tests/wire-docs.sh compares with it).
 */
#define FWP_SERIAL_STATUSES(X)                                                             \
	X(OK, 0, "ok")                                                                     \
	X(BAD_FRAME, 1, "bad frame")             /* CRC, COBS or length wrong: resend */  \
	X(UNKNOWN_REQUEST, 2, "unknown request")                                           \
	X(BAD_REQUEST, 3, "bad request")         /* body length, reserved bits */         \
	X(BAD_STATE, 4, "bad state")             /* e.g. DATA without BEGIN */            \
	X(OFFSET, 5, "unexpected offset")        /* resend from the offset given */       \
	X(OUT_OF_RANGE, 6, "out of range")       /* larger than the slot, past its size */ \
	X(WRONG_SLOT, 7, "wrong slot or image type")                                      \
	X(BAD_IMAGE, 8, "bad image")             /* detail = the verdict */               \
	X(BAD_SIGNATURE, 9, "bad signature")                                               \
	X(WRONG_KEY, 10, "wrong key (signed by a key the device does not trust)")         \
	X(ROLLBACK, 11, "rollback (security counter below the device's)")                 \
	X(FLASH_ERROR, 12, "flash error")                                                  \
	X(UNSUPPORTED, 13, "unsupported")        /* encoding, baud rate or version */

#define FWP_ST_ENUM_(name, value, text) FWP_ST_##name = value,
enum fwp_status { FWP_SERIAL_STATUSES(FWP_ST_ENUM_) };

/* The words for a status; a static inline, so that a device that never prints one links none. */
static inline const char *fwp_status_name(unsigned status)
{
	FWP_X_LOOKUP(FWP_SERIAL_STATUSES, FWP_X_TEXT, status, "unknown status");
}

/* Device roles, in INFO. */
enum fwp_role { FWP_ROLE_LOADER = 1, FWP_ROLE_UPDATER = 2 };

/* Features, in INFO. */
#define FWP_FEAT_BAUD 0x0001u    /* BAUD is supported */
#define FWP_FEAT_DEFLATE 0x0002u /* BEGIN encoding FWP_ENC_DEFLATE */

/* Encodings of DATA bytes, in BEGIN. */
enum fwp_encoding { FWP_ENC_RAW = 0, FWP_ENC_DEFLATE = 1 };

/* Slot flags, in INFO. */
#define FWP_SLOT_WRITABLE 0x01u

/* The most slots INFO lists (and so update targets a device offers). */
#define FWP_MAX_SLOTS 8u

/*
 * Slot IDs, in INFO and BEGIN, and the DFU alternate settings' names: the
 * cookbook's three slots, then the board's identity.
 */
enum fwp_slot_id {
	FWP_SLOT_ID_BOOTLOADER = 0,
	FWP_SLOT_ID_LOADER = 1,
	FWP_SLOT_ID_APP = 2,
	FWP_SLOT_ID_PROVISIONING = 3
};

/* Session states, in INFO. */
enum fwp_session_state {
	FWP_SESSION_NONE = 0,
	FWP_SESSION_RECEIVING = 1, /* BEGIN accepted; offset says how far */
	FWP_SESSION_COMMITTED = 2, /* FINISH succeeded */
	FWP_SESSION_FAILED = 3     /* FINISH refused the image; the slot is not bootable */
};

#define FWP_SESSION_ID_LEN 16u /* the first 16 bytes of the image file's SHA-256 */

/* Body sizes and offsets. Every response body starts with status, detail. */
#define FWP_BEGIN_LEN 88u /* slot, encoding, flags[2], size[4], id[16], header[64] */
#define FWP_DATA_HDR_LEN 4u /* offset[4], then the bytes */
#define FWP_STATUS_LEN 6u /* status, detail, offset[4]: the next byte expected */
#define FWP_INFO_FIXED_LEN 10u /* status, detail, version[2], max_packet[2], window, role,
				  features[2]; then board (len, chars), slots (count, 12
				  bytes each: id, flags, type_mask, 0, addr[4], size[4]),
				  session (state, slot, encoding, 0, size[4], offset[4], id[16]) */
#define FWP_INFO_SLOT_LEN 12u
#define FWP_INFO_SESSION_LEN 28u

/*
 * After the session, INFO carries extension records to the end of its body:
 * tag (1), len (1), value (len). A host skips tags it does not know, so a
 * device may add records without a new protocol version, and a host that
 * stops reading after the session (every host before the records) still
 * understands the device.
 */
#define FWP_INFO_EXT_HDR_LEN 2u
#define FWP_INFO_EXT_UID 0x01u /* the board's unique ID, 1..FWP_UID_MAX bytes */

/* The longest board unique ID (the STM32's is 96 bits). */
#define FWP_UID_MAX 16u

#endif /* FWPACK_PROTOCOL_H */

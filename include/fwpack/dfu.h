/*
 * USB DFU 1.1 and ST's DfuSe extensions on the wire: the one definition
 * for the device (device/core/fwd_dfu.c), the host (src/transport/dfu*.c)
 * and the emulated devices of the tests (tests/tools/usbemu_*.c). Numbers
 * and names are the specifications': USB Device Class Specification for
 * Device Firmware Upgrade 1.1, sections 4.2 and 6.1.2 to 6.1.4, and ST
 * AN3156 (DfuSe), section 4. docs/usb-dfu.md lists the same tables
 * (tests/wire-docs.sh compares them).
 *
 * The name tables are static inline functions: a program that never
 * prints a name (the Bootloader, the Loader) links none of the strings.
 */
#ifndef FWPACK_DFU_H
#define FWPACK_DFU_H

#include <stdint.h>

#include "fwpack/xtable.h"

/* bRequest of the class requests (DFU 1.1 table 3.2). */
#define FWP_DFU_REQUESTS(X)      \
	X(DETACH, 0, "DFU_DETACH")       \
	X(DNLOAD, 1, "DFU_DNLOAD")       \
	X(UPLOAD, 2, "DFU_UPLOAD")       \
	X(GETSTATUS, 3, "DFU_GETSTATUS") \
	X(CLRSTATUS, 4, "DFU_CLRSTATUS") \
	X(GETSTATE, 5, "DFU_GETSTATE")   \
	X(ABORT, 6, "DFU_ABORT")

/* bState (DFU 1.1 section 6.1.2); names as the specification writes them. */
#define FWP_DFU_STATES(X)                               \
	X(APP_IDLE, 0, "appIDLE")                       \
	X(APP_DETACH, 1, "appDETACH")                   \
	X(IDLE, 2, "dfuIDLE")                           \
	X(DNLOAD_SYNC, 3, "dfuDNLOAD-SYNC")             \
	X(DNBUSY, 4, "dfuDNBUSY")                       \
	X(DNLOAD_IDLE, 5, "dfuDNLOAD-IDLE")             \
	X(MANIFEST_SYNC, 6, "dfuMANIFEST-SYNC")         \
	X(MANIFEST, 7, "dfuMANIFEST")                   \
	X(MANIFEST_WAIT_RESET, 8, "dfuMANIFEST-WAIT-RESET") \
	X(UPLOAD_IDLE, 9, "dfuUPLOAD-IDLE")             \
	X(ERROR, 10, "dfuERROR")

/* bStatus (DFU 1.1 section 6.1.2): name, and the specification's words. */
#define FWP_DFU_STATUSES(X)                                                                  \
	X(OK, 0x00, "OK", "no error")                                                        \
	X(ERR_TARGET, 0x01, "errTARGET", "file is not targeted for use by this device")      \
	X(ERR_FILE, 0x02, "errFILE",                                                         \
	  "file is for this device but fails a vendor-specific verification test")           \
	X(ERR_WRITE, 0x03, "errWRITE", "unable to write memory")                             \
	X(ERR_ERASE, 0x04, "errERASE", "memory erase function failed")                       \
	X(ERR_CHECK_ERASED, 0x05, "errCHECK_ERASED", "flash not erased")                    \
	X(ERR_PROG, 0x06, "errPROG", "program memory function failed")                       \
	X(ERR_VERIFY, 0x07, "errVERIFY", "programmed memory failed verification")           \
	X(ERR_ADDRESS, 0x08, "errADDRESS", "address out of range")                           \
	X(ERR_NOTDONE, 0x09, "errNOTDONE",                                                   \
	  "received the end of the download before it was complete")                        \
	X(ERR_FIRMWARE, 0x0A, "errFIRMWARE", "the device's firmware is corrupt")             \
	X(ERR_VENDOR, 0x0B, "errVENDOR", "vendor-specific error")                            \
	X(ERR_USBR, 0x0C, "errUSBR", "unexpected USB reset")                                 \
	X(ERR_POR, 0x0D, "errPOR", "unexpected power-on reset")                              \
	X(ERR_UNKNOWN, 0x0E, "errUNKNOWN", "unknown error")                                  \
	X(ERR_STALLEDPKT, 0x0F, "errSTALLEDPKT", "the device stalled an unexpected request")

#define FWP_DFU_ENUM_(name, value, ...) FWP_DFU_##name = value,
#define FWP_DFU_REQ_ENUM_(name, value, ...) FWP_DFU_REQ_##name = value,
enum fwp_dfu_request { FWP_DFU_REQUESTS(FWP_DFU_REQ_ENUM_) };
enum fwp_dfu_state { FWP_DFU_STATES(FWP_DFU_ENUM_) };
enum fwp_dfu_status_code { FWP_DFU_STATUSES(FWP_DFU_ENUM_) };

/* bmRequestType of the class requests: class, to the interface, host to device or back. */
#define FWP_DFU_RT_OUT 0x21u
#define FWP_DFU_RT_IN 0xA1u

/* The interface: class, subclass, and protocol by mode (DFU 1.1 4.2.1, 4.2.3). */
#define FWP_DFU_CLASS 0xFEu
#define FWP_DFU_SUBCLASS 0x01u
#define FWP_DFU_PROTO_RUNTIME 0x01u
#define FWP_DFU_PROTO_DFU_MODE 0x02u

/* The functional descriptor (DFU 1.1 4.1.3): type, length, bmAttributes bits. */
#define FWP_DFU_FUNC_DESC_TYPE 0x21u
#define FWP_DFU_FUNC_DESC_LEN 9u
#define FWP_DFU_ATTR_CAN_DNLOAD 0x01u
#define FWP_DFU_ATTR_CAN_UPLOAD 0x02u
#define FWP_DFU_ATTR_MANIFESTATION_TOLERANT 0x04u
#define FWP_DFU_ATTR_WILL_DETACH 0x08u

/* bcdDFUVersion: DFU 1.1, and ST's DfuSe (which switches hosts to the extensions). */
#define FWP_DFU_VERSION 0x0110u
#define FWP_DFUSE_VERSION 0x011Au

/* The GETSTATUS answer: bStatus, bwPollTimeout (3 bytes, little endian), bState, iString. */
#define FWP_DFU_STATUS_LEN 6u

static inline void fwp_dfu_status_put(uint8_t out[FWP_DFU_STATUS_LEN], uint8_t status,
				      uint32_t poll_ms, uint8_t state)
{
	out[0] = status;
	out[1] = (uint8_t)poll_ms;
	out[2] = (uint8_t)(poll_ms >> 8);
	out[3] = (uint8_t)(poll_ms >> 16);
	out[4] = state;
	out[5] = 0; /* iString: no string describes a status */
}

static inline uint32_t fwp_dfu_status_poll_ms(const uint8_t in[FWP_DFU_STATUS_LEN])
{
	return (uint32_t)in[1] | (uint32_t)in[2] << 8 | (uint32_t)in[3] << 16;
}

/*
 * DfuSe (AN3156 section 4): commands are DNLOADs to block 0 whose first
 * byte is the command (an address follows as 4 bytes, little endian);
 * data blocks are numbered from 2, at address pointer + (block - 2) *
 * wTransferSize.
 */
#define FWP_DFUSE_COMMANDS(X)                     \
	X(GET_COMMANDS, 0x00, "get commands")     \
	X(SET_ADDRESS, 0x21, "set address pointer") \
	X(ERASE, 0x41, "erase")                   \
	X(READ_UNPROTECT, 0x92, "read unprotect")
#define FWP_DFUSE_ENUM_(name, value, ...) FWP_DFUSE_CMD_##name = value,
enum fwp_dfuse_command { FWP_DFUSE_COMMANDS(FWP_DFUSE_ENUM_) };
#define FWP_DFUSE_CMD_LEN 5u /* command and address; erase alone (mass erase) is 1 */
#define FWP_DFUSE_FIRST_DATA_BLOCK 2u

/* "errCHECK_ERASED" for a bStatus; "err?" for a value the specification does not define. */
static inline const char *fwp_dfu_status_name(unsigned status)
{
	FWP_X_LOOKUP(FWP_DFU_STATUSES, FWP_X_TEXT4, status, "err?");
}

/* "flash not erased": the specification's words for a bStatus. */
static inline const char *fwp_dfu_status_text(unsigned status)
{
	FWP_X_LOOKUP(FWP_DFU_STATUSES, FWP_X_WORDS, status, "undefined status");
}

/* "dfuDNLOAD-IDLE" for a bState. */
static inline const char *fwp_dfu_state_name(unsigned state)
{
	FWP_X_LOOKUP(FWP_DFU_STATES, FWP_X_TEXT, state, "state?");
}

/* "DFU_GETSTATUS" for a bRequest. */
static inline const char *fwp_dfu_request_name(unsigned request)
{
	FWP_X_LOOKUP(FWP_DFU_REQUESTS, FWP_X_TEXT, request, "DFU_?");
}

#endif /* FWPACK_DFU_H */

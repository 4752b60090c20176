/*
 * The INFO body of the serial protocol (the answer to HELLO,
 * docs/serial-protocol.md): the one encoder (the device's update mode)
 * and the one decoder (fwpack flash, the test client, the fuzz target).
 * The decoded form points into the bytes it was read from: the board
 * name, session id and unique ID are raw bytes, for the caller to copy
 * and make printable.
 */
#ifndef FWC_INFO_H
#define FWC_INFO_H

#include <stddef.h>
#include <stdint.h>

#include "fwpack/protocol.h"

struct fwc_info_slot {
	uint8_t id, flags, type_mask; /* FWP_SLOT_WRITABLE; 1 << image type */
	uint32_t addr, size;
};

struct fwc_info {
	uint16_t version, max_packet, features;
	uint8_t window, role;
	const uint8_t *board; /* board_len bytes, not terminated */
	uint8_t board_len;
	uint8_t nslots;
	struct fwc_info_slot slots[FWP_MAX_SLOTS];
	uint8_t session_state, session_slot, session_encoding;
	uint32_t session_size, session_offset;
	const uint8_t *session_id; /* FWP_SESSION_ID_LEN bytes; encode: NULL is all zeros */
	const uint8_t *uid;        /* uid_len bytes; 0: the board has none (no record) */
	uint8_t uid_len;
};

/* The longest INFO body: every field at its largest. */
#define FWC_INFO_MAX                                                                       \
	(FWP_INFO_FIXED_LEN + 1 + 255 + 1 + FWP_MAX_SLOTS * FWP_INFO_SLOT_LEN +             \
	 FWP_INFO_SESSION_LEN + FWP_INFO_EXT_HDR_LEN + FWP_UID_MAX)

/*
 * The body (status OK, detail 0, then the fields) into out, at most cap
 * bytes. Returns its length; 0 if it does not fit or info breaks a limit
 * (more than FWP_MAX_SLOTS slots, a unique ID longer than FWP_UID_MAX).
 */
size_t fwc_info_encode(const struct fwc_info *info, uint8_t *out, size_t cap);

/*
 * Read a body of n bytes (status first). NULL when it is whole and
 * consistent; else why not ("ends inside the slot table", ...), and *at
 * is the byte offset where the fault was found. Extension records with
 * tags it does not know are skipped, as the protocol says.
 */
const char *fwc_info_decode(const uint8_t *p, size_t n, struct fwc_info *out, size_t *at);

#endif /* FWC_INFO_H */

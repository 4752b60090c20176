/*
 * The verdicts of the image check (common/fwc_image.c), as the device acts
 * on them and reports them: the detail byte of a serial BAD_IMAGE answer,
 * what the Bootloader and Loader print, what fwpack flash says of a
 * refusal. One table for the enum (enum fwc_verdict), the words, and
 * docs/serial-protocol.md (tests/wire-docs.sh compares them).
 */
#ifndef FWPACK_VERDICT_H
#define FWPACK_VERDICT_H

#include "fwpack/xtable.h"

/*
 * A build without provisioning (the ARM Bootloader, FWC_NO_PROVISIONING)
 * never gives WRONG_BOARD: its words are not linked there.
 */
#ifdef FWC_NO_PROVISIONING
#define FWP_WRONG_BOARD_WORDS_ "unknown"
#else
#define FWP_WRONG_BOARD_WORDS_ "the provisioning record is for another board"
#endif

/* name, value, words. The comments say when each is given. */
#define FWP_VERDICTS(X)                                                                    \
	X(OK, 0, "valid")                                                                  \
	X(EMPTY, 1, "no image")         /* erased or invalidated slot, or not an image */  \
	X(BAD_HEADER, 2, "bad header")  /* header fields, header CRC or padding wrong */   \
	X(BAD_PAYLOAD, 3, "payload CRC mismatch")                                          \
	X(BAD_TRAILER, 4, "bad TLV trailer")                                               \
	X(BAD_DIGEST, 5, "digest mismatch") /* SHA-256 does not match */                   \
	X(WRONG_KEY, 6, "signed with an untrusted key")                                   \
	X(BAD_SIGNATURE, 7, "bad signature")                                               \
	X(WRONG_TYPE, 8, "wrong image type for this slot")                                \
	X(ROLLBACK, 9, "rollback refused (security counter too low)")                     \
	X(BAD_VECTORS, 10, "vector table outside the payload or misaligned")              \
	X(READ_ERROR, 11, "flash read error") /* reading the slot (or file) failed */     \
	X(WRONG_BOARD, 12, FWP_WRONG_BOARD_WORDS_) /* a record for another board, or none */

/* "bad signature": a short sentence for a console or a message. */
static inline const char *fwp_verdict_name(unsigned v)
{
	FWP_X_LOOKUP(FWP_VERDICTS, FWP_X_TEXT, v, "unknown");
}

#endif /* FWPACK_VERDICT_H */

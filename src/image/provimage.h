/*
 * Provisioning images (docs/provisioning.md): one board's identity as a
 * signed image for its provisioning slot. The station calls this per
 * board, with the UID the board reported in INFO and its provisioning key
 * (never the release key).
 */
#ifndef FWP_PROVIMAGE_H
#define FWP_PROVIMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "crypto.h"
#include "fwpack/error.h"
#include "fwpack/image.h"
#include "util.h"

struct fwp_prov_field {
	const char *name;  /* [a-z0-9_], 1..FWP_PROV_NAME_MAX */
	const char *value; /* printable ASCII, 1..FWP_PROV_VALUE_MAX */
};

struct fwp_prov_params {
	const uint8_t *uid; /* the board's unique ID, 1..FWP_UID_MAX bytes */
	size_t uid_len;
	const struct fwp_prov_field *fields; /* any order; each name once */
	size_t nfields;
	uint32_t slot_addr;        /* the provisioning slot's address */
	uint32_t security_counter; /* a board takes no record older than its own */
	struct fwp_image_version version;
};

/* The record (the image's payload), checked by the device's own reader. */
int fwp_prov_record(const struct fwp_prov_params *p, struct fwp_buf *out, struct fwp_err *err);

/* The whole image, signed with key, appended to out (which must be empty). */
int fwp_prov_image(const struct fwp_prov_params *p, struct fwp_key *key, struct fwp_buf *out,
		   struct fwp_err *err);

/*
 * May image data go to the board whose unique ID is uid (lower-case hex,
 * "" when it reports none)? FWP_OK for an image that is not a provisioning
 * record, for a record of this board, and when the board reports no UID
 * (its Loader decides). A record for another board: FWP_ERR_REFUSED, in
 * the words of the Loader's verdict, naming both UIDs. The host checks
 * first because the Loader can tell only once the whole record is in,
 * after starting the session has erased the slot: the board would lose
 * the record it has.
 */
int fwp_prov_check_board(const uint8_t *data, size_t len, const char *uid, struct fwp_err *err);

#endif /* FWP_PROVIMAGE_H */

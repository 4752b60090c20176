/*
 * The provisioning record (the payload of a PROVISIONING image, format in
 * include/fwpack/image.h): one strict reader, shared like fwc_image.c by
 * the host (fwpack inspect, the station's builder round-trip), the Loader
 * (before it commits) and the Application (reading its serial number).
 */
#ifndef FWC_PROV_H
#define FWC_PROV_H

#include <stdint.h>

#include "fwc_image.h"
#include "fwpack/protocol.h"

struct fwc_prov_field {
	char name[FWP_PROV_NAME_MAX + 1];  /* NUL-terminated */
	char value[FWP_PROV_VALUE_MAX + 1];
};

/* Called for each FIELD, in order; non-zero stops the walk (result FWC_OK). */
typedef int (*fwc_prov_each)(void *ctx, const struct fwc_prov_field *f);

/*
 * Check the record of len bytes at image offset off of src: version, every
 * length before the bytes it covers, UID first, FIELD names and values,
 * names ascending, no unknown tag, nothing after the last record. The
 * record's UID goes to r->prov_uid (r->prov_uid_len). FWC_BAD_PAYLOAD with
 * r->rule FWC_R_PROV_FORMAT and r->off on the first fault; FWC_READ_ERROR.
 */
enum fwc_verdict fwc_prov_check(const struct fwc_source *src, uint32_t off, uint32_t len,
				fwc_prov_each each, void *ctx, struct fwc_result *r);

/*
 * The value of FIELD name in the provisioning slot src (a whole image,
 * checked to FWC_STRUCTURE: the Loader checked its signature before it
 * committed it) whose UID must equal uid: 0 and the value in out, -1 when
 * the slot is empty, damaged, for another board, or lacks the field.
 */
int fwc_prov_get(const struct fwc_source *src, const uint8_t *uid, uint32_t uid_len,
		 const char *name, char out[FWP_PROV_VALUE_MAX + 1]);

#endif /* FWC_PROV_H */

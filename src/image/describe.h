/*
 * An image's fields as a cJSON object: the one description behind
 * `fwpack inspect` text and `fwpack inspect --json`.
 */
#ifndef FWP_DESCRIBE_H
#define FWP_DESCRIBE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "fwpack/error.h"

/*
 * Describe the image in data. Returns NULL only when out of memory. When
 * the image does not parse, the object holds what could be decoded plus
 * "error", and *rc receives the parse error (err holds the message).
 */
cJSON *fwp_describe_image(const char *path, const uint8_t *data, size_t len, int *rc,
			  struct fwp_err *err);

/* Print a description as "key: value" lines. */
void fwp_describe_print(const cJSON *desc, FILE *out);

#endif /* FWP_DESCRIBE_H */

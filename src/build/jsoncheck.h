/*
 * What cJSON lets through and a manifest must not contain: it is lenient
 * where RFC 8259 is strict, and it keeps a string only up to a NUL, so an
 * image named "ap\u0000p" would silently become "ap". This lexical pass
 * runs before cJSON and refuses, at the offending byte:
 *   - \u0000 in a string (and any escape that is not JSON's, or a lone
 *     UTF-16 surrogate);
 *   - a raw control character in a string;
 *   - bytes that are not UTF-8 (overlong forms, surrogates, > U+10FFFF);
 *   - numbers outside JSON's grammar: leading zeros ("007"), "+1", "1.",
 *     ".5", "1e".
 * The structure (brackets, commas, literals) is left to cJSON.
 */
#ifndef FWP_JSONCHECK_H
#define FWP_JSONCHECK_H

#include <stddef.h>

#include "fwpack/error.h"

/*
 * FWP_OK, or FWP_ERR_FORMAT with the offset of the offending byte in *off
 * and the reason (no location) in err.
 */
int fwp_json_check(const char *text, size_t len, size_t *off, struct fwp_err *err);

#endif /* FWP_JSONCHECK_H */

/*
 * Strict JSON readers (the manifest, the station recipe) report errors as
 * "<file>:<line>:<col>: <json path>: <reason>". cJSON does not record where
 * a value sits in the text, so these functions find it again from the path.
 */
#ifndef FWP_JSONLOC_H
#define FWP_JSONLOC_H

#include <stdarg.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "fwpack/error.h"

/* A JSON document's text, NUL-terminated at text[len], and its file name. */
struct fwp_jsonloc {
	const char *file;
	const char *text;
	size_t len;
};

/*
 * Parse the whole text into *out. A NUL byte, a syntax error or trailing
 * text fails with FWP_ERR_FORMAT at its line:column; what names the kind of
 * document in messages ("manifest", "recipe").
 */
int fwp_jsonloc_parse(const struct fwp_jsonloc *d, const char *what, cJSON **out,
		      struct fwp_err *err);

/* Fail at the value json_path ("images[1].slot"; "" for the document). */
int fwp_jsonloc_vfail(const struct fwp_jsonloc *d, struct fwp_err *err, int code,
		      const char *json_path, const char *fmt, va_list ap);
int fwp_jsonloc_fail(const struct fwp_jsonloc *d, struct fwp_err *err, int code,
		     const char *json_path, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 5, 6)))
#endif
	;

/* "a string", "a number", ...: for "expected X, found Y" messages. */
const char *fwp_jsonloc_type_name(const cJSON *v);

/* Refuse a key of obj not in allowed (NULL-terminated), and duplicate keys. */
int fwp_jsonloc_check_keys(const struct fwp_jsonloc *d, struct fwp_err *err, const cJSON *obj,
			   const char *path, const char *const *allowed);

#endif /* FWP_JSONLOC_H */

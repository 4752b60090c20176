/*
 * Locating a JSON path in the text (see jsonloc.h). Rather than keep a
 * second JSON tokenizer, locate() walks the text along the path and lets
 * cJSON itself parse (and so skip) each key and each value it passes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsoncheck.h"
#include "jsonloc.h"

#define PATH_MAX_LEN 256

static const char *skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

/* Skip one JSON value at p; NULL if there is none. */
static const char *skip_value(const char *p, const char *end)
{
	const char *after = NULL;
	cJSON *v = cJSON_ParseWithLengthOpts(p, (size_t)(end - p), &after, 0);
	if (!v)
		return NULL;
	cJSON_Delete(v);
	return after;
}

static const char *find_member(const char *p, const char *end, const char *name, size_t nlen)
{
	p = skip_ws(p, end);
	if (p >= end || *p != '{')
		return NULL;
	p = skip_ws(p + 1, end);
	while (p < end && *p == '"') {
		const char *after = NULL;
		cJSON *key = cJSON_ParseWithLengthOpts(p, (size_t)(end - p), &after, 0);
		if (!key)
			return NULL;
		int match = cJSON_IsString(key) && strlen(key->valuestring) == nlen &&
			    memcmp(key->valuestring, name, nlen) == 0;
		cJSON_Delete(key);
		p = skip_ws(after, end);
		if (p >= end || *p != ':')
			return NULL;
		p = skip_ws(p + 1, end);
		if (match)
			return p;
		p = skip_value(p, end);
		if (!p)
			return NULL;
		p = skip_ws(p, end);
		if (p < end && *p == ',')
			p = skip_ws(p + 1, end);
	}
	return NULL;
}

static const char *find_element(const char *p, const char *end, unsigned long idx)
{
	p = skip_ws(p, end);
	if (p >= end || *p != '[')
		return NULL;
	p = skip_ws(p + 1, end);
	for (unsigned long i = 0; i < idx; i++) {
		p = skip_value(p, end);
		if (!p)
			return NULL;
		p = skip_ws(p, end);
		if (p >= end || *p != ',')
			return NULL;
		p = skip_ws(p + 1, end);
	}
	return p;
}

/*
 * Offset of the value at path ("images[1].slot"); where the path cannot be
 * followed to the end, the deepest value reached.
 */
static size_t locate(const char *text, size_t len, const char *path)
{
	const char *end = text + len;
	const char *p = skip_ws(text, end);
	while (*path) {
		const char *next;
		if (*path == '.') {
			path++;
			continue;
		}
		if (*path == '[') {
			char *close;
			unsigned long idx = strtoul(path + 1, &close, 10);
			if (*close != ']')
				break;
			next = find_element(p, end, idx);
			path = close + 1;
		} else {
			size_t n = strcspn(path, ".[");
			next = find_member(p, end, path, n);
			path += n;
		}
		if (!next)
			break;
		p = next;
	}
	return (size_t)(p - text);
}

static void line_col(const char *text, size_t off, unsigned *line, unsigned *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < off; i++) {
		if (text[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

int fwp_jsonloc_vfail(const struct fwp_jsonloc *d, struct fwp_err *err, int code,
		      const char *path, const char *fmt, va_list ap)
{
	const char *file = d->file, *text = d->text;
	size_t len = d->len;
	char reason[768];
	unsigned line, col;
	vsnprintf(reason, sizeof(reason), fmt, ap);
	line_col(text, locate(text, len, path), &line, &col);
	if (*path)
		return fwp_fail(err, code, "%s:%u:%u: %s: %s", file, line, col, path, reason);
	return fwp_fail(err, code, "%s:%u:%u: %s", file, line, col, reason);
}


int fwp_jsonloc_fail(const struct fwp_jsonloc *d, struct fwp_err *err, int code,
		     const char *json_path, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = fwp_jsonloc_vfail(d, err, code, json_path, fmt, ap);
	va_end(ap);
	return rc;
}

int fwp_jsonloc_parse(const struct fwp_jsonloc *d, const char *what, cJSON **out,
		      struct fwp_err *err)
{
	unsigned line, col;
	const char *nul = memchr(d->text, 0, d->len);
	const char *end = NULL;

	*out = NULL;
	if (nul) {
		line_col(d->text, (size_t)(nul - d->text), &line, &col);
		return fwp_fail(err, FWP_ERR_FORMAT, "%s:%u:%u: NUL byte in the %s", d->file, line,
				col, what);
	}
	/* What cJSON would let through: NUL escapes, bad UTF-8, lax numbers. */
	size_t bad_at;
	struct fwp_err why;
	if (fwp_json_check(d->text, d->len, &bad_at, &why) < 0) {
		line_col(d->text, bad_at, &line, &col);
		return fwp_fail(err, FWP_ERR_FORMAT, "%s:%u:%u: %s", d->file, line, col, why.msg);
	}
	/* The length includes the NUL: cJSON checks for it after the value. */
	cJSON *root = cJSON_ParseWithLengthOpts(d->text, d->len + 1, &end, 1);
	if (!root) {
		size_t off = end ? (size_t)(end - d->text) : 0;
		if (off > d->len)
			off = d->len;
		int at_end = skip_ws(d->text + off, d->text + d->len) == d->text + d->len;
		line_col(d->text, off, &line, &col);
		if (at_end)
			return fwp_fail(err, FWP_ERR_FORMAT, "%s:%u:%u: unexpected end of JSON",
					d->file, line, col);
		return fwp_fail(err, FWP_ERR_FORMAT,
				"%s:%u:%u: JSON syntax error (or trailing text after the %s)", d->file,
				line, col, what);
	}
	*out = root;
	return FWP_OK;
}

const char *fwp_jsonloc_type_name(const cJSON *v)
{
	if (cJSON_IsString(v))
		return "a string";
	if (cJSON_IsNumber(v))
		return "a number";
	if (cJSON_IsBool(v))
		return "a boolean";
	if (cJSON_IsNull(v))
		return "null";
	if (cJSON_IsArray(v))
		return "an array";
	if (cJSON_IsObject(v))
		return "an object";
	return "invalid";
}

int fwp_jsonloc_check_keys(const struct fwp_jsonloc *d, struct fwp_err *err, const cJSON *obj,
			   const char *path, const char *const *allowed)
{
	char p[PATH_MAX_LEN];
	for (const cJSON *k = obj->child; k; k = k->next) {
		int known = 0;
		for (const char *const *a = allowed; *a; a++)
			if (strcmp(*a, k->string) == 0)
				known = 1;
		if (*path)
			snprintf(p, sizeof(p), "%s.%s", path, k->string);
		else
			snprintf(p, sizeof(p), "%s", k->string);
		if (!known) {
			char list[256] = "";
			for (const char *const *a = allowed; *a; a++) {
				strncat(list, *a, sizeof(list) - strlen(list) - 1);
				if (a[1])
					strncat(list, ", ", sizeof(list) - strlen(list) - 1);
			}
			return fwp_jsonloc_fail(d, err, FWP_ERR_FORMAT, p,
						"unknown key \"%s\" (expected one of: %s)", k->string,
						list);
		}
		for (const cJSON *e = obj->child; e != k; e = e->next)
			if (strcmp(e->string, k->string) == 0)
				return fwp_jsonloc_fail(d, err, FWP_ERR_FORMAT, p,
							"duplicate key \"%s\"", k->string);
	}
	return FWP_OK;
}

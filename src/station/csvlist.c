/* The CSV list an identity pool can come from (see identity.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "identity.h"
#include "util.h"

#define CSV_MAX_BYTES (64u << 20)
#define CSV_MAX_FIELDS 64

struct row {
	char *fields[CSV_MAX_FIELDS];
	size_t n;
};

static void row_free(struct row *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->fields[i]);
	r->n = 0;
}

/*
 * Read one record starting at *pos; *line counts newlines (quoted fields
 * may hold some). Returns 1 for a record, 0 at the end, < 0 on error.
 */
static int read_row(const char *path, const char *t, size_t len, size_t *pos, unsigned *line,
		    struct row *r, struct fwp_err *err)
{
	size_t p = *pos;
	r->n = 0;
	if (p >= len)
		return 0;
	for (;;) {
		struct fwp_buf f = {0};
		if (r->n == CSV_MAX_FIELDS)
			return fwp_fail(err, FWP_ERR_FORMAT, "%s:%u: more than %d fields", path,
					*line, CSV_MAX_FIELDS);
		if (p < len && t[p] == '"') {
			unsigned start = *line;
			p++;
			for (;;) {
				if (p >= len) {
					fwp_buf_free(&f);
					return fwp_fail(err, FWP_ERR_FORMAT,
							"%s:%u: quoted field is not closed", path,
							start);
				}
				if (t[p] == '"' && p + 1 < len && t[p + 1] == '"') {
					p++;
				} else if (t[p] == '"') {
					p++;
					break;
				}
				if (t[p] == '\n')
					(*line)++;
				if (fwp_buf_append(&f, &t[p], 1, err) < 0)
					return err ? err->code : FWP_ERR_NOMEM;
				p++;
			}
			if (p < len && t[p] != ',' && t[p] != '\n' && t[p] != '\r') {
				fwp_buf_free(&f);
				return fwp_fail(err, FWP_ERR_FORMAT,
						"%s:%u: text after a closing quote", path, *line);
			}
		} else {
			while (p < len && t[p] != ',' && t[p] != '\n' && t[p] != '\r') {
				if (t[p] == '"') {
					fwp_buf_free(&f);
					return fwp_fail(err, FWP_ERR_FORMAT,
							"%s:%u: quote inside an unquoted field",
							path, *line);
				}
				if (fwp_buf_append(&f, &t[p], 1, err) < 0)
					return err ? err->code : FWP_ERR_NOMEM;
				p++;
			}
		}
		if (fwp_buf_append(&f, "", 1, err) < 0)
			return err ? err->code : FWP_ERR_NOMEM;
		r->fields[r->n++] = (char *)f.data;
		if (p < len && t[p] == ',') {
			p++;
			continue;
		}
		if (p < len && t[p] == '\r')
			p++;
		if (p < len && t[p] == '\n') {
			p++;
			(*line)++;
		} else if (p < len) {
			return fwp_fail(err, FWP_ERR_FORMAT, "%s:%u: carriage return inside a line",
					path, *line);
		}
		*pos = p;
		return 1;
	}
}

static int check_value(const char *path, unsigned line, const char *v, struct fwp_err *err)
{
	if (!*v)
		return fwp_fail(err, FWP_ERR_FORMAT, "%s:%u: empty value", path, line);
	if (strlen(v) >= FWP_IDENTITY_MAX)
		return fwp_fail(err, FWP_ERR_FORMAT, "%s:%u: value longer than %d characters", path,
				line, FWP_IDENTITY_MAX - 1);
	for (const unsigned char *c = (const unsigned char *)v; *c; c++)
		if (*c < 0x21 || *c == 0x7f)
			return fwp_fail(err, FWP_ERR_FORMAT,
					"%s:%u: \"%s\": spaces and control characters are not "
					"allowed in a value",
					path, line, v);
	return FWP_OK;
}

static int cmp_str(const void *a, const void *b)
{
	const char *const *x = a, *const *y = b;
	int c = strcmp(*x, *y);
	return c ? c : (*x < *y ? -1 : *x > *y);
}

/* Find a duplicate: sort pointers, then look it up again for both lines. */
static int check_unique(const char *path, char **v, size_t n, const unsigned *lines,
			struct fwp_err *err)
{
	char **sorted = malloc((n ? n : 1) * sizeof(*sorted));
	if (!sorted)
		return fwp_fail(err, FWP_ERR_NOMEM, "out of memory");
	memcpy(sorted, v, n * sizeof(*v));
	qsort(sorted, n, sizeof(*sorted), cmp_str);
	for (size_t i = 1; i < n; i++) {
		if (strcmp(sorted[i - 1], sorted[i]) != 0)
			continue;
		size_t a = n, b = n;
		for (size_t k = 0; k < n; k++)
			if (v[k] == sorted[i - 1] || v[k] == sorted[i]) {
				if (a == n)
					a = k;
				else
					b = k;
			}
		int rc = fwp_fail(err, FWP_ERR_FORMAT,
				  "%s:%u: duplicate value \"%s\" (also on line %u): a pool must "
				  "never hand out one value twice",
				  path, lines[b], v[b], lines[a]);
		free(sorted);
		return rc;
	}
	free(sorted);
	return FWP_OK;
}

int fwp_csvlist_parse(const char *path, const char *text, size_t len, const char *column,
		      char ***values, size_t *nvalues, struct fwp_err *err)
{
	struct row r = {0};
	size_t pos = 0, col = 0, n = 0, cap = 0, ncols;
	unsigned line = 1, at;
	char **v = NULL;
	unsigned *lines = NULL;
	int rc;

	*values = NULL;
	*nvalues = 0;
	if (memchr(text, 0, len))
		return fwp_fail(err, FWP_ERR_FORMAT, "%s: NUL byte in the file", path);
	if ((rc = read_row(path, text, len, &pos, &line, &r, err)) <= 0) {
		row_free(&r);
		return rc < 0 ? rc
			      : fwp_fail(err, FWP_ERR_FORMAT,
					 "%s: empty file (expected a header line naming the columns)",
					 path);
	}
	ncols = r.n;
	if (column) {
		for (col = 0; col < r.n && strcmp(r.fields[col], column) != 0; col++)
			;
		if (col == r.n) {
			rc = fwp_fail(err, FWP_ERR_NOT_FOUND, "%s:1: no column \"%s\" in the header",
				      path, column);
			row_free(&r);
			return rc;
		}
	}
	row_free(&r);
	for (;;) {
		at = line;
		rc = read_row(path, text, len, &pos, &line, &r, err);
		if (rc <= 0)
			break;
		if (r.n == 1 && !r.fields[0][0]) { /* a blank line */
			row_free(&r);
			continue;
		}
		if (r.n != ncols) {
			rc = fwp_fail(err, FWP_ERR_FORMAT, "%s:%u: %zu fields, the header has %zu",
				      path, at, r.n, ncols);
			break;
		}
		if ((rc = check_value(path, at, r.fields[col], err)) < 0)
			break;
		if (n == cap) {
			size_t nc = cap ? 2 * cap : 64;
			char **nv = realloc(v, nc * sizeof(*v));
			unsigned *nl = nv ? realloc(lines, nc * sizeof(*lines)) : NULL;
			if (nv)
				v = nv;
			if (!nv || !nl) {
				rc = fwp_fail(err, FWP_ERR_NOMEM, "out of memory");
				break;
			}
			lines = nl;
			cap = nc;
		}
		v[n] = r.fields[col];
		lines[n++] = at;
		r.fields[col] = strdup("");
		row_free(&r);
	}
	row_free(&r);
	if (rc == 0 && n == 0)
		rc = fwp_fail(err, FWP_ERR_FORMAT, "%s: no values after the header", path);
	if (rc == 0)
		rc = check_unique(path, v, n, lines, err);
	free(lines);
	if (rc < 0) {
		fwp_csvlist_free(v, n);
		return rc;
	}
	*values = v;
	*nvalues = n;
	return FWP_OK;
}

int fwp_csvlist_load(const char *path, const char *column, char ***values, size_t *nvalues,
		     struct fwp_err *err)
{
	struct fwp_buf b = {0};
	int rc = fwp_file_read(path, CSV_MAX_BYTES, &b, err);
	if (rc == FWP_OK)
		rc = fwp_csvlist_parse(path, (const char *)b.data, b.len, column, values, nvalues,
				       err);
	fwp_buf_free(&b);
	return rc;
}

void fwp_csvlist_free(char **values, size_t nvalues)
{
	for (size_t i = 0; i < nvalues; i++)
		free(values[i]);
	free(values);
}

/* Counter formats for identities: "FW-{:06d}" (see identity.h). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "identity.h"

#define WIDTH_MAX 20

struct spec {
	int zero;
	unsigned width;
	char conv; /* 'd', 'x' or 'X' */
};

/*
 * Walk format, copying literal text to out (when out is not NULL) and
 * parsing the one placeholder into *sp; *at is where it goes in out.
 */
static int scan(const char *format, struct spec *sp, char *out, size_t outsz, size_t *at,
		struct fwp_err *err)
{
	size_t n = 0, fields = 0;
	for (const char *p = format; *p; p++) {
		char c = *p;
		if (c == '{' && p[1] == '{') {
			p++;
		} else if (c == '}' && p[1] == '}') {
			p++;
		} else if (c == '}') {
			return fwp_fail(err, FWP_ERR_FORMAT,
					"format \"%s\": a lone '}' (write \"}}\" for a brace)", format);
		} else if (c == '{') {
			const char *close = strchr(p, '}');
			if (!close)
				return fwp_fail(err, FWP_ERR_FORMAT, "format \"%s\": '{' is not closed",
						format);
			if (++fields > 1)
				return fwp_fail(err, FWP_ERR_FORMAT,
						"format \"%s\": more than one {} placeholder", format);
			const char *s = p + 1;
			memset(sp, 0, sizeof(*sp));
			sp->conv = 'd';
			if (*s == ':') {
				s++;
				if (*s == '0') {
					sp->zero = 1;
					s++;
				}
				while (*s >= '0' && *s <= '9') {
					sp->width = sp->width * 10 + (unsigned)(*s - '0');
					if (sp->width > WIDTH_MAX)
						return fwp_fail(err, FWP_ERR_FORMAT,
								"format \"%s\": width above %d",
								format, WIDTH_MAX);
					s++;
				}
				if (*s == 'd' || *s == 'x' || *s == 'X')
					sp->conv = *s++;
			}
			if (s != close)
				return fwp_fail(err, FWP_ERR_FORMAT,
						"format \"%s\": placeholder \"%.*s\" is not {} or "
						"{:[0][WIDTH](d|x|X)}",
						format, (int)(close - p + 1), p);
			*at = n;
			p = close;
			continue;
		}
		if (c < 0x20 || c == 0x7f)
			return fwp_fail(err, FWP_ERR_FORMAT, "format \"%s\": control character",
					format);
		if (out) {
			if (n + 1 >= outsz)
				return fwp_fail(err, FWP_ERR_RANGE,
						"format \"%s\": value longer than %d characters", format,
						FWP_IDENTITY_MAX - 1);
			out[n] = c;
		}
		n++;
	}
	if (fields != 1)
		return fwp_fail(err, FWP_ERR_FORMAT,
				"format \"%s\": needs one {} placeholder for the number", format);
	if (out)
		out[n] = '\0';
	return FWP_OK;
}

int fwp_idformat_check(const char *format, struct fwp_err *err)
{
	struct spec sp;
	size_t at;
	return scan(format, &sp, NULL, 0, &at, err);
}

int fwp_idformat_render(const char *format, uint64_t n, char out[FWP_IDENTITY_MAX],
			struct fwp_err *err)
{
	struct spec sp;
	char lit[FWP_IDENTITY_MAX], num[WIDTH_MAX + 24];
	size_t at = 0;
	int rc = scan(format, &sp, lit, sizeof(lit), &at, err);
	if (rc < 0)
		return rc;
	int w = (int)sp.width;
	if (sp.conv == 'd')
		snprintf(num, sizeof(num), sp.zero ? "%0*" PRIu64 : "%*" PRIu64, w, n);
	else if (sp.conv == 'x')
		snprintf(num, sizeof(num), sp.zero ? "%0*" PRIx64 : "%*" PRIx64, w, n);
	else
		snprintf(num, sizeof(num), sp.zero ? "%0*" PRIX64 : "%*" PRIX64, w, n);
	if (strlen(lit) + strlen(num) >= FWP_IDENTITY_MAX)
		return fwp_fail(err, FWP_ERR_RANGE, "format \"%s\": %" PRIu64
				" gives a value longer than %d characters", format, n,
				FWP_IDENTITY_MAX - 1);
	snprintf(out, FWP_IDENTITY_MAX, "%.*s%s%s", (int)at, lit, num, lit + at);
	return FWP_OK;
}

const char *fwp_idsrc_kind_name(enum fwp_idsrc_kind kind)
{
	switch (kind) {
	case FWP_IDSRC_COUNTER:
		return "counter";
	case FWP_IDSRC_CSV:
		return "csv";
	case FWP_IDSRC_COMMAND:
		return "command";
	}
	return "unknown";
}

void fwp_idsrc_free(struct fwp_idsrc *s)
{
	fwp_csvlist_free(s->values, s->nvalues);
	free(s->csv_path);
	free(s->csv_column);
	free(s->command);
	memset(s, 0, sizeof(*s));
}

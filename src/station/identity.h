/*
 * Identity sources: where a station's per-board values (serial numbers, MAC
 * addresses) come from. A counter rendered through a format ("FW-{:06d}"),
 * a CSV list, or a command's output. Allocation itself is the record's job
 * (record.h): it is transactional there, whatever the source.
 */
#ifndef FWP_STATION_IDENTITY_H
#define FWP_STATION_IDENTITY_H

#include <stddef.h>
#include <stdint.h>

#include "fwpack/error.h"

/* Longest identity value, and longest pool name, with their NUL. */
#define FWP_IDENTITY_MAX 64
#define FWP_POOL_NAME_MAX 64

enum fwp_idsrc_kind { FWP_IDSRC_COUNTER = 1, FWP_IDSRC_CSV, FWP_IDSRC_COMMAND };

struct fwp_idsrc {
	enum fwp_idsrc_kind kind;
	char pool[FWP_POOL_NAME_MAX];
	/* counter */
	char format[FWP_IDENTITY_MAX];
	uint64_t start, end;
	/* csv: the values, in file order, already checked (no duplicates) */
	char *csv_path;
	char *csv_column; /* or NULL: the first column */
	char **values;
	size_t nvalues;
	/* command: run by /bin/sh -c, its first output line is the value */
	char *command;
	unsigned timeout_ms;
};

void fwp_idsrc_free(struct fwp_idsrc *s);

/* Kind as written in recipes and the record: "counter", "csv", "command". */
const char *fwp_idsrc_kind_name(enum fwp_idsrc_kind kind);

/*
 * A counter's format: literal text around exactly one "{}" or "{:[0][W](d|x|X)}"
 * (Python's notation, "{{" and "}}" for braces). On failure err->msg holds
 * the reason only, for the caller to place.
 */
int fwp_idformat_check(const char *format, struct fwp_err *err);

/* Render n through format into out (FWP_IDENTITY_MAX bytes). */
int fwp_idformat_render(const char *format, uint64_t n, char out[FWP_IDENTITY_MAX],
			struct fwp_err *err);

/*
 * Read a CSV list (RFC 4180: a header line naming the columns, quoted
 * fields with "" inside) and take the column named column (NULL: the
 * first). Every value must be non-empty, printable, shorter than
 * FWP_IDENTITY_MAX and unique; errors name path:line.
 */
int fwp_csvlist_parse(const char *path, const char *text, size_t len, const char *column,
		      char ***values, size_t *nvalues, struct fwp_err *err);
int fwp_csvlist_load(const char *path, const char *column, char ***values, size_t *nvalues,
		     struct fwp_err *err);
void fwp_csvlist_free(char **values, size_t nvalues);

/*
 * Run src->command with FWPACK_POOL, FWPACK_BOARD_UID and FWPACK_STATION in
 * its environment, for at most src->timeout_ms; its first line of output is
 * the value (it must exit 0).
 */
int fwp_idcommand_run(const struct fwp_idsrc *src, const char *board_uid, const char *station,
		      char out[FWP_IDENTITY_MAX], struct fwp_err *err);

#endif /* FWP_STATION_IDENTITY_H */

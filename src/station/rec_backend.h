/*
 * What the record (record.c) needs of a database: one ops table per
 * backend (rec_sqlite.c, rec_pg.c), as libusb has one per OS. SQL is
 * written once, with $1..$n parameters; every value crosses as text (NULL
 * for SQL NULL) so that both backends see the same strings.
 */
#ifndef FWP_STATION_REC_BACKEND_H
#define FWP_STATION_REC_BACKEND_H

#include <stddef.h>

#include "fwpack/error.h"

/* A query's answer: nrows x ncols cells, NULL for SQL NULL. */
struct fwp_rec_rows {
	size_t nrows, ncols;
	char **cells;
};

void fwp_rec_rows_free(struct fwp_rec_rows *rows);

static inline const char *fwp_rec_cell(const struct fwp_rec_rows *rows, size_t row, size_t col)
{
	return rows->cells[row * rows->ncols + col];
}

struct fwp_rec;

struct fwp_rec_ops {
	const char *name;
	/* Column type of an auto-numbered primary key. */
	const char *serial_key;
	/* write: fail unless the database takes writes. */
	int (*open)(struct fwp_rec *r, const char *target, int write, struct fwp_err *err);
	void (*close)(struct fwp_rec *r);
	/* Statements without parameters, separated by ';'. */
	int (*script)(struct fwp_rec *r, const char *sql, struct fwp_err *err);
	/* One statement; rows may be NULL when no answer is wanted. */
	int (*exec)(struct fwp_rec *r, const char *sql, size_t nparams, const char *const *params,
		    struct fwp_rec_rows *rows, struct fwp_err *err);
	/* Begin a transaction that excludes every other writer until it ends. */
	int (*begin_exclusive)(struct fwp_rec *r, struct fwp_err *err);
	/* A query whose one row's one cell is 1 when the record's tables exist, else 0. */
	const char *has_schema;
};

extern const struct fwp_rec_ops fwp_rec_sqlite_ops;
extern const struct fwp_rec_ops fwp_rec_pg_ops;

struct fwp_rec {
	const struct fwp_rec_ops *ops;
	void *db;
	char where[256]; /* the target for messages, without a password */
};

#endif /* FWP_STATION_REC_BACKEND_H */

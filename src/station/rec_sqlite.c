/* The record in an SQLite file (see rec_backend.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "rec_backend.h"

/* Another station holding the file waits this long at most. */
#define BUSY_TIMEOUT_MS 15000

static int fail_db(struct fwp_rec *r, struct fwp_err *err, const char *what)
{
	sqlite3 *db = r->db;
	int code = sqlite3_errcode(db);
	int fc = code == SQLITE_NOMEM ? FWP_ERR_NOMEM : FWP_ERR_IO;
	const char *hint = "";
	if (code == SQLITE_READONLY)
		hint = " (the station cannot record: a board without a record cannot be traced)";
	else if (code == SQLITE_BUSY)
		hint = " (another station held the file too long)";
	return fwp_fail(err, fc, "record %s: %s: %s%s", r->where, what, sqlite3_errmsg(db), hint);
}

static int sq_open(struct fwp_rec *r, const char *target, int write, struct fwp_err *err)
{
	sqlite3 *db = NULL;
	int flags = write ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY;
	int rc = sqlite3_open_v2(target, &db, flags, NULL);
	r->db = db;
	if (rc != SQLITE_OK) {
		if (!db)
			return fwp_fail(err, FWP_ERR_NOMEM, "record %s: out of memory", r->where);
		return fail_db(r, err, "cannot open");
	}
	sqlite3_busy_timeout(db, BUSY_TIMEOUT_MS);
	sqlite3_extended_result_codes(db, 0);
	if (write && sqlite3_db_readonly(db, "main") == 1)
		return fwp_fail(err, FWP_ERR_IO,
				"record %s: the file is read-only (the station cannot record: a "
				"board without a record cannot be traced)",
				r->where);
	/* The default rollback journal, not WAL: a reader of a WAL file must be
	 * able to write next to it, and fwpack history must work with read
	 * access alone. Writers wait for each other (BUSY_TIMEOUT_MS). */
	if (sqlite3_exec(db, "PRAGMA foreign_keys=ON", NULL, NULL, NULL) != SQLITE_OK)
		return fail_db(r, err, "cannot open");
	return FWP_OK;
}

static void sq_close(struct fwp_rec *r)
{
	sqlite3_close(r->db);
	r->db = NULL;
}

static int sq_script(struct fwp_rec *r, const char *sql, struct fwp_err *err)
{
	if (sqlite3_exec(r->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return fail_db(r, err, "write failed");
	return FWP_OK;
}

static int sq_exec(struct fwp_rec *r, const char *sql, size_t nparams, const char *const *params,
		   struct fwp_rec_rows *rows, struct fwp_err *err)
{
	sqlite3_stmt *st = NULL;
	size_t cap = 0;
	int rc;

	if (rows)
		memset(rows, 0, sizeof(*rows));
	if (sqlite3_prepare_v2(r->db, sql, -1, &st, NULL) != SQLITE_OK)
		return fail_db(r, err, "query failed");
	for (size_t i = 0; i < nparams; i++) {
		char name[16];
		snprintf(name, sizeof(name), "$%zu", i + 1);
		int idx = sqlite3_bind_parameter_index(st, name);
		if (!idx)
			continue;
		if (params[i])
			rc = sqlite3_bind_text(st, idx, params[i], -1, SQLITE_TRANSIENT);
		else
			rc = sqlite3_bind_null(st, idx);
		if (rc != SQLITE_OK) {
			sqlite3_finalize(st);
			return fail_db(r, err, "query failed");
		}
	}
	size_t ncols = (size_t)sqlite3_column_count(st);
	if (rows)
		rows->ncols = ncols;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (!rows)
			continue;
		if ((rows->nrows + 1) * ncols > cap) {
			size_t nc = cap ? 2 * cap : 16 * (ncols ? ncols : 1);
			char **c = realloc(rows->cells, nc * sizeof(*c));
			if (!c) {
				sqlite3_finalize(st);
				fwp_rec_rows_free(rows);
				return fwp_fail(err, FWP_ERR_NOMEM, "out of memory");
			}
			rows->cells = c;
			cap = nc;
		}
		for (size_t i = 0; i < ncols; i++) {
			const unsigned char *t = sqlite3_column_text(st, (int)i);
			char *v = t ? strdup((const char *)t) : NULL;
			rows->cells[rows->nrows * ncols + i] = v;
			if (t && !v) {
				rows->nrows++;
				sqlite3_finalize(st);
				fwp_rec_rows_free(rows);
				return fwp_fail(err, FWP_ERR_NOMEM, "out of memory");
			}
		}
		rows->nrows++;
	}
	if (rc != SQLITE_DONE) {
		int out = fail_db(r, err, "query failed");
		sqlite3_finalize(st);
		if (rows)
			fwp_rec_rows_free(rows);
		return out;
	}
	sqlite3_finalize(st);
	return FWP_OK;
}

static int sq_begin_exclusive(struct fwp_rec *r, struct fwp_err *err)
{
	/* IMMEDIATE takes the write lock now (waiting up to the busy timeout),
	 * not at the first write, where SQLite could not wait. */
	if (sqlite3_exec(r->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return fail_db(r, err, "cannot begin a transaction");
	return FWP_OK;
}

const struct fwp_rec_ops fwp_rec_sqlite_ops = {
	.name = "sqlite",
	.serial_key = "INTEGER PRIMARY KEY",
	.open = sq_open,
	.close = sq_close,
	.script = sq_script,
	.exec = sq_exec,
	.begin_exclusive = sq_begin_exclusive,
	.has_schema = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'fwpack_meta'",
};

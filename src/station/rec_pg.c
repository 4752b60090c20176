/* The record in PostgreSQL, shared by stations (see rec_backend.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "rec_backend.h"

/* Bounds on every wait: connecting, a lock held by another station, a query. */
#define CONNECT_TIMEOUT_S "10"
#define SERVER_OPTIONS "-c lock_timeout=15000 -c statement_timeout=30000"
/* The advisory lock that serializes writers of the record ("fwpa"). */
#define RECORD_LOCK "1719103585"

static int fail_conn(struct fwp_rec *r, struct fwp_err *err, const char *what, const char *msg)
{
	char m[512];
	snprintf(m, sizeof(m), "%s", msg ? msg : PQerrorMessage(r->db));
	m[strcspn(m, "\n")] = '\0'; /* libpq ends messages with a newline */
	return fwp_fail(err, FWP_ERR_IO, "record %s: %s: %s", r->where, what, m);
}

static int pg_open(struct fwp_rec *r, const char *target, int write, struct fwp_err *err)
{
	/* Ours first: what the target says itself overrides them. */
	const char *keys[] = {"connect_timeout", "options", "application_name", "dbname", NULL};
	const char *vals[] = {CONNECT_TIMEOUT_S, SERVER_OPTIONS, "fwpack", target, NULL};
	PGconn *c = PQconnectdbParams(keys, vals, 1);
	r->db = c;
	if (!c)
		return fwp_fail(err, FWP_ERR_NOMEM, "record %s: out of memory", r->where);
	if (PQstatus(c) != CONNECTION_OK)
		return fail_conn(r, err, "cannot connect (the station cannot record: a board "
					 "without a record cannot be traced)",
				 NULL);
	if (write) {
		PGresult *res = PQexec(c, "SHOW transaction_read_only");
		int ro = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 &&
			 strcmp(PQgetvalue(res, 0, 0), "on") == 0;
		PQclear(res);
		if (ro)
			return fwp_fail(err, FWP_ERR_IO,
					"record %s: the database is read-only (the station cannot "
					"record: a board without a record cannot be traced)",
					r->where);
	}
	/* Quiet the server's NOTICEs ("relation already exists, skipping"). */
	PQclear(PQexec(c, "SET client_min_messages = warning"));
	return FWP_OK;
}

static void pg_close(struct fwp_rec *r)
{
	PQfinish(r->db);
	r->db = NULL;
}

static int result_error(struct fwp_rec *r, PGresult *res, struct fwp_err *err, const char *what)
{
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	char msg[512];
	snprintf(msg, sizeof(msg), "%s", PQresultErrorMessage(res));
	PQclear(res);
	/* 25006: read-only transaction */
	if (state && strcmp(state, "25006") == 0)
		strncat(msg, " (the station cannot record: a board without a record cannot be traced)",
			sizeof(msg) - strlen(msg) - 1);
	return fail_conn(r, err, what, msg);
}

static int pg_script(struct fwp_rec *r, const char *sql, struct fwp_err *err)
{
	PGresult *res = PQexec(r->db, sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK)
		return result_error(r, res, err, "write failed");
	PQclear(res);
	return FWP_OK;
}

static int pg_exec(struct fwp_rec *r, const char *sql, size_t nparams, const char *const *params,
		   struct fwp_rec_rows *rows, struct fwp_err *err)
{
	if (rows)
		memset(rows, 0, sizeof(*rows));
	PGresult *res = PQexecParams(r->db, sql, (int)nparams, NULL, params, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(res);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
		return result_error(r, res, err, "query failed");
	if (rows && st == PGRES_TUPLES_OK) {
		size_t nr = (size_t)PQntuples(res), nc = (size_t)PQnfields(res);
		rows->ncols = nc;
		size_t ncells = nr * nc;
		rows->cells = calloc(ncells > 0 ? ncells : 1, sizeof(char *));
		if (!rows->cells) {
			PQclear(res);
			return fwp_fail(err, FWP_ERR_NOMEM, "out of memory");
		}
		rows->nrows = nr;
		for (size_t i = 0; i < nr; i++)
			for (size_t k = 0; k < nc; k++) {
				if (PQgetisnull(res, (int)i, (int)k))
					continue;
				char *v = strdup(PQgetvalue(res, (int)i, (int)k));
				if (!v) {
					PQclear(res);
					fwp_rec_rows_free(rows);
					return fwp_fail(err, FWP_ERR_NOMEM, "out of memory");
				}
				rows->cells[i * nc + k] = v;
			}
	}
	PQclear(res);
	return FWP_OK;
}

static int pg_begin_exclusive(struct fwp_rec *r, struct fwp_err *err)
{
	int rc = pg_script(r, "BEGIN", err);
	if (rc == FWP_OK)
		rc = pg_script(r, "SELECT pg_advisory_xact_lock(" RECORD_LOCK ")", err);
	if (rc < 0)
		PQclear(PQexec(r->db, "ROLLBACK"));
	return rc;
}

const struct fwp_rec_ops fwp_rec_pg_ops = {
	.name = "postgresql",
	.serial_key = "BIGSERIAL PRIMARY KEY",
	.open = pg_open,
	.close = pg_close,
	.script = pg_script,
	.exec = pg_exec,
	.begin_exclusive = pg_begin_exclusive,
	.has_schema = "SELECT CASE WHEN to_regclass('fwpack_meta') IS NULL THEN 0 ELSE 1 END",
};

/*
 * The station's record: every board a station touches (its runs, images,
 * steps, identity) and the identity pools it draws from. One interface over
 * two backends: an SQLite file (the default: no server) and PostgreSQL,
 * shared by several stations. docs/station.md describes the schema.
 *
 * Identity allocation is one transaction that serializes allocators (BEGIN
 * IMMEDIATE on SQLite, an advisory lock on PostgreSQL): a value is bound to
 * a board's unique ID when it is handed out, so a re-flashed board gets its
 * own value back, and a value handed out but never confirmed stays on
 * record as "allocated", then "abandoned" when its station restarts.
 */
#ifndef FWP_STATION_RECORD_H
#define FWP_STATION_RECORD_H

#include <stdint.h>

#include <cjson/cJSON.h>

#include "fwpack/error.h"
#include "identity.h"

/* The record when none is named: an SQLite file in the current directory. */
#define FWP_REC_DEFAULT "fwpack-record.db"

/* The record's schema version (fwpack_meta.schema_version). */
#define FWP_REC_SCHEMA_VERSION 1

struct fwp_rec;

enum fwp_rec_mode { FWP_REC_READ, FWP_REC_WRITE };

/*
 * Open a record: "postgresql://..." or "postgres://..." (a libpq URI), a
 * libpq conninfo ("host=/tmp/x dbname=y"), "sqlite:PATH" or a plain PATH
 * (an SQLite file, created in write mode). In write mode the schema is
 * created (or checked) and a write is tried, so that an unreachable
 * server, a read-only file or a newer schema fail here, before any board
 * is touched. Every wait is bounded (connect, lock and busy timeouts).
 */
int fwp_rec_open(const char *target, enum fwp_rec_mode mode, struct fwp_rec **out,
		 struct fwp_err *err);
void fwp_rec_close(struct fwp_rec *r);

/* "sqlite" or "postgresql". */
const char *fwp_rec_backend(const struct fwp_rec *r);

/* What a station start found of an earlier life of the same station. */
struct fwp_rec_recovery {
	unsigned runs_interrupted;      /* runs left "running": now "interrupted" */
	unsigned identities_abandoned;  /* values left "allocated": now "abandoned" */
	char first_abandoned[FWP_IDENTITY_MAX];
};

/*
 * Register station (a name unique to one running station process) and
 * close what an earlier, crashed run of it left open.
 */
int fwp_rec_station_start(struct fwp_rec *r, const char *station, struct fwp_rec_recovery *rep,
			  struct fwp_err *err);

/*
 * Create the identity pool src names, or check that the record's pool is
 * of the same kind and format; a CSV source's values are added to it. The
 * values left go to *remaining (UINT64_MAX: a command, unknown). An
 * exhausted pool is an error (FWP_ERR_RANGE).
 */
int fwp_rec_pool_prepare(struct fwp_rec *r, const struct fwp_idsrc *src, uint64_t *remaining,
			 struct fwp_err *err);

/* One board's pass through a station. */
struct fwp_rec_run {
	const char *station;
	const char *operator_name; /* or NULL */
	const char *board_uid;     /* lower-case hex, from the board's INFO */
	const char *port;          /* serial port or USB path */
	const char *recipe;        /* or NULL */
};

int fwp_rec_run_begin(struct fwp_rec *r, const struct fwp_rec_run *run, int64_t *run_id,
		      struct fwp_err *err);

/*
 * The run's board, recorded under old_key (its USB serial number or its
 * port) until the Loader reported its unique ID, is board uid from now on
 * (port: where it is). merge: old_key named the chip itself (the ROM's USB
 * serial number, which an STM32 derives from its unique ID), so the runs
 * and identity values recorded under it move to uid too; a port names a
 * place, never a board, and is not merged. A board row left naming nothing
 * is deleted.
 */
int fwp_rec_run_rekey(struct fwp_rec *r, int64_t run_id, const char *old_key, const char *uid,
		      const char *port, int merge, struct fwp_err *err);

/*
 * The identity for run's board from src's pool: the value already bound to
 * this board if there is one (*reused = 1), else a new one. Either way it is
 * "allocated" to the board until fwp_rec_run_end settles it.
 */
int fwp_rec_identity_acquire(struct fwp_rec *r, const struct fwp_idsrc *src, int64_t run_id,
			     char out[FWP_IDENTITY_MAX], int *reused, struct fwp_err *err);

int fwp_rec_run_image(struct fwp_rec *r, int64_t run_id, const char *name, const char *version,
		      const char *sha256, struct fwp_err *err);

/* INTERRUPTED: a run's end only, when its station was stopped (SIGINT) mid-board. */
enum fwp_rec_result { FWP_REC_PASS = 1, FWP_REC_FAIL, FWP_REC_SKIPPED, FWP_REC_INTERRUPTED };

struct fwp_rec_step {
	unsigned seq;
	const char *name;
	enum fwp_rec_result result;
	uint64_t duration_ms;
	uint64_t bytes;
	const char *error; /* or NULL */
};

int fwp_rec_run_step(struct fwp_rec *r, int64_t run_id, const struct fwp_rec_step *s,
		     struct fwp_err *err);

/*
 * End a run. The identity (if one was acquired) becomes "used" when the
 * run passed or identity_written says the board holds it, else "abandoned"
 * (its board keeps first claim on it).
 */
int fwp_rec_run_end(struct fwp_rec *r, int64_t run_id, enum fwp_rec_result result,
		    int identity_written, const char *error, struct fwp_err *err);

/* What fwpack history asks; NULL or 0 for "any". */
struct fwp_rec_query {
	const char *board_uid;
	const char *identity;
	const char *digest;
	int failures_only;
};

/*
 * The runs that match, oldest first, as a JSON array of objects (run,
 * station, operator, board, port, recipe, started, finished, result,
 * identity, pool, error, images[], steps[]). Caller frees with cJSON_Delete.
 */
int fwp_rec_history(struct fwp_rec *r, const struct fwp_rec_query *q, cJSON **out,
		    struct fwp_err *err);

/*
 * An identity pool's values by state, as a JSON object
 * {"pool","kind","free","allocated","used","abandoned"}: for reports.
 */
int fwp_rec_pool_status(struct fwp_rec *r, const char *pool, cJSON **out, struct fwp_err *err);

#endif /* FWP_STATION_RECORD_H */

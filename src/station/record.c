/*
 * The record's logic over either backend (record.h): schema, runs and the
 * transactional identity allocation.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "rec_backend.h"
#include "record.h"

/* Version 1 of the schema; "@KEY@" is the backend's auto-numbered key. */
static const char schema_v1[] =
	"CREATE TABLE IF NOT EXISTS fwpack_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS stations (name TEXT PRIMARY KEY, first_seen TEXT NOT NULL,"
	" last_start TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS boards (uid TEXT PRIMARY KEY, first_seen TEXT NOT NULL,"
	" last_port TEXT);"
	"CREATE TABLE IF NOT EXISTS runs (id @KEY@,"
	" station TEXT NOT NULL REFERENCES stations(name), operator TEXT,"
	" board_uid TEXT NOT NULL REFERENCES boards(uid), port TEXT, recipe TEXT,"
	" started TEXT NOT NULL, finished TEXT, result TEXT NOT NULL"
	" CHECK (result IN ('running', 'pass', 'fail', 'interrupted')),"
	" identity_pool TEXT, identity TEXT, error TEXT);"
	"CREATE INDEX IF NOT EXISTS runs_board ON runs (board_uid);"
	"CREATE INDEX IF NOT EXISTS runs_identity ON runs (identity);"
	"CREATE TABLE IF NOT EXISTS run_images (run_id BIGINT NOT NULL REFERENCES runs(id),"
	" name TEXT NOT NULL, version TEXT, sha256 TEXT NOT NULL, PRIMARY KEY (run_id, name));"
	"CREATE INDEX IF NOT EXISTS run_images_sha256 ON run_images (sha256);"
	"CREATE TABLE IF NOT EXISTS run_steps (run_id BIGINT NOT NULL REFERENCES runs(id),"
	" seq INTEGER NOT NULL, name TEXT NOT NULL,"
	" result TEXT NOT NULL CHECK (result IN ('pass', 'fail', 'skipped')),"
	" duration_ms BIGINT NOT NULL, bytes BIGINT NOT NULL, error TEXT,"
	" PRIMARY KEY (run_id, seq));"
	"CREATE TABLE IF NOT EXISTS identity_pools (name TEXT PRIMARY KEY, kind TEXT NOT NULL,"
	" format TEXT, next_value BIGINT, last_value BIGINT, source TEXT);"
	"CREATE TABLE IF NOT EXISTS identities ("
	" pool TEXT NOT NULL REFERENCES identity_pools(name), value TEXT NOT NULL,"
	" seq BIGINT NOT NULL, state TEXT NOT NULL"
	" CHECK (state IN ('free', 'allocated', 'used', 'abandoned')),"
	" board_uid TEXT, station TEXT, run_id BIGINT, updated TEXT,"
	" PRIMARY KEY (pool, value), UNIQUE (pool, board_uid));";

void fwp_rec_rows_free(struct fwp_rec_rows *rows)
{
	if (rows->cells)
		for (size_t i = 0; i < rows->nrows * rows->ncols; i++)
			free(rows->cells[i]);
	free(rows->cells);
	memset(rows, 0, sizeof(*rows));
}

/* UTC with milliseconds: sorts as text, the same in both backends. */
static void now_iso(char out[32])
{
	struct timeval tv;
	struct tm tm;
	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	snprintf(out, 32, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(tv.tv_usec / 1000));
}

/* The target for messages: a URI's password replaced by "***". */
static void describe_target(const char *target, char *out, size_t n)
{
	const char *scheme = strstr(target, "://");
	const char *at = scheme ? strchr(scheme + 3, '@') : NULL;
	const char *colon = scheme ? strchr(scheme + 3, ':') : NULL;
	if (at && colon && colon < at)
		snprintf(out, n, "%.*s:***%s", (int)(colon - target), target, at);
	else
		snprintf(out, n, "%s", target);
}

static int is_pg_target(const char *t)
{
	return strncmp(t, "postgresql://", 13) == 0 || strncmp(t, "postgres://", 11) == 0 ||
	       strchr(t, '=') != NULL;
}

static int exec(struct fwp_rec *r, const char *sql, size_t n, const char *const *p,
		struct fwp_rec_rows *rows, struct fwp_err *err)
{
	return r->ops->exec(r, sql, n, p, rows, err);
}

static int commit(struct fwp_rec *r, struct fwp_err *err)
{
	return r->ops->script(r, "COMMIT", err);
}

static void rollback(struct fwp_rec *r)
{
	r->ops->script(r, "ROLLBACK", NULL);
}

static int create_schema(struct fwp_rec *r, struct fwp_err *err)
{
	const char *key = r->ops->serial_key;
	size_t n = sizeof(schema_v1) + strlen(key);
	char *sql = malloc(n), *at;
	if (!sql)
		return fwp_fail(err, FWP_ERR_NOMEM, "out of memory");
	memcpy(sql, schema_v1, sizeof(schema_v1));
	if ((at = strstr(sql, "@KEY@")) != NULL) {
		memmove(at + strlen(key), at + 5, strlen(at + 5) + 1);
		memcpy(at, key, strlen(key));
	}
	int rc = r->ops->script(r, sql, err);
	free(sql);
	return rc;
}

static int has_schema(struct fwp_rec *r, int *present, struct fwp_err *err)
{
	struct fwp_rec_rows rows;
	int rc = exec(r, r->ops->has_schema, 0, NULL, &rows, err);
	if (rc < 0)
		return rc;
	*present = rows.nrows == 1 && fwp_rec_cell(&rows, 0, 0) &&
		   strcmp(fwp_rec_cell(&rows, 0, 0), "1") == 0;
	fwp_rec_rows_free(&rows);
	return FWP_OK;
}

static int check_version(struct fwp_rec *r, int write, struct fwp_err *err)
{
	struct fwp_rec_rows rows;
	char v[16];
	snprintf(v, sizeof(v), "%d", FWP_REC_SCHEMA_VERSION);
	int rc = exec(r, "SELECT value FROM fwpack_meta WHERE key = 'schema_version'", 0, NULL,
		      &rows, err);
	if (rc < 0)
		return rc;
	if (rows.nrows == 0 && write) {
		const char *p[] = {v};
		rc = exec(r, "INSERT INTO fwpack_meta (key, value) VALUES ('schema_version', $1)", 1,
			  p, NULL, err);
	} else if (rows.nrows == 0 || !fwp_rec_cell(&rows, 0, 0)) {
		rc = fwp_fail(err, FWP_ERR_FORMAT, "record %s: no schema version", r->where);
	} else if (strcmp(fwp_rec_cell(&rows, 0, 0), v) != 0) {
		rc = fwp_fail(err, FWP_ERR_UNSUPPORTED,
			      "record %s: schema version %s, this fwpack knows version %s",
			      r->where, fwp_rec_cell(&rows, 0, 0), v);
	}
	fwp_rec_rows_free(&rows);
	return rc;
}

int fwp_rec_open(const char *target, enum fwp_rec_mode mode, struct fwp_rec **out,
		 struct fwp_err *err)
{
	struct fwp_rec *r = calloc(1, sizeof(*r));
	int rc, write = mode == FWP_REC_WRITE, present = 0;
	*out = NULL;
	if (!r)
		return fwp_fail(err, FWP_ERR_NOMEM, "out of memory");
	if (!target || !*target) {
		free(r);
		return fwp_fail(err, FWP_ERR_ARG, "record: no database named");
	}
	if (strncmp(target, "sqlite:", 7) == 0)
		target += 7;
	r->ops = is_pg_target(target) ? &fwp_rec_pg_ops : &fwp_rec_sqlite_ops;
	describe_target(target, r->where, sizeof(r->where));
	rc = r->ops->open(r, target, write, err);
	if (rc == FWP_OK && write) {
		/* Under the writers' lock: stations starting together create it once. */
		rc = r->ops->begin_exclusive(r, err);
		if (rc == FWP_OK) {
			rc = create_schema(r, err);
			if (rc == FWP_OK)
				rc = check_version(r, 1, err);
			if (rc == FWP_OK)
				rc = commit(r, err);
			else
				rollback(r);
		}
	} else if (rc == FWP_OK) {
		rc = has_schema(r, &present, err);
		if (rc == FWP_OK && !present)
			rc = fwp_fail(err, FWP_ERR_NOT_FOUND, "record %s: no station record in it",
				      r->where);
		if (rc == FWP_OK)
			rc = check_version(r, 0, err);
	}
	if (rc < 0) {
		fwp_rec_close(r);
		return rc;
	}
	*out = r;
	return FWP_OK;
}

void fwp_rec_close(struct fwp_rec *r)
{
	if (!r)
		return;
	if (r->db)
		r->ops->close(r);
	free(r);
}

const char *fwp_rec_backend(const struct fwp_rec *r)
{
	return r->ops->name;
}

int fwp_rec_station_start(struct fwp_rec *r, const char *station, struct fwp_rec_recovery *rep,
			  struct fwp_err *err)
{
	char now[32];
	struct fwp_rec_rows rows;
	const char *p[] = {station, now};
	int rc;

	memset(rep, 0, sizeof(*rep));
	now_iso(now);
	if ((rc = r->ops->begin_exclusive(r, err)) < 0)
		return rc;
	rc = exec(r,
		  "INSERT INTO stations (name, first_seen, last_start) VALUES ($1, $2, $2)"
		  " ON CONFLICT (name) DO UPDATE SET last_start = excluded.last_start",
		  2, p, NULL, err);
	if (rc == FWP_OK)
		rc = exec(r,
			  "UPDATE runs SET result = 'interrupted', finished = $2,"
			  " error = 'the station stopped before the run ended'"
			  " WHERE station = $1 AND result = 'running' RETURNING id",
			  2, p, &rows, err);
	if (rc == FWP_OK) {
		rep->runs_interrupted = (unsigned)rows.nrows;
		fwp_rec_rows_free(&rows);
		rc = exec(r,
			  "UPDATE identities SET state = 'abandoned', updated = $2"
			  " WHERE station = $1 AND state = 'allocated' RETURNING value",
			  2, p, &rows, err);
	}
	if (rc == FWP_OK) {
		rep->identities_abandoned = (unsigned)rows.nrows;
		if (rows.nrows && fwp_rec_cell(&rows, 0, 0))
			snprintf(rep->first_abandoned, sizeof(rep->first_abandoned), "%s",
				 fwp_rec_cell(&rows, 0, 0));
		fwp_rec_rows_free(&rows);
		rc = commit(r, err);
	}
	if (rc < 0)
		rollback(r);
	return rc;
}

static uint64_t to_u64(const char *s)
{
	return s ? strtoull(s, NULL, 10) : 0;
}

static int pool_prepare_locked(struct fwp_rec *r, const struct fwp_idsrc *src,
			       uint64_t *remaining, struct fwp_err *err)
{
	struct fwp_rec_rows rows;
	char start[24], end[24], seq[24];
	const char *kind = fwp_idsrc_kind_name(src->kind);
	const char *source = src->kind == FWP_IDSRC_CSV ? src->csv_path : src->command;
	int rc;

	snprintf(start, sizeof(start), "%" PRIu64, src->start);
	snprintf(end, sizeof(end), "%" PRIu64, src->end);
	{
		const char *p[] = {src->pool};
		rc = exec(r, "SELECT kind, format FROM identity_pools WHERE name = $1", 1, p, &rows,
			  err);
	}
	if (rc < 0)
		return rc;
	if (rows.nrows == 0) {
		const char *p[] = {src->pool, kind,
				   src->kind == FWP_IDSRC_COUNTER ? src->format : NULL,
				   src->kind == FWP_IDSRC_COUNTER ? start : NULL,
				   src->kind == FWP_IDSRC_COUNTER ? end : NULL, source};
		rc = exec(r,
			  "INSERT INTO identity_pools (name, kind, format, next_value, last_value,"
			  " source) VALUES ($1, $2, $3, $4, $5, $6)",
			  6, p, NULL, err);
	} else {
		const char *k = fwp_rec_cell(&rows, 0, 0), *f = fwp_rec_cell(&rows, 0, 1);
		if (strcmp(k, kind) != 0)
			rc = fwp_fail(err, FWP_ERR_FORMAT,
				      "record %s: identity pool \"%s\" is a %s pool, not a %s pool",
				      r->where, src->pool, k, kind);
		else if (src->kind == FWP_IDSRC_COUNTER && (!f || strcmp(f, src->format) != 0))
			rc = fwp_fail(err, FWP_ERR_FORMAT,
				      "record %s: identity pool \"%s\" has the format \"%s\", not "
				      "\"%s\" (one pool, one format: name a new pool)",
				      r->where, src->pool, f ? f : "", src->format);
		else if (src->kind == FWP_IDSRC_COUNTER) {
			const char *p[] = {src->pool, end};
			rc = exec(r, "UPDATE identity_pools SET last_value = $2 WHERE name = $1", 2,
				  p, NULL, err);
		}
	}
	fwp_rec_rows_free(&rows);
	for (size_t i = 0; rc == FWP_OK && src->kind == FWP_IDSRC_CSV && i < src->nvalues; i++) {
		snprintf(seq, sizeof(seq), "%zu", i + 1);
		const char *p[] = {src->pool, src->values[i], seq};
		rc = exec(r,
			  "INSERT INTO identities (pool, value, seq, state) VALUES ($1, $2, $3,"
			  " 'free') ON CONFLICT (pool, value) DO NOTHING",
			  3, p, NULL, err);
	}
	if (rc < 0)
		return rc;

	*remaining = UINT64_MAX;
	if (src->kind == FWP_IDSRC_COMMAND)
		return FWP_OK;
	{
		const char *p[] = {src->pool};
		rc = exec(r,
			  src->kind == FWP_IDSRC_COUNTER
				  ? "SELECT CASE WHEN next_value > last_value THEN 0"
				    " ELSE last_value - next_value + 1 END FROM identity_pools"
				    " WHERE name = $1"
				  : "SELECT COUNT(*) FROM identities WHERE pool = $1 AND state = 'free'",
			  1, p, &rows, err);
	}
	if (rc < 0)
		return rc;
	*remaining = rows.nrows ? to_u64(fwp_rec_cell(&rows, 0, 0)) : 0;
	fwp_rec_rows_free(&rows);
	return FWP_OK;
}

int fwp_rec_pool_prepare(struct fwp_rec *r, const struct fwp_idsrc *src, uint64_t *remaining,
			 struct fwp_err *err)
{
	int rc = r->ops->begin_exclusive(r, err);
	if (rc < 0)
		return rc;
	rc = pool_prepare_locked(r, src, remaining, err);
	if (rc == FWP_OK)
		rc = commit(r, err);
	else
		rollback(r);
	if (rc == FWP_OK && *remaining == 0)
		rc = fwp_fail(err, FWP_ERR_RANGE,
			      "record %s: identity pool \"%s\" is exhausted (every value is "
			      "handed out): no board can be given an identity",
			      r->where, src->pool);
	return rc;
}

int fwp_rec_run_begin(struct fwp_rec *r, const struct fwp_rec_run *run, int64_t *run_id,
		      struct fwp_err *err)
{
	char now[32];
	struct fwp_rec_rows rows;
	int rc;
	now_iso(now);
	if ((rc = r->ops->begin_exclusive(r, err)) < 0)
		return rc;
	{
		const char *p[] = {run->board_uid, now, run->port};
		rc = exec(r,
			  "INSERT INTO boards (uid, first_seen, last_port) VALUES ($1, $2, $3)"
			  " ON CONFLICT (uid) DO UPDATE SET last_port = excluded.last_port",
			  3, p, NULL, err);
	}
	if (rc == FWP_OK) {
		const char *p[] = {run->station, run->operator_name, run->board_uid,
				   run->port, run->recipe, now};
		rc = exec(r,
			  "INSERT INTO runs (station, operator, board_uid, port, recipe, started,"
			  " result) VALUES ($1, $2, $3, $4, $5, $6, 'running') RETURNING id",
			  6, p, &rows, err);
	}
	if (rc == FWP_OK) {
		*run_id = rows.nrows ? (int64_t)to_u64(fwp_rec_cell(&rows, 0, 0)) : 0;
		fwp_rec_rows_free(&rows);
		rc = commit(r, err);
	}
	if (rc < 0)
		rollback(r);
	return rc;
}

int fwp_rec_run_rekey(struct fwp_rec *r, int64_t run_id, const char *old_key, const char *uid,
		      const char *port, int merge, struct fwp_err *err)
{
	char id[24], now[32];
	snprintf(id, sizeof(id), "%" PRId64, run_id);
	now_iso(now);
	if (!strcmp(old_key, uid))
		return FWP_OK;
	int rc = r->ops->begin_exclusive(r, err);
	if (rc < 0)
		return rc;
	{
		const char *p[] = {uid, now, port};
		rc = exec(r,
			  "INSERT INTO boards (uid, first_seen, last_port) VALUES ($1, $2, $3)"
			  " ON CONFLICT (uid) DO UPDATE SET last_port = excluded.last_port",
			  3, p, NULL, err);
	}
	if (rc == FWP_OK) {
		const char *p[] = {id, uid};
		rc = exec(r, "UPDATE runs SET board_uid = $2 WHERE id = $1", 2, p, NULL, err);
	}
	if (rc == FWP_OK && merge) {
		/* The old key named this chip: its earlier runs and values are this board's. */
		const char *p[] = {old_key, uid};
		rc = exec(r, "UPDATE runs SET board_uid = $2 WHERE board_uid = $1", 2, p, NULL, err);
		if (rc == FWP_OK)
			rc = exec(r,
				  "UPDATE identities SET board_uid = $2 WHERE board_uid = $1 AND pool"
				  " NOT IN (SELECT pool FROM identities WHERE board_uid = $2)",
				  2, p, NULL, err);
	}
	if (rc == FWP_OK) {
		/* A key that no run and no value names any more was only ever a stand-in. */
		const char *p[] = {old_key};
		rc = exec(r,
			  "DELETE FROM boards WHERE uid = $1"
			  " AND NOT EXISTS (SELECT 1 FROM runs WHERE board_uid = $1)"
			  " AND NOT EXISTS (SELECT 1 FROM identities WHERE board_uid = $1)",
			  1, p, NULL, err);
	}
	if (rc == FWP_OK)
		rc = commit(r, err);
	else
		rollback(r);
	return rc;
}

/* A new value from the source, under the writers' lock. */
static int draw_value(struct fwp_rec *r, const struct fwp_idsrc *src, const char *board_uid,
		      const char *station, char out[FWP_IDENTITY_MAX], int *is_new_row,
		      struct fwp_err *err)
{
	struct fwp_rec_rows rows;
	const char *p[] = {src->pool};
	int rc;

	*is_new_row = 1;
	if (src->kind == FWP_IDSRC_CSV) {
		*is_new_row = 0;
		rc = exec(r,
			  "SELECT value FROM identities WHERE pool = $1 AND state = 'free'"
			  " ORDER BY seq LIMIT 1",
			  1, p, &rows, err);
		if (rc < 0)
			return rc;
		if (rows.nrows == 0)
			rc = fwp_fail(err, FWP_ERR_RANGE, "record %s: identity pool \"%s\" is exhausted",
				      r->where, src->pool);
		else
			snprintf(out, FWP_IDENTITY_MAX, "%s", fwp_rec_cell(&rows, 0, 0));
		fwp_rec_rows_free(&rows);
		return rc;
	}
	if (src->kind == FWP_IDSRC_COMMAND) {
		if ((rc = fwp_idcommand_run(src, board_uid, station, out, err)) < 0)
			return rc;
		const char *q[] = {src->pool, out};
		rc = exec(r, "SELECT board_uid FROM identities WHERE pool = $1 AND value = $2", 2, q,
			  &rows, err);
		if (rc < 0)
			return rc;
		if (rows.nrows)
			rc = fwp_fail(err, FWP_ERR_REFUSED,
				      "identity command \"%s\" printed \"%s\", which pool \"%s\" "
				      "already gave to board %s: not handed out twice",
				      src->command, out, src->pool,
				      fwp_rec_cell(&rows, 0, 0) ? fwp_rec_cell(&rows, 0, 0) : "?");
		fwp_rec_rows_free(&rows);
		return rc;
	}
	rc = exec(r, "SELECT next_value, last_value, format FROM identity_pools WHERE name = $1",
		  1, p, &rows, err);
	if (rc < 0)
		return rc;
	if (rows.nrows == 0)
		rc = fwp_fail(err, FWP_ERR_NOT_FOUND, "record %s: no identity pool \"%s\"", r->where,
			      src->pool);
	else if (to_u64(fwp_rec_cell(&rows, 0, 0)) > to_u64(fwp_rec_cell(&rows, 0, 1)))
		rc = fwp_fail(err, FWP_ERR_RANGE,
			      "record %s: identity pool \"%s\" is exhausted (last value %s)",
			      r->where, src->pool, fwp_rec_cell(&rows, 0, 1));
	else
		rc = fwp_idformat_render(fwp_rec_cell(&rows, 0, 2),
					 to_u64(fwp_rec_cell(&rows, 0, 0)), out, err);
	fwp_rec_rows_free(&rows);
	if (rc == FWP_OK)
		rc = exec(r, "UPDATE identity_pools SET next_value = next_value + 1 WHERE name = $1",
			  1, p, NULL, err);
	return rc;
}

static int acquire_locked(struct fwp_rec *r, const struct fwp_idsrc *src, int64_t run_id,
			  char out[FWP_IDENTITY_MAX], int *reused, struct fwp_err *err)
{
	struct fwp_rec_rows rows;
	char id[24], now[32], board[128] = "", station[128] = "";
	int rc, new_row;

	snprintf(id, sizeof(id), "%" PRId64, run_id);
	now_iso(now);
	{
		const char *p[] = {id};
		rc = exec(r, "SELECT board_uid, station FROM runs WHERE id = $1", 1, p, &rows, err);
	}
	if (rc < 0)
		return rc;
	if (rows.nrows == 1) {
		snprintf(board, sizeof(board), "%s", fwp_rec_cell(&rows, 0, 0));
		snprintf(station, sizeof(station), "%s", fwp_rec_cell(&rows, 0, 1));
	}
	fwp_rec_rows_free(&rows);
	if (!*board)
		return fwp_fail(err, FWP_ERR_NOT_FOUND, "record %s: no run %s", r->where, id);

	/* A board that has a value keeps it. */
	{
		const char *p[] = {src->pool, board};
		rc = exec(r, "SELECT value FROM identities WHERE pool = $1 AND board_uid = $2", 2, p,
			  &rows, err);
	}
	if (rc < 0)
		return rc;
	*reused = rows.nrows == 1;
	if (*reused)
		snprintf(out, FWP_IDENTITY_MAX, "%s", fwp_rec_cell(&rows, 0, 0));
	fwp_rec_rows_free(&rows);

	if (*reused) {
		const char *p[] = {src->pool, out, station, id, now};
		rc = exec(r,
			  "UPDATE identities SET state = CASE WHEN state = 'used' THEN 'used'"
			  " ELSE 'allocated' END, station = $3, run_id = $4, updated = $5"
			  " WHERE pool = $1 AND value = $2",
			  5, p, NULL, err);
	} else {
		if ((rc = draw_value(r, src, board, station, out, &new_row, err)) < 0)
			return rc;
		const char *p[] = {src->pool, out, board, station, id, now};
		rc = exec(r,
			  new_row ? "INSERT INTO identities (pool, value, seq, state, board_uid,"
				    " station, run_id, updated) VALUES ($1, $2, (SELECT"
				    " COALESCE(MAX(seq), 0) + 1 FROM identities WHERE pool = $1),"
				    " 'allocated', $3, $4, $5, $6)"
				  : "UPDATE identities SET state = 'allocated', board_uid = $3,"
				    " station = $4, run_id = $5, updated = $6"
				    " WHERE pool = $1 AND value = $2",
			  6, p, NULL, err);
	}
	if (rc == FWP_OK) {
		const char *p[] = {src->pool, out, id};
		rc = exec(r, "UPDATE runs SET identity_pool = $1, identity = $2 WHERE id = $3", 3, p,
			  NULL, err);
	}
	return rc;
}

int fwp_rec_identity_acquire(struct fwp_rec *r, const struct fwp_idsrc *src, int64_t run_id,
			     char out[FWP_IDENTITY_MAX], int *reused, struct fwp_err *err)
{
	int rc = r->ops->begin_exclusive(r, err);
	if (rc < 0)
		return rc;
	rc = acquire_locked(r, src, run_id, out, reused, err);
	if (rc == FWP_OK)
		rc = commit(r, err);
	else
		rollback(r);
	return rc;
}

int fwp_rec_run_image(struct fwp_rec *r, int64_t run_id, const char *name, const char *version,
		      const char *sha256, struct fwp_err *err)
{
	char id[24];
	snprintf(id, sizeof(id), "%" PRId64, run_id);
	const char *p[] = {id, name, version, sha256};
	return exec(r,
		    "INSERT INTO run_images (run_id, name, version, sha256) VALUES ($1, $2, $3, $4)",
		    4, p, NULL, err);
}

static const char *result_name(enum fwp_rec_result res)
{
	return res == FWP_REC_PASS		? "pass"
	       : res == FWP_REC_SKIPPED	? "skipped"
	       : res == FWP_REC_INTERRUPTED ? "interrupted"
					: "fail";
}

int fwp_rec_run_step(struct fwp_rec *r, int64_t run_id, const struct fwp_rec_step *s,
		     struct fwp_err *err)
{
	char id[24], seq[16], ms[24], bytes[24];
	snprintf(id, sizeof(id), "%" PRId64, run_id);
	snprintf(seq, sizeof(seq), "%u", s->seq);
	snprintf(ms, sizeof(ms), "%" PRIu64, s->duration_ms);
	snprintf(bytes, sizeof(bytes), "%" PRIu64, s->bytes);
	const char *p[] = {id, seq, s->name, result_name(s->result), ms, bytes, s->error};
	return exec(r,
		    "INSERT INTO run_steps (run_id, seq, name, result, duration_ms, bytes, error)"
		    " VALUES ($1, $2, $3, $4, $5, $6, $7)",
		    7, p, NULL, err);
}

int fwp_rec_run_end(struct fwp_rec *r, int64_t run_id, enum fwp_rec_result result,
		    int identity_written, const char *error, struct fwp_err *err)
{
	char id[24], now[32];
	snprintf(id, sizeof(id), "%" PRId64, run_id);
	now_iso(now);
	const char *state = result == FWP_REC_PASS || identity_written ? "used" : "abandoned";
	const char *p[] = {id, now, result_name(result), error};
	int rc = r->ops->begin_exclusive(r, err);
	if (rc < 0)
		return rc;
	rc = exec(r, "UPDATE runs SET finished = $2, result = $3, error = $4 WHERE id = $1", 4, p,
		  NULL, err);
	/* A value once used stays used: the board holds it. */
	if (rc == FWP_OK) {
		const char *q[] = {id, now, state};
		rc = exec(r,
			  "UPDATE identities SET state = $3, updated = $2 WHERE run_id = $1"
			  " AND state = 'allocated'",
			  3, q, NULL, err);
	}
	if (rc == FWP_OK)
		rc = commit(r, err);
	else
		rollback(r);
	return rc;
}

static void add_str(cJSON *o, const char *key, const char *v)
{
	if (v)
		cJSON_AddStringToObject(o, key, v);
	else
		cJSON_AddNullToObject(o, key);
}

static int add_children(struct fwp_rec *r, cJSON *run, const char *id, struct fwp_err *err)
{
	struct fwp_rec_rows rows;
	const char *p[] = {id};
	cJSON *images = cJSON_AddArrayToObject(run, "images");
	cJSON *steps = cJSON_AddArrayToObject(run, "steps");
	int rc = exec(r, "SELECT name, version, sha256 FROM run_images WHERE run_id = $1"
			 " ORDER BY name",
		      1, p, &rows, err);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < rows.nrows; i++) {
		cJSON *o = cJSON_CreateObject();
		add_str(o, "name", fwp_rec_cell(&rows, i, 0));
		add_str(o, "version", fwp_rec_cell(&rows, i, 1));
		add_str(o, "sha256", fwp_rec_cell(&rows, i, 2));
		cJSON_AddItemToArray(images, o);
	}
	fwp_rec_rows_free(&rows);
	rc = exec(r,
		  "SELECT seq, name, result, duration_ms, bytes, error FROM run_steps"
		  " WHERE run_id = $1 ORDER BY seq",
		  1, p, &rows, err);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < rows.nrows; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "seq", (double)to_u64(fwp_rec_cell(&rows, i, 0)));
		add_str(o, "name", fwp_rec_cell(&rows, i, 1));
		add_str(o, "result", fwp_rec_cell(&rows, i, 2));
		cJSON_AddNumberToObject(o, "duration_ms", (double)to_u64(fwp_rec_cell(&rows, i, 3)));
		cJSON_AddNumberToObject(o, "bytes", (double)to_u64(fwp_rec_cell(&rows, i, 4)));
		add_str(o, "error", fwp_rec_cell(&rows, i, 5));
		cJSON_AddItemToArray(steps, o);
	}
	fwp_rec_rows_free(&rows);
	return FWP_OK;
}

int fwp_rec_history(struct fwp_rec *r, const struct fwp_rec_query *q, cJSON **out,
		    struct fwp_err *err)
{
	static const char *const keys[] = {"run",      "station", "operator", "board",
					   "port",     "recipe",  "started",  "finished",
					   "result",   "pool",    "identity", "error"};
	struct fwp_rec_rows rows;
	const char *p[] = {q->board_uid, q->identity, q->digest, q->failures_only ? "1" : "0"};
	int rc = exec(r,
		      "SELECT id, station, operator, board_uid, port, recipe, started, finished,"
		      " result, identity_pool, identity, error FROM runs"
		      " WHERE (CAST($1 AS TEXT) IS NULL OR board_uid = $1)"
		      " AND (CAST($2 AS TEXT) IS NULL OR identity = $2)"
		      " AND (CAST($3 AS TEXT) IS NULL OR EXISTS (SELECT 1 FROM run_images i"
		      " WHERE i.run_id = runs.id AND i.sha256 = $3))"
		      " AND (CAST($4 AS TEXT) = '0' OR result <> 'pass') ORDER BY id",
		      4, p, &rows, err);
	*out = NULL;
	if (rc < 0)
		return rc;
	cJSON *arr = cJSON_CreateArray();
	if (!arr) {
		fwp_rec_rows_free(&rows);
		return fwp_fail(err, FWP_ERR_NOMEM, "out of memory");
	}
	for (size_t i = 0; rc == FWP_OK && i < rows.nrows; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddItemToArray(arr, o);
		cJSON_AddNumberToObject(o, keys[0], (double)to_u64(fwp_rec_cell(&rows, i, 0)));
		for (size_t k = 1; k < sizeof(keys) / sizeof(keys[0]); k++)
			add_str(o, keys[k], fwp_rec_cell(&rows, i, k));
		rc = add_children(r, o, fwp_rec_cell(&rows, i, 0), err);
	}
	fwp_rec_rows_free(&rows);
	if (rc < 0) {
		cJSON_Delete(arr);
		return rc;
	}
	*out = arr;
	return FWP_OK;
}

int fwp_rec_pool_status(struct fwp_rec *r, const char *pool, cJSON **out, struct fwp_err *err)
{
	static const char *const states[] = {"free", "allocated", "used", "abandoned"};
	struct fwp_rec_rows rows;
	const char *p[] = {pool};
	*out = NULL;
	int rc = exec(r, "SELECT kind FROM identity_pools WHERE name = $1", 1, p, &rows, err);
	if (rc < 0)
		return rc;
	if (rows.nrows == 0) {
		fwp_rec_rows_free(&rows);
		return fwp_fail(err, FWP_ERR_NOT_FOUND, "record %s: no identity pool \"%s\"",
				r->where, pool);
	}
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "pool", pool);
	add_str(o, "kind", fwp_rec_cell(&rows, 0, 0));
	fwp_rec_rows_free(&rows);
	for (size_t i = 0; i < 4; i++)
		cJSON_AddNumberToObject(o, states[i], 0);
	rc = exec(r, "SELECT state, COUNT(*) FROM identities WHERE pool = $1 GROUP BY state", 1, p,
		  &rows, err);
	if (rc < 0) {
		cJSON_Delete(o);
		return rc;
	}
	for (size_t i = 0; i < rows.nrows; i++)
		cJSON_ReplaceItemInObject(o, fwp_rec_cell(&rows, i, 0),
					  cJSON_CreateNumber((double)to_u64(fwp_rec_cell(&rows, i, 1))));
	fwp_rec_rows_free(&rows);
	*out = o;
	return FWP_OK;
}

/*
 * A station: a checked recipe, its manifest, its open record and identity
 * pool, ready for boards. fwp_station_open() does everything that can
 * refuse before the first board is touched; the per-board calls record a
 * board's run as the transport layer takes it through the steps.
 */
#ifndef FWP_STATION_STATION_H
#define FWP_STATION_STATION_H

#include <stdint.h>

#include "fwpack/error.h"
#include "recipe.h"
#include "record.h"

/* An image the recipe writes, as the record keeps it. */
struct fwp_station_image {
	char name[FWP_NAME_MAX + 1];
	char version[32];
	char sha256[65];
	char *path;
};

struct fwp_station {
	struct fwp_recipe recipe;
	struct fwp_manifest manifest;
	struct fwp_rec *rec; /* NULL: FWP_STATION_NO_RECORD */
	char name[128];
	char *operator_name;
	struct fwp_station_image *images;
	size_t nimages;
	struct fwp_rec_recovery recovery; /* what an earlier, crashed life left */
	uint64_t identities_left;         /* UINT64_MAX: unknown (a command) */
};

/*
 * --record none: no record at all, for measuring what the record costs
 * (bench/station). A board flashed so cannot be traced; a recipe with an
 * identity source is refused (its values come from the record's pool).
 */
#define FWP_STATION_NO_RECORD "none"

struct fwp_station_opts {
	const char *record;        /* NULL: the recipe's, else FWP_REC_DEFAULT; or FWP_STATION_NO_RECORD */
	const char *station;       /* NULL: the recipe's, else the host name */
	const char *operator_name; /* or NULL */
};

/*
 * Load and check the recipe, hash every image it writes (all must be
 * built), open the record for writing, register the station and prepare
 * the identity pool. Any failure leaves *st empty: no board may be touched.
 */
int fwp_station_open(const char *recipe_path, const struct fwp_station_opts *o,
		     struct fwp_station *st, struct fwp_err *err);
void fwp_station_close(struct fwp_station *st);

/* One board's run. */
struct fwp_station_board {
	int64_t run_id;
	char identity[FWP_IDENTITY_MAX]; /* "" without an identity source */
	int identity_kept;               /* the board had it before */
	unsigned next_seq;
};

/* Start a board's run: its record, its images, its identity. */
int fwp_station_board_begin(struct fwp_station *st, const char *board_uid, const char *port,
			    struct fwp_station_board *b, struct fwp_err *err);

/* Record step number step (index into recipe.steps) with its outcome. */
int fwp_station_board_step(struct fwp_station *st, struct fwp_station_board *b, size_t step,
			   enum fwp_rec_result result, uint64_t duration_ms, uint64_t bytes,
			   const char *error, struct fwp_err *err);

/* End a board's run; identity_written: the board holds its identity now. */
int fwp_station_board_end(struct fwp_station *st, struct fwp_station_board *b, int passed,
			  int identity_written, const char *error, struct fwp_err *err);

#endif /* FWP_STATION_STATION_H */

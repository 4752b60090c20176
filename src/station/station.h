/*
 * A station: a checked recipe, its manifest, its open record and identity
 * pool, ready for boards. fwp_station_open() does everything that can
 * refuse before the first board is touched; the per-board calls record a
 * board's run as the transport layer takes it through the steps.
 */
#ifndef FWP_STATION_STATION_H
#define FWP_STATION_STATION_H

#include <pthread.h>
#include <stdint.h>

#include "crypto.h"
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
	struct fwp_key *prov_key;         /* the recipe's provisioning_key, or NULL */
	/* One board's record call at a time: boards run in parallel (fwpack run --jobs),
	 * the record's connection is one. */
	pthread_mutex_t lock;
	int lock_ready;
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

/*
 * One board's run. The fwp_station_board_* calls may come from several
 * threads at once (one board each): each takes the station's lock.
 */
struct fwp_station_board {
	int64_t run_id;
	char identity[FWP_IDENTITY_MAX]; /* "" without an identity source */
	int identity_kept;               /* the board had it before */
	int identity_done;               /* acquired (or no source) */
	unsigned next_seq;
};

/*
 * Start a board's run: its record, its images, and (identity_now) its
 * identity. A run that will learn the board's unique ID from the Loader
 * starts under a stand-in key and takes its identity after
 * fwp_station_board_rekey(), so that the value is bound to the chip.
 */
int fwp_station_board_begin(struct fwp_station *st, const char *board_uid, const char *port,
			    int identity_now, struct fwp_station_board *b, struct fwp_err *err);

/* The board's identity, if the recipe has a source and it has none yet. */
int fwp_station_board_identity(struct fwp_station *st, struct fwp_station_board *b,
			       struct fwp_err *err);

/* The run's board is uid from now on (fwp_rec_run_rekey). */
int fwp_station_board_rekey(struct fwp_station *st, struct fwp_station_board *b,
			    const char *old_key, const char *uid, const char *port, int merge,
			    struct fwp_err *err);

/* An image made for this board alone (its provisioning record), by digest. */
int fwp_station_board_image(struct fwp_station *st, struct fwp_station_board *b,
			    const char *name, const char *sha256, struct fwp_err *err);

/* Record step number step (index into recipe.steps) with its outcome. */
int fwp_station_board_step(struct fwp_station *st, struct fwp_station_board *b, size_t step,
			   enum fwp_rec_result result, uint64_t duration_ms, uint64_t bytes,
			   const char *error, struct fwp_err *err);

/* End a board's run (pass, fail or interrupted); identity_written: the board holds its identity now. */
int fwp_station_board_end(struct fwp_station *st, struct fwp_station_board *b,
			  enum fwp_rec_result result,
			  int identity_written, const char *error, struct fwp_err *err);

#endif /* FWP_STATION_STATION_H */

/* A station ready for boards (see station.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto.h"
#include "station.h"
#include "util.h"

/* A built image can be no larger than the address space it goes to. */
#define IMAGE_FILE_MAX (64u << 20)

static int add_image(struct fwp_station *st, const char *name,
		     const struct fwp_image_version *v, struct fwp_err *err)
{
	for (size_t i = 0; i < st->nimages; i++)
		if (strcmp(st->images[i].name, name) == 0)
			return FWP_OK;
	struct fwp_station_image *n = realloc(st->images, (st->nimages + 1) * sizeof(*n));
	if (!n)
		return fwp_fail(err, FWP_ERR_NOMEM, "out of memory");
	st->images = n;
	struct fwp_station_image *im = &n[st->nimages];
	memset(im, 0, sizeof(*im));
	snprintf(im->name, sizeof(im->name), "%s", name);
	if (v)
		snprintf(im->version, sizeof(im->version), "%u.%u.%u+%u", v->major, v->minor,
			 v->patch, (unsigned)v->build);
	im->path = malloc(strlen(st->recipe.build_dir) + strlen(name) + 6);
	if (!im->path)
		return fwp_fail(err, FWP_ERR_NOMEM, "out of memory");
	sprintf(im->path, "%s/%s.bin", st->recipe.build_dir, name);
	st->nimages++;

	struct fwp_buf b = {0};
	uint8_t d[32];
	int rc = fwp_file_read(im->path, IMAGE_FILE_MAX, &b, err);
	if (rc < 0) {
		char why[sizeof(err->msg)];
		memcpy(why, err->msg, sizeof(why)); /* not formatted into itself */
		return fwp_fail(err, rc, "%s: image \"%s\" is not built (fwpack build -o %s %s): %s",
				st->recipe.path, name, st->recipe.build_dir, st->manifest.path, why);
	}
	struct fwp_iov iov = {b.data, b.len};
	rc = fwp_sha256(&iov, 1, d, err);
	fwp_buf_free(&b);
	if (rc == FWP_OK)
		fwp_hex(d, 32, im->sha256);
	return rc;
}

/* Every image the recipe writes, hashed once: the record names each by digest. */
static int hash_images(struct fwp_station *st, struct fwp_err *err)
{
	const struct fwp_manifest *m = &st->manifest;
	for (size_t i = 0; i < st->recipe.nsteps; i++) {
		const struct fwp_recipe_step *s = &st->recipe.steps[i];
		int rc = FWP_OK;
		if (s->factory >= 0)
			rc = add_image(st, m->factories[s->factory].name, NULL, err);
		for (size_t k = 0; rc == FWP_OK && s->images && k < s->nimages; k++)
			rc = add_image(st, m->images[s->images[k]].name,
				       &m->images[s->images[k]].version, err);
		if (rc < 0)
			return rc;
	}
	return FWP_OK;
}

/* The key that signs every board's provisioning record: checked before any board. */
static int load_prov_key(struct fwp_station *st, int no_record, struct fwp_err *err)
{
	const char *path = st->recipe.provisioning_key;
	if (no_record)
		return fwp_fail(err, FWP_ERR_USAGE,
				"%s: --record none: a provision step's security counter is the "
				"record's run number; without a record there is none",
				st->recipe.path);
	int rc = fwp_key_load(path, &st->prov_key, err);
	if (rc < 0) {
		char why[sizeof(err->msg)];
		memcpy(why, err->msg, sizeof(why));
		return fwp_fail(err, rc, "%s: provisioning_key %s: %s", st->recipe.path, path, why);
	}
	if (!fwp_key_is_private(st->prov_key))
		return fwp_fail(err, FWP_ERR_CRYPTO,
				"%s: provisioning_key %s is a public key: the station signs each "
				"board's record with the private one",
				st->recipe.path, path);
	return FWP_OK;
}

int fwp_station_open(const char *recipe_path, const struct fwp_station_opts *o,
		     struct fwp_station *st, struct fwp_err *err)
{
	memset(st, 0, sizeof(*st));
	if (pthread_mutex_init(&st->lock, NULL) != 0)
		return fwp_fail(err, FWP_ERR_INTERNAL, "cannot create a mutex");
	st->lock_ready = 1;
	int rc = fwp_recipe_load(recipe_path, &st->recipe, &st->manifest, err);
	if (rc < 0) {
		fwp_station_close(st);
		return rc;
	}
	const char *record = o->record ? o->record
			     : st->recipe.record ? st->recipe.record
						  : FWP_REC_DEFAULT;
	if (o->station)
		snprintf(st->name, sizeof(st->name), "%s", o->station);
	else if (st->recipe.station)
		snprintf(st->name, sizeof(st->name), "%s", st->recipe.station);
	else if (gethostname(st->name, sizeof(st->name)) < 0 || !st->name[0])
		snprintf(st->name, sizeof(st->name), "station");
	st->name[sizeof(st->name) - 1] = '\0';
	if (o->operator_name && !(st->operator_name = strdup(o->operator_name)))
		rc = fwp_fail(err, FWP_ERR_NOMEM, "out of memory");

	if (rc == FWP_OK)
		rc = hash_images(st, err);
	int none = !strcmp(record, FWP_STATION_NO_RECORD);
	if (rc == FWP_OK && none && st->recipe.has_identity)
		rc = fwp_fail(err, FWP_ERR_USAGE,
			      "%s: --record none: the recipe's identities come from the record's "
			      "pool; without a record there is none to hand out",
			      recipe_path);
	/* The key before the record: a station that cannot sign writes nothing. */
	if (rc == FWP_OK && st->recipe.provisioning_key)
		rc = load_prov_key(st, none, err);
	if (rc == FWP_OK && !none)
		rc = fwp_rec_open(record, FWP_REC_WRITE, &st->rec, err);
	if (rc == FWP_OK && !none)
		rc = fwp_rec_station_start(st->rec, st->name, &st->recovery, err);
	st->identities_left = UINT64_MAX;
	if (rc == FWP_OK && st->rec && st->recipe.has_identity)
		rc = fwp_rec_pool_prepare(st->rec, &st->recipe.identity, &st->identities_left,
					  err);
	if (rc < 0)
		fwp_station_close(st);
	return rc;
}

void fwp_station_close(struct fwp_station *st)
{
	fwp_rec_close(st->rec);
	fwp_key_free(st->prov_key);
	for (size_t i = 0; i < st->nimages; i++)
		free(st->images[i].path);
	free(st->images);
	free(st->operator_name);
	fwp_recipe_free(&st->recipe);
	fwp_manifest_free(&st->manifest);
	if (st->lock_ready)
		pthread_mutex_destroy(&st->lock);
	memset(st, 0, sizeof(*st));
}

static int board_identity_locked(struct fwp_station *st, struct fwp_station_board *b,
				 struct fwp_err *err);

static int board_begin_locked(struct fwp_station *st, const char *board_uid, const char *port,
			    int identity_now, struct fwp_station_board *b, struct fwp_err *err)
{
	struct fwp_rec_run run = {st->name, st->operator_name, board_uid, port, st->recipe.path};
	memset(b, 0, sizeof(*b));
	if (!board_uid || !*board_uid)
		return fwp_fail(err, FWP_ERR_ARG,
				"the board on %s reports no unique ID: it cannot be traced", port);
	if (!st->rec)
		return FWP_OK;
	int rc = fwp_rec_run_begin(st->rec, &run, &b->run_id, err);
	for (size_t i = 0; rc == FWP_OK && i < st->nimages; i++)
		rc = fwp_rec_run_image(st->rec, b->run_id, st->images[i].name,
				       st->images[i].version[0] ? st->images[i].version : NULL,
				       st->images[i].sha256, err);
	if (rc == FWP_OK && identity_now)
		rc = board_identity_locked(st, b, err);
	if (rc < 0 && b->run_id)
		fwp_rec_run_end(st->rec, b->run_id, FWP_REC_FAIL, 0, err->msg, NULL);
	return rc;
}

static int board_identity_locked(struct fwp_station *st, struct fwp_station_board *b,
			       struct fwp_err *err)
{
	if (b->identity_done || !st->rec || !st->recipe.has_identity)
		return FWP_OK;
	b->identity_done = 1;
	return fwp_rec_identity_acquire(st->rec, &st->recipe.identity, b->run_id, b->identity,
					&b->identity_kept, err);
}

static int board_rekey_locked(struct fwp_station *st, struct fwp_station_board *b,
			    const char *old_key, const char *uid, const char *port, int merge,
			    struct fwp_err *err)
{
	if (!st->rec)
		return FWP_OK;
	return fwp_rec_run_rekey(st->rec, b->run_id, old_key, uid, port, merge, err);
}

static int board_image_locked(struct fwp_station *st, struct fwp_station_board *b,
			    const char *name, const char *sha256, struct fwp_err *err)
{
	if (!st->rec)
		return FWP_OK;
	return fwp_rec_run_image(st->rec, b->run_id, name, NULL, sha256, err);
}

static int board_step_locked(struct fwp_station *st, struct fwp_station_board *b, size_t step,
			   enum fwp_rec_result result, uint64_t duration_ms, uint64_t bytes,
			   const char *error, struct fwp_err *err)
{
	if (step >= st->recipe.nsteps)
		return fwp_fail(err, FWP_ERR_ARG, "step %zu: the recipe has %zu steps", step,
				st->recipe.nsteps);
	if (!st->rec)
		return FWP_OK;
	struct fwp_rec_step s = {++b->next_seq, fwp_step_name(st->recipe.steps[step].kind),
				 result, duration_ms, bytes, error};
	return fwp_rec_run_step(st->rec, b->run_id, &s, err);
}

static int board_end_locked(struct fwp_station *st, struct fwp_station_board *b,
			    enum fwp_rec_result result,
			  int identity_written, const char *error, struct fwp_err *err)
{
	if (!st->rec)
		return FWP_OK;
	return fwp_rec_run_end(st->rec, b->run_id, result, identity_written, error, err);
}

/* The public calls: each under the station's lock. */
#define LOCKED(call)                                   \
	do {                                           \
		pthread_mutex_lock(&st->lock);         \
		int rc_ = (call);                      \
		pthread_mutex_unlock(&st->lock);       \
		return rc_;                            \
	} while (0)

int fwp_station_board_begin(struct fwp_station *st, const char *board_uid, const char *port,
			    int identity_now, struct fwp_station_board *b, struct fwp_err *err)
{
	LOCKED(board_begin_locked(st, board_uid, port, identity_now, b, err));
}

int fwp_station_board_identity(struct fwp_station *st, struct fwp_station_board *b,
			       struct fwp_err *err)
{
	LOCKED(board_identity_locked(st, b, err));
}

int fwp_station_board_rekey(struct fwp_station *st, struct fwp_station_board *b,
			    const char *old_key, const char *uid, const char *port, int merge,
			    struct fwp_err *err)
{
	LOCKED(board_rekey_locked(st, b, old_key, uid, port, merge, err));
}

int fwp_station_board_image(struct fwp_station *st, struct fwp_station_board *b,
			    const char *name, const char *sha256, struct fwp_err *err)
{
	LOCKED(board_image_locked(st, b, name, sha256, err));
}

int fwp_station_board_step(struct fwp_station *st, struct fwp_station_board *b, size_t step,
			   enum fwp_rec_result result, uint64_t duration_ms, uint64_t bytes,
			   const char *error, struct fwp_err *err)
{
	LOCKED(board_step_locked(st, b, step, result, duration_ms, bytes, error, err));
}

int fwp_station_board_end(struct fwp_station *st, struct fwp_station_board *b,
			  enum fwp_rec_result result, int identity_written, const char *error,
			  struct fwp_err *err)
{
	LOCKED(board_end_locked(st, b, result, identity_written, error, err));
}

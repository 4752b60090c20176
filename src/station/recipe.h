/*
 * The station recipe (JSON, docs/station.md): the manifest, what the board
 * can do, the identity source, the record, and the ordered steps each board
 * goes through. Checked as strictly as the manifest, in two stages:
 * fwp_recipe_parse() checks the JSON itself (errors name file:line:col and
 * the JSON path); fwp_recipe_check() checks it against the manifest and the
 * board (a missing image, a step the board cannot do, a step out of order).
 * Both run before any board is touched.
 */
#ifndef FWP_STATION_RECIPE_H
#define FWP_STATION_RECIPE_H

#include <stdio.h>

#include "fwpack/error.h"
#include "identity.h"
#include "manifest.h"

#define FWP_RECIPE_VERSION 1
/* A provision step's fields at most. */
#define FWP_RECIPE_FIELDS_MAX 32

enum fwp_step_kind {
	FWP_STEP_DFUSE_MASS_ERASE = 1, /* the ROM's DfuSe bootloader erases all flash */
	FWP_STEP_DFUSE_WRITE,          /* ...writes images (e.g. Bootloader and Loader) */
	FWP_STEP_DFUSE_LEAVE,          /* ...and leaves: the chip resets into its flash */
	FWP_STEP_WAIT_LOADER,          /* until the fwpack Loader answers HELLO */
	FWP_STEP_WRITE,                /* images through the fwpack Loader */
	FWP_STEP_PROVISION,            /* the board's provisioning record, through the Loader */
	FWP_STEP_BOOT,                 /* the Loader boots the Application */
	FWP_STEP_EXPECT                /* a line on the board's console, in time */
};

/* The fwpack Loader's carriers, as a bit mask in fwp_recipe.loader_over. */
enum fwp_carrier { FWP_OVER_SERIAL = 1u << 0, FWP_OVER_DFU = 1u << 1 };

struct fwp_recipe_field {
	char *name;
	char *value; /* a template: {identity}, {board_uid}, {station} */
};

struct fwp_recipe_step {
	enum fwp_step_kind kind;
	char path[32];            /* "steps[3]", for errors found later */
	unsigned over;            /* one fwp_carrier, for Loader steps */
	char **image_names;       /* dfuse_write, write */
	size_t *images;           /* their manifest indexes, after fwp_recipe_check() */
	size_t nimages;
	char *factory_name;       /* dfuse_write: a manifest factory image instead */
	long factory;             /* its index, or -1 */
	char *slot_name;          /* provision */
	size_t slot;
	struct fwp_recipe_field *fields;
	size_t nfields;
	char *line;               /* expect: a template */
	char *enter;              /* wait_loader: "reset", "1200", "console[=CMD]" or NULL */
	unsigned timeout_ms;
};

struct fwp_recipe {
	char *path;
	char *text;
	size_t text_len;
	char *description;
	char *manifest_path;      /* resolved against the recipe's directory */
	char *build_dir;          /* where `fwpack build` put the images */
	char *station;            /* or NULL: the host name */
	char *record;             /* or NULL: FWP_REC_DEFAULT */
	char *provisioning_key;   /* signs provision steps' records (resolved); or NULL */
	int rom_dfuse;            /* the chip's ROM has a DfuSe bootloader */
	unsigned loader_over;     /* fwp_carrier bits the board's Loader speaks */
	int console;              /* the Application prints on the serial port */
	int has_identity;
	struct fwp_idsrc identity;
	struct fwp_recipe_step *steps;
	size_t nsteps;
};

/* Parse recipe text; on failure *r is left empty. */
int fwp_recipe_parse(const char *path, const char *text, size_t len, struct fwp_recipe *r,
		     struct fwp_err *err);

/* Check r against the manifest m and the board r describes. */
int fwp_recipe_check(struct fwp_recipe *r, const struct fwp_manifest *m, struct fwp_err *err);

/*
 * Read, parse and check a recipe file: its manifest is loaded into *m and
 * a CSV identity list is read (and checked for duplicates).
 */
int fwp_recipe_load(const char *path, struct fwp_recipe *r, struct fwp_manifest *m,
		    struct fwp_err *err);

void fwp_recipe_free(struct fwp_recipe *r);

const char *fwp_step_name(enum fwp_step_kind kind);

/* The plan, for `fwpack run --dry-run`: what would happen to each board. */
void fwp_recipe_print_plan(const struct fwp_recipe *r, const struct fwp_manifest *m,
			   const char *record, FILE *out);

#endif /* FWP_STATION_RECIPE_H */

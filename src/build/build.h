/*
 * `fwpack build`: from a manifest to slot images, factory images and
 * HEX/S-record files. Everything is built in memory first and written only
 * when every image succeeded, each file atomically: a failed build leaves
 * no new file behind.
 */
#ifndef FWP_BUILD_H
#define FWP_BUILD_H

#include <stdio.h>

#include "fwpack/error.h"
#include "manifest.h"

struct fwp_build_opts {
	const char *out_dir;       /* where outputs go */
	const char *digest_dir;    /* external signing, step 1: write <part>.digest only */
	const char *signature_dir; /* external signing, step 2: take <part>.sig */
	FILE *log;                 /* one line per file written; NULL for none */
	FILE *warn;                /* warnings; NULL for none */
};

int fwp_build(const struct fwp_manifest *m, const struct fwp_build_opts *opts,
	      struct fwp_err *err);

#endif /* FWP_BUILD_H */

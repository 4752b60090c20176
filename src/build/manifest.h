/*
 * The build manifest (JSON, docs/manifest.md): memory regions, slots,
 * images and factory images. Parsing checks everything that can be checked
 * without reading the inputs; every error names the manifest file, the
 * line:column and the JSON path of the offending value.
 */
#ifndef FWP_MANIFEST_H
#define FWP_MANIFEST_H

#include <stddef.h>
#include <stdint.h>

#include "fwpack/error.h"
#include "fwpack/image.h"

#define FWP_NAME_MAX 63
#define FWP_MAX_REGIONS 64

struct fwp_sector_run {
	uint32_t count;
	uint32_t size;
};

struct fwp_region {
	char name[FWP_NAME_MAX + 1];
	uint32_t addr;
	uint64_t size; /* up to 4 GiB - addr */
	uint8_t fill;
	uint32_t alignment;
	struct fwp_sector_run *sectors; /* erase layout, in address order */
	size_t nsector_runs;
};

struct fwp_slot {
	char name[FWP_NAME_MAX + 1];
	uint32_t addr;
	uint32_t size;
	uint32_t alignment; /* images are padded to a multiple of this */
	uint8_t fill;
	size_t region;      /* index into regions */
};

enum fwp_format {
	FWP_FORMAT_FWPACK = 1,
	FWP_FORMAT_RAW,
	FWP_FORMAT_COOKBOOK_V1,
	FWP_FORMAT_COOKBOOK_V2
};

enum fwp_output {
	FWP_OUT_BIN = 1u << 0,
	FWP_OUT_HEX = 1u << 1,
	FWP_OUT_SREC = 1u << 2
};

struct fwp_image_spec {
	char name[FWP_NAME_MAX + 1];
	enum fwp_image_type type;
	enum fwp_format format;
	char *input; /* resolved against the manifest's directory */
	int has_load_addr;
	uint32_t load_addr; /* raw .bin inputs only */
	struct fwp_image_version version;
	uint32_t security_counter;
	size_t slot;   /* index into slots */
	char *key;     /* resolved path, or NULL */
	unsigned outputs;
	int has_vector_addr;
	uint32_t vector_addr;
	uint32_t vector_table_size;
	char git_sha[8]; /* cookbook formats: 7 characters + NUL */
	int confirmed;   /* FWP_IMAGE_F_CONFIRMED: no crash-loop fallback */
};

struct fwp_factory {
	char name[FWP_NAME_MAX + 1];
	size_t *images; /* indexes into images */
	size_t nimages;
	unsigned outputs;
};

struct fwp_manifest {
	char *path;
	char *text; /* kept to locate values for errors found later */
	size_t text_len;
	struct fwp_region *regions;
	size_t nregions;
	struct fwp_slot *slots;
	size_t nslots;
	struct fwp_image_spec *images;
	size_t nimages;
	struct fwp_factory *factories;
	size_t nfactories;
};

/* Parse a manifest file. On failure *m is left empty (nothing to free). */
int fwp_manifest_load(const char *path, struct fwp_manifest *m, struct fwp_err *err);

/* Parse manifest text; path is used for messages and relative paths. */
int fwp_manifest_parse(const char *path, const char *text, size_t len, struct fwp_manifest *m,
		       struct fwp_err *err);

void fwp_manifest_free(struct fwp_manifest *m);

/*
 * Fail with "<file>:<line>:<col>: <json path>: <reason>", locating the
 * value at json_path (e.g. "images[1].slot") in the manifest text. Used by
 * the build for errors found once the inputs are read.
 */
int fwp_manifest_fail(const struct fwp_manifest *m, struct fwp_err *err, int code,
		      const char *json_path, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 5, 6)))
#endif
	;

/* Index of the region containing [addr, addr + len), or -1. */
long fwp_manifest_find_region(const struct fwp_manifest *m, uint32_t addr, uint64_t len);

/* Index of the slot containing [addr, addr + len), or -1. */
long fwp_manifest_find_slot(const struct fwp_manifest *m, uint32_t addr, uint64_t len);

const char *fwp_image_type_name(enum fwp_image_type type);
const char *fwp_format_name(enum fwp_format format);

/* Parse "MAJOR.MINOR.PATCH[+BUILD]". On failure err->msg holds the reason only. */
int fwp_version_parse(const char *s, struct fwp_image_version *v, struct fwp_err *err);

#endif /* FWP_MANIFEST_H */

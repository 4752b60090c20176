/*
 * Manifest parsing with cJSON, and strict validation of what it describes.
 *
 * Errors name file:line:column and the JSON path (jsonloc.h finds them).
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "jsonloc.h"
#include "manifest.h"
#include "util.h"

#define MANIFEST_MAX_BYTES (4u << 20) /* documented in fwpack-manifest(5) */
#define PATH_MAX_LEN 256

int fwp_manifest_fail(const struct fwp_manifest *m, struct fwp_err *err, int code,
		      const char *json_path, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct fwp_jsonloc d = {m->path, m->text, m->text_len};
	int rc = fwp_jsonloc_vfail(&d, err, code, json_path, fmt, ap);
	va_end(ap);
	return rc;
}

/* ---- typed getters ---- */

struct pctx {
	struct fwp_manifest *m;
	struct fwp_err *err;
};

static int fail(struct pctx *c, const char *path, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 3, 4)))
#endif
	;

static int fail(struct pctx *c, const char *path, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct fwp_jsonloc d = {c->m->path, c->m->text, c->m->text_len};
	int rc = fwp_jsonloc_vfail(&d, c->err, FWP_ERR_FORMAT, path, fmt, ap);
	va_end(ap);
	return rc;
}

static void join(char *out, const char *base, const char *key)
{
	if (*base)
		snprintf(out, PATH_MAX_LEN, "%s.%s", base, key);
	else
		snprintf(out, PATH_MAX_LEN, "%s", key);
}

static void join_index(char *out, const char *base, size_t i)
{
	snprintf(out, PATH_MAX_LEN, "%s[%zu]", base, i);
}

static const char *json_type_name(const cJSON *v)
{
	return fwp_jsonloc_type_name(v);
}

/* Refuse keys not in allowed (NULL-terminated), and duplicate keys. */
static int check_keys(struct pctx *c, const cJSON *obj, const char *path,
		      const char *const *allowed)
{
	struct fwp_jsonloc d = {c->m->path, c->m->text, c->m->text_len};
	return fwp_jsonloc_check_keys(&d, c->err, obj, path, allowed);
}

static const cJSON *member(const cJSON *obj, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(obj, key);
}

/*
 * obj's member key (*v) and its JSON path (p). Returns 1 when it is there,
 * 0 when it is not and may be left out, < 0 when a required key is missing.
 */
static int lookup(struct pctx *c, const cJSON *obj, const char *base, const char *key,
		  int required, const cJSON **v, char p[PATH_MAX_LEN])
{
	*v = member(obj, key);
	join(p, base, key);
	if (*v)
		return 1;
	return required ? fail(c, base, "missing required key \"%s\"", key) : FWP_OK;
}

static int get_object(struct pctx *c, const cJSON *v, const char *path)
{
	if (!cJSON_IsObject(v))
		return fail(c, path, "expected an object, found %s", json_type_name(v));
	return FWP_OK;
}

static int get_string(struct pctx *c, const cJSON *obj, const char *base, const char *key,
		      int required, const char **out)
{
	char p[PATH_MAX_LEN];
	const cJSON *v;
	*out = NULL;
	int rc = lookup(c, obj, base, key, required, &v, p);
	if (rc <= 0)
		return rc;
	if (!cJSON_IsString(v))
		return fail(c, p, "expected a string, found %s", json_type_name(v));
	if (!*v->valuestring)
		return fail(c, p, "must not be empty");
	*out = v->valuestring;
	return FWP_OK;
}

/* "0x1F", "4096", "16K", "1M": hex or decimal with an optional K/M/G (x1024) suffix. */
static int parse_size_string(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	int base = 10, digits = 0;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	for (; *s; s++) {
		int d;
		if (isdigit((unsigned char)*s))
			d = *s - '0';
		else if (base == 16 && isxdigit((unsigned char)*s))
			d = tolower((unsigned char)*s) - 'a' + 10;
		else
			break;
		if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
			return -1;
		v = v * (uint64_t)base + (uint64_t)d;
		digits++;
	}
	if (!digits)
		return -1;
	unsigned shift = 0;
	if (*s == 'K' || *s == 'k')
		shift = 10;
	else if (*s == 'M' || *s == 'm')
		shift = 20;
	else if (*s == 'G' || *s == 'g')
		shift = 30;
	if (shift) {
		if (v > (UINT64_MAX >> shift))
			return -1;
		v <<= shift;
		s++;
	}
	if (*s)
		return -1;
	*out = v;
	return 0;
}

static int get_uint(struct pctx *c, const cJSON *obj, const char *base, const char *key,
		    int required, uint64_t min, uint64_t max, uint64_t *out, int *present)
{
	char p[PATH_MAX_LEN];
	const cJSON *v;
	uint64_t x;
	int rc = lookup(c, obj, base, key, required, &v, p);
	if (present)
		*present = v != NULL;
	if (rc <= 0)
		return rc;
	if (cJSON_IsNumber(v)) {
		double d = v->valuedouble;
		if (d < 0 || d > 9007199254740992.0 || d != (double)(uint64_t)d)
			return fail(c, p, "expected a non-negative integer, found %g", d);
		x = (uint64_t)d;
	} else if (cJSON_IsString(v)) {
		if (parse_size_string(v->valuestring, &x) < 0)
			return fail(c, p,
				    "\"%s\" is not a number (write 4096, \"0x1000\" or \"4K\")",
				    v->valuestring);
	} else {
		return fail(c, p, "expected a number or a string like \"0x08000000\", found %s",
			    json_type_name(v));
	}
	if (x < min || x > max)
		return fail(c, p, "0x%llx is out of range (0x%llx..0x%llx)", (unsigned long long)x,
			    (unsigned long long)min, (unsigned long long)max);
	*out = x;
	return FWP_OK;
}

static int get_array(struct pctx *c, const cJSON *obj, const char *base, const char *key,
		     int required, const cJSON **out)
{
	char p[PATH_MAX_LEN];
	const cJSON *v;
	*out = NULL;
	int rc = lookup(c, obj, base, key, required, &v, p);
	if (rc <= 0)
		return rc;
	if (!cJSON_IsArray(v))
		return fail(c, p, "expected an array, found %s", json_type_name(v));
	if (!v->child)
		return fail(c, p, "must not be empty");
	*out = v;
	return FWP_OK;
}

static int is_pow2(uint64_t x)
{
	return x && !(x & (x - 1));
}

static int get_name(struct pctx *c, const cJSON *obj, const char *base, char out[FWP_NAME_MAX + 1])
{
	const char *s;
	char p[PATH_MAX_LEN];
	int rc = get_string(c, obj, base, "name", 1, &s);
	if (rc < 0)
		return rc;
	join(p, base, "name");
	if (strlen(s) > FWP_NAME_MAX)
		return fail(c, p, "longer than %d characters", FWP_NAME_MAX);
	/* Names become file names: keep them to a portable set. */
	for (const char *q = s; *q; q++)
		if (!isalnum((unsigned char)*q) && *q != '_' && *q != '-' && *q != '.')
			return fail(c, p, "\"%s\": only letters, digits, '_', '-' and '.' allowed",
				    s);
	if (s[0] == '.' || s[0] == '-')
		return fail(c, p, "\"%s\" must not start with '.' or '-'", s);
	snprintf(out, FWP_NAME_MAX + 1, "%s", s);
	return FWP_OK;
}

/* ---- regions ---- */

static const char *const region_keys[] = {"name",      "description", "address", "size",
					  "erase_size", "sectors",     "alignment", "fill",
					  NULL};

static int parse_sectors(struct pctx *c, const cJSON *obj, const char *path, struct fwp_region *r)
{
	uint64_t v;
	int has_erase, rc;
	const cJSON *arr;
	char p[PATH_MAX_LEN], q[PATH_MAX_LEN];

	rc = get_uint(c, obj, path, "erase_size", 0, 1, 0x80000000u, &v, &has_erase);
	if (rc < 0)
		return rc;
	rc = get_array(c, obj, path, "sectors", 0, &arr);
	if (rc < 0)
		return rc;
	if (has_erase && arr) {
		join(p, path, "sectors");
		return fail(c, p, "give either erase_size or sectors, not both");
	}
	if (!has_erase && !arr)
		return fail(c, path, "missing \"erase_size\" (uniform sectors) or \"sectors\"");
	if (has_erase) {
		if (r->size % v) {
			join(p, path, "erase_size");
			return fail(c, p, "region size 0x%llx is not a multiple of 0x%llx",
				    (unsigned long long)r->size, (unsigned long long)v);
		}
		r->sectors = calloc(1, sizeof(*r->sectors));
		if (!r->sectors)
			return fwp_fail(c->err, FWP_ERR_NOMEM, "out of memory");
		r->sectors[0].size = (uint32_t)v;
		r->sectors[0].count = (uint32_t)(r->size / v);
		r->nsector_runs = 1;
		return FWP_OK;
	}
	size_t n = (size_t)cJSON_GetArraySize(arr);
	r->sectors = calloc(n, sizeof(*r->sectors));
	if (!r->sectors)
		return fwp_fail(c->err, FWP_ERR_NOMEM, "out of memory");
	uint64_t total = 0;
	size_t i = 0;
	join(p, path, "sectors");
	for (const cJSON *e = arr->child; e; e = e->next, i++) {
		static const char *const keys[] = {"count", "size", NULL};
		uint64_t count, size;
		join_index(q, p, i);
		if ((rc = get_object(c, e, q)) < 0 || (rc = check_keys(c, e, q, keys)) < 0 ||
		    (rc = get_uint(c, e, q, "count", 1, 1, 0xFFFFFFFFu, &count, NULL)) < 0 ||
		    (rc = get_uint(c, e, q, "size", 1, 1, 0x80000000u, &size, NULL)) < 0)
			return rc;
		r->sectors[i].count = (uint32_t)count;
		r->sectors[i].size = (uint32_t)size;
		/* Checked run by run: three maximal runs would wrap 64 bits. */
		if (count * size > r->size - total)
			return fail(c, q, "sectors add up to more than the region's 0x%llx bytes",
				    (unsigned long long)r->size);
		total += count * size;
	}
	r->nsector_runs = n;
	if (total != r->size)
		return fail(c, p, "sectors add up to 0x%llx bytes, but the region is 0x%llx",
			    (unsigned long long)total, (unsigned long long)r->size);
	return FWP_OK;
}

static int parse_region(struct pctx *c, const cJSON *obj, const char *path, struct fwp_region *r)
{
	uint64_t addr, size, align = 8, fill = 0xFF;
	int rc;
	char p[PATH_MAX_LEN];

	if ((rc = get_object(c, obj, path)) < 0 || (rc = check_keys(c, obj, path, region_keys)) < 0 ||
	    (rc = get_name(c, obj, path, r->name)) < 0 ||
	    (rc = get_uint(c, obj, path, "address", 1, 0, 0xFFFFFFFFu, &addr, NULL)) < 0 ||
	    (rc = get_uint(c, obj, path, "size", 1, 1, 0x100000000ull, &size, NULL)) < 0 ||
	    (rc = get_uint(c, obj, path, "alignment", 0, 1, 4096, &align, NULL)) < 0 ||
	    (rc = get_uint(c, obj, path, "fill", 0, 0, 0xFF, &fill, NULL)) < 0)
		return rc;
	const char *desc;
	if ((rc = get_string(c, obj, path, "description", 0, &desc)) < 0)
		return rc;
	if (addr + size > 0x100000000ull) {
		join(p, path, "size");
		return fail(c, p, "region 0x%llx + 0x%llx extends past the 4 GiB address space",
			    (unsigned long long)addr, (unsigned long long)size);
	}
	if (!is_pow2(align)) {
		join(p, path, "alignment");
		return fail(c, p, "%llu is not a power of two", (unsigned long long)align);
	}
	r->addr = (uint32_t)addr;
	r->size = size;
	r->alignment = (uint32_t)align;
	r->fill = (uint8_t)fill;
	return parse_sectors(c, obj, path, r);
}

/* ---- slots ---- */

/* Non-zero if addr is on an erase-sector boundary of region r. */
static int on_sector_boundary(const struct fwp_region *r, uint64_t addr)
{
	uint64_t a = r->addr;
	if (addr == a)
		return 1;
	for (size_t i = 0; i < r->nsector_runs; i++) {
		uint64_t run = (uint64_t)r->sectors[i].count * r->sectors[i].size;
		if (addr < a + run)
			return (addr - a) % r->sectors[i].size == 0;
		a += run;
	}
	return addr == a;
}

static const char *const slot_keys[] = {"name", "description", "address", "size",
					"alignment", "fill", NULL};

static int parse_slot(struct pctx *c, const cJSON *obj, const char *path, struct fwp_slot *s)
{
	uint64_t addr, size, align, fill;
	int has_align, has_fill, rc;
	const char *desc;
	char p[PATH_MAX_LEN];

	if ((rc = get_object(c, obj, path)) < 0 || (rc = check_keys(c, obj, path, slot_keys)) < 0 ||
	    (rc = get_name(c, obj, path, s->name)) < 0 ||
	    (rc = get_string(c, obj, path, "description", 0, &desc)) < 0 ||
	    (rc = get_uint(c, obj, path, "address", 1, 0, 0xFFFFFFFFu, &addr, NULL)) < 0 ||
	    (rc = get_uint(c, obj, path, "size", 1, 1, 0xFFFFFFFFu, &size, NULL)) < 0 ||
	    (rc = get_uint(c, obj, path, "alignment", 0, 1, 4096, &align, &has_align)) < 0 ||
	    (rc = get_uint(c, obj, path, "fill", 0, 0, 0xFF, &fill, &has_fill)) < 0)
		return rc;
	long ri = fwp_manifest_find_region(c->m, (uint32_t)addr, size);
	if (ri < 0) {
		join(p, path, "address");
		return fail(c, p, "slot 0x%08llx..0x%08llx is not inside one memory region",
			    (unsigned long long)addr, (unsigned long long)(addr + size - 1));
	}
	const struct fwp_region *r = &c->m->regions[ri];
	if (!on_sector_boundary(r, addr)) {
		join(p, path, "address");
		return fail(c, p, "0x%08llx is not on an erase-sector boundary of region %s",
			    (unsigned long long)addr, r->name);
	}
	if (!on_sector_boundary(r, addr + size)) {
		join(p, path, "size");
		return fail(c, p, "slot end 0x%08llx is not on an erase-sector boundary of region %s",
			    (unsigned long long)(addr + size), r->name);
	}
	if (has_align && !is_pow2(align)) {
		join(p, path, "alignment");
		return fail(c, p, "%llu is not a power of two", (unsigned long long)align);
	}
	s->addr = (uint32_t)addr;
	s->size = (uint32_t)size;
	s->region = (size_t)ri;
	s->alignment = has_align ? (uint32_t)align : r->alignment;
	s->fill = has_fill ? (uint8_t)fill : r->fill;
	return FWP_OK;
}

/* ---- images ---- */

static const struct {
	const char *name;
	enum fwp_image_type type;
} image_types[] = {
	{"bootloader", FWP_IMAGE_TYPE_BOOTLOADER},
	{"loader", FWP_IMAGE_TYPE_LOADER},
	{"app", FWP_IMAGE_TYPE_APP},
	{"updater", FWP_IMAGE_TYPE_UPDATER},
};

static const struct {
	const char *name;
	enum fwp_format format;
} formats[] = {
	{"fwpack", FWP_FORMAT_FWPACK},
	{"raw", FWP_FORMAT_RAW},
	{"cookbook-v1", FWP_FORMAT_COOKBOOK_V1},
	{"cookbook-v2", FWP_FORMAT_COOKBOOK_V2},
};

static const struct {
	const char *name;
	unsigned bit;
} output_kinds[] = {
	{"bin", FWP_OUT_BIN},
	{"hex", FWP_OUT_HEX},
	{"srec", FWP_OUT_SREC},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

const char *fwp_image_type_name(enum fwp_image_type type)
{
	for (size_t i = 0; i < COUNT(image_types); i++)
		if (image_types[i].type == type)
			return image_types[i].name;
	return "unknown";
}

const char *fwp_format_name(enum fwp_format format)
{
	for (size_t i = 0; i < COUNT(formats); i++)
		if (formats[i].format == format)
			return formats[i].name;
	return "unknown";
}

static int parse_decimal(const char **s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	const char *p = *s;
	if (!isdigit((unsigned char)*p))
		return -1;
	/* semver: no leading zeros */
	if (p[0] == '0' && isdigit((unsigned char)p[1]))
		return -1;
	for (; isdigit((unsigned char)*p); p++) {
		v = v * 10 + (uint64_t)(*p - '0');
		if (v > max)
			return -1;
	}
	*s = p;
	*out = v;
	return 0;
}

int fwp_version_parse(const char *s, struct fwp_image_version *v, struct fwp_err *err)
{
	uint64_t major, minor, patch, build = 0;
	const char *p = s;
	if (parse_decimal(&p, 255, &major) < 0 || *p++ != '.' ||
	    parse_decimal(&p, 255, &minor) < 0 || *p++ != '.' ||
	    parse_decimal(&p, 65535, &patch) < 0)
		goto bad;
	if (*p == '-')
		return fwp_fail(err, FWP_ERR_FORMAT,
				"\"%s\": pre-release versions cannot be ordered by the device; "
				"use MAJOR.MINOR.PATCH+BUILD",
				s);
	if (*p == '+') {
		p++;
		if (parse_decimal(&p, 0xFFFFFFFFu, &build) < 0)
			goto bad;
	}
	if (*p)
		goto bad;
	v->major = (uint8_t)major;
	v->minor = (uint8_t)minor;
	v->patch = (uint16_t)patch;
	v->build = (uint32_t)build;
	return FWP_OK;
bad:
	return fwp_fail(err, FWP_ERR_FORMAT,
			"\"%s\" is not MAJOR.MINOR.PATCH[+BUILD] (major, minor <= 255, "
			"patch <= 65535, build < 2^32)",
			s);
}

static int parse_outputs(struct pctx *c, const cJSON *obj, const char *base, unsigned *out)
{
	const cJSON *arr;
	char p[PATH_MAX_LEN], q[PATH_MAX_LEN];
	int rc = get_array(c, obj, base, "outputs", 0, &arr);
	if (rc < 0)
		return rc;
	*out = FWP_OUT_BIN;
	if (!arr)
		return FWP_OK;
	*out = 0;
	join(p, base, "outputs");
	size_t i = 0;
	for (const cJSON *e = arr->child; e; e = e->next, i++) {
		unsigned bit = 0;
		join_index(q, p, i);
		if (!cJSON_IsString(e))
			return fail(c, q, "expected a string, found %s", json_type_name(e));
		for (size_t k = 0; k < COUNT(output_kinds); k++)
			if (strcmp(e->valuestring, output_kinds[k].name) == 0)
				bit = output_kinds[k].bit;
		if (!bit)
			return fail(c, q, "unknown output \"%s\" (expected bin, hex or srec)",
				    e->valuestring);
		if (*out & bit)
			return fail(c, q, "\"%s\" listed twice", e->valuestring);
		*out |= bit;
	}
	return FWP_OK;
}

static long find_slot_by_name(const struct fwp_manifest *m, const char *name)
{
	for (size_t i = 0; i < m->nslots; i++)
		if (strcmp(m->slots[i].name, name) == 0)
			return (long)i;
	return -1;
}

static int parse_image_enums(struct pctx *c, const cJSON *obj, const char *path,
			     struct fwp_image_spec *im)
{
	const char *s;
	char p[PATH_MAX_LEN];
	int rc;

	if ((rc = get_string(c, obj, path, "type", 1, &s)) < 0)
		return rc;
	im->type = 0;
	for (size_t i = 0; i < COUNT(image_types); i++)
		if (strcmp(s, image_types[i].name) == 0)
			im->type = image_types[i].type;
	if (!im->type) {
		join(p, path, "type");
		return fail(c, p, "unknown image type \"%s\" (expected bootloader, loader, app or "
			       "updater)", s);
	}
	if ((rc = get_string(c, obj, path, "format", 0, &s)) < 0)
		return rc;
	im->format = im->type == FWP_IMAGE_TYPE_BOOTLOADER ? FWP_FORMAT_RAW : FWP_FORMAT_FWPACK;
	if (s) {
		im->format = 0;
		for (size_t i = 0; i < COUNT(formats); i++)
			if (strcmp(s, formats[i].name) == 0)
				im->format = formats[i].format;
		join(p, path, "format");
		if (!im->format)
			return fail(c, p, "unknown format \"%s\" (expected fwpack, raw, cookbook-v1 "
				       "or cookbook-v2)", s);
		if (im->type == FWP_IMAGE_TYPE_BOOTLOADER &&
		    (im->format == FWP_FORMAT_COOKBOOK_V1 || im->format == FWP_FORMAT_COOKBOOK_V2))
			return fail(c, p, "the cookbook header has no bootloader image type");
	}
	return FWP_OK;
}

static int parse_image_version(struct pctx *c, const cJSON *obj, const char *path,
			       struct fwp_image_spec *im)
{
	const char *s;
	char p[PATH_MAX_LEN];
	uint64_t sc = 0;
	int rc;

	if ((rc = get_string(c, obj, path, "version", 1, &s)) < 0)
		return rc;
	join(p, path, "version");
	struct fwp_err why;
	if (fwp_version_parse(s, &im->version, &why) < 0)
		return fail(c, p, "%s", why.msg);
	if ((im->format == FWP_FORMAT_COOKBOOK_V1 || im->format == FWP_FORMAT_COOKBOOK_V2) &&
	    (im->version.patch > 255 || im->version.build))
		return fail(c, p, "the cookbook header holds MAJOR.MINOR.PATCH, each <= 255, "
			       "and no build number");
	if ((rc = get_uint(c, obj, path, "security_counter", 0, 0, 0xFFFFFFFFu, &sc, NULL)) < 0)
		return rc;
	im->security_counter = (uint32_t)sc;
	return FWP_OK;
}

static int parse_image_paths(struct pctx *c, const cJSON *obj, const char *path,
			     struct fwp_image_spec *im)
{
	const char *s;
	char p[PATH_MAX_LEN];
	int rc;

	if ((rc = get_string(c, obj, path, "input", 1, &s)) < 0)
		return rc;
	im->input = fwp_path_relative_to(c->m->path, s);
	if (!im->input)
		return fwp_fail(c->err, FWP_ERR_NOMEM, "out of memory");
	if ((rc = get_string(c, obj, path, "key", 0, &s)) < 0)
		return rc;
	if (s) {
		join(p, path, "key");
		if (im->format == FWP_FORMAT_RAW || im->format == FWP_FORMAT_COOKBOOK_V1)
			return fail(c, p, "a %s image is not signed; remove the key",
				    fwp_format_name(im->format));
		im->key = fwp_path_relative_to(c->m->path, s);
		if (!im->key)
			return fwp_fail(c->err, FWP_ERR_NOMEM, "out of memory");
	}
	return FWP_OK;
}

static int parse_image_layout(struct pctx *c, const cJSON *obj, const char *path,
			      struct fwp_image_spec *im)
{
	const char *s;
	char p[PATH_MAX_LEN];
	uint64_t v, vts = 512;
	int rc;

	if ((rc = get_string(c, obj, path, "slot", 1, &s)) < 0)
		return rc;
	long si = find_slot_by_name(c->m, s);
	if (si < 0) {
		char list[256] = "";
		for (size_t i = 0; i < c->m->nslots; i++) {
			strncat(list, c->m->slots[i].name, sizeof(list) - strlen(list) - 1);
			if (i + 1 < c->m->nslots)
				strncat(list, ", ", sizeof(list) - strlen(list) - 1);
		}
		join(p, path, "slot");
		return fail(c, p, "no slot named \"%s\" (slots: %s)", s, list);
	}
	im->slot = (size_t)si;
	if ((rc = get_uint(c, obj, path, "load_address", 0, 0, 0xFFFFFFFFu, &v,
			   &im->has_load_addr)) < 0)
		return rc;
	if (im->has_load_addr) {
		const struct fwp_slot *sl = &c->m->slots[si];
		im->load_addr = (uint32_t)v;
		if (v < sl->addr || v >= (uint64_t)sl->addr + sl->size) {
			join(p, path, "load_address");
			return fail(c, p, "0x%08llx is outside slot %s (0x%08x..0x%08llx)",
				    (unsigned long long)v, sl->name, sl->addr,
				    (unsigned long long)sl->addr + sl->size - 1);
		}
	}
	if ((rc = get_uint(c, obj, path, "vector_address", 0, 0, 0xFFFFFFFFu, &v,
			   &im->has_vector_addr)) < 0)
		return rc;
	im->vector_addr = (uint32_t)v;
	if ((rc = get_uint(c, obj, path, "vector_table_size", 0, 64, 2048, &vts, NULL)) < 0)
		return rc;
	if (vts % 4) {
		join(p, path, "vector_table_size");
		return fail(c, p, "%llu is not a multiple of 4", (unsigned long long)vts);
	}
	im->vector_table_size = (uint32_t)vts;
	return FWP_OK;
}

static int parse_git_sha(struct pctx *c, const cJSON *obj, const char *path,
			 struct fwp_image_spec *im)
{
	const char *s;
	char p[PATH_MAX_LEN];
	int rc = get_string(c, obj, path, "git_sha", 0, &s);
	if (rc < 0 || !s)
		return rc;
	join(p, path, "git_sha");
	if (im->format != FWP_FORMAT_COOKBOOK_V1 && im->format != FWP_FORMAT_COOKBOOK_V2)
		return fail(c, p, "only the cookbook formats carry a git SHA");
	if (strlen(s) > 7)
		return fail(c, p, "\"%s\": the cookbook header holds at most 7 characters", s);
	snprintf(im->git_sha, sizeof(im->git_sha), "%s", s);
	return FWP_OK;
}

/*
 * "confirmed": true marks an application that cannot mark itself good
 * (docs/handoff.md): a signed header flag, so only the key holder sets it.
 */
static int parse_confirmed(struct pctx *c, const cJSON *obj, const char *path,
			   struct fwp_image_spec *im)
{
	char p[PATH_MAX_LEN];
	const cJSON *v = member(obj, "confirmed");
	if (!v)
		return FWP_OK;
	join(p, path, "confirmed");
	if (!cJSON_IsBool(v))
		return fail(c, p, "expected true or false, found %s", json_type_name(v));
	im->confirmed = cJSON_IsTrue(v);
	if (im->confirmed && im->format != FWP_FORMAT_FWPACK)
		return fail(c, p, "only fwpack images carry the confirmed flag (this one is %s)",
			    fwp_format_name(im->format));
	if (im->confirmed && im->type != FWP_IMAGE_TYPE_APP)
		return fail(c, p, "only an application is confirmed (the Loader's crash-loop "
				  "check concerns applications)");
	return FWP_OK;
}

static const char *const image_keys[] = {
	"name",    "description", "type",         "format",         "input",
	"version", "security_counter", "slot",    "load_address",   "key",
	"outputs", "vector_address",   "vector_table_size", "git_sha", "confirmed", NULL};

static int parse_image(struct pctx *c, const cJSON *obj, const char *path,
		       struct fwp_image_spec *im)
{
	const char *desc;
	int rc;
	if ((rc = get_object(c, obj, path)) < 0 || (rc = check_keys(c, obj, path, image_keys)) < 0 ||
	    (rc = get_name(c, obj, path, im->name)) < 0 ||
	    (rc = get_string(c, obj, path, "description", 0, &desc)) < 0 ||
	    (rc = parse_image_enums(c, obj, path, im)) < 0 ||
	    (rc = parse_image_version(c, obj, path, im)) < 0 ||
	    (rc = parse_image_paths(c, obj, path, im)) < 0 ||
	    (rc = parse_image_layout(c, obj, path, im)) < 0 ||
	    (rc = parse_git_sha(c, obj, path, im)) < 0 ||
	    (rc = parse_confirmed(c, obj, path, im)) < 0)
		return rc;
	return parse_outputs(c, obj, path, &im->outputs);
}

/* ---- factory images ---- */

static const char *const factory_keys[] = {"name", "description", "images", "outputs", NULL};

static int parse_factory(struct pctx *c, const cJSON *obj, const char *path, struct fwp_factory *f)
{
	const cJSON *arr;
	const char *desc;
	char p[PATH_MAX_LEN], q[PATH_MAX_LEN];
	int rc;
	if ((rc = get_object(c, obj, path)) < 0 || (rc = check_keys(c, obj, path, factory_keys)) < 0 ||
	    (rc = get_name(c, obj, path, f->name)) < 0 ||
	    (rc = get_string(c, obj, path, "description", 0, &desc)) < 0 ||
	    (rc = get_array(c, obj, path, "images", 1, &arr)) < 0 ||
	    (rc = parse_outputs(c, obj, path, &f->outputs)) < 0)
		return rc;
	size_t n = (size_t)cJSON_GetArraySize(arr), i = 0;
	f->images = calloc(n, sizeof(*f->images));
	if (!f->images)
		return fwp_fail(c->err, FWP_ERR_NOMEM, "out of memory");
	join(p, path, "images");
	for (const cJSON *e = arr->child; e; e = e->next, i++) {
		size_t k;
		join_index(q, p, i);
		if (!cJSON_IsString(e))
			return fail(c, q, "expected an image name, found %s", json_type_name(e));
		for (k = 0; k < c->m->nimages; k++)
			if (strcmp(c->m->images[k].name, e->valuestring) == 0)
				break;
		if (k == c->m->nimages)
			return fail(c, q, "no image named \"%s\"", e->valuestring);
		for (size_t j = 0; j < i; j++)
			if (f->images[j] == k)
				return fail(c, q, "image \"%s\" listed twice", e->valuestring);
		f->images[i] = k;
	}
	f->nimages = n;
	return FWP_OK;
}

/* ---- whole manifest ---- */

long fwp_manifest_find_region(const struct fwp_manifest *m, uint32_t addr, uint64_t len)
{
	for (size_t i = 0; i < m->nregions; i++) {
		const struct fwp_region *r = &m->regions[i];
		if (addr >= r->addr && (uint64_t)addr + len <= (uint64_t)r->addr + r->size)
			return (long)i;
	}
	return -1;
}

long fwp_manifest_find_slot(const struct fwp_manifest *m, uint32_t addr, uint64_t len)
{
	for (size_t i = 0; i < m->nslots; i++) {
		const struct fwp_slot *s = &m->slots[i];
		if (addr >= s->addr && (uint64_t)addr + len <= (uint64_t)s->addr + s->size)
			return (long)i;
	}
	return -1;
}

/* Allocate an array for the elements of arr (required, non-empty). */
static int alloc_list(struct pctx *c, const cJSON *root, const char *key, int required,
		      size_t elem, void **out, size_t *n, const cJSON **arr)
{
	int rc = get_array(c, root, "", key, required, arr);
	*n = 0;
	if (rc < 0 || !*arr)
		return rc;
	*n = (size_t)cJSON_GetArraySize(*arr);
	*out = calloc(*n, elem);
	if (!*out)
		return fwp_fail(c->err, FWP_ERR_NOMEM, "out of memory");
	return FWP_OK;
}

#define CHECK_UNIQUE_NAMES(c, list, n, what)                                                    \
	do {                                                                                    \
		for (size_t i_ = 0; i_ < (n); i_++)                                             \
			for (size_t j_ = 0; j_ < i_; j_++)                                      \
				if (strcmp((list)[i_].name, (list)[j_].name) == 0) {            \
					char p_[PATH_MAX_LEN];                                  \
					snprintf(p_, sizeof(p_), "%s[%zu].name", what, i_);     \
					return fail(c, p_, "\"%s\" is already the name of %s[%zu]", \
						    (list)[i_].name, what, j_);                 \
				}                                                               \
	} while (0)

static int check_region_overlaps(struct pctx *c)
{
	const struct fwp_manifest *m = c->m;
	char p[PATH_MAX_LEN];
	for (size_t i = 0; i < m->nregions; i++)
		for (size_t j = 0; j < i; j++) {
			const struct fwp_region *a = &m->regions[i], *b = &m->regions[j];
			if ((uint64_t)a->addr < b->addr + b->size &&
			    (uint64_t)b->addr < a->addr + a->size) {
				snprintf(p, sizeof(p), "regions[%zu].address", i);
				return fail(c, p, "region %s overlaps region %s", a->name, b->name);
			}
		}
	return FWP_OK;
}

static int check_slot_overlaps(struct pctx *c)
{
	const struct fwp_manifest *m = c->m;
	char p[PATH_MAX_LEN];
	for (size_t i = 0; i < m->nslots; i++)
		for (size_t j = 0; j < i; j++) {
			const struct fwp_slot *a = &m->slots[i], *b = &m->slots[j];
			if ((uint64_t)a->addr < (uint64_t)b->addr + b->size &&
			    (uint64_t)b->addr < (uint64_t)a->addr + a->size) {
				snprintf(p, sizeof(p), "slots[%zu].address", i);
				return fail(c, p,
					    "slot %s (0x%08x..0x%08llx) overlaps slot %s "
					    "(0x%08x..0x%08llx)",
					    a->name, a->addr, (unsigned long long)a->addr + a->size - 1,
					    b->name, b->addr, (unsigned long long)b->addr + b->size - 1);
			}
		}
	return FWP_OK;
}

static const char *const top_keys[] = {"manifest_version", "description", "regions", "slots",
				       "images",           "factory",     NULL};

static int parse_root(struct pctx *c, const cJSON *root)
{
	struct fwp_manifest *m = c->m;
	const cJSON *arr, *e;
	const char *desc;
	char p[PATH_MAX_LEN];
	uint64_t ver;
	size_t i;
	int rc;

	if ((rc = get_object(c, root, "")) < 0 || (rc = check_keys(c, root, "", top_keys)) < 0 ||
	    (rc = get_uint(c, root, "", "manifest_version", 1, 1, 1, &ver, NULL)) < 0 ||
	    (rc = get_string(c, root, "", "description", 0, &desc)) < 0)
		return rc;

	if ((rc = alloc_list(c, root, "regions", 1, sizeof(*m->regions), (void **)&m->regions,
			     &m->nregions, &arr)) < 0)
		return rc;
	if (m->nregions > FWP_MAX_REGIONS)
		return fail(c, "regions", "more than %d regions", FWP_MAX_REGIONS);
	for (i = 0, e = arr->child; e; e = e->next, i++) {
		join_index(p, "regions", i);
		if ((rc = parse_region(c, e, p, &m->regions[i])) < 0)
			return rc;
	}
	CHECK_UNIQUE_NAMES(c, m->regions, m->nregions, "regions");
	if ((rc = check_region_overlaps(c)) < 0)
		return rc;

	if ((rc = alloc_list(c, root, "slots", 1, sizeof(*m->slots), (void **)&m->slots, &m->nslots,
			     &arr)) < 0)
		return rc;
	for (i = 0, e = arr->child; e; e = e->next, i++) {
		join_index(p, "slots", i);
		if ((rc = parse_slot(c, e, p, &m->slots[i])) < 0)
			return rc;
	}
	CHECK_UNIQUE_NAMES(c, m->slots, m->nslots, "slots");
	if ((rc = check_slot_overlaps(c)) < 0)
		return rc;

	if ((rc = alloc_list(c, root, "images", 1, sizeof(*m->images), (void **)&m->images,
			     &m->nimages, &arr)) < 0)
		return rc;
	for (i = 0, e = arr->child; e; e = e->next, i++) {
		join_index(p, "images", i);
		if ((rc = parse_image(c, e, p, &m->images[i])) < 0)
			return rc;
	}
	CHECK_UNIQUE_NAMES(c, m->images, m->nimages, "images");

	if ((rc = alloc_list(c, root, "factory", 0, sizeof(*m->factories),
			     (void **)&m->factories, &m->nfactories, &arr)) < 0)
		return rc;
	for (i = 0, e = arr ? arr->child : NULL; e; e = e->next, i++) {
		join_index(p, "factory", i);
		if ((rc = parse_factory(c, e, p, &m->factories[i])) < 0)
			return rc;
	}
	CHECK_UNIQUE_NAMES(c, m->factories, m->nfactories, "factory");
	return FWP_OK;
}

int fwp_manifest_parse(const char *path, const char *text, size_t len, struct fwp_manifest *m,
		       struct fwp_err *err)
{
	struct pctx c = {m, err};
	int rc;

	memset(m, 0, sizeof(*m));
	m->path = strdup(path);
	m->text = malloc(len + 1);
	if (!m->path || !m->text) {
		fwp_manifest_free(m);
		return fwp_fail(err, FWP_ERR_NOMEM, "out of memory");
	}
	memcpy(m->text, text, len);
	m->text[len] = 0;
	m->text_len = len;
	struct fwp_jsonloc d = {m->path, m->text, m->text_len};
	cJSON *root = NULL;
	if ((rc = fwp_jsonloc_parse(&d, "manifest", &root, err)) < 0) {
		fwp_manifest_free(m);
		return rc;
	}
	rc = parse_root(&c, root);
	cJSON_Delete(root);
	if (rc < 0)
		fwp_manifest_free(m);
	return rc;
}

int fwp_manifest_load(const char *path, struct fwp_manifest *m, struct fwp_err *err)
{
	struct fwp_buf b = {0};
	memset(m, 0, sizeof(*m));
	int rc = fwp_file_read(path, MANIFEST_MAX_BYTES, &b, err);
	if (rc == FWP_OK)
		rc = fwp_manifest_parse(path, (const char *)b.data, b.len, m, err);
	fwp_buf_free(&b);
	return rc;
}

void fwp_manifest_free(struct fwp_manifest *m)
{
	for (size_t i = 0; i < m->nregions; i++)
		free(m->regions[i].sectors);
	for (size_t i = 0; i < m->nimages; i++) {
		free(m->images[i].input);
		free(m->images[i].key);
	}
	for (size_t i = 0; i < m->nfactories; i++)
		free(m->factories[i].images);
	free(m->regions);
	free(m->slots);
	free(m->images);
	free(m->factories);
	free(m->path);
	free(m->text);
	memset(m, 0, sizeof(*m));
}

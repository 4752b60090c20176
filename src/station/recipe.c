/* The station recipe: parsing and checking (see recipe.h, docs/station.md). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "jsonloc.h"
#include "recipe.h"
#include "util.h"

#define RECIPE_MAX_BYTES (1u << 20)
#define JPATH_MAX 128
#define MAX_STEPS 64
#define TIMEOUT_MAX_MS 600000u
/* An identity command runs while the pool is locked: other stations wait
 * for it, and give up after their own lock timeout (15 s). */
#define COMMAND_MAX_MS 10000u

/* Each step kind: its name, its keys, whether it speaks to the Loader. */
static const struct {
	const char *name;
	const char *const *keys;
	int loader;
} kinds[] = {
	[FWP_STEP_DFUSE_MASS_ERASE] = {"dfuse_mass_erase", (const char *const[]){"do", "timeout_ms", NULL}, 0},
	[FWP_STEP_DFUSE_WRITE] = {"dfuse_write", (const char *const[]){"do", "images", "factory", "timeout_ms", NULL}, 0},
	[FWP_STEP_DFUSE_LEAVE] = {"dfuse_leave", (const char *const[]){"do", NULL}, 0},
	[FWP_STEP_WAIT_LOADER] = {"wait_loader", (const char *const[]){"do", "over", "enter", "timeout_ms", NULL}, 1},
	[FWP_STEP_WRITE] = {"write", (const char *const[]){"do", "images", "over", "timeout_ms", NULL}, 1},
	[FWP_STEP_PROVISION] = {"provision", (const char *const[]){"do", "slot", "fields", "over", "timeout_ms", NULL}, 1},
	[FWP_STEP_BOOT] = {"boot", (const char *const[]){"do", "over", NULL}, 1},
	[FWP_STEP_EXPECT] = {"expect", (const char *const[]){"do", "line", "timeout_ms", NULL}, 0},
};
#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))

/* Default time limits per step kind, in ms (each wait is bounded). */
static unsigned default_timeout(enum fwp_step_kind k)
{
	switch (k) {
	case FWP_STEP_DFUSE_MASS_ERASE:
		return 30000; /* an F429's mass erase takes up to ~16 s */
	case FWP_STEP_WAIT_LOADER:
	case FWP_STEP_EXPECT:
		return 10000;
	default:
		return 60000;
	}
}

const char *fwp_step_name(enum fwp_step_kind kind)
{
	return (size_t)kind < NKINDS && kinds[kind].name ? kinds[kind].name : "unknown";
}

struct ctx {
	struct fwp_jsonloc d;
	struct fwp_err *err;
};

static int fail(struct ctx *c, const char *path, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 3, 4)))
#endif
	;

static int fail(struct ctx *c, const char *path, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = fwp_jsonloc_vfail(&c->d, c->err, FWP_ERR_FORMAT, path, fmt, ap);
	va_end(ap);
	return rc;
}

static void join(char *out, const char *base, const char *key)
{
	snprintf(out, JPATH_MAX, *base ? "%s.%s" : "%s%s", base, key);
}

static int get(struct ctx *c, const cJSON *obj, const char *base, const char *key, int required,
	       const cJSON **out)
{
	*out = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (!*out && required)
		return fail(c, base, "missing required key \"%s\"", key);
	return FWP_OK;
}

static int get_string(struct ctx *c, const cJSON *obj, const char *base, const char *key,
		      int required, char **out)
{
	char p[JPATH_MAX];
	const cJSON *v;
	int rc = get(c, obj, base, key, required, &v);
	if (rc < 0 || !v)
		return rc;
	join(p, base, key);
	if (!cJSON_IsString(v))
		return fail(c, p, "expected a string, found %s", fwp_jsonloc_type_name(v));
	if (!*v->valuestring)
		return fail(c, p, "must not be empty");
	for (const unsigned char *s = (const unsigned char *)v->valuestring; *s; s++)
		if (*s < 0x20 || *s == 0x7f)
			return fail(c, p, "control characters are not allowed");
	free(*out);
	if (!(*out = strdup(v->valuestring)))
		return fwp_fail(c->err, FWP_ERR_NOMEM, "out of memory");
	return FWP_OK;
}

static int get_uint(struct ctx *c, const cJSON *obj, const char *base, const char *key,
		    uint64_t min, uint64_t max, uint64_t *out)
{
	char p[JPATH_MAX];
	const cJSON *v;
	int rc = get(c, obj, base, key, 0, &v);
	if (rc < 0 || !v)
		return rc;
	join(p, base, key);
	if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 9007199254740992.0 ||
	    v->valuedouble != (double)(uint64_t)v->valuedouble)
		return fail(c, p, "expected a non-negative integer");
	if ((uint64_t)v->valuedouble < min || (uint64_t)v->valuedouble > max)
		return fail(c, p, "%.0f is out of range (%llu..%llu)", v->valuedouble,
			    (unsigned long long)min, (unsigned long long)max);
	*out = (uint64_t)v->valuedouble;
	return FWP_OK;
}

static int get_bool(struct ctx *c, const cJSON *obj, const char *base, const char *key, int *out)
{
	char p[JPATH_MAX];
	const cJSON *v;
	int rc = get(c, obj, base, key, 0, &v);
	if (rc < 0 || !v)
		return rc;
	join(p, base, key);
	if (!cJSON_IsBool(v))
		return fail(c, p, "expected true or false, found %s", fwp_jsonloc_type_name(v));
	*out = cJSON_IsTrue(v);
	return FWP_OK;
}

static int get_object(struct ctx *c, const cJSON *obj, const char *base, const char *key,
		      int required, const char *const *keys, const cJSON **out)
{
	char p[JPATH_MAX];
	int rc = get(c, obj, base, key, required, out);
	if (rc < 0 || !*out)
		return rc;
	join(p, base, key);
	if (!cJSON_IsObject(*out))
		return fail(c, p, "expected an object, found %s", fwp_jsonloc_type_name(*out));
	return keys ? fwp_jsonloc_check_keys(&c->d, c->err, *out, p, keys) : FWP_OK;
}

static int parse_carrier(struct ctx *c, const char *path, const char *s, unsigned *out)
{
	if (strcmp(s, "serial") == 0)
		*out = FWP_OVER_SERIAL;
	else if (strcmp(s, "dfu") == 0)
		*out = FWP_OVER_DFU;
	else
		return fail(c, path, "\"%s\": expected \"serial\" or \"dfu\"", s);
	return FWP_OK;
}

/* {identity}, {board_uid}, {station}, and {{ }} for braces. */
static int check_template(struct ctx *c, const char *path, const char *t, int *uses_identity)
{
	static const char *const names[] = {"identity", "board_uid", "station"};
	for (const char *p = t; *p; p++) {
		if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}')) {
			p++;
			continue;
		}
		if (*p == '}')
			return fail(c, path, "a lone '}' (write \"}}\" for a brace)");
		if (*p != '{')
			continue;
		const char *close = strchr(p, '}');
		size_t n = close ? (size_t)(close - p - 1) : 0;
		size_t i;
		for (i = 0; close && i < 3; i++)
			if (strlen(names[i]) == n && memcmp(names[i], p + 1, n) == 0)
				break;
		if (!close || i == 3)
			return fail(c, path,
				    "unknown placeholder in \"%s\" (expected {identity}, {board_uid} or "
				    "{station})",
				    t);
		if (i == 0)
			*uses_identity = 1;
		p = close;
	}
	return FWP_OK;
}

static int parse_names(struct ctx *c, const cJSON *arr, const char *path, char ***out, size_t *n)
{
	char p[JPATH_MAX];
	size_t i = 0;
	const cJSON *e;
	if (!cJSON_IsArray(arr))
		return fail(c, path, "expected an array of image names, found %s",
			    fwp_jsonloc_type_name(arr));
	size_t count = (size_t)cJSON_GetArraySize(arr);
	if (!count)
		return fail(c, path, "must not be empty");
	if (!(*out = calloc(count, sizeof(char *))))
		return fwp_fail(c->err, FWP_ERR_NOMEM, "out of memory");
	cJSON_ArrayForEach(e, arr)
	{
		snprintf(p, sizeof(p), "%s[%zu]", path, i);
		if (!cJSON_IsString(e) || !*e->valuestring)
			return fail(c, p, "expected an image name");
		for (size_t k = 0; k < i; k++)
			if (strcmp((*out)[k], e->valuestring) == 0)
				return fail(c, p, "image \"%s\" is named twice", e->valuestring);
		if (!((*out)[i] = strdup(e->valuestring)))
			return fwp_fail(c->err, FWP_ERR_NOMEM, "out of memory");
		*n = ++i;
	}
	return FWP_OK;
}

static int parse_step(struct ctx *c, const cJSON *o, const char *path, struct fwp_recipe_step *s,
		      int *uses_identity)
{
	char p[JPATH_MAX], *str = NULL;
	const cJSON *v;
	uint64_t u;
	int rc;

	snprintf(s->path, sizeof(s->path), "%s", path);
	s->factory = -1;
	if (!cJSON_IsObject(o))
		return fail(c, path, "expected an object, found %s", fwp_jsonloc_type_name(o));
	if ((rc = get_string(c, o, path, "do", 1, &str)) < 0)
		return rc;
	for (size_t k = 1; k < NKINDS; k++)
		if (strcmp(kinds[k].name, str) == 0)
			s->kind = (enum fwp_step_kind)k;
	join(p, path, "do");
	if (!s->kind) {
		rc = fail(c, p,
			  "unknown step \"%s\" (expected dfuse_mass_erase, dfuse_write, dfuse_leave, "
			  "wait_loader, write, provision, boot or expect)",
			  str);
		free(str);
		return rc;
	}
	free(str);
	str = NULL;
	if ((rc = fwp_jsonloc_check_keys(&c->d, c->err, o, path, kinds[s->kind].keys)) < 0)
		return rc;
	u = default_timeout(s->kind);
	if ((rc = get_uint(c, o, path, "timeout_ms", 1, TIMEOUT_MAX_MS, &u)) < 0)
		return rc;
	s->timeout_ms = (unsigned)u;
	if (kinds[s->kind].loader) {
		s->over = FWP_OVER_SERIAL;
		if ((rc = get_string(c, o, path, "over", 0, &str)) < 0)
			return rc;
		join(p, path, "over");
		rc = str ? parse_carrier(c, p, str, &s->over) : FWP_OK;
		free(str);
		if (rc < 0)
			return rc;
	}
	switch (s->kind) {
	case FWP_STEP_DFUSE_WRITE:
	case FWP_STEP_WRITE:
		if ((rc = get(c, o, path, "images", 0, &v)) < 0)
			return rc;
		join(p, path, "images");
		if (v && (rc = parse_names(c, v, p, &s->image_names, &s->nimages)) < 0)
			return rc;
		if (s->kind == FWP_STEP_DFUSE_WRITE &&
		    (rc = get_string(c, o, path, "factory", 0, &s->factory_name)) < 0)
			return rc;
		if (!v && !s->factory_name)
			return fail(c, path, "missing required key \"images\"%s",
				    s->kind == FWP_STEP_DFUSE_WRITE ? " (or \"factory\")" : "");
		if (v && s->factory_name) {
			join(p, path, "factory");
			return fail(c, p, "give either images or factory, not both");
		}
		break;
	case FWP_STEP_WAIT_LOADER:
		if ((rc = get_string(c, o, path, "enter", 0, &s->enter)) < 0)
			return rc;
		join(p, path, "enter");
		if (s->enter && strcmp(s->enter, "reset") != 0 && strcmp(s->enter, "1200") != 0 &&
		    strcmp(s->enter, "console") != 0 && strncmp(s->enter, "console=", 8) != 0)
			return fail(c, p,
				    "\"%s\": expected \"reset\", \"1200\", \"console\" or "
				    "\"console=CMD\" (as fwpack flash --enter)",
				    s->enter);
		break;
	case FWP_STEP_PROVISION: {
		const cJSON *fields, *f;
		size_t i = 0;
		if ((rc = get_string(c, o, path, "slot", 1, &s->slot_name)) < 0)
			return rc;
		if ((rc = get_object(c, o, path, "fields", 1, NULL, &fields)) < 0)
			return rc;
		join(p, path, "fields");
		s->nfields = (size_t)cJSON_GetArraySize(fields);
		if (!s->nfields)
			return fail(c, p, "must not be empty");
		if (s->nfields > FWP_RECIPE_FIELDS_MAX)
			return fail(c, p, "more than %d fields", FWP_RECIPE_FIELDS_MAX);
		if (!(s->fields = calloc(s->nfields, sizeof(*s->fields))))
			return fwp_fail(c->err, FWP_ERR_NOMEM, "out of memory");
		cJSON_ArrayForEach(f, fields)
		{
			char q[JPATH_MAX];
			join(q, p, f->string);
			for (const cJSON *e = fields->child; e != f; e = e->next)
				if (strcmp(e->string, f->string) == 0)
					return fail(c, q, "duplicate key \"%s\"", f->string);
			if (!*f->string || strlen(f->string) > 31 ||
			    strspn(f->string, "abcdefghijklmnopqrstuvwxyz0123456789_") !=
				    strlen(f->string))
				return fail(c, q, "field names are 1 to 31 of a-z, 0-9 and _");
			if (!cJSON_IsString(f))
				return fail(c, q, "expected a string, found %s",
					    fwp_jsonloc_type_name(f));
			if ((rc = check_template(c, q, f->valuestring, uses_identity)) < 0)
				return rc;
			s->fields[i].name = strdup(f->string);
			s->fields[i].value = strdup(f->valuestring);
			if (!s->fields[i].name || !s->fields[i].value)
				return fwp_fail(c->err, FWP_ERR_NOMEM, "out of memory");
			i++;
		}
		break;
	}
	case FWP_STEP_EXPECT:
		if ((rc = get_string(c, o, path, "line", 1, &s->line)) < 0)
			return rc;
		join(p, path, "line");
		if ((rc = check_template(c, p, s->line, uses_identity)) < 0)
			return rc;
		break;
	default:
		break;
	}
	return FWP_OK;
}

static const char *const root_keys[] = {"recipe_version", "description", "manifest",
					"build_dir",      "station",     "record",
					"board",          "identity",    "steps",
					"provisioning_key", NULL};
static const char *const board_keys[] = {"rom", "loader", "console", NULL};
static const char *const identity_keys[] = {"pool", "counter", "csv", "command", NULL};

static int parse_board(struct ctx *c, const cJSON *root, struct fwp_recipe *r)
{
	const cJSON *b, *v;
	char *rom = NULL;
	int rc = get_object(c, root, "", "board", 1, board_keys, &b);
	if (rc < 0)
		return rc;
	if ((rc = get_string(c, b, "board", "rom", 1, &rom)) < 0)
		return rc;
	if (strcmp(rom, "dfuse") == 0)
		r->rom_dfuse = 1;
	else if (strcmp(rom, "none") != 0)
		rc = fail(c, "board.rom", "\"%s\": expected \"dfuse\" (an STM32 ROM bootloader) or "
				       "\"none\"",
			  rom);
	free(rom);
	if (rc < 0)
		return rc;
	if ((rc = get(c, b, "board", "loader", 1, &v)) < 0)
		return rc;
	if (!cJSON_IsArray(v) || !cJSON_GetArraySize(v))
		return fail(c, "board.loader",
			    "expected an array of the Loader's carriers: [\"serial\"], [\"dfu\"] or "
			    "both");
	size_t i = 0;
	const cJSON *e;
	cJSON_ArrayForEach(e, v)
	{
		char p[JPATH_MAX];
		unsigned bit = 0;
		snprintf(p, sizeof(p), "board.loader[%zu]", i++);
		if (!cJSON_IsString(e))
			return fail(c, p, "expected \"serial\" or \"dfu\"");
		if ((rc = parse_carrier(c, p, e->valuestring, &bit)) < 0)
			return rc;
		if (r->loader_over & bit)
			return fail(c, p, "\"%s\" is named twice", e->valuestring);
		r->loader_over |= bit;
	}
	return get_bool(c, b, "board", "console", &r->console);
}

static int parse_identity(struct ctx *c, const cJSON *root, struct fwp_recipe *r)
{
	static const char *const counter_keys[] = {"format", "start", "end", NULL};
	static const char *const csv_keys[] = {"file", "column", NULL};
	static const char *const command_keys[] = {"run", "timeout_ms", NULL};
	struct fwp_idsrc *s = &r->identity;
	const cJSON *id, *k;
	char *pool = NULL;
	int rc = get_object(c, root, "", "identity", 0, identity_keys, &id), kinds_given = 0;
	if (rc < 0 || !id)
		return rc;
	r->has_identity = 1;
	if ((rc = get_string(c, id, "identity", "pool", 1, &pool)) < 0)
		return rc;
	if (strlen(pool) >= sizeof(s->pool) ||
	    strspn(pool, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.") !=
		    strlen(pool))
		rc = fail(c, "identity.pool", "\"%s\": up to %zu of letters, digits, '_', '-', '.'",
			  pool, sizeof(s->pool) - 1);
	else
		snprintf(s->pool, sizeof(s->pool), "%s", pool);
	free(pool);
	if (rc < 0)
		return rc;
	if ((rc = get_object(c, id, "identity", "counter", 0, counter_keys, &k)) < 0)
		return rc;
	if (k) {
		char *fmt = NULL;
		kinds_given++;
		s->kind = FWP_IDSRC_COUNTER;
		s->start = 1;
		s->end = 999999;
		if ((rc = get_string(c, k, "identity.counter", "format", 1, &fmt)) < 0)
			return rc;
		struct fwp_err why;
		if (strlen(fmt) >= sizeof(s->format))
			rc = fail(c, "identity.counter.format", "longer than %zu characters",
				  sizeof(s->format) - 1);
		else if (fwp_idformat_check(fmt, &why) < 0)
			rc = fail(c, "identity.counter.format", "%s", why.msg);
		else
			snprintf(s->format, sizeof(s->format), "%s", fmt);
		free(fmt);
		if (rc < 0 ||
		    (rc = get_uint(c, k, "identity.counter", "start", 0, UINT32_MAX, &s->start)) < 0 ||
		    (rc = get_uint(c, k, "identity.counter", "end", 0, UINT32_MAX, &s->end)) < 0)
			return rc;
		if (s->end < s->start)
			return fail(c, "identity.counter.end", "is below start (%llu)",
				    (unsigned long long)s->start);
		char last[FWP_IDENTITY_MAX];
		if (fwp_idformat_render(s->format, s->end, last, &why) < 0)
			return fail(c, "identity.counter.format", "%s", why.msg);
	}
	if ((rc = get_object(c, id, "identity", "csv", 0, csv_keys, &k)) < 0)
		return rc;
	if (k) {
		kinds_given++;
		s->kind = FWP_IDSRC_CSV;
		if ((rc = get_string(c, k, "identity.csv", "file", 1, &s->csv_path)) < 0 ||
		    (rc = get_string(c, k, "identity.csv", "column", 0, &s->csv_column)) < 0)
			return rc;
	}
	if ((rc = get_object(c, id, "identity", "command", 0, command_keys, &k)) < 0)
		return rc;
	if (k) {
		uint64_t t = 5000;
		kinds_given++;
		s->kind = FWP_IDSRC_COMMAND;
		if ((rc = get_string(c, k, "identity.command", "run", 1, &s->command)) < 0 ||
		    (rc = get_uint(c, k, "identity.command", "timeout_ms", 1, COMMAND_MAX_MS, &t)) < 0)
			return rc;
		s->timeout_ms = (unsigned)t;
	}
	if (kinds_given != 1)
		return fail(c, "identity", "give exactly one of counter, csv or command");
	return FWP_OK;
}

static int parse_root(struct ctx *c, const cJSON *root, struct fwp_recipe *r)
{
	const cJSON *steps, *e;
	uint64_t version = 0;
	int rc, uses_identity = 0;
	char p[JPATH_MAX];

	if (!cJSON_IsObject(root))
		return fail(c, "", "expected an object, found %s", fwp_jsonloc_type_name(root));
	if ((rc = fwp_jsonloc_check_keys(&c->d, c->err, root, "", root_keys)) < 0)
		return rc;
	if (!cJSON_GetObjectItemCaseSensitive(root, "recipe_version"))
		return fail(c, "", "missing required key \"recipe_version\"");
	if ((rc = get_uint(c, root, "", "recipe_version", 0, UINT32_MAX, &version)) < 0)
		return rc;
	if (version != FWP_RECIPE_VERSION)
		return fail(c, "recipe_version", "version %llu is not supported (this fwpack reads %d)",
			    (unsigned long long)version, FWP_RECIPE_VERSION);
	if ((rc = get_string(c, root, "", "description", 0, &r->description)) < 0 ||
	    (rc = get_string(c, root, "", "manifest", 1, &r->manifest_path)) < 0 ||
	    (rc = get_string(c, root, "", "build_dir", 0, &r->build_dir)) < 0 ||
	    (rc = get_string(c, root, "", "station", 0, &r->station)) < 0 ||
	    (rc = get_string(c, root, "", "record", 0, &r->record)) < 0 ||
	    (rc = get_string(c, root, "", "provisioning_key", 0, &r->provisioning_key)) < 0)
		return rc;
	if ((rc = parse_board(c, root, r)) < 0 || (rc = parse_identity(c, root, r)) < 0)
		return rc;
	if ((rc = get(c, root, "", "steps", 1, &steps)) < 0)
		return rc;
	if (!cJSON_IsArray(steps) || !cJSON_GetArraySize(steps))
		return fail(c, "steps", "expected a non-empty array of steps");
	r->nsteps = (size_t)cJSON_GetArraySize(steps);
	if (r->nsteps > MAX_STEPS)
		return fail(c, "steps", "more than %d steps", MAX_STEPS);
	if (!(r->steps = calloc(r->nsteps, sizeof(*r->steps))))
		return fwp_fail(c->err, FWP_ERR_NOMEM, "out of memory");
	size_t i = 0;
	cJSON_ArrayForEach(e, steps)
	{
		snprintf(p, sizeof(p), "steps[%zu]", i);
		if ((rc = parse_step(c, e, p, &r->steps[i++], &uses_identity)) < 0)
			return rc;
	}
	if (uses_identity && !r->has_identity)
		return fail(c, "", "a step uses {identity} but the recipe names no \"identity\" source");
	int provisions = 0;
	for (i = 0; i < r->nsteps; i++) {
		if (r->steps[i].kind != FWP_STEP_PROVISION)
			continue;
		provisions = 1;
		if (!r->provisioning_key)
			return fail(c, r->steps[i].path,
				    "provision: the recipe names no \"provisioning_key\" (the key "
				    "that signs each board's record: never the release key)");
	}
	if (r->provisioning_key && !provisions)
		return fail(c, "provisioning_key", "no step provisions a board with it");
	if (!uses_identity && r->has_identity)
		return fail(c, "identity",
			    "no step writes or expects {identity}: a value handed out but never "
			    "written would be lost");
	return FWP_OK;
}

int fwp_recipe_parse(const char *path, const char *text, size_t len, struct fwp_recipe *r,
		     struct fwp_err *err)
{
	cJSON *root = NULL;
	memset(r, 0, sizeof(*r));
	r->path = strdup(path);
	r->text = malloc(len + 1);
	if (!r->path || !r->text) {
		fwp_recipe_free(r);
		return fwp_fail(err, FWP_ERR_NOMEM, "out of memory");
	}
	memcpy(r->text, text, len);
	r->text[len] = '\0';
	r->text_len = len;
	struct ctx c = {{r->path, r->text, r->text_len}, err};
	int rc = fwp_jsonloc_parse(&c.d, "recipe", &root, err);
	if (rc == FWP_OK)
		rc = parse_root(&c, root, r);
	cJSON_Delete(root);
	if (rc < 0)
		fwp_recipe_free(r);
	return rc;
}

/* ---- checks against the manifest and the board ---- */

static long find_image(const struct fwp_manifest *m, const char *name)
{
	for (size_t i = 0; i < m->nimages; i++)
		if (strcmp(m->images[i].name, name) == 0)
			return (long)i;
	return -1;
}

static int check_images(struct ctx *c, struct fwp_recipe_step *s, const struct fwp_manifest *m)
{
	char p[JPATH_MAX];
	if (s->factory_name) {
		for (size_t i = 0; i < m->nfactories; i++)
			if (strcmp(m->factories[i].name, s->factory_name) == 0)
				s->factory = (long)i;
		join(p, s->path, "factory");
		if (s->factory < 0)
			return fail(c, p, "the manifest %s has no factory image \"%s\"", m->path,
				    s->factory_name);
		return FWP_OK;
	}
	if (!(s->images = calloc(s->nimages, sizeof(*s->images))))
		return fwp_fail(c->err, FWP_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < s->nimages; i++) {
		long k = find_image(m, s->image_names[i]);
		const struct fwp_image_spec *im;
		snprintf(p, sizeof(p), "%s.images[%zu]", s->path, i);
		if (k < 0) {
			char list[256] = "";
			for (size_t j = 0; j < m->nimages; j++)
				snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
					 j ? ", " : "", m->images[j].name);
			return fail(c, p, "the manifest %s has no image \"%s\" (it has: %s)", m->path,
				    s->image_names[i], list);
		}
		s->images[i] = (size_t)k;
		im = &m->images[k];
		if (s->kind == FWP_STEP_WRITE && im->type == FWP_IMAGE_TYPE_BOOTLOADER)
			return fail(c, p,
				    "the fwpack Loader cannot write the Bootloader \"%s\" (nothing "
				    "updates slot 0 but the ROM: use dfuse_write)",
				    im->name);
		if (s->kind == FWP_STEP_WRITE && im->format != FWP_FORMAT_FWPACK)
			return fail(c, p,
				    "the fwpack Loader takes signed fwpack images only; \"%s\" is in "
				    "the %s format",
				    im->name, fwp_format_name(im->format));
	}
	return FWP_OK;
}

int fwp_recipe_check(struct fwp_recipe *r, const struct fwp_manifest *m, struct fwp_err *err)
{
	struct ctx c = {{r->path, r->text, r->text_len}, err};
	char p[JPATH_MAX];
	int rc;
	/* Where the board is, step by step: its ROM, nothing (left the ROM,
	 * no Loader yet), the fwpack Loader, the Application. */
	enum { AT_ROM, AT_NOTHING, AT_LOADER, AT_APP } at;
	static const char *const at_name[] = {"the DfuSe ROM", "no bootloader (after dfuse_leave)",
					      "the fwpack Loader", "the Application (after boot)"};

	at = r->nsteps && r->steps[0].kind <= FWP_STEP_DFUSE_LEAVE ? AT_ROM : AT_LOADER;
	for (size_t i = 0; i < r->nsteps; i++) {
		struct fwp_recipe_step *s = &r->steps[i];
		const char *name = fwp_step_name(s->kind);
		join(p, s->path, "do");
		if (s->kind <= FWP_STEP_DFUSE_LEAVE && !r->rom_dfuse)
			return fail(&c, p,
				    "%s: the board cannot do this: its \"rom\" is \"none\" (no DfuSe "
				    "bootloader)",
				    name);
		if (s->kind <= FWP_STEP_DFUSE_LEAVE && at != AT_ROM)
			return fail(&c, p, "%s: the board runs %s here, not its DfuSe ROM", name,
				    at_name[at]);
		if (kinds[s->kind].loader && !(r->loader_over & s->over)) {
			join(p, s->path, "over");
			return fail(&c, p,
				    "%s over %s: the board cannot do this: its Loader speaks only %s "
				    "(board.loader)",
				    name, s->over == FWP_OVER_DFU ? "dfu" : "serial",
				    r->loader_over == FWP_OVER_DFU ? "dfu" : "serial");
		}
		switch (s->kind) {
		case FWP_STEP_DFUSE_WRITE:
		case FWP_STEP_WRITE:
			if ((rc = check_images(&c, s, m)) < 0)
				return rc;
			break;
		case FWP_STEP_WAIT_LOADER:
			if (at == AT_ROM)
				return fail(&c, p,
					    "wait_loader: the board still runs its DfuSe ROM "
					    "(dfuse_leave first)");
			if (at == AT_APP && !s->enter) {
				return fail(&c, s->path,
					    "wait_loader after boot: the Application must be told "
					    "to enter the Loader (\"enter\": \"reset\", \"1200\" or "
					    "\"console\")");
			}
			if (at == AT_APP && s->over != FWP_OVER_SERIAL) {
				join(p, s->path, "enter");
				return fail(&c, p, "entering the Loader from the Application "
						   "works over serial only");
			}
			at = AT_LOADER;
			break;
		case FWP_STEP_PROVISION: {
			size_t k;
			for (k = 0; k < m->nslots; k++)
				if (strcmp(m->slots[k].name, s->slot_name) == 0)
					break;
			join(p, s->path, "slot");
			if (k == m->nslots)
				return fail(&c, p,
					    "the manifest %s has no slot \"%s\" for the "
					    "provisioning record",
					    m->path, s->slot_name);
			for (size_t j = 0; j < m->nimages; j++)
				if (m->images[j].slot == k)
					return fail(&c, p,
						    "slot \"%s\" holds the image \"%s\": the "
						    "provisioning record needs a slot of its own",
						    s->slot_name, m->images[j].name);
			s->slot = k;
			break;
		}
		case FWP_STEP_EXPECT:
			if (!r->console)
				return fail(&c, p,
					    "expect: the board cannot do this: it has no console "
					    "(board.console is false)");
			if (at != AT_APP)
				return fail(&c, p, "expect: the board runs %s here (boot first)",
					    at_name[at]);
			break;
		default:
			break;
		}
		if (kinds[s->kind].loader && s->kind != FWP_STEP_WAIT_LOADER && at != AT_LOADER)
			return fail(&c, p, "%s: the board runs %s here, not the fwpack Loader%s",
				    name, at_name[at],
				    at == AT_NOTHING ? " (wait_loader first)" : "");
		if (s->kind == FWP_STEP_DFUSE_LEAVE)
			at = AT_NOTHING;
		if (s->kind == FWP_STEP_BOOT)
			at = AT_APP;
	}
	return FWP_OK;
}

int fwp_recipe_load(const char *path, struct fwp_recipe *r, struct fwp_manifest *m,
		    struct fwp_err *err)
{
	struct fwp_buf b = {0};
	char *mpath = NULL;
	memset(m, 0, sizeof(*m));
	memset(r, 0, sizeof(*r));
	int rc = fwp_file_read(path, RECIPE_MAX_BYTES, &b, err);
	if (rc == FWP_OK)
		rc = fwp_recipe_parse(path, (const char *)b.data, b.len, r, err);
	fwp_buf_free(&b);
	if (rc < 0)
		return rc;
	/* Paths in the recipe are relative to the recipe, as the manifest's are to it. */
	char **rel[] = {&r->manifest_path, &r->build_dir, &r->identity.csv_path,
			&r->provisioning_key};
	for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
		if (!*rel[i])
			continue;
		char *abs = fwp_path_relative_to(path, *rel[i]);
		if (!abs) {
			fwp_recipe_free(r);
			return fwp_fail(err, FWP_ERR_NOMEM, "out of memory");
		}
		free(*rel[i]);
		*rel[i] = abs;
	}
	if (!r->build_dir && !(r->build_dir = fwp_path_relative_to(path, "."))) {
		fwp_recipe_free(r);
		return fwp_fail(err, FWP_ERR_NOMEM, "out of memory");
	}
	mpath = r->manifest_path;
	rc = fwp_manifest_load(mpath, m, err);
	if (rc == FWP_OK)
		rc = fwp_recipe_check(r, m, err);
	if (rc == FWP_OK && r->has_identity && r->identity.kind == FWP_IDSRC_CSV) {
		rc = fwp_csvlist_load(r->identity.csv_path, r->identity.csv_column,
				      &r->identity.values, &r->identity.nvalues, err);
	}
	if (rc < 0) {
		fwp_manifest_free(m);
		fwp_recipe_free(r);
	}
	return rc;
}

void fwp_recipe_free(struct fwp_recipe *r)
{
	for (size_t i = 0; r->steps && i < r->nsteps; i++) {
		struct fwp_recipe_step *s = &r->steps[i];
		for (size_t k = 0; s->image_names && k < s->nimages; k++)
			free(s->image_names[k]);
		free(s->image_names);
		free(s->images);
		free(s->factory_name);
		free(s->slot_name);
		for (size_t k = 0; s->fields && k < s->nfields; k++) {
			free(s->fields[k].name);
			free(s->fields[k].value);
		}
		free(s->fields);
		free(s->line);
		free(s->enter);
	}
	free(r->steps);
	fwp_idsrc_free(&r->identity);
	free(r->path);
	free(r->text);
	free(r->description);
	free(r->manifest_path);
	free(r->build_dir);
	free(r->station);
	free(r->record);
	free(r->provisioning_key);
	memset(r, 0, sizeof(*r));
}

/* `fwpack run --dry-run`: a recipe's plan in words (see recipe.h). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "recipe.h"
#include "util.h"

static const char *carrier(unsigned over)
{
	return over == FWP_OVER_DFU ? "USB DFU" : "serial";
}

/* An image's file as `fwpack build` writes it, and its SHA-256 if it is there. */
static void image_file(const struct fwp_recipe *r, const char *name, FILE *out)
{
	struct fwp_buf b = {0};
	struct fwp_err err;
	char *path = malloc(strlen(r->build_dir) + strlen(name) + 6);
	if (!path)
		return;
	sprintf(path, "%s/%s.bin", r->build_dir, name);
	if (fwp_file_read(path, 0, &b, &err) == FWP_OK) {
		uint8_t d[32];
		char hex[65];
		struct fwp_iov iov = {b.data, b.len};
		if (fwp_sha256(&iov, 1, d, &err) == FWP_OK) {
			fwp_hex(d, 32, hex);
			fprintf(out, "         file %s, %zu bytes, sha256 %s\n", path, b.len, hex);
		}
		fwp_buf_free(&b);
	} else {
		fprintf(out, "         file %s (not built yet: fwpack build)\n", path);
	}
	free(path);
}

static void images(const struct fwp_recipe *r, const struct fwp_recipe_step *s,
		   const struct fwp_manifest *m, FILE *out)
{
	if (s->factory >= 0) {
		const struct fwp_factory *f = &m->factories[s->factory];
		fprintf(out, " the factory image \"%s\" (", f->name);
		for (size_t i = 0; i < f->nimages; i++)
			fprintf(out, "%s%s", i ? ", " : "", m->images[f->images[i]].name);
		fprintf(out, ")\n");
		image_file(r, f->name, out);
		return;
	}
	fprintf(out, "\n");
	for (size_t i = 0; i < s->nimages; i++) {
		const struct fwp_image_spec *im = &m->images[s->images[i]];
		const struct fwp_slot *sl = &m->slots[im->slot];
		fprintf(out, "       %s (%s %u.%u.%u) to slot %s at 0x%08" PRIx32 "\n",
			im->name, fwp_image_type_name(im->type), im->version.major,
			im->version.minor, im->version.patch, sl->name, sl->addr);
		image_file(r, im->name, out);
	}
}

void fwp_recipe_print_plan(const struct fwp_recipe *r, const struct fwp_manifest *m,
			   const char *record, FILE *out)
{
	const struct fwp_idsrc *id = &r->identity;
	fprintf(out, "recipe %s%s%s\n", r->path, r->description ? ": " : "",
		r->description ? r->description : "");
	fprintf(out, "manifest %s\n", m->path);
	fprintf(out, "record %s, station %s\n", record, r->station ? r->station : "(host name)");
	fprintf(out, "board: %s; fwpack Loader over %s%s%s; %s\n",
		r->rom_dfuse ? "DfuSe ROM bootloader" : "no ROM bootloader",
		r->loader_over & FWP_OVER_SERIAL ? "serial" : "",
		r->loader_over == (FWP_OVER_SERIAL | FWP_OVER_DFU) ? " and " : "",
		r->loader_over & FWP_OVER_DFU ? "USB DFU" : "",
		r->console ? "console on the serial port" : "no console");
	if (!r->has_identity) {
		fprintf(out, "identity: none\n");
	} else if (id->kind == FWP_IDSRC_COUNTER) {
		char first[FWP_IDENTITY_MAX] = "?", last[FWP_IDENTITY_MAX] = "?";
		fwp_idformat_render(id->format, id->start, first, NULL);
		fwp_idformat_render(id->format, id->end, last, NULL);
		fprintf(out, "identity: pool \"%s\", counter \"%s\": %s .. %s\n", id->pool,
			id->format, first, last);
	} else if (id->kind == FWP_IDSRC_CSV) {
		fprintf(out, "identity: pool \"%s\", CSV list %s (column %s): %zu values\n", id->pool,
			id->csv_path, id->csv_column ? id->csv_column : "1", id->nvalues);
	} else {
		fprintf(out, "identity: pool \"%s\", output of \"%s\" (at most %u ms)\n", id->pool,
			id->command, id->timeout_ms);
	}
	if (r->provisioning_key)
		fprintf(out, "provisioning key %s (signs each board's record; security counter: "
			     "the run's number in the record)\n",
			r->provisioning_key);
	fprintf(out, "for each board:\n");
	int learns = 0;
	for (size_t i = 0; i < r->nsteps; i++)
		learns |= r->steps[i].kind >= FWP_STEP_WAIT_LOADER &&
			  r->steps[i].kind <= FWP_STEP_BOOT && r->steps[i].over == FWP_OVER_SERIAL;
	if (learns)
		fprintf(out, "   -  recorded under its USB serial number or port until the Loader "
			     "reports its unique ID, then under that ID%s\n",
			r->has_identity ? "; the record then allocates its identity (the one it "
					  "had, if it was here before)"
					: "");
	else if (r->has_identity)
		fprintf(out, "   0. the record allocates its identity (the one it had, if it was "
			     "here before)\n");
	for (size_t i = 0; i < r->nsteps; i++) {
		const struct fwp_recipe_step *s = &r->steps[i];
		fprintf(out, "  %2zu. %s", i + 1, fwp_step_name(s->kind));
		switch (s->kind) {
		case FWP_STEP_DFUSE_MASS_ERASE:
			fprintf(out, ": the ROM erases all flash (at most %u ms)\n", s->timeout_ms);
			break;
		case FWP_STEP_DFUSE_WRITE:
			fprintf(out, " through the ROM:");
			images(r, s, m, out);
			break;
		case FWP_STEP_DFUSE_LEAVE:
			fprintf(out, ": the ROM resets the chip into its flash\n");
			break;
		case FWP_STEP_WAIT_LOADER:
			if (s->enter)
				fprintf(out, ": enter the Loader (%s), then", s->enter);
			fprintf(out, " until the fwpack Loader answers over %s (at most %u ms)\n",
				carrier(s->over), s->timeout_ms);
			break;
		case FWP_STEP_WRITE:
			fprintf(out, " over %s:", carrier(s->over));
			images(r, s, m, out);
			break;
		case FWP_STEP_PROVISION:
			fprintf(out, " over %s: the provisioning record, bound to the board's unique "
				     "ID, to slot %s at 0x%08" PRIx32 ":\n",
				carrier(s->over), m->slots[s->slot].name, m->slots[s->slot].addr);
			for (size_t k = 0; k < s->nfields; k++)
				fprintf(out, "       %s = \"%s\"\n", s->fields[k].name,
					s->fields[k].value);
			break;
		case FWP_STEP_BOOT:
			fprintf(out, " over %s: the Loader starts the Application\n",
				carrier(s->over));
			break;
		case FWP_STEP_EXPECT:
			fprintf(out, ": the console prints \"%s\" within %u ms\n", s->line,
				s->timeout_ms);
			break;
		}
	}
	fprintf(out, "then the record holds the run: each step's result, duration and bytes, "
		     "each image's SHA-256%s\n",
		r->has_identity ? ", the identity (used, or abandoned if never written)" : "");
}

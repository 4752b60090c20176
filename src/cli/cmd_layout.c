/*
 * fwpack layout: a manifest's memory map for people. One model (each
 * region cut into its slots and the gaps between them, with the sectors
 * each covers and, given the build's output directory, the image in it)
 * and two drawings of it: text for a terminal, SVG for a document.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "manifest.h"
#include "slotimage.h"
#include "util.h"

struct lay_image {
	const struct fwp_image_spec *spec;
	int found;           /* DIR/NAME.bin was read */
	int parsed;          /* ... and is an fwpack image */
	char why[160];       /* why not, for the reader */
	size_t file_size;
	struct fwp_image_header hdr;
};

struct lay_row {
	const char *name; /* NULL: no slot here */
	uint32_t addr;
	uint64_t size;
	long first_sector, last_sector; /* -1: the region lists no sectors */
	int starts_on_sector, ends_on_sector;
	struct lay_image *images;
	size_t nimages;
};

struct lay_region {
	const struct fwp_region *r;
	uint32_t nsectors;
	struct lay_row *rows;
	size_t nrows;
};

struct layout {
	const struct fwp_manifest *m;
	struct lay_region *regions;
};

/* The sector holding addr (index from the region's start), and whether addr starts it. */
static long sector_at(const struct fwp_region *r, uint64_t addr, int *on_boundary)
{
	uint64_t a = r->addr;
	long idx = 0;
	*on_boundary = 0;
	for (size_t i = 0; i < r->nsector_runs; i++) {
		for (uint32_t k = 0; k < r->sectors[i].count; k++, idx++) {
			if (addr >= a && addr < a + r->sectors[i].size) {
				*on_boundary = addr == a;
				return idx;
			}
			a += r->sectors[i].size;
		}
	}
	*on_boundary = addr == a;
	return r->nsector_runs ? idx : -1;
}

static void lay_image_read(struct lay_image *li, const char *dir)
{
	struct fwp_buf data = {0};
	struct fwp_err err;
	struct fwp_image_info info;
	char *path;
	if (!dir || asprintf(&path, "%s/%s.bin", dir, li->spec->name) < 0)
		return;
	fwp_err_clear(&err);
	if (fwp_file_read(path, FWP_IMAGE_FILE_MAX, &data, &err) < 0) {
		snprintf(li->why, sizeof(li->why), "%s", err.msg);
	} else {
		li->found = 1;
		li->file_size = data.len;
		if (li->spec->format != FWP_FORMAT_FWPACK) {
			/* Raw and cookbook images: their size is all there is to show. */
		} else if (fwp_image_parse(data.data, data.len, &info, &err) < 0) {
			snprintf(li->why, sizeof(li->why), "%s: %s", path, err.msg);
		} else {
			li->parsed = 1;
			li->hdr = info.hdr;
			li->file_size = info.end;
		}
	}
	fwp_buf_free(&data);
	free(path);
}

static int add_row(struct lay_region *lr, const char *name, uint32_t addr, uint64_t size)
{
	struct lay_row *rows = realloc(lr->rows, (lr->nrows + 1) * sizeof(*rows));
	if (!rows)
		return -1;
	lr->rows = rows;
	struct lay_row *w = &rows[lr->nrows++];
	memset(w, 0, sizeof(*w));
	w->name = name;
	w->addr = addr;
	w->size = size;
	w->first_sector = sector_at(lr->r, addr, &w->starts_on_sector);
	w->last_sector = sector_at(lr->r, (uint64_t)addr + size - 1, &(int){0});
	sector_at(lr->r, (uint64_t)addr + size, &w->ends_on_sector);
	return 0;
}

/* The slots of region ri in address order, with the gaps as rows of their own. */
static int lay_region_build(struct layout *l, size_t ri, const char *dir)
{
	const struct fwp_manifest *m = l->m;
	struct lay_region *lr = &l->regions[ri];
	lr->r = &m->regions[ri];
	uint64_t at = lr->r->addr, end = lr->r->addr + lr->r->size;
	for (size_t i = 0; i < lr->r->nsector_runs; i++)
		lr->nsectors += lr->r->sectors[i].count;
	for (;;) {
		long next = -1;
		for (size_t s = 0; s < m->nslots; s++)
			if (m->slots[s].region == ri && m->slots[s].addr >= at &&
			    (next < 0 || m->slots[s].addr < m->slots[next].addr))
				next = (long)s;
		uint64_t stop = next < 0 ? end : m->slots[next].addr;
		if (stop > at && add_row(lr, NULL, (uint32_t)at, stop - at) < 0)
			return -1;
		if (next < 0)
			return 0;
		const struct fwp_slot *s = &m->slots[next];
		if (add_row(lr, s->name, s->addr, s->size) < 0)
			return -1;
		struct lay_row *w = &lr->rows[lr->nrows - 1];
		for (size_t i = 0; i < m->nimages; i++) {
			if (m->images[i].slot != (size_t)next)
				continue;
			struct lay_image *im = realloc(w->images, (w->nimages + 1) * sizeof(*im));
			if (!im)
				return -1;
			w->images = im;
			memset(&im[w->nimages], 0, sizeof(*im));
			im[w->nimages].spec = &m->images[i];
			lay_image_read(&im[w->nimages++], dir);
		}
		at = (uint64_t)s->addr + s->size;
	}
}

static void layout_free(struct layout *l)
{
	for (size_t i = 0; l->regions && i < l->m->nregions; i++) {
		for (size_t k = 0; k < l->regions[i].nrows; k++)
			free(l->regions[i].rows[k].images);
		free(l->regions[i].rows);
	}
	free(l->regions);
}

static void human(uint64_t n, char *out, size_t len)
{
	if (n >= (1u << 20) && n % (1u << 20) == 0)
		snprintf(out, len, "%llu MiB", (unsigned long long)(n >> 20));
	else if (n >= 1024 && n % 1024 == 0)
		snprintf(out, len, "%llu KiB", (unsigned long long)(n >> 10));
	else if (n >= 1024)
		snprintf(out, len, "%.1f KiB", (double)n / 1024);
	else
		snprintf(out, len, "%llu B", (unsigned long long)n);
}

static void sectors_str(const struct lay_row *w, char *out, size_t len)
{
	if (w->first_sector < 0)
		snprintf(out, len, "%s", "");
	else if (w->first_sector == w->last_sector)
		snprintf(out, len, "sector %ld", w->first_sector);
	else
		snprintf(out, len, "sectors %ld-%ld", w->first_sector, w->last_sector);
	if (w->first_sector >= 0 && (!w->starts_on_sector || !w->ends_on_sector))
		snprintf(out + strlen(out), len - strlen(out), " (%s)",
			 !w->starts_on_sector && !w->ends_on_sector ? "shares both end sectors"
			 : !w->starts_on_sector			   ? "shares its first sector"
								   : "shares its last sector");
}

#define BOX_W 58

static void text_line(FILE *o, const char *left, const char *right)
{
	int pad = BOX_W - 2 - (int)strlen(left) - (int)strlen(right);
	fprintf(o, "             | %s%*s%s |\n", left, pad > 1 ? pad : 1, "", right);
}

static void draw_text(const struct layout *l, FILE *o)
{
	char a[32], b[64], line[160];
	for (size_t ri = 0; ri < l->m->nregions; ri++) {
		const struct lay_region *lr = &l->regions[ri];
		human(lr->r->size, a, sizeof(a));
		fprintf(o, "%sregion %s: 0x%08x-0x%08llx, %s", ri ? "\n" : "", lr->r->name,
			lr->r->addr, (unsigned long long)(lr->r->addr + lr->r->size - 1), a);
		if (lr->nsectors) {
			fprintf(o, ", %u sectors:", lr->nsectors);
			for (size_t i = 0; i < lr->r->nsector_runs; i++) {
				human(lr->r->sectors[i].size, a, sizeof(a));
				fprintf(o, "%s %u x %s", i ? "," : "", lr->r->sectors[i].count, a);
			}
		}
		fprintf(o, "\n\n");
		for (size_t k = 0; k < lr->nrows; k++) {
			const struct lay_row *w = &lr->rows[k];
			fprintf(o, "  0x%08x +%.*s+\n", w->addr, BOX_W,
				"----------------------------------------------------------------");
			human(w->size, a, sizeof(a));
			sectors_str(w, b, sizeof(b));
			snprintf(line, sizeof(line), "%s  %s", w->name ? w->name : "(no slot)", a);
			text_line(o, line, b);
			for (size_t i = 0; i < w->nimages; i++) {
				const struct lay_image *im = &w->images[i];
				snprintf(line, sizeof(line), "image %s (%s)", im->spec->name,
					 fwp_image_type_name(im->spec->type));
				text_line(o, line, "");
				if (!im->found) {
					if (im->why[0])
						text_line(o, "  (not built)", "");
					continue;
				}
				human(im->file_size, a, sizeof(a));
				if (im->parsed)
					snprintf(line, sizeof(line), "  %s, header 0x%x, VTOR 0x%08x", a,
						 im->hdr.hdr_size, im->hdr.vector_addr);
				else if (im->why[0])
					snprintf(line, sizeof(line), "  %s, not a valid fwpack image", a);
				else
					snprintf(line, sizeof(line), "  %s, %s format", a,
						 fwp_format_name(im->spec->format));
				text_line(o, line, "");
				int pct = (int)((uint64_t)im->file_size * 100 / (w->size ? w->size : 1));
				int fill = pct > 100 ? 20 : pct * 20 / 100;
				human(w->size > im->file_size ? w->size - im->file_size : 0, a, sizeof(a));
				snprintf(line, sizeof(line), "  [%.*s%*s] %d%% used, %s free", fill,
					 "####################", 20 - fill, "", pct, a);
				text_line(o, line, "");
			}
		}
		fprintf(o, "  0x%08llx +%.*s+\n", (unsigned long long)(lr->r->addr + lr->r->size),
			BOX_W, "----------------------------------------------------------------");
	}
}

static void xml_text(FILE *o, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", o); break;
		case '>': fputs("&gt;", o); break;
		case '&': fputs("&amp;", o); break;
		case '"': fputs("&quot;", o); break;
		default: fputc(*s, o);
		}
	}
}

#define SVG_COL_W 360
#define SVG_ROW_MIN 44
#define SVG_REGION_H 520

/* Row heights: proportional to size within a region, at least SVG_ROW_MIN. */
static double row_height(const struct lay_region *lr, const struct lay_row *w)
{
	double h = (double)SVG_REGION_H * (double)w->size / (double)lr->r->size;
	return h < SVG_ROW_MIN ? SVG_ROW_MIN : h;
}

static void draw_svg(const struct layout *l, FILE *o)
{
	double height = 0;
	for (size_t ri = 0; ri < l->m->nregions; ri++) {
		double h = 0;
		for (size_t k = 0; k < l->regions[ri].nrows; k++)
			h += row_height(&l->regions[ri], &l->regions[ri].rows[k]);
		height = h > height ? h : height;
	}
	int width = (int)l->m->nregions * (SVG_COL_W + 120) + 40;
	fprintf(o, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		   "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		   "font-family=\"monospace\" font-size=\"12\">\n",
		width, (int)height + 80);
	for (size_t ri = 0; ri < l->m->nregions; ri++) {
		const struct lay_region *lr = &l->regions[ri];
		double x = 20 + (double)ri * (SVG_COL_W + 120) + 100, y = 40;
		char a[32], b[64];
		human(lr->r->size, a, sizeof(a));
		fprintf(o, "<text x=\"%.0f\" y=\"24\" font-weight=\"bold\">region ", x);
		xml_text(o, lr->r->name);
		fprintf(o, " (%s)</text>\n", a);
		for (size_t k = 0; k < lr->nrows; k++) {
			const struct lay_row *w = &lr->rows[k];
			double h = row_height(lr, w);
			fprintf(o, "<g class=\"%s\">\n", w->name ? "slot" : "gap");
			fprintf(o, "<rect x=\"%.0f\" y=\"%.1f\" width=\"%d\" height=\"%.1f\" "
				   "fill=\"%s\" stroke=\"#333\"/>\n",
				x, y, SVG_COL_W, h, w->name ? "#dde8f5" : "#f2f2f2");
			double used = 0;
			for (size_t i = 0; i < w->nimages; i++)
				if (w->images[i].found && w->images[i].file_size > used)
					used = (double)w->images[i].file_size;
			if (used > 0) {
				double fw = SVG_COL_W * (used > w->size ? 1.0 : used / (double)w->size);
				fprintf(o, "<rect x=\"%.0f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
					   "fill=\"#7aa6d6\"/>\n", x, y + h - 8, fw, 8.0);
			}
			fprintf(o, "<text x=\"%.0f\" y=\"%.1f\">0x%08x</text>\n", x - 92, y + 12, w->addr);
			human(w->size, a, sizeof(a));
			sectors_str(w, b, sizeof(b));
			fprintf(o, "<text x=\"%.0f\" y=\"%.1f\">", x + 6, y + 15);
			xml_text(o, w->name ? w->name : "(no slot)");
			fprintf(o, " %s %s</text>\n", a, b);
			for (size_t i = 0; i < w->nimages && h >= 30; i++) {
				const struct lay_image *im = &w->images[i];
				fprintf(o, "<text x=\"%.0f\" y=\"%.1f\">image ", x + 16, y + 29);
				xml_text(o, im->spec->name);
				if (im->found) {
					human(im->file_size, a, sizeof(a));
					fprintf(o, ": %s", a);
				}
				if (im->parsed)
					fprintf(o, ", VTOR 0x%08x", im->hdr.vector_addr);
				fputs("</text>\n", o);
			}
			fputs("</g>\n", o);
			y += h;
		}
		fprintf(o, "<text x=\"%.0f\" y=\"%.1f\">0x%08llx</text>\n", x - 92, y + 4,
			(unsigned long long)(lr->r->addr + lr->r->size));
	}
	fputs("</svg>\n", o);
}

struct layout_args {
	const char *images, *svg;
};

static int on_opt(const char *name, const char *arg, void *ctx)
{
	struct layout_args *a = ctx;
	if (strcmp(name, "images") == 0)
		a->images = arg;
	else if (strcmp(name, "svg") == 0)
		a->svg = arg;
	return 0;
}

static int write_svg(const struct layout *l, const char *path, struct fwp_err *err)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *o = open_memstream(&buf, &len);
	if (!o)
		return fwp_fail(err, FWP_ERR_NOMEM, "out of memory");
	draw_svg(l, o);
	if (fclose(o) != 0) {
		free(buf);
		return fwp_fail(err, FWP_ERR_NOMEM, "out of memory");
	}
	int rc = fwp_file_write_atomic(path, buf, len, 0644, err);
	free(buf);
	return rc;
}

int fwp_cmd_layout(const struct fwp_cmd *cmd, int argc, char **argv)
{
	struct layout_args a = {NULL, NULL};
	struct fwp_manifest m;
	struct layout l = {&m, NULL};
	struct fwp_err err;
	int code, rc = FWP_OK;
	int first = fwp_cli_start(cmd, argc, argv, on_opt, &a, 1, 1, "MANIFEST", &code);
	if (first < 0)
		return code;
	fwp_err_clear(&err);
	if (fwp_manifest_load(argv[first], &m, &err) < 0)
		return fwp_report(&err);
	l.regions = calloc(m.nregions ? m.nregions : 1, sizeof(*l.regions));
	if (!l.regions)
		rc = fwp_fail(&err, FWP_ERR_NOMEM, "out of memory");
	for (size_t i = 0; rc == FWP_OK && i < m.nregions; i++) {
		if (lay_region_build(&l, i, a.images) < 0)
			rc = fwp_fail(&err, FWP_ERR_NOMEM, "out of memory");
	}
	if (rc == FWP_OK) {
		draw_text(&l, stdout);
		/* An image the reader asked about but that is not there is worth a word. */
		for (size_t ri = 0; a.images && ri < m.nregions; ri++)
			for (size_t k = 0; k < l.regions[ri].nrows; k++)
				for (size_t i = 0; i < l.regions[ri].rows[k].nimages; i++)
					if (l.regions[ri].rows[k].images[i].why[0])
						fprintf(stderr, "fwpack: note: %s\n",
							l.regions[ri].rows[k].images[i].why);
	}
	if (rc == FWP_OK && a.svg)
		rc = write_svg(&l, a.svg, &err);
	layout_free(&l);
	fwp_manifest_free(&m);
	return rc < 0 ? fwp_report(&err) : FWP_EXIT_OK;
}

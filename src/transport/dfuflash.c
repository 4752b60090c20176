/* The `fwpack flash --dfu` policy: which bytes go where (see dfuflash.h). */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "dfufile.h"
#include "dfuflash.h"
#include "dfuse.h"
#include "fwpack/image.h"
#include "slotimage.h"
#include "slotpolicy.h"

struct progress {
	struct fwp_dfu_flash *s;
	size_t base, total, image_size;
};

static void report(const struct fwp_dfu_flash *s, enum fwp_flash_event ev, size_t off,
		   size_t total, size_t image_size, const char *text)
{
	if (!s->opts->report)
		return;
	struct fwp_flash_report r = {ev, NULL, (uint32_t)off, (uint32_t)total, (uint32_t)image_size,
				     text};
	s->opts->report(&r, s->opts->ctx);
}

static void on_block(size_t done, void *ctx)
{
	struct progress *p = ctx;
	report(p->s, FWP_EV_PROGRESS, p->base + done, p->total, p->image_size, NULL);
}

void fwp_dfu_flash_init(struct fwp_dfu_flash *s, struct fwp_dfu_dev *dev,
			const struct fwp_dfu_flash_opts *opts)
{
	memset(s, 0, sizeof(*s));
	s->dev = dev;
	s->opts = opts;
	s->dfuse = fwp_dfu_dev_info(dev)->dfu_version == FWP_DFUSE_VERSION;
}

/* needle (lower case) at the start of a word of hay: "loader" is not in "bootloader". */
static int has_word(const char *hay, const char *needle)
{
	for (const char *h = hay; *h; h++) {
		if (h > hay && isalnum((unsigned char)h[-1]))
			continue;
		size_t i = 0;
		while (needle[i] && tolower((unsigned char)h[i]) == needle[i])
			i++;
		if (!needle[i])
			return 1;
	}
	return 0;
}

/*
 * The Loader names its alt settings after its slots ("slot 1: loader");
 * without --alt the image's type finds the one it belongs in, by the slot
 * the serial path would use (Loader 1, Application and Updater 2), else
 * by a word of the name.
 */
int fwp_dfu_flash_choose_alt(struct fwp_dfu_flash *s, const uint8_t *data, size_t len,
			     struct fwp_err *err)
{
	const struct fwp_dfu_info *in = fwp_dfu_dev_info(s->dev);
	struct fwp_image_info img;
	struct fwp_err ignored;
	if (s->opts->alt_given || in->nalts < 2 || fwp_image_parse(data, len, &img, &ignored) < 0)
		return FWP_OK;
	uint8_t type = img.hdr.image_type;
	char slot[16];
	snprintf(slot, sizeof(slot), "slot %d", fwp_slot_for_type(type));
	const char *words[3] = {slot, type == FWP_IMAGE_TYPE_LOADER ? "loader" : "app",
				type == FWP_IMAGE_TYPE_UPDATER ? "updater" : NULL};
	for (int w = 0; w < 3 && words[w] && type != FWP_IMAGE_TYPE_BOOTLOADER; w++) {
		for (unsigned i = 0; i < in->nalts; i++) {
			const char *name = in->alts[i].name, *hit = NULL;
			size_t n = strlen(words[w]);
			if (w == 0)
				hit = strncasecmp(name, slot, n) == 0 && !isdigit((unsigned char)name[n])
					      ? name
					      : NULL;
			else if (has_word(name, words[w]))
				hit = name;
			if (hit) {
				char num[8];
				snprintf(num, sizeof(num), "%u", in->alts[i].alt);
				return fwp_dfu_set_alt(s->dev, num, err);
			}
		}
	}
	return fwp_fail(err, FWP_ERR_USAGE,
			"DFU device %s: no alt setting is named for a %s image; choose one with --alt",
			fwp_dfu_dev_label(s->dev),
			type == FWP_IMAGE_TYPE_LOADER	 ? "Loader"
			: type == FWP_IMAGE_TYPE_APP	 ? "application"
			: type == FWP_IMAGE_TYPE_UPDATER ? "Updater"
							 : "bootloader");
}

/* Plain DFU: the file as it is, then manifestation (the Loader checks and commits there). */
static int plain_download(struct fwp_dfu_flash *s, const uint8_t *data, size_t len,
			  struct fwp_err *err)
{
	int rc = fwp_dfu_flash_choose_alt(s, data, len, err);
	if (rc < 0)
		return rc;
	size_t xfer = fwp_dfu_transfer_size(s->dev), done = 0;
	uint16_t block = 0;
	report(s, FWP_EV_BEGIN, 0, len, len, NULL);
	while (done < len) {
		size_t n = len - done < xfer ? len - done : xfer;
		if ((rc = fwp_dfu_dnload_block(s->dev, block++, data + done, n, err)) < 0)
			return rc;
		done += n;
		report(s, FWP_EV_PROGRESS, done, len, len, NULL);
	}
	report(s, FWP_EV_VERIFY, done, len, len, NULL);
	if ((rc = fwp_dfu_manifest(s->dev, block, err)) < 0)
		return rc;
	s->written = 1;
	report(s, FWP_EV_DONE, len, len, len, "verified and committed");
	return FWP_OK;
}

static int layout(struct fwp_dfu_flash *s, struct fwp_dfuse_layout *l, struct fwp_err *err)
{
	const struct fwp_dfu_alt *a = fwp_dfu_dev_alt(s->dev);
	int rc = fwp_dfuse_layout_parse(a->name, strlen(a->name), l, err);
	if (rc < 0) {
		char ctx[320];
		snprintf(ctx, sizeof(ctx), "DFU device %s: alt setting %u", fwp_dfu_dev_label(s->dev),
			 a->alt);
		fwp_err_prefix(err, ctx);
	}
	return rc;
}

static int dfuse_region(struct fwp_dfu_flash *s, const struct fwp_dfuse_layout *l, uint32_t addr,
			const uint8_t *data, size_t len, struct progress *p, unsigned *erased,
			struct fwp_err *err)
{
	unsigned n = 0;
	int rc = FWP_OK;
	if (len == 0)
		return FWP_OK;
	if ((uint64_t)addr + len > 0x100000000ull)
		return fwp_fail(err, FWP_ERR_RANGE, "0x%08x + %zu bytes passes 4 GiB", addr, len);
	if (!s->erased_all)
		rc = fwp_dfuse_erase_range(s->dev, l, &s->erased, addr, len, &n, err);
	*erased += n;
	if (rc == FWP_OK)
		rc = fwp_dfuse_write(s->dev, addr, data, len, on_block, p, err);
	if (rc == FWP_OK && !s->have_start) {
		s->have_start = 1;
		s->start = addr;
	}
	p->base += len;
	return rc;
}

static int dfuse_download(struct fwp_dfu_flash *s, const struct fwp_dfu_file *f,
			  struct fwp_err *err)
{
	struct fwp_dfuse_layout l;
	int rc = layout(s, &l, err);
	if (rc < 0)
		return rc;
	uint8_t alt = fwp_dfu_dev_alt(s->dev)->alt;
	struct progress p = {s, 0, 0, 0};
	unsigned erased = 0;
	if (f->dfuse) {
		for (size_t i = 0; i < f->nelements; i++)
			if (f->elements[i].alt == alt)
				p.total += f->elements[i].size;
		if (p.total == 0)
			return fwp_fail(err, FWP_ERR_USAGE,
					"the DfuSe file has no data for alt setting %u", alt);
	} else {
		p.total = f->payload_len;
	}
	p.image_size = p.total;
	uint32_t addr = 0;
	if (!f->dfuse) {
		struct fwp_image_info img;
		struct fwp_err ignored;
		int fwpack = fwp_image_parse(f->payload, f->payload_len, &img, &ignored) == FWP_OK &&
			     img.hdr.load_addr >= img.hdr.hdr_size;
		if (s->opts->address >= 0)
			addr = (uint32_t)s->opts->address;
		else if (fwpack)
			addr = img.hdr.load_addr - img.hdr.hdr_size;
		else
			return fwp_fail(err, FWP_ERR_USAGE,
					"not an fwpack image and no DfuSe file: give --address");
		/*
		 * An fwpack image starts with its header, not a vector table: the
		 * device must start where it boots, at its flash base, where the
		 * fwpack Bootloader checks the image before running it.
		 */
		if (fwpack && !s->have_start) {
			s->have_start = 1;
			s->start = l.regions[0].start;
		}
	}
	if (s->opts->mass_erase && !s->erased_all) {
		if ((rc = fwp_dfuse_mass_erase(s->dev, err)) < 0)
			return rc;
		s->erased_all = 1;
	}
	report(s, FWP_EV_BEGIN, 0, p.total, p.total, NULL);
	if (!f->dfuse) {
		rc = dfuse_region(s, &l, addr, f->payload, f->payload_len, &p, &erased, err);
	} else {
		for (size_t i = 0; rc == FWP_OK && i < f->nelements; i++)
			if (f->elements[i].alt == alt)
				rc = dfuse_region(s, &l, f->elements[i].addr, f->elements[i].data,
						  f->elements[i].size, &p, &erased, err);
	}
	if (rc < 0)
		return rc;
	char text[64];
	if (s->erased_all)
		snprintf(text, sizeof(text), "the whole flash was mass-erased first");
	else
		snprintf(text, sizeof(text), "%u sector%s erased", erased, erased == 1 ? "" : "s");
	report(s, FWP_EV_DONE, p.total, p.total, p.total, text);
	return FWP_OK;
}

int fwp_dfu_flash_file(struct fwp_dfu_flash *s, const uint8_t *data, size_t len,
		       struct fwp_err *err)
{
	struct fwp_dfu_file f;
	const struct fwp_dfu_info *in = fwp_dfu_dev_info(s->dev);
	int rc = fwp_dfu_file_parse(data, len, &f, err);
	if (rc == FWP_OK && f.has_suffix &&
	    ((f.vid != 0xffff && f.vid != in->vid) || (f.pid != 0xffff && f.pid != in->pid)))
		rc = fwp_fail(err, FWP_ERR_USAGE, "the file is for %04x:%04x, the device is %s", f.vid,
			      f.pid, fwp_dfu_dev_label(s->dev));
	if (rc == FWP_OK && f.payload_len == 0)
		rc = fwp_fail(err, FWP_ERR_FORMAT, "nothing to write");
	if (rc == FWP_OK && s->dfuse)
		rc = dfuse_download(s, &f, err);
	else if (rc == FWP_OK && f.dfuse)
		rc = fwp_fail(err, FWP_ERR_UNSUPPORTED,
			      "a DfuSe file, but DFU device %s speaks plain DFU",
			      fwp_dfu_dev_label(s->dev));
	else if (rc == FWP_OK)
		rc = plain_download(s, f.payload, f.payload_len, err);
	fwp_dfu_file_free(&f);
	return rc;
}

int fwp_dfu_flash_finish(struct fwp_dfu_flash *s, struct fwp_err *err)
{
	if (s->opts->no_leave)
		return FWP_OK;
	if (!s->dfuse)
		return s->written ? fwp_dfu_reset(s->dev, err) : FWP_OK;
	return s->have_start ? fwp_dfuse_leave(s->dev, s->start, err) : FWP_OK;
}

/*
 * fwpack flash: images to a device over serial (--port) or USB DFU (--dfu
 * or any USB selector), with the same progress for people and for scripts.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "dfu.h"
#include "dfuflash.h"
#include "dfuse.h"
#include "flasher.h"
#include "fwpack/image.h"
#include "jsonout.h"
#include "slotimage.h"
#include "util.h"

enum out_mode { OUT_TTY, OUT_LINES, OUT_JSON, OUT_QUIET };

struct flash_args {
	const char *port;
	unsigned long baud, fast_baud, timeout, retries;
	long slot, stop_after;
	int no_boot, no_compress;
	enum out_mode mode;
	int bad;
	/* USB DFU: any of these chooses it. */
	int dfu, mass_erase, unprotect;
	struct fwp_dfu_select sel;
	long long address;
};

struct progress {
	enum out_mode mode;
	const char *image;
	struct timespec t0;
	uint32_t start_off;
	int last_decile;
	int slot, erase_told;
	unsigned retries;
	const char *last_retry;
	int bar_open; /* a progress bar line waits for its newline */
};

static double seconds_since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static int on_opt(const char *name, const char *arg, void *ctx)
{
	struct flash_args *a = ctx;
	unsigned long v = 0;
	if (!strcmp(name, "port")) {
		a->port = arg;
	} else if (!strcmp(name, "baud")) {
		if (fwp_parse_ulong(arg, 16000000, &a->baud) || a->baud == 0)
			a->bad = 1;
	} else if (!strcmp(name, "fast-baud")) {
		if (fwp_parse_ulong(arg, 16000000, &a->fast_baud) || a->fast_baud == 0)
			a->bad = 1;
	} else if (!strcmp(name, "slot")) {
		if (fwp_parse_ulong(arg, 255, &v))
			a->bad = 1;
		a->slot = (long)v;
	} else if (!strcmp(name, "no-boot")) {
		a->no_boot = 1;
	} else if (!strcmp(name, "no-compress")) {
		a->no_compress = 1;
	} else if (!strcmp(name, "json")) {
		a->mode = OUT_JSON;
	} else if (!strcmp(name, "quiet")) {
		if (a->mode != OUT_JSON)
			a->mode = OUT_QUIET;
	} else if (!strcmp(name, "timeout")) {
		if (fwp_parse_ulong(arg, 600000, &a->timeout) || a->timeout == 0)
			a->bad = 1;
	} else if (!strcmp(name, "retries")) {
		if (fwp_parse_ulong(arg, 1000, &a->retries) || a->retries == 0)
			a->bad = 1;
	} else if (!strcmp(name, "dfu")) {
		a->dfu = 1;
	} else if (!strcmp(name, "device")) {
		unsigned vid, pid;
		char extra;
		if (sscanf(arg, "%x:%x%c", &vid, &pid, &extra) != 2 || vid > 0xffff || pid > 0xffff)
			a->bad = 1;
		a->sel.vid = vid;
		a->sel.pid = pid;
		a->dfu = 1;
	} else if (!strcmp(name, "serial")) {
		a->sel.serial = arg;
		a->dfu = 1;
	} else if (!strcmp(name, "path")) {
		a->sel.path = arg;
		a->dfu = 1;
	} else if (!strcmp(name, "alt")) {
		a->sel.alt = arg;
		a->dfu = 1;
	} else if (!strcmp(name, "address")) {
		if (fwp_parse_ulong(arg, 0xffffffffu, &v))
			a->bad = 1;
		a->address = (long long)v;
		a->dfu = 1;
	} else if (!strcmp(name, "mass-erase")) {
		a->mass_erase = a->dfu = 1;
	} else if (!strcmp(name, "unprotect")) {
		a->unprotect = a->dfu = 1;
	} else if (!strcmp(name, "stop-after")) {
		if (fwp_parse_ulong(arg, 0x7FFFFFFF, &v))
			a->bad = 1;
		a->stop_after = (long)v;
	}
	if (a->bad) {
		fprintf(stderr, "fwpack flash: --%s: '%s' is not a valid value\n", name, arg);
		return -1;
	}
	return 0;
}


static cJSON *event(const char *name)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "event", name);
	return o;
}

static void on_report(const struct fwp_flash_report *r, void *ctx)
{
	struct progress *p = ctx;
	const struct fwp_device_info *d = r->info;
	double t = seconds_since(&p->t0);
	double rate = t > 0 ? (double)(r->offset - p->start_off) / t : 0;
	if (p->mode == OUT_JSON) {
		cJSON *o;
		switch (r->ev) {
		case FWP_EV_CONNECT:
			o = event("connect");
			cJSON_AddStringToObject(o, "board", d->board);
			cJSON_AddStringToObject(o, "role",
						d->role == FWP_ROLE_UPDATER ? "updater" : "loader");
			cJSON_AddNumberToObject(o, "protocol", d->version);
			cJSON_AddNumberToObject(o, "max_packet", d->max_packet);
			cJSON_AddNumberToObject(o, "window", d->window);
			cJSON_AddItemToObject(o, "slots", fwp_json_slots(d));
			break;
		case FWP_EV_BEGIN:
			o = event("begin");
			cJSON_AddStringToObject(o, "image", p->image);
			cJSON_AddNumberToObject(o, "offset", r->offset);
			cJSON_AddNumberToObject(o, "size", r->size);
			cJSON_AddNumberToObject(o, "image_size", r->image_size);
			cJSON_AddBoolToObject(o, "compressed", r->text != NULL);
			cJSON_AddBoolToObject(o, "resumed", r->offset > 0);
			break;
		case FWP_EV_PROGRESS:
			if (!p->erase_told && p->start_off == 0) {
				/*
				 * A device erases each sector before the data reaches
				 * it: from the first confirmed block, what the target
				 * held is gone.
				 */
				p->erase_told = 1;
				cJSON *e = event("erase");
				if (p->slot >= 0)
					cJSON_AddNumberToObject(e, "slot", p->slot);
				cJSON_AddStringToObject(e, "mode", "sectors as the data arrives");
				fwp_json_line(e);
			}
			o = event("progress");
			cJSON_AddNumberToObject(o, "bytes", r->offset);
			cJSON_AddNumberToObject(o, "total", r->size);
			cJSON_AddNumberToObject(o, "bytes_per_second", (int)rate);
			break;
		case FWP_EV_RETRY:
			o = event("retry");
			cJSON_AddNumberToObject(o, "offset", r->offset);
			cJSON_AddStringToObject(o, "reason", r->text ? r->text : "");
			break;
		case FWP_EV_VERIFY:
			o = event("verify");
			break;
		default:
			o = event("done");
			cJSON_AddStringToObject(o, "image", p->image);
			cJSON_AddNumberToObject(o, "bytes", r->image_size);
			cJSON_AddNumberToObject(o, "wire_bytes", r->size - p->start_off);
			cJSON_AddNumberToObject(o, "seconds", t);
			cJSON_AddNumberToObject(o, "bytes_per_second",
						t > 0 ? (int)(r->image_size / t) : 0);
			if (r->text)
				cJSON_AddStringToObject(o, "detail", r->text);
			break;
		}
		fwp_json_line(o);
		return;
	}
	if (p->mode == OUT_QUIET)
		return;
	switch (r->ev) {
	case FWP_EV_CONNECT:
		printf("Connected: %s, fwpack %s, protocol %u, %u-byte frames, window %u\n", d->board,
		       d->role == FWP_ROLE_UPDATER ? "Updater" : "Loader", d->version,
		       d->max_packet, d->window);
		break;
	case FWP_EV_BEGIN:
		p->start_off = r->offset;
		clock_gettime(CLOCK_MONOTONIC, &p->t0);
		if (r->offset)
			printf("%s: resuming at byte %u of %u\n", p->image, r->offset, r->size);
		else if (r->text)
			printf("%s: %u bytes, %u compressed\n", p->image, r->image_size, r->size);
		else
			printf("%s: %u bytes\n", p->image, r->size);
		break;
	case FWP_EV_PROGRESS:
		if (p->mode == OUT_TTY) {
			int pct = (int)((uint64_t)r->offset * 100 / r->size), w = pct * 30 / 100;
			double eta = rate > 0 ? (double)(r->size - r->offset) / rate : 0;
			printf("\r[%.*s%*s] %3d%% %u/%u bytes %.1f KiB/s ETA %.0f s ", w,
			       "##############################", 30 - w, "", pct, r->offset, r->size,
			       rate / 1024, eta);
			p->bar_open = 1;
			fflush(stdout);
		} else {
			int decile = (int)((uint64_t)r->offset * 10 / r->size);
			if (decile > p->last_decile) {
				p->last_decile = decile;
				printf("progress: %u/%u bytes (%d%%)\n", r->offset, r->size, decile * 10);
			}
		}
		break;
	case FWP_EV_RETRY:
		/* Counted, not listed: a bad line resends thousands of frames. */
		p->retries++;
		p->last_retry = r->text;
		break;
	case FWP_EV_VERIFY:
		if (p->bar_open)
			printf("\n");
		p->bar_open = 0;
		printf("Verifying on the device (digest and signature)...\n");
		break;
	default:
		if (p->bar_open)
			printf("\n"); /* DfuSe: no verify line ended the bar */
		p->bar_open = 0;
		/* The effective rate counts image bytes, as esptool does. */
		printf("Wrote %u bytes (%u on the wire) in %.2f s (%.1f kbit/s effective); %s\n",
		       r->image_size, r->size - p->start_off, t,
		       t > 0 ? r->image_size * 8.0 / t / 1000 : 0,
		       r->text ? r->text : "verified and committed");
		if (p->retries)
			printf("(%u resends; the last because %s)\n", p->retries,
			       p->last_retry ? p->last_retry : "?");
		break;
	}
	fflush(stdout);
}

static int fail(const struct flash_args *a, struct fwp_err *err)
{
	if (a->mode == OUT_JSON) {
		cJSON *o = event("error");
		cJSON_AddStringToObject(o, "code", fwp_error_name(err->code));
		cJSON_AddNumberToObject(o, "exit", fwp_exit_code(err->code));
		cJSON_AddStringToObject(o, "message", err->msg);
		fwp_json_line(o);
	}
	return fwp_report(err);
}

/* The slot an image goes to, from its header's type. */
static int slot_for(const struct fwp_buf *img, const char *path, long forced, uint8_t *slot,
		    struct fwp_err *err)
{
	struct fwp_image_info info;
	int rc = fwp_image_parse(img->data, img->len, &info, err);
	if (rc < 0)
		return fwp_err_prefix(err, path);
	if (forced >= 0) {
		*slot = (uint8_t)forced;
		return FWP_OK;
	}
	switch (info.hdr.image_type) {
	case FWP_IMAGE_TYPE_LOADER:
		*slot = 1;
		return FWP_OK;
	case FWP_IMAGE_TYPE_APP:
	case FWP_IMAGE_TYPE_UPDATER:
		*slot = 2;
		return FWP_OK;
	default:
		return fwp_fail(err, FWP_ERR_UNSUPPORTED,
				"%s: image type %u is not updated in the field (use --slot)", path,
				info.hdr.image_type);
	}
}

static void dfu_connected(const struct flash_args *a, struct fwp_dfu_dev *d)
{
	const struct fwp_dfu_info *in = fwp_dfu_dev_info(d);
	const struct fwp_dfu_alt *alt = fwp_dfu_dev_alt(d);
	int dfuse = in->dfu_version == FWP_DFUSE_VERSION;
	if (a->mode == OUT_JSON) {
		char id[16];
		cJSON *o = event("connect");
		snprintf(id, sizeof(id), "%04x:%04x", in->vid, in->pid);
		cJSON_AddStringToObject(o, "transport", "usb-dfu");
		cJSON_AddStringToObject(o, "usb_id", id);
		cJSON_AddStringToObject(o, "serial", in->serial);
		cJSON_AddStringToObject(o, "path", in->path);
		cJSON_AddStringToObject(o, "protocol", dfuse ? "dfuse" : "dfu");
		cJSON_AddNumberToObject(o, "alt", alt->alt);
		cJSON_AddStringToObject(o, "alt_name", alt->name);
		cJSON_AddNumberToObject(o, "transfer_size", fwp_dfu_transfer_size(d));
		fwp_json_line(o);
	} else if (a->mode != OUT_QUIET) {
		char ver[8];
		fwp_dfu_version_str(in->dfu_version, ver);
		printf("Connected: USB DFU device %s, %s %s, alt %u \"%s\", %u-byte transfers\n",
		       fwp_dfu_dev_label(d), dfuse ? "DfuSe" : "DFU", ver, alt->alt, alt->name,
		       fwp_dfu_transfer_size(d));
		fflush(stdout);
	}
}

/* The USB DFU path: every file read first, then one device opened and written. */
static int flash_dfu(struct flash_args *a, int n, char **files)
{
	struct fwp_err err;
	struct fwp_dfu_ctx *ctx = NULL;
	struct fwp_dfu_dev *dev = NULL;
	struct fwp_buf *imgs = calloc((size_t)n + 1, sizeof(*imgs));
	struct progress p = {a->mode, NULL, {0, 0}, 0, 0, -1, 0, 0, NULL, 0};
	struct fwp_dfu_flash_opts fo = {a->address, a->mass_erase, a->no_boot,
					a->sel.alt != NULL, on_report, &p};
	struct fwp_dfu_flash session;
	int rc = FWP_OK;

	fwp_err_clear(&err);
	if (!imgs) {
		fwp_fail(&err, FWP_ERR_NOMEM, "out of memory");
		return fail(a, &err);
	}
	for (int i = 0; i < n && rc == FWP_OK; i++)
		rc = fwp_file_read(files[i], FWP_IMAGE_FILE_MAX, &imgs[i], &err);
	struct fwp_dfu_opts o = {(unsigned)a->timeout, 30000, 10000};
	if (rc == FWP_OK)
		rc = fwp_dfu_init(&ctx, &err);
	if (rc == FWP_OK)
		rc = fwp_dfu_open(ctx, &a->sel, &o, &dev, &err);
	if (rc == FWP_OK)
		fwp_dfu_flash_init(&session, dev, &fo);
	if (rc == FWP_OK && n > 0 && !session.dfuse)
		rc = fwp_dfu_flash_choose_alt(&session, imgs[0].data, imgs[0].len, &err);
	if (rc == FWP_OK)
		dfu_connected(a, dev);
	if (rc == FWP_OK && a->unprotect) {
		rc = fwp_dfuse_read_unprotect(dev, &err);
		if (rc == FWP_OK && a->mode != OUT_QUIET && a->mode != OUT_JSON)
			printf("Read protection removed: the device erased itself and resets\n");
		goto out;
	}
	for (int i = 0; rc == FWP_OK && i < n; i++) {
		p.image = files[i];
		p.last_decile = 0;
		p.erase_told = 0;
		clock_gettime(CLOCK_MONOTONIC, &p.t0);
		rc = fwp_dfu_flash_file(&session, imgs[i].data, imgs[i].len, &err);
		if (rc < 0)
			fwp_err_prefix(&err, files[i]);
	}
	if (rc == FWP_OK && !a->no_boot) {
		rc = fwp_dfu_flash_finish(&session, &err);
		if (rc == FWP_OK && a->mode == OUT_JSON)
			fwp_json_line(event("boot"));
		else if (rc == FWP_OK && a->mode != OUT_QUIET && session.dfuse)
			printf("Leaving DFU mode: starting the firmware at 0x%08x\n", session.start);
		else if (rc == FWP_OK && a->mode != OUT_QUIET)
			printf("Resetting the device (USB reset) into the new firmware\n");
	}
out:
	if (p.bar_open)
		printf("\n");
	fwp_dfu_close(dev);
	fwp_dfu_exit(ctx);
	for (int i = 0; i < n; i++)
		fwp_buf_free(&imgs[i]);
	free(imgs);
	return rc < 0 ? fail(a, &err) : FWP_EXIT_OK;
}

int fwp_cmd_flash(const struct fwp_cmd *cmd, int argc, char **argv)
{
	struct flash_args a = {NULL, 115200, 0, 2000, 10, -1, -1, 0, 0, OUT_LINES, 0,
			       0, 0, 0, {-1, -1, NULL, NULL, NULL}, -1};
	struct fwp_err err;
	struct fwp_serial *port = NULL;
	struct fwp_flasher *f = NULL;
	struct fwp_device_info info;
	int done, rc;

	fwp_err_clear(&err);
	if (isatty(STDOUT_FILENO))
		a.mode = OUT_TTY;
	int first = fwp_cli_parse(cmd, argc, argv, on_opt, &a, &done);
	if (first < 0)
		return FWP_EXIT_USAGE;
	if (done)
		return FWP_EXIT_OK;
	if (a.port && a.dfu)
		return fwp_cli_usage_error(cmd, "--port (serial) and the USB DFU options exclude each other");
	if (!a.port && !a.dfu)
		return fwp_cli_usage_error(cmd, "no --port (serial) or --dfu (USB) given");
	if (first == argc && !a.unprotect)
		return fwp_cli_usage_error(cmd, "no image given");
	if (a.dfu)
		return flash_dfu(&a, argc - first, argv + first);

	/* Every image is read and checked before the device is touched. */
	int n = argc - first;
	struct fwp_buf *imgs = calloc((size_t)n, sizeof(*imgs));
	uint8_t *slots = calloc((size_t)n, 1);
	if (!imgs || !slots) {
		free(imgs);
		free(slots);
		fwp_fail(&err, FWP_ERR_NOMEM, "out of memory");
		return fail(&a, &err);
	}
	for (int i = 0; i < n; i++) {
		rc = fwp_file_read(argv[first + i], FWP_IMAGE_FILE_MAX, &imgs[i], &err);
		if (rc == FWP_OK)
			rc = slot_for(&imgs[i], argv[first + i], a.slot, &slots[i], &err);
		if (rc < 0)
			goto out;
	}

	struct progress p = {a.mode, NULL, {0, 0}, 0, 0, 0, 0, 0, NULL, 0};
	clock_gettime(CLOCK_MONOTONIC, &p.t0);
	struct fwp_flasher_opts o = {(unsigned)a.timeout, (unsigned)a.retries, a.stop_after,
				     a.no_compress, on_report, &p};
	rc = fwp_serial_open(a.port, (uint32_t)a.baud, &port, &err);
	if (rc == FWP_OK)
		rc = fwp_flasher_new(port, &o, &f, &err);
	if (rc == FWP_OK)
		rc = fwp_flasher_connect(f, &info, &err);
	if (rc == FWP_OK && a.fast_baud && a.fast_baud != a.baud) {
		/* A faster line is worth having, not worth failing for. */
		struct fwp_err berr;
		fwp_err_clear(&berr);
		if (fwp_flasher_switch_baud(f, (uint32_t)a.baud, (uint32_t)a.fast_baud, &berr) < 0) {
			if (a.mode != OUT_QUIET && a.mode != OUT_JSON)
				fprintf(stderr, "fwpack: warning: %s\n", berr.msg);
		} else if (a.mode == OUT_JSON) {
			cJSON *ev = event("baud");
			cJSON_AddNumberToObject(ev, "baud", (double)a.fast_baud);
			fwp_json_line(ev);
		} else if (a.mode != OUT_QUIET) {
			printf("Switched to %lu baud\n", a.fast_baud);
		}
	}
	for (int i = 0; rc == FWP_OK && i < n; i++) {
		p.image = argv[first + i];
		p.last_decile = 0;
		p.retries = 0;
		p.slot = slots[i];
		p.erase_told = 0;
		rc = fwp_flasher_send(f, slots[i], imgs[i].data, imgs[i].len, &err);
		if (rc < 0)
			fwp_err_prefix(&err, argv[first + i]);
	}
	if (rc == FWP_OK && !a.no_boot) {
		rc = fwp_flasher_boot(f, &err);
		if (rc == FWP_OK && a.mode == OUT_JSON)
			fwp_json_line(event("boot"));
		else if (rc == FWP_OK && a.mode != OUT_QUIET)
			printf("Resetting the device into the new firmware\n");
	}
out:
	fwp_flasher_free(f);
	fwp_serial_close(port);
	for (int i = 0; i < n; i++)
		fwp_buf_free(&imgs[i]);
	free(imgs);
	free(slots);
	return rc < 0 ? fail(&a, &err) : FWP_EXIT_OK;
}

/*
 * fwpack flash: images to one board or a whole fixture, over serial ports
 * (--port, repeated or a glob) or USB DFU (--dfu, --serial, --path), or
 * both (--all: the serial ports that answer HELLO and the DFU devices).
 * This file turns the command line into targets and options; the boards
 * are flashed by fwp_flash_boards (board.h) through the transport
 * backends, and shown by a renderer (render.h).
 */
#include <glob.h>
#include <time.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "board.h"
#include "cli.h"
#include "dfu.h"
#include "enter.h"
#include "render.h"
#include "serial_scan.h"
#include "slotimage.h"
#include "slotpolicy.h"
#include "loop.h"
#include "portpath.h"
#include "transport.h"
#include "usbwatch.h"
#include "util.h"

/* --all --wait: how long one look for USB devices waits before the serial ports are probed again. */
#define FWP_ALL_USB_SLICE_MS 1000

/* Options that mean one transport: given with the other, they are refused, not ignored. */
enum { FOR_SERIAL = 1, FOR_USB = 2 };

struct flash_args {
	struct fwp_flash_opts o;
	enum fwp_render_mode mode;
	unsigned long jobs;
	int all, bad, jobs_given, loop, verbose;
	/* the first option seen for each transport, for the refusal; --all takes
	   --device for both, so usb_strict is the first USB one but --device */
	const char *serial_opt, *usb_opt, *usb_strict;
	/* every --port, --serial and --path, in order: none is dropped */
	const char **ports, **serials, **paths;
	size_t nports, nserials, npaths;
	long vid, pid;
};

static int for_transport(struct flash_args *a, const char *name)
{
	static const struct {
		const char *name;
		int which;
	} table[] = {
		{"port", FOR_SERIAL},	  {"baud", FOR_SERIAL},	       {"fast-baud", FOR_SERIAL},
		{"slot", FOR_SERIAL},	  {"no-compress", FOR_SERIAL}, {"retries", FOR_SERIAL},
		{"stop-after", FOR_SERIAL}, {"enter", FOR_SERIAL},     {"dfu", FOR_USB},
		{"device", FOR_USB},	  {"serial", FOR_USB},	       {"path", FOR_USB},
		{"alt", FOR_USB},	  {"address", FOR_USB},	       {"mass-erase", FOR_USB},
		{"unprotect", FOR_USB},
	};
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		if (strcmp(table[i].name, name))
			continue;
		if (table[i].which == FOR_SERIAL && !a->serial_opt)
			a->serial_opt = table[i].name;
		if (table[i].which == FOR_USB && !a->usb_opt)
			a->usb_opt = table[i].name;
		if (table[i].which == FOR_USB && !a->usb_strict && strcmp(name, "device"))
			a->usb_strict = table[i].name;
	}
	return 0;
}

static int on_opt(const char *name, const char *arg, void *ctx)
{
	struct flash_args *a = ctx;
	unsigned long v = 0;
	for_transport(a, name);
	if (!strcmp(name, "port")) {
		if (fwp_cli_push(&a->ports, &a->nports, arg))
			a->bad = 1;
	} else if (!strcmp(name, "baud")) {
		if (fwp_parse_ulong(arg, 16000000, &v) || v == 0)
			a->bad = 1;
		a->o.baud = (uint32_t)v;
	} else if (!strcmp(name, "fast-baud")) {
		if (fwp_parse_ulong(arg, 16000000, &v) || v == 0)
			a->bad = 1;
		a->o.fast_baud = (uint32_t)v;
	} else if (!strcmp(name, "slot")) {
		if (fwp_parse_ulong(arg, 255, &v))
			a->bad = 1;
		a->o.forced_slot = (long)v;
	} else if (!strcmp(name, "no-boot")) {
		a->o.no_boot = 1;
	} else if (!strcmp(name, "no-compress")) {
		a->o.no_compress = 1;
	} else if (!strcmp(name, "json")) {
		a->mode = FWP_RENDER_JSON;
	} else if (!strcmp(name, "quiet")) {
		if (a->mode != FWP_RENDER_JSON)
			a->mode = FWP_RENDER_QUIET;
	} else if (!strcmp(name, "timeout")) {
		if (fwp_parse_ulong(arg, 600000, &v) || v == 0)
			a->bad = 1;
		a->o.timeout_ms = (unsigned)v;
	} else if (!strcmp(name, "retries")) {
		if (fwp_parse_ulong(arg, 1000, &v) || v == 0)
			a->bad = 1;
		a->o.retries = (unsigned)v;
	} else if (!strcmp(name, "jobs")) {
		if (fwp_parse_ulong(arg, 4096, &a->jobs)) /* 0: refused below, with why */
			a->bad = 1;
		a->jobs_given = 1;
	} else if (!strcmp(name, "all")) {
		a->all = 1;
	} else if (!strcmp(name, "verbose")) {
		a->verbose = 1;
	} else if (!strcmp(name, "wait")) {
		v = FWP_WAIT_DEFAULT_S;
		if (arg && (fwp_parse_ulong(arg, 86400, &v) || v == 0))
			a->bad = 1;
		a->o.wait_ms = (unsigned)v * 1000u;
	} else if (!strcmp(name, "loop")) {
		a->loop = 1;
	} else if (!strcmp(name, "enter")) {
		struct fwp_err e;
		if (fwp_enter_parse(arg, &a->o.enter, &a->o.enter_cmd, &e) < 0)
			a->bad = 1;
	} else if (!strcmp(name, "device")) {
		unsigned vid = 0, pid = 0;
		char extra;
		if (sscanf(arg, "%x:%x%c", &vid, &pid, &extra) != 2 || vid > 0xffff || pid > 0xffff) {
			a->bad = 1;
		} else {
			a->vid = vid;
			a->pid = pid;
		}
	} else if (!strcmp(name, "serial")) {
		if (fwp_cli_push(&a->serials, &a->nserials, arg))
			a->bad = 1;
	} else if (!strcmp(name, "path")) {
		if (fwp_cli_push(&a->paths, &a->npaths, arg))
			a->bad = 1;
	} else if (!strcmp(name, "alt")) {
		a->o.alt = arg;
	} else if (!strcmp(name, "address")) {
		if (fwp_parse_ulong(arg, 0xffffffffu, &v))
			a->bad = 1;
		a->o.address = (long long)v;
	} else if (!strcmp(name, "mass-erase")) {
		a->o.mass_erase = 1;
	} else if (!strcmp(name, "unprotect")) {
		a->o.unprotect = 1;
	} else if (!strcmp(name, "stop-after")) {
		if (fwp_parse_ulong(arg, 0x7FFFFFFF, &v))
			a->bad = 1;
		a->o.stop_after = (long)v;
	}
	if (a->bad) {
		fprintf(stderr, "fwpack flash: --%s: '%s' is not a valid value\n", name, arg);
		return -1;
	}
	return 0;
}

static volatile int interrupted;

/* ---- targets ---- */

struct targets {
	struct fwp_target *t;
	size_t n;
	/* a board named twice: its second target fails with this, and is not flashed */
	char (*dup)[300];
};

static struct fwp_target *add(struct targets *ts, const struct fwp_transport_ops *ops,
			      const char *name)
{
	struct fwp_target *nt = realloc(ts->t, (ts->n + 1) * sizeof(*nt));
	char(*nd)[300] = realloc(ts->dup, (ts->n + 1) * sizeof(*nd));
	if (nt)
		ts->t = nt;
	if (nd)
		ts->dup = nd;
	if (!nt || !nd)
		return NULL;
	struct fwp_target *t = &ts->t[ts->n];
	memset(t, 0, sizeof(*t));
	ts->dup[ts->n][0] = 0;
	ts->n++;
	t->ops = ops;
	t->sel.vid = t->sel.pid = -1;
	snprintf(t->name, sizeof(t->name), "%s", name);
	return t;
}

static int has_glob(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

/* Every --port, a glob expanded (sorted); the same port twice is one board named twice. */
static int serial_targets(const struct flash_args *a, struct targets *ts, struct fwp_err *err)
{
	for (size_t i = 0; i < a->nports; i++) {
		glob_t g;
		if (!has_glob(a->ports[i])) {
			if (!add(ts, &fwp_transport_serial, a->ports[i]))
				return fwp_fail(err, FWP_ERR_NOMEM, "out of memory");
			continue;
		}
		int rc = glob(a->ports[i], 0, NULL, &g);
		/* --wait: until something matches (bounded), as for a single port. */
		for (unsigned w = 0; rc == GLOB_NOMATCH && w < a->o.wait_ms && !interrupted; w += 100) {
			struct timespec pause = {0, 100000000L};
			nanosleep(&pause, NULL);
			rc = glob(a->ports[i], 0, NULL, &g);
		}
		if (rc == GLOB_NOMATCH)
			return fwp_fail(err, FWP_ERR_NOT_FOUND, "--port '%s': no port matches",
					a->ports[i]);
		if (rc != 0)
			return fwp_fail(err, FWP_ERR_IO, "--port '%s': cannot expand", a->ports[i]);
		for (size_t k = 0; k < g.gl_pathc; k++)
			if (!add(ts, &fwp_transport_serial, g.gl_pathv[k])) {
				globfree(&g);
				return fwp_fail(err, FWP_ERR_NOMEM, "out of memory");
			}
		globfree(&g);
	}
	/* Two names for one port (a symlink, a glob and a path): the same board. */
	for (size_t i = 0; i < ts->n; i++) {
		char ri[PATH_MAX], rj[PATH_MAX];
		struct fwp_err lerr;
		if (fwp_port_resolve(ts->t[i].name, ri, sizeof(ri), &lerr) < 0)
			continue;
		for (size_t j = 0; j < i; j++)
			if (!ts->dup[j][0] &&
			    fwp_port_resolve(ts->t[j].name, rj, sizeof(rj), &lerr) == FWP_OK &&
			    !strcmp(ri, rj)) {
				snprintf(ts->dup[i], sizeof(ts->dup[i]), "%.255s", ts->t[j].name);
				break;
			}
	}
	return FWP_OK;
}

struct usb_look {
	struct fwp_dfu_ctx **ctx;
	const struct fwp_dfu_select *any;
	struct fwp_dfu_info **found;
	size_t *nfound;
	int want_one;
};

/* The DFU devices there now, in a new context (it sees what arrived); 1: none yet. */
static int usb_list(void *ctx, struct fwp_err *err)
{
	struct usb_look *l = ctx;
	free(*l->found);
	*l->found = NULL;
	fwp_dfu_exit(*l->ctx);
	*l->ctx = NULL;
	int rc = fwp_dfu_init(l->ctx, err);
	if (rc == FWP_OK)
		rc = fwp_dfu_list(*l->ctx, l->any, l->found, l->nfound, err);
	return rc == FWP_OK && l->want_one && !*l->nfound ? 1 : rc;
}

/*
 * USB: one target per --serial and --path, every matching device with
 * --all, else the one --device (or any) DFU device. Each is found again
 * by its own thread; the list here only tells which selectors name the
 * same device.
 */
static int usb_targets(const struct flash_args *a, struct targets *ts, struct fwp_err *err)
{
	struct fwp_dfu_ctx *ctx = NULL;
	struct fwp_dfu_info *found = NULL;
	size_t nfound = 0;
	struct fwp_dfu_select any = {a->vid, a->pid, NULL, NULL, NULL};
	int rc = FWP_OK;
	if (a->all || a->nserials + a->npaths > 1) {
		/* --all --wait: until one is plugged in (bounded, libusb hotplug). */
		struct usb_look look = {&ctx, &any, &found, &nfound, a->all};
		rc = fwp_usb_wait_for(a->all ? a->o.wait_ms : 0, &interrupted, usb_list, &look, err);
		if (rc < 0)
			goto out;
		rc = FWP_OK;
	}
	for (size_t i = 0; i < a->nserials; i++) {
		char label[160];
		snprintf(label, sizeof(label), "serial %.140s", a->serials[i]);
		struct fwp_target *t = add(ts, &fwp_transport_dfu, label);
		if (!t)
			goto nomem;
		t->sel = any;
		t->sel.serial = a->serials[i];
	}
	for (size_t i = 0; i < a->npaths; i++) {
		struct fwp_target *t = add(ts, &fwp_transport_dfu, a->paths[i]);
		if (!t)
			goto nomem;
		t->sel = any;
		t->sel.path = a->paths[i];
	}
	if (a->all) {
		for (size_t k = 0; k < nfound; k++) {
			struct fwp_target *t = add(ts, &fwp_transport_dfu, found[k].path);
			if (!t)
				goto nomem;
			t->sel = any;
			snprintf(t->usb_path, sizeof(t->usb_path), "%s", found[k].path);
			fwp_dfu_board_uid(&found[k], t->uid);
		}
		if (nfound == 0 && ts->n == 0)
			rc = fwp_fail(err, FWP_ERR_NO_DEVICE, "--all: no USB DFU device found");
	} else if (ts->n == 0) {
		struct fwp_target *t = add(ts, &fwp_transport_dfu, "usb");
		if (!t)
			goto nomem;
		t->sel = any;
	}
	/* Which device each selector names now; two that name one: the second is refused. */
	for (size_t i = 0; ctx && i < ts->n; i++) {
		if (ts->t[i].ops != &fwp_transport_dfu)
			continue; /* --all: the serial boards found before */
		const struct fwp_dfu_select *s = &ts->t[i].sel;
		const char *path = ts->t[i].usb_path[0] ? ts->t[i].usb_path : s->path;
		for (size_t k = 0; k < nfound; k++) {
			if ((s->serial && strcmp(s->serial, found[k].serial)) ||
			    (path && strcmp(path, found[k].path)))
				continue;
			snprintf(ts->t[i].name, sizeof(ts->t[i].name), "%s", found[k].path);
			for (size_t j = 0; j < i; j++)
				if (!ts->dup[j][0] && !strcmp(ts->t[j].name, found[k].path)) {
					snprintf(ts->dup[i], sizeof(ts->dup[i]), "%s", found[k].path);
					break;
				}
			break;
		}
	}
	goto out;
nomem:
	rc = fwp_fail(err, FWP_ERR_NOMEM, "out of memory");
out:
	free(found);
	fwp_dfu_exit(ctx);
	return rc;
}

/* -v: a port --all probed and skipped, and why (a warning event too with --json: skipped_note). */
static void say_skipped(const struct flash_args *a, const struct fwp_scan_port *p)
{
	if (a->verbose)
		fprintf(stderr, "fwpack: --all: skipping %s: %s\n", p->name, p->why);
}

/*
 * --all: a board on both carriers (a Loader serving USB DFU and a UART,
 * both cables plugged in) is one board, flashed once, over USB: two
 * sessions at once on one Loader would fail each other. Known by its UID
 * (INFO's over serial, an fwpack Loader's iSerialNumber over USB); its
 * port is skipped, naming the device. The serial targets are ts's first
 * *nserial; skipped has room for them.
 */
static void same_boards(const struct flash_args *a, struct targets *ts, size_t *nserial,
			struct fwp_scan_port *skipped, size_t *nskipped)
{
	for (size_t i = 0; i < *nserial;) {
		size_t j = *nserial;
		while (j < ts->n && !(ts->t[i].uid[0] && !strcmp(ts->t[i].uid, ts->t[j].uid)))
			j++;
		if (j == ts->n) {
			i++;
			continue;
		}
		struct fwp_scan_port *p = &skipped[(*nskipped)++];
		memset(p, 0, sizeof(*p));
		snprintf(p->name, sizeof(p->name), "%s", ts->t[i].name);
		snprintf(p->why, sizeof(p->why),
			 "%.100s: the same board as USB DFU device %.40s (UID %s): flashed once, "
			 "over USB",
			 ts->t[i].name, ts->t[j].usb_path, ts->t[i].uid);
		say_skipped(a, p);
		memmove(&ts->t[i], &ts->t[i + 1], (ts->n - i - 1) * sizeof(ts->t[0]));
		memmove(&ts->dup[i], &ts->dup[i + 1], (ts->n - i - 1) * sizeof(ts->dup[0]));
		ts->n--;
		(*nserial)--;
	}
}

/*
 * --all: the serial ports the system lists that answer HELLO as an fwpack
 * Loader or Updater (narrowed by --port globs and --device), then every
 * matching USB DFU device; *nserial: how many of the targets are serial;
 * *skipped (free()d by the caller): the probed ports that are not boards.
 * --wait: again until at least one board is there (bounded).
 */
static int all_targets(const struct flash_args *a, struct targets *ts, size_t *nserial,
		       struct fwp_scan_port **skipped, size_t *nskipped, struct fwp_err *err)
{
	struct fwp_serial_scan_opts so = {a->o.baud, a->vid, a->pid, a->ports, a->nports,
					  &interrupted};
	struct flash_args usb = *a;
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct fwp_scan_port *sp = NULL;
		size_t nsp = 0;
		int rc = fwp_serial_scan(&so, &sp, &nsp, err);
		if (rc == FWP_ERR_NOMEM)
			return rc;
		if (rc < 0) {
			/* no tty class here (a container, an emulated USB bus): USB only */
			if (a->verbose)
				fprintf(stderr, "fwpack: --all: no serial ports listed: %s\n", err->msg);
			rc = FWP_OK;
		}
		free(*skipped);
		*skipped = sp; /* the boards found are moved out; the rest stay */
		*nskipped = 0;
		for (size_t i = 0; i < nsp && rc == FWP_OK; i++) {
			if (sp[i].found) {
				struct fwp_target *t = add(ts, &fwp_transport_serial, sp[i].name);
				if (t)
					snprintf(t->uid, sizeof(t->uid), "%s", sp[i].uid);
				else
					rc = fwp_fail(err, FWP_ERR_NOMEM, "out of memory");
				continue;
			}
			say_skipped(a, &sp[i]);
			sp[(*nskipped)++] = sp[i];
		}
		*nserial = ts->n;
		struct timespec t;
		clock_gettime(CLOCK_MONOTONIC, &t);
		double waited_ms = (double)(t.tv_sec - t0.tv_sec) * 1e3 +
				   (double)(t.tv_nsec - t0.tv_nsec) / 1e6;
		/* --wait: USB devices on libusb's hotplug events, a slice at a time,
		   so that a serial board plugged in meanwhile is probed soon too */
		double left_ms = a->o.wait_ms > waited_ms ? a->o.wait_ms - waited_ms : 0;
		usb.o.wait_ms = *nserial ? 0 : (unsigned)(left_ms < FWP_ALL_USB_SLICE_MS ? left_ms
										  : FWP_ALL_USB_SLICE_MS);
		if (rc == FWP_OK)
			rc = usb_targets(&usb, ts, err);
		if (rc < 0 && rc != FWP_ERR_NO_DEVICE && rc != FWP_ERR_NOMEM && *nserial) {
			/* no USB here (no access to the bus): the serial boards still are */
			fprintf(stderr, "fwpack: warning: --all: no USB DFU devices listed: %s\n",
				err->msg);
			rc = FWP_OK;
		}
		if (rc == FWP_OK)
			same_boards(a, ts, nserial, sp, nskipped);
		if (rc != FWP_ERR_NO_DEVICE || ts->n)
			return rc;
		clock_gettime(CLOCK_MONOTONIC, &t);
		waited_ms = (double)(t.tv_sec - t0.tv_sec) * 1e3 + (double)(t.tv_nsec - t0.tv_nsec) / 1e6;
		if (interrupted || waited_ms >= a->o.wait_ms)
			return fwp_fail(err, FWP_ERR_NO_DEVICE,
					"--all: no USB DFU device found and no serial port answers as "
					"an fwpack Loader or Updater (%zu probed%s)",
					nsp, a->verbose || !nsp ? "" : "; -v says why each was skipped");
		if (!usb.o.wait_ms) {
			struct timespec pause = {0, FWP_SCAN_INTERVAL_MS * 1000000L};
			nanosleep(&pause, NULL);
		}
	}
}

/* ---- images ---- */

static int serial_images(const struct flash_args *a, int n, char **files, struct fwp_buf *bufs,
			 struct fwp_job_image *imgs, struct fwp_err *err);

/* Every image read and checked once, before any board is touched (--all: before any is flashed). */
static int read_images(const struct flash_args *a, int n, char **files, struct fwp_buf *bufs,
		       struct fwp_job_image *imgs, int serial, struct fwp_err *err)
{
	for (int i = 0; i < n; i++) {
		int rc = fwp_file_read(files[i], FWP_IMAGE_FILE_MAX, &bufs[i], err);
		if (rc < 0)
			return rc;
		imgs[i].path = files[i];
		imgs[i].data = bufs[i].data;
		imgs[i].len = bufs[i].len;
		imgs[i].slot = -1;
	}
	/* DFU files need not be fwpack images */
	return serial ? serial_images(a, n, files, bufs, imgs, err) : FWP_OK;
}

/* The serial transport's part: each image an fwpack image, its slot, deflated once. */
static int serial_images(const struct flash_args *a, int n, char **files, struct fwp_buf *bufs,
			 struct fwp_job_image *imgs, struct fwp_err *err)
{
	for (int i = 0; i < n; i++) {
		int rc;
		struct fwp_image_info info;
		if ((rc = fwp_image_parse(bufs[i].data, bufs[i].len, &info, err)) < 0)
			return fwp_err_prefix(err, files[i]);
		imgs[i].slot = a->o.forced_slot >= 0 ? (int)a->o.forced_slot
						      : fwp_slot_for_type(info.hdr.image_type);
		if (imgs[i].slot < 0)
			return fwp_fail(err, FWP_ERR_UNSUPPORTED,
					"%s: image type %u is not updated in the field (use --slot)",
					files[i], info.hdr.image_type);
		if (fwp_serial_prepare_image(&imgs[i], &a->o, err) < 0)
			return fwp_err_prefix(err, files[i]);
	}
	return FWP_OK;
}

/* ---- the run ---- */

/* --json: a port --all probed and skipped, as a warning event naming it and why. */
static void skipped_note(fwp_event_fn emit, void *ectx, const struct fwp_scan_port *p)
{
	struct fwp_board_id id = {"serial", "", "", "", ""};
	char text[400];
	snprintf(id.name, sizeof(id.name), "%s", p->name);
	snprintf(text, sizeof(text), "skipped by --all: %s", p->why);
	struct fwp_event e = {.type = FWP_EVENT_NOTE, .board = &id, .slot = -1, .text = text};
	emit(&e, ectx);
}

static void skipped_notes(const struct flash_args *a, struct fwp_render *r,
			  const struct fwp_scan_port *skipped, size_t n)
{
	for (size_t i = 0; a->mode == FWP_RENDER_JSON && i < n; i++)
		skipped_note(fwp_render_event, r, &skipped[i]);
}

static void on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

/* ---- station mode ---- */

static int fail(const struct flash_args *a, struct fwp_err *err);

struct look {
	const struct flash_args *a;
	struct fwp_port_memo memo; /* --all */
	fwp_event_fn emit;         /* the station's, during a look */
	void *ectx;
};

/* --loop --all: a port that appeared and is not a board, said as the one-shot --all says it. */
static void look_skipped(void *ctx, const struct fwp_scan_port *p)
{
	struct look *l = ctx;
	say_skipped(l->a, p);
	if (l->a->mode == FWP_RENDER_JSON)
		skipped_note(l->emit, l->ectx, p);
}

/* The boards there now, each with its key: the port it resolves to, or its USB serial number. */
static int scan(void *ctx, enum fwp_looks what, fwp_event_fn emit, void *ectx,
		struct fwp_target **out, size_t *n)
{
	struct look *l = ctx;
	const struct flash_args *a = l->a;
	l->emit = emit;
	l->ectx = ectx;
	struct fwp_scan_spec spec = {a->ports, a->nports, a->vid, a->pid,
				     a->serials, a->paths, a->nserials, a->npaths};
	if (!a->all)
		return fwp_station_scan(&spec, out, n);
	/* --all: --port globs narrow the serial ports probed */
	struct fwp_serial_scan_opts so = {a->o.baud, a->vid, a->pid, a->ports, a->nports,
					  &interrupted};
	spec.ports = NULL;
	spec.nports = 0;
	return fwp_station_scan_all(&spec, &so, &l->memo, what, out, n);
}

static void on_count(const struct fwp_station_counts *c, void *ctx)
{
	fwp_render_count(ctx, c->passed, c->failed);
}

static int station(struct flash_args *a, int n, char **files)
{
	struct fwp_err err;
	struct fwp_buf *bufs = calloc((size_t)n + 1, sizeof(*bufs));
	struct fwp_job_image *imgs = calloc((size_t)n + 1, sizeof(*imgs));
	struct fwp_board_result *res = NULL;
	size_t nres = 0;
	struct fwp_render *r = fwp_render_new(a->mode, 2);
	int exit_code = FWP_EXIT_OK;
	fwp_err_clear(&err);
	int rc = bufs && imgs && r ? FWP_OK : fwp_fail(&err, FWP_ERR_NOMEM, "out of memory");
	if (rc == FWP_OK)
		rc = read_images(a, n, files, bufs, imgs, a->nports > 0 && !a->all, &err);
	/* --all: serial boards may be plugged in too. Images they cannot take
	   (DFU files) fail on each such board, with why; USB boards still take them. */
	struct fwp_err serr;
	if (rc == FWP_OK && a->all && serial_images(a, n, files, bufs, imgs, &serr) < 0)
		fprintf(stderr, "fwpack: warning: --all: serial boards cannot take these images: %s\n",
			serr.msg);
	if (rc == FWP_OK) {
		struct sigaction sa, old;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_sigint;
		sigaction(SIGINT, &sa, &old);
		sigaction(SIGTERM, &sa, NULL);
		a->o.cancel = &interrupted;
		struct fwp_flash_work w = {imgs, (size_t)n, &a->o};
		struct look l = {a, {NULL, 0, NULL, 0, look_skipped, NULL}, NULL, NULL};
		l.memo.skipped_ctx = &l;
		enum fwp_looks looks = a->all ? FWP_LOOK_SERIAL | FWP_LOOK_USB
				       : a->nports ? FWP_LOOK_SERIAL
						   : FWP_LOOK_USB;
		rc = fwp_station_loop(scan, &l, fwp_flash_work, &w, looks, FWP_SCAN_INTERVAL_MS,
				      &interrupted, fwp_render_event, r, on_count, &res, &nres, &err);
		fwp_port_memo_clear(&l.memo);
		sigaction(SIGINT, &old, NULL);
	}
	if (rc < 0) {
		exit_code = fail(a, &err);
	} else {
		fwp_render_summary(r, res, nres);
		for (size_t i = 0; i < nres && exit_code == FWP_EXIT_OK; i++)
			if (res[i].rc < 0)
				exit_code = fwp_exit_code(res[i].rc);
	}
	free(res);
	fwp_render_free(r);
	for (int i = 0; bufs && imgs && i < n; i++) {
		fwp_buf_free(&bufs[i]);
		free(imgs[i].deflated);
	}
	free(bufs);
	free(imgs);
	return exit_code;
}

static int fail(const struct flash_args *a, struct fwp_err *err)
{
	if (a->mode == FWP_RENDER_JSON) {
		struct fwp_board_id none = {"", "", "", "", ""};
		struct fwp_render *r = fwp_render_new(FWP_RENDER_JSON, 1);
		struct fwp_event e = {.type = FWP_EVENT_ERROR, .board = &none, .slot = -1, .err = err};
		if (r)
			fwp_render_event(&e, r);
		fwp_render_free(r);
	}
	return fwp_report(err);
}

static int run(struct flash_args *a, int n, char **files)
{
	struct fwp_err err;
	struct targets ts = {NULL, 0, NULL};
	struct fwp_buf *bufs = calloc((size_t)n + 1, sizeof(*bufs));
	struct fwp_job_image *imgs = calloc((size_t)n + 1, sizeof(*imgs));
	struct fwp_board_result *res = NULL;
	struct fwp_render *r = NULL;
	int serial = a->nports > 0 && !a->all, exit_code = FWP_EXIT_OK;
	size_t nserial = 0, nskipped = 0;
	struct fwp_scan_port *skipped = NULL;
	fwp_err_clear(&err);
	int rc = bufs && imgs ? FWP_OK : fwp_fail(&err, FWP_ERR_NOMEM, "out of memory");
	if (rc == FWP_OK)
		rc = read_images(a, n, files, bufs, imgs, serial, &err);
	if (rc == FWP_OK && a->all) {
		rc = all_targets(a, &ts, &nserial, &skipped, &nskipped, &err);
		/* serial boards found: the images must be fwpack images for them */
		if (rc == FWP_OK && nserial)
			rc = serial_images(a, n, files, bufs, imgs, &err);
	} else if (rc == FWP_OK) {
		rc = serial ? serial_targets(a, &ts, &err) : usb_targets(a, &ts, &err);
	}
	if (rc == FWP_OK && !(res = calloc(ts.n, sizeof(*res))))
		rc = fwp_fail(&err, FWP_ERR_NOMEM, "out of memory");
	if (rc == FWP_OK && !(r = fwp_render_new(a->mode, ts.n)))
		rc = fwp_fail(&err, FWP_ERR_NOMEM, "out of memory");
	if (rc < 0) {
		exit_code = fail(a, &err);
		goto out;
	}
	skipped_notes(a, r, skipped, nskipped);

	/* A board named twice is flashed once; the repeat is a failure of its own. */
	struct fwp_target *go = calloc(ts.n, sizeof(*go));
	size_t *map = calloc(ts.n, sizeof(*map)), ngo = 0;
	if (!go || !map) {
		free(go);
		free(map);
		fwp_fail(&err, FWP_ERR_NOMEM, "out of memory");
		exit_code = fail(a, &err);
		goto out;
	}
	for (size_t i = 0; i < ts.n; i++)
		if (!ts.dup[i][0]) {
			map[ngo] = i;
			go[ngo++] = ts.t[i];
		}
	struct fwp_board_result *gres = calloc(ngo ? ngo : 1, sizeof(*gres));
	struct sigaction sa, old;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigint;
	sigaction(SIGINT, &sa, &old);
	a->o.cancel = &interrupted;
	if (gres)
		fwp_flash_boards(go, ngo, imgs, (size_t)n, &a->o, (unsigned)a->jobs,
				 fwp_render_event, r, gres);
	sigaction(SIGINT, &old, NULL);
	for (size_t k = 0; gres && k < ngo; k++)
		res[map[k]] = gres[k];
	for (size_t i = 0; i < ts.n; i++) {
		if (!ts.dup[i][0] && gres)
			continue;
		res[i].id.transport = ts.t[i].ops->name;
		snprintf(res[i].id.name, sizeof(res[i].id.name), "%s", ts.t[i].name);
		if (ts.dup[i][0])
			res[i].rc = fwp_fail(&res[i].err, FWP_ERR_USAGE,
					     "%s: the same board as %s, named twice: flashed once",
					     ts.t[i].name, ts.dup[i]);
		else
			res[i].rc = fwp_fail(&res[i].err, FWP_ERR_NOMEM, "out of memory");
		struct fwp_event e = {.type = FWP_EVENT_ERROR, .board = &res[i].id, .slot = -1,
				      .err = &res[i].err};
		fwp_render_event(&e, r);
		e.type = FWP_EVENT_RESULT;
		e.result = &res[i];
		fwp_render_event(&e, r);
	}
	free(gres);
	free(go);
	free(map);
	fwp_render_summary(r, res, ts.n);
	if (nskipped && (a->mode == FWP_RENDER_LINES || a->mode == FWP_RENDER_TTY)) {
		printf("skipped by --all (not an fwpack Loader or Updater, or a board reached "
		       "another way%s):",
		       a->verbose ? "" : "; -v says why");
		for (size_t i = 0; i < nskipped; i++)
			printf(" %s", skipped[i].name);
		printf("\n");
	}
	/* One board: its own exit code. Several: the first failure's. */
	for (size_t i = 0; i < ts.n && exit_code == FWP_EXIT_OK; i++)
		if (res[i].rc < 0)
			exit_code = fwp_exit_code(res[i].rc);
	if (interrupted && exit_code == FWP_EXIT_OK)
		exit_code = FWP_EXIT_NO_DEVICE;
out:
	fwp_render_free(r);
	free(skipped);
	free(res);
	free(ts.t);
	free(ts.dup);
	for (int i = 0; bufs && i < n; i++)
		fwp_buf_free(&bufs[i]);
	for (int i = 0; imgs && i < n; i++)
		free(imgs[i].deflated);
	free(bufs);
	free(imgs);
	return exit_code;
}

int fwp_cmd_flash(const struct fwp_cmd *cmd, int argc, char **argv)
{
	struct flash_args a;
	memset(&a, 0, sizeof(a));
	a.o.forced_slot = -1;
	a.o.stop_after = -1;
	a.o.address = -1;
	a.o.timeout_ms = 2000;
	a.o.retries = 10;
	a.o.baud = 115200;
	a.vid = a.pid = -1;
	a.mode = isatty(STDOUT_FILENO) ? FWP_RENDER_TTY : FWP_RENDER_LINES;
	int rc;
	int first = fwp_cli_start(cmd, argc, argv, on_opt, &a, 0, -1, "image", &rc);
	/* --all: --device narrows the serial ports too, --port (globs) names which are probed */
	if (a.all)
		a.usb_opt = a.usb_strict;
	if (first < 0) {
		/* rc says how it ended */
	} else if (a.jobs_given && a.jobs == 0) {
		rc = fwp_cli_usage_error(cmd, "--jobs 0: at least one board at a time");
	} else if (a.verbose && !a.all) {
		rc = fwp_cli_usage_error(cmd, "-v says which serial ports --all skipped: give --all");
	} else if (a.all && a.o.enter != FWP_ENTER_NONE) {
		rc = fwp_cli_usage_error(cmd, "--all finds boards already in their Loader or Updater: "
					      "no --enter with it");
	} else if (a.nports && a.usb_opt) {
		rc = fwp_cli_usage_error(cmd, "--port (serial) and --%s (USB DFU) exclude each other",
					 a.usb_opt);
	} else if (a.usb_opt && a.serial_opt) {
		rc = fwp_cli_usage_error(cmd,
					 "--%s applies to serial ports (--port) only, not to USB DFU "
					 "(--%s)",
					 a.serial_opt, a.usb_opt);
	} else if (!a.nports && a.serial_opt && !a.all) {
		rc = fwp_cli_usage_error(cmd, "--%s applies to serial ports: give --port",
					 a.serial_opt);
	} else if (!a.nports && !a.usb_opt && !a.all) {
		rc = fwp_cli_usage_error(cmd, "no --port (serial) or --dfu (USB) given");
	} else if (first == argc && !a.o.unprotect) {
		rc = fwp_cli_usage_error(cmd, "no image given");
	} else if (a.loop && a.o.wait_ms) {
		rc = fwp_cli_usage_error(cmd, "--loop waits for boards by itself: no --wait with it");
	} else if (a.loop) {
		rc = station(&a, argc - first, argv + first);
	} else {
		rc = run(&a, argc - first, argv + first);
	}
	free(a.ports);
	free(a.serials);
	free(a.paths);
	return rc;
}

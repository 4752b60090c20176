/* A recipe's steps on one board (see run.h). */
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "board.h"
#include "crypto.h"
#include "enter.h"
#include "portpath.h"
#include "provimage.h"
#include "run.h"
#include "serial.h"
#include "slotimage.h"
#include "slotpolicy.h"
#include "util.h"

/* A Loader step waits this long for the board when no wait_loader says otherwise. */
#define RUN_FIND_MS 0u
/* expect: how much of a console line is kept (longer lines are matched on their start). */
#define CONSOLE_LINE_MAX 512

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t ms(double s)
{
	return s > 0 ? (uint64_t)(s * 1000.0 + 0.5) : 0;
}

int fwp_run_images_load(const struct fwp_station *st, const struct fwp_flash_opts *o,
			struct fwp_run_images *ri, struct fwp_err *err)
{
	memset(ri, 0, sizeof(*ri));
	ri->imgs = calloc(st->nimages + 1, sizeof(*ri->imgs));
	ri->data = calloc(st->nimages + 1, sizeof(*ri->data));
	if (!ri->imgs || !ri->data) {
		fwp_run_images_free(ri);
		return fwp_fail(err, FWP_ERR_NOMEM, "out of memory");
	}
	for (size_t i = 0; i < st->nimages; i++) {
		struct fwp_buf b = {0};
		int rc = fwp_file_read(st->images[i].path, FWP_IMAGE_FILE_MAX, &b, err);
		if (rc < 0) {
			fwp_run_images_free(ri);
			return rc;
		}
		ri->n++;
		ri->data[i] = b.data;
		struct fwp_job_image *j = &ri->imgs[i];
		j->path = st->images[i].path;
		j->data = b.data;
		j->len = b.len;
		j->slot = -1;
		/* Images the Loader takes are fwpack images: their slot from their type. */
		struct fwp_image_info info;
		struct fwp_err ignored;
		if (fwp_image_parse(b.data, b.len, &info, &ignored) == FWP_OK) {
			j->slot = fwp_slot_for_type(info.hdr.image_type);
			if (j->slot >= 0 && (rc = fwp_serial_prepare_image(j, o, err)) < 0) {
				fwp_run_images_free(ri);
				return fwp_err_prefix(err, st->images[i].path);
			}
		}
	}
	return FWP_OK;
}

void fwp_run_images_free(struct fwp_run_images *ri)
{
	for (size_t i = 0; i < ri->n; i++) {
		free(ri->data[i]);
		free(ri->imgs[i].deflated);
	}
	free(ri->data);
	free(ri->imgs);
	memset(ri, 0, sizeof(*ri));
}

/* ---- one board ---- */

struct board_run {
	struct fwp_station *st;
	const struct fwp_run_images *ri;
	const struct fwp_run_board *b;
	const struct fwp_flash_opts *o;
	FILE *log;
	struct fwp_station_board sb;
	struct fwp_run_result *res;
	int record_failed;
	struct fwp_err *rec_err;
	/*
	 * The console held open from before the boot until expect opens it: a
	 * pty (and a USB CDC port) drops what arrives while nobody has it
	 * open, and a board prints its first lines as soon as it boots.
	 */
	int console_hold;
	/* the events of the current fwp_flash_board call */
	double erase_at, first_progress_at;
	size_t done_count, prov_index; /* images committed; where the record is in the list */
	double prov_at;                /* when the images before the record were committed */
	/* who the board is */
	const char *where; /* its place: port and/or USB device */
	int key_is_chip;   /* recorded under the ROM's USB serial number, which names the chip */
	uint8_t uid[FWP_UID_MAX];
	size_t uid_len; /* 0 until the Loader reported it */
	int identity_written; /* a provision step wrote the record */
	char prov_label[400];
};

static void on_event(const struct fwp_event *e, void *ctx)
{
	struct board_run *r = ctx;
	if (e->type == FWP_EVENT_ERASE && !r->erase_at)
		r->erase_at = now_s();
	else if (e->type == FWP_EVENT_PROGRESS && !r->first_progress_at)
		r->first_progress_at = now_s();
	else if (e->type == FWP_EVENT_BOOT && r->log && e->text)
		fprintf(r->log, "  %s\n", e->text);
	if (e->type == FWP_EVENT_DONE && ++r->done_count == r->prov_index)
		r->prov_at = now_s();
}

/* Record step i; the first failure becomes the board's. */
static void step_done(struct board_run *r, size_t i, int ok, uint64_t dur_ms, uint64_t bytes,
		      const char *error)
{
	if (r->record_failed)
		return;
	if (r->log)
		fprintf(r->log, "  %s: %s (%llu ms, %llu bytes)%s%s\n",
			fwp_step_name(r->st->recipe.steps[i].kind), ok ? "pass" : "FAIL",
			(unsigned long long)dur_ms, (unsigned long long)bytes, error ? ": " : "",
			error ? error : "");
	r->res->bytes += bytes;
	if (fwp_station_board_step(r->st, &r->sb, i, ok ? FWP_REC_PASS : FWP_REC_FAIL, dur_ms,
				   bytes, error, r->rec_err) < 0)
		r->record_failed = 1;
}

static void step_skipped(struct board_run *r, size_t i)
{
	if (r->record_failed)
		return;
	if (fwp_station_board_step(r->st, &r->sb, i, FWP_REC_SKIPPED, 0, 0, "an earlier step failed",
				   r->rec_err) < 0)
		r->record_failed = 1;
}

/* The board's first failure, with its code (which sets fwpack's exit status). Returns 0: not ok. */
static int fail_board(struct board_run *r, int code, const char *path, const char *why)
{
	if (r->res->err.code == FWP_OK) {
		fwp_fail(&r->res->err, code < 0 ? code : FWP_ERR_VERIFY, "%s: %s", path, why);
		/* Stopped by the station, not failed by itself: the failure came after the stop. */
		r->res->interrupted = r->o->cancel && *r->o->cancel;
	}
	return 0;
}

/* Step i cannot run on this board (the command line left out what it
   needs): recorded as failed and the board failed, for the same reason. */
static int step_refused(struct board_run *r, size_t i, const char *why)
{
	step_done(r, i, 0, 0, 0, why);
	return fail_board(r, FWP_ERR_USAGE, r->st->recipe.steps[i].path, why);
}

/* The station image that is manifest image (or factory) name. */
static const struct fwp_job_image *image_named(const struct board_run *r, const char *name)
{
	for (size_t i = 0; i < r->st->nimages; i++)
		if (!strcmp(r->st->images[i].name, name))
			return &r->ri->imgs[i];
	return NULL;
}

/* Where a DfuSe write puts manifest image idx (or a factory: its lowest slot). */
static uint32_t image_addr(const struct fwp_manifest *m, size_t idx)
{
	return m->slots[m->images[idx].slot].addr;
}

static uint32_t factory_addr(const struct fwp_manifest *m, const struct fwp_factory *f)
{
	uint32_t a = UINT32_MAX;
	for (size_t k = 0; k < f->nimages; k++)
		if (image_addr(m, f->images[k]) < a)
			a = image_addr(m, f->images[k]);
	return a;
}

static void dfuse_target(const struct board_run *r, struct fwp_target *t, const char *serial)
{
	memset(t, 0, sizeof(*t));
	t->ops = &fwp_transport_dfu;
	t->sel.vid = t->sel.pid = -1;
	t->sel.serial = serial;
	t->sel.path = serial ? NULL : r->b->usb_path;
	snprintf(t->name, sizeof(t->name), "%s", serial ? serial : r->b->usb_path);
}

/* The ROM's steps from i: mass erase, writes, leave. Returns the next step. */
static size_t run_dfuse(struct board_run *r, size_t i, int *ok)
{
	const struct fwp_recipe *rc = &r->st->recipe;
	const struct fwp_manifest *m = &r->st->manifest;
	size_t erase = SIZE_MAX, write = SIZE_MAX, leave = SIZE_MAX;
	if (rc->steps[i].kind == FWP_STEP_DFUSE_MASS_ERASE)
		erase = i++;
	if (i < rc->nsteps && rc->steps[i].kind == FWP_STEP_DFUSE_WRITE)
		write = i++;
	if (i < rc->nsteps && rc->steps[i].kind == FWP_STEP_DFUSE_LEAVE)
		leave = i++;
	if (write == SIZE_MAX) {
		/* The DfuSe backend erases and leaves as part of a write. */
		size_t at = erase != SIZE_MAX ? erase : leave;
		*ok = step_refused(r, at, "a DfuSe mass erase or leave needs a dfuse_write right "
					  "after it (the ROM's steps run as one session)");
		return i;
	}
	if (!r->b->usb_serial && !r->b->usb_path) {
		*ok = step_refused(r, erase != SIZE_MAX ? erase : write,
				   "no USB DfuSe device given (--serial, --path or --all)");
		return i;
	}
	const struct fwp_recipe_step *s = &rc->steps[write];
	size_t nimg = s->factory >= 0 ? 1 : s->nimages;
	double erase_s = 0, write_s = 0, leave_s = 0;
	uint64_t bytes = 0;
	struct fwp_board_result res;
	int failed = 0;
	for (size_t k = 0; k < nimg && !failed; k++) {
		const char *name = s->factory >= 0 ? m->factories[s->factory].name
						   : m->images[s->images[k]].name;
		const struct fwp_job_image *img = image_named(r, name);
		struct fwp_job_image one = *img;
		one.slot = -1; /* DfuSe writes by address */
		struct fwp_flash_opts o = *r->o;
		o.address = s->factory >= 0 ? factory_addr(m, &m->factories[s->factory])
					    : image_addr(m, s->images[k]);
		o.mass_erase = k == 0 && erase != SIZE_MAX;
		o.no_boot = !(k + 1 == nimg && leave != SIZE_MAX);
		o.wait_ms = 0;
		if (k == 0 && erase != SIZE_MAX && rc->steps[erase].timeout_ms)
			o.timeout_ms = rc->steps[erase].timeout_ms;
		struct fwp_target t;
		dfuse_target(r, &t, r->b->usb_serial);
		r->erase_at = r->first_progress_at = 0;
		double t0 = now_s();
		fwp_flash_board(&t, &one, 1, &o, on_event, r, &res);
		if (!r->res->board_uid[0] && res.id.usb_serial[0])
			snprintf(r->res->board_uid, sizeof(r->res->board_uid), "%s", res.id.usb_serial);
		double e = o.mass_erase && r->erase_at && r->first_progress_at
				   ? r->first_progress_at - r->erase_at
				   : 0;
		erase_s += e;
		leave_s += res.phase_seconds[FWP_PHASE_RESET];
		write_s += now_s() - t0 - e - res.phase_seconds[FWP_PHASE_RESET];
		bytes += res.bytes;
		failed = res.rc < 0;
	}
	const char *why = failed ? res.err.msg : NULL;
	/* The step that failed is the one the session was in; the rest are skipped. */
	int erase_failed = failed && erase != SIZE_MAX && !r->first_progress_at && bytes == 0;
	if (erase != SIZE_MAX)
		step_done(r, erase, !erase_failed, ms(erase_s), 0, erase_failed ? why : NULL);
	if (erase_failed)
		step_skipped(r, write);
	else
		step_done(r, write, !failed || res.phase_seconds[FWP_PHASE_RESET] > 0, ms(write_s),
			  bytes, failed && !res.phase_seconds[FWP_PHASE_RESET] ? why : NULL);
	if (leave != SIZE_MAX) {
		if (failed && !res.phase_seconds[FWP_PHASE_RESET])
			step_skipped(r, leave);
		else
			step_done(r, leave, !failed, ms(leave_s), 0, why);
	}
	if (failed)
		*ok = fail_board(r, res.rc, rc->steps[write].path, why);
	return i;
}

/* A recipe template with this board's values: {identity}, {board_uid}, {station}, {{, }}. */
static void expand(const struct board_run *r, const char *tpl, char *out, size_t size)
{
	size_t n = 0;
	out[0] = 0;
	for (const char *p = tpl; *p && n + 1 < size;) {
		const char *v = NULL;
		size_t skip = 1;
		if (!strncmp(p, "{{", 2) || !strncmp(p, "}}", 2)) {
			skip = 2;
		} else if (!strncmp(p, "{identity}", 10)) {
			v = r->sb.identity;
			skip = 10;
		} else if (!strncmp(p, "{board_uid}", 11)) {
			v = r->res->board_uid;
			skip = 11;
		} else if (!strncmp(p, "{station}", 9)) {
			v = r->st->name;
			skip = 9;
		}
		if (v)
			n += (size_t)snprintf(out + n, size - n, "%s", v);
		else
			out[n++] = *p;
		if (n >= size)
			n = size - 1;
		out[n] = 0;
		p += skip;
	}
}

/*
 * The Loader has answered: if it reported its unique ID, the run is that
 * board's from now on (it was recorded under a stand-in until now), and
 * the board takes its identity, bound to the chip.
 */
static void loader_seen(struct board_run *r, const char *uid)
{
	if (r->record_failed)
		return;
	if (uid[0] && !r->uid_len) {
		size_t n = strlen(uid) / 2;
		for (size_t k = 0; k < n && k < sizeof(r->uid); k++)
			r->uid[k] = (uint8_t)(fwp_hex_digit(uid[2 * k]) << 4 |
					      fwp_hex_digit(uid[2 * k + 1]));
		r->uid_len = n < sizeof(r->uid) ? n : sizeof(r->uid);
		if (fwp_station_board_rekey(r->st, &r->sb, r->res->board_uid, uid, r->where,
					    r->key_is_chip, r->rec_err) < 0) {
			r->record_failed = 1;
			return;
		}
		if (r->log)
			fprintf(r->log, "  unique ID %s (recorded under it from now on)\n", uid);
		snprintf(r->res->board_uid, sizeof(r->res->board_uid), "%s", uid);
	}
	if (r->sb.identity_done)
		return;
	if (fwp_station_board_identity(r->st, &r->sb, r->rec_err) < 0) {
		r->record_failed = 1;
		return;
	}
	snprintf(r->res->identity, sizeof(r->res->identity), "%s", r->sb.identity);
	r->res->identity_kept = r->sb.identity_kept;
	if (r->log && r->sb.identity[0])
		fprintf(r->log, "  identity %s (%s)\n", r->sb.identity,
			r->sb.identity_kept ? "kept" : "new");
}

/*
 * One session with the Loader: any of wait_loader, write, provision (its
 * image built already) and boot, each SIZE_MAX when absent.
 */
static void loader_session(struct board_run *r, size_t wait, size_t write, size_t prov,
			   const struct fwp_job_image *prov_img, size_t boot, size_t next, int *ok)
{
	const struct fwp_recipe *rc = &r->st->recipe;
	const struct fwp_manifest *m = &r->st->manifest;
	size_t first = wait != SIZE_MAX ? wait : write != SIZE_MAX ? write : prov != SIZE_MAX ? prov : boot;
	unsigned over = rc->steps[first].over;
	struct fwp_target t;
	memset(&t, 0, sizeof(t));
	if (over == FWP_OVER_SERIAL) {
		if (!r->b->port) {
			*ok = step_refused(r, first, "the Loader is reached over serial: no --port "
						     "given for this board");
			return;
		}
		t.ops = &fwp_transport_serial;
		snprintf(t.name, sizeof(t.name), "%s", r->b->port);
	} else {
		if (!r->b->usb_serial) {
			*ok = step_refused(r, first, "the Loader is reached over USB DFU by the board's "
						     "USB serial number: none given (--serial or --all)");
			return;
		}
		t.ops = &fwp_transport_dfu;
		t.sel.vid = t.sel.pid = -1;
		t.sel.serial = r->b->usb_serial;
		snprintf(t.name, sizeof(t.name), "%s", r->b->usb_serial);
	}
	struct fwp_job_image *imgs = NULL;
	size_t nimg = 0, nwrite = 0;
	imgs = calloc((write != SIZE_MAX ? rc->steps[write].nimages : 0) + 2, sizeof(*imgs));
	if (!imgs) {
		*ok = fail_board(r, FWP_ERR_NOMEM, rc->steps[first].path, "out of memory");
		return;
	}
	if (write != SIZE_MAX) {
		const struct fwp_recipe_step *s = &rc->steps[write];
		for (size_t k = 0; k < s->nimages; k++)
			imgs[nimg++] = *image_named(r, m->images[s->images[k]].name);
	}
	nwrite = nimg;
	if (prov_img)
		imgs[nimg++] = *prov_img;
	struct fwp_flash_opts o = *r->o;
	o.no_boot = boot == SIZE_MAX;
	o.address = -1;
	o.mass_erase = 0;
	o.wait_ms = wait != SIZE_MAX ? rc->steps[wait].timeout_ms : RUN_FIND_MS;
	if (wait != SIZE_MAX && rc->steps[wait].enter) {
		struct fwp_err e;
		if (fwp_enter_parse(rc->steps[wait].enter, &o.enter, &o.enter_cmd, &e) < 0) {
			step_done(r, wait, 0, 0, 0, e.msg);
			free(imgs);
			*ok = fail_board(r, FWP_ERR_USAGE, rc->steps[wait].path, e.msg);
			return;
		}
	}
	if (write != SIZE_MAX && rc->steps[write].timeout_ms)
		o.timeout_ms = rc->steps[write].timeout_ms;
	else if (prov != SIZE_MAX && rc->steps[prov].timeout_ms)
		o.timeout_ms = rc->steps[prov].timeout_ms;
	if (over == FWP_OVER_SERIAL && boot != SIZE_MAX && next < rc->nsteps &&
	    rc->steps[next].kind == FWP_STEP_EXPECT && r->console_hold < 0) {
		char real[PATH_MAX];
		struct fwp_err lerr;
		/* Not read from: the Loader's answers stay the transport's. */
		r->console_hold = open(fwp_port_resolve(r->b->port, real, sizeof(real), &lerr) == FWP_OK
					       ? real
					       : r->b->port,
				       O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	}
	struct fwp_board_result res;
	r->erase_at = r->first_progress_at = 0;
	r->done_count = 0;
	r->prov_at = 0;
	r->prov_index = prov_img && nwrite ? nwrite : SIZE_MAX;
	fwp_flash_board(&t, imgs, nimg, &o, on_event, r, &res);
	free(imgs);
	const double *ph = res.phase_seconds;
	double found = ph[FWP_PHASE_FIND] + ph[FWP_PHASE_ENTER] + ph[FWP_PHASE_CONNECT] +
		       ph[FWP_PHASE_BAUD];
	double sent = ph[FWP_PHASE_TRANSFER] + ph[FWP_PHASE_VERIFY];
	/* The provisioning record went last: its share is from its first event on. */
	double prov_s = r->prov_at ? now_s() - r->prov_at - ph[FWP_PHASE_RESET] : 0;
	if (prov_s > sent)
		prov_s = sent;
	if (prov_s < 0)
		prov_s = 0;
	uint64_t prov_bytes = prov_img && res.images > nwrite ? prov_img->len : 0;
	int failed = res.rc < 0;
	const char *why = failed ? res.err.msg : NULL;
	/* Where it failed: not connected, not all images committed, or the boot. */
	int lost_in_find = failed && res.images == 0 && sent == 0;
	int lost_in_write = failed && !lost_in_find && res.images < nwrite;
	int lost_in_prov = failed && !lost_in_find && !lost_in_write && res.images < nimg;
	if (!lost_in_find || res.id.uid[0])
		loader_seen(r, res.id.uid);
	if (wait != SIZE_MAX)
		step_done(r, wait, !lost_in_find, ms(found), 0, lost_in_find ? why : NULL);
	else
		sent += found;
	if (write != SIZE_MAX) {
		if (lost_in_find && wait != SIZE_MAX)
			step_skipped(r, write);
		else
			step_done(r, write, !(lost_in_find || lost_in_write), ms(sent - prov_s),
				  res.bytes - prov_bytes, lost_in_find || lost_in_write ? why : NULL);
	}
	if (prov != SIZE_MAX && prov_img) {
		if ((lost_in_find && first != prov) || lost_in_write)
			step_skipped(r, prov);
		else
			step_done(r, prov, !(lost_in_find || lost_in_prov),
				  ms(write != SIZE_MAX ? prov_s : sent), prov_bytes,
				  lost_in_find || lost_in_prov ? why : NULL);
		r->identity_written = !(lost_in_find || lost_in_write || lost_in_prov);
	}
	if (boot != SIZE_MAX) {
		if (lost_in_find || lost_in_write || lost_in_prov)
			step_skipped(r, boot);
		else
			step_done(r, boot, !failed, ms(ph[FWP_PHASE_RESET]), 0, why);
	}
	if (failed)
		*ok = fail_board(r, res.rc, rc->steps[first].path, why);
}

/*
 * provision step i: the record for this board (its unique ID from INFO,
 * the step's fields), signed with the station's provisioning key; its
 * security counter is the run's number in the record, which only grows,
 * so a board re-flashed later takes its newer record and never an older
 * one. Returns 0 with *why set when it cannot be made.
 */
static int make_prov(struct board_run *r, size_t i, struct fwp_job_image *img,
		     struct fwp_buf *buf, char *why, size_t whylen)
{
	const struct fwp_recipe_step *s = &r->st->recipe.steps[i];
	struct fwp_prov_field fields[FWP_RECIPE_FIELDS_MAX];
	char values[FWP_RECIPE_FIELDS_MAX][FWP_PROV_VALUE_MAX + 2];
	struct fwp_err e;
	if (!r->uid_len) {
		snprintf(why, whylen, "provision: the Loader on %s reported no unique ID: a record "
				      "is bound to one, so this board can take none",
			 r->b->port ? r->b->port : r->where);
		return 0;
	}
	if (r->sb.run_id <= 0 || (uint64_t)r->sb.run_id > UINT32_MAX) {
		snprintf(why, whylen, "provision: run number %lld does not fit the record's 32-bit "
				      "security counter",
			 (long long)r->sb.run_id);
		return 0;
	}
	for (size_t k = 0; k < s->nfields && k < FWP_RECIPE_FIELDS_MAX; k++) {
		expand(r, s->fields[k].value, values[k], sizeof(values[k]));
		fields[k].name = s->fields[k].name;
		fields[k].value = values[k];
	}
	struct fwp_prov_params p = {r->uid, r->uid_len, fields, s->nfields,
				    r->st->manifest.slots[s->slot].addr,
				    (uint32_t)r->sb.run_id, {1, 0, 0, 0}};
	uint8_t d[32];
	char hex[65];
	if (fwp_prov_image(&p, r->st->prov_key, buf, &e) < 0) {
		snprintf(why, whylen, "provision: %s", e.msg);
		return 0;
	}
	struct fwp_iov iov = {buf->data, buf->len};
	if (fwp_sha256(&iov, 1, d, &e) < 0) {
		snprintf(why, whylen, "provision: %s", e.msg);
		return 0;
	}
	fwp_hex(d, sizeof(d), hex);
	char name[FWP_NAME_MAX + 16];
	snprintf(name, sizeof(name), "provisioning:%s", r->st->manifest.slots[s->slot].name);
	if (fwp_station_board_image(r->st, &r->sb, name, hex, r->rec_err) < 0)
		r->record_failed = 1;
	memset(img, 0, sizeof(*img));
	snprintf(r->prov_label, sizeof(r->prov_label), "the provisioning record for %s",
		 r->res->board_uid);
	img->path = r->prov_label;
	img->data = buf->data;
	img->len = buf->len;
	img->slot = fwp_slot_for_type(FWP_IMAGE_TYPE_PROVISIONING);
	if (r->log)
		fprintf(r->log, "  provisioning record: %zu bytes, security counter %u, sha256 %s\n",
			buf->len, p.security_counter, hex);
	return 1;
}

/*
 * wait_loader, write, provision, boot from i (each optional, in this
 * order): one session with the Loader, or two when a provisioning record
 * needs the unique ID that the first session's INFO reports. Returns the
 * next step.
 */
static size_t run_loader(struct board_run *r, size_t i, int *ok)
{
	const struct fwp_recipe *rc = &r->st->recipe;
	size_t wait = SIZE_MAX, write = SIZE_MAX, prov = SIZE_MAX, boot = SIZE_MAX;
	if (rc->steps[i].kind == FWP_STEP_WAIT_LOADER)
		wait = i++;
	if (i < rc->nsteps && rc->steps[i].kind == FWP_STEP_WRITE)
		write = i++;
	if (i < rc->nsteps && rc->steps[i].kind == FWP_STEP_PROVISION)
		prov = i++;
	if (i < rc->nsteps && rc->steps[i].kind == FWP_STEP_BOOT)
		boot = i++;
	if (prov == SIZE_MAX) {
		loader_session(r, wait, write, SIZE_MAX, NULL, boot, i, ok);
		return i;
	}
	if (!r->uid_len && (wait != SIZE_MAX || write != SIZE_MAX)) {
		loader_session(r, wait, write, SIZE_MAX, NULL, SIZE_MAX, i, ok);
		if (!*ok || r->record_failed) {
			step_skipped(r, prov);
			if (boot != SIZE_MAX)
				step_skipped(r, boot);
			return i;
		}
		wait = write = SIZE_MAX;
	}
	if (!r->uid_len && wait == SIZE_MAX && write == SIZE_MAX) {
		/* Nothing before it in this session: a connection just for INFO. */
		loader_session(r, SIZE_MAX, SIZE_MAX, prov, NULL, SIZE_MAX, i, ok);
		if (!*ok || r->record_failed) {
			step_done(r, prov, 0, 0, 0, r->res->err.msg);
			if (boot != SIZE_MAX)
				step_skipped(r, boot);
			return i;
		}
	}
	struct fwp_job_image img;
	struct fwp_buf buf = {0};
	char why[sizeof(((struct fwp_err *)0)->msg)];
	if (!make_prov(r, prov, &img, &buf, why, sizeof(why))) {
		step_done(r, prov, 0, 0, 0, why);
		if (boot != SIZE_MAX)
			step_skipped(r, boot);
		*ok = fail_board(r, FWP_ERR_REFUSED, rc->steps[prov].path, why);
	} else if (!r->record_failed) {
		loader_session(r, wait, write, prov, &img, boot, i, ok);
	}
	fwp_buf_free(&buf);
	return i;
}

/* expect: a console line containing the expanded text, within the step's timeout. */
static size_t run_expect(struct board_run *r, size_t i, int *ok)
{
	const struct fwp_recipe_step *s = &r->st->recipe.steps[i];
	char want[CONSOLE_LINE_MAX], line[CONSOLE_LINE_MAX], why[CONSOLE_LINE_MAX + 64];
	expand(r, s->line, want, sizeof(want));
	if (!r->b->port) {
		*ok = step_refused(r, i, "expect: no console port given for this board (--port)");
		return i + 1;
	}
	unsigned timeout = s->timeout_ms ? s->timeout_ms : r->o->timeout_ms;
	struct fwp_serial *sp = NULL;
	struct fwp_err e;
	double t0 = now_s();
	int found = 0;
	uint64_t got = 0;
	/* As the serial transport does: a link (udev's by-id names) opened as what it names. */
	char real[PATH_MAX];
	int rc = fwp_serial_open(fwp_port_resolve(r->b->port, real, sizeof(real), &e) == FWP_OK
					 ? real
					 : r->b->port,
				 r->o->baud, &sp, &e);
	if (r->console_hold >= 0) {
		close(r->console_hold);
		r->console_hold = -1;
	}
	size_t n = 0;
	while (rc == FWP_OK && !found) {
		double left = timeout / 1000.0 - (now_s() - t0);
		if (left <= 0 || (r->o->cancel && *r->o->cancel))
			break;
		char c;
		int k = fwp_serial_read(sp, &c, 1, (unsigned)(left * 1000) + 1, &e);
		if (k < 0) {
			rc = k;
			break;
		}
		if (k == 0)
			continue;
		got++;
		if (c == '\n' || c == '\r') {
			line[n] = 0;
			found = n > 0 && strstr(line, want) != NULL;
			n = 0;
		} else if (n + 1 < sizeof(line)) {
			line[n++] = c;
		}
	}
	if (sp)
		fwp_serial_close(sp);
	uint64_t d = ms(now_s() - t0);
	if (found) {
		step_done(r, i, 1, d, got, NULL);
		return i + 1;
	}
	if (rc < 0)
		snprintf(why, sizeof(why), "expect: %s", e.msg);
	else
		snprintf(why, sizeof(why), "expect: no line \"%s\" on %s in %u ms", want,
			 r->b->port, timeout);
	step_done(r, i, 0, d, got, why);
	*ok = fail_board(r, rc < 0 ? rc : FWP_ERR_VERIFY, s->path, why);
	return i + 1;
}

/* Whether the recipe reaches a Loader that reports the board's unique ID (INFO over serial). */
static int learns_uid(const struct fwp_recipe *rc)
{
	for (size_t i = 0; i < rc->nsteps; i++)
		if (rc->steps[i].kind >= FWP_STEP_WAIT_LOADER && rc->steps[i].kind <= FWP_STEP_BOOT &&
		    rc->steps[i].over == FWP_OVER_SERIAL)
			return 1;
	return 0;
}

int fwp_station_run_board(struct fwp_station *st, const struct fwp_run_images *ri,
			  const struct fwp_run_board *b, const struct fwp_flash_opts *o, FILE *log,
			  struct fwp_run_result *res, struct fwp_err *err)
{
	struct board_run r = {.st = st, .ri = ri, .b = b, .o = o, .log = log, .res = res,
			      .rec_err = err, .console_hold = -1};
	memset(res, 0, sizeof(*res));
	fwp_err_clear(&res->err);
	/*
	 * Who the board is before the Loader tells: its USB serial number (an
	 * STM32 ROM derives it from the chip's unique ID), else its port, a
	 * stand-in that the Loader's unique ID replaces (fwp_rec_run_rekey).
	 * Its place (port, USB device) stays in the record.
	 */
	const char *key = b->usb_serial ? b->usb_serial : b->port ? b->port : b->usb_path;
	char where[600];
	if (b->port && (b->usb_serial || b->usb_path))
		snprintf(where, sizeof(where), "%s (usb %s)", b->port,
			 b->usb_serial ? b->usb_serial : b->usb_path);
	else
		snprintf(where, sizeof(where), "%s", b->port ? b->port : b->usb_path ? b->usb_path : b->usb_serial ? b->usb_serial : "");
	r.where = where;
	r.key_is_chip = b->usb_serial != NULL;
	snprintf(res->board_uid, sizeof(res->board_uid), "%s", key ? key : "");
	double t0 = now_s();
	/* A board whose Loader reports its unique ID takes its identity under it. */
	int rc = fwp_station_board_begin(st, res->board_uid, where, !learns_uid(&st->recipe), &r.sb,
					 err);
	if (rc < 0)
		return rc;
	snprintf(res->identity, sizeof(res->identity), "%s", r.sb.identity);
	res->identity_kept = r.sb.identity_kept;
	if (log)
		fprintf(log, "Board %s on %s%s%s%s\n", res->board_uid, where,
			r.sb.identity[0] ? ": identity " : "", r.sb.identity,
			r.sb.identity[0] ? (r.sb.identity_kept ? " (kept)" : " (new)") : "");
	int ok = 1;
	size_t i = 0;
	while (i < st->recipe.nsteps && !r.record_failed) {
		if (!ok || (o->cancel && *o->cancel)) {
			if (ok)
				ok = fail_board(&r, FWP_ERR_NO_DEVICE, st->recipe.steps[i].path, "interrupted");
			step_skipped(&r, i++);
			continue;
		}
		switch (st->recipe.steps[i].kind) {
		case FWP_STEP_DFUSE_MASS_ERASE:
		case FWP_STEP_DFUSE_WRITE:
		case FWP_STEP_DFUSE_LEAVE:
			i = run_dfuse(&r, i, &ok);
			break;
		case FWP_STEP_WAIT_LOADER:
		case FWP_STEP_WRITE:
		case FWP_STEP_PROVISION:
		case FWP_STEP_BOOT:
			i = run_loader(&r, i, &ok);
			break;
		case FWP_STEP_EXPECT:
		default:
			i = run_expect(&r, i, &ok);
			break;
		}
	}
	if (r.console_hold >= 0)
		close(r.console_hold);
	res->seconds = now_s() - t0;
	if (r.record_failed) {
		/* The record is what makes a board traceable: the station stops. */
		struct fwp_err ignored;
		fwp_station_board_end(st, &r.sb, FWP_REC_FAIL, r.identity_written, err->msg, &ignored);
		return err->code ? err->code : FWP_ERR_IO;
	}
	res->passed = ok;
	/* Stopped mid-board, whatever step it was in: the record says so, not "fail". */
	res->interrupted = !ok && res->interrupted;
	if (res->interrupted && strstr(res->err.msg, "interrupted") == NULL) {
		char why[sizeof(res->err.msg)];
		memcpy(why, res->err.msg, sizeof(why)); /* not formatted into itself */
		fwp_fail(&res->err, FWP_ERR_NO_DEVICE, "interrupted: %s", why);
	}
	/* A value is used once a provision step wrote it (or the run passed). */
	return fwp_station_board_end(st, &r.sb,
				     ok ? FWP_REC_PASS
				     : res->interrupted ? FWP_REC_INTERRUPTED
							: FWP_REC_FAIL,
				     r.identity_written, ok ? NULL : res->err.msg, err);
}

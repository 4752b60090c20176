/* Text, live-line and JSON renderers (render.h). */
#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "flasher.h"
#include "jsonout.h"
#include "render.h"

/* What a renderer remembers about one board. */
struct board_state {
	const struct fwp_board_id *id;
	int last_decile, bar_open;
	unsigned retries;
	char last_retry[128];
	char live[256]; /* TTY: the board's line */
	char error[1024];
};

struct fwp_render {
	enum fwp_render_mode mode;
	size_t nboards, nstates, cap, drawn;
	struct board_state *st;
};

struct fwp_render *fwp_render_new(enum fwp_render_mode mode, size_t nboards)
{
	struct fwp_render *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->mode = mode;
	r->nboards = nboards;
	r->cap = nboards ? nboards : 1;
	r->st = calloc(r->cap, sizeof(*r->st));
	if (!r->st) {
		free(r);
		return NULL;
	}
	return r;
}

void fwp_render_free(struct fwp_render *r)
{
	if (!r)
		return;
	free(r->st);
	free(r);
}

static struct board_state *state(struct fwp_render *r, const struct fwp_board_id *id)
{
	for (size_t i = 0; i < r->nstates; i++)
		if (r->st[i].id == id)
			return &r->st[i];
	if (r->nstates == r->cap) {
		/* A station meets boards as they come. */
		struct board_state *ns = realloc(r->st, 2 * r->cap * sizeof(*ns));
		if (!ns)
			return NULL;
		r->st = ns;
		r->cap *= 2;
	}
	struct board_state *s = &r->st[r->nstates++];
	memset(s, 0, sizeof(*s));
	s->id = id;
	return s;
}

static double rate_of(const struct fwp_event *e)
{
	return e->seconds > 0 ? (double)(e->offset - e->resumed_from) / e->seconds : 0;
}

/* ---- JSON ---- */

cJSON *fwp_json_slots(const struct fwp_device_info *d)
{
	cJSON *slots = cJSON_CreateArray();
	for (unsigned i = 0; slots && i < d->nslots; i++) {
		cJSON *s = cJSON_CreateObject();
		cJSON_AddNumberToObject(s, "id", d->slots[i].id);
		cJSON_AddNumberToObject(s, "address", d->slots[i].addr);
		cJSON_AddNumberToObject(s, "size", d->slots[i].size);
		cJSON_AddBoolToObject(s, "writable", d->slots[i].flags & FWP_SLOT_WRITABLE);
		cJSON_AddItemToArray(slots, s);
	}
	return slots;
}

static cJSON *target(const struct fwp_board_id *id)
{
	cJSON *t = cJSON_CreateObject();
	cJSON_AddStringToObject(t, "transport", id->transport ? id->transport : "");
	cJSON_AddStringToObject(t, "name", id->name);
	cJSON_AddStringToObject(t, "usb_serial", id->usb_serial);
	cJSON_AddStringToObject(t, "uid", id->uid);
	cJSON_AddStringToObject(t, "board", id->board);
	return t;
}

static cJSON *phases(const struct fwp_board_result *res)
{
	cJSON *p = cJSON_CreateObject();
	for (int i = 0; i < FWP_PHASE_COUNT; i++)
		cJSON_AddNumberToObject(p, fwp_phase_name((enum fwp_phase)i),
					(double)(long)(res->phase_seconds[i] * 1000) / 1000);
	return p;
}

/* A connect event's fields: the Loader's INFO, or the USB DFU interface. */
static void json_connect(cJSON *o, const struct fwp_event *e)
{
	const struct fwp_board_desc *d = e->desc;
	if (d->info) {
		cJSON_AddStringToObject(o, "board", d->info->board);
		cJSON_AddStringToObject(o, "role",
					d->info->role == FWP_ROLE_UPDATER ? "updater" : "loader");
		cJSON_AddNumberToObject(o, "protocol", d->info->version);
		cJSON_AddNumberToObject(o, "max_packet", d->info->max_packet);
		cJSON_AddNumberToObject(o, "window", d->info->window);
		cJSON_AddItemToObject(o, "slots", fwp_json_slots(d->info));
	} else {
		cJSON_AddStringToObject(o, "transport", e->board->transport);
		cJSON_AddStringToObject(o, "usb_id", d->usb_id);
		cJSON_AddStringToObject(o, "serial", e->board->usb_serial);
		cJSON_AddStringToObject(o, "path", e->board->name);
		cJSON_AddStringToObject(o, "protocol", d->protocol);
		cJSON_AddNumberToObject(o, "alt", d->alt);
		cJSON_AddStringToObject(o, "alt_name", d->alt_name);
		cJSON_AddNumberToObject(o, "transfer_size", d->transfer_size);
	}
}

/* A board's end: pass or fail, what moved, and how long each phase took. */
static void json_result(cJSON *o, const struct fwp_board_result *res)
{
	cJSON_AddStringToObject(o, "result", res->rc == FWP_OK ? "pass" : "fail");
	cJSON_AddNumberToObject(o, "images", res->images);
	cJSON_AddNumberToObject(o, "bytes", (double)res->bytes);
	cJSON_AddNumberToObject(o, "wire_bytes", (double)res->wire_bytes);
	cJSON_AddNumberToObject(o, "seconds", res->seconds);
	cJSON_AddItemToObject(o, "phases", phases(res));
	if (res->rc < 0)
		cJSON_AddStringToObject(o, "reason", res->err.msg);
}

static void json_event(const struct fwp_event *e)
{
	static const char *const names[] = {"phase",   "connect", "baud",  "begin", "erase",
					    "progress", "retry",   "verify", "done",  "boot",
					    "warning", "error",   "result"};
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "event", names[e->type]);
	switch (e->type) {
	case FWP_EVENT_PHASE:
		cJSON_AddStringToObject(o, "phase", fwp_phase_name(e->phase));
		break;
	case FWP_EVENT_CONNECT:
		json_connect(o, e);
		break;
	case FWP_EVENT_BAUD:
		cJSON_AddNumberToObject(o, "baud", e->value);
		break;
	case FWP_EVENT_BEGIN:
		cJSON_AddStringToObject(o, "image", e->image);
		cJSON_AddNumberToObject(o, "offset", e->offset);
		cJSON_AddNumberToObject(o, "size", e->size);
		cJSON_AddNumberToObject(o, "image_size", e->image_size);
		cJSON_AddBoolToObject(o, "compressed", e->compressed);
		cJSON_AddBoolToObject(o, "resumed", e->offset > 0);
		break;
	case FWP_EVENT_ERASE:
		if (e->slot >= 0)
			cJSON_AddNumberToObject(o, "slot", e->slot);
		cJSON_AddStringToObject(o, "mode", e->text);
		break;
	case FWP_EVENT_PROGRESS:
		cJSON_AddNumberToObject(o, "bytes", e->offset);
		cJSON_AddNumberToObject(o, "total", e->size);
		cJSON_AddNumberToObject(o, "bytes_per_second", (int)rate_of(e));
		break;
	case FWP_EVENT_RETRY:
		cJSON_AddNumberToObject(o, "offset", e->offset);
		cJSON_AddStringToObject(o, "reason", e->text ? e->text : "");
		break;
	case FWP_EVENT_VERIFY:
		break;
	case FWP_EVENT_DONE:
		cJSON_AddStringToObject(o, "image", e->image);
		cJSON_AddNumberToObject(o, "bytes", e->image_size);
		cJSON_AddNumberToObject(o, "wire_bytes", e->size - e->resumed_from);
		cJSON_AddNumberToObject(o, "resumed_from", e->resumed_from);
		cJSON_AddNumberToObject(o, "seconds", e->seconds);
		cJSON_AddNumberToObject(o, "bytes_per_second",
					e->seconds > 0 ? (int)(e->image_size / e->seconds) : 0);
		if (e->text)
			cJSON_AddStringToObject(o, "detail", e->text);
		break;
	case FWP_EVENT_BOOT:
	case FWP_EVENT_NOTE:
		if (e->text)
			cJSON_AddStringToObject(o, "detail", e->text);
		break;
	case FWP_EVENT_ERROR:
		cJSON_AddStringToObject(o, "code", fwp_error_name(e->err->code));
		cJSON_AddNumberToObject(o, "exit", fwp_exit_code(e->err->code));
		cJSON_AddStringToObject(o, "message", e->err->msg);
		cJSON_AddStringToObject(o, "phase", fwp_phase_name(e->phase));
		break;
	case FWP_EVENT_RESULT:
		json_result(o, e->result);
		break;
	}
	cJSON_AddItemToObject(o, "target", target(e->board));
	fwp_json_line(o);
}

/* ---- lines of text (and, on a terminal, a live line per board) ---- */

/* Above the live lines: move up over them, print, and let the next redraw put them back. */
static void say(struct fwp_render *r, const struct board_state *s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void redraw(struct fwp_render *r)
{
	if (r->mode != FWP_RENDER_TTY)
		return;
	if (r->drawn)
		printf("\033[%zuA", r->drawn);
	for (size_t i = 0; i < r->nstates; i++)
		printf("\r\033[2K%s\n", r->st[i].live);
	r->drawn = r->nstates;
	fflush(stdout);
}

static void say(struct fwp_render *r, const struct board_state *s, const char *fmt, ...)
{
	va_list ap;
	if (r->mode == FWP_RENDER_TTY && r->drawn) {
		printf("\033[%zuA\r\033[J", r->drawn);
		r->drawn = 0;
	}
	if (r->nboards > 1 && s)
		printf("[%s] ", s->id->name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	redraw(r);
	fflush(stdout);
}

static void live(struct fwp_render *r, struct board_state *s, const struct fwp_event *e,
		 const char *what)
{
	const struct fwp_board_id *id = s->id;
	char who[300];
	snprintf(who, sizeof(who), "%s%s%s", id->name, id->board[0] ? " " : "", id->board);
	if (e && e->type == FWP_EVENT_PROGRESS) {
		int pct = e->size ? (int)((uint64_t)e->offset * 100 / e->size) : 0;
		snprintf(s->live, sizeof(s->live), "%-40.40s %-8s %3d%% %7.1f KiB/s", who,
			 "transfer", pct, rate_of(e) / 1024);
	} else {
		snprintf(s->live, sizeof(s->live), "%-40.40s %s", who, what);
	}
	redraw(r);
}

static void text_event(struct fwp_render *r, const struct fwp_event *e)
{
	struct board_state *s = state(r, e->board);
	if (!s)
		return;
	int tty = r->mode == FWP_RENDER_TTY;
	switch (e->type) {
	case FWP_EVENT_PHASE:
		if (tty)
			live(r, s, e, fwp_phase_name(e->phase));
		break;
	case FWP_EVENT_CONNECT:
		say(r, s, "Connected: %s", e->desc->summary);
		break;
	case FWP_EVENT_BAUD:
		say(r, s, "Switched to %u baud", e->value);
		break;
	case FWP_EVENT_NOTE:
		if (tty) {
			say(r, s, "warning: %s", e->text);
		} else {
			if (r->nboards > 1)
				fprintf(stderr, "[%s] ", s->id->name);
			fprintf(stderr, "fwpack: warning: %s\n", e->text);
		}
		break;
	case FWP_EVENT_BEGIN:
		s->last_decile = 0;
		s->retries = 0;
		if (e->offset)
			say(r, s, "%s: resuming at byte %u of %u", e->image, e->offset, e->size);
		else if (e->compressed)
			say(r, s, "%s: %u bytes, %u compressed", e->image, e->image_size, e->size);
		else
			say(r, s, "%s: %u bytes", e->image, e->size);
		break;
	case FWP_EVENT_PROGRESS:
		if (tty) {
			live(r, s, e, NULL);
		} else {
			int decile = e->size ? (int)((uint64_t)e->offset * 10 / e->size) : 10;
			if (decile > s->last_decile) {
				s->last_decile = decile;
				say(r, s, "progress: %u/%u bytes (%d%%)", e->offset, e->size,
				    decile * 10);
			}
		}
		break;
	case FWP_EVENT_ERASE:
		break; /* people learn of it from the man page; scripts get the event */
	case FWP_EVENT_RETRY:
		/* Counted, not listed: a bad line resends thousands of frames. */
		s->retries++;
		snprintf(s->last_retry, sizeof(s->last_retry), "%s", e->text ? e->text : "?");
		break;
	case FWP_EVENT_VERIFY:
		say(r, s, "Verifying on the device (digest and signature)...");
		break;
	case FWP_EVENT_DONE:
		/* The effective rate counts image bytes, as esptool does. */
		say(r, s, "Wrote %u bytes (%u on the wire) in %.2f s (%.1f kbit/s effective); %s",
		    e->image_size, e->size - e->resumed_from, e->seconds,
		    e->seconds > 0 ? e->image_size * 8.0 / e->seconds / 1000 : 0,
		    e->text ? e->text : "verified and committed");
		if (s->retries)
			say(r, s, "(%u resends; the last because %s)", s->retries, s->last_retry);
		break;
	case FWP_EVENT_BOOT:
		say(r, s, "%s", e->text);
		break;
	case FWP_EVENT_ERROR:
		if (tty) {
			/* stderr is the same terminal: keep it for after the table. */
			snprintf(s->error, sizeof(s->error), "%s", e->err->msg);
		} else {
			if (r->nboards > 1)
				fprintf(stderr, "[%s] ", s->id->name);
			fprintf(stderr, "fwpack: %s\n",
				e->err->msg[0] ? e->err->msg : fwp_strerror(e->err->code));
		}
		break;
	case FWP_EVENT_RESULT:
		if (tty)
			live(r, s, e, e->result->rc == FWP_OK ? "passed" : "FAILED");
		break;
	}
}

void fwp_render_event(const struct fwp_event *e, void *ctx)
{
	struct fwp_render *r = ctx;
	if (r->mode == FWP_RENDER_JSON)
		json_event(e);
	else if (r->mode == FWP_RENDER_QUIET) {
		if (e->type == FWP_EVENT_ERROR)
			fprintf(stderr, "fwpack: %s\n", e->err->msg);
	} else
		text_event(r, e);
}

void fwp_render_count(struct fwp_render *r, unsigned passed, unsigned failed)
{
	if (r->mode == FWP_RENDER_JSON) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "event", "count");
		cJSON_AddNumberToObject(o, "passed", passed);
		cJSON_AddNumberToObject(o, "failed", failed);
		fwp_json_line(o);
	} else if (r->mode != FWP_RENDER_QUIET) {
		say(r, NULL, "station: %u passed, %u failed", passed, failed);
	}
}

void fwp_render_summary(struct fwp_render *r, const struct fwp_board_result *res, size_t n)
{
	if (r->mode == FWP_RENDER_JSON || r->mode == FWP_RENDER_QUIET)
		return;
	/* One board's story is already told line by line. */
	if (n > 1 || r->mode == FWP_RENDER_TTY) {
		size_t passed = 0;
		printf("\n%-28s %-16s %6s %10s %8s  %-6s %s\n", "board", "id", "images", "bytes",
		       "time", "result", "reason");
		for (size_t i = 0; i < n; i++) {
			const struct fwp_board_result *b = &res[i];
			passed += b->rc == FWP_OK;
			printf("%-28s %-16s %6u %10llu %7.2fs  %-6s %s\n", b->id.name,
			       b->id.uid[0] ? b->id.uid : b->id.usb_serial[0] ? b->id.usb_serial : "-",
			       b->images, (unsigned long long)b->bytes, b->seconds,
			       b->rc == FWP_OK ? "pass" : "FAIL", b->rc == FWP_OK ? "" : b->err.msg);
		}
		printf("\nphases (s)\n%-28s", "board");
		for (int p = 0; p < FWP_PHASE_COUNT; p++)
			printf(" %8s", fwp_phase_name((enum fwp_phase)p));
		printf("\n");
		for (size_t i = 0; i < n; i++) {
			printf("%-28s", res[i].id.name);
			for (int p = 0; p < FWP_PHASE_COUNT; p++)
				printf(" %8.3f", res[i].phase_seconds[p]);
			printf("\n");
		}
		printf("%zu of %zu boards passed\n", passed, n);
	}
	if (r->mode == FWP_RENDER_TTY)
		for (size_t i = 0; i < r->nstates; i++)
			if (r->st[i].error[0])
				fprintf(stderr, "fwpack: %s\n", r->st[i].error);
	fflush(stdout);
}

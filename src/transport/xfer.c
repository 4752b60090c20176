/* What both backends share between their transfer code and the events (transport.h). */
#include <stdlib.h>

#include "transport.h"
#include "xfer_report.h"

void fwp_sink_emit(const struct fwp_link_sink *s, struct fwp_event *e)
{
	e->board = s->id;
	s->emit(e, s->ctx);
}

void fwp_sink_phase(const struct fwp_link_sink *s, enum fwp_phase p)
{
	struct fwp_event e = {.type = FWP_EVENT_PHASE, .phase = p, .slot = -1};
	fwp_sink_emit(s, &e);
}

void fwp_sink_boot(const struct fwp_link_sink *s, const char *text)
{
	struct fwp_event e = {.type = FWP_EVENT_BOOT, .slot = -1, .text = text};
	fwp_sink_emit(s, &e);
}

void *fwp_link_alloc(size_t size, const struct fwp_flash_opts *o, const struct fwp_link_sink *sink)
{
	struct fwp_link_common *c = calloc(1, size);
	if (c) {
		c->o = o;
		c->sink = *sink;
	}
	return c;
}

static double since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

void fwp_xfer_report(const struct fwp_flash_report *r, void *ctx)
{
	struct fwp_xfer *x = ctx;
	struct fwp_event e = {.image = x->img ? x->img->path : NULL,
			      .slot = x->slot,
			      .offset = r->offset,
			      .size = r->size,
			      .image_size = r->image_size,
			      .resumed_from = x->start_off,
			      .text = r->text};
	switch (r->ev) {
	case FWP_EV_CONNECT:
		return; /* describe() says it, with the whole description */
	case FWP_EV_BEGIN:
		x->start_off = e.resumed_from = r->offset;
		clock_gettime(CLOCK_MONOTONIC, &x->t0);
		fwp_sink_phase(x->sink, FWP_PHASE_TRANSFER);
		e.type = FWP_EVENT_BEGIN;
		e.compressed = r->text != NULL;
		e.text = NULL;
		fwp_sink_emit(x->sink, &e);
		/* A resumed slot was erased by the run that began it: nothing more goes. */
		x->erase_told = r->offset > 0;
		if (!x->erase_told && x->erase_first) {
			e.type = FWP_EVENT_ERASE;
			e.text = x->erase_first;
			x->erase_told = 1;
			fwp_sink_emit(x->sink, &e);
		}
		return;
	case FWP_EV_PROGRESS:
		if (!x->erase_told) {
			/*
			 * The device erases each sector just before the data
			 * reaches it: from the first confirmed block, what the
			 * slot held is gone.
			 */
			struct fwp_event er = e;
			er.type = FWP_EVENT_ERASE;
			er.text = "sectors as the data arrives";
			x->erase_told = 1;
			fwp_sink_emit(x->sink, &er);
		}
		e.type = FWP_EVENT_PROGRESS;
		e.seconds = since(&x->t0);
		break;
	case FWP_EV_RETRY:
		e.type = FWP_EVENT_RETRY;
		break;
	case FWP_EV_VERIFY:
		fwp_sink_phase(x->sink, FWP_PHASE_VERIFY);
		e.type = FWP_EVENT_VERIFY;
		break;
	default:
		e.type = FWP_EVENT_DONE;
		e.seconds = since(&x->t0);
		break;
	}
	fwp_sink_emit(x->sink, &e);
}

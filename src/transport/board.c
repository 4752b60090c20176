/* One board's life, and many boards in parallel (board.h). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "board.h"
#include "provimage.h"

const char *fwp_phase_name(enum fwp_phase p)
{
	static const char *const names[FWP_PHASE_COUNT] = {
		"find", "enter", "connect", "baud", "transfer", "verify", "reset"};
	return (unsigned)p < FWP_PHASE_COUNT ? names[p] : "?";
}

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Between the backend and the caller: times phases, counts what was committed. */
struct timing {
	struct fwp_board_result *res;
	fwp_event_fn emit;
	void *ctx;
	enum fwp_phase phase;
	double since, start;
};

static void close_phase(struct timing *tm)
{
	double t = now_s();
	tm->res->phase_seconds[tm->phase] += t - tm->since;
	tm->since = t;
}

static void on_event(const struct fwp_event *e, void *ctx)
{
	struct timing *tm = ctx;
	if (e->type == FWP_EVENT_PHASE) {
		close_phase(tm);
		tm->phase = e->phase;
	} else if (e->type == FWP_EVENT_DONE) {
		tm->res->images++;
		tm->res->bytes += e->image_size;
		tm->res->wire_bytes += e->size - e->resumed_from;
	}
	if (tm->emit)
		tm->emit(e, tm->ctx);
}

int fwp_flash_board(const struct fwp_target *t, const struct fwp_job_image *imgs, size_t nimg,
		    const struct fwp_flash_opts *o, fwp_event_fn emit, void *ctx,
		    struct fwp_board_result *res)
{
	struct fwp_link *l = NULL;
	memset(res, 0, sizeof(*res));
	res->id.transport = t->ops->name;
	snprintf(res->id.name, sizeof(res->id.name), "%s", t->name);
	fwp_err_clear(&res->err);
	struct timing tm = {res, emit, ctx, FWP_PHASE_FIND, now_s(), 0};
	tm.start = tm.since;
	struct fwp_link_sink sink = {&res->id, on_event, &tm};
	struct fwp_event ev = {.type = FWP_EVENT_PHASE, .board = &res->id, .phase = FWP_PHASE_FIND,
			       .slot = -1};
	on_event(&ev, &tm);

	int rc = t->ops->open(t, o, &sink, &l, &res->err);
	if (rc == FWP_OK)
		rc = t->ops->describe(l, nimg ? &imgs[0] : NULL, &res->err);
	/* describe > 0: the board's whole job is done (DfuSe --unprotect). */
	for (size_t i = 0; rc == FWP_OK && i < nimg; i++) {
		if (o->cancel && *o->cancel)
			rc = fwp_fail(&res->err, FWP_ERR_NO_DEVICE, "%s: interrupted before %s",
				      res->id.name, imgs[i].path);
		else if ((rc = fwp_prov_check_board(imgs[i].data, imgs[i].len, res->id.uid,
						     &res->err)) < 0 ||
			 (rc = t->ops->send(l, &imgs[i], &res->err)) < 0)
			fwp_err_prefix(&res->err, imgs[i].path);
	}
	if (rc == FWP_OK && t->ops->finish)
		rc = t->ops->finish(l, &res->err);
	if (rc == FWP_OK && !o->no_boot) {
		ev.phase = FWP_PHASE_RESET;
		on_event(&ev, &tm);
		rc = t->ops->boot(l, &res->err);
	}
	if (l) {
		t->ops->close(l);
		free(l);
	}
	close_phase(&tm);
	res->seconds = now_s() - tm.start;
	res->rc = rc < 0 ? rc : FWP_OK;
	if (rc < 0) {
		struct fwp_event e = {.type = FWP_EVENT_ERROR, .board = &res->id, .phase = tm.phase,
				      .slot = -1, .err = &res->err};
		on_event(&e, &tm);
	}
	struct fwp_event done = {.type = FWP_EVENT_RESULT, .board = &res->id, .slot = -1,
				 .result = res};
	on_event(&done, &tm);
	return res->rc;
}

/* ---- many boards ---- */

struct pool {
	pthread_mutex_t lock; /* serialises emit, hands out boards */
	pthread_cond_t slot_free;
	unsigned running, jobs;
	const struct fwp_target *t;
	const struct fwp_job_image *imgs;
	size_t nimg;
	const struct fwp_flash_opts *o;
	fwp_event_fn emit;
	void *ctx;
	struct fwp_board_result *res;
};

struct worker {
	struct pool *p;
	size_t i;
	pthread_t th;
	int started;
};

static void locked_emit(const struct fwp_event *e, void *ctx)
{
	struct pool *p = ctx;
	pthread_mutex_lock(&p->lock);
	if (p->emit)
		p->emit(e, p->ctx);
	pthread_mutex_unlock(&p->lock);
}

static void *run_one(void *arg)
{
	struct worker *w = arg;
	struct pool *p = w->p;
	fwp_flash_board(&p->t[w->i], p->imgs, p->nimg, p->o, locked_emit, p, &p->res[w->i]);
	pthread_mutex_lock(&p->lock);
	p->running--;
	pthread_cond_signal(&p->slot_free);
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

size_t fwp_flash_boards(const struct fwp_target *t, size_t n, const struct fwp_job_image *imgs,
			size_t nimg, const struct fwp_flash_opts *o, unsigned jobs,
			fwp_event_fn emit, void *ctx, struct fwp_board_result *res)
{
	struct pool p = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0,
			 jobs ? jobs : (unsigned)n, t, imgs, nimg, o, emit, ctx, res};
	struct worker *w = calloc(n ? n : 1, sizeof(*w));
	size_t failed = 0;
	for (size_t i = 0; i < n; i++) {
		memset(&res[i], 0, sizeof(res[i]));
		res[i].rc = FWP_ERR_NOMEM;
		res[i].id.transport = t[i].ops->name;
		snprintf(res[i].id.name, sizeof(res[i].id.name), "%s", t[i].name);
		fwp_fail(&res[i].err, FWP_ERR_NOMEM, "%s: out of memory", t[i].name);
	}
	for (size_t i = 0; w && i < n; i++) {
		pthread_mutex_lock(&p.lock);
		while (p.running >= p.jobs)
			pthread_cond_wait(&p.slot_free, &p.lock);
		p.running++;
		pthread_mutex_unlock(&p.lock);
		w[i].p = &p;
		w[i].i = i;
		if (pthread_create(&w[i].th, NULL, run_one, &w[i]) == 0) {
			w[i].started = 1;
		} else {
			/* No thread: this board fails, the others go on. */
			pthread_mutex_lock(&p.lock);
			p.running--;
			pthread_mutex_unlock(&p.lock);
			fwp_fail(&res[i].err, FWP_ERR_NOMEM, "%s: cannot start a thread", t[i].name);
		}
	}
	for (size_t i = 0; w && i < n; i++)
		if (w[i].started)
			pthread_join(w[i].th, NULL);
	for (size_t i = 0; i < n; i++)
		failed += res[i].rc < 0;
	free(w);
	return failed;
}

/* Station mode (loop.h): a scan loop in the calling thread, a thread per board. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "loop.h"
#include "usbwatch.h"

/* With hotplug, the longest the loop sleeps between looks at its jobs. */
#define FWP_LOOP_IDLE_MS 1000

struct job {
	struct fwp_target t;
	struct fwp_board_result res;
	pthread_t th;
	int running, joined, absent;
	struct station *s;
};

struct station {
	pthread_mutex_t lock; /* emit, and the jobs' running flags */
	fwp_event_fn emit;
	void *ectx;
	fwp_board_work_fn work;
	void *wctx;
	struct fwp_usb_watch *watch; /* USB: hotplug (NULL: serial ports, polled) */
};

static void locked_emit(const struct fwp_event *e, void *ctx)
{
	struct station *s = ctx;
	pthread_mutex_lock(&s->lock);
	if (s->emit)
		s->emit(e, s->ectx);
	pthread_mutex_unlock(&s->lock);
}

static void *run_job(void *arg)
{
	struct job *j = arg;
	j->s->work(j->s->wctx, &j->t, locked_emit, j->s, &j->res);
	pthread_mutex_lock(&j->s->lock);
	j->running = 0;
	pthread_mutex_unlock(&j->s->lock);
	if (j->s->watch)
		fwp_usb_watch_wake(j->s->watch); /* counted now, not at the next event */
	return NULL;
}

void fwp_flash_work(void *ctx, struct fwp_target *t, fwp_event_fn emit, void *ectx,
		    struct fwp_board_result *res)
{
	const struct fwp_flash_work *w = ctx;
	fwp_flash_board(t, w->imgs, w->nimg, w->o, emit, ectx, res);
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

int fwp_station_loop(fwp_scan_fn scan, void *sctx, fwp_board_work_fn work, void *wctx,
		     enum fwp_looks looks, unsigned interval_ms,
		     const volatile int *stop,
		     fwp_event_fn emit, void *ectx,
		     void (*on_count)(const struct fwp_station_counts *c, void *ctx),
		     struct fwp_board_result **res, size_t *nres, struct fwp_err *err)
{
	struct station s = {PTHREAD_MUTEX_INITIALIZER, emit, ectx, work, wctx, NULL};
	struct job **jobs = NULL;
	size_t njobs = 0;
	struct fwp_station_counts c = {0, 0, 0};
	*res = NULL;
	*nres = 0;
	/* Watching before the first look: a board plugged in meanwhile is not missed. */
	int rc = looks & FWP_LOOK_USB ? fwp_usb_watch_new(&s.watch, err) : FWP_OK;
	for (unsigned look = looks; !*stop && rc == FWP_OK;) {
		struct fwp_target *now = NULL;
		size_t n = 0;
		if (look && scan(sctx, (enum fwp_looks)look, locked_emit, &s, &now, &n) < 0)
			n = 0; /* a failed scan is one missed look, not the station's end */
		for (size_t k = 0; look && k < njobs; k++)
			jobs[k]->absent = 1;
		for (size_t i = 0; i < n && !*stop; i++) {
			struct job *known = NULL;
			/* The latest job for this key decides. */
			for (size_t k = njobs; k-- > 0;)
				if (!strcmp(jobs[k]->t.key, now[i].key)) {
					known = jobs[k];
					break;
				}
			if (known) {
				known->absent = 0;
				continue;
			}
			struct job *j = calloc(1, sizeof(*j));
			struct job **nj = j ? realloc(jobs, (njobs + 1) * sizeof(*jobs)) : NULL;
			if (!j || !nj) {
				free(j);
				rc = fwp_fail(err, FWP_ERR_NOMEM, "out of memory");
				break;
			}
			jobs = nj;
			j->t = now[i];
			j->s = &s;
			j->running = 1;
			if (pthread_create(&j->th, NULL, run_job, j) != 0) {
				free(j);
				rc = fwp_fail(err, FWP_ERR_NOMEM, "%s: cannot start a thread", now[i].name);
				break;
			}
			jobs[njobs++] = j;
		}
		free(now);
		/* Finished boards: counted once; a failed one is forgotten once it is gone,
		   so that plugging it in again tries again. */
		for (size_t k = 0; k < njobs; k++) {
			struct job *j = jobs[k];
			pthread_mutex_lock(&s.lock);
			int running = j->running;
			pthread_mutex_unlock(&s.lock);
			if (running || j->joined) {
				if (!running && j->joined && j->res.rc < 0 && j->absent)
					j->t.key[0] = 0;
				continue;
			}
			pthread_join(j->th, NULL);
			j->joined = 1;
			if (j->res.rc == FWP_OK)
				c.passed++;
			else
				c.failed++;
			if (on_count) {
				pthread_mutex_lock(&s.lock);
				on_count(&c, ectx);
				pthread_mutex_unlock(&s.lock);
			}
		}
		look = looks & FWP_LOOK_SERIAL;
		if (s.watch) {
			if (fwp_usb_watch_wait(s.watch, look ? interval_ms : FWP_LOOP_IDLE_MS, stop))
				look |= FWP_LOOK_USB;
			continue;
		}
		for (unsigned waited = 0; waited < interval_ms && !*stop; waited += 50)
			sleep_ms(50);
	}
	/* Stopped: the boards still running stop at their next safe point (their cancel flag). */
	for (size_t k = 0; k < njobs; k++)
		if (!jobs[k]->joined) {
			pthread_join(jobs[k]->th, NULL);
			jobs[k]->joined = 1;
			if (jobs[k]->res.rc == FWP_OK)
				c.passed++;
			else
				c.failed++;
			if (on_count)
				on_count(&c, ectx);
		}
	*res = calloc(njobs ? njobs : 1, sizeof(**res));
	for (size_t k = 0; k < njobs; k++) {
		if (*res)
			(*res)[k] = jobs[k]->res;
		free(jobs[k]);
	}
	free(jobs);
	fwp_usb_watch_free(s.watch);
	*nres = *res ? njobs : 0;
	return rc;
}

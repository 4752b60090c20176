/*
 * fwpack run: a station recipe, on one board or several, one after
 * another, or (--loop) on each board as it is plugged in, through the
 * station engine fwpack flash --loop uses (src/station/loop.c). This file
 * turns the command line into boards (the same selection as fwpack flash:
 * --port repeated or a glob, --serial, --path, --all); src/station/run.c
 * takes each board through the steps.
 */
#include <glob.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "dfu.h"
#include "loop.h"
#include "run.h"
#include "station.h"
#include "usbwatch.h"
#include "util.h"

/* What every board's transfers use unless a step says otherwise (as fwpack flash). */
#define RUN_TIMEOUT_MS 2000u
#define RUN_RETRIES 10u
#define RUN_BAUD 115200u
/* --jobs at most: each board is a thread, its ports and a USB device. */
#define RUN_JOBS_MAX 64u

struct run_args {
	int dry_run, all, bad, quiet, loop;
	unsigned jobs, wait_ms;
	struct fwp_station_opts o;
	struct fwp_flash_opts f;
	const char **ports, **serials, **paths;
	size_t nports, nserials, npaths;
};

static int on_opt(const char *name, const char *arg, void *ctx)
{
	struct run_args *a = ctx;
	unsigned long v = 0;
	if (strcmp(name, "dry-run") == 0)
		a->dry_run = 1;
	else if (strcmp(name, "record") == 0)
		a->o.record = arg;
	else if (strcmp(name, "station") == 0)
		a->o.station = arg;
	else if (strcmp(name, "operator") == 0)
		a->o.operator_name = arg;
	else if (strcmp(name, "port") == 0)
		a->bad |= fwp_cli_push(&a->ports, &a->nports, arg);
	else if (strcmp(name, "serial") == 0)
		a->bad |= fwp_cli_push(&a->serials, &a->nserials, arg);
	else if (strcmp(name, "path") == 0)
		a->bad |= fwp_cli_push(&a->paths, &a->npaths, arg);
	else if (strcmp(name, "all") == 0)
		a->all = 1;
	else if (strcmp(name, "quiet") == 0)
		a->quiet = 1;
	else if (strcmp(name, "loop") == 0)
		a->loop = 1;
	else if (strcmp(name, "wait") == 0) {
		v = FWP_WAIT_DEFAULT_S;
		if (arg && (fwp_parse_ulong(arg, 86400, &v) || v == 0))
			a->bad = 1;
		a->wait_ms = (unsigned)v * 1000u;
	} else if (strcmp(name, "baud") == 0) {
		if (fwp_parse_ulong(arg, 16000000, &v) || v == 0)
			a->bad = 1;
		a->f.baud = (uint32_t)v;
	} else if (strcmp(name, "jobs") == 0) {
		if (fwp_parse_ulong(arg, RUN_JOBS_MAX, &v) || v == 0)
			a->bad = 1;
		a->jobs = (unsigned)v;
	} else if (strcmp(name, "timeout") == 0) {
		if (fwp_parse_ulong(arg, 600000, &v) || v == 0)
			a->bad = 1;
		a->f.timeout_ms = (unsigned)v;
	}
	if (a->bad) {
		fprintf(stderr, "fwpack run: --%s: '%s' is not a valid value\n", name, arg);
		return -1;
	}
	return 0;
}

static int dry_run(const char *path, const struct fwp_station_opts *o)
{
	struct fwp_recipe r;
	struct fwp_manifest m;
	struct fwp_err err;
	int rc = fwp_recipe_load(path, &r, &m, &err);
	if (rc < 0)
		return fwp_report(&err);
	const char *record = o->record ? o->record : r.record ? r.record : FWP_REC_DEFAULT;
	if (o->station) {
		free(r.station);
		r.station = strdup(o->station);
	}
	fwp_recipe_print_plan(&r, &m, record, stdout);
	fwp_recipe_free(&r);
	fwp_manifest_free(&m);
	return FWP_EXIT_OK;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static volatile int interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

/* The boards: --port globs expanded (sorted), the USB devices by serial, path or --all. */
struct boards {
	struct fwp_run_board *b;
	size_t n;
	char **owned; /* strings found here, freed at the end */
	size_t nowned;
};

static int keep(struct boards *bs, const char *s, const char **out)
{
	char *c = strdup(s);
	char **no = c ? realloc(bs->owned, (bs->nowned + 1) * sizeof(*no)) : NULL;
	if (!no) {
		free(c);
		return -1;
	}
	bs->owned = no;
	bs->owned[bs->nowned++] = c;
	*out = c;
	return 0;
}

static int expand_ports(const struct run_args *a, struct boards *ports, struct fwp_err *err)
{
	for (size_t i = 0; i < a->nports; i++) {
		glob_t g;
		int rc = glob(a->ports[i], GLOB_NOCHECK, NULL, &g);
		if (rc != 0)
			return fwp_fail(err, FWP_ERR_IO, "--port '%s': cannot expand", a->ports[i]);
		for (size_t k = 0; k < g.gl_pathc; k++) {
			struct fwp_run_board *nb = realloc(ports->b, (ports->n + 1) * sizeof(*nb));
			if (!nb || (ports->b = nb, keep(ports, g.gl_pathv[k], &nb[ports->n].port))) {
				globfree(&g);
				return fwp_fail(err, FWP_ERR_NOMEM, "out of memory");
			}
			nb[ports->n].usb_serial = nb[ports->n].usb_path = NULL;
			ports->n++;
		}
		globfree(&g);
	}
	return FWP_OK;
}

static int add_usb(struct boards *bs, const char *serial, const char *path)
{
	struct fwp_run_board *nb = realloc(bs->b, (bs->n + 1) * sizeof(*nb));
	if (!nb)
		return -1;
	bs->b = nb;
	memset(&nb[bs->n], 0, sizeof(nb[0]));
	if ((serial && keep(bs, serial, &nb[bs->n].usb_serial)) ||
	    (path && keep(bs, path, &nb[bs->n].usb_path)))
		return -1;
	bs->n++;
	return 0;
}

static int usb_boards(const struct run_args *a, struct boards *bs, struct fwp_err *err)
{
	for (size_t i = 0; i < a->nserials; i++)
		if (add_usb(bs, a->serials[i], NULL))
			return fwp_fail(err, FWP_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < a->npaths; i++)
		if (add_usb(bs, NULL, a->paths[i]))
			return fwp_fail(err, FWP_ERR_NOMEM, "out of memory");
	if (!a->all)
		return FWP_OK;
	struct fwp_dfu_ctx *ctx = NULL;
	struct fwp_dfu_info *found = NULL;
	size_t nfound = 0;
	struct fwp_dfu_select any = {-1, -1, NULL, NULL, NULL};
	int rc = fwp_dfu_init(&ctx, err);
	if (rc == FWP_OK)
		rc = fwp_dfu_list(ctx, &any, &found, &nfound, err);
	/* By serial number where there is one: it survives the board's re-enumeration. */
	for (size_t k = 0; rc == FWP_OK && k < nfound; k++)
		if (add_usb(bs, found[k].serial[0] ? found[k].serial : NULL,
			    found[k].serial[0] ? NULL : found[k].path))
			rc = fwp_fail(err, FWP_ERR_NOMEM, "out of memory");
	if (rc == FWP_OK && nfound == 0)
		rc = fwp_fail(err, FWP_ERR_NO_DEVICE, "--all: no USB DFU device found");
	free(found);
	fwp_dfu_exit(ctx);
	return rc;
}

/* What the recipe reaches each board by. */
static void recipe_needs(const struct fwp_recipe *r, int *usb, int *serial)
{
	*usb = *serial = 0;
	for (size_t i = 0; i < r->nsteps; i++) {
		enum fwp_step_kind k = r->steps[i].kind;
		if (k == FWP_STEP_DFUSE_MASS_ERASE || k == FWP_STEP_DFUSE_WRITE ||
		    k == FWP_STEP_DFUSE_LEAVE || r->steps[i].over == FWP_OVER_DFU)
			*usb = 1;
		else if (r->steps[i].over == FWP_OVER_SERIAL || k == FWP_STEP_EXPECT)
			*serial = 1;
	}
}

/*
 * One board per USB device and per port; a recipe that needs both pairs
 * them in order (the first DfuSe device is the board on the first port).
 */
static int select_boards(const struct run_args *a, const struct fwp_recipe *r,
			 struct boards *bs, struct fwp_err *err)
{
	struct boards ports = {0};
	int need_usb, need_serial;
	recipe_needs(r, &need_usb, &need_serial);
	int rc = expand_ports(a, &ports, err);
	if (rc == FWP_OK)
		rc = usb_boards(a, bs, err);
	if (rc == FWP_OK && need_usb && need_serial) {
		if (bs->n != ports.n)
			rc = fwp_fail(err, FWP_ERR_USAGE,
				      "%s: the recipe reaches each board over USB and over serial: "
				      "%zu USB device(s) but %zu port(s) (they pair in order)",
				      r->path, bs->n, ports.n);
		for (size_t i = 0; rc == FWP_OK && i < bs->n; i++)
			bs->b[i].port = ports.b[i].port;
	} else if (rc == FWP_OK && need_serial) {
		if (bs->n)
			rc = fwp_fail(err, FWP_ERR_USAGE,
				      "%s: the recipe reaches its boards over serial only: give --port, "
				      "not USB devices",
				      r->path);
		struct boards t = *bs;
		*bs = ports;
		ports = t;
	} else if (rc == FWP_OK && ports.n) {
		rc = fwp_fail(err, FWP_ERR_USAGE,
			      "%s: the recipe reaches its boards over USB only: give --serial, "
			      "--path or --all, not --port",
			      r->path);
	}
	if (rc == FWP_OK && bs->n == 0)
		rc = fwp_fail(err, FWP_ERR_USAGE, "no board given (--port, --serial, --path or --all)");
	/* The strings of both lists live until the end. */
	for (size_t i = 0; i < ports.nowned; i++) {
		char **no = realloc(bs->owned, (bs->nowned + 1) * sizeof(*no));
		if (!no) {
			free(ports.owned[i]);
			continue; /* only reachable on failure paths: nothing points at it then */
		}
		bs->owned = no;
		bs->owned[bs->nowned++] = ports.owned[i];
	}
	free(ports.owned);
	free(ports.b);
	return rc;
}

static void boards_free(struct boards *bs)
{
	for (size_t i = 0; i < bs->nowned; i++)
		free(bs->owned[i]);
	free(bs->owned);
	free(bs->b);
}

/* The boards, shared by the workers: each takes the next one until none is left. */
struct pool {
	struct fwp_station *st;
	const struct fwp_run_images *ri;
	const struct boards *bs; /* NULL with --loop: the boards come as they are plugged in */
	const struct fwp_flash_opts *f;
	int quiet;
	pthread_mutex_t lock; /* next, the counts, stdout */
	size_t next;
	unsigned passed, failed, stopped_mid; /* stopped_mid: interrupted on a board */
	int stopped; /* the record failed: no board may start */
	int exit_code;
	int live; /* one board at a time: its steps straight to stdout */
	struct fwp_err err;
};

/*
 * Board b through the recipe, its steps printed as one block (boards
 * running at once do not interleave), then its result and (--loop) the
 * running count. Returns 1 when it passed.
 */
static int run_one(struct pool *p, const struct fwp_run_board *b, struct fwp_err *why)
{
	char *text = NULL;
	size_t len = 0;
	FILE *log = p->quiet ? NULL : p->live ? stdout : open_memstream(&text, &len);
	struct fwp_run_result res;
	struct fwp_err err;
	fwp_err_clear(&err);
	int rc = fwp_station_run_board(p->st, p->ri, b, p->f, log, &res, &err);
	if (log && log != stdout)
		fclose(log);
	pthread_mutex_lock(&p->lock);
	if (text)
		fputs(text, stdout);
	free(text);
	if (rc < 0) {
		if (!p->stopped)
			p->err = err;
		p->stopped = 1;
		*why = err;
		/* The record is what makes a board traceable: no board may start now. */
		interrupted = 1;
	} else {
		if (res.passed)
			p->passed++;
		else if (res.interrupted)
			p->stopped_mid++;
		else
			p->failed++;
		printf("%s %s%s%s (%.1f s, %llu bytes)%s%s\n",
		       res.passed ? "PASS" : res.interrupted ? "STOPPED" : "FAIL", res.board_uid,
		       res.identity[0] ? " identity " : "", res.identity, res.seconds,
		       (unsigned long long)res.bytes, res.passed ? "" : ": ",
		       res.passed ? "" : res.err.msg);
		if (!p->bs)
			printf("station: %u passed, %u failed, %u interrupted\n", p->passed, p->failed,
			       p->stopped_mid);
		if (!res.passed && p->exit_code == FWP_EXIT_OK)
			p->exit_code = fwp_exit_code(res.err.code);
		*why = res.err;
	}
	fflush(stdout);
	pthread_mutex_unlock(&p->lock);
	return rc == FWP_OK && res.passed;
}

static void *worker(void *arg)
{
	struct pool *p = arg;
	for (;;) {
		pthread_mutex_lock(&p->lock);
		size_t i = p->next;
		int go = !p->stopped && !interrupted && i < p->bs->n;
		if (go)
			p->next++;
		pthread_mutex_unlock(&p->lock);
		if (!go)
			return NULL;
		struct fwp_err why;
		run_one(p, &p->bs->b[i], &why);
	}
}

/* --loop: the station engine's work for one board that was plugged in. */
static void loop_work(void *ctx, struct fwp_target *t, fwp_event_fn emit, void *ectx,
		      struct fwp_board_result *res)
{
	struct fwp_run_board b = {NULL, NULL, NULL};
	size_t pre = strlen(FWP_SCAN_USB_SERIAL);
	(void)emit;
	(void)ectx;
	if (t->ops == &fwp_transport_serial)
		b.port = t->name;
	else if (!strncmp(t->key, FWP_SCAN_USB_SERIAL, pre))
		b.usb_serial = t->key + pre; /* found again by it after each re-enumeration */
	else
		b.usb_path = t->usb_path;
	memset(res, 0, sizeof(*res));
	fwp_err_clear(&res->err);
	if (!run_one(ctx, &b, &res->err))
		res->rc = res->err.code < 0 ? res->err.code : FWP_ERR_VERIFY;
}

/* --wait: 0 when every --port matches a port and every USB board named is on the bus, else 1. */
static int present(void *ctx, struct fwp_err *err)
{
	const struct run_args *a = ctx;
	struct fwp_target *t = NULL;
	size_t n = 0;
	(void)err;
	for (size_t i = 0; i < a->nports; i++) {
		struct fwp_scan_spec one = {&a->ports[i], 1, -1, -1, NULL, NULL, 0, 0};
		int rc = fwp_station_scan(&one, &t, &n);
		free(t);
		if (rc < 0 || n == 0)
			return 1;
	}
	if (!a->all && a->nserials + a->npaths == 0)
		return 0;
	struct fwp_scan_spec usb = {NULL, 0, -1, -1, a->serials, a->paths, a->nserials, a->npaths};
	int missing = fwp_station_scan(&usb, &t, &n) < 0 || n == 0;
	/* Each one named: there (a device may match several selectors, so count each). */
	for (size_t i = 0; !missing && i < a->nserials + a->npaths; i++) {
		int seen = 0;
		for (size_t k = 0; k < n && !seen; k++)
			seen = i < a->nserials
				       ? !strncmp(t[k].key, FWP_SCAN_USB_SERIAL, strlen(FWP_SCAN_USB_SERIAL)) &&
						 !strcmp(t[k].key + strlen(FWP_SCAN_USB_SERIAL), a->serials[i])
				       : !strcmp(t[k].usb_path, a->paths[i - a->nserials]);
		missing = !seen;
	}
	free(t);
	return missing;
}

/* --wait: for the boards named to be plugged in, at most wait_ms (USB: on hotplug events). */
static void wait_boards(const struct run_args *a)
{
	struct fwp_err err;
	if (!a->nports) {
		fwp_usb_wait_for(a->wait_ms, &interrupted, present, (void *)a, &err);
		return;
	}
	for (unsigned w = 0; w < a->wait_ms && !interrupted && present((void *)a, &err);
	     w += FWP_SCAN_INTERVAL_MS) {
		struct timespec pause = {0, FWP_SCAN_INTERVAL_MS * 1000000L};
		nanosleep(&pause, NULL);
	}
}

/*
 * --loop: how the station finds its boards. A recipe that reaches each
 * board both over USB and over serial pairs them only in a list given up
 * front: a board plugged in is one device, found one way.
 */
static int loop_spec(const struct run_args *a, const struct fwp_recipe *r,
		     struct fwp_scan_spec *spec, struct fwp_err *err)
{
	int need_usb, need_serial;
	recipe_needs(r, &need_usb, &need_serial);
	memset(spec, 0, sizeof(*spec));
	spec->vid = spec->pid = -1;
	if (need_usb && need_serial)
		return fwp_fail(err, FWP_ERR_USAGE,
				"%s: --loop: the recipe reaches each board over USB and over serial, "
				"which pair only in a list given up front (--serial with --port), "
				"not as boards are plugged in",
				r->path);
	if (need_serial && !a->nports)
		return fwp_fail(err, FWP_ERR_USAGE,
				"%s: --loop: the recipe reaches its boards over serial: give --port "
				"with a glob for the ports they appear on",
				r->path);
	if (need_serial && (a->all || a->nserials || a->npaths))
		return fwp_fail(err, FWP_ERR_USAGE,
				"%s: the recipe reaches its boards over serial only: give --port, "
				"not USB devices",
				r->path);
	if (!need_serial && a->nports)
		return fwp_fail(err, FWP_ERR_USAGE,
				"%s: the recipe reaches its boards over USB only: give --serial, "
				"--path or --all, not --port",
				r->path);
	spec->ports = a->ports;
	spec->nports = a->nports;
	spec->serials = a->serials;
	spec->nserials = a->nserials;
	spec->paths = a->paths;
	spec->npaths = a->npaths;
	return FWP_OK;
}

static int scan(void *spec, enum fwp_looks what, fwp_event_fn emit, void *ectx,
		struct fwp_target **out, size_t *n)
{
	(void)what; /* one set: looked at only when it may have changed */
	(void)emit; /* nothing skipped to tell: the ports given are the boards */
	(void)ectx;
	return fwp_station_scan(spec, out, n);
}

static int run_loop(struct run_args *a, struct pool *p, struct fwp_err *err)
{
	struct fwp_scan_spec spec;
	struct fwp_board_result *res = NULL;
	size_t nres = 0;
	int rc = loop_spec(a, &p->st->recipe, &spec, err);
	if (rc < 0)
		return rc;
	printf("station %s: waiting for boards (Ctrl-C to stop)\n", p->st->name);
	fflush(stdout);
	rc = fwp_station_loop(scan, &spec, loop_work, p, spec.nports ? FWP_LOOK_SERIAL : FWP_LOOK_USB,
			      FWP_SCAN_INTERVAL_MS, &interrupted, NULL, NULL, NULL, &res, &nres,
			      err);
	free(res);
	return rc;
}

static int run_boards(struct run_args *a, const char *recipe)
{
	struct fwp_station st;
	struct fwp_err err;
	struct boards bs = {0};
	struct fwp_run_images ri = {0};
	fwp_err_clear(&err);
	/* Everything that can refuse does, before the first board: a station
	 * that cannot record must not flash. */
	if (fwp_station_open(recipe, &a->o, &st, &err) < 0)
		return fwp_report(&err);
	if (st.recovery.runs_interrupted + st.recovery.identities_abandoned)
		fprintf(stderr,
			"fwpack: station %s stopped before: %u run(s) marked interrupted, %u "
			"identity value(s) marked abandoned (first %s); each stays bound to its "
			"board\n",
			st.name, st.recovery.runs_interrupted, st.recovery.identities_abandoned,
			st.recovery.first_abandoned[0] ? st.recovery.first_abandoned : "-");
	if (!st.rec)
		fprintf(stderr, "fwpack: --record %s: nothing is recorded; these boards cannot be "
				"traced (for measuring the record's cost only)\n",
			FWP_STATION_NO_RECORD);
	struct sigaction sa, old_int, old_term;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	a->f.cancel = &interrupted;
	if (a->wait_ms)
		wait_boards(a);
	int rc = a->loop ? FWP_OK : select_boards(a, &st.recipe, &bs, &err);
	if (rc == FWP_OK)
		rc = fwp_run_images_load(&st, &a->f, &ri, &err);
	if (rc < 0) {
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGTERM, &old_term, NULL);
		boards_free(&bs);
		fwp_station_close(&st);
		return fwp_report(&err);
	}

	unsigned nthreads = a->jobs > 1 ? a->jobs : 1;
	if (nthreads > bs.n)
		nthreads = (unsigned)bs.n;
	/* --loop: every board in its own thread, so their steps are printed as blocks. */
	struct pool p = {&st, &ri, a->loop ? NULL : &bs, &a->f, a->quiet,
			 PTHREAD_MUTEX_INITIALIZER, 0, 0, 0, 0, 0, FWP_EXIT_OK,
			 !a->loop && nthreads <= 1, {0}};
	fwp_err_clear(&p.err);
	double t0 = now_s();
	pthread_t th[RUN_JOBS_MAX];
	unsigned started = 0;
	if (a->loop) {
		rc = run_loop(a, &p, &err);
		if (rc < 0 && !p.stopped) {
			p.err = err;
			p.stopped = 1;
		}
	} else if (nthreads <= 1) {
		/* One board after another in this thread; with --jobs, that many at once. */
		worker(&p);
	} else {
		for (; started < nthreads; started++)
			if (pthread_create(&th[started], NULL, worker, &p) != 0)
				break;
		if (started == 0)
			worker(&p);
	}
	for (unsigned k = 0; k < started; k++)
		pthread_join(th[k], NULL);
	pthread_mutex_destroy(&p.lock);
	int exit_code = p.exit_code;
	unsigned passed = p.passed, failed = p.failed + (a->loop ? 0 : p.stopped_mid);
	if (p.stopped)
		exit_code = fwp_report(&p.err); /* the record failed: the station stopped */
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	if (a->loop) {
		/* Ctrl-C is how a station's shift ends: not an error by itself. */
		printf("%u passed, %u failed, %u interrupted (station %s) in %.3f s\n", passed,
		       failed, p.stopped_mid, st.name, now_s() - t0);
	} else {
		printf("%u passed, %u failed, %zu not run (station %s) in %.3f s\n", passed, failed,
		       bs.n - passed - failed, st.name, now_s() - t0);
		if (interrupted && exit_code == FWP_EXIT_OK)
			exit_code = FWP_EXIT_NO_DEVICE;
	}
	fwp_run_images_free(&ri);
	boards_free(&bs);
	fwp_station_close(&st);
	return exit_code;
}

int fwp_cmd_run(const struct fwp_cmd *cmd, int argc, char **argv)
{
	struct run_args a;
	int rc;
	memset(&a, 0, sizeof(a));
	a.f.timeout_ms = RUN_TIMEOUT_MS;
	a.f.retries = RUN_RETRIES;
	a.f.baud = RUN_BAUD;
	a.f.forced_slot = -1;
	a.f.stop_after = -1;
	a.f.address = -1;
	int first = fwp_cli_start(cmd, argc, argv, on_opt, &a, 1, 1, "RECIPE", &rc);
	if (first >= 0 && a.loop && a.wait_ms)
		rc = fwp_cli_usage_error(cmd, "--loop waits for boards by itself: no --wait with it");
	else if (first >= 0 && a.loop && a.jobs > 1)
		rc = fwp_cli_usage_error(cmd, "--loop runs each board as it comes, all at once: no --jobs with it");
	else if (first >= 0)
		rc = a.dry_run ? dry_run(argv[first], &a.o) : run_boards(&a, argv[first]);
	free(a.ports);
	free(a.serials);
	free(a.paths);
	return rc;
}

/*
 * A station without boards, for the record's tests: it runs the record's
 * side of `fwpack run` (start, one run per board, an identity from the
 * pool, images, steps, end) for N boards with made-up unique IDs, so that
 * several processes can share one record and one be killed mid-run.
 *
 *   station_sim --record T --station NAME --boards N --uid-base HEX
 *               (--format F [--start N] [--end N] | --csv FILE [--column C]
 *                | --command CMD) [--pool NAME] [--step-ms MS] [--fail-at I]
 *               [--stop-at I]   (SIGSTOP itself holding board I's identity,
 *                                so a test can kill it there for certain)
 *
 *   station_sim --recipe RECIPE [--record T] [--station NAME] --boards N ...
 *               the same through the station API (station.h) and a recipe:
 *               its images, steps and identity source
 *
 * Prints "recovered RUNS IDENTITIES FIRST" once, then "board UID VALUE
 * (new|kept)" per board, flushed, so a test can kill it between lines.
 */
#include <getopt.h>
#include <signal.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "station.h"

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static int die(const struct fwp_err *err)
{
	fprintf(stderr, "station_sim: %s\n", err->msg);
	return 1;
}

/* Boards through a recipe, as `fwpack run` will take them, minus the transport. */
static int through_recipe(const char *recipe, const struct fwp_station_opts *o,
			  unsigned long boards, uint64_t uid_base, unsigned long step_ms,
			  unsigned long fail_at)
{
	struct fwp_station st;
	struct fwp_err err = {0};
	int rc = 0;
	if (fwp_station_open(recipe, o, &st, &err) < 0)
		return die(&err);
	printf("recovered %u %u %s\n", st.recovery.runs_interrupted,
	       st.recovery.identities_abandoned,
	       st.recovery.first_abandoned[0] ? st.recovery.first_abandoned : "-");
	fflush(stdout);
	for (unsigned long n = 0; n < boards && rc == 0; n++) {
		struct fwp_station_board b;
		char uid[32];
		int failed = n == fail_at;
		snprintf(uid, sizeof(uid), "%024" PRIx64, uid_base + n);
		if (fwp_station_board_begin(&st, uid, "/dev/ttySIM0", 1, &b, &err) < 0) {
			rc = die(&err);
			break;
		}
		size_t s;
		for (s = 0; s < st.recipe.nsteps && rc == 0; s++) {
			int this_fails = failed && s + 1 == st.recipe.nsteps;
			sleep_ms((unsigned)step_ms);
			if (fwp_station_board_step(&st, &b, s, this_fails ? FWP_REC_FAIL : FWP_REC_PASS,
						   step_ms, 1000 * s,
						   this_fails ? "expect: no such line in 5000 ms" : NULL,
						   &err) < 0)
				rc = die(&err);
		}
		if (rc == 0 && fwp_station_board_end(&st, &b, failed ? FWP_REC_FAIL : FWP_REC_PASS, 1,
						     failed ? "expect: no such line in 5000 ms" : NULL,
						     &err) < 0)
			rc = die(&err);
		if (rc == 0) {
			printf("board %s %s %s\n", uid, b.identity[0] ? b.identity : "-",
			       b.identity_kept ? "kept" : "new");
			fflush(stdout);
		}
	}
	fwp_station_close(&st);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{"record", 1, 0, 'r'}, {"station", 1, 0, 's'}, {"boards", 1, 0, 'n'},
		{"uid-base", 1, 0, 'u'}, {"format", 1, 0, 'f'}, {"start", 1, 0, 'S'},
		{"end", 1, 0, 'E'}, {"csv", 1, 0, 'c'}, {"column", 1, 0, 'C'},
		{"command", 1, 0, 'x'}, {"pool", 1, 0, 'p'}, {"step-ms", 1, 0, 'm'},
		{"fail-at", 1, 0, 'F'}, {"stop-at", 1, 0, 'T'}, {"recipe", 1, 0, 'R'}, {"operator", 1, 0, 'O'},
		{0, 0, 0, 0}};
	const char *recipe = NULL, *operator_name = NULL;
	int station_given = 0;
	const char *target = NULL, *station = "sim", *column = NULL;
	unsigned long boards = 1, step_ms = 0, fail_at = (unsigned long)-1,
		      stop_at = (unsigned long)-1;
	uint64_t uid_base = 0x1000;
	struct fwp_idsrc src = {.kind = FWP_IDSRC_COUNTER, .start = 1, .end = 999999,
				.timeout_ms = 5000};
	struct fwp_err err = {0};
	int c;

	snprintf(src.pool, sizeof(src.pool), "serial");
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'r': target = optarg; break;
		case 's': station = optarg; station_given = 1; break;
		case 'R': recipe = optarg; break;
		case 'O': operator_name = optarg; break;
		case 'n': boards = strtoul(optarg, NULL, 0); break;
		case 'u': uid_base = strtoull(optarg, NULL, 16); break;
		case 'f': snprintf(src.format, sizeof(src.format), "%s", optarg); break;
		case 'S': src.start = strtoull(optarg, NULL, 0); break;
		case 'E': src.end = strtoull(optarg, NULL, 0); break;
		case 'c': src.kind = FWP_IDSRC_CSV; src.csv_path = strdup(optarg); break;
		case 'C': column = optarg; break;
		case 'x': src.kind = FWP_IDSRC_COMMAND; src.command = strdup(optarg); break;
		case 'p': snprintf(src.pool, sizeof(src.pool), "%s", optarg); break;
		case 'm': step_ms = strtoul(optarg, NULL, 0); break;
		case 'F': fail_at = strtoul(optarg, NULL, 0); break;
		case 'T': stop_at = strtoul(optarg, NULL, 0); break;
		default: return 2;
		}
	}
	if (recipe) {
		struct fwp_station_opts o = {target, station_given ? station : NULL, operator_name};
		fwp_idsrc_free(&src);
		return through_recipe(recipe, &o, boards, uid_base, step_ms, fail_at);
	}
	if (!target) {
		fprintf(stderr, "station_sim: --record is required\n");
		return 2;
	}
	if (src.kind == FWP_IDSRC_CSV &&
	    fwp_csvlist_load(src.csv_path, column, &src.values, &src.nvalues, &err) < 0) {
		fwp_idsrc_free(&src);
		return die(&err);
	}
	if (src.kind == FWP_IDSRC_COUNTER && !src.format[0])
		snprintf(src.format, sizeof(src.format), "FW-{:06d}");

	/* Everything that can refuse does so before the first board. */
	struct fwp_rec *rec;
	struct fwp_rec_recovery rep;
	uint64_t remaining;
	if (fwp_rec_open(target, FWP_REC_WRITE, &rec, &err) < 0) {
		fwp_idsrc_free(&src);
		return die(&err);
	}
	if (fwp_rec_station_start(rec, station, &rep, &err) < 0 ||
	    fwp_rec_pool_prepare(rec, &src, &remaining, &err) < 0) {
		fwp_rec_close(rec);
		fwp_idsrc_free(&src);
		return die(&err);
	}
	printf("recovered %u %u %s\n", rep.runs_interrupted, rep.identities_abandoned,
	       rep.first_abandoned[0] ? rep.first_abandoned : "-");
	fflush(stdout);

	static const char *const steps[] = {"dfuse_mass_erase", "dfuse_write", "wait_loader",
					    "write", "provision", "boot", "expect"};
	int rc = 0;
	for (unsigned long b = 0; b < boards && rc == 0; b++) {
		char uid[32], value[FWP_IDENTITY_MAX];
		int reused = 0;
		int64_t run;
		snprintf(uid, sizeof(uid), "%024" PRIx64, uid_base + b);
		struct fwp_rec_run rr = {station, "tester", uid, "/dev/ttySIM0", "sim.json"};
		if (fwp_rec_run_begin(rec, &rr, &run, &err) < 0) {
			rc = die(&err);
			break;
		}
		if (fwp_rec_identity_acquire(rec, &src, run, value, &reused, &err) < 0) {
			/* The board gets no value: its run fails, on record. */
			fwp_rec_run_end(rec, run, FWP_REC_FAIL, 0, err.msg, NULL);
			rc = die(&err);
			break;
		}
		if (
		    fwp_rec_run_image(rec, run, "app", "2.3.0",
				      "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8",
				      &err) < 0) {
			rc = die(&err);
			break;
		}
		if (b == stop_at)
			raise(SIGSTOP); /* mid-run: identity held, image on record */
		int failed = b == fail_at;
		for (unsigned s = 0; s < sizeof(steps) / sizeof(steps[0]); s++) {
			sleep_ms((unsigned)step_ms);
			int this_fails = failed && s == 3;
			struct fwp_rec_step st = {s + 1, steps[s],
						  this_fails ? FWP_REC_FAIL : FWP_REC_PASS,
						  step_ms, s == 3 ? 4096u : 0u,
						  this_fails ? "no answer after 10 tries" : NULL};
			if (fwp_rec_run_step(rec, run, &st, &err) < 0) {
				rc = die(&err);
				break;
			}
			if (this_fails)
				break;
		}
		if (rc == 0 && fwp_rec_run_end(rec, run, failed ? FWP_REC_FAIL : FWP_REC_PASS, 0,
					       failed ? "write: no answer after 10 tries" : NULL,
					       &err) < 0)
			rc = die(&err);
		if (rc == 0) {
			printf("board %s %s %s\n", uid, value, reused ? "kept" : "new");
			fflush(stdout);
		}
	}
	fwp_rec_close(rec);
	fwp_idsrc_free(&src);
	return rc;
}

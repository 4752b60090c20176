/* fwpack run: a station recipe, for one board after another. */
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "station/recipe.h"
#include "station/record.h"

struct run_args {
	int dry_run;
	const char *record;
	const char *station;
	const char *operator_name;
};

static int on_opt(const char *name, const char *arg, void *ctx)
{
	struct run_args *a = ctx;
	if (strcmp(name, "dry-run") == 0)
		a->dry_run = 1;
	else if (strcmp(name, "record") == 0)
		a->record = arg;
	else if (strcmp(name, "station") == 0)
		a->station = arg;
	else if (strcmp(name, "operator") == 0)
		a->operator_name = arg;
	return 0;
}

int fwp_cmd_run(const struct fwp_cmd *cmd, int argc, char **argv)
{
	struct run_args a = {0};
	struct fwp_recipe r;
	struct fwp_manifest m;
	struct fwp_err err;
	char host[256];
	int done;

	fwp_err_clear(&err);
	int first = fwp_cli_parse(cmd, argc, argv, on_opt, &a, &done);
	if (first < 0)
		return FWP_EXIT_USAGE;
	if (done)
		return FWP_EXIT_OK;
	if (argc - first != 1)
		return fwp_cli_usage_error(cmd, "expected one RECIPE");

	int rc = fwp_recipe_load(argv[first], &r, &m, &err);
	if (rc < 0)
		return fwp_report(&err);
	const char *record = a.record ? a.record : r.record ? r.record : FWP_REC_DEFAULT;
	const char *station = a.station ? a.station : r.station;
	if (!station) {
		if (gethostname(host, sizeof(host)) < 0)
			snprintf(host, sizeof(host), "station");
		host[sizeof(host) - 1] = '\0';
		station = host;
	}
	if (a.dry_run) {
		struct fwp_recipe shown = r;
		shown.station = (char *)station;
		fwp_recipe_print_plan(&shown, &m, record, stdout);
		fwp_recipe_free(&r);
		fwp_manifest_free(&m);
		return FWP_EXIT_OK;
	}

	/* Everything that can refuse does, before the first board: a station
	 * that cannot record must not flash. */
	struct fwp_rec *rec = NULL;
	struct fwp_rec_recovery rep;
	uint64_t remaining = 0;
	rc = fwp_rec_open(record, FWP_REC_WRITE, &rec, &err);
	if (rc == FWP_OK)
		rc = fwp_rec_station_start(rec, station, &rep, &err);
	if (rc == FWP_OK && rep.runs_interrupted + rep.identities_abandoned)
		fprintf(stderr,
			"fwpack: station %s stopped before: %u run(s) marked interrupted, %u "
			"identity value(s) marked abandoned (first %s); each stays bound to its "
			"board\n",
			station, rep.runs_interrupted, rep.identities_abandoned,
			rep.first_abandoned[0] ? rep.first_abandoned : "-");
	if (rc == FWP_OK && r.has_identity)
		rc = fwp_rec_pool_prepare(rec, &r.identity, &remaining, &err);
	if (rc == FWP_OK)
		rc = fwp_fail(&err, FWP_ERR_UNSUPPORTED,
			      "%s: the recipe and the record %s are ready, but running the steps "
			      "needs the transport layer (flashing through the fwpack Loader and "
			      "DfuSe, not yet in this build): nothing was flashed; see --dry-run",
			      argv[first], record);
	fwp_rec_close(rec);
	fwp_recipe_free(&r);
	fwp_manifest_free(&m);
	return fwp_report(&err);
}

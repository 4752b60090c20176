/* fwpack run: a station recipe, for one board after another. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "station.h"

struct run_args {
	int dry_run;
	struct fwp_station_opts o;
};

static int on_opt(const char *name, const char *arg, void *ctx)
{
	struct run_args *a = ctx;
	if (strcmp(name, "dry-run") == 0)
		a->dry_run = 1;
	else if (strcmp(name, "record") == 0)
		a->o.record = arg;
	else if (strcmp(name, "station") == 0)
		a->o.station = arg;
	else if (strcmp(name, "operator") == 0)
		a->o.operator_name = arg;
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

int fwp_cmd_run(const struct fwp_cmd *cmd, int argc, char **argv)
{
	struct run_args a = {0};
	struct fwp_station st;
	struct fwp_err err;
	int done;

	fwp_err_clear(&err);
	int first = fwp_cli_parse(cmd, argc, argv, on_opt, &a, &done);
	if (first < 0)
		return FWP_EXIT_USAGE;
	if (done)
		return FWP_EXIT_OK;
	if (argc - first != 1)
		return fwp_cli_usage_error(cmd, "expected one RECIPE");
	if (a.dry_run)
		return dry_run(argv[first], &a.o);

	/* Everything that can refuse does, before the first board: a station
	 * that cannot record must not flash. */
	if (fwp_station_open(argv[first], &a.o, &st, &err) < 0)
		return fwp_report(&err);
	if (st.recovery.runs_interrupted + st.recovery.identities_abandoned)
		fprintf(stderr,
			"fwpack: station %s stopped before: %u run(s) marked interrupted, %u "
			"identity value(s) marked abandoned (first %s); each stays bound to its "
			"board\n",
			st.name, st.recovery.runs_interrupted, st.recovery.identities_abandoned,
			st.recovery.first_abandoned[0] ? st.recovery.first_abandoned : "-");
	fwp_fail(&err, FWP_ERR_UNSUPPORTED,
		 "%s: the recipe, its %zu images and the record are ready (station %s), but "
		 "running the steps needs the transport layer (flashing through the fwpack "
		 "Loader and DfuSe, not yet in this build): nothing was flashed; see --dry-run",
		 argv[first], st.nimages, st.name);
	fwp_station_close(&st);
	return fwp_report(&err);
}

/* fwpack build */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "build.h"
#include "cli.h"
#include "manifest.h"

struct build_args {
	struct fwp_build_opts opts;
	int quiet;
};

static int on_opt(const char *name, const char *arg, void *ctx)
{
	struct build_args *a = ctx;
	if (strcmp(name, "output-dir") == 0)
		a->opts.out_dir = arg;
	else if (strcmp(name, "digest-dir") == 0)
		a->opts.digest_dir = arg;
	else if (strcmp(name, "signature-dir") == 0)
		a->opts.signature_dir = arg;
	else if (strcmp(name, "quiet") == 0)
		a->quiet = 1;
	return 0;
}

/* mkdir -p: output directories are created, as build systems expect. */
static int make_dirs(const char *path, struct fwp_err *err)
{
	char *p = strdup(path);
	if (!p)
		return fwp_fail(err, FWP_ERR_NOMEM, "out of memory");
	for (char *s = p + 1;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;
		*s = '\0';
		if (mkdir(p, 0777) < 0 && errno != EEXIST) {
			int rc = fwp_fail(err, FWP_ERR_IO, "%s: cannot create directory: %s", p,
					  strerror(errno));
			free(p);
			return rc;
		}
		*s = c;
		if (!c)
			break;
	}
	free(p);
	struct stat st;
	if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode))
		return fwp_fail(err, FWP_ERR_IO, "%s: not a directory", path);
	return FWP_OK;
}

int fwp_cmd_build(const struct fwp_cmd *cmd, int argc, char **argv)
{
	struct build_args a = {{".", NULL, NULL, stdout, stderr}, 0};
	struct fwp_manifest m;
	struct fwp_err err;
	int code;

	fwp_err_clear(&err);
	int first = fwp_cli_start(cmd, argc, argv, on_opt, &a, 1, 1, "MANIFEST", &code);
	if (first < 0)
		return code;
	if (a.opts.digest_dir && a.opts.signature_dir)
		return fwp_cli_usage_error(cmd, "--digest-dir and --signature-dir are two steps; "
						"give one");
	if (a.quiet)
		a.opts.log = NULL;
	if (fwp_manifest_load(argv[first], &m, &err) < 0)
		return fwp_report(&err);
	const char *dir = a.opts.digest_dir ? a.opts.digest_dir : a.opts.out_dir;
	int rc = make_dirs(dir, &err);
	if (rc == FWP_OK)
		rc = fwp_build(&m, &a.opts, &err);
	fwp_manifest_free(&m);
	return rc < 0 ? fwp_report(&err) : FWP_EXIT_OK;
}

/* Option parsing, help and exit codes shared by every command. */
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int fwp_exit_code(int rc)
{
	switch (rc) {
	case FWP_OK:
		return FWP_EXIT_OK;
	case FWP_ERR_VERIFY:
		return FWP_EXIT_VERIFY;
	case FWP_ERR_ARG:
	case FWP_ERR_USAGE:
		return FWP_EXIT_USAGE;
	case FWP_ERR_FORMAT:
	case FWP_ERR_RANGE:
	case FWP_ERR_UNSUPPORTED:
	case FWP_ERR_CRYPTO:
		return FWP_EXIT_DATA;
	case FWP_ERR_NOT_FOUND:
		return FWP_EXIT_NOINPUT;
	case FWP_ERR_IO:
		return FWP_EXIT_IO;
	case FWP_ERR_REFUSED:
		return FWP_EXIT_REFUSED;
	case FWP_ERR_NO_DEVICE:
		return FWP_EXIT_NO_DEVICE;
	case FWP_ERR_PROTOCOL:
		return FWP_EXIT_PROTOCOL;
	case FWP_ERR_NOMEM:
	case FWP_ERR_INTERNAL:
	default:
		return FWP_EXIT_SOFTWARE;
	}
}

int fwp_report(const struct fwp_err *err)
{
	fprintf(stderr, "fwpack: %s\n", err->msg[0] ? err->msg : fwp_strerror(err->code));
	return fwp_exit_code(err->code);
}

void fwp_cli_help(const struct fwp_cmd *cmd, FILE *out)
{
	fprintf(out, "usage: fwpack %s %s\n\n%s\n\noptions:\n", cmd->name, cmd->args,
		cmd->summary);
	for (const struct fwp_opt *o = cmd->opts; o->long_name; o++) {
		char left[64];
		int n = 0;
		if (o->short_name)
			n = snprintf(left, sizeof(left), "-%c, ", o->short_name);
		else
			n = snprintf(left, sizeof(left), "    ");
		snprintf(left + n, sizeof(left) - (size_t)n, "--%s%s%s", o->long_name,
			 o->arg_name && o->arg_name[0] != '[' ? " " : "",
			 o->arg_name ? o->arg_name : "");
		fprintf(out, "  %-28s %s\n", left, o->help);
	}
	fprintf(out, "  %-28s %s\n", "-h, --help", "show this help and exit");
}

int fwp_cli_usage_error(const struct fwp_cmd *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "fwpack: %s: ", cmd->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage: fwpack %s %s (see fwpack %s --help)\n", cmd->name, cmd->args,
		cmd->name);
	return FWP_EXIT_USAGE;
}

int fwp_cli_parse(const struct fwp_cmd *cmd, int argc, char **argv,
		  int (*on_opt)(const char *name, const char *arg, void *ctx), void *ctx,
		  int *done)
{
	size_t n = 0;
	for (const struct fwp_opt *o = cmd->opts; o->long_name; o++)
		n++;
	struct option *lo = calloc(n + 2, sizeof(*lo));
	char *so = calloc(2 * n + 4, 1);
	if (!lo || !so) {
		free(lo);
		free(so);
		fprintf(stderr, "fwpack: out of memory\n");
		return -1;
	}
	size_t k = 0;
	strcpy(so, "+h"); /* '+': stop at the first operand, as POSIX says */
	for (size_t i = 0; i < n; i++) {
		const struct fwp_opt *o = &cmd->opts[i];
		lo[i].name = o->long_name;
		/* "[=SECONDS]": an optional argument, given only as --name=value. */
		lo[i].has_arg = !o->arg_name		? no_argument
				: o->arg_name[0] == '[' ? optional_argument
							: required_argument;
		lo[i].val = 256 + (int)i;
		if (o->short_name) {
			k = strlen(so);
			so[k] = (char)o->short_name;
			if (o->arg_name)
				so[k + 1] = ':';
		}
	}
	lo[n].name = "help";
	lo[n].val = 'h';

	int rc = 0;
	*done = 0;
	optind = 1;
	opterr = 0;
	for (;;) {
		int longidx = -1;
		int c = getopt_long(argc, argv, so, lo, &longidx);
		if (c == -1)
			break;
		if (c == 'h') {
			fwp_cli_help(cmd, stdout);
			*done = 1;
			break;
		}
		if (c == '?' || c == ':') {
			const char *bad = argv[optind - 1];
			if (optopt && optopt < 256)
				rc = fwp_cli_usage_error(cmd, "option -%c %s", optopt,
							 c == ':' ? "needs an argument"
								  : "is not known");
			else
				rc = fwp_cli_usage_error(cmd, "option %s %s", bad,
							 strchr(bad, '=') || c == '?'
								 ? "is not known or needs an argument"
								 : "needs an argument");
			rc = -1;
			break;
		}
		const struct fwp_opt *o = NULL;
		if (c >= 256)
			o = &cmd->opts[c - 256];
		else
			for (size_t i = 0; i < n; i++)
				if (cmd->opts[i].short_name == c)
					o = &cmd->opts[i];
		if (!o || on_opt(o->long_name, optarg, ctx) < 0) {
			rc = -1;
			break;
		}
	}
	free(lo);
	free(so);
	return rc < 0 ? -1 : optind;
}

int fwp_cli_start(const struct fwp_cmd *cmd, int argc, char **argv,
		  int (*on_opt)(const char *name, const char *arg, void *ctx), void *ctx,
		  int min, int max, const char *what, int *code)
{
	int done;
	int first = fwp_cli_parse(cmd, argc, argv, on_opt, ctx, &done);
	int n = argc - first;
	if (first < 0)
		*code = FWP_EXIT_USAGE;
	else if (done)
		*code = FWP_EXIT_OK;
	else if (n < min && min == max)
		*code = fwp_cli_usage_error(cmd, "expected %d %s, got %d", min, what, n);
	else if (n < min)
		*code = fwp_cli_usage_error(cmd, "no %s given", what);
	else if (max >= 0 && n > max && max == 0)
		*code = fwp_cli_usage_error(cmd, "unexpected operand \"%s\"", argv[first]);
	else if (max >= 0 && n > max)
		*code = fwp_cli_usage_error(cmd, "expected %s%d %s, got %d", min == max ? "" : "at most ",
					    max, what, n);
	else
		return first;
	return -1;
}

int fwp_cli_push(const char ***list, size_t *n, const char *s)
{
	const char **nl = realloc(*list, (*n + 1) * sizeof(**list));
	if (!nl)
		return -1;
	nl[(*n)++] = s;
	*list = nl;
	return 0;
}

/*
 * The command-line front end. Each command is an entry in the table in
 * main.c with its own option table; --help output is generated from that
 * table, and tests/cli-docs.sh checks that the man pages list the same
 * options. Adding a command takes: a cmd_*.c file, an entry in main.c's
 * table, a man page man/fwpack-NAME.1, and tests.
 */
#ifndef FWP_CLI_H
#define FWP_CLI_H

#include <stdio.h>

#include "fwpack/error.h"

struct fwp_opt {
	const char *long_name;
	int short_name;       /* 0 for none */
	const char *arg_name; /* NULL for a flag; "[=NAME]" for an optional --opt=value */
	const char *help;
};

struct fwp_cmd {
	const char *name;
	const char *args;    /* e.g. "[options] MANIFEST" */
	const char *summary;
	const struct fwp_opt *opts; /* terminated by a zero entry */
	int (*run)(const struct fwp_cmd *cmd, int argc, char **argv);
};

/* Exit codes (documented in fwpack(1)). */
enum fwp_exit {
	FWP_EXIT_OK = 0,
	FWP_EXIT_VERIFY = 1,    /* an image failed verification */
	FWP_EXIT_REFUSED = 2,   /* the device refused an image (flash) */
	FWP_EXIT_USAGE = 64,    /* bad command line or manifest setting */
	FWP_EXIT_DATA = 65,     /* malformed input: manifest, ELF, image, key */
	FWP_EXIT_NOINPUT = 66,  /* an input file does not exist */
	FWP_EXIT_NO_DEVICE = 69, /* no device answers, or the link was lost (flash) */
	FWP_EXIT_SOFTWARE = 70, /* internal error, out of memory */
	FWP_EXIT_IO = 74,       /* reading or writing a file failed */
	FWP_EXIT_PROTOCOL = 76  /* the device broke the protocol, e.g. a USB STALL (flash) */
};

/* The exit code for an error code, mapped once here. */
int fwp_exit_code(int rc);

/* Print "fwpack: <msg>" on stderr and return the exit code for err. */
int fwp_report(const struct fwp_err *err);

/*
 * Parse options with getopt_long from cmd->opts. For each option found,
 * on_opt(long_name, optarg, ctx) is called; it returns < 0 to stop.
 * --help is handled here (prints help, *done = 1). Returns the index of the
 * first operand, or -1 on a usage error (already reported).
 */
int fwp_cli_parse(const struct fwp_cmd *cmd, int argc, char **argv,
		  int (*on_opt)(const char *name, const char *arg, void *ctx), void *ctx,
		  int *done);

/*
 * What every command starts with: the options parsed, then the operands
 * counted against min..max (max < 0: no limit), called `what` in the usage
 * error. Returns the index of the first operand, or -1 when the command is
 * over already: *code is then its exit code (0 after --help).
 */
int fwp_cli_start(const struct fwp_cmd *cmd, int argc, char **argv,
		  int (*on_opt)(const char *name, const char *arg, void *ctx), void *ctx,
		  int min, int max, const char *what, int *code);

/* Append s to a repeated option's list (free *list at the end); -1: out of memory. */
int fwp_cli_push(const char ***list, size_t *n, const char *s);

void fwp_cli_help(const struct fwp_cmd *cmd, FILE *out);

/* Report a usage error for cmd and return FWP_EXIT_USAGE. */
int fwp_cli_usage_error(const struct fwp_cmd *cmd, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;

int fwp_cmd_build(const struct fwp_cmd *cmd, int argc, char **argv);
int fwp_cmd_inspect(const struct fwp_cmd *cmd, int argc, char **argv);
int fwp_cmd_verify(const struct fwp_cmd *cmd, int argc, char **argv);
int fwp_cmd_keygen(const struct fwp_cmd *cmd, int argc, char **argv);
int fwp_cmd_flash(const struct fwp_cmd *cmd, int argc, char **argv);
int fwp_cmd_list(const struct fwp_cmd *cmd, int argc, char **argv);
int fwp_cmd_layout(const struct fwp_cmd *cmd, int argc, char **argv);
int fwp_cmd_run(const struct fwp_cmd *cmd, int argc, char **argv);
int fwp_cmd_history(const struct fwp_cmd *cmd, int argc, char **argv);
int fwp_cmd_provision(const struct fwp_cmd *cmd, int argc, char **argv);

#endif /* FWP_CLI_H */

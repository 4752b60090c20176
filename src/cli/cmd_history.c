/* fwpack history: what the station record says about boards, identities, images. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "record.h"
#include "util.h"

enum out_format { OUT_TABLE, OUT_JSON, OUT_CSV };

struct history_args {
	const char *record;
	char board[80];
	const char *identity;
	char digest[80];
	int failures;
	enum out_format format;
	int formats;
	const struct fwp_cmd *cmd;
};

/* Unique IDs and digests are stored as lower-case hex: accept 0x and capitals. */
static int hex_arg(const struct fwp_cmd *cmd, const char *opt, const char *arg, char *out,
		   size_t n, size_t want)
{
	if (arg[0] == '0' && (arg[1] == 'x' || arg[1] == 'X'))
		arg += 2;
	size_t len = strlen(arg);
	if (!len || len >= n || (want && len != want)) {
		fwp_cli_usage_error(cmd, "--%s %s: expected %s hex digits", opt, arg,
				    want == 64 ? "64" : "up to 32");
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		if (!isxdigit((unsigned char)arg[i])) {
			fwp_cli_usage_error(cmd, "--%s %s: not hexadecimal", opt, arg);
			return -1;
		}
		out[i] = (char)tolower((unsigned char)arg[i]);
	}
	out[len] = '\0';
	return 0;
}

static int on_opt(const char *name, const char *arg, void *ctx)
{
	struct history_args *a = ctx;
	if (strcmp(name, "record") == 0)
		a->record = arg;
	else if (strcmp(name, "board") == 0)
		return hex_arg(a->cmd, name, arg, a->board, 33, 0);
	else if (strcmp(name, "identity") == 0)
		a->identity = arg;
	else if (strcmp(name, "digest") == 0)
		return hex_arg(a->cmd, name, arg, a->digest, sizeof(a->digest), 64);
	else if (strcmp(name, "failures") == 0)
		a->failures = 1;
	else if (strcmp(name, "json") == 0) {
		a->format = OUT_JSON;
		a->formats++;
	} else if (strcmp(name, "csv") == 0) {
		a->format = OUT_CSV;
		a->formats++;
	}
	return 0;
}

static const char *str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) ? v->valuestring : "";
}

static void steps_summary(const cJSON *run, char *out, size_t n)
{
	const cJSON *steps = cJSON_GetObjectItemCaseSensitive(run, "steps"), *s;
	int total = 0, passed = 0;
	cJSON_ArrayForEach(s, steps)
	{
		total++;
		passed += strcmp(str(s, "result"), "pass") == 0;
	}
	snprintf(out, n, "%d/%d", passed, total);
}

static void print_table(const cJSON *runs)
{
	const cJSON *r;
	printf("%-5s %-24s %-12s %-24s %-14s %-12s %-11s %-5s %s\n", "RUN", "STARTED", "STATION",
	       "BOARD", "PORT", "IDENTITY", "RESULT", "STEPS", "ERROR");
	cJSON_ArrayForEach(r, runs)
	{
		char steps[32];
		steps_summary(r, steps, sizeof(steps));
		printf("%-5.0f %-24s %-12s %-24s %-14s %-12s %-11s %-5s %s\n",
		       cJSON_GetObjectItemCaseSensitive(r, "run")->valuedouble, str(r, "started"),
		       str(r, "station"), str(r, "board"), str(r, "port"), str(r, "identity"),
		       str(r, "result"), steps, str(r, "error"));
	}
}

/* RFC 4180: quote a field that holds a comma, a quote or a line break. */
static void csv_field(const char *s, int last)
{
	if (strpbrk(s, ",\"\r\n")) {
		putchar('"');
		for (; *s; s++) {
			if (*s == '"')
				putchar('"');
			putchar(*s);
		}
		putchar('"');
	} else {
		fputs(s, stdout);
	}
	fputs(last ? "\r\n" : ",", stdout);
}

static void print_csv(const cJSON *runs)
{
	static const char *const cols[] = {"run",      "started", "finished", "station",
					   "operator", "board",   "port",     "recipe",
					   "pool",     "identity", "result",  "error"};
	const size_t ncols = sizeof(cols) / sizeof(cols[0]);
	const cJSON *r;
	for (size_t i = 0; i < ncols; i++)
		csv_field(cols[i], 0);
	csv_field("images", 0);
	csv_field("steps", 1);
	cJSON_ArrayForEach(r, runs)
	{
		char num[32];
		const cJSON *x;
		struct fwp_buf b = {0};
		snprintf(num, sizeof(num), "%.0f",
			 cJSON_GetObjectItemCaseSensitive(r, "run")->valuedouble);
		csv_field(num, 0);
		for (size_t i = 1; i < ncols; i++)
			csv_field(str(r, cols[i]), 0);
		/* name@version:sha256;... and name:result:ms:bytes;... */
		cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(r, "images"))
			fwp_buf_printf(&b, NULL, "%s%s@%s:%s", b.len ? ";" : "", str(x, "name"),
				       str(x, "version"), str(x, "sha256"));
		csv_field(b.len ? (const char *)b.data : "", 0);
		b.len = 0;
		cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(r, "steps"))
			fwp_buf_printf(&b, NULL, "%s%s:%s:%.0f:%.0f", b.len ? ";" : "",
				       str(x, "name"), str(x, "result"),
				       cJSON_GetObjectItemCaseSensitive(x, "duration_ms")->valuedouble,
				       cJSON_GetObjectItemCaseSensitive(x, "bytes")->valuedouble);
		csv_field(b.len ? (const char *)b.data : "", 1);
		fwp_buf_free(&b);
	}
}

int fwp_cmd_history(const struct fwp_cmd *cmd, int argc, char **argv)
{
	struct history_args a = {.record = FWP_REC_DEFAULT, .cmd = cmd};
	struct fwp_err err;
	struct fwp_rec *rec = NULL;
	cJSON *runs = NULL;
	int code;

	fwp_err_clear(&err);
	if (fwp_cli_start(cmd, argc, argv, on_opt, &a, 0, 0, "", &code) < 0)
		return code;
	if (a.formats > 1)
		return fwp_cli_usage_error(cmd, "give --json or --csv, not both");

	struct fwp_rec_query q = {a.board[0] ? a.board : NULL, a.identity,
				  a.digest[0] ? a.digest : NULL, a.failures};
	int rc = fwp_rec_open(a.record, FWP_REC_READ, &rec, &err);
	if (rc == FWP_OK)
		rc = fwp_rec_history(rec, &q, &runs, &err);
	fwp_rec_close(rec);
	if (rc < 0)
		return fwp_report(&err);
	if (a.format == OUT_JSON) {
		char *s = cJSON_Print(runs);
		if (s)
			printf("%s\n", s);
		cJSON_free(s);
	} else if (a.format == OUT_CSV) {
		print_csv(runs);
	} else {
		print_table(runs);
	}
	cJSON_Delete(runs);
	return FWP_EXIT_OK;
}

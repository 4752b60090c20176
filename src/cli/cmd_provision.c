/*
 * fwpack provision: one board's provisioning image (docs/provisioning.md),
 * for tests and for stations that script the line themselves; fwpack run's
 * provision step calls the same builder (src/image/provimage.c).
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fwpack/protocol.h"
#include "provimage.h"
#include "util.h"

#define MAX_FIELDS 64

struct prov_args {
	const struct fwp_cmd *cmd;
	const char *key, *output, *uid_hex;
	unsigned long address, counter;
	int have_address;
	struct fwp_prov_field fields[MAX_FIELDS];
	size_t nfields;
};

static int on_opt(const char *name, const char *arg, void *ctx)
{
	struct prov_args *a = ctx;
	if (strcmp(name, "key") == 0) {
		a->key = arg;
	} else if (strcmp(name, "output") == 0) {
		a->output = arg;
	} else if (strcmp(name, "uid") == 0) {
		a->uid_hex = arg;
	} else if (strcmp(name, "address") == 0) {
		if (fwp_parse_ulong(arg, 0xFFFFFFFFul, &a->address) < 0)
			return fwp_cli_usage_error(a->cmd, "--address: \"%s\" is not an address", arg),
			       -1;
		a->have_address = 1;
	} else if (strcmp(name, "security-counter") == 0) {
		if (fwp_parse_ulong(arg, 0xFFFFFFFFul, &a->counter) < 0)
			return fwp_cli_usage_error(a->cmd,
						   "--security-counter: \"%s\" is not a 32-bit number",
						   arg),
			       -1;
	} else if (strcmp(name, "field") == 0) {
		char *eq = strchr(arg, '=');
		if (!eq || eq == arg)
			return fwp_cli_usage_error(a->cmd, "--field: \"%s\" is not NAME=VALUE", arg),
			       -1;
		if (a->nfields == MAX_FIELDS)
			return fwp_cli_usage_error(a->cmd, "--field: more than %d fields", MAX_FIELDS),
			       -1;
		*eq = 0; /* argv is ours to split */
		a->fields[a->nfields++] = (struct fwp_prov_field){arg, eq + 1};
	}
	return 0;
}

/* The UID as INFO and fwpack list print it: hex, most significant byte first. */
static int parse_uid(const char *s, uint8_t out[FWP_UID_MAX], size_t *len)
{
	size_t n = strlen(s);
	if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2, n -= 2;
	if (n == 0 || n % 2 || n / 2 > FWP_UID_MAX)
		return -1;
	for (size_t i = 0; i < n / 2; i++) {
		int hi = fwp_hex_digit(s[2 * i]), lo = fwp_hex_digit(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	*len = n / 2;
	return 0;
}

int fwp_cmd_provision(const struct fwp_cmd *cmd, int argc, char **argv)
{
	struct prov_args a = {0};
	struct fwp_err err;
	int code;
	uint8_t uid[FWP_UID_MAX];
	size_t uid_len;

	a.cmd = cmd;
	fwp_err_clear(&err);
	if (fwp_cli_start(cmd, argc, argv, on_opt, &a, 0, 0, "", &code) < 0)
		return code;
	if (!a.uid_hex || !a.key || !a.output || !a.have_address)
		return fwp_cli_usage_error(cmd, "--uid, --address, --key and --output are required");
	if (parse_uid(a.uid_hex, uid, &uid_len) < 0)
		return fwp_cli_usage_error(cmd, "--uid: \"%s\" is not 1..%u bytes of hex", a.uid_hex,
					   FWP_UID_MAX);
	struct fwp_prov_params p = {uid, uid_len, a.fields, a.nfields, (uint32_t)a.address,
				    (uint32_t)a.counter, {1, 0, 0, 0}};
	struct fwp_key *key = NULL;
	struct fwp_buf img = {0};
	int rc = fwp_key_load(a.key, &key, &err);
	if (rc == FWP_OK)
		rc = fwp_prov_image(&p, key, &img, &err);
	if (rc == FWP_OK)
		rc = fwp_file_write_atomic(a.output, img.data, img.len, 0644, &err);
	if (rc == FWP_OK)
		printf("wrote %s (provisioning image, %zu fields, %zu bytes)\n", a.output, a.nfields,
		       img.len);
	fwp_buf_free(&img);
	fwp_key_free(key);
	return rc < 0 ? fwp_report(&err) : FWP_EXIT_OK;
}

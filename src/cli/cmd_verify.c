/* fwpack verify */
#include <string.h>

#include "cbimage.h"
#include "cli.h"
#include "crypto.h"
#include "slotimage.h"
#include "util.h"

struct verify_args {
	const char *key;
	int quiet;
};

static int on_opt(const char *name, const char *arg, void *ctx)
{
	struct verify_args *a = ctx;
	if (strcmp(name, "key") == 0)
		a->key = arg;
	else if (strcmp(name, "quiet") == 0)
		a->quiet = 1;
	return 0;
}

/* On success *checked says what was checked, for the OK line: no more than that. */
static int verify_one(const char *path, const struct fwp_key *key, const char **checked,
		      struct fwp_err *err)
{
	struct fwp_buf data = {0};
	int rc = fwp_file_read(path, FWP_IMAGE_FILE_MAX, &data, err);
	if (rc < 0)
		return rc;
	if (fwp_cb_detect(data.data, data.len)) {
		struct fwp_cb_info cb;
		rc = fwp_cb_parse(data.data, data.len, &cb, err);
		if (rc == FWP_OK && key)
			rc = fwp_cb_verify(&cb, key, err);
		if (cb.hdr_version == 1)
			*checked = "cookbook v1: data CRC; it carries no digest or signature";
		else
			*checked = key ? "cookbook v2: data CRC, signature"
				       : "cookbook v2: data CRC; signature not checked: no --key";
	} else {
		struct fwp_image_info info;
		rc = fwp_image_parse(data.data, data.len, &info, err);
		if (rc == FWP_OK)
			rc = fwp_image_verify(&info, key, err);
		*checked = key ? "header CRC, payload CRC, TLVs, digest, key hash, signature"
			       : "header CRC, payload CRC, TLVs, digest; signature not checked: "
				 "no --key";
	}
	fwp_buf_free(&data);
	if (rc < 0 && rc != FWP_ERR_NOT_FOUND && rc != FWP_ERR_IO)
		fwp_err_prefix(err, path); /* read errors name the file already */
	return rc;
}

int fwp_cmd_verify(const struct fwp_cmd *cmd, int argc, char **argv)
{
	struct verify_args a = {NULL, 0};
	struct fwp_key *key = NULL;
	struct fwp_err err;
	int code, worst = FWP_EXIT_OK;

	fwp_err_clear(&err);
	int first = fwp_cli_start(cmd, argc, argv, on_opt, &a, 1, -1, "image", &code);
	if (first < 0)
		return code;
	if (a.key && fwp_key_load(a.key, &key, &err) < 0)
		return fwp_report(&err);
	for (int i = first; i < argc; i++) {
		const char *checked = "";
		if (verify_one(argv[i], key, &checked, &err) < 0) {
			if (a.quiet)
				worst = fwp_exit_code(err.code);
			else
				worst = fwp_report(&err);
			continue;
		}
		if (!a.quiet)
			printf("%s: OK (%s)\n", argv[i], checked);
	}
	fwp_key_free(key);
	return worst;
}

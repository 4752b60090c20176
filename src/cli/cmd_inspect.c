/* fwpack inspect */
#include <string.h>

#include "cli.h"
#include "describe.h"
#include "slotimage.h"
#include "util.h"

static int on_opt(const char *name, const char *arg, void *ctx)
{
	(void)arg;
	if (strcmp(name, "json") == 0)
		*(int *)ctx = 1;
	return 0;
}

int fwp_cmd_inspect(const struct fwp_cmd *cmd, int argc, char **argv)
{
	int json = 0, code, worst = FWP_EXIT_OK;
	int first = fwp_cli_start(cmd, argc, argv, on_opt, &json, 1, -1, "image", &code);
	if (first < 0)
		return code;
	for (int i = first; i < argc; i++) {
		struct fwp_buf data = {0};
		struct fwp_err err;
		int rc;
		fwp_err_clear(&err);
		if ((rc = fwp_file_read(argv[i], FWP_IMAGE_FILE_MAX, &data, &err)) < 0) {
			worst = fwp_report(&err);
			continue;
		}
		cJSON *d = fwp_describe_image(argv[i], data.data, data.len, &rc, &err);
		if (!d) {
			fwp_buf_free(&data);
			return fwp_report(&(struct fwp_err){FWP_ERR_NOMEM, "out of memory"});
		}
		if (json) {
			char *s = cJSON_PrintUnformatted(d);
			if (s)
				printf("%s\n", s);
			cJSON_free(s);
		} else {
			if (i > first)
				putchar('\n');
			fwp_describe_print(d, stdout);
		}
		cJSON_Delete(d);
		fwp_buf_free(&data);
		if (rc < 0) {
			fwp_err_prefix(&err, argv[i]);
			worst = fwp_report(&err);
		}
	}
	return worst;
}

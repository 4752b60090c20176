/* Fuzz target: the slot image and cookbook image parsers (files from anywhere). */
#include <stdint.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "cbimage.h"
#include "describe.h"
#include "slotimage.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fwp_image_info info;
	struct fwp_cb_info cb;
	struct fwp_err err;
	int rc;
	if (fwp_image_parse(data, size, &info, &err) == FWP_OK)
		fwp_image_verify(&info, NULL, &err);
	fwp_cb_parse(data, size, &cb, &err);
	cJSON *d = fwp_describe_image("fuzz", data, size, &rc, &err);
	cJSON_Delete(d);
	return 0;
}

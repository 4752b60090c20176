/* Fuzz target: the manifest parser (JSON text from the user). */
#include <stdint.h>
#include <stdlib.h>

#include "manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fwp_manifest m;
	struct fwp_err err;
	if (fwp_manifest_parse("fuzz.json", (const char *)data, size, &m, &err) == FWP_OK) {
		/* Exercise the locator on a path that exists in every valid manifest. */
		fwp_manifest_fail(&m, &err, FWP_ERR_FORMAT, "images[0].slot", "probe");
		fwp_manifest_free(&m);
	}
	return 0;
}

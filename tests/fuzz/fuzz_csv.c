/* Fuzz target: the CSV list an identity pool can come from. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "identity.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char **v;
	size_t n;
	struct fwp_err err;
	/* The first byte chooses the column: none, the first, or a named one. */
	const char *column = size && data[0] == '#' ? "mac" : NULL;
	if (fwp_csvlist_parse("fuzz.csv", (const char *)data, size, column, &v, &n, &err) ==
	    FWP_OK) {
		for (size_t i = 0; i < n; i++)
			if (!v[i][0] || strlen(v[i]) >= FWP_IDENTITY_MAX)
				abort(); /* the reader promised non-empty, bounded values */
		fwp_csvlist_free(v, n);
	}
	/* The counter formats too: the input as a format. */
	char fmt[FWP_IDENTITY_MAX], out[FWP_IDENTITY_MAX];
	size_t k = size < sizeof(fmt) - 1 ? size : sizeof(fmt) - 1;
	memcpy(fmt, data, k);
	fmt[k] = '\0';
	if (fwp_idformat_check(fmt, &err) == FWP_OK)
		fwp_idformat_render(fmt, 4294967295u, out, &err);
	return 0;
}

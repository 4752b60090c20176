/*
 * Fuzz target: the station recipe parser and its checks against a manifest
 * (the F429 station layout, built in: the recipe's own "manifest" is not
 * read, so every input reaches the checks).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "recipe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char manifest[] =
	"{\"manifest_version\": 1, \"regions\": [{\"name\": \"flash\", \"address\": \"0x08000000\","
	" \"size\": \"1M\", \"erase_size\": \"16K\"}], \"slots\": ["
	"{\"name\": \"bootloader\", \"address\": \"0x08000000\", \"size\": \"16K\"},"
	"{\"name\": \"loader\", \"address\": \"0x08004000\", \"size\": \"112K\"},"
	"{\"name\": \"app\", \"address\": \"0x08020000\", \"size\": \"768K\"},"
	"{\"name\": \"provisioning\", \"address\": \"0x080E0000\", \"size\": \"128K\"}],"
	" \"images\": ["
	"{\"name\": \"bootloader\", \"type\": \"bootloader\", \"format\": \"raw\", \"input\": \"b.bin\","
	" \"load_address\": \"0x08000000\", \"version\": \"1.0.0\", \"slot\": \"bootloader\"},"
	"{\"name\": \"loader\", \"type\": \"loader\", \"input\": \"l.elf\", \"version\": \"1.1.0\","
	" \"slot\": \"loader\"},"
	"{\"name\": \"app\", \"type\": \"app\", \"input\": \"a.elf\", \"version\": \"2.3.0\","
	" \"slot\": \"app\"}],"
	" \"factory\": [{\"name\": \"factory\", \"images\": [\"bootloader\", \"loader\", \"app\"]}]}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fwp_manifest m;
	static int have_manifest = -1;
	struct fwp_recipe r;
	struct fwp_err err;
	if (have_manifest < 0) {
		have_manifest = fwp_manifest_parse("m.json", manifest, strlen(manifest), &m, &err) ==
				FWP_OK;
		if (!have_manifest)
			abort(); /* the built-in manifest must be valid */
	}
	if (fwp_recipe_parse("fuzz.json", (const char *)data, size, &r, &err) == FWP_OK) {
		fwp_recipe_check(&r, &m, &err);
		fwp_recipe_free(&r);
	}
	return 0;
}

/*
 * Replay driver for the fuzz targets, so that `make check` runs every target
 * on its seed corpus under the sanitizers without libFuzzer. With clang's
 * -fsanitize=fuzzer the targets link against libFuzzer's main instead (see
 * `make fuzz`).
 *
 * Usage: fuzz_X FILE|DIR...   every file given, and every file in every
 * directory given, is passed to LLVMFuzzerTestOneInput once. Then each input
 * is replayed again with every byte truncation point and a few single-byte
 * mutations, which reaches the early-exit paths of the parsers cheaply.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		return -1;
	}
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0;
	for (;;) {
		if (len == cap) {
			cap = cap ? cap * 2 : 4096;
			uint8_t *p = realloc(buf, cap);
			if (!p) {
				free(buf);
				fclose(f);
				return -1;
			}
			buf = p;
		}
		size_t n = fread(buf + len, 1, cap - len, f);
		if (n == 0)
			break;
		len += n;
	}
	fclose(f);

	LLVMFuzzerTestOneInput(buf, len);
	/* Truncations: every prefix for small inputs, 257 spread points otherwise. */
	size_t step = len > 256 ? len / 256 : 1;
	for (size_t cut = 0; cut < len; cut += step)
		LLVMFuzzerTestOneInput(buf, cut);
	/* Deterministic single-byte mutations. */
	uint32_t seed = 0x9e3779b9u ^ (uint32_t)len;
	for (int i = 0; i < 512 && len; i++) {
		seed = seed * 1664525u + 1013904223u;
		size_t pos = (seed >> 8) % len;
		uint8_t old = buf[pos];
		buf[pos] ^= (uint8_t)(1u << (seed & 7));
		LLVMFuzzerTestOneInput(buf, len);
		buf[pos] = old;
	}
	free(buf);
	return 0;
}

static int run_path(const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0) {
		perror(path);
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return run_file(path);
	DIR *d = opendir(path);
	if (!d) {
		perror(path);
		return -1;
	}
	int rc = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		size_t n = strlen(path) + strlen(e->d_name) + 2;
		char *p = malloc(n);
		if (!p) {
			rc = -1;
			break;
		}
		snprintf(p, n, "%s/%s", path, e->d_name);
		if (run_path(p) < 0)
			rc = -1;
		free(p);
	}
	closedir(d);
	return rc;
}

int main(int argc, char **argv)
{
	int rc = 0;
	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
		return 2;
	}
	for (int i = 1; i < argc; i++)
		if (run_path(argv[i]) < 0)
			rc = 1;
	return rc;
}

/* Helpers shared by the Check test programs. */
#ifndef FWP_CHECK_UTIL_H
#define FWP_CHECK_UTIL_H

#include <check.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

/* JSON is easier to read in C with single quotes: turn them into double ones. */
static inline char *q(const char *s)
{
	char *r = strdup(s);
	for (char *p = r; *p; p++)
		if (*p == '\'')
			*p = '"';
	return r;
}

static inline char *tmpdir_new(void)
{
	char tmpl[] = "/tmp/fwpack-test-XXXXXX";
	char *d = mkdtemp(tmpl);
	ck_assert_ptr_nonnull(d);
	return strdup(d);
}

static inline int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static inline void tmpdir_remove(char *dir)
{
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(dir);
}

static inline char *path_join(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = malloc(n);
	snprintf(p, n, "%s/%s", dir, name);
	return p;
}

static inline void write_file(const char *dir, const char *name, const void *data, size_t len)
{
	char *p = path_join(dir, name);
	FILE *f = fopen(p, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	fclose(f);
	free(p);
}

static inline void write_text(const char *dir, const char *name, const char *single_quoted)
{
	char *t = q(single_quoted);
	write_file(dir, name, t, strlen(t));
	free(t);
}

/* Read dir/name into b (which the caller frees); returns 0 when it does not exist. */
static inline int read_back(const char *dir, const char *name, struct fwp_buf *b)
{
	char *p = path_join(dir, name);
	struct fwp_err err;
	int rc = fwp_file_read(p, 0, b, &err);
	free(p);
	return rc == FWP_OK;
}

static inline int file_exists(const char *dir, const char *name)
{
	char *p = path_join(dir, name);
	int r = access(p, F_OK) == 0;
	free(p);
	return r;
}

static inline void remove_file(const char *dir, const char *name)
{
	char *p = path_join(dir, name);
	remove(p);
	free(p);
}

static inline int run_suite(Suite *s)
{
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif /* FWP_CHECK_UTIL_H */

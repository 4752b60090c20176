/* The small helpers: zlib failures in words, the atomic set of output files. */
#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>
#include <zlib.h>

#include "check_util.h"
#include "portpath.h"
#include "util.h"

/* Out of memory only when zlib says so; anything else is zlib's own words and code. */
START_TEST(zlib_failures_named)
{
	struct fwp_err err;
	ck_assert_int_eq(fwp_zlib_fail(&err, Z_MEM_ERROR, "deflate"), FWP_ERR_NOMEM);
	ck_assert_str_eq(err.msg, "zlib: deflate: out of memory (Z_MEM_ERROR)");
	ck_assert_int_eq(fwp_zlib_fail(&err, Z_STREAM_ERROR, "deflate"), FWP_ERR_INTERNAL);
	ck_assert_str_eq(err.msg, "zlib: deflate: stream error (Z_STREAM_ERROR)");
	ck_assert_int_eq(fwp_zlib_fail(&err, Z_BUF_ERROR, "deflate"), FWP_ERR_INTERNAL);
	ck_assert_str_eq(err.msg, "zlib: deflate: buffer error (Z_BUF_ERROR)");
	ck_assert_int_eq(fwp_zlib_fail(&err, Z_OK, "deflate"), FWP_ERR_INTERNAL);
	ck_assert_str_eq(err.msg, "zlib: deflate: stopped early (return code 0)");
	ck_assert_str_eq(fwp_error_name(FWP_ERR_INTERNAL), "FWP_ERR_INTERNAL");
	/* A real deflate that cannot finish: one byte of output room. */
	z_stream z;
	uint8_t in[64] = {1, 2, 3}, out[1];
	memset(&z, 0, sizeof(z));
	ck_assert_int_eq(deflateInit2(&z, 9, Z_DEFLATED, -12, 9, Z_DEFAULT_STRATEGY), Z_OK);
	z.next_in = in;
	z.avail_in = sizeof(in);
	z.next_out = out;
	z.avail_out = sizeof(out);
	int rc = deflate(&z, Z_FINISH);
	deflateEnd(&z);
	ck_assert_int_eq(fwp_zlib_fail(&err, rc, "deflate"), FWP_ERR_INTERNAL);
	ck_assert_ptr_null(strstr(err.msg, "memory"));
}
END_TEST

/* The set: every file or none, and nothing left beside them. */
START_TEST(file_set)
{
	char *dir = tmpdir_new(), *a = path_join(dir, "a.bin"), *b = path_join(dir, "b.bin");
	struct fwp_err err;
	struct fwp_out_file set[2] = {{a, "new-a", 5, 0644}, {b, "new-b", 5, 0600}};
	ck_assert_int_eq(fwp_files_write_atomic(set, 2, &err), FWP_OK);
	struct fwp_buf got = {0};
	ck_assert_int_eq(fwp_file_read(b, 0, &got, &err), FWP_OK);
	ck_assert_mem_eq(got.data, "new-b", 5);
	fwp_buf_free(&got);
	struct stat st;
	ck_assert_int_eq(stat(b, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0600 & ~(unsigned)umask(022));
	/* b's path taken by a directory: found before a is replaced. */
	ck_assert_int_eq(unlink(b), 0);
	ck_assert_int_eq(mkdir(b, 0755), 0);
	set[0].data = "newer";
	ck_assert_int_eq(fwp_files_write_atomic(set, 2, &err), FWP_ERR_IO);
	ck_assert_msg(strstr(err.msg, "b.bin: is a directory"), "%s", err.msg);
	ck_assert_int_eq(fwp_file_read(a, 0, &got, &err), FWP_OK);
	ck_assert_mem_eq(got.data, "new-a", 5);
	fwp_buf_free(&got);
	/* Only a.bin and the directory: no temporary, no kept link. */
	int n = 0;
	DIR *d = opendir(dir);
	for (struct dirent *e; (e = readdir(d));)
		n += e->d_name[0] != '.';
	closedir(d);
	ck_assert_int_eq(n, 2);
	free(a);
	free(b);
	tmpdir_remove(dir);
}
END_TEST

/* udev's by-id links: relative, through "..", chained; a loop and a missing name refused. */
START_TEST(port_links_followed)
{
	char *dir = tmpdir_new(), p[512], want[512], got[4096];
	struct fwp_err err;
	snprintf(p, sizeof(p), "%s/ttyACM0", dir);
	FILE *f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fclose(f);
	snprintf(want, sizeof(want), "%s", p);
	snprintf(p, sizeof(p), "%s/by-id", dir);
	ck_assert_int_eq(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/by-id/usb-fwpack_0001-if00", dir);
	ck_assert_int_eq(symlink("../ttyACM0", p), 0);
	snprintf(p, sizeof(p), "%s/board", dir);
	ck_assert_int_eq(symlink("./by-id//usb-fwpack_0001-if00", p), 0);
	ck_assert_int_eq(fwp_port_resolve(p, got, sizeof(got), &err), FWP_OK);
	ck_assert_str_eq(got, want);
	/* not a link: itself */
	ck_assert_int_eq(fwp_port_resolve(want, got, sizeof(got), &err), FWP_OK);
	ck_assert_str_eq(got, want);
	/* relative to the current directory */
	char cwd[4096];
	ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
	ck_assert_int_eq(chdir(dir), 0);
	ck_assert_int_eq(fwp_port_resolve("board", got, sizeof(got), &err), FWP_OK);
	ck_assert_int_eq(chdir(cwd), 0);
	ck_assert_str_eq(got, want);
	/* too small an output is refused, not cut */
	ck_assert_int_eq(fwp_port_resolve(p, got, 8, &err), FWP_ERR_RANGE);
	snprintf(p, sizeof(p), "%s/loop", dir);
	ck_assert_int_eq(symlink("loop", p), 0);
	ck_assert_int_eq(fwp_port_resolve(p, got, sizeof(got), &err), FWP_ERR_FORMAT);
	ck_assert_ptr_nonnull(strstr(err.msg, "symbolic links"));
	snprintf(p, sizeof(p), "%s/gone", dir);
	ck_assert_int_eq(symlink("ttyACM9", p), 0);
	ck_assert_int_eq(fwp_port_resolve(p, got, sizeof(got), &err), FWP_ERR_NOT_FOUND);
	ck_assert_ptr_nonnull(strstr(err.msg, "gone"));
	tmpdir_remove(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("util");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, zlib_failures_named);
	tcase_add_test(tc, file_set);
	tcase_add_test(tc, port_links_followed);
	suite_add_tcase(s, tc);
	return run_suite(s);
}

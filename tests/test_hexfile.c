/*
 * Intel HEX and S-record writers: exact records for known inputs, the
 * 64 KiB and address-width boundaries, and round trips through the real
 * srec_cat and objcopy.
 */
#include "check_util.h"
#include "hexfile.h"

static char *text(const struct fwp_chunk *c, size_t n, int srec, uint32_t start)
{
	struct fwp_buf b = {0};
	struct fwp_err err;
	int rc = srec ? fwp_srec_write(c, n, "hi", start, &b, &err)
		      : fwp_ihex_write(c, n, start != 0, start, &b, &err);
	ck_assert_msg(rc == FWP_OK, "%s", err.msg);
	return (char *)b.data;
}

START_TEST(ihex_exact_records)
{
	static const uint8_t d[] = {0x02, 0x33, 0x7A};
	struct fwp_chunk c = {0x0030, d, 3};
	char *t = text(&c, 1, 0, 0);
	/* the classic example record, an 04 record for page 0, and EOF */
	ck_assert_str_eq(t, ":020000040000FA\n:0300300002337A1E\n:00000001FF\n");
	free(t);
	c.addr = 0x08000000;
	t = text(&c, 1, 0, 0x08000123);
	ck_assert_str_eq(t, ":020000040800F2\n:0300000002337A4E\n:0400000508000123CB\n:00000001FF\n");
	free(t);
}
END_TEST

START_TEST(srec_exact_records)
{
	static const uint8_t d[] = {0x7C, 0x08, 0x02, 0xA6};
	struct fwp_chunk c = {0x0000, d, 4};
	char *t = text(&c, 1, 1, 0);
	/* S0 "hi", S1 data, S5 count 1, S9 start 0 */
	ck_assert_str_eq(t, "S0050000686929\nS10700007C0802A6CC\nS5030001FB\nS9030000FC\n");
	free(t);
	c.addr = 0x08000000;
	t = text(&c, 1, 1, 0x08000000);
	ck_assert_str_eq(t, "S0050000686929\nS30908000000" "7C0802A6C2\nS5030001FB\nS70508000000F2\n");
	free(t);
}
END_TEST

START_TEST(boundaries)
{
	uint8_t d[64];
	for (int i = 0; i < 64; i++)
		d[i] = (uint8_t)i;
	/* 0x0800FFF8..0x08010037: a new 04 record, no record crosses 0x08010000 */
	struct fwp_chunk c = {0x0800FFF8, d, 64};
	char *t = text(&c, 1, 0, 0);
	ck_assert_ptr_nonnull(strstr(t, ":020000040800F2\n:08FFF800"));
	ck_assert_ptr_nonnull(strstr(t, ":020000040801F1\n:10000000"));
	free(t);
	/* S-record address width follows the highest address */
	c.addr = 0xFFF0;
	c.len = 16;
	t = text(&c, 1, 1, 0);
	ck_assert_ptr_nonnull(strstr(t, "\nS113FFF0"));
	ck_assert_ptr_nonnull(strstr(t, "\nS9"));
	free(t);
	c.addr = 0xFFF1;
	t = text(&c, 1, 1, 0);
	ck_assert_ptr_nonnull(strstr(t, "\nS214"));
	ck_assert_ptr_nonnull(strstr(t, "\nS8"));
	free(t);
	c.addr = 0xFFFFF0;
	t = text(&c, 1, 1, 0);
	ck_assert_ptr_nonnull(strstr(t, "\nS214"));
	free(t);
	c.addr = 0xFFFFF1;
	t = text(&c, 1, 1, 0);
	ck_assert_ptr_nonnull(strstr(t, "\nS315"));
	ck_assert_ptr_nonnull(strstr(t, "\nS7"));
	free(t);
}
END_TEST

START_TEST(bad_chunks_refused)
{
	uint8_t d[16] = {0};
	struct fwp_chunk c[2] = {{0x100, d, 16}, {0x108, d, 16}};
	struct fwp_buf b = {0};
	struct fwp_err err;
	ck_assert_int_eq(fwp_ihex_write(c, 2, 0, 0, &b, &err), FWP_ERR_ARG);
	c[1].addr = 0x50;
	ck_assert_int_eq(fwp_srec_write(c, 2, NULL, 0, &b, &err), FWP_ERR_ARG);
	struct fwp_chunk over = {0xFFFFFFF8, d, 16};
	ck_assert_int_eq(fwp_ihex_write(&over, 1, 0, 0, &b, &err), FWP_ERR_RANGE);
	fwp_buf_free(&b);
}
END_TEST

/* Write c as HEX and SREC, read each back with srec_cat, compare. */
static void round_trip(const char *dir, const struct fwp_chunk *c, size_t n)
{
	const char *srec_cat = getenv("SREC_CAT") ? getenv("SREC_CAT") : "srec_cat";
	for (int fmt = 0; fmt < 2; fmt++) {
		struct fwp_buf t = {0};
		struct fwp_err err;
		int rc = fmt ? fwp_srec_write(c, n, "rt", 0, &t, &err)
			     : fwp_ihex_write(c, n, 0, 0, &t, &err);
		ck_assert_int_eq(rc, FWP_OK);
		write_file(dir, "f.txt", t.data, t.len);
		fwp_buf_free(&t);
		for (size_t i = 0; i < n; i++) {
			char cmd[1024], crop[128] = "";
			/* One chunk needs no crop (and srec_cat cannot name 2^32 as an end). */
			if (n > 1)
				snprintf(crop, sizeof(crop), "-crop 0x%llx 0x%llx",
					 (unsigned long long)c[i].addr,
					 (unsigned long long)c[i].addr + c[i].len);
			snprintf(cmd, sizeof(cmd),
				 "cd '%s' && %s f.txt %s %s -offset -0x%llx -o out.bin -binary", dir,
				 srec_cat, fmt ? "-motorola" : "-intel", crop,
				 (unsigned long long)c[i].addr);
			ck_assert_msg(system(cmd) == 0, "%s", cmd);
			struct fwp_buf back = {0};
			ck_assert(read_back(dir, "out.bin", &back));
			ck_assert_uint_eq(back.len, c[i].len);
			ck_assert_mem_eq(back.data, c[i].data, c[i].len);
			fwp_buf_free(&back);
		}
		if (n == 1) {
			char cmd[512];
			snprintf(cmd, sizeof(cmd), "cd '%s' && objcopy -I %s -O binary f.txt obj.bin",
				 dir, fmt ? "srec" : "ihex");
			ck_assert_msg(system(cmd) == 0, "%s", cmd);
			struct fwp_buf back = {0};
			ck_assert(read_back(dir, "obj.bin", &back));
			ck_assert_uint_eq(back.len, c[0].len);
			ck_assert_mem_eq(back.data, c[0].data, c[0].len);
			fwp_buf_free(&back);
		}
	}
}

START_TEST(round_trips_through_srec_cat_and_objcopy)
{
	char *dir = tmpdir_new();
	uint8_t *d = malloc(70000);
	uint32_t seed = 1;
	for (size_t i = 0; i < 70000; i++) {
		seed = seed * 1664525u + 1013904223u;
		d[i] = (uint8_t)(seed >> 24);
	}
	static const size_t lens[] = {1, 15, 16, 17, 4096, 70000};
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		struct fwp_chunk c = {0x08000000, d, lens[i]};
		round_trip(dir, &c, 1);
	}
	struct fwp_chunk across = {0x0800FFF0, d, 100};
	round_trip(dir, &across, 1);
	struct fwp_chunk qspi = {0x90000000, d, 3000};
	round_trip(dir, &qspi, 1);
	struct fwp_chunk gap[2] = {{0x08000000, d, 300}, {0x08004000, d + 300, 500}};
	round_trip(dir, gap, 2);
	struct fwp_chunk top = {0xFFFFFF00, d, 256};
	round_trip(dir, &top, 1);
	free(d);
	tmpdir_remove(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("hexfile");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, ihex_exact_records);
	tcase_add_test(tc, srec_exact_records);
	tcase_add_test(tc, boundaries);
	tcase_add_test(tc, bad_chunks_refused);
	tcase_add_test(tc, round_trips_through_srec_cat_and_objcopy);
	suite_add_tcase(s, tc);
	return run_suite(s);
}

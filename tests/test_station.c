/* The station's identity formats and CSV lists (src/station/idformat.c, csvlist.c). */
#include "check_util.h"
#include "identity.h"

static void render_eq(const char *fmt, uint64_t n, const char *want)
{
	char out[FWP_IDENTITY_MAX];
	struct fwp_err err = {0};
	ck_assert_msg(fwp_idformat_render(fmt, n, out, &err) == FWP_OK, "%s: %s", fmt, err.msg);
	ck_assert_str_eq(out, want);
}

START_TEST(formats_render_as_python_does)
{
	/* The same results as Python's str.format, checked by hand. */
	render_eq("FW-{:06d}", 42, "FW-000042");
	render_eq("FW-{:06d}", 1234567, "FW-1234567");
	render_eq("{}", 7, "7");
	render_eq("SN{:4}", 7, "SN   7");
	render_eq("02:00:{:08x}", 0xabcdef, "02:00:00abcdef");
	render_eq("{:012X}", 0x1a2b3c, "0000001A2B3C");
	render_eq("{{lot}}-{:03d}-A", 5, "{lot}-005-A");
	render_eq("{:d}", 18446744073709551615u, "18446744073709551615");
}
END_TEST

static void format_bad(const char *fmt, const char *why)
{
	struct fwp_err err = {0};
	ck_assert_int_eq(fwp_idformat_check(fmt, &err), FWP_ERR_FORMAT);
	ck_assert_msg(strstr(err.msg, why), "%s: \"%s\" lacks \"%s\"", fmt, err.msg, why);
}

START_TEST(bad_formats_refused)
{
	format_bad("FW", "needs one {} placeholder");
	format_bad("{}{}", "more than one {} placeholder");
	format_bad("FW-{:6s}", "is not {} or {:[0][WIDTH](d|x|X)}");
	format_bad("FW-{", "'{' is not closed");
	format_bad("FW}-{}", "a lone '}'");
	format_bad("{:099d}", "width above 20");
	format_bad("A\tB{}", "control character");
	char out[FWP_IDENTITY_MAX];
	struct fwp_err err = {0};
	char longfmt[80];
	memset(longfmt, 'x', 60);
	strcpy(longfmt + 60, "{:010d}");
	ck_assert_int_eq(fwp_idformat_render(longfmt, 1, out, &err), FWP_ERR_RANGE);
}
END_TEST

static void csv_ok(const char *text, const char *column, size_t n, const char *first,
		   const char *last)
{
	char **v;
	size_t nv;
	struct fwp_err err = {0};
	ck_assert_msg(fwp_csvlist_parse("l.csv", text, strlen(text), column, &v, &nv, &err) ==
			      FWP_OK,
		      "%s", err.msg);
	ck_assert_uint_eq(nv, n);
	ck_assert_str_eq(v[0], first);
	ck_assert_str_eq(v[nv - 1], last);
	fwp_csvlist_free(v, nv);
}

START_TEST(csv_lists_read)
{
	csv_ok("serial\nA1\nA2\n", NULL, 2, "A1", "A2");
	csv_ok("serial\r\nA1\r\nA2", NULL, 2, "A1", "A2");
	csv_ok("id,mac,note\n1,02:00:00:00:00:01,\"a, b\"\n\n2,02:00:00:00:00:02,\"say \"\"hi\"\"\"\n",
	       "mac", 2, "02:00:00:00:00:01", "02:00:00:00:00:02");
	csv_ok("\"serial\"\n\"A,1\"\n", "serial", 1, "A,1", "A,1");
}
END_TEST

static void csv_bad(const char *text, const char *column, const char *why)
{
	char **v;
	size_t nv;
	struct fwp_err err = {0};
	ck_assert_int_lt(fwp_csvlist_parse("l.csv", text, strlen(text), column, &v, &nv, &err), 0);
	ck_assert_msg(strstr(err.msg, why), "\"%s\" lacks \"%s\"", err.msg, why);
}

START_TEST(bad_csv_lists_refused)
{
	csv_bad("serial\nS1\nS2\nS1\n", NULL, "l.csv:4: duplicate value \"S1\" (also on line 2)");
	csv_bad("", NULL, "empty file");
	csv_bad("serial\n", NULL, "no values after the header");
	csv_bad("a,b\n1\n", NULL, "l.csv:2: 1 fields, the header has 2");
	csv_bad("a\n\"x\n", NULL, "l.csv:2: quoted field is not closed");
	csv_bad("a\nx\"y\n", NULL, "l.csv:2: quote inside an unquoted field");
	csv_bad("a\n\"x\"y\n", NULL, "l.csv:2: text after a closing quote");
	csv_bad("a\nx y\n", NULL, "spaces and control characters");
	csv_bad("a,b\n,1\n", NULL, "l.csv:2: empty value");
	csv_bad("a,b\n1,2\n", "mac", "l.csv:1: no column \"mac\"");
	csv_bad("a\n0123456789012345678901234567890123456789012345678901234567890123\n", NULL,
		"longer than 63");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("station");
	TCase *tc = tcase_create("identity");
	tcase_add_test(tc, formats_render_as_python_does);
	tcase_add_test(tc, bad_formats_refused);
	tcase_add_test(tc, csv_lists_read);
	tcase_add_test(tc, bad_csv_lists_refused);
	suite_add_tcase(s, tc);
	return run_suite(s);
}

/* Manifest parsing: a valid manifest's values, and every error's location. */
#include <errno.h>

#include "check_util.h"
#include "manifest.h"

/* A valid manifest; the error cases below each change one thing in it. */
static const char *const base =
	"{\n"
	"  'manifest_version': 1,\n"
	"  'regions': [\n"
	"    { 'name': 'flash', 'address': '0x08000000', 'size': '1M',\n"
	"      'sectors': [ { 'count': 4, 'size': '16K' }, { 'count': 1, 'size': '64K' },\n"
	"                   { 'count': 7, 'size': '128K' } ] },\n"
	"    { 'name': 'qspi', 'address': '0x90000000', 'size': '16M', 'erase_size': 4096,\n"
	"      'alignment': 256, 'fill': 0 }\n"
	"  ],\n"
	"  'slots': [\n"
	"    { 'name': 'boot', 'address': '0x08000000', 'size': '16K' },\n"
	"    { 'name': 'loader', 'address': '0x08004000', 'size': '112K' },\n"
	"    { 'name': 'app', 'address': '0x08020000', 'size': '896K', 'alignment': 16 },\n"
	"    { 'name': 'assets', 'address': '0x90000000', 'size': '8M' }\n"
	"  ],\n"
	"  'images': [\n"
	"    { 'name': 'boot', 'type': 'bootloader', 'input': 'fw/boot.elf', 'version': '1.0.0',\n"
	"      'slot': 'boot' },\n"
	"    { 'name': 'app', 'type': 'app', 'input': 'app.bin', 'load_address': '0x08020200',\n"
	"      'version': '2.3.4+56', 'security_counter': 9, 'slot': 'app', 'key': '/k/dev.pem',\n"
	"      'outputs': ['bin', 'hex'] }\n"
	"  ],\n"
	"  'factory': [ { 'name': 'all', 'images': ['boot', 'app'], 'outputs': ['srec'] } ]\n"
	"}\n";

/* Parse base with the first occurrence of from replaced by to. */
static int parse_variant(const char *from, const char *to, struct fwp_manifest *m,
			 struct fwp_err *err)
{
	char *b = q(base), *f = q(from), *t = q(to);
	char *at = strstr(b, f);
	ck_assert_msg(at != NULL, "variant text not found: %s", from);
	size_t n = strlen(b) - strlen(f) + strlen(t) + 1;
	char *text = malloc(n);
	snprintf(text, n, "%.*s%s%s", (int)(at - b), b, t, at + strlen(f));
	int rc = fwp_manifest_parse("dir/t.json", text, strlen(text), m, err);
	free(b);
	free(f);
	free(t);
	free(text);
	return rc;
}

static void expect_error(const char *from, const char *to, const char *want)
{
	struct fwp_manifest m;
	struct fwp_err err;
	int rc = parse_variant(from, to, &m, &err);
	ck_assert_int_lt(rc, 0);
	char *w = q(want);
	ck_assert_msg(strstr(err.msg, w) != NULL, "error \"%s\" does not contain \"%s\"", err.msg,
		      w);
	free(w);
}

START_TEST(valid_manifest_values)
{
	struct fwp_manifest m;
	struct fwp_err err;
	ck_assert_int_eq(parse_variant("", "", &m, &err), FWP_OK);
	ck_assert_uint_eq(m.nregions, 2);
	ck_assert_uint_eq(m.regions[0].nsector_runs, 3);
	ck_assert_uint_eq(m.regions[0].sectors[2].count, 7);
	ck_assert_uint_eq(m.regions[0].sectors[2].size, 128 * 1024);
	ck_assert_uint_eq(m.regions[0].fill, 0xFF);
	ck_assert_uint_eq(m.regions[0].alignment, 8);
	ck_assert_uint_eq(m.regions[1].sectors[0].count, 4096);
	ck_assert_uint_eq(m.regions[1].fill, 0);
	ck_assert_uint_eq(m.nslots, 4);
	ck_assert_uint_eq(m.slots[2].addr, 0x08020000);
	ck_assert_uint_eq(m.slots[2].size, 896 * 1024);
	ck_assert_uint_eq(m.slots[2].alignment, 16);
	ck_assert_uint_eq(m.slots[3].alignment, 256); /* inherited from the region */
	ck_assert_uint_eq(m.slots[3].region, 1);
	ck_assert_uint_eq(m.nimages, 2);
	ck_assert_int_eq(m.images[0].format, FWP_FORMAT_RAW); /* default for a bootloader */
	ck_assert_str_eq(m.images[0].input, "dir/fw/boot.elf");
	ck_assert_uint_eq(m.images[0].outputs, FWP_OUT_BIN);
	ck_assert_int_eq(m.images[1].format, FWP_FORMAT_FWPACK);
	ck_assert_int_eq(m.images[1].type, FWP_IMAGE_TYPE_APP);
	ck_assert_int_eq(m.images[1].has_load_addr, 1);
	ck_assert_uint_eq(m.images[1].load_addr, 0x08020200);
	ck_assert_uint_eq(m.images[1].version.major, 2);
	ck_assert_uint_eq(m.images[1].version.minor, 3);
	ck_assert_uint_eq(m.images[1].version.patch, 4);
	ck_assert_uint_eq(m.images[1].version.build, 56);
	ck_assert_uint_eq(m.images[1].security_counter, 9);
	ck_assert_str_eq(m.images[1].key, "/k/dev.pem");
	ck_assert_uint_eq(m.images[1].outputs, FWP_OUT_BIN | FWP_OUT_HEX);
	ck_assert_uint_eq(m.images[1].vector_table_size, 512);
	ck_assert_int_eq(m.images[1].confirmed, 0);
	ck_assert_uint_eq(m.nfactories, 1);
	ck_assert_uint_eq(m.factories[0].nimages, 2);
	ck_assert_uint_eq(m.factories[0].images[1], 1);
	ck_assert_uint_eq(m.factories[0].outputs, FWP_OUT_SREC);
	fwp_manifest_free(&m);
}
END_TEST

START_TEST(syntax_error_located)
{
	expect_error("'slots': [", "'slots': [ ,", "dir/t.json:10:14: JSON syntax error");
	expect_error("  'factory'", "  factory", "dir/t.json:23:4: JSON syntax error");
}
END_TEST

START_TEST(unexpected_end)
{
	struct fwp_manifest m;
	struct fwp_err err;
	ck_assert_int_lt(fwp_manifest_parse("t.json", "{\"a\": [1,\n", 10, &m, &err), 0);
	ck_assert_str_eq(err.msg, "t.json:2:1: unexpected end of JSON");
	ck_assert_int_lt(fwp_manifest_parse("t.json", "{}\0{}", 5, &m, &err), 0);
	ck_assert_str_eq(err.msg, "t.json:1:3: NUL byte in the manifest");
}
END_TEST

START_TEST(unknown_and_duplicate_keys)
{
	expect_error("'manifest_version': 1,", "'manifest_version': 1, 'colour': 2,",
		     "dir/t.json:2:36: colour: unknown key 'colour'");
	expect_error("'slot': 'app',", "'slot': 'app', 'slots': 'app',",
		     "dir/t.json:20:77: images[1].slots: unknown key 'slots' (expected one of: name,");
	expect_error("'version': '1.0.0',", "'version': '1.0.0', 'version': '1.0.1',",
		     "dir/t.json:17:80: images[0].version: duplicate key 'version'");
	expect_error("{ 'count': 4,", "{ 'count': 4, 'cnt': 1,",
		     "regions[0].sectors[0].cnt: unknown key");
}
END_TEST

START_TEST(wrong_types)
{
	expect_error("'address': '0x08004000'", "'address': true",
		     "dir/t.json:12:36: slots[1].address: expected a number or a string like "
		     "'0x08000000', found a boolean");
	expect_error("'factory': [ { 'name': 'all', 'images': ['boot', 'app'], 'outputs': ['srec'] } ]",
		     "'factory': 5", "dir/t.json:23:14: factory: expected an array, found a number");
	expect_error("'manifest_version': 1,", "'manifest_version': 1, 'description': {},",
		     "dir/t.json:2:41: description: expected a string, found an object");
	expect_error("'security_counter': 9", "'security_counter': 9.5",
		     "images[1].security_counter: expected a non-negative integer, found 9.5");
	expect_error("'security_counter': 9", "'security_counter': -1",
		     "images[1].security_counter: expected a non-negative integer");
	expect_error("'size': '16K' }", "'size': '16Q' }",
		     "dir/t.json:5:42: regions[0].sectors[0].size: '16Q' is not a number");
	expect_error("'outputs': ['bin', 'hex']", "'outputs': ['bin', 'elf']",
		     "dir/t.json:21:26: images[1].outputs[1]: unknown output 'elf'");
	expect_error("'type': 'app'", "'type': 'application'",
		     "images[1].type: unknown image type 'application'");
	expect_error("'manifest_version': 1", "'manifest_version': 2",
		     "manifest_version: 0x2 is out of range (0x1..0x1)");
	expect_error("'fill': 0 }", "'fill': 256 }", "regions[1].fill: 0x100 is out of range");
}
END_TEST

START_TEST(missing_keys)
{
	expect_error("'slot': 'boot' }", "'slt': 'boot' }", "images[0].slt: unknown key");
	expect_error("'name': 'app', 'type': 'app', ", "'type': 'app', ",
		     "dir/t.json:19:5: images[1]: missing required key 'name'");
	expect_error("\"manifest_version\": 1,", "", "missing required key 'manifest_version'");
}
END_TEST

START_TEST(layout_errors)
{
	/* Overlapping slots. */
	expect_error("'address': '0x08004000', 'size': '112K'",
		     "'address': '0x08000000', 'size': '16K'",
		     "dir/t.json:12:36: slots[1].address: slot loader (0x08000000..0x08003fff) "
		     "overlaps slot boot (0x08000000..0x08003fff)");
	/* A slot that is not on a sector boundary. */
	expect_error("'address': '0x08020000', 'size': '896K'",
		     "'address': '0x08021000', 'size': '892K'",
		     "slots[2].address: 0x08021000 is not on an erase-sector boundary of region flash");
	expect_error("'size': '896K'", "'size': '800K'",
		     "slots[2].size: slot end 0x080e8000 is not on an erase-sector boundary");
	/* Outside every region. */
	expect_error("'address': '0x90000000', 'size': '8M'", "'address': '0xA0000000', 'size': '8M'",
		     "slots[3].address: slot 0xa0000000..0xa07fffff is not inside one memory region");
	/* Sectors that do not add up to the region. */
	expect_error("{ 'count': 7, 'size': '128K' }", "{ 'count': 6, 'size': '128K' }",
		     "regions[0].sectors: sectors add up to 0xe0000 bytes, but the region is 0x100000");
	/* Runs whose sum passes 2^64 and wraps to exactly the region's size. */
	expect_error("{ 'count': 7, 'size': '128K' }",
		     "{ 'count': 4294967295, 'size': '0x80000000' }, "
		     "{ 'count': 4294967295, 'size': '0x80000000' }, { 'count': 32775, 'size': '128K' }",
		     "regions[0].sectors[2]: sectors add up to more than the region");
	expect_error("'erase_size': 4096,", "'erase_size': 4096, 'sectors': [],",
		     "regions[1].sectors: must not be empty");
	expect_error("'name': 'qspi', 'address': '0x90000000'", "'name': 'qspi', 'address': '0x08080000'",
		     "regions[1].address: region qspi overlaps region flash");
	expect_error("'alignment': 16", "'alignment': 12", "slots[2].alignment: 12 is not a power of two");
}
END_TEST

/* What cJSON would let through: refused at the byte, before any value is used. */
START_TEST(strict_json)
{
	/* A NUL escape would cut names and paths short ("ap" for "ap\u0000p"). */
	expect_error("'name': 'app', 'type'", "'name': 'ap\\u0000p', 'type'",
		     "dir/t.json:19:18: \\u0000 in a string: a NUL would cut it short");
	expect_error("'input': 'app.bin'", "'input': 'app.elf\\u0000.junk'",
		     "dir/t.json:19:54: \\u0000 in a string");
	expect_error("'key': '/k/dev.pem'", "'key': '/k/dev.pem\\u0000x'",
		     "dir/t.json:20:86: \\u0000 in a string");
	/* Numbers as RFC 8259 writes them, nothing else. */
	expect_error("'manifest_version': 1", "'manifest_version': 01",
		     "dir/t.json:2:23: a number with a leading zero");
	expect_error("'manifest_version': 1", "'manifest_version': -00",
		     "dir/t.json:2:23: a number with a leading zero");
	expect_error("'count': 4,", "'count': 4.,", "dir/t.json:5:31: malformed number");
	expect_error("'count': 4,", "'count': +4,", "dir/t.json:5:31: malformed number");
	expect_error("'count': 4,", "'count': 4e,", "dir/t.json:5:31: malformed number");
	/* Text that is not UTF-8: a stray byte, an overlong '/', a UTF-16 surrogate. */
	expect_error("'name': 'flash',", "'name': 'flash', 'description': 'a\xff',",
		     "dir/t.json:4:41: invalid UTF-8 (byte 0xff)");
	expect_error("'name': 'flash',", "'name': 'flash', 'description': '\xc0\xaf',",
		     "dir/t.json:4:40: invalid UTF-8 (byte 0xc0)");
	expect_error("'name': 'flash',", "'name': 'flash', 'description': '\xed\xa0\x80',",
		     "invalid UTF-8 (byte 0xed)");
	expect_error("'name': 'flash',", "'name': 'flash', 'description': 'a\tb',",
		     "dir/t.json:4:41: control character 0x09 in a string");
	expect_error("'name': 'flash',", "'name': 'flash', 'description': '\\ud800x',",
		     "a high surrogate without a low one");
	expect_error("'name': 'flash',", "'name': 'flash', 'description': '\\q',",
		     "invalid escape \\q");
	expect_error("'manifest_version': 1", "'manifest_version': 1, \xff",
		     "dir/t.json:2:26: invalid UTF-8");
	/* Valid UTF-8, escaped or not, and JSON's own numbers still parse. */
	struct fwp_manifest m;
	struct fwp_err err;
	ck_assert_int_eq(parse_variant("'name': 'flash',",
				       "'name': 'flash', 'description': "
				       "'Flash \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 "
				       "\\u00e9 \\ud83d\\ude00 \\n',",
				       &m, &err),
			 FWP_OK);
	fwp_manifest_free(&m);
	ck_assert_int_eq(parse_variant("'fill': 0 }", "'fill': 0e0 }", &m, &err), FWP_OK);
	fwp_manifest_free(&m);
}
END_TEST

START_TEST(image_errors)
{
	expect_error("'slot': 'app'", "'slot': 'ap'",
		     "dir/t.json:20:61: images[1].slot: no slot named 'ap' (slots: boot, loader, "
		     "app, assets)");
	expect_error("'load_address': '0x08020200'", "'load_address': '0x08004200'",
		     "dir/t.json:19:73: images[1].load_address: 0x08004200 is outside slot app "
		     "(0x08020000..0x080fffff)");
	expect_error("'version': '2.3.4+56'", "'version': '2.3'",
		     "images[1].version: '2.3' is not MAJOR.MINOR.PATCH[+BUILD]");
	expect_error("'version': '2.3.4+56'", "'version': '2.3.4-rc1'",
		     "images[1].version: '2.3.4-rc1': pre-release versions");
	expect_error("'name': 'app', 'type'", "'name': 'boot', 'type'",
		     "images[1].name: 'boot' is already the name of images[0]");
	expect_error("'name': 'app', 'type'", "'name': '../app', 'type'",
		     "images[1].name: '../app': only letters, digits");
	expect_error("'slot': 'boot' }", "'slot': 'boot', 'key': 'k.pem' }",
		     "images[0].key: a raw image is not signed; remove the key");
	expect_error("'slot': 'app',", "'slot': 'app', 'git_sha': 'abc',",
		     "images[1].git_sha: only the cookbook formats carry a git SHA");
	expect_error("'type': 'bootloader',", "'type': 'bootloader', 'format': 'cookbook-v1',",
		     "images[0].format: the cookbook header has no bootloader image type");
	expect_error("'security_counter': 9,", "'security_counter': 9, 'vector_table_size': 130,",
		     "images[1].vector_table_size: 130 is not a multiple of 4");
	/* The confirmed flag: a boolean, on fwpack applications only. */
	struct fwp_manifest m;
	struct fwp_err err;
	ck_assert_int_eq(parse_variant("'slot': 'app',", "'slot': 'app', 'confirmed': true,", &m,
				       &err),
			 FWP_OK);
	ck_assert_int_eq(m.images[1].confirmed, 1);
	fwp_manifest_free(&m);
	expect_error("'slot': 'app',", "'slot': 'app', 'confirmed': 1,",
		     "images[1].confirmed: expected true or false, found a number");
	expect_error("'slot': 'boot' }", "'slot': 'boot', 'confirmed': true }",
		     "images[0].confirmed: only fwpack images carry the confirmed flag (this one is raw)");
	expect_error("'type': 'app', 'input'", "'type': 'loader', 'confirmed': true, 'input'",
		     "images[1].confirmed: only an application is confirmed");
}
END_TEST

START_TEST(factory_errors)
{
	expect_error("'images': ['boot', 'app']", "'images': ['boot', 'apq']",
		     "dir/t.json:23:52: factory[0].images[1]: no image named 'apq'");
	expect_error("'images': ['boot', 'app']", "'images': ['boot', 'boot']",
		     "factory[0].images[1]: image 'boot' listed twice");
}
END_TEST

START_TEST(version_parse)
{
	struct fwp_image_version v;
	struct fwp_err err;
	ck_assert_int_eq(fwp_version_parse("255.255.65535+4294967295", &v, &err), FWP_OK);
	ck_assert_uint_eq(v.patch, 65535);
	ck_assert_uint_eq(v.build, 4294967295u);
	ck_assert_int_eq(fwp_version_parse("0.0.0", &v, &err), FWP_OK);
	ck_assert_uint_eq(v.build, 0);
	static const char *const bad[] = {"256.0.0", "1.2.65536", "1.2.3+4294967296", "01.2.3",
					  "1.2",     "1.2.3.4",  "1.2.3+",           "v1.2.3",
					  "",        "1..3",     NULL};
	for (const char *const *b = bad; *b; b++)
		ck_assert_msg(fwp_version_parse(*b, &v, &err) < 0, "accepted %s", *b);
}
END_TEST

START_TEST(locate_in_file)
{
	char *dir = tmpdir_new();
	write_text(dir, "m.json", "{\n 'manifest_version': 1,\n 'regions': 7\n}\n");
	char *p = path_join(dir, "m.json");
	struct fwp_manifest m;
	struct fwp_err err;
	ck_assert_int_lt(fwp_manifest_load(p, &m, &err), 0);
	char want[512];
	snprintf(want, sizeof(want), "%s:3:13: regions: expected an array, found a number", p);
	ck_assert_str_eq(err.msg, want);
	free(p);
	/* A directory: named as such, not with whatever errno held before. */
	errno = 0;
	ck_assert_int_eq(fwp_manifest_load(dir, &m, &err), FWP_ERR_IO);
	snprintf(want, sizeof(want), "%s: not a regular file", dir);
	ck_assert_str_eq(err.msg, want);
	/* The documented limit, 4 MiB: one byte more is refused before parsing. */
	char *big = malloc((4u << 20) + 1);
	memset(big, ' ', (4u << 20) + 1);
	write_file(dir, "big.json", big, (4u << 20) + 1);
	free(big);
	p = path_join(dir, "big.json");
	ck_assert_int_eq(fwp_manifest_load(p, &m, &err), FWP_ERR_RANGE);
	ck_assert_msg(strstr(err.msg, "file is 4194305 bytes, more than the 4194304 allowed"), "%s",
		      err.msg);
	free(p);
	p = path_join(dir, "missing.json");
	ck_assert_int_eq(fwp_manifest_load(p, &m, &err), FWP_ERR_NOT_FOUND);
	free(p);
	tmpdir_remove(dir);
}
END_TEST

static Suite *manifest_suite(void)
{
	Suite *s = suite_create("manifest");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, valid_manifest_values);
	tcase_add_test(tc, syntax_error_located);
	tcase_add_test(tc, unexpected_end);
	tcase_add_test(tc, unknown_and_duplicate_keys);
	tcase_add_test(tc, wrong_types);
	tcase_add_test(tc, missing_keys);
	tcase_add_test(tc, layout_errors);
	tcase_add_test(tc, strict_json);
	tcase_add_test(tc, image_errors);
	tcase_add_test(tc, factory_errors);
	tcase_add_test(tc, version_parse);
	tcase_add_test(tc, locate_in_file);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(manifest_suite());
}

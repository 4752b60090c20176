/*
 * The USB DFU parsers: the DfuSe memory layout strings (ST's own strings,
 * several segments, every refusal with its column) and .dfu files (the DFU
 * suffix checked against dfu-suffix from dfu-util itself, DfuSe containers
 * built here, truncated and inconsistent ones refused).
 */
#include "check_util.h"
#include "fwpack/image.h"
#include "dfu.h"
#include "dfufile.h"
#include "dfuse_layout.h"

static struct fwp_err err;

static int layout(const char *s, struct fwp_dfuse_layout *l)
{
	fwp_err_clear(&err);
	return fwp_dfuse_layout_parse(s, strlen(s), l, &err);
}

START_TEST(layout_stm32f4_internal_flash)
{
	struct fwp_dfuse_layout l;
	ck_assert_int_eq(layout("@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg", &l), FWP_OK);
	ck_assert_str_eq(l.name, "Internal Flash");
	ck_assert_uint_eq(l.nregions, 3);
	ck_assert_uint_eq(l.regions[0].start, 0x08000000);
	ck_assert_uint_eq(l.regions[0].count, 4);
	ck_assert_uint_eq(l.regions[0].sector_size, 16 * 1024);
	ck_assert_uint_eq(l.regions[0].attrs, 7);
	ck_assert_uint_eq(l.regions[1].start, 0x08010000);
	ck_assert_uint_eq(l.regions[2].start, 0x08020000);
	ck_assert_uint_eq(l.regions[2].count, 7);
	uint32_t start, size;
	uint8_t attrs;
	ck_assert_int_eq(fwp_dfuse_sector_at(&l, 0x0800c123, &start, &size, &attrs), FWP_OK);
	ck_assert_uint_eq(start, 0x0800c000);
	ck_assert_uint_eq(size, 0x4000);
	ck_assert_int_eq(fwp_dfuse_sector_at(&l, 0x08010000, &start, &size, &attrs), FWP_OK);
	ck_assert_uint_eq(size, 0x10000);
	ck_assert_int_eq(fwp_dfuse_sector_at(&l, 0x080fffff, &start, &size, &attrs), FWP_OK);
	ck_assert_uint_eq(start, 0x080e0000);
	ck_assert_int_eq(fwp_dfuse_sector_at(&l, 0x08100000, &start, &size, &attrs), FWP_ERR_RANGE);
	ck_assert_int_eq(fwp_dfuse_sector_at(&l, 0x07ffffff, &start, &size, &attrs), FWP_ERR_RANGE);
}
END_TEST

START_TEST(layout_other_st_strings)
{
	struct fwp_dfuse_layout l;
	/* Bytes as the unit (a blank), read-only and read-write letters. */
	ck_assert_int_eq(layout("@Option Bytes  /0x1FFFC000/01*016 e", &l), FWP_OK);
	ck_assert_str_eq(l.name, "Option Bytes");
	ck_assert_uint_eq(l.regions[0].sector_size, 16);
	ck_assert_uint_eq(l.regions[0].attrs, FWP_DFUSE_READABLE | FWP_DFUSE_WRITABLE);
	ck_assert_int_eq(layout("@OTP Memory /0x1FFF7800/01*512 e,01*016 e", &l), FWP_OK);
	ck_assert_uint_eq(l.regions[1].start, 0x1FFF7800 + 512);
	ck_assert_int_eq(layout("@Device Feature/0xFFFF0000/01*004 g", &l), FWP_OK);
	ck_assert_uint_eq(l.regions[0].start, 0xFFFF0000);
	/* Megabytes, the letter straight after the digits, several address segments. */
	ck_assert_int_eq(layout("@Flash/0x08000000/2*1Ma/0x20000000/8*1Kg,4*2Kd", &l), FWP_OK);
	ck_assert_uint_eq(l.nregions, 3);
	ck_assert_uint_eq(l.regions[0].sector_size, 1024 * 1024);
	ck_assert_uint_eq(l.regions[0].attrs, FWP_DFUSE_READABLE);
	ck_assert_uint_eq(l.regions[1].start, 0x20000000);
	ck_assert_uint_eq(l.regions[2].start, 0x20002000);
	ck_assert_uint_eq(l.regions[2].attrs, FWP_DFUSE_WRITABLE);
	/* The last sector of the address space is fine; a NUL at the end too. */
	ck_assert_int_eq(fwp_dfuse_layout_parse("@x/0xFFFFF000/1*4Kg\0", 20, &l, &err), FWP_OK);
}
END_TEST

static void layout_refused(const char *s, const char *why)
{
	struct fwp_dfuse_layout l;
	ck_assert_int_eq(layout(s, &l), FWP_ERR_FORMAT);
	ck_assert_msg(strstr(err.msg, why), "'%s': '%s' lacks '%s'", s, err.msg, why);
}

START_TEST(layout_refusals)
{
	layout_refused("", "'@' expected at column 1 (end of string)");
	layout_refused("Internal Flash/0x08000000/1*1Kg", "'@' expected at column 1 ('I')");
	layout_refused("@Internal Flash", "'/' and an address expected at column 16");
	layout_refused("@x/0x/1*1Kg", "number expected at column 6");
	layout_refused("@x/0x1000000000/1*1Kg", "number too large");
	layout_refused("@x/0x08000000", "'/' expected after the address at column 14");
	layout_refused("@x/0x08000000/4-16Kg", "'*' expected at column 16 ('-')");
	layout_refused("@x/0x08000000/4*16Kz", "attribute letter 'a'..'g' expected at column 20 ('z')");
	layout_refused("@x/0x08000000/4*16K", "attribute letter");
	layout_refused("@x/0x08000000/0*16Kg", "empty sector group");
	layout_refused("@x/0x08000000/1*0Kg", "empty sector group");
	layout_refused("@x/0xFFFFF000/2*4Kg", "pass the end of the 4 GiB address space");
	layout_refused("@x/0/16777215*16777215Mg", "sector of 4 GiB or more");
	/* Exactly 4 GiB fits the address space but not the 32-bit sector size. */
	layout_refused("@x/0/1*4096Mg", "sector of 4 GiB or more");
	layout_refused("@x/0x08000000/4*16Kg;", "',' or '/' expected at column 21 (';')");
	layout_refused("@x/0x08000000/4*16Kg,", "number expected at column 22");
	char many[2048] = "@x/0";
	for (int i = 0; i < FWP_DFUSE_MAX_REGIONS + 1; i++)
		strcat(many, i ? ",1*1Kg" : "/1*1Kg");
	layout_refused(many, "too many sector groups");
}
END_TEST

/* The suffix CRC by the bit, as the DFU specification describes it. */
static uint32_t crc_bitwise(const uint8_t *d, size_t n)
{
	uint32_t c = 0xffffffffu;
	for (size_t i = 0; i < n; i++) {
		c ^= d[i];
		for (int k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ 0xedb88320u : c >> 1;
	}
	return c;
}

static void add_suffix(struct fwp_buf *b, uint16_t vid, uint16_t pid, uint16_t bcd_dfu)
{
	uint8_t s[16];
	fwp_put_le16(s, 0xffff);
	fwp_put_le16(s + 2, pid);
	fwp_put_le16(s + 4, vid);
	fwp_put_le16(s + 6, bcd_dfu);
	memcpy(s + 8, "UFD", 3);
	s[11] = 16;
	ck_assert_int_eq(fwp_buf_append(b, s, 12, NULL), FWP_OK);
	fwp_put_le32(s + 12, crc_bitwise(b->data, b->len));
	ck_assert_int_eq(fwp_buf_append(b, s + 12, 4, NULL), FWP_OK);
}

START_TEST(suffix_plain)
{
	struct fwp_buf b = {0};
	struct fwp_dfu_file f;
	ck_assert_int_eq(fwp_buf_append(&b, "firmware bytes", 14, NULL), FWP_OK);
	/* Without a suffix the whole file is the payload. */
	ck_assert_int_eq(fwp_dfu_file_parse(b.data, b.len, &f, &err), FWP_OK);
	ck_assert_int_eq(f.has_suffix, 0);
	ck_assert_uint_eq(f.payload_len, 14);
	add_suffix(&b, 0x0483, 0xdf11, 0x0100);
	ck_assert_uint_eq(fwp_dfu_crc(b.data, b.len - 4), crc_bitwise(b.data, b.len - 4));
	ck_assert_int_eq(fwp_dfu_file_parse(b.data, b.len, &f, &err), FWP_OK);
	ck_assert_int_eq(f.has_suffix, 1);
	ck_assert_int_eq(f.dfuse, 0);
	ck_assert_uint_eq(f.vid, 0x0483);
	ck_assert_uint_eq(f.pid, 0xdf11);
	ck_assert_uint_eq(f.bcd_dfu, 0x0100);
	ck_assert_uint_eq(f.payload_len, 14);
	ck_assert_ptr_eq(f.payload, b.data);
	/* One flipped bit anywhere before the CRC is caught. */
	b.data[3] ^= 0x10;
	ck_assert_int_eq(fwp_dfu_file_parse(b.data, b.len, &f, &err), FWP_ERR_FORMAT);
	ck_assert_msg(strstr(err.msg, "DFU suffix: CRC is 0x"), "%s", err.msg);
	b.data[3] ^= 0x10;
	b.data[b.len - 5] = 5; /* bLength below 16 */
	ck_assert_int_eq(fwp_dfu_file_parse(b.data, b.len, &f, &err), FWP_ERR_FORMAT);
	ck_assert_msg(strstr(err.msg, "bLength 5"), "%s", err.msg);
	fwp_buf_free(&b);
}
END_TEST

/* The CRC and layout dfu-util's own dfu-suffix writes. */
START_TEST(suffix_from_dfu_suffix)
{
	char *dir = tmpdir_new(), cmd[512];
	uint8_t data[3000];
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + 3);
	write_file(dir, "fw.dfu", data, sizeof(data));
	snprintf(cmd, sizeof(cmd), "cd '%s' && dfu-suffix -v 1209 -p 2002 -a fw.dfu >/dev/null 2>&1",
		 dir);
	if (system(cmd) != 0) {
		fprintf(stderr, "test_dfu: dfu-suffix not available, its cross-check skipped\n");
		tmpdir_remove(dir);
		return;
	}
	struct fwp_buf b = {0};
	struct fwp_dfu_file f;
	ck_assert(read_back(dir, "fw.dfu", &b));
	ck_assert_int_eq(fwp_dfu_file_parse(b.data, b.len, &f, &err), FWP_OK);
	ck_assert_int_eq(f.has_suffix, 1);
	ck_assert_uint_eq(f.vid, 0x1209);
	ck_assert_uint_eq(f.pid, 0x2002);
	ck_assert_uint_eq(f.payload_len, sizeof(data));
	ck_assert_mem_eq(f.payload, data, sizeof(data));
	fwp_buf_free(&b);
	tmpdir_remove(dir);
}
END_TEST

struct elem {
	uint8_t alt;
	uint32_t addr, size;
};

/* A DfuSe container (UM0391) with these elements, one target per run of equal alts. */
static void dfuse_file(struct fwp_buf *b, const struct elem *e, size_t n)
{
	uint8_t hdr[FWP_DFUSE_PREFIX_LEN] = {'D', 'f', 'u', 'S', 'e', 1};
	size_t ntargets = 0;
	for (size_t i = 0; i < n; i++)
		ntargets += i == 0 || e[i].alt != e[i - 1].alt;
	hdr[10] = (uint8_t)ntargets;
	ck_assert_int_eq(fwp_buf_append(b, hdr, sizeof(hdr), NULL), FWP_OK);
	for (size_t i = 0; i < n;) {
		size_t j = i, tsize = 0;
		while (j < n && e[j].alt == e[i].alt)
			tsize += 8 + e[j++].size;
		uint8_t t[FWP_DFUSE_TARGET_LEN] = {'T', 'a', 'r', 'g', 'e', 't'};
		t[6] = e[i].alt;
		fwp_put_le32(t + 7, 1);
		strcpy((char *)t + 11, "ST...");
		fwp_put_le32(t + 266, (uint32_t)tsize);
		fwp_put_le32(t + 270, (uint32_t)(j - i));
		ck_assert_int_eq(fwp_buf_append(b, t, sizeof(t), NULL), FWP_OK);
		for (; i < j; i++) {
			uint8_t eh[8];
			fwp_put_le32(eh, e[i].addr);
			fwp_put_le32(eh + 4, e[i].size);
			ck_assert_int_eq(fwp_buf_append(b, eh, 8, NULL), FWP_OK);
			ck_assert_int_eq(fwp_buf_fill(b, (uint8_t)(0xa0 + i), e[i].size, NULL), FWP_OK);
		}
	}
	fwp_put_le32(b->data + 6, (uint32_t)b->len);
}

START_TEST(dfuse_container)
{
	const struct elem e[] = {{0, 0x08000000, 100}, {0, 0x08020000, 0}, {0, 0x08040000, 7},
				 {1, 0x1fffc000, 16}};
	struct fwp_buf b = {0};
	struct fwp_dfu_file f;
	dfuse_file(&b, e, 4);
	add_suffix(&b, 0x0483, 0xdf11, 0x011a);
	ck_assert_int_eq(fwp_dfu_file_parse(b.data, b.len, &f, &err), FWP_OK);
	ck_assert_int_eq(f.dfuse, 1);
	ck_assert_uint_eq(f.bcd_dfu, 0x011a);
	ck_assert_uint_eq(f.ntargets, 2);
	ck_assert_uint_eq(f.nelements, 4);
	for (size_t i = 0; i < 4; i++) {
		ck_assert_uint_eq(f.elements[i].alt, e[i].alt);
		ck_assert_uint_eq(f.elements[i].addr, e[i].addr);
		ck_assert_uint_eq(f.elements[i].size, e[i].size);
		if (e[i].size) {
			ck_assert_uint_eq(f.elements[i].data[0], 0xa0 + i);
			ck_assert_uint_eq(f.elements[i].data[e[i].size - 1], 0xa0 + i);
		}
	}
	ck_assert_ptr_eq(f.elements[0].data, b.data + 11 + 274 + 8);
	fwp_dfu_file_free(&f);
	fwp_buf_free(&b);
}
END_TEST

/* DFUImageSize as UM0391 and dfuse-pack (dfu-util >= 0.10) write it: the
   whole file, suffix included; anything but the two conventions is refused. */
START_TEST(dfuse_image_size_conventions)
{
	const struct elem e[] = {{0, 0x08000000, 100}};
	struct fwp_dfu_file f;
	for (int extra = 0; extra <= FWP_DFU_SUFFIX_LEN + 1; extra++) {
		struct fwp_buf b = {0};
		dfuse_file(&b, e, 1);
		fwp_put_le32(b.data + 6, (uint32_t)b.len + (uint32_t)extra);
		add_suffix(&b, 0x0483, 0xdf11, 0x011a);
		int want = extra == 0 || extra == FWP_DFU_SUFFIX_LEN ? FWP_OK : FWP_ERR_FORMAT;
		ck_assert_msg(fwp_dfu_file_parse(b.data, b.len, &f, &err) == want,
			      "DFUImageSize = payload + %d: %s", extra, err.msg);
		if (want == FWP_OK)
			ck_assert_uint_eq(f.nelements, 1);
		else
			ck_assert_msg(strstr(err.msg, "(393 before its suffix)"), "%s", err.msg);
		fwp_dfu_file_free(&f);
		fwp_buf_free(&b);
	}
}
END_TEST

static void dfuse_refused(struct fwp_buf *b, const char *why)
{
	struct fwp_dfu_file f;
	ck_assert_int_eq(fwp_dfu_file_parse(b->data, b->len, &f, &err), FWP_ERR_FORMAT);
	ck_assert_msg(strstr(err.msg, why), "'%s' lacks '%s'", err.msg, why);
	fwp_dfu_file_free(&f);
}

START_TEST(dfuse_refusals)
{
	const struct elem e[] = {{0, 0x08000000, 100}, {0, 0x08020000, 10}};
	struct fwp_buf b = {0};
	dfuse_file(&b, e, 2);
	size_t len = b.len;

	b.len = 8;
	dfuse_refused(&b, "DfuSe prefix: 8 bytes, 11 needed");
	b.len = len;
	b.data[5] = 2;
	dfuse_refused(&b, "version 2");
	b.data[5] = 1;
	fwp_put_le32(b.data + 6, (uint32_t)len + 1);
	dfuse_refused(&b, "DFUImageSize");
	fwp_put_le32(b.data + 6, (uint32_t)len);
	b.data[10] = 0;
	dfuse_refused(&b, "0 targets");
	b.data[10] = 1;
	b.data[11] = 't';
	dfuse_refused(&b, "no \"Target\" signature");
	b.data[11] = 'T';
	/* A target size past the end, an element past its target. */
	fwp_put_le32(b.data + 11 + 266, 1000);
	dfuse_refused(&b, "dwTargetSize 1000");
	fwp_put_le32(b.data + 11 + 266, 8 + 100 + 8 + 10);
	fwp_put_le32(b.data + 11 + 274 + 4, 119);
	dfuse_refused(&b, "element 0: 119 bytes, only 118 left");
	fwp_put_le32(b.data + 11 + 274 + 4, 100);
	/* Elements that do not fill their target, or leave the address space. */
	fwp_put_le32(b.data + 11 + 270, 1);
	dfuse_refused(&b, "bytes after its last element");
	fwp_put_le32(b.data + 11 + 270, 3);
	dfuse_refused(&b, "element 2 at offset");
	fwp_put_le32(b.data + 11 + 270, 0x7fffffff);
	dfuse_refused(&b, "elements (at most");
	fwp_put_le32(b.data + 11 + 270, 2);
	fwp_put_le32(b.data + 11 + 274, 0xffffffc0);
	dfuse_refused(&b, "passes 4 GiB");
	fwp_put_le32(b.data + 11 + 274, 0x08000000);
	/* Truncated in the middle of the target header. */
	b.len = 100;
	fwp_put_le32(b.data + 6, 100);
	dfuse_refused(&b, "target 0 at offset 11: truncated");
	b.len = len;
	fwp_put_le32(b.data + 6, (uint32_t)len);
	/* Bytes after the last target. */
	ck_assert_int_eq(fwp_buf_fill(&b, 0, 3, NULL), FWP_OK);
	fwp_put_le32(b.data + 6, (uint32_t)b.len);
	dfuse_refused(&b, "3 bytes after the last target");
	fwp_buf_free(&b);
}
END_TEST

START_TEST(status_words)
{
	ck_assert_str_eq(fwp_dfu_status_name(5), "errCHECK_ERASED");
	ck_assert_str_eq(fwp_dfu_status_text(5), "flash not erased");
	ck_assert_str_eq(fwp_dfu_status_name(15), "errSTALLEDPKT");
	ck_assert_str_eq(fwp_dfu_status_name(16), "err?");
	ck_assert_str_eq(fwp_dfu_state_name(10), "dfuERROR");
	ck_assert_str_eq(fwp_dfu_state_name(11), "state?");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("dfu");
	TCase *tc = tcase_create("parsers");
	tcase_add_test(tc, layout_stm32f4_internal_flash);
	tcase_add_test(tc, layout_other_st_strings);
	tcase_add_test(tc, layout_refusals);
	tcase_add_test(tc, suffix_plain);
	tcase_add_test(tc, suffix_from_dfu_suffix);
	tcase_add_test(tc, dfuse_container);
	tcase_add_test(tc, dfuse_image_size_conventions);
	tcase_add_test(tc, dfuse_refusals);
	tcase_add_test(tc, status_words);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return run_suite(s);
}

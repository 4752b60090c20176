/*
 * Intel HEX and S-record writers: exact records for known inputs (the
 * checksums worked out by hand, several lines are the textbook examples),
 * a line-by-line reader that checks every record of the larger outputs
 * against the chunks, the 64 KiB and address-width boundaries, refused
 * chunk lists, and round trips through the real srec_cat and objcopy.
 */
#include "check_util.h"
#include "hexfile.h"

static char *ihex(const struct fwp_chunk *c, size_t n, int has_start, uint32_t start)
{
	struct fwp_buf b = {0};
	struct fwp_err err = {0};
	int rc = fwp_ihex_write(c, n, has_start, start, &b, &err);
	ck_assert_msg(rc == FWP_OK, "%s", err.msg);
	return (char *)b.data;
}

static char *srec(const struct fwp_chunk *c, size_t n, const char *header, uint32_t start)
{
	struct fwp_buf b = {0};
	struct fwp_err err = {0};
	int rc = fwp_srec_write(c, n, header, start, &b, &err);
	ck_assert_msg(rc == FWP_OK, "%s", err.msg);
	return (char *)b.data;
}

/* Deterministic filler, different for each seed. */
static uint8_t *pattern(size_t len, uint32_t seed)
{
	uint8_t *d = malloc(len ? len : 1);
	ck_assert_ptr_nonnull(d);
	for (size_t i = 0; i < len; i++) {
		seed = seed * 1664525u + 1013904223u;
		d[i] = (uint8_t)(seed >> 24);
	}
	return d;
}

/* ---- a strict reader for what the writers produce ---- */

/*
 * ck_assert marks a checkpoint on every call, a write to Check's pipe: far
 * too slow for the per-byte and per-record checks below.
 */
#define REQUIRE(cond, ...) \
	do { \
		if (!(cond)) \
			ck_abort_msg(__VA_ARGS__); \
	} while (0)

/*
 * Walks the chunks in step with the data records: each record must carry
 * the next bytes of the current chunk at their address, so a merged, padded,
 * reordered or dropped byte shows up.
 */
struct cursor {
	const struct fwp_chunk *c;
	size_t n, i, pos;
};

static void cursor_skip_done(struct cursor *k)
{
	while (k->i < k->n && k->pos == k->c[k->i].len) {
		k->i++;
		k->pos = 0;
	}
}

static void cursor_take(struct cursor *k, uint64_t addr, const uint8_t *d, size_t len)
{
	cursor_skip_done(k);
	REQUIRE(k->i < k->n, "data record at 0x%llx after the last chunk",
		(unsigned long long)addr);
	const struct fwp_chunk *c = &k->c[k->i];
	REQUIRE(addr == c->addr + (uint64_t)k->pos, "record at 0x%llx, expected 0x%llx",
		(unsigned long long)addr, (unsigned long long)(c->addr + (uint64_t)k->pos));
	REQUIRE(len <= c->len - k->pos, "record at 0x%llx runs past its chunk",
		(unsigned long long)addr);
	REQUIRE(memcmp(d, c->data + k->pos, len) == 0, "wrong bytes at 0x%llx",
		(unsigned long long)addr);
	k->pos += len;
}

static void cursor_done(struct cursor *k)
{
	cursor_skip_done(k);
	REQUIRE(k->i == k->n, "chunk %zu not written completely", k->i);
}

/* Decode the upper-case hex of one line into b; returns the byte count. */
static size_t unhex_line(const char *p, size_t chars, uint8_t *b, size_t room)
{
	REQUIRE(chars % 2 == 0 && chars / 2 <= room, "odd or long line: %.*s", (int)chars, p);
	for (size_t i = 0; i < chars; i++) {
		char ch = p[i];
		REQUIRE((ch >= '0' && ch <= '9') || (ch >= 'A' && ch <= 'F'),
			"not an upper-case hex digit in %.*s", (int)chars, p);
		unsigned v = ch <= '9' ? (unsigned)(ch - '0') : (unsigned)(ch - 'A' + 10);
		b[i / 2] = (uint8_t)(i % 2 ? b[i / 2] | v : v << 4);
	}
	return chars / 2;
}

/* Next "\n"-terminated line from *p; returns its length without the newline. */
static size_t next_line(const char **p, const char **line)
{
	const char *nl = strchr(*p, '\n');
	REQUIRE(nl != NULL, "last line not terminated: %s", *p);
	*line = *p;
	*p = nl + 1;
	REQUIRE(nl == *line || nl[-1] != '\r', "CR in line");
	return (size_t)(nl - *line);
}

struct ihex_info {
	size_t data_records, ela_records;
	int has_start;
	uint32_t start;
};

static void check_ihex(const char *t, const struct fwp_chunk *c, size_t n, struct ihex_info *info)
{
	struct cursor k = {c, n, 0, 0};
	uint32_t upper = 0;
	int eof = 0;

	memset(info, 0, sizeof(*info));
	for (const char *p = t; *p;) {
		const char *line;
		size_t chars = next_line(&p, &line);
		uint8_t b[300];
		REQUIRE(!eof, "record after EOF");
		REQUIRE(chars >= 11 && line[0] == ':', "bad line %.*s", (int)chars, line);
		size_t nb = unhex_line(line + 1, chars - 1, b, sizeof(b));
		REQUIRE(b[0] + 5u == nb, "length byte disagrees: %.*s", (int)chars, line);
		unsigned sum = 0;
		for (size_t i = 0; i < nb; i++)
			sum += b[i];
		REQUIRE((sum & 0xFF) == 0, "bad checksum: %.*s", (int)chars, line);
		unsigned off = (unsigned)b[1] << 8 | b[2];
		switch (b[3]) {
		case 0x00:
			REQUIRE(b[0] >= 1 && b[0] <= 16, "data record of %u bytes", b[0]);
			REQUIRE(off + b[0] <= 0x10000, "record crosses 64 KiB: %.*s", (int)chars,
				line);
			cursor_take(&k, (uint64_t)upper << 16 | off, b + 4, b[0]);
			info->data_records++;
			break;
		case 0x01:
			REQUIRE(b[0] == 0 && off == 0, "bad EOF record: %.*s", (int)chars, line);
			eof = 1;
			break;
		case 0x04:
			REQUIRE(b[0] == 2 && off == 0, "bad 04 record: %.*s", (int)chars, line);
			upper = (uint32_t)b[4] << 8 | b[5];
			info->ela_records++;
			break;
		case 0x05:
			REQUIRE(b[0] == 4 && off == 0 && !info->has_start,
				"bad or second 05 record");
			info->has_start = 1;
			info->start = (uint32_t)b[4] << 24 | (uint32_t)b[5] << 16 |
				      (uint32_t)b[6] << 8 | b[7];
			break;
		default:
			ck_abort_msg("unexpected record type %02X", b[3]);
		}
	}
	REQUIRE(eof, "no EOF record");
	cursor_done(&k);
}

struct srec_info {
	char data_type, end_type;
	size_t data_records;
	int has_count;
	uint32_t count, start;
	char header[256];
};

static void check_srec(const char *t, const struct fwp_chunk *c, size_t n, struct srec_info *info)
{
	struct cursor k = {c, n, 0, 0};
	size_t lines = 0;

	memset(info, 0, sizeof(*info));
	for (const char *p = t; *p; lines++) {
		const char *line;
		size_t chars = next_line(&p, &line);
		uint8_t b[300];
		REQUIRE(!info->end_type, "record after the termination record");
		REQUIRE(chars >= 8 && line[0] == 'S', "bad line %.*s", (int)chars, line);
		char type = line[1];
		size_t nb = unhex_line(line + 2, chars - 2, b, sizeof(b));
		REQUIRE(b[0] + 1u == nb, "count byte disagrees: %.*s", (int)chars, line);
		unsigned sum = 0;
		for (size_t i = 0; i + 1 < nb; i++)
			sum += b[i];
		REQUIRE((~sum & 0xFF) == b[nb - 1], "bad checksum: %.*s", (int)chars, line);
		unsigned ab = strchr("0159", type) ? 2 : strchr("268", type) ? 3 : 4;
		REQUIRE(nb >= 1 + ab + 1, "record shorter than its address: %.*s", (int)chars,
			line);
		uint32_t addr = 0;
		for (unsigned i = 0; i < ab; i++)
			addr = addr << 8 | b[1 + i];
		size_t dlen = nb - 2 - ab;
		switch (type) {
		case '0':
			REQUIRE(lines == 0 && addr == 0, "S0 not first or not at 0");
			memcpy(info->header, b + 1 + ab, dlen);
			break;
		case '1':
		case '2':
		case '3':
			REQUIRE(!info->has_count, "data after the count record");
			REQUIRE(!info->data_type || info->data_type == type, "S%c after S%c", type,
				info->data_type);
			REQUIRE(dlen >= 1 && dlen <= 16, "data record of %zu bytes", dlen);
			info->data_type = type;
			cursor_take(&k, addr, b + 1 + ab, dlen);
			info->data_records++;
			break;
		case '5':
		case '6':
			REQUIRE(dlen == 0 && !info->has_count, "bad or second count record");
			info->has_count = 1;
			info->count = addr;
			break;
		case '7':
		case '8':
		case '9':
			REQUIRE(dlen == 0, "data in the termination record");
			info->end_type = type;
			info->start = addr;
			break;
		default:
			ck_abort_msg("unexpected record S%c", type);
		}
	}
	REQUIRE(info->end_type, "no termination record");
	if (info->data_type) /* S1 ends with S9, S2 with S8, S3 with S7 */
		ck_assert_int_eq(info->end_type, '9' - (info->data_type - '1'));
	if (info->has_count)
		ck_assert_uint_eq(info->count, info->data_records);
	cursor_done(&k);
}

/* ---- exact text ---- */

START_TEST(ihex_textbook_example)
{
	/* The usual Intel HEX example: 64 bytes at 0x0100. */
	static const char lines[] = ":020000040000FA\n"
				    ":10010000214601360121470136007EFE09D2190140\n"
				    ":100110002146017E17C20001FF5F16002148011928\n"
				    ":10012000194E79234623965778239EDA3F01B2CAA7\n"
				    ":100130003F0156702B5E712B722B732146013421C7\n"
				    ":00000001FF\n";
	static const uint8_t d[64] = {
		0x21, 0x46, 0x01, 0x36, 0x01, 0x21, 0x47, 0x01, 0x36, 0x00, 0x7E, 0xFE, 0x09,
		0xD2, 0x19, 0x01, 0x21, 0x46, 0x01, 0x7E, 0x17, 0xC2, 0x00, 0x01, 0xFF, 0x5F,
		0x16, 0x00, 0x21, 0x48, 0x01, 0x19, 0x19, 0x4E, 0x79, 0x23, 0x46, 0x23, 0x96,
		0x57, 0x78, 0x23, 0x9E, 0xDA, 0x3F, 0x01, 0xB2, 0xCA, 0x3F, 0x01, 0x56, 0x70,
		0x2B, 0x5E, 0x71, 0x2B, 0x72, 0x2B, 0x73, 0x21, 0x46, 0x01, 0x34, 0x21,
	};
	struct fwp_chunk c = {0x0100, d, sizeof(d)};
	char *t = ihex(&c, 1, 0, 0);
	ck_assert_str_eq(t, lines);
	free(t);
}
END_TEST

START_TEST(ihex_extended_address_and_start)
{
	static const uint8_t d[] = {0x02, 0x33, 0x7A};
	struct fwp_chunk c = {0x0030, d, 3};
	char *t = ihex(&c, 1, 0, 0);
	ck_assert_str_eq(t, ":020000040000FA\n:0300300002337A1E\n:00000001FF\n");
	free(t);

	/* 04 for 0x0800: 02+04+08 = 0x0E, -0x0E = F2; 05: 04+05+08+01+23 = 0x35 -> CB */
	c.addr = 0x08000000;
	t = ihex(&c, 1, 1, 0x08000123);
	ck_assert_str_eq(t, ":020000040800F2\n"
			    ":0300000002337A4E\n"
			    ":0400000508000123CB\n"
			    ":00000001FF\n");
	free(t);

	/* No data at all: still a well-formed file, start 0 is written when asked. */
	t = ihex(NULL, 0, 0, 0);
	ck_assert_str_eq(t, ":00000001FF\n");
	free(t);
	t = ihex(NULL, 0, 1, 0);
	ck_assert_str_eq(t, ":0400000500000000F7\n:00000001FF\n");
	free(t);
}
END_TEST

START_TEST(srec_textbook_example)
{
	/* The first 48 bytes of the usual S-record example program. */
	static const uint8_t d[48] = {
		0x7C, 0x08, 0x02, 0xA6, 0x90, 0x01, 0x00, 0x04, 0x94, 0x21, 0xFF, 0xF0,
		0x7C, 0x6C, 0x1B, 0x78, 0x7C, 0x8C, 0x23, 0x78, 0x3C, 0x60, 0x00, 0x00,
		0x38, 0x63, 0x00, 0x00, 0x4B, 0xFF, 0xFF, 0xE5, 0x39, 0x80, 0x00, 0x00,
		0x7D, 0x83, 0x63, 0x78, 0x80, 0x01, 0x00, 0x14, 0x38, 0x21, 0x00, 0x10,
	};
	struct fwp_chunk c = {0x0000, d, sizeof(d)};
	char *t = srec(&c, 1, "hello", 0);
	ck_assert_str_eq(t, "S008000068656C6C6FE3\n"
			    "S11300007C0802A6900100049421FFF07C6C1B780C\n"
			    "S11300107C8C23783C600000386300004BFFFFE5D4\n"
			    "S1130020398000007D83637880010014382100103A\n"
			    "S5030003F9\n"
			    "S9030000FC\n");
	free(t);
}
END_TEST

START_TEST(srec_wider_records)
{
	static const uint8_t aa = 0xAA, five_a = 0x5A;
	/* 05+12+34+56+AA = 0x14B -> ~4B = B4; S8: 04+12+34+56 = 0xA0 -> 5F */
	struct fwp_chunk c = {0x123456, &aa, 1};
	char *t = srec(&c, 1, NULL, 0x123456);
	ck_assert_str_eq(t, "S0030000FC\nS205123456AAB4\nS5030001FB\nS8041234565F\n");
	free(t);

	/* The very last byte of the address space. */
	c = (struct fwp_chunk){0xFFFFFFFF, &five_a, 1};
	t = srec(&c, 1, "", 0xFFFFFFFF);
	ck_assert_str_eq(t, "S0030000FC\nS306FFFFFFFF5AA3\nS5030001FB\nS705FFFFFFFFFE\n");
	free(t);

	t = srec(NULL, 0, NULL, 0);
	ck_assert_str_eq(t, "S0030000FC\nS5030000FC\nS9030000FC\n");
	free(t);
}
END_TEST

/* ---- boundaries ---- */

START_TEST(ihex_64k_boundary)
{
	uint8_t d[64];
	for (int i = 0; i < 64; i++)
		d[i] = (uint8_t)i;
	struct ihex_info info;

	/* 0x0800FFF8..0x08010037: 8 bytes, then a new 04 record, then the rest. */
	struct fwp_chunk c = {0x0800FFF8, d, 64};
	char *t = ihex(&c, 1, 0, 0);
	ck_assert_ptr_nonnull(strstr(t, ":020000040800F2\n"
					":08FFF8000001020304050607E5\n"
					":020000040801F1\n"
					":1000000008090A0B0C0D0E0F1011121314151617F8\n"));
	check_ihex(t, &c, 1, &info);
	ck_assert_uint_eq(info.ela_records, 2);
	ck_assert_uint_eq(info.data_records, 5);
	free(t);

	/* Ending exactly on the boundary needs no second 04 record. */
	c = (struct fwp_chunk){0x0800FFF0, d, 16};
	t = ihex(&c, 1, 0, 0);
	check_ihex(t, &c, 1, &info);
	ck_assert_uint_eq(info.ela_records, 1);
	ck_assert_uint_eq(info.data_records, 1);
	free(t);

	/* An unaligned start never puts a record over the boundary either. */
	uint8_t *big = pattern(200000, 7);
	for (uint32_t a = 0x0800FFF0; a < 0x08010000; a += 3) {
		c = (struct fwp_chunk){a, big, 200000};
		t = ihex(&c, 1, 0, 0);
		check_ihex(t, &c, 1, &info);
		ck_assert_uint_eq(info.ela_records, 5); /* 0x0800 to 0x0804 */
		free(t);
	}
	free(big);
}
END_TEST

/* Data and termination record type of one chunk [addr, addr+len) written as S-records. */
static void srec_types(uint32_t addr, size_t len, uint32_t start, char data, char end)
{
	uint8_t *d = pattern(len, addr);
	struct fwp_chunk c = {addr, d, len};
	struct srec_info info;
	char *t = srec(&c, 1, "w", start);
	check_srec(t, &c, 1, &info);
	ck_assert_msg(info.data_type == data && info.end_type == end,
		      "0x%08X+%zu: S%c/S%c, expected S%c/S%c", (unsigned)addr, len, info.data_type,
		      info.end_type, data, end);
	ck_assert_uint_eq(info.start, start);
	free(t);
	free(d);
}

START_TEST(srec_width_boundaries)
{
	srec_types(0x0000, 1, 0, '1', '9');
	srec_types(0xFFF0, 16, 0, '1', '9');     /* ends at 0x10000 */
	srec_types(0xFFF1, 16, 0, '2', '8');     /* ends at 0x10001 */
	srec_types(0xFFFFFF, 1, 0, '2', '8');    /* ends at 0x1000000 */
	srec_types(0xFFFFF1, 16, 0, '3', '7');   /* ends at 0x1000001 */
	srec_types(0x08000000, 100, 0, '3', '7');
	srec_types(0xFFFFFFF0, 16, 0, '3', '7'); /* ends at 4 GiB */
	/* A start address wider than the data widens the records with it. */
	srec_types(0x0100, 16, 0x10000, '2', '8');
	srec_types(0x0100, 16, 0x08000000, '3', '7');
	srec_types(0x0100, 16, 0xFFFF, '1', '9');
}
END_TEST

/* The count record of a file with records data records. */
static void srec_count_is(size_t records, const char *expected)
{
	size_t len = records * 16;
	uint8_t *d = pattern(len, 3);
	struct fwp_chunk c = {0x08000000, d, len};
	struct srec_info info;
	char *t = srec(&c, 1, "count", 0);
	check_srec(t, &c, 1, &info);
	ck_assert(info.has_count);
	ck_assert_uint_eq(info.count, records);
	ck_assert_ptr_nonnull(strstr(t, expected));
	free(t);
	free(d);
}

START_TEST(srec_count_record)
{
	/* 17 bytes: two records, S5 03 0002: 03+02 = 05 -> ~ = FA */
	static const uint8_t d[17] = {0};
	struct fwp_chunk c = {0x10, d, 17};
	char *t = srec(&c, 1, NULL, 0);
	ck_assert_ptr_nonnull(strstr(t, "\nS5030002FA\nS9030000FC\n"));
	free(t);

	srec_count_is(0xFFFF, "\nS503FFFFFE\n");   /* 03+FF+FF = 0x201 -> FE */
	srec_count_is(0x10000, "\nS604010000FA\n"); /* 04+01 = 05 -> FA */
}
END_TEST

START_TEST(chunks_stay_apart)
{
	uint8_t *d = pattern(1000, 11);
	struct ihex_info hi;
	struct srec_info si;

	/* A gap in one 64 KiB page, one across pages, and adjacent chunks. */
	struct fwp_chunk c[] = {
		{0x08000000, d, 300}, {0x08004000, d + 300, 100}, {0x0801FFF8, d + 400, 50},
		{0x0801FFF8 + 50, d + 450, 30}, {0x08050000, d + 480, 1},
	};
	size_t n = sizeof(c) / sizeof(c[0]);
	char *t = ihex(c, n, 1, 0x08000101);
	check_ihex(t, c, n, &hi);
	ck_assert(hi.has_start);
	ck_assert_uint_eq(hi.start, 0x08000101);
	/* 0800 once, 0801, 0802 at the crossing, 0805 */
	ck_assert_uint_eq(hi.ela_records, 4);
	free(t);
	t = srec(c, n, "gaps", 0x08000101);
	check_srec(t, c, n, &si);
	ck_assert_uint_eq(si.start, 0x08000101);
	ck_assert_str_eq(si.header, "gaps");
	free(t);

	/* Zero-length chunks are skipped, wherever they sit and whatever they point to. */
	struct fwp_chunk z[] = {
		{0x100, d, 16}, {0x10, NULL, 0}, {0x108, d, 0}, {0x110, d + 16, 16}, {0, NULL, 0},
	};
	struct fwp_chunk nz[] = {{0x100, d, 16}, {0x110, d + 16, 16}};
	char *a = ihex(z, 5, 0, 0), *b = ihex(nz, 2, 0, 0);
	ck_assert_str_eq(a, b);
	free(a);
	free(b);
	a = srec(z, 5, NULL, 0);
	b = srec(nz, 2, NULL, 0);
	ck_assert_str_eq(a, b);
	free(a);
	free(b);
	free(d);
}
END_TEST

START_TEST(appends_to_the_buffer)
{
	static const uint8_t d[] = {0x02, 0x33, 0x7A};
	struct fwp_chunk c = {0x0030, d, 3};
	struct fwp_buf b = {0};
	struct fwp_err err = {0};
	ck_assert_int_eq(fwp_buf_append(&b, "x\n", 2, &err), FWP_OK);
	ck_assert_int_eq(fwp_ihex_write(&c, 1, 0, 0, &b, &err), FWP_OK);
	ck_assert_int_eq(fwp_srec_write(NULL, 0, NULL, 0, &b, &err), FWP_OK);
	ck_assert_str_eq((char *)b.data, "x\n:020000040000FA\n:0300300002337A1E\n:00000001FF\n"
					 "S0030000FC\nS5030000FC\nS9030000FC\n");
	fwp_buf_free(&b);
}
END_TEST

/* ---- refused input ---- */

/* Both writers fail with code, a message containing what, and leave out alone. */
static void refused(const struct fwp_chunk *c, size_t n, int code, const char *what)
{
	for (int fmt = 0; fmt < 2; fmt++) {
		struct fwp_buf b = {0};
		struct fwp_err err = {0};
		ck_assert_int_eq(fwp_buf_append(&b, "keep", 4, &err), FWP_OK);
		int rc = fmt ? fwp_srec_write(c, n, "h", 0, &b, &err)
			     : fwp_ihex_write(c, n, 0, 0, &b, &err);
		ck_assert_int_eq(rc, code);
		ck_assert_int_eq(err.code, code);
		ck_assert_msg(strstr(err.msg, what), "message \"%s\" lacks \"%s\"", err.msg, what);
		ck_assert_uint_eq(b.len, 4);
		ck_assert_str_eq((char *)b.data, "keep");
		fwp_buf_free(&b);
	}
}

START_TEST(bad_chunks_refused)
{
	uint8_t d[32] = {0};

	struct fwp_chunk overlap[] = {{0x100, d, 16}, {0x10F, d, 16}};
	refused(overlap, 2, FWP_ERR_ARG, "chunk 1 at 0x0000010F: overlaps chunk 0");
	struct fwp_chunk same[] = {{0x100, d, 16}, {0x100, d, 16}};
	refused(same, 2, FWP_ERR_ARG, "overlaps");
	/* The overlap is with the last non-empty chunk, not the empty one between. */
	struct fwp_chunk inside[] = {{0x100, d, 32}, {0x110, d, 0}, {0x118, d, 4}};
	refused(inside, 3, FWP_ERR_ARG, "chunk 2 at 0x00000118: overlaps chunk 0");

	struct fwp_chunk unsorted[] = {{0x200, d, 16}, {0x100, d, 16}};
	refused(unsorted, 2, FWP_ERR_ARG, "sorted");

	struct fwp_chunk past[] = {{0xFFFFFFF1, d, 16}};
	refused(past, 1, FWP_ERR_RANGE, "4 GiB");
	/* Checked before any byte is read: the length alone is out of range. */
	struct fwp_chunk huge[] = {{0x1000, d, (size_t)1 << 32}};
	if (sizeof(size_t) > 4)
		refused(huge, 1, FWP_ERR_RANGE, "4 GiB");

	struct fwp_chunk no_data[] = {{0x100, NULL, 16}};
	refused(no_data, 1, FWP_ERR_ARG, "no data");
	refused(NULL, 1, FWP_ERR_ARG, "NULL");

	/* Right up to the end of the address space is fine, and so is touching. */
	struct fwp_chunk top[] = {{0xFFFFFFE0, d, 16}, {0xFFFFFFF0, d + 16, 16}};
	char *t = ihex(top, 2, 0, 0);
	free(t);
	t = srec(top, 2, NULL, 0);
	free(t);
}
END_TEST

START_TEST(srec_header_limit)
{
	char h[254];
	memset(h, 'h', sizeof(h));
	h[252] = 0; /* 252 bytes: count byte 0xFF */
	struct srec_info info;
	char *t = srec(NULL, 0, h, 0);
	ck_assert(strncmp(t, "S0FF0000", 8) == 0);
	check_srec(t, NULL, 0, &info);
	ck_assert_str_eq(info.header, h);
	free(t);

	h[252] = 'h';
	h[253] = 0;
	struct fwp_buf b = {0};
	struct fwp_err err = {0};
	ck_assert_int_eq(fwp_srec_write(NULL, 0, h, 0, &b, &err), FWP_ERR_RANGE);
	ck_assert_ptr_nonnull(strstr(err.msg, "S-record header: 253 bytes"));
	ck_assert_uint_eq(b.len, 0);
	fwp_buf_free(&b);
}
END_TEST

/* ---- round trips through srec_cat and objcopy ---- */

/*
 * One scratch directory for the tool tests, made and removed by an unchecked
 * fixture: that runs in the parent process, so a failed test still cleans up.
 */
static char *scratch;

static void scratch_make(void)
{
	scratch = tmpdir_new();
}

static void scratch_remove(void)
{
	tmpdir_remove(scratch);
	scratch = NULL;
}

static const char *tool(const char *var, const char *dflt)
{
	const char *v = getenv(var);
	return v && *v ? v : dflt;
}

static void run(const char *cmd)
{
	ck_assert_msg(system(cmd) == 0, "failed: %s", cmd);
}

static void expect_file(const char *dir, const char *name, const uint8_t *d, size_t len)
{
	struct fwp_buf back = {0};
	ck_assert_msg(read_back(dir, name, &back), "%s/%s missing", dir, name);
	ck_assert_uint_eq(back.len, len);
	if (len)
		ck_assert_mem_eq(back.data, d, len);
	fwp_buf_free(&back);
}

/* srec_cat reads the whole file without a complaint (it fails on bad checksums and counts). */
static void srec_cat_validates(const char *dir, const char *fmt)
{
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "cd '%s' && %s f.txt %s -o /dev/null 2>err.txt", dir,
		 tool("SREC_CAT", "srec_cat"), fmt);
	run(cmd);
	expect_file(dir, "err.txt", NULL, 0);
}

/* srec_cat's binary of [lo, hi) of the file, which must be d. */
static void srec_cat_range(const char *dir, const char *fmt, uint64_t lo, uint64_t hi,
			   const uint8_t *d, size_t len, int crop)
{
	char cmd[1024], range[128] = "";
	/* srec_cat cannot name 2^32 as a crop end: single chunks go uncropped. */
	if (crop)
		snprintf(range, sizeof(range), "-crop 0x%llx 0x%llx", (unsigned long long)lo,
			 (unsigned long long)hi);
	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && rm -f out.bin && %s f.txt %s %s -offset -0x%llx -o out.bin -binary",
		 dir, tool("SREC_CAT", "srec_cat"), fmt, range, (unsigned long long)lo);
	run(cmd);
	expect_file(dir, "out.bin", d, len);
}

/* objcopy's image starts at the lowest address and fills gaps: compare each chunk's range. */
static void objcopy_matches(const char *dir, const char *bfd, const struct fwp_chunk *c, size_t n)
{
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "cd '%s' && rm -f obj.bin && %s -I %s -O binary f.txt obj.bin",
		 dir, tool("OBJCOPY", "objcopy"), bfd);
	run(cmd);
	struct fwp_buf back = {0};
	ck_assert(read_back(dir, "obj.bin", &back));
	ck_assert_uint_eq(back.len, c[n - 1].addr + (uint64_t)c[n - 1].len - c[0].addr);
	for (size_t i = 0; i < n; i++)
		ck_assert_mem_eq(back.data + (c[i].addr - c[0].addr), c[i].data, c[i].len);
	fwp_buf_free(&back);
}

/* Write c (non-empty chunks only) in both formats and read it back with the real tools. */
static void round_trip(const char *dir, const struct fwp_chunk *c, size_t n)
{
	for (int srec_fmt = 0; srec_fmt < 2; srec_fmt++) {
		const char *fmt = srec_fmt ? "-motorola" : "-intel";
		struct fwp_buf t = {0};
		struct fwp_err err = {0};
		int rc = srec_fmt ? fwp_srec_write(c, n, "round trip", c[0].addr, &t, &err)
				  : fwp_ihex_write(c, n, 1, c[0].addr, &t, &err);
		ck_assert_msg(rc == FWP_OK, "%s", err.msg);
		write_file(dir, "f.txt", t.data, t.len);
		fwp_buf_free(&t);

		srec_cat_validates(dir, fmt);
		for (size_t i = 0; i < n; i++)
			srec_cat_range(dir, fmt, c[i].addr, c[i].addr + (uint64_t)c[i].len,
				       c[i].data, c[i].len, n > 1);
		/* What lies between chunks stays empty: no padding was written. */
		for (size_t i = 0; i + 1 < n; i++) {
			uint64_t end = c[i].addr + (uint64_t)c[i].len;
			if (end < c[i + 1].addr)
				srec_cat_range(dir, fmt, end, c[i + 1].addr, NULL, 0, 1);
		}
		objcopy_matches(dir, srec_fmt ? "srec" : "ihex", c, n);
	}
}

START_TEST(round_trips_through_srec_cat_and_objcopy)
{
	const char *dir = scratch;
	uint8_t *d = pattern(70000, 1);

	static const size_t lens[] = {1, 15, 16, 17, 4096, 70000};
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		struct fwp_chunk c = {0x08000000, d, lens[i]};
		round_trip(dir, &c, 1);
	}
	struct fwp_chunk across = {0x0800FFF0, d, 100}; /* 0x0800FFFF -> 0x08010000 */
	round_trip(dir, &across, 1);
	struct fwp_chunk gap[] = {{0x08000000, d, 300}, {0x08004000, d + 300, 500}};
	round_trip(dir, gap, 2);
	struct fwp_chunk gap_pages[] = {
		{0x0800FFF0, d, 40}, {0x08030001, d + 40, 17}, {0x08030012, d + 57, 5},
	};
	round_trip(dir, gap_pages, 3);
	struct fwp_chunk qspi = {0x90000000, d, 3000};
	round_trip(dir, &qspi, 1);
	struct fwp_chunk top = {0xFFFFFF00, d, 256}; /* last byte at 0xFFFFFFFF */
	round_trip(dir, &top, 1);
	/* S1 and S2 records too */
	struct fwp_chunk low = {0x0100, d, 1000};
	round_trip(dir, &low, 1);
	struct fwp_chunk mid = {0x00FFF000, d, 4096};
	round_trip(dir, &mid, 1);

	free(d);
}
END_TEST

/* The validation above would notice a bad checksum or count: srec_cat does reject them. */
START_TEST(srec_cat_rejects_bad_files)
{
	const char *dir = scratch;
	char cmd[1024];

	write_text(dir, "f.txt", ":020000040000FA\n:0300300002337A1F\n:00000001FF\n");
	snprintf(cmd, sizeof(cmd), "cd '%s' && %s f.txt -intel -o /dev/null 2>/dev/null", dir,
		 tool("SREC_CAT", "srec_cat"));
	ck_assert_int_ne(system(cmd), 0);
	write_text(dir, "f.txt", "S0030000FC\nS10700007C0802A6CC\nS5030002FA\nS9030000FC\n");
	snprintf(cmd, sizeof(cmd), "cd '%s' && %s f.txt -motorola -o /dev/null 2>/dev/null", dir,
		 tool("SREC_CAT", "srec_cat"));
	ck_assert_int_ne(system(cmd), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("hexfile");
	TCase *tc = tcase_create("format");
	tcase_add_test(tc, ihex_textbook_example);
	tcase_add_test(tc, ihex_extended_address_and_start);
	tcase_add_test(tc, srec_textbook_example);
	tcase_add_test(tc, srec_wider_records);
	tcase_add_test(tc, ihex_64k_boundary);
	tcase_add_test(tc, srec_width_boundaries);
	tcase_add_test(tc, srec_count_record);
	tcase_add_test(tc, chunks_stay_apart);
	tcase_add_test(tc, appends_to_the_buffer);
	tcase_add_test(tc, bad_chunks_refused);
	tcase_add_test(tc, srec_header_limit);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);

	TCase *tools = tcase_create("tools");
	tcase_add_unchecked_fixture(tools, scratch_make, scratch_remove);
	tcase_add_test(tools, round_trips_through_srec_cat_and_objcopy);
	tcase_add_test(tools, srec_cat_rejects_bad_files);
	tcase_set_timeout(tools, 120);
	suite_add_tcase(s, tools);
	return run_suite(s);
}

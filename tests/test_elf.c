/*
 * The ELF reader: load segments by physical address, build ID, and every
 * rejection. Most test ELFs are written with libelf's own write API (so
 * each case is exactly the ELF it claims to be) and then, for the broken
 * ones, patched byte by byte; one is linked by the ARM toolchain, to read
 * what ld really produces. Everything happens in a temporary directory.
 */
#include <fcntl.h>
#include <gelf.h>
#include <stddef.h>

#include "check_util.h"
#include "fwpack/image.h"
#include "elfread.h"

struct seg {
	uint32_t paddr, vaddr, filesz, memsz; /* memsz 0: same as filesz */
};

enum note_where { NOTE_NONE, NOTE_SECTION, NOTE_SEGMENT };

struct spec {
	unsigned machine, type;
	const struct seg *segs;
	size_t nsegs;
	enum note_where note;
	size_t build_id_len;
};

#define MAX_TEST_SEGS 8
#define SEG_DATA_STRIDE 97 /* each segment's bytes start elsewhere in pattern */

static uint8_t pattern[65536];
static char *dir;

static const uint8_t *seg_data(size_t i)
{
	return pattern + i * SEG_DATA_STRIDE;
}

/* An NT_GNU_BUILD_ID note ("GNU", type 3) whose descriptor is bytes 1, 2, 3, ... */
static size_t make_note(uint8_t *note, size_t desc_len)
{
	uint32_t hdr[3] = {4, (uint32_t)desc_len, NT_GNU_BUILD_ID};
	memcpy(note, hdr, sizeof(hdr));
	memcpy(note + 12, "GNU", 4);
	for (size_t i = 0; i < desc_len; i++)
		note[16 + i] = (uint8_t)(i + 1);
	return 16 + ((desc_len + 3) & ~(size_t)3);
}

static Elf_Scn *add_section(Elf *e, void *buf, size_t len, unsigned type, Elf_Type dtype,
			    uint32_t addr)
{
	Elf_Scn *scn = elf_newscn(e);
	ck_assert_ptr_nonnull(scn);
	Elf_Data *d = elf_newdata(scn);
	d->d_buf = buf;
	d->d_size = len;
	d->d_align = 4;
	d->d_type = dtype;
	Elf32_Shdr *sh = elf32_getshdr(scn);
	sh->sh_type = type;
	sh->sh_flags = type == SHT_NOTE || type == SHT_PROGBITS ? SHF_ALLOC : 0;
	sh->sh_addr = addr;
	return scn;
}

static void set_phdr(Elf32_Phdr *ph, unsigned type, Elf_Scn *scn, uint32_t paddr, uint32_t vaddr,
		     uint32_t filesz, uint32_t memsz)
{
	ph->p_type = type;
	ph->p_offset = elf32_getshdr(scn)->sh_offset;
	ph->p_vaddr = vaddr;
	ph->p_paddr = paddr;
	ph->p_filesz = filesz;
	ph->p_memsz = memsz ? memsz : filesz;
	ph->p_flags = PF_R;
	ph->p_align = 4;
}

/* Write an ELF32 little-endian file with one section per segment. */
static void make_elf(const char *path, const struct spec *sp)
{
	static uint8_t note[16 + 128];
	size_t note_len = make_note(note, sp->build_id_len);
	size_t nph = sp->nsegs + (sp->note == NOTE_SEGMENT);
	Elf_Scn *scns[MAX_TEST_SEGS + 1];
	ck_assert_uint_le(sp->nsegs, MAX_TEST_SEGS);

	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_ne(elf_version(EV_CURRENT), EV_NONE);
	Elf *e = elf_begin(fd, ELF_C_WRITE, NULL);
	ck_assert_ptr_nonnull(e);
	Elf32_Ehdr *eh = elf32_newehdr(e);
	ck_assert_ptr_nonnull(eh);
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_machine = (Elf32_Half)sp->machine;
	eh->e_type = (Elf32_Half)sp->type;
	eh->e_version = EV_CURRENT;
	eh->e_entry = sp->nsegs ? sp->segs[0].vaddr + 1 : 0;
	Elf32_Phdr *ph = nph ? elf32_newphdr(e, nph) : NULL;
	for (size_t i = 0; i < sp->nsegs; i++)
		scns[i] = add_section(e, (void *)seg_data(i), sp->segs[i].filesz,
				      sp->segs[i].filesz ? SHT_PROGBITS : SHT_NOBITS, ELF_T_BYTE,
				      sp->segs[i].vaddr);
	/* In a segment only, the note's section is not SHT_NOTE: the segment must be read. */
	if (sp->note != NOTE_NONE)
		scns[sp->nsegs] = add_section(e, note, note_len,
					      sp->note == NOTE_SECTION ? SHT_NOTE : SHT_PROGBITS,
					      ELF_T_NHDR, 0);
	ck_assert_int_ge(elf_update(e, ELF_C_NULL), 0);
	for (size_t i = 0; i < sp->nsegs; i++) {
		const struct seg *s = &sp->segs[i];
		set_phdr(&ph[i], PT_LOAD, scns[i], s->paddr, s->vaddr, s->filesz, s->memsz);
	}
	if (sp->note == NOTE_SEGMENT)
		set_phdr(&ph[sp->nsegs], PT_NOTE, scns[sp->nsegs], 0, 0, (uint32_t)note_len, 0);
	elf_flagphdr(e, ELF_C_SET, ELF_F_DIRTY);
	ck_assert_int_ge(elf_update(e, ELF_C_WRITE), 0);
	elf_end(e);
	close(fd);
}

static void setup(void)
{
	for (size_t i = 0; i < sizeof(pattern); i++)
		pattern[i] = (uint8_t)(i * 7 + (i >> 8));
	dir = tmpdir_new();
}

static void teardown(void)
{
	tmpdir_remove(dir);
}

static int load_named(const char *name, struct fwp_elf *elf, struct fwp_err *err)
{
	char *p = path_join(dir, name);
	int rc = fwp_elf_load(p, elf, err);
	free(p);
	return rc;
}

static int build_and_parse(const struct spec *sp, struct fwp_elf *elf, struct fwp_err *err)
{
	char *p = path_join(dir, "t.elf");
	make_elf(p, sp);
	free(p);
	return load_named("t.elf", elf, err);
}

/* The bytes of a valid file, for patching into broken ones. */
static void build_bytes(const struct spec *sp, struct fwp_buf *b)
{
	char *p = path_join(dir, "t.elf");
	make_elf(p, sp);
	free(p);
	ck_assert(read_back(dir, "t.elf", b));
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Where field off of program header i is in the file. */
static uint8_t *phdr_field(struct fwp_buf *b, size_t i, size_t off)
{
	uint32_t phoff = get32(b->data + offsetof(Elf32_Ehdr, e_phoff));
	ck_assert_uint_le(phoff + (i + 1) * sizeof(Elf32_Phdr), b->len);
	return b->data + phoff + i * sizeof(Elf32_Phdr) + off;
}

static void expect(int rc, int want, const struct fwp_err *err, const char *text)
{
	ck_assert_int_eq(rc, want);
	ck_assert_msg(strstr(err->msg, text) != NULL, "\"%s\" lacks \"%s\"", err->msg, text);
}

static void expect_parse(struct fwp_buf *b, int want, const char *text)
{
	struct fwp_elf elf;
	struct fwp_err err;
	expect(fwp_elf_parse(b->data, b->len, "x.elf", &elf, &err), want, &err, text);
	ck_assert_ptr_null(elf.segs); /* a failed parse leaves nothing to free */
	ck_assert_ptr_null(elf.image);
}

static const struct seg one_seg[] = {{0x08000200, 0x08000200, 512, 0}};

static struct spec arm_exec(const struct seg *s, size_t n)
{
	struct spec sp = {EM_ARM, ET_EXEC, s, n, NOTE_SECTION, 8};
	return sp;
}

START_TEST(two_regions_by_load_address)
{
	/* out of order, with a .data-like segment (paddr != vaddr) and a bss one */
	static const struct seg s[] = {{0x90000200, 0x90000200, 3000, 0},
				       {0x08000200, 0x08000200, 1000, 0},
				       {0x080005e8, 0x20000000, 16, 64},
				       {0x20000100, 0x20000100, 0, 256}};
	struct spec sp = arm_exec(s, 4);
	struct fwp_elf elf;
	struct fwp_err err;
	ck_assert_msg(build_and_parse(&sp, &elf, &err) == FWP_OK, "%s", err.msg);
	ck_assert_uint_eq(elf.nsegs, 3);
	ck_assert_uint_eq(elf.segs[0].paddr, 0x08000200);
	ck_assert_uint_eq(elf.segs[0].vaddr, 0x08000200);
	ck_assert_uint_eq(elf.segs[0].size, 1000);
	ck_assert_mem_eq(elf.segs[0].data, seg_data(1), 1000);
	ck_assert_uint_eq(elf.segs[1].paddr, 0x080005e8); /* .data: where it is stored */
	ck_assert_uint_eq(elf.segs[1].vaddr, 0x20000000); /* not where it runs */
	ck_assert_uint_eq(elf.segs[1].size, 16);          /* p_filesz, not p_memsz */
	ck_assert_mem_eq(elf.segs[1].data, seg_data(2), 16);
	ck_assert_uint_eq(elf.segs[2].paddr, 0x90000200);
	ck_assert_uint_eq(elf.segs[2].size, 3000);
	ck_assert_mem_eq(elf.segs[2].data, seg_data(0), 3000);
	ck_assert_uint_eq(elf.entry, 0x90000201);
	ck_assert_uint_eq(elf.build_id_len, 8);
	static const uint8_t bid[] = {1, 2, 3, 4, 5, 6, 7, 8};
	ck_assert_mem_eq(elf.build_id, bid, 8);
	/* The segments point into the reader's own copy of the file. */
	ck_assert(elf.segs[0].data >= elf.image &&
		  elf.segs[0].data + elf.segs[0].size <= elf.image + elf.image_len);
	fwp_elf_free(&elf);
	ck_assert_ptr_null(elf.segs);
	fwp_elf_free(&elf); /* twice is harmless */
}
END_TEST

START_TEST(parse_copies_the_input)
{
	struct spec sp = arm_exec(one_seg, 1);
	struct fwp_buf b = {0};
	struct fwp_elf elf;
	struct fwp_err err;
	build_bytes(&sp, &b);
	ck_assert_int_eq(fwp_elf_parse(b.data, b.len, "x.elf", &elf, &err), FWP_OK);
	memset(b.data, 0, b.len);
	fwp_buf_free(&b);
	ck_assert_uint_eq(elf.nsegs, 1);
	ck_assert_mem_eq(elf.segs[0].data, seg_data(0), 512);
	fwp_elf_free(&elf);
}
END_TEST

START_TEST(build_id_from_note_segment)
{
	struct spec sp = arm_exec(one_seg, 1);
	sp.note = NOTE_SEGMENT;
	sp.build_id_len = 20;
	struct fwp_elf elf;
	struct fwp_err err;
	ck_assert_msg(build_and_parse(&sp, &elf, &err) == FWP_OK, "%s", err.msg);
	ck_assert_uint_eq(elf.nsegs, 1); /* the PT_NOTE is not a load segment */
	ck_assert_uint_eq(elf.build_id_len, 20);
	ck_assert_uint_eq(elf.build_id[0], 1);
	ck_assert_uint_eq(elf.build_id[19], 20);
	fwp_elf_free(&elf);
}
END_TEST

START_TEST(build_id_absent_or_at_limit)
{
	struct spec sp = arm_exec(one_seg, 1);
	struct fwp_elf elf;
	struct fwp_err err;
	sp.note = NOTE_NONE;
	ck_assert_int_eq(build_and_parse(&sp, &elf, &err), FWP_OK);
	ck_assert_uint_eq(elf.build_id_len, 0);
	fwp_elf_free(&elf);

	sp.note = NOTE_SECTION;
	sp.build_id_len = 64;
	ck_assert_msg(build_and_parse(&sp, &elf, &err) == FWP_OK, "%s", err.msg);
	ck_assert_uint_eq(elf.build_id_len, 64);
	ck_assert_uint_eq(elf.build_id[63], 64);
	fwp_elf_free(&elf);

	/* one byte more does not fit the image header: refused, never cut short */
	sp.build_id_len = 65;
	expect(build_and_parse(&sp, &elf, &err), FWP_ERR_FORMAT, &err,
	       "t.elf: GNU build ID of 65 bytes (1..64 expected)");
	sp.note = NOTE_SEGMENT;
	expect(build_and_parse(&sp, &elf, &err), FWP_ERR_FORMAT, &err, "GNU build ID of 65 bytes");
}
END_TEST

START_TEST(address_space_edges)
{
	struct fwp_elf elf;
	struct fwp_err err;
	/* the last byte of the address space, and two segments that touch */
	static const struct seg top[] = {{0xFFFFFE00, 0xFFFFFE00, 512, 0},
					 {0x08000000, 0x08000000, 256, 0},
					 {0x08000100, 0x08000100, 256, 0}};
	struct spec sp = arm_exec(top, 3);
	ck_assert_msg(build_and_parse(&sp, &elf, &err) == FWP_OK, "%s", err.msg);
	ck_assert_uint_eq(elf.nsegs, 3);
	ck_assert_uint_eq(elf.segs[2].paddr, 0xFFFFFE00);
	fwp_elf_free(&elf);

	static const struct seg wrap[] = {{0xFFFFFF00, 0xFFFFFF00, 512, 0}};
	sp = arm_exec(wrap, 1);
	expect(build_and_parse(&sp, &elf, &err), FWP_ERR_FORMAT, &err,
	       "t.elf: segment 0 at 0xffffff00 of 0x200 bytes wraps past 4 GiB");
	/* loaded in range but run where it would wrap */
	static const struct seg run_wrap[] = {{0x08000000, 0xFFFFFF00, 16, 512}};
	sp = arm_exec(run_wrap, 1);
	expect(build_and_parse(&sp, &elf, &err), FWP_ERR_FORMAT, &err, "wraps past 4 GiB");
}
END_TEST

START_TEST(reject_machine_and_type)
{
	struct spec sp = arm_exec(one_seg, 1);
	struct fwp_elf elf;
	struct fwp_err err;
	sp.machine = EM_X86_64;
	expect(build_and_parse(&sp, &elf, &err), FWP_ERR_UNSUPPORTED, &err,
	       "t.elf: ELF machine is x86-64 (62), expected ARM (40)");
	ck_assert_int_eq(err.code, FWP_ERR_UNSUPPORTED);
	sp.machine = EM_RISCV;
	expect(build_and_parse(&sp, &elf, &err), FWP_ERR_UNSUPPORTED, &err,
	       "t.elf: ELF machine is RISC-V (243), expected ARM (40)");
	sp.machine = EM_ARM;
	sp.type = ET_REL;
	expect(build_and_parse(&sp, &elf, &err), FWP_ERR_FORMAT, &err,
	       "t.elf: not an executable (ELF type 1, a relocatable object)");
	sp.type = ET_DYN;
	expect(build_and_parse(&sp, &elf, &err), FWP_ERR_FORMAT, &err,
	       "t.elf: not an executable (ELF type 3, a shared object)");
}
END_TEST

START_TEST(reject_overlap)
{
	struct fwp_elf elf;
	struct fwp_err err;
	static const struct seg overlap[] = {{0x08000200, 0x08000200, 512, 0},
					     {0x08000300, 0x20000000, 64, 0}};
	struct spec sp = arm_exec(overlap, 2);
	expect(build_and_parse(&sp, &elf, &err), FWP_ERR_FORMAT, &err,
	       "t.elf: segments 0 (0x08000200..0x080003ff) and 1 (0x08000300..0x0800033f) "
	       "overlap");
	/* named by their program header index whatever the order in the file */
	static const struct seg reversed[] = {{0x90000000, 0x90000000, 16, 0},
					      {0x08000ffc, 0x08000ffc, 8, 0},
					      {0x08000000, 0x08000000, 4096, 0}};
	sp = arm_exec(reversed, 3);
	expect(build_and_parse(&sp, &elf, &err), FWP_ERR_FORMAT, &err,
	       "t.elf: segments 2 (0x08000000..0x08000fff) and 1 (0x08000ffc..0x08001003) "
	       "overlap");
	static const struct seg same[] = {{0x08000000, 0x08000000, 4, 0},
					  {0x08000000, 0x08000000, 4, 0}};
	sp = arm_exec(same, 2);
	expect(build_and_parse(&sp, &elf, &err), FWP_ERR_FORMAT, &err, "segments 0 (");
}
END_TEST

START_TEST(reject_nothing_to_load)
{
	struct fwp_elf elf;
	struct fwp_err err;
	static const struct seg bss_only[] = {{0x20000000, 0x20000000, 0, 64}};
	struct spec sp = arm_exec(bss_only, 1);
	expect(build_and_parse(&sp, &elf, &err), FWP_ERR_FORMAT, &err,
	       "t.elf: no loadable segment with data");
	sp = arm_exec(NULL, 0);
	expect(build_and_parse(&sp, &elf, &err), FWP_ERR_FORMAT, &err,
	       "t.elf: no loadable segment with data");
}
END_TEST

START_TEST(reject_segment_outside_file)
{
	static const struct seg two[] = {{0x08000200, 0x08000200, 512, 0},
					 {0x08000400, 0x08000400, 64, 0}};
	struct spec sp = arm_exec(two, 2);
	struct fwp_buf b = {0};
	build_bytes(&sp, &b);
	fwp_put_le32(phdr_field(&b, 1, offsetof(Elf32_Phdr, p_offset)), (uint32_t)b.len - 63);
	expect_parse(&b, FWP_ERR_FORMAT, "x.elf: segment 1 (file offset");
	expect_parse(&b, FWP_ERR_FORMAT, "lies outside the");
	fwp_put_le32(phdr_field(&b, 1, offsetof(Elf32_Phdr, p_offset)), 0xFFFFFFF0u);
	expect_parse(&b, FWP_ERR_FORMAT, "x.elf: segment 1 (file offset 0xfffffff0, 0x40 bytes)");
	fwp_buf_free(&b);

	build_bytes(&sp, &b);
	fwp_put_le32(phdr_field(&b, 0, offsetof(Elf32_Phdr, p_filesz)), 0xFFFFFF00u);
	fwp_put_le32(phdr_field(&b, 0, offsetof(Elf32_Phdr, p_memsz)), 0xFFFFFF00u);
	expect_parse(&b, FWP_ERR_FORMAT, "x.elf: segment 0 (file offset");
	fwp_buf_free(&b);

	/* filesz > memsz is not a valid segment either */
	build_bytes(&sp, &b);
	fwp_put_le32(phdr_field(&b, 0, offsetof(Elf32_Phdr, p_memsz)), 16);
	expect_parse(&b, FWP_ERR_FORMAT, "x.elf: segment 0 has 0x200 bytes in the file");
	fwp_buf_free(&b);
}
END_TEST

START_TEST(reject_class_and_byte_order)
{
	struct spec sp = arm_exec(one_seg, 1);
	struct fwp_buf b = {0};
	struct fwp_elf elf;
	struct fwp_err err;
	build_bytes(&sp, &b);
	b.data[EI_CLASS] = ELFCLASS64;
	expect_parse(&b, FWP_ERR_UNSUPPORTED, "x.elf: a 64-bit ELF");
	b.data[EI_CLASS] = 7;
	expect_parse(&b, FWP_ERR_FORMAT, "x.elf: invalid ELF class 7");
	b.data[EI_CLASS] = ELFCLASS32;
	b.data[EI_DATA] = ELFDATA2MSB;
	expect_parse(&b, FWP_ERR_UNSUPPORTED, "x.elf: not a little-endian ELF");
	b.data[EI_DATA] = ELFDATANONE;
	expect_parse(&b, FWP_ERR_FORMAT, "x.elf: invalid ELF data encoding 0");
	fwp_buf_free(&b);
	/* a real host executable: 64-bit x86 */
	expect(fwp_elf_load("/bin/true", &elf, &err), FWP_ERR_UNSUPPORTED, &err,
	       "/bin/true: a 64-bit ELF");
}
END_TEST

START_TEST(reject_not_elf)
{
	struct fwp_elf elf;
	struct fwp_err err;
	uint8_t noise[4096];
	uint32_t x = 0x2545f491u;
	for (size_t i = 0; i < sizeof(noise); i++) {
		x = x * 1664525u + 1013904223u;
		noise[i] = (uint8_t)(x >> 24);
	}
	expect(fwp_elf_parse(noise, sizeof(noise), "noise.bin", &elf, &err), FWP_ERR_FORMAT, &err,
	       "noise.bin: not an ELF file");
	/* The magic alone does not make an ELF. */
	memcpy(noise, ELFMAG, SELFMAG);
	noise[EI_CLASS] = ELFCLASS32;
	noise[EI_DATA] = ELFDATA2LSB;
	ck_assert_int_eq(fwp_elf_parse(noise, sizeof(noise), "noise.bin", &elf, &err),
			 FWP_ERR_FORMAT);
	ck_assert_msg(strncmp(err.msg, "noise.bin: ", 11) == 0, "%s", err.msg);
	expect(fwp_elf_parse((const uint8_t *)"MZ\x90\0garbage", 11, "y.exe", &elf, &err),
	       FWP_ERR_FORMAT, &err, "y.exe: not an ELF file");
	expect(fwp_elf_parse((const uint8_t *)"", 0, "empty", &elf, &err), FWP_ERR_FORMAT, &err,
	       "empty: not an ELF file");
	expect(fwp_elf_parse(NULL, 0, "null", &elf, &err), FWP_ERR_FORMAT, &err,
	       "null: not an ELF file");
	write_file(dir, "empty.elf", "", 0);
	expect(load_named("empty.elf", &elf, &err), FWP_ERR_FORMAT, &err, "not an ELF file");
	ck_assert(!fwp_is_elf((const uint8_t *)"\x7f" "EL", 3));
	ck_assert(fwp_is_elf((const uint8_t *)"\x7f" "ELF", 4));
}
END_TEST

START_TEST(reject_truncated)
{
	static const struct seg two[] = {{0x08000200, 0x08000200, 1024, 0},
					 {0x90000200, 0x90000200, 2048, 0}};
	struct spec sp = arm_exec(two, 2);
	struct fwp_buf b = {0};
	struct fwp_elf elf;
	struct fwp_err err;
	build_bytes(&sp, &b);
	/* every cut, wherever it falls: the headers, a segment, a note, the section table */
	for (size_t cut = 0; cut < b.len; cut++) {
		int rc = fwp_elf_parse(b.data, cut, "x.elf", &elf, &err);
		ck_assert_msg(rc == FWP_ERR_FORMAT, "cut at %zu of %zu: %d %s", cut, b.len, rc,
			      err.msg);
		ck_assert_msg(strncmp(err.msg, "x.elf: ", 7) == 0, "%s", err.msg);
	}
	write_file(dir, "cut.elf", b.data, b.len - 1);
	expect(load_named("cut.elf", &elf, &err), FWP_ERR_FORMAT, &err, "truncated");
	fwp_buf_free(&b);
}
END_TEST

START_TEST(header_tables_checked)
{
	struct spec sp = arm_exec(one_seg, 1);
	struct fwp_buf b = {0};
	build_bytes(&sp, &b);
	fwp_put_le16(b.data + offsetof(Elf32_Ehdr, e_phnum), 300);
	expect_parse(&b, FWP_ERR_FORMAT, "x.elf: 300 program headers (at most 256)");
	fwp_put_le16(b.data + offsetof(Elf32_Ehdr, e_phnum), 1);
	fwp_put_le16(b.data + offsetof(Elf32_Ehdr, e_phentsize), 8);
	expect_parse(&b, FWP_ERR_FORMAT, "x.elf: program header size 8 (expected 32)");
	fwp_put_le16(b.data + offsetof(Elf32_Ehdr, e_phentsize), sizeof(Elf32_Phdr));
	fwp_put_le32(b.data + offsetof(Elf32_Ehdr, e_phoff), (uint32_t)b.len - 16);
	expect_parse(&b, FWP_ERR_FORMAT, "x.elf: truncated: the program header table");
	/* over the ELF header: libelf would see no program headers at all */
	fwp_put_le32(b.data + offsetof(Elf32_Ehdr, e_phoff), 0);
	expect_parse(&b, FWP_ERR_FORMAT, "x.elf: bad program header table (0 of 1)");
	fwp_buf_free(&b);

	/* a section whose bytes are not in the file (section 1: the segment's) */
	build_bytes(&sp, &b);
	uint32_t shoff = get32(b.data + offsetof(Elf32_Ehdr, e_shoff));
	fwp_put_le32(b.data + shoff + sizeof(Elf32_Shdr) + offsetof(Elf32_Shdr, sh_size), 0x100000);
	expect_parse(&b, FWP_ERR_FORMAT, "x.elf: truncated: section 1 (file offset");
	fwp_buf_free(&b);

	build_bytes(&sp, &b);
	fwp_put_le16(b.data + offsetof(Elf32_Ehdr, e_shentsize), 12);
	expect_parse(&b, FWP_ERR_FORMAT, "x.elf: section header size 12 (expected 40)");
	fwp_put_le16(b.data + offsetof(Elf32_Ehdr, e_shentsize), sizeof(Elf32_Shdr));
	fwp_put_le16(b.data + offsetof(Elf32_Ehdr, e_shnum), 1000);
	expect_parse(&b, FWP_ERR_FORMAT, "x.elf: truncated: the section header table");
	fwp_buf_free(&b);
}
END_TEST

/* More than 0xfffe program headers are counted in section 0 (PN_XNUM). */
START_TEST(extended_program_header_count)
{
	static const struct seg two[] = {{0x08000200, 0x08000200, 64, 0},
					 {0x08000400, 0x08000400, 64, 0}};
	struct spec sp = arm_exec(two, 2);
	struct fwp_buf b = {0};
	struct fwp_elf elf;
	struct fwp_err err;
	build_bytes(&sp, &b);
	uint8_t *sh0 = b.data + get32(b.data + offsetof(Elf32_Ehdr, e_shoff));
	fwp_put_le16(b.data + offsetof(Elf32_Ehdr, e_phnum), PN_XNUM);
	fwp_put_le32(sh0 + offsetof(Elf32_Shdr, sh_info), 2);
	ck_assert_msg(fwp_elf_parse(b.data, b.len, "x.elf", &elf, &err) == FWP_OK, "%s", err.msg);
	ck_assert_uint_eq(elf.nsegs, 2);
	fwp_elf_free(&elf);
	fwp_put_le32(sh0 + offsetof(Elf32_Shdr, sh_info), 100000);
	expect_parse(&b, FWP_ERR_FORMAT, "x.elf: 100000 program headers (at most 256)");
	fwp_buf_free(&b);
}
END_TEST

START_TEST(load_missing_file)
{
	struct fwp_elf elf;
	struct fwp_err err;
	expect(load_named("missing.elf", &elf, &err), FWP_ERR_NOT_FOUND, &err, "missing.elf");
	ck_assert_ptr_null(elf.segs);
}
END_TEST

/* What ld really writes: .data stored after the code, a second region, a build ID note. */
static const char fw_c[] =
	"__attribute__((section(\".qspi\"), used))\n"
	"const unsigned char qspi_table[4096] = {1, 2, 3};\n"
	"int counter = 42;\n"
	"int bss_value;\n"
	"void Reset_Handler(void);\n"
	"void Reset_Handler(void) { for (;;) bss_value += counter; }\n"
	"__attribute__((section(\".isr_vector\"), used))\n"
	"void (*const vectors[2])(void) = { (void (*)(void))0x20001000, Reset_Handler };\n";

static const char fw_ld[] =
	"MEMORY {\n"
	"  FLASH (rx) : ORIGIN = 0x08000200, LENGTH = 16K\n"
	"  RAM (rwx) : ORIGIN = 0x20000000, LENGTH = 4K\n"
	"  QSPI (r) : ORIGIN = 0x90000200, LENGTH = 64K\n"
	"}\n"
	"ENTRY(Reset_Handler)\n"
	"SECTIONS {\n"
	"  .isr_vector : { KEEP(*(.isr_vector)) } > FLASH\n"
	"  .note.gnu.build-id : { *(.note.gnu.build-id) } > FLASH\n"
	"  .text : { *(.text*) *(.rodata*) } > FLASH\n"
	"  .data : { *(.data*) } > RAM AT > FLASH\n"
	"  .bss (NOLOAD) : { *(.bss*) *(COMMON) } > RAM\n"
	"  .qspi : { KEEP(*(.qspi)) } > QSPI\n"
	"  /DISCARD/ : { *(.ARM.attributes) *(.comment) }\n"
	"}\n";

/*
 * Linked with -n, and with ld's default flags, which map the ELF and
 * program headers into the first load segment (at 0x08000000, in front
 * of the vector table): the same segments either way.
 */
static const char *const link_flags[] = {"-Wl,-n", ""};

START_TEST(toolchain_linked_elf)
{
	const char *cc = getenv("ARM_CC");
	if (!cc || !*cc)
		cc = "arm-none-eabi-gcc";
	write_file(dir, "fw.c", fw_c, strlen(fw_c));
	write_file(dir, "fw.ld", fw_ld, strlen(fw_ld));
	char cmd[8192];
	snprintf(cmd, sizeof(cmd),
		 "'%s' -mcpu=cortex-m4 -mthumb -Os -nostdlib %s -Wl,--build-id "
		 "-T '%s/fw.ld' -o '%s/fw.elf' '%s/fw.c'",
		 cc, link_flags[_i], dir, dir, dir);
	ck_assert_msg(system(cmd) == 0, "the ARM toolchain failed: %s", cmd);
	struct fwp_elf elf;
	struct fwp_err err;
	ck_assert_msg(load_named("fw.elf", &elf, &err) == FWP_OK, "%s", err.msg);
	ck_assert_uint_ge(elf.nsegs, 2);
	ck_assert_uint_eq(elf.segs[0].paddr, 0x08000200);
	ck_assert_uint_eq(elf.segs[0].data[4] & 1, 1); /* the reset vector, a Thumb address */
	ck_assert_int_eq(elf.has_vector_addr, 1); /* its section, .isr_vector */
	ck_assert_uint_eq(elf.vector_addr, 0x08000200);
	const struct fwp_segment *q = &elf.segs[elf.nsegs - 1];
	ck_assert_uint_eq(q->paddr, 0x90000200);
	ck_assert_uint_eq(q->size, 4096);
	ck_assert_uint_eq(q->data[2], 3);
	/* .data: stored in flash after the code, run from RAM, holding 42 */
	int found_data = 0;
	for (size_t i = 0; i < elf.nsegs; i++) {
		const struct fwp_segment *s = &elf.segs[i];
		if (s->vaddr == 0x20000000) {
			found_data = 1;
			ck_assert_uint_gt(s->paddr, 0x08000200);
			ck_assert_uint_lt(s->paddr, 0x08004200);
			ck_assert_uint_eq(s->data[0], 42);
		}
	}
	ck_assert_msg(found_data, "no .data segment run from RAM");
	ck_assert_uint_eq(elf.entry & ~1u, get32(elf.segs[0].data + 4) & ~1u);
	ck_assert_uint_eq(elf.build_id_len, 20); /* ld's default: SHA-1 */
	fwp_elf_free(&elf);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("elf");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, two_regions_by_load_address);
	tcase_add_test(tc, parse_copies_the_input);
	tcase_add_test(tc, build_id_from_note_segment);
	tcase_add_test(tc, build_id_absent_or_at_limit);
	tcase_add_test(tc, address_space_edges);
	tcase_add_test(tc, reject_machine_and_type);
	tcase_add_test(tc, reject_overlap);
	tcase_add_test(tc, reject_nothing_to_load);
	tcase_add_test(tc, reject_segment_outside_file);
	tcase_add_test(tc, reject_class_and_byte_order);
	tcase_add_test(tc, reject_not_elf);
	tcase_add_test(tc, reject_truncated);
	tcase_add_test(tc, header_tables_checked);
	tcase_add_test(tc, extended_program_header_count);
	tcase_add_test(tc, load_missing_file);
	tcase_add_loop_test(tc, toolchain_linked_elf, 0, 2);
	suite_add_tcase(s, tc);
	return run_suite(s);
}

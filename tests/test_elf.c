/*
 * The ELF reader: load segments by physical address, build ID, and every
 * rejection. Test ELFs are written with libelf's own write API, so each
 * case is exactly the ELF it claims to be.
 */
#include <fcntl.h>
#include <gelf.h>

#include "check_util.h"
#include "elfread.h"

struct seg {
	uint32_t paddr, vaddr, filesz, memsz;
};

static uint8_t pattern[65536];

/* Write an ELF32 little-endian file with one section per segment. */
static void make_elf(const char *path, unsigned machine, unsigned type, const struct seg *s,
		     size_t n, int build_id)
{
	static const uint8_t note[] = {4, 0, 0, 0, 8, 0, 0, 0, 3, 0, 0, 0, 'G', 'N', 'U', 0,
				       0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4};
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_ne(elf_version(EV_CURRENT), EV_NONE);
	Elf *e = elf_begin(fd, ELF_C_WRITE, NULL);
	ck_assert_ptr_nonnull(e);
	Elf32_Ehdr *eh = elf32_newehdr(e);
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_machine = (Elf32_Half)machine;
	eh->e_type = (Elf32_Half)type;
	eh->e_version = EV_CURRENT;
	eh->e_entry = n ? s[0].vaddr + 1 : 0;
	Elf32_Phdr *ph = elf32_newphdr(e, n);
	Elf_Scn *scns[8];
	for (size_t i = 0; i < n; i++) {
		scns[i] = elf_newscn(e);
		Elf_Data *d = elf_newdata(scns[i]);
		d->d_buf = pattern + i * 16;
		d->d_size = s[i].filesz;
		d->d_align = 4;
		d->d_type = ELF_T_BYTE;
		Elf32_Shdr *sh = elf32_getshdr(scns[i]);
		sh->sh_type = s[i].filesz ? SHT_PROGBITS : SHT_NOBITS;
		sh->sh_flags = SHF_ALLOC;
		sh->sh_addr = s[i].vaddr;
	}
	if (build_id) {
		Elf_Scn *scn = elf_newscn(e);
		Elf_Data *d = elf_newdata(scn);
		d->d_buf = (void *)note;
		d->d_size = sizeof(note);
		d->d_align = 4;
		d->d_type = ELF_T_NHDR;
		elf32_getshdr(scn)->sh_type = SHT_NOTE;
	}
	ck_assert_int_ge(elf_update(e, ELF_C_NULL), 0);
	for (size_t i = 0; i < n; i++) {
		Elf32_Shdr *sh = elf32_getshdr(scns[i]);
		ph[i].p_type = PT_LOAD;
		ph[i].p_offset = sh->sh_offset;
		ph[i].p_vaddr = s[i].vaddr;
		ph[i].p_paddr = s[i].paddr;
		ph[i].p_filesz = s[i].filesz;
		ph[i].p_memsz = s[i].memsz ? s[i].memsz : s[i].filesz;
		ph[i].p_flags = PF_R;
		ph[i].p_align = 4;
	}
	elf_flagphdr(e, ELF_C_SET, ELF_F_DIRTY);
	ck_assert_int_ge(elf_update(e, ELF_C_WRITE), 0);
	elf_end(e);
	close(fd);
}

static char *dir;

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

static int parse_file(const char *name, struct fwp_elf *elf, struct fwp_err *err)
{
	char *p = path_join(dir, name);
	int rc = fwp_elf_load(p, elf, err);
	free(p);
	return rc;
}

static int build_and_parse(const struct seg *s, size_t n, unsigned machine, unsigned type,
			   struct fwp_elf *elf, struct fwp_err *err)
{
	char *p = path_join(dir, "t.elf");
	make_elf(p, machine, type, s, n, 1);
	free(p);
	return parse_file("t.elf", elf, err);
}

START_TEST(two_regions_by_load_address)
{
	/* given out of order, with a .data-like segment (paddr != vaddr) and a bss one */
	struct seg s[] = {{0x90000200, 0x90000200, 3000, 0},
			  {0x08000200, 0x08000200, 1000, 0},
			  {0x080005e8, 0x20000000, 16, 64},
			  {0x20000100, 0x20000100, 0, 256}};
	struct fwp_elf elf;
	struct fwp_err err;
	ck_assert_msg(build_and_parse(s, 4, EM_ARM, ET_EXEC, &elf, &err) == FWP_OK, "%s", err.msg);
	ck_assert_uint_eq(elf.nsegs, 3);
	ck_assert_uint_eq(elf.segs[0].paddr, 0x08000200);
	ck_assert_uint_eq(elf.segs[0].size, 1000);
	ck_assert_mem_eq(elf.segs[0].data, pattern + 16, 1000);
	ck_assert_uint_eq(elf.segs[1].paddr, 0x080005e8);
	ck_assert_uint_eq(elf.segs[1].vaddr, 0x20000000);
	ck_assert_uint_eq(elf.segs[1].size, 16);
	ck_assert_uint_eq(elf.segs[2].paddr, 0x90000200);
	ck_assert_mem_eq(elf.segs[2].data, pattern, 3000);
	ck_assert_uint_eq(elf.entry, 0x90000201);
	ck_assert_uint_eq(elf.build_id_len, 8);
	static const uint8_t bid[] = {0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4};
	ck_assert_mem_eq(elf.build_id, bid, 8);
	fwp_elf_free(&elf);
}
END_TEST

START_TEST(real_example_firmware)
{
	const char *top = getenv("top_builddir");
	if (!top)
		top = ".";
	char path[4096];
	snprintf(path, sizeof(path), "%s/examples/firmware/app_qspi_f746.elf", top);
	struct fwp_elf elf;
	struct fwp_err err;
	ck_assert_msg(fwp_elf_load(path, &elf, &err) == FWP_OK, "%s", err.msg);
	ck_assert_uint_eq(elf.nsegs, 3);
	ck_assert_uint_eq(elf.segs[0].paddr, 0x08040200);
	ck_assert_uint_eq(elf.segs[2].paddr, 0x90000200);
	ck_assert_uint_eq(elf.segs[2].size, 32768);
	ck_assert_uint_eq(elf.build_id_len, 20); /* ld --build-id: SHA-1 */
	fwp_elf_free(&elf);
}
END_TEST

static void expect(int rc, int want, const struct fwp_err *err, const char *text)
{
	ck_assert_int_eq(rc, want);
	ck_assert_msg(strstr(err->msg, text) != NULL, "\"%s\" lacks \"%s\"", err->msg, text);
}

START_TEST(rejections)
{
	struct seg ok[] = {{0x08000200, 0x08000200, 512, 0}};
	struct seg overlap[] = {{0x08000200, 0x08000200, 512, 0}, {0x08000300, 0x20000000, 64, 0}};
	struct fwp_elf elf;
	struct fwp_err err;

	expect(build_and_parse(ok, 1, EM_X86_64, ET_EXEC, &elf, &err), FWP_ERR_UNSUPPORTED, &err,
	       "t.elf: ELF machine is x86-64 (62), expected ARM (40)");
	expect(build_and_parse(ok, 1, EM_RISCV, ET_EXEC, &elf, &err), FWP_ERR_UNSUPPORTED, &err,
	       "ELF machine is RISC-V (243)");
	expect(build_and_parse(ok, 1, EM_ARM, ET_REL, &elf, &err), FWP_ERR_FORMAT, &err,
	       "t.elf: not an executable (ELF type 1)");
	expect(build_and_parse(overlap, 2, EM_ARM, ET_EXEC, &elf, &err), FWP_ERR_FORMAT, &err,
	       "t.elf: load segments 0x08000200..0x080003ff and 0x08000300..0x0800033f overlap");
	struct seg bss_only[] = {{0x20000000, 0x20000000, 0, 64}};
	expect(build_and_parse(bss_only, 1, EM_ARM, ET_EXEC, &elf, &err), FWP_ERR_FORMAT, &err,
	       "no loadable segment with data");
	struct seg wrap[] = {{0xFFFFFF00, 0xFFFFFF00, 512, 0}};
	expect(build_and_parse(wrap, 1, EM_ARM, ET_EXEC, &elf, &err), FWP_ERR_FORMAT, &err,
	       "runs past 4 GiB");

	/* 64-bit, big-endian and truncated variants of a valid file */
	struct fwp_buf b = {0};
	ck_assert_int_eq(build_and_parse(ok, 1, EM_ARM, ET_EXEC, &elf, &err), FWP_OK);
	fwp_elf_free(&elf);
	ck_assert(read_back(dir, "t.elf", &b));
	b.data[EI_CLASS] = ELFCLASS64;
	expect(fwp_elf_parse(b.data, b.len, "x.elf", &elf, &err), FWP_ERR_UNSUPPORTED, &err,
	       "x.elf: a 64-bit ELF");
	b.data[EI_CLASS] = ELFCLASS32;
	b.data[EI_DATA] = ELFDATA2MSB;
	expect(fwp_elf_parse(b.data, b.len, "x.elf", &elf, &err), FWP_ERR_UNSUPPORTED, &err,
	       "x.elf: not a little-endian ELF");
	b.data[EI_DATA] = ELFDATA2LSB;
	for (size_t cut = 0; cut < b.len; cut += 7)
		ck_assert_msg(fwp_elf_parse(b.data, cut, "x.elf", &elf, &err) < 0,
			      "accepted a file cut at %zu", cut);
	fwp_buf_free(&b);

	expect(fwp_elf_parse((const uint8_t *)"MZ\x90\0garbage", 11, "y.bin", &elf, &err),
	       FWP_ERR_FORMAT, &err, "y.bin: not an ELF file");
	expect(fwp_elf_parse((const uint8_t *)"", 0, "empty", &elf, &err), FWP_ERR_FORMAT, &err,
	       "empty: not an ELF file");
	expect(fwp_elf_load("/bin/true", &elf, &err), FWP_ERR_UNSUPPORTED, &err,
	       "/bin/true: a 64-bit ELF");
	expect(parse_file("missing.elf", &elf, &err), FWP_ERR_NOT_FOUND, &err, "missing.elf");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("elf");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, two_regions_by_load_address);
	tcase_add_test(tc, real_example_firmware);
	tcase_add_test(tc, rejections);
	suite_add_tcase(s, tc);
	return run_suite(s);
}

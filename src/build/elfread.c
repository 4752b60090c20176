/*
 * Firmware ELF files through libelf: PT_LOAD segments by load address,
 * entry point, GNU build ID. The input is hostile until proven otherwise:
 * every count, offset and size is checked before use, and libelf works on
 * a private copy whose lifetime we control.
 */
#include <gelf.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "elfread.h"
#include "fwpack/image.h"
#include "util.h"

/* The largest ELF fwp_elf_load reads: firmware with debug info is a few MiB. */
#define ELF_MAX_BYTES (256u << 20)
/* A linked firmware ELF has a handful of program headers; more is an attack. */
#define MAX_SEGMENTS 256

/* A load segment and its index in the program header table, for messages. */
struct load_seg {
	struct fwp_segment seg;
	size_t ndx;
};

int fwp_is_elf(const uint8_t *data, size_t len)
{
	return data && len >= SELFMAG && memcmp(data, ELFMAG, SELFMAG) == 0;
}

static const char *machine_name(unsigned m)
{
	switch (m) {
	case EM_386:
		return "x86";
	case EM_X86_64:
		return "x86-64";
	case EM_AARCH64:
		return "AArch64";
	case EM_RISCV:
		return "RISC-V";
	case EM_XTENSA:
		return "Xtensa";
	case EM_AVR:
		return "AVR";
	case EM_MIPS:
		return "MIPS";
	case EM_PPC:
		return "PowerPC";
	case EM_MSP430:
		return "MSP430";
	default:
		return "unknown";
	}
}

static const char *type_name(unsigned t)
{
	switch (t) {
	case ET_NONE:
		return "no file type";
	case ET_REL:
		return "a relocatable object";
	case ET_DYN:
		return "a shared object";
	case ET_CORE:
		return "a core dump";
	default:
		return "unknown";
	}
}

/* The identification bytes decide how libelf reads the rest: check them first. */
static int check_ident(const uint8_t *d, size_t len, const char *name, struct fwp_err *err)
{
	if (!fwp_is_elf(d, len))
		return fwp_fail(err, FWP_ERR_FORMAT, "%s: not an ELF file", name);
	if (len < EI_NIDENT)
		return fwp_fail(err, FWP_ERR_FORMAT, "%s: truncated ELF header (%zu bytes)", name,
				len);
	if (d[EI_CLASS] == ELFCLASS64)
		return fwp_fail(err, FWP_ERR_UNSUPPORTED,
				"%s: a 64-bit ELF (ELFCLASS64); Cortex-M firmware is 32-bit", name);
	if (d[EI_CLASS] != ELFCLASS32)
		return fwp_fail(err, FWP_ERR_FORMAT, "%s: invalid ELF class %u", name,
				d[EI_CLASS]);
	if (d[EI_DATA] == ELFDATA2MSB)
		return fwp_fail(err, FWP_ERR_UNSUPPORTED,
				"%s: not a little-endian ELF (big-endian, ELFDATA2MSB)", name);
	if (d[EI_DATA] != ELFDATA2LSB)
		return fwp_fail(err, FWP_ERR_FORMAT, "%s: invalid ELF data encoding %u", name,
				d[EI_DATA]);
	return FWP_OK;
}

static int check_kind(const GElf_Ehdr *eh, const char *name, struct fwp_err *err)
{
	if (eh->e_machine != EM_ARM)
		return fwp_fail(err, FWP_ERR_UNSUPPORTED,
				"%s: ELF machine is %s (%u), expected ARM (%u)", name,
				machine_name(eh->e_machine), eh->e_machine, EM_ARM);
	if (eh->e_type != ET_EXEC)
		return fwp_fail(err, FWP_ERR_FORMAT,
				"%s: not an executable (ELF type %u, %s): give the linked "
				"firmware",
				name, eh->e_type, type_name(eh->e_type));
	return FWP_OK;
}

static int truncated(const char *what, size_t len, const char *name, struct fwp_err *err)
{
	return fwp_fail(err, FWP_ERR_FORMAT,
			"%s: truncated: the %s runs past the end of the %zu-byte file", name, what,
			len);
}

/*
 * The table sizes the ELF header promises, read from the bytes: libelf
 * clamps its counts to what the file holds, which would hide a truncated
 * download. Counts too large for the header live in section 0.
 */
static int header_counts(const uint8_t *img, size_t len, const GElf_Ehdr *eh, size_t *nph,
			 size_t *nsh, const char *name, struct fwp_err *err)
{
	*nph = eh->e_phnum;
	*nsh = eh->e_shoff ? eh->e_shnum : 0;
	if (eh->e_phnum != PN_XNUM && (eh->e_shnum != 0 || eh->e_shoff == 0))
		return FWP_OK;
	if (eh->e_shoff == 0)
		return fwp_fail(err, FWP_ERR_FORMAT,
				"%s: extended program header count without a section 0", name);
	if (eh->e_shoff > len || len - eh->e_shoff < sizeof(Elf32_Shdr))
		return truncated("section header table", len, name, err);
	const uint8_t *sh0 = img + eh->e_shoff;
	if (eh->e_shnum == 0)
		*nsh = fwp_le32(sh0 + offsetof(Elf32_Shdr, sh_size));
	if (eh->e_phnum == PN_XNUM)
		*nph = fwp_le32(sh0 + offsetof(Elf32_Shdr, sh_info));
	return FWP_OK;
}

/* Both header tables must lie inside the file, with the entry sizes libelf assumes. */
static int check_tables(Elf *e, const GElf_Ehdr *eh, const uint8_t *img, size_t len,
			size_t *nph, const char *name, struct fwp_err *err)
{
	size_t nsh = 0, n = 0;
	int rc = header_counts(img, len, eh, nph, &nsh, name, err);
	if (rc < 0)
		return rc;
	if (*nph > MAX_SEGMENTS)
		return fwp_fail(err, FWP_ERR_FORMAT, "%s: %zu program headers (at most %d)", name,
				*nph, MAX_SEGMENTS);
	if (*nph && eh->e_phentsize != sizeof(Elf32_Phdr))
		return fwp_fail(err, FWP_ERR_FORMAT, "%s: program header size %u (expected %zu)",
				name, eh->e_phentsize, sizeof(Elf32_Phdr));
	if (*nph && (eh->e_phoff > len || *nph > (len - eh->e_phoff) / sizeof(Elf32_Phdr)))
		return truncated("program header table", len, name, err);
	if (nsh && eh->e_shentsize != sizeof(Elf32_Shdr))
		return fwp_fail(err, FWP_ERR_FORMAT, "%s: section header size %u (expected %zu)",
				name, eh->e_shentsize, sizeof(Elf32_Shdr));
	if (nsh && (eh->e_shoff > len || nsh > (len - eh->e_shoff) / sizeof(Elf32_Shdr)))
		return truncated("section header table", len, name, err);
	/* From here on, libelf's view must be the header's. */
	if (elf_getphdrnum(e, &n) != 0 || n != *nph)
		return fwp_fail(err, FWP_ERR_FORMAT, "%s: bad program header table (%zu of %zu)",
				name, n, *nph);
	if (elf_getshdrnum(e, &n) != 0 || n != nsh)
		return fwp_fail(err, FWP_ERR_FORMAT, "%s: bad section header table (%zu of %zu)",
				name, n, nsh);
	return FWP_OK;
}

/* A cut-off file usually loses its debug sections first: refuse it there too. */
static int check_sections(Elf *e, size_t len, const char *name, struct fwp_err *err)
{
	for (Elf_Scn *scn = NULL; (scn = elf_nextscn(e, scn)) != NULL;) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh))
			return fwp_fail(err, FWP_ERR_FORMAT, "%s: bad section header: %s", name,
					elf_errmsg(-1));
		if (sh.sh_type == SHT_NOBITS || sh.sh_type == SHT_NULL)
			continue;
		if (sh.sh_offset > len || sh.sh_size > len - sh.sh_offset)
			return fwp_fail(err, FWP_ERR_FORMAT,
					"%s: truncated: section %zu (file offset 0x%llx, 0x%llx "
					"bytes) runs past the end of the %zu-byte file",
					name, elf_ndxscn(scn), (unsigned long long)sh.sh_offset,
					(unsigned long long)sh.sh_size, len);
	}
	return FWP_OK;
}

/* The first NT_GNU_BUILD_ID note in data, if any. */
static int scan_notes(Elf_Data *data, struct fwp_elf *out, const char *name, struct fwp_err *err)
{
	size_t off = 0, next, name_off, desc_off;
	GElf_Nhdr nh;
	while (data && off < data->d_size &&
	       (next = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > off) {
		off = next;
		if (nh.n_type != NT_GNU_BUILD_ID || nh.n_namesz != sizeof("GNU") ||
		    memcmp((const char *)data->d_buf + name_off, "GNU", sizeof("GNU")) != 0)
			continue;
		/* Too long for the image header: refuse it rather than record part of it. */
		if (nh.n_descsz == 0 || nh.n_descsz > sizeof(out->build_id))
			return fwp_fail(err, FWP_ERR_FORMAT,
					"%s: GNU build ID of %u bytes (1..%zu expected)", name,
					(unsigned)nh.n_descsz, sizeof(out->build_id));
		memcpy(out->build_id, (const uint8_t *)data->d_buf + desc_off, nh.n_descsz);
		out->build_id_len = nh.n_descsz;
		return FWP_OK;
	}
	return FWP_OK;
}

/*
 * PT_NOTE segments first (what a loader sees), then SHT_NOTE sections (for
 * a file whose note is not in a segment).
 */
static int find_build_id(Elf *e, const GElf_Phdr *ph, size_t nph, struct fwp_elf *out,
			 const char *name, struct fwp_err *err)
{
	for (size_t i = 0; i < nph && !out->build_id_len; i++) {
		if (ph[i].p_type != PT_NOTE || !ph[i].p_filesz)
			continue;
		if (ph[i].p_offset > out->image_len ||
		    ph[i].p_filesz > out->image_len - ph[i].p_offset)
			return fwp_fail(err, FWP_ERR_FORMAT,
					"%s: note segment %zu lies outside the %zu-byte file", name,
					i, out->image_len);
		Elf_Data *d = elf_getdata_rawchunk(e, (int64_t)ph[i].p_offset, ph[i].p_filesz,
						   ph[i].p_align == 8 ? ELF_T_NHDR8 : ELF_T_NHDR);
		int rc = scan_notes(d, out, name, err);
		if (rc < 0)
			return rc;
	}
	for (Elf_Scn *s = NULL; !out->build_id_len && (s = elf_nextscn(e, s)) != NULL;) {
		GElf_Shdr sh;
		if (!gelf_getshdr(s, &sh) || sh.sh_type != SHT_NOTE)
			continue;
		int rc = scan_notes(elf_getdata(s, NULL), out, name, err);
		if (rc < 0)
			return rc;
	}
	return FWP_OK;
}

/* One PT_LOAD header, checked against the file and the 32-bit address space. */
static int check_load(const GElf_Phdr *ph, size_t i, size_t len, const char *name,
		      struct fwp_err *err)
{
	/* A bss segment takes nothing from the file: its offset does not matter. */
	if (ph->p_filesz && (ph->p_offset > len || ph->p_filesz > len - ph->p_offset))
		return fwp_fail(err, FWP_ERR_FORMAT,
				"%s: segment %zu (file offset 0x%llx, 0x%llx bytes) lies outside "
				"the %zu-byte file",
				name, i, (unsigned long long)ph->p_offset,
				(unsigned long long)ph->p_filesz, len);
	if (ph->p_memsz < ph->p_filesz)
		return fwp_fail(err, FWP_ERR_FORMAT,
				"%s: segment %zu has 0x%llx bytes in the file but only 0x%llx in "
				"memory",
				name, i, (unsigned long long)ph->p_filesz,
				(unsigned long long)ph->p_memsz);
	/* ELF32 fields widened to 64 bits: these sums cannot overflow. */
	if (ph->p_paddr + ph->p_filesz > 0x100000000ull)
		return fwp_fail(err, FWP_ERR_FORMAT,
				"%s: segment %zu at 0x%08llx of 0x%llx bytes wraps past 4 GiB",
				name, i, (unsigned long long)ph->p_paddr,
				(unsigned long long)ph->p_filesz);
	if (ph->p_vaddr + ph->p_memsz > 0x100000000ull)
		return fwp_fail(err, FWP_ERR_FORMAT,
				"%s: segment %zu runs at 0x%08llx for 0x%llx bytes: wraps past "
				"4 GiB",
				name, i, (unsigned long long)ph->p_vaddr,
				(unsigned long long)ph->p_memsz);
	return FWP_OK;
}

/* By load address; ties by index so that the order never depends on qsort. */
static int cmp_load(const void *a, const void *b)
{
	const struct load_seg *x = a, *y = b;
	if (x->seg.paddr != y->seg.paddr)
		return x->seg.paddr < y->seg.paddr ? -1 : 1;
	return x->ndx < y->ndx ? -1 : x->ndx > y->ndx;
}

/* ls is sorted by load address, so only neighbours can overlap. */
static int check_overlaps(const struct load_seg *ls, size_t n, const char *name,
			  struct fwp_err *err)
{
	for (size_t i = 1; i < n; i++) {
		const struct load_seg *a = &ls[i - 1], *b = &ls[i];
		if ((uint64_t)a->seg.paddr + a->seg.size > b->seg.paddr)
			return fwp_fail(err, FWP_ERR_FORMAT,
					"%s: segments %zu (0x%08x..0x%08llx) and %zu "
					"(0x%08x..0x%08llx) overlap",
					name, a->ndx, a->seg.paddr,
					(unsigned long long)a->seg.paddr + a->seg.size - 1, b->ndx,
					b->seg.paddr,
					(unsigned long long)b->seg.paddr + b->seg.size - 1);
	}
	return FWP_OK;
}

/* Sections that objcopy -O binary writes: allocated, with bytes in the file. */
static int is_loaded_section(const GElf_Shdr *sh)
{
	return (sh->sh_flags & SHF_ALLOC) && sh->sh_type != SHT_NOBITS &&
	       sh->sh_type != SHT_NULL && sh->sh_size > 0;
}

/*
 * The part of a segment's file range that sections fill: [*lo, *hi).
 * Without -n (GNU ld) or by default (lld), a linker maps the ELF and
 * program headers into the first load segment, in front of the first
 * section: those bytes are not firmware, and they would sit where the
 * image header goes. Returns 0 when no section lies in the segment.
 */
static int linked_range(Elf *e, const GElf_Phdr *ph, uint64_t *lo, uint64_t *hi)
{
	uint64_t start = ph->p_offset, end = ph->p_offset + ph->p_filesz;
	int found = 0;
	for (Elf_Scn *scn = NULL; (scn = elf_nextscn(e, scn)) != NULL;) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || !is_loaded_section(&sh))
			continue;
		if (sh.sh_offset < start || sh.sh_offset + sh.sh_size > end)
			continue;
		if (!found || sh.sh_offset < *lo)
			*lo = sh.sh_offset;
		if (!found || sh.sh_offset + sh.sh_size > *hi)
			*hi = sh.sh_offset + sh.sh_size;
		found = 1;
	}
	return found;
}

static int collect_loads(Elf *e, const GElf_Phdr *ph, size_t nph, struct load_seg *ls,
			 size_t *n, const struct fwp_elf *out, const char *name,
			 struct fwp_err *err)
{
	size_t nsh = 0;
	*n = 0;
	if (elf_getshdrnum(e, &nsh) != 0)
		nsh = 0;
	for (size_t i = 0; i < nph; i++) {
		if (ph[i].p_type != PT_LOAD)
			continue;
		int rc = check_load(&ph[i], i, out->image_len, name, err);
		if (rc < 0)
			return rc;
		if (ph[i].p_filesz == 0)
			continue; /* bss: nothing to put in flash */
		/* Without section headers the segment is all we know: take it whole. */
		uint64_t lo = ph[i].p_offset, hi = ph[i].p_offset + ph[i].p_filesz;
		if (nsh > 1 && !linked_range(e, &ph[i], &lo, &hi))
			continue; /* headers only: no byte of firmware */
		uint32_t skip = (uint32_t)(lo - ph[i].p_offset);
		struct load_seg *l = &ls[(*n)++];
		l->ndx = i;
		l->seg.paddr = (uint32_t)ph[i].p_paddr + skip;
		l->seg.vaddr = (uint32_t)ph[i].p_vaddr + skip;
		l->seg.size = (uint32_t)(hi - lo);
		l->seg.data = out->image + lo;
	}
	if (*n == 0)
		return fwp_fail(err, FWP_ERR_FORMAT,
				"%s: no loadable segment with data: link the code and vector "
				"table into sections that load into flash (PT_LOAD)",
				name);
	return FWP_OK;
}

static int load_segments(Elf *e, const GElf_Phdr *ph, size_t nph, struct fwp_elf *out,
			 const char *name, struct fwp_err *err)
{
	size_t n = 0;
	struct load_seg *ls = calloc(nph ? nph : 1, sizeof(*ls));
	if (!ls)
		return fwp_fail(err, FWP_ERR_NOMEM, "out of memory");
	int rc = collect_loads(e, ph, nph, ls, &n, out, name, err);
	if (rc == FWP_OK) {
		qsort(ls, n, sizeof(*ls), cmp_load);
		rc = check_overlaps(ls, n, name, err);
	}
	if (rc == FWP_OK && !(out->segs = calloc(n, sizeof(*out->segs))))
		rc = fwp_fail(err, FWP_ERR_NOMEM, "out of memory");
	if (rc == FWP_OK) {
		for (size_t i = 0; i < n; i++)
			out->segs[i] = ls[i].seg;
		out->nsegs = n;
	}
	free(ls);
	return rc;
}

/*
 * Where the vector table is linked: the table's symbol in vendor startup
 * code (CMSIS, ST, NXP, TI, the Cookbook), else the section that linker
 * scripts put it in. The address converts to a load address through the
 * load segment holding it.
 */
static const char *const vector_symbols[] = {"__isr_vector", "__Vectors", "g_pfnVectors",
					     "__vector_table", "vector_table", "_vectors",
					     "isr_vector", "g_vectors"};
static const char *const vector_sections[] = {".isr_vector", ".vectors", ".vector_table",
					      ".intvecs", ".isr_vectors"};

static int in_list(const char *s, const char *const *list, size_t n)
{
	for (size_t k = 0; s && k < n; k++)
		if (strcmp(s, list[k]) == 0)
			return 1;
	return 0;
}

#define IN_LIST(s, list) in_list(s, list, sizeof(list) / sizeof(*(list)))

/* The load address of run address a inside a segment's file bytes, or 0. */
static int load_address(const GElf_Phdr *ph, size_t nph, uint64_t a, struct fwp_elf *out)
{
	for (size_t i = 0; i < nph; i++) {
		if (ph[i].p_type != PT_LOAD || a < ph[i].p_vaddr ||
		    a + 8 > ph[i].p_vaddr + ph[i].p_filesz)
			continue;
		out->vector_addr = (uint32_t)(ph[i].p_paddr + (a - ph[i].p_vaddr));
		out->has_vector_addr = 1;
		return 1;
	}
	return 0;
}

static int vector_symbol(Elf *e, const GElf_Phdr *ph, size_t nph, struct fwp_elf *out)
{
	for (Elf_Scn *scn = NULL; (scn = elf_nextscn(e, scn)) != NULL;) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB || !sh.sh_entsize)
			continue;
		Elf_Data *d = elf_getdata(scn, NULL);
		size_t n = d ? d->d_size / sizeof(Elf32_Sym) : 0;
		for (size_t k = 0; k < n; k++) {
			GElf_Sym sym;
			if (!gelf_getsym(d, (int)k, &sym) || sym.st_shndx == SHN_UNDEF ||
			    (GELF_ST_TYPE(sym.st_info) != STT_OBJECT &&
			     GELF_ST_TYPE(sym.st_info) != STT_NOTYPE))
				continue;
			if (IN_LIST(elf_strptr(e, sh.sh_link, sym.st_name), vector_symbols) &&
			    load_address(ph, nph, sym.st_value, out))
				return 1;
		}
	}
	return 0;
}

static void find_vectors(Elf *e, const GElf_Phdr *ph, size_t nph, struct fwp_elf *out)
{
	size_t strndx = 0;
	if (vector_symbol(e, ph, nph, out) || elf_getshdrstrndx(e, &strndx) != 0)
		return;
	for (Elf_Scn *scn = NULL; (scn = elf_nextscn(e, scn)) != NULL;) {
		GElf_Shdr sh;
		if (gelf_getshdr(scn, &sh) && is_loaded_section(&sh) &&
		    IN_LIST(elf_strptr(e, strndx, sh.sh_name), vector_sections) &&
		    load_address(ph, nph, sh.sh_addr, out))
			return;
	}
}

static int read_phdrs(Elf *e, size_t nph, GElf_Phdr **ph, const char *name,
		      struct fwp_err *err)
{
	*ph = calloc(nph ? nph : 1, sizeof(**ph));
	if (!*ph)
		return fwp_fail(err, FWP_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < nph; i++)
		if (!gelf_getphdr(e, (int)i, &(*ph)[i]))
			return fwp_fail(err, FWP_ERR_FORMAT, "%s: program header %zu: %s", name, i,
					elf_errmsg(-1));
	return FWP_OK;
}

static int parse(Elf *e, struct fwp_elf *out, const char *name, struct fwp_err *err)
{
	GElf_Ehdr eh;
	size_t nph = 0;
	if (elf_kind(e) != ELF_K_ELF || !gelf_getehdr(e, &eh))
		return fwp_fail(err, FWP_ERR_FORMAT, "%s: not a valid ELF file: %s", name,
				elf_errmsg(-1));
	int rc = check_kind(&eh, name, err);
	if (rc == FWP_OK)
		rc = check_tables(e, &eh, out->image, out->image_len, &nph, name, err);
	if (rc == FWP_OK)
		rc = check_sections(e, out->image_len, name, err);
	if (rc < 0)
		return rc;
	out->entry = (uint32_t)eh.e_entry;
	GElf_Phdr *ph = NULL;
	rc = read_phdrs(e, nph, &ph, name, err);
	if (rc == FWP_OK)
		rc = load_segments(e, ph, nph, out, name, err);
	if (rc == FWP_OK)
		rc = find_build_id(e, ph, nph, out, name, err);
	if (rc == FWP_OK)
		find_vectors(e, ph, nph, out);
	free(ph);
	return rc;
}

int fwp_elf_parse(const uint8_t *data, size_t len, const char *name, struct fwp_elf *out,
		  struct fwp_err *err)
{
	if (!out)
		return fwp_fail(err, FWP_ERR_ARG, "fwp_elf_parse: no output");
	memset(out, 0, sizeof(*out));
	if (!name)
		name = "ELF input";
	int rc = check_ident(data, len, name, err);
	if (rc < 0)
		return rc;
	if (elf_version(EV_CURRENT) == EV_NONE)
		return fwp_fail(err, FWP_ERR_UNSUPPORTED, "%s: libelf: %s", name,
				elf_errmsg(-1));
	/* libelf may convert in place: give it bytes that we own and that outlive it. */
	out->image = malloc(len);
	if (!out->image)
		return fwp_fail(err, FWP_ERR_NOMEM, "out of memory (%zu bytes)", len);
	memcpy(out->image, data, len);
	out->image_len = len;
	Elf *e = elf_memory((char *)out->image, len);
	if (!e) {
		rc = fwp_fail(err, FWP_ERR_FORMAT, "%s: not a valid ELF file: %s", name,
			      elf_errmsg(-1));
	} else {
		rc = parse(e, out, name, err);
		elf_end(e);
	}
	if (rc < 0)
		fwp_elf_free(out);
	return rc;
}

int fwp_elf_load(const char *path, struct fwp_elf *out, struct fwp_err *err)
{
	struct fwp_buf b = {0};
	memset(out, 0, sizeof(*out));
	int rc = fwp_file_read(path, ELF_MAX_BYTES, &b, err);
	if (rc == FWP_OK)
		rc = fwp_elf_parse(b.data, b.len, path, out, err);
	fwp_buf_free(&b);
	return rc;
}

void fwp_elf_free(struct fwp_elf *elf)
{
	if (!elf)
		return;
	free(elf->segs);
	free(elf->image);
	memset(elf, 0, sizeof(*elf));
}

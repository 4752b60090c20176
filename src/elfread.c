/*
 * Firmware ELF files through libelf: PT_LOAD segments by load address,
 * entry point, GNU build ID. The input is hostile until proven otherwise:
 * every count, offset and size is checked before use.
 */
#include <gelf.h>
#include <stdlib.h>
#include <string.h>

#include "elfread.h"
#include "util.h"

#define ELF_MAX_BYTES (256u << 20)
#define MAX_SEGMENTS 256

int fwp_is_elf(const uint8_t *data, size_t len)
{
	return len >= 4 && memcmp(data, ELFMAG, SELFMAG) == 0;
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
	default:
		return "unknown";
	}
}

static int check_ident(const uint8_t *d, size_t len, const char *name, struct fwp_err *err)
{
	if (!fwp_is_elf(d, len))
		return fwp_fail(err, FWP_ERR_FORMAT, "%s: not an ELF file", name);
	if (len < EI_NIDENT)
		return fwp_fail(err, FWP_ERR_FORMAT, "%s: truncated ELF header", name);
	if (d[EI_CLASS] != ELFCLASS32)
		return fwp_fail(err, FWP_ERR_UNSUPPORTED,
				"%s: %s ELF; Cortex-M firmware is 32-bit (ELFCLASS32)", name,
				d[EI_CLASS] == ELFCLASS64 ? "a 64-bit" : "an unknown class of");
	if (d[EI_DATA] != ELFDATA2LSB)
		return fwp_fail(err, FWP_ERR_UNSUPPORTED, "%s: not a little-endian ELF", name);
	return FWP_OK;
}

/* The NT_GNU_BUILD_ID note, from PT_NOTE segments or SHT_NOTE sections. */
static int scan_notes(Elf_Data *data, struct fwp_elf *out, const char *name, struct fwp_err *err)
{
	size_t off = 0, next, name_off, desc_off;
	GElf_Nhdr nh;
	while (data && off < data->d_size &&
	       (next = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > 0) {
		if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
		    memcmp((const char *)data->d_buf + name_off, "GNU", 4) == 0) {
			if (nh.n_descsz == 0 || nh.n_descsz > sizeof(out->build_id))
				return fwp_fail(err, FWP_ERR_FORMAT,
						"%s: GNU build ID of %u bytes (1..%zu expected)", name,
						(unsigned)nh.n_descsz, sizeof(out->build_id));
			memcpy(out->build_id, (const uint8_t *)data->d_buf + desc_off, nh.n_descsz);
			out->build_id_len = nh.n_descsz;
			return FWP_OK;
		}
		off = next;
	}
	return FWP_OK;
}

static int find_build_id(Elf *e, const GElf_Phdr *ph, size_t nph, struct fwp_elf *out,
			 const char *name, struct fwp_err *err)
{
	for (size_t i = 0; i < nph && !out->build_id_len; i++) {
		if (ph[i].p_type != PT_NOTE || !ph[i].p_filesz)
			continue;
		Elf_Data *d = elf_getdata_rawchunk(e, (int64_t)ph[i].p_offset, ph[i].p_filesz,
						   ELF_T_NHDR);
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

static int cmp_seg(const void *a, const void *b)
{
	const struct fwp_segment *x = a, *y = b;
	return x->paddr < y->paddr ? -1 : x->paddr > y->paddr;
}

static int load_segments(Elf *e, GElf_Phdr *ph, size_t nph, struct fwp_elf *out,
			 const char *name, struct fwp_err *err)
{
	out->segs = calloc(nph ? nph : 1, sizeof(*out->segs));
	if (!out->segs)
		return fwp_fail(err, FWP_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < nph; i++) {
		if (!gelf_getphdr(e, (int)i, &ph[i]))
			return fwp_fail(err, FWP_ERR_FORMAT, "%s: program header %zu: %s", name, i,
					elf_errmsg(-1));
		if (ph[i].p_type != PT_LOAD || ph[i].p_filesz == 0)
			continue;
		if (ph[i].p_offset > out->image_len || ph[i].p_filesz > out->image_len - ph[i].p_offset)
			return fwp_fail(err, FWP_ERR_FORMAT,
					"%s: segment %zu (file offset 0x%llx, 0x%llx bytes) lies "
					"outside the %zu-byte file",
					name, i, (unsigned long long)ph[i].p_offset,
					(unsigned long long)ph[i].p_filesz, out->image_len);
		if (ph[i].p_paddr + ph[i].p_filesz > 0x100000000ull)
			return fwp_fail(err, FWP_ERR_FORMAT,
					"%s: segment %zu at 0x%08llx of 0x%llx bytes runs past 4 GiB",
					name, i, (unsigned long long)ph[i].p_paddr,
					(unsigned long long)ph[i].p_filesz);
		struct fwp_segment *s = &out->segs[out->nsegs++];
		s->paddr = (uint32_t)ph[i].p_paddr;
		s->vaddr = (uint32_t)ph[i].p_vaddr;
		s->size = (uint32_t)ph[i].p_filesz;
		s->data = out->image + ph[i].p_offset;
	}
	if (!out->nsegs)
		return fwp_fail(err, FWP_ERR_FORMAT, "%s: no loadable segment with data", name);
	qsort(out->segs, out->nsegs, sizeof(*out->segs), cmp_seg);
	for (size_t i = 1; i < out->nsegs; i++) {
		const struct fwp_segment *a = &out->segs[i - 1], *b = &out->segs[i];
		if ((uint64_t)a->paddr + a->size > b->paddr)
			return fwp_fail(err, FWP_ERR_FORMAT,
					"%s: load segments 0x%08x..0x%08llx and 0x%08x..0x%08llx "
					"overlap",
					name, a->paddr, (unsigned long long)a->paddr + a->size - 1,
					b->paddr, (unsigned long long)b->paddr + b->size - 1);
	}
	return FWP_OK;
}

static int parse(Elf *e, struct fwp_elf *out, const char *name, struct fwp_err *err)
{
	GElf_Ehdr eh;
	size_t nph;
	if (elf_kind(e) != ELF_K_ELF || !gelf_getehdr(e, &eh))
		return fwp_fail(err, FWP_ERR_FORMAT, "%s: not a valid ELF file: %s", name,
				elf_errmsg(-1));
	if (eh.e_machine != EM_ARM)
		return fwp_fail(err, FWP_ERR_UNSUPPORTED,
				"%s: ELF machine is %s (%u), expected ARM (%u)", name,
				machine_name(eh.e_machine), eh.e_machine, EM_ARM);
	if (eh.e_type != ET_EXEC)
		return fwp_fail(err, FWP_ERR_FORMAT,
				"%s: not an executable (ELF type %u): give the linked firmware, not "
				"an object file",
				name, eh.e_type);
	/* A cut-off file: the header tables must lie inside it. */
	/* From the ELF header itself: libelf reports no sections for a cut-off table. */
	uint64_t nsh = eh.e_shnum ? eh.e_shnum : eh.e_shoff ? 1 : 0;
	if ((nsh && ((uint64_t)eh.e_shoff + nsh * eh.e_shentsize > out->image_len)) ||
	    ((uint64_t)eh.e_phoff + (uint64_t)eh.e_phnum * eh.e_phentsize > out->image_len))
		return fwp_fail(err, FWP_ERR_FORMAT,
				"%s: truncated: its header tables run past the end of the %zu-byte "
				"file",
				name, out->image_len);
	for (Elf_Scn *scn = NULL; (scn = elf_nextscn(e, scn)) != NULL;) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh))
			return fwp_fail(err, FWP_ERR_FORMAT, "%s: bad section header: %s", name,
					elf_errmsg(-1));
		if (sh.sh_type != SHT_NOBITS && sh.sh_offset + sh.sh_size > out->image_len)
			return fwp_fail(err, FWP_ERR_FORMAT,
					"%s: truncated: section %zu runs past the end of the "
					"%zu-byte file",
					name, elf_ndxscn(scn), out->image_len);
	}
	if (elf_getphdrnum(e, &nph) != 0)
		return fwp_fail(err, FWP_ERR_FORMAT, "%s: bad program header table: %s", name,
				elf_errmsg(-1));
	if (nph > MAX_SEGMENTS)
		return fwp_fail(err, FWP_ERR_FORMAT, "%s: %zu program headers (at most %d)", name,
				nph, MAX_SEGMENTS);
	out->entry = (uint32_t)eh.e_entry;
	GElf_Phdr *ph = calloc(nph ? nph : 1, sizeof(*ph));
	if (!ph)
		return fwp_fail(err, FWP_ERR_NOMEM, "out of memory");
	int rc = load_segments(e, ph, nph, out, name, err);
	if (rc == FWP_OK)
		rc = find_build_id(e, ph, nph, out, name, err);
	free(ph);
	return rc;
}

int fwp_elf_parse(const uint8_t *data, size_t len, const char *name, struct fwp_elf *out,
		  struct fwp_err *err)
{
	memset(out, 0, sizeof(*out));
	int rc = check_ident(data, len, name, err);
	if (rc < 0)
		return rc;
	if (elf_version(EV_CURRENT) == EV_NONE)
		return fwp_fail(err, FWP_ERR_UNSUPPORTED, "libelf: %s", elf_errmsg(-1));
	out->image = malloc(len);
	if (!out->image)
		return fwp_fail(err, FWP_ERR_NOMEM, "out of memory");
	memcpy(out->image, data, len);
	out->image_len = len;
	Elf *e = elf_memory((char *)out->image, len);
	if (!e) {
		rc = fwp_fail(err, FWP_ERR_FORMAT, "%s: %s", name, elf_errmsg(-1));
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
	free(elf->segs);
	free(elf->image);
	memset(elf, 0, sizeof(*elf));
}

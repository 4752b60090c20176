/* The build pipeline: inputs -> parts per slot -> formatted images -> files. */
#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "cbimage.h"
#include "crypto.h"
#include "elfread.h"
#include "hexfile.h"
#include "slotimage.h"
#include "util.h"

#define INPUT_MAX_BYTES (256u << 20)
#define PATH_LEN 4096

/* The bytes of one image that land in one slot. */
struct part {
	size_t image;
	size_t slot;
	int primary;
	char name[2 * FWP_NAME_MAX + 2];
	uint32_t start;        /* address of the first payload byte */
	struct fwp_buf payload;
	struct fwp_buf out;    /* the formatted image, padded */
	uint32_t out_addr;     /* where out[0] goes */
	int have_digest;
	uint8_t digest[32];
};

/* A file to write once everything is built. */
struct outfile {
	char *path;
	struct fwp_buf data;
	unsigned mode;
};

struct build {
	const struct fwp_manifest *m;
	const struct fwp_build_opts *o;
	struct fwp_err *err;
	struct part *parts;
	size_t nparts;
	struct outfile *files;
	size_t nfiles;
};

static void jpath(char *out, size_t n, size_t image, const char *key)
{
	snprintf(out, n, "images[%zu].%s", image, key);
}

static int mfail(struct build *b, size_t image, const char *key, int code, const char *msg)
{
	char p[64];
	jpath(p, sizeof(p), image, key);
	return fwp_manifest_fail(b->m, b->err, code, p, "%s", msg);
}

/* ---- inputs ---- */

static int read_input(struct build *b, size_t i, struct fwp_elf *elf)
{
	const struct fwp_image_spec *im = &b->m->images[i];
	struct fwp_buf data = {0};
	char msg[900];
	int rc = fwp_file_read(im->input, INPUT_MAX_BYTES, &data, b->err);
	if (rc < 0)
		return mfail(b, i, "input", rc, b->err->msg);
	memset(elf, 0, sizeof(*elf));
	if (fwp_is_elf(data.data, data.len)) {
		if (im->has_load_addr) {
			fwp_buf_free(&data);
			return mfail(b, i, "load_address", FWP_ERR_FORMAT,
				     "applies to raw .bin inputs only; the ELF input carries its "
				     "own addresses");
		}
		rc = fwp_elf_parse(data.data, data.len, im->input, elf, b->err);
		fwp_buf_free(&data);
		return rc < 0 ? mfail(b, i, "input", rc, b->err->msg) : FWP_OK;
	}
	if (!im->has_load_addr) {
		fwp_buf_free(&data);
		snprintf(msg, sizeof(msg),
			 "%s is not an ELF file; a raw binary input needs \"load_address\"",
			 im->input);
		return mfail(b, i, "input", FWP_ERR_FORMAT, msg);
	}
	if (data.len == 0 || (uint64_t)im->load_addr + data.len > 0x100000000ull) {
		snprintf(msg, sizeof(msg), "%s: %zu bytes at 0x%08x %s", im->input, data.len,
			 im->load_addr, data.len ? "run past 4 GiB" : "is empty");
		fwp_buf_free(&data);
		return mfail(b, i, "input", FWP_ERR_FORMAT, msg);
	}
	/* A raw binary is one segment; the ELF struct owns its bytes. */
	elf->segs = calloc(1, sizeof(*elf->segs));
	if (!elf->segs) {
		fwp_buf_free(&data);
		return fwp_fail(b->err, FWP_ERR_NOMEM, "out of memory");
	}
	elf->image = data.data;
	elf->image_len = data.len;
	elf->segs[0].paddr = elf->segs[0].vaddr = im->load_addr;
	elf->segs[0].size = (uint32_t)data.len;
	elf->segs[0].data = data.data;
	elf->nsegs = 1;
	return FWP_OK;
}

/* Which slot a segment belongs to; fails with the reason. */
static int map_segment(struct build *b, size_t i, const struct fwp_segment *s, size_t idx,
		       size_t *slot)
{
	const struct fwp_manifest *m = b->m;
	const struct fwp_image_spec *im = &m->images[i];
	const struct fwp_slot *home = &m->slots[im->slot];
	uint64_t end = (uint64_t)s->paddr + s->size;
	char msg[900];

	long r = fwp_manifest_find_region(m, s->paddr, s->size);
	if (r < 0) {
		long rs = fwp_manifest_find_region(m, s->paddr, 1);
		snprintf(msg, sizeof(msg), "%s: segment %zu (0x%08x..0x%08llx) %s%s", im->input,
			 idx, s->paddr, (unsigned long long)end - 1,
			 rs < 0 ? "lies outside every memory region"
				: "runs past the end of region ",
			 rs < 0 ? "" : m->regions[rs].name);
		return mfail(b, i, "input", FWP_ERR_RANGE, msg);
	}
	if ((size_t)r == home->region) {
		if (s->paddr < home->addr || end > (uint64_t)home->addr + home->size) {
			snprintf(msg, sizeof(msg),
				 "%s: segment %zu (0x%08x..0x%08llx) is outside slot %s "
				 "(0x%08x..0x%08llx): the load address is outside its slot",
				 im->input, idx, s->paddr, (unsigned long long)end - 1, home->name,
				 home->addr, (unsigned long long)home->addr + home->size - 1);
			return mfail(b, i, "slot", FWP_ERR_RANGE, msg);
		}
		*slot = im->slot;
		return FWP_OK;
	}
	long sl = fwp_manifest_find_slot(m, s->paddr, s->size);
	if (sl < 0) {
		snprintf(msg, sizeof(msg),
			 "%s: segment %zu (0x%08x..0x%08llx) in region %s is not inside any slot",
			 im->input, idx, s->paddr, (unsigned long long)end - 1, m->regions[r].name);
		return mfail(b, i, "input", FWP_ERR_RANGE, msg);
	}
	*slot = (size_t)sl;
	return FWP_OK;
}

static struct part *get_part(struct build *b, size_t image, size_t slot)
{
	for (size_t k = 0; k < b->nparts; k++)
		if (b->parts[k].image == image && b->parts[k].slot == slot)
			return &b->parts[k];
	struct part *p = realloc(b->parts, (b->nparts + 1) * sizeof(*p));
	if (!p)
		return NULL;
	b->parts = p;
	p = &b->parts[b->nparts++];
	memset(p, 0, sizeof(*p));
	p->image = image;
	p->slot = slot;
	p->primary = slot == b->m->images[image].slot;
	if (p->primary)
		snprintf(p->name, sizeof(p->name), "%s", b->m->images[image].name);
	else
		snprintf(p->name, sizeof(p->name), "%s-%s", b->m->images[image].name,
			 b->m->slots[slot].name);
	return p;
}

/* Lay the segments of one image into parts, gaps filled with the slot's fill byte. */
static int split_image(struct build *b, size_t i, const struct fwp_elf *elf)
{
	size_t first = b->nparts;
	for (size_t k = 0; k < elf->nsegs; k++) {
		const struct fwp_segment *s = &elf->segs[k];
		size_t slot = 0;
		int rc = map_segment(b, i, s, k, &slot);
		if (rc < 0)
			return rc;
		struct part *p = get_part(b, i, slot);
		if (!p)
			return fwp_fail(b->err, FWP_ERR_NOMEM, "out of memory");
		if (p->payload.len == 0 && p->start == 0)
			p->start = s->paddr;
		/* Segments are sorted by address and do not overlap. */
		size_t at = (size_t)(s->paddr - p->start);
		if ((rc = fwp_buf_fill(&p->payload, b->m->slots[slot].fill, at - p->payload.len,
				       b->err)) < 0 ||
		    (rc = fwp_buf_append(&p->payload, s->data, s->size, b->err)) < 0)
			return rc;
	}
	int has_primary = 0;
	for (size_t k = first; k < b->nparts; k++)
		has_primary |= b->parts[k].primary;
	if (!has_primary) {
		const struct fwp_slot *sl = &b->m->slots[b->m->images[i].slot];
		char msg[600];
		snprintf(msg, sizeof(msg), "no part of %s loads into slot %s (0x%08x..0x%08llx)",
			 b->m->images[i].input, sl->name, sl->addr,
			 (unsigned long long)sl->addr + sl->size - 1);
		return mfail(b, i, "slot", FWP_ERR_RANGE, msg);
	}
	return FWP_OK;
}

/* ---- signing ---- */

static int load_key(struct build *b, size_t i, enum fwp_curve curve, int need_private,
		    struct fwp_key **key)
{
	const struct fwp_image_spec *im = &b->m->images[i];
	char msg[600];
	int rc;
	if (!im->key) {
		snprintf(msg, sizeof(msg),
			 "missing: a %s image must be signed (give \"key\", or sign externally "
			 "with --digest-dir and --signature-dir)",
			 fwp_format_name(im->format));
		return mfail(b, i, "key", FWP_ERR_ARG, msg);
	}
	if ((rc = fwp_key_load(im->key, key, b->err)) < 0)
		return mfail(b, i, "key", rc, b->err->msg);
	if (fwp_key_curve(*key) != curve) {
		snprintf(msg, sizeof(msg), "%s is a %s key; %s images need %s", im->key,
			 fwp_curve_name(fwp_key_curve(*key)), fwp_format_name(im->format),
			 fwp_curve_name(curve));
		rc = mfail(b, i, "key", FWP_ERR_ARG, msg);
	} else if (need_private && !fwp_key_is_private(*key)) {
		snprintf(msg, sizeof(msg),
			 "%s is a public key; signing needs the private key (or use "
			 "--digest-dir/--signature-dir)",
			 im->key);
		rc = mfail(b, i, "key", FWP_ERR_ARG, msg);
	}
	if (rc < 0) {
		fwp_key_free(*key);
		*key = NULL;
	}
	return rc;
}

/* Sign p->digest: with the private key, or with the signer's answer. */
static int sign_part(struct build *b, struct part *p, enum fwp_curve curve, uint8_t sig[64],
		     uint8_t keyhash[32])
{
	struct fwp_key *key = NULL;
	int external = b->o->signature_dir != NULL;
	int rc = load_key(b, p->image, curve, !external, &key);
	if (rc < 0)
		return rc;
	if (external) {
		char path[PATH_LEN];
		struct fwp_buf s = {0};
		snprintf(path, sizeof(path), "%s/%s.sig", b->o->signature_dir, p->name);
		rc = fwp_file_read(path, 4096, &s, b->err);
		if (rc == FWP_OK && (rc = fwp_ecdsa_sig_decode(s.data, s.len, sig, b->err)) < 0)
			fwp_err_prefix(b->err, path);
		if (rc == FWP_OK && (rc = fwp_ecdsa_verify_digest(key, p->digest, sig, b->err)) < 0)
			fwp_fail(b->err, rc,
				 "%s: signature does not verify with %s over the digest of %s",
				 path, b->m->images[p->image].key, p->name);
		fwp_buf_free(&s);
	} else {
		rc = fwp_ecdsa_sign_digest(key, p->digest, sig, b->err);
	}
	if (rc == FWP_OK && keyhash)
		rc = fwp_key_hash(key, keyhash, b->err);
	fwp_key_free(key);
	return rc;
}

/* ---- formats ---- */

/* The vector table must lie in the payload [start, start + len) and suit VTOR. */
static int check_vector(struct build *b, const struct part *p, uint32_t start, size_t len,
			uint32_t vector, int strict)
{
	const struct fwp_image_spec *im = &b->m->images[p->image];
	uint32_t align = fwp_vector_alignment(im->vector_table_size);
	const char *key = im->has_vector_addr ? "vector_address" : "input";
	char msg[600];
	if (vector < start || (uint64_t)vector + 8 > (uint64_t)start + len) {
		snprintf(msg, sizeof(msg),
			 "vector table at 0x%08x is outside the payload (0x%08x..0x%08llx)", vector,
			 start, (unsigned long long)start + len - 1);
		return mfail(b, p->image, key, FWP_ERR_RANGE, msg);
	}
	if (vector % align == 0)
		return FWP_OK;
	snprintf(msg, sizeof(msg),
		 "vector table at 0x%08x is not aligned to %u bytes: VTOR needs a %u-byte "
		 "table on a boundary of the next power of two of its size, at least 128 "
		 "(link the image at a slot address + header size that is a multiple of %u)",
		 vector, align, im->vector_table_size, align);
	if (strict)
		return mfail(b, p->image, key, FWP_ERR_RANGE, msg);
	if (b->o->warn)
		fprintf(b->o->warn, "fwpack: warning: %s: %s\n", im->name, msg);
	return FWP_OK;
}

static int format_fwpack(struct build *b, struct part *p, const struct fwp_elf *elf)
{
	const struct fwp_image_spec *im = &b->m->images[p->image];
	const struct fwp_slot *sl = &b->m->slots[p->slot];
	struct fwp_image_params ip = {0};
	uint8_t sig[64], kh[32];
	int rc;

	ip.type = im->type;
	ip.version = im->version;
	ip.security_counter = im->security_counter;
	ip.slot_addr = sl->addr;
	ip.load_addr = p->start;
	ip.payload = p->payload.data;
	ip.payload_len = p->payload.len;
	if (p->primary) {
		ip.flags = im->confirmed ? FWP_IMAGE_F_CONFIRMED : 0;
		ip.vector_addr = im->has_vector_addr    ? im->vector_addr
				 : elf->has_vector_addr ? elf->vector_addr
							: p->start;
		/* The build ID names the whole ELF: record it once, in the part that runs. */
		ip.build_id = elf->build_id_len ? elf->build_id : NULL;
		ip.build_id_len = elf->build_id_len;
	} else {
		ip.flags = FWP_IMAGE_F_DATA;
	}
	/* Room for the header first: without it the vector check means nothing. */
	if ((rc = fwp_image_begin(&ip, &p->out, p->digest, b->err)) < 0) {
		if (p->start - sl->addr >= FWP_IMAGE_HDR_LEN)
			return mfail(b, p->image, "input", rc, b->err->msg);
		/* Where to link instead: room for the header, and VTOR's alignment. */
		uint32_t room = fwp_vector_alignment(im->vector_table_size);
		char msg[900];
		snprintf(msg, sizeof(msg),
			 "%s: link the firmware after the header, e.g. at 0x%08x (FLASH ORIGIN = "
			 "slot address + 0x%x in the linker script)",
			 b->err->msg, sl->addr + room, room);
		return mfail(b, p->image, "input", rc, msg);
	}
	if (p->primary &&
	    (rc = check_vector(b, p, p->start, p->payload.len, ip.vector_addr, 1)) < 0)
		return rc;
	p->have_digest = 1;
	p->out_addr = sl->addr;
	if (b->o->digest_dir)
		return FWP_OK;
	if ((rc = sign_part(b, p, FWP_CURVE_P256, sig, kh)) < 0)
		return rc;
	return fwp_image_finish(&p->out, p->digest, kh, sig, b->err);
}

static int format_cookbook(struct build *b, struct part *p, const struct fwp_elf *elf)
{
	const struct fwp_image_spec *im = &b->m->images[p->image];
	const struct fwp_slot *sl = &b->m->slots[p->slot];
	struct fwp_cb_params cp = {0};
	uint32_t hlen;
	char msg[600];
	int rc;

	cp.hdr_version = im->format == FWP_FORMAT_COOKBOOK_V2 ? 2 : 1;
	hlen = cp.hdr_version == 2 ? FWP_CB_V2_HDR_LEN : FWP_CB_V1_HDR_LEN;
	cp.data = p->payload.data;
	cp.data_len = p->payload.len;
	if (p->start == sl->addr && p->payload.len >= hlen) {
		/* The firmware links a placeholder header at the slot start: replace it. */
		cp.data += hlen;
		cp.data_len -= hlen;
	} else if (p->start != sl->addr + hlen) {
		snprintf(msg, sizeof(msg),
			 "%s data must start at the slot address 0x%08x (over a header "
			 "placeholder) or right after the %u-byte header at 0x%08x; %s starts at "
			 "0x%08x",
			 fwp_format_name(im->format), sl->addr, hlen, sl->addr + hlen, im->input,
			 p->start);
		return mfail(b, p->image, "input", FWP_ERR_RANGE, msg);
	}
	cp.image_type = (uint8_t)im->type;
	cp.major = im->version.major;
	cp.minor = im->version.minor;
	cp.patch = (uint8_t)im->version.patch;
	/* Where the ELF links it, else where the Cookbook's linker scripts put it. */
	cp.vector_addr = im->has_vector_addr    ? im->vector_addr
			 : elf->has_vector_addr ? elf->vector_addr
						: sl->addr + FWP_CB_VECTOR_ALIGN;
	memcpy(cp.git_sha, im->git_sha, sizeof(cp.git_sha));
	/* The cookbook's bootloader expects its layout: warn, do not refuse. */
	if ((rc = check_vector(b, p, sl->addr + hlen, cp.data_len, cp.vector_addr, 0)) < 0)
		return rc;
	if ((rc = fwp_cb_begin(&cp, &p->out, p->digest, b->err)) < 0)
		return rc;
	p->out_addr = sl->addr;
	if (cp.hdr_version == 1)
		return FWP_OK;
	p->have_digest = 1;
	if (b->o->digest_dir)
		return FWP_OK;
	uint8_t sig[64];
	if ((rc = sign_part(b, p, FWP_CURVE_SECP256K1, sig, NULL)) < 0)
		return rc;
	fwp_cb_set_signature(&p->out, sig);
	return FWP_OK;
}

static int format_part(struct build *b, struct part *p, const struct fwp_elf *elf)
{
	const struct fwp_image_spec *im = &b->m->images[p->image];
	const struct fwp_slot *sl = &b->m->slots[p->slot];
	char msg[600];
	int rc;

	switch (im->format) {
	case FWP_FORMAT_FWPACK:
		rc = format_fwpack(b, p, elf);
		break;
	case FWP_FORMAT_RAW:
		rc = fwp_buf_append(&p->out, p->payload.data, p->payload.len, b->err);
		p->out_addr = p->start;
		break;
	default:
		rc = format_cookbook(b, p, elf);
		break;
	}
	if (rc < 0 || (b->o->digest_dir && p->have_digest))
		return rc;
	if ((rc = fwp_pad_to(&p->out, sl->alignment, sl->fill, b->err)) < 0)
		return rc;
	uint64_t end = (uint64_t)p->out_addr + p->out.len;
	if (end > (uint64_t)sl->addr + sl->size) {
		snprintf(msg, sizeof(msg),
			 "image %s is %zu bytes from 0x%08x, larger than slot %s (%u bytes at "
			 "0x%08x) by %llu bytes",
			 p->name, p->out.len, p->out_addr, sl->name, sl->size, sl->addr,
			 (unsigned long long)(end - sl->addr - sl->size));
		return mfail(b, p->image, "slot", FWP_ERR_RANGE, msg);
	}
	return FWP_OK;
}

/* ---- outputs ---- */

static int add_file(struct build *b, const char *dir, const char *name, const char *ext,
		    struct fwp_buf *data)
{
	struct outfile *f = realloc(b->files, (b->nfiles + 1) * sizeof(*f));
	if (!f) {
		fwp_buf_free(data);
		return fwp_fail(b->err, FWP_ERR_NOMEM, "out of memory");
	}
	b->files = f;
	f = &b->files[b->nfiles];
	size_t n = strlen(dir) + strlen(name) + strlen(ext) + 3;
	f->path = malloc(n);
	if (!f->path) {
		fwp_buf_free(data);
		return fwp_fail(b->err, FWP_ERR_NOMEM, "out of memory");
	}
	snprintf(f->path, n, "%s/%s%s", dir, name, ext);
	for (size_t k = 0; k < b->nfiles; k++)
		if (strcmp(b->files[k].path, f->path) == 0) {
			int rc = fwp_fail(b->err, FWP_ERR_ARG,
					  "%s: two outputs of this manifest have that name",
					  f->path);
			free(f->path);
			fwp_buf_free(data);
			return rc;
		}
	f->data = *data;
	f->mode = 0644;
	memset(data, 0, sizeof(*data));
	b->nfiles++;
	return FWP_OK;
}

/* Queue the bin/hex/srec files of one block of bytes at addr. */
static int add_outputs(struct build *b, const char *name, unsigned outputs, uint32_t addr,
		       const struct fwp_buf *bytes)
{
	struct fwp_chunk ch = {addr, bytes->data, bytes->len};
	int rc = FWP_OK;
	if (outputs & FWP_OUT_BIN) {
		struct fwp_buf copy = {0};
		if ((rc = fwp_buf_append(&copy, bytes->data, bytes->len, b->err)) < 0 ||
		    (rc = add_file(b, b->o->out_dir, name, ".bin", &copy)) < 0)
			return rc;
	}
	if (outputs & FWP_OUT_HEX) {
		struct fwp_buf t = {0};
		if ((rc = fwp_ihex_write(&ch, 1, 0, 0, &t, b->err)) < 0) {
			fwp_buf_free(&t);
			return rc;
		}
		if ((rc = add_file(b, b->o->out_dir, name, ".hex", &t)) < 0)
			return rc;
	}
	if (outputs & FWP_OUT_SREC) {
		struct fwp_buf t = {0};
		if ((rc = fwp_srec_write(&ch, 1, name, 0, &t, b->err)) < 0) {
			fwp_buf_free(&t);
			return rc;
		}
		rc = add_file(b, b->o->out_dir, name, ".srec", &t);
	}
	return rc;
}

static int add_digest(struct build *b, const struct part *p)
{
	struct fwp_buf d = {0};
	int rc = fwp_buf_append(&d, p->digest, sizeof(p->digest), b->err);
	if (rc < 0)
		return rc;
	return add_file(b, b->o->digest_dir, p->name, ".digest", &d);
}

static int in_factory(const struct fwp_factory *f, const struct part *p)
{
	for (size_t j = 0; j < f->nimages; j++)
		if (f->images[j] == p->image)
			return 1;
	return 0;
}

/* Merge the parts of factory fi that lie in region r into one block at lo. */
static int merge_region(struct build *b, size_t fi, size_t r, const char *name)
{
	const struct fwp_manifest *m = b->m;
	const struct fwp_factory *f = &m->factories[fi];
	const struct part **placed = calloc(b->nparts, sizeof(*placed));
	struct fwp_buf img = {0};
	uint64_t lo = UINT64_MAX, hi = 0;
	size_t nplaced = 0;
	int rc = FWP_OK;

	if (!placed)
		return fwp_fail(b->err, FWP_ERR_NOMEM, "out of memory");
	for (size_t k = 0; k < b->nparts && rc == FWP_OK; k++) {
		const struct part *p = &b->parts[k];
		if (!in_factory(f, p) || m->slots[p->slot].region != r)
			continue;
		for (size_t q = 0; q < nplaced; q++) {
			const struct part *o = placed[q];
			if (p->out_addr < o->out_addr + o->out.len &&
			    o->out_addr < p->out_addr + p->out.len) {
				char path[64];
				snprintf(path, sizeof(path), "factory[%zu].images", fi);
				rc = fwp_manifest_fail(m, b->err, FWP_ERR_RANGE, path,
						       "%s (0x%08x..) and %s (0x%08x..) overlap",
						       p->name, p->out_addr, o->name, o->out_addr);
				break;
			}
		}
		placed[nplaced++] = p;
		if (p->out_addr < lo)
			lo = p->out_addr;
		if (p->out_addr + p->out.len > hi)
			hi = p->out_addr + p->out.len;
	}
	if (rc == FWP_OK && nplaced)
		rc = fwp_buf_fill(&img, m->regions[r].fill, (size_t)(hi - lo), b->err);
	if (rc == FWP_OK && nplaced) {
		for (size_t q = 0; q < nplaced; q++)
			memcpy(img.data + (placed[q]->out_addr - lo), placed[q]->out.data,
			       placed[q]->out.len);
		rc = add_outputs(b, name, f->outputs, (uint32_t)lo, &img);
	}
	fwp_buf_free(&img);
	free(placed);
	return rc;
}

/* Merge the parts of a factory's images, one file per memory region. */
static int build_factory(struct build *b, size_t fi)
{
	const struct fwp_manifest *m = b->m;
	const struct fwp_factory *f = &m->factories[fi];
	int used[FWP_MAX_REGIONS] = {0};
	size_t nused = 0;

	/* Name the files after the region only when there are several. */
	for (size_t r = 0; r < m->nregions; r++)
		for (size_t k = 0; k < b->nparts; k++)
			if (in_factory(f, &b->parts[k]) && m->slots[b->parts[k].slot].region == r) {
				used[r] = 1;
				nused++;
				break;
			}
	for (size_t r = 0; r < m->nregions; r++) {
		char name[2 * FWP_NAME_MAX + 2];
		if (!used[r])
			continue;
		if (nused > 1)
			snprintf(name, sizeof(name), "%s-%s", f->name, m->regions[r].name);
		else
			snprintf(name, sizeof(name), "%s", f->name);
		int rc = merge_region(b, fi, r, name);
		if (rc < 0)
			return rc;
	}
	return FWP_OK;
}

static int build_image(struct build *b, size_t i)
{
	struct fwp_elf elf;
	size_t first = b->nparts;
	int rc = read_input(b, i, &elf);
	if (rc < 0)
		return rc;
	rc = split_image(b, i, &elf);
	if (rc == FWP_OK && b->nparts - first > 1 &&
	    (b->m->images[i].format == FWP_FORMAT_COOKBOOK_V1 ||
	     b->m->images[i].format == FWP_FORMAT_COOKBOOK_V2))
		rc = mfail(b, i, "format", FWP_ERR_UNSUPPORTED,
			   "a cookbook image describes one memory region, but the input has "
			   "parts in several");
	for (size_t k = first; rc == FWP_OK && k < b->nparts; k++)
		rc = format_part(b, &b->parts[k], &elf);
	fwp_elf_free(&elf);
	return rc;
}

/* All outputs as one set: they appear together or not at all. */
static int write_all(struct build *b)
{
	struct fwp_out_file *set = calloc(b->nfiles ? b->nfiles : 1, sizeof(*set));
	if (!set)
		return fwp_fail(b->err, FWP_ERR_NOMEM, "out of memory");
	for (size_t k = 0; k < b->nfiles; k++) {
		struct outfile *f = &b->files[k];
		set[k] = (struct fwp_out_file){f->path, f->data.data, f->data.len, f->mode};
	}
	int rc = fwp_files_write_atomic(set, b->nfiles, b->err);
	free(set);
	for (size_t k = 0; rc == FWP_OK && b->o->log && k < b->nfiles; k++)
		fprintf(b->o->log, "wrote %s (%zu bytes)\n", b->files[k].path, b->files[k].data.len);
	return rc;
}

static int queue_outputs(struct build *b)
{
	int rc = FWP_OK;
	for (size_t k = 0; rc == FWP_OK && k < b->nparts; k++) {
		struct part *p = &b->parts[k];
		if (b->o->digest_dir) {
			if (p->have_digest)
				rc = add_digest(b, p);
			continue;
		}
		rc = add_outputs(b, p->name, b->m->images[p->image].outputs, p->out_addr, &p->out);
	}
	for (size_t fi = 0; rc == FWP_OK && !b->o->digest_dir && fi < b->m->nfactories; fi++)
		rc = build_factory(b, fi);
	return rc;
}

int fwp_build(const struct fwp_manifest *m, const struct fwp_build_opts *opts,
	      struct fwp_err *err)
{
	struct build b = {m, opts, err, NULL, 0, NULL, 0};
	int rc = FWP_OK;
	if (opts->digest_dir && opts->signature_dir)
		return fwp_fail(err, FWP_ERR_USAGE,
				"--digest-dir and --signature-dir are two steps: give one");
	for (size_t i = 0; rc == FWP_OK && i < m->nimages; i++)
		rc = build_image(&b, i);
	if (rc == FWP_OK)
		rc = queue_outputs(&b);
	if (rc == FWP_OK)
		rc = write_all(&b);
	for (size_t k = 0; k < b.nparts; k++) {
		fwp_buf_free(&b.parts[k].payload);
		fwp_buf_free(&b.parts[k].out);
	}
	for (size_t k = 0; k < b.nfiles; k++) {
		free(b.files[k].path);
		fwp_buf_free(&b.files[k].data);
	}
	free(b.parts);
	free(b.files);
	return rc;
}

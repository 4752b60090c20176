/* .dfu file parsing: DFU suffix and the DfuSe container (see dfufile.h). */
#include <stdlib.h>
#include <string.h>

#include "dfufile.h"
#include "fwpack/image.h"
#include "util.h"

uint32_t fwp_dfu_crc(const uint8_t *data, size_t len)
{
	/* The suffix keeps the register as it is, zlib returns it inverted. */
	return ~fwp_crc32(data, len);
}

static int parse_suffix(const uint8_t *d, size_t len, struct fwp_dfu_file *f, struct fwp_err *err)
{
	if (len < FWP_DFU_SUFFIX_LEN)
		return FWP_OK;
	const uint8_t *s = d + len - FWP_DFU_SUFFIX_LEN;
	/* The signature is stored reversed: "UFD" for "DFU". */
	if (memcmp(s + 8, "UFD", 3) != 0)
		return FWP_OK;
	if (s[11] < FWP_DFU_SUFFIX_LEN || s[11] > len)
		return fwp_fail(err, FWP_ERR_FORMAT, "DFU suffix: bLength %u is impossible", s[11]);
	uint32_t want = fwp_le32(s + 12), got = fwp_dfu_crc(d, len - 4);
	if (want != got)
		return fwp_fail(err, FWP_ERR_FORMAT,
				"DFU suffix: CRC is 0x%08x, the file's bytes give 0x%08x", want, got);
	f->has_suffix = 1;
	f->bcd_device = fwp_le16(s);
	f->pid = fwp_le16(s + 2);
	f->vid = fwp_le16(s + 4);
	f->bcd_dfu = fwp_le16(s + 6);
	/* A longer suffix (bLength > 16) carries vendor bytes in front of ours. */
	f->payload_len = len - s[11];
	return FWP_OK;
}

/*
 * file_len is the whole file, suffix included. DFUImageSize counts either:
 * ST's UM0391 (and dfuse-pack since dfu-util 0.10) the whole file, older
 * tools (and dfu-util 0.9's dfuse-pack) the bytes before the suffix.
 * dfu-util ignores the field; fwpack accepts exactly these two.
 */
static int parse_dfuse(struct fwp_dfu_file *f, size_t file_len, struct fwp_err *err)
{
	const uint8_t *d = f->payload;
	size_t len = f->payload_len, off = FWP_DFUSE_PREFIX_LEN;
	if (len < FWP_DFUSE_PREFIX_LEN)
		return fwp_fail(err, FWP_ERR_FORMAT, "DfuSe prefix: %zu bytes, 11 needed", len);
	if (d[5] != 1)
		return fwp_fail(err, FWP_ERR_FORMAT, "DfuSe prefix: version %u, only 1 is known", d[5]);
	uint32_t image_size = fwp_le32(d + 6);
	if (image_size != file_len && image_size != len)
		return fwp_fail(err, FWP_ERR_FORMAT,
				"DfuSe prefix: DFUImageSize %u, but the file is %zu bytes "
				"(%zu before its suffix)",
				image_size, file_len, len);
	f->ntargets = d[10];
	if (f->ntargets == 0 || f->ntargets > FWP_DFUSE_MAX_TARGETS)
		return fwp_fail(err, FWP_ERR_FORMAT, "DfuSe prefix: %u targets (1 to %d)", f->ntargets,
				FWP_DFUSE_MAX_TARGETS);
	for (unsigned t = 0; t < f->ntargets; t++) {
		if (len - off < FWP_DFUSE_TARGET_LEN)
			return fwp_fail(err, FWP_ERR_FORMAT,
					"DfuSe target %u at offset %zu: truncated", t, off);
		const uint8_t *tp = d + off;
		if (memcmp(tp, "Target", 6) != 0)
			return fwp_fail(err, FWP_ERR_FORMAT,
					"DfuSe target %u at offset %zu: no \"Target\" signature", t, off);
		uint8_t alt = tp[6];
		uint32_t tsize = fwp_le32(tp + 266), nel = fwp_le32(tp + 270);
		off += FWP_DFUSE_TARGET_LEN;
		if (tsize > len - off)
			return fwp_fail(err, FWP_ERR_FORMAT,
					"DfuSe target %u: dwTargetSize %u, only %zu bytes left", t,
					tsize, len - off);
		if (nel > FWP_DFUSE_MAX_ELEMENTS - f->nelements)
			return fwp_fail(err, FWP_ERR_FORMAT, "DfuSe target %u: %u elements (at most %d in all)",
					t, nel, FWP_DFUSE_MAX_ELEMENTS);
		size_t end = off + tsize;
		struct fwp_dfu_element *e =
			realloc(f->elements, (f->nelements + nel + 1) * sizeof(*e));
		if (!e)
			return fwp_fail(err, FWP_ERR_NOMEM, "out of memory");
		f->elements = e;
		for (uint32_t i = 0; i < nel; i++) {
			if (end - off < 8)
				return fwp_fail(err, FWP_ERR_FORMAT,
						"DfuSe target %u element %u at offset %zu: truncated header",
						t, i, off);
			struct fwp_dfu_element *el = &f->elements[f->nelements];
			el->alt = alt;
			el->addr = fwp_le32(d + off);
			el->size = fwp_le32(d + off + 4);
			off += 8;
			if (el->size > end - off)
				return fwp_fail(err, FWP_ERR_FORMAT,
						"DfuSe target %u element %u: %u bytes, only %zu left in the target",
						t, i, el->size, end - off);
			if (el->size && el->addr > UINT32_MAX - (el->size - 1))
				return fwp_fail(err, FWP_ERR_FORMAT,
						"DfuSe target %u element %u: 0x%08x + %u passes 4 GiB", t,
						i, el->addr, el->size);
			el->data = d + off;
			off += el->size;
			f->nelements++;
		}
		if (off != end)
			return fwp_fail(err, FWP_ERR_FORMAT,
					"DfuSe target %u: %zu bytes after its last element", t, end - off);
	}
	if (off != len)
		return fwp_fail(err, FWP_ERR_FORMAT, "DfuSe file: %zu bytes after the last target",
				len - off);
	return FWP_OK;
}

int fwp_dfu_file_parse(const uint8_t *data, size_t len, struct fwp_dfu_file *out,
		       struct fwp_err *err)
{
	memset(out, 0, sizeof(*out));
	out->vid = out->pid = out->bcd_device = 0xffff;
	out->payload = data;
	out->payload_len = len;
	int rc = parse_suffix(data, len, out, err);
	if (rc < 0)
		return rc;
	if (out->payload_len >= 5 && memcmp(out->payload, "DfuSe", 5) == 0) {
		out->dfuse = 1;
		rc = parse_dfuse(out, len, err);
	}
	return rc;
}

void fwp_dfu_file_free(struct fwp_dfu_file *f)
{
	free(f->elements);
	f->elements = NULL;
	f->nelements = 0;
}

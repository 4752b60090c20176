/* Writing provisioning images: the record, then an ordinary signed image around it. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fwc_prov.h"
#include "fwpack/protocol.h"
#include "fwpack/verdict.h"
#include "provimage.h"
#include "slotimage.h"

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct fwp_prov_field *)a)->name,
		      ((const struct fwp_prov_field *)b)->name);
}

static int put_record(struct fwp_buf *out, uint16_t tag, const void *a, size_t alen,
		      const void *b, size_t blen, struct fwp_err *err)
{
	uint8_t h[FWP_TLV_HDR_LEN];
	fwp_put_le16(h, tag);
	fwp_put_le16(h + 2, (uint16_t)(alen + blen));
	int rc;
	if ((rc = fwp_buf_append(out, h, sizeof(h), err)) < 0 ||
	    (rc = fwp_buf_append(out, a, alen, err)) < 0 ||
	    (blen && (rc = fwp_buf_append(out, b, blen, err)) < 0))
		return rc;
	return FWP_OK;
}

static int check_field(const struct fwp_prov_field *f, struct fwp_err *err)
{
	size_t nl = strlen(f->name), vl = strlen(f->value);
	static const char name_chars[] = "abcdefghijklmnopqrstuvwxyz0123456789_";
	if (nl < 1 || nl > FWP_PROV_NAME_MAX || strspn(f->name, name_chars) != nl)
		return fwp_fail(err, FWP_ERR_ARG,
				"provisioning field name '%s': 1..%u characters of a-z, 0-9, _",
				f->name, FWP_PROV_NAME_MAX);
	if (vl < 1 || vl > FWP_PROV_VALUE_MAX)
		return fwp_fail(err, FWP_ERR_ARG,
				"provisioning field %s: value of %zu characters (1..%u)", f->name, vl,
				FWP_PROV_VALUE_MAX);
	for (size_t i = 0; i < vl; i++)
		if ((unsigned char)f->value[i] < 0x20 || (unsigned char)f->value[i] > 0x7E)
			return fwp_fail(err, FWP_ERR_ARG,
					"provisioning field %s: character %zu of its value is not "
					"printable ASCII",
					f->name, i + 1);
	return FWP_OK;
}

int fwp_prov_record(const struct fwp_prov_params *p, struct fwp_buf *out, struct fwp_err *err)
{
	uint8_t ver[2];
	int rc;
	if (p->uid_len < 1 || p->uid_len > FWP_UID_MAX)
		return fwp_fail(err, FWP_ERR_ARG,
				"provisioning record: unique ID of %zu bytes (1..%u)", p->uid_len,
				FWP_UID_MAX);
	struct fwp_prov_field *sorted = calloc(p->nfields ? p->nfields : 1, sizeof(*sorted));
	if (!sorted)
		return fwp_fail(err, FWP_ERR_NOMEM, "out of memory");
	memcpy(sorted, p->fields, p->nfields * sizeof(*sorted));
	qsort(sorted, p->nfields, sizeof(*sorted), by_name);
	fwp_put_le16(ver, FWP_PROV_VERSION);
	rc = fwp_buf_append(out, ver, sizeof(ver), err);
	if (rc == FWP_OK)
		rc = put_record(out, FWP_PROV_UID, p->uid, p->uid_len, NULL, 0, err);
	for (size_t i = 0; rc == FWP_OK && i < p->nfields; i++) {
		uint8_t nl = (uint8_t)strlen(sorted[i].name);
		if ((rc = check_field(&sorted[i], err)) < 0)
			break;
		if (i && strcmp(sorted[i].name, sorted[i - 1].name) == 0) {
			rc = fwp_fail(err, FWP_ERR_ARG, "provisioning field %s given twice",
				      sorted[i].name);
			break;
		}
		struct fwp_buf f = {0};
		if ((rc = fwp_buf_append(&f, &nl, 1, err)) == FWP_OK &&
		    (rc = fwp_buf_append(&f, sorted[i].name, nl, err)) == FWP_OK)
			rc = put_record(out, FWP_PROV_FIELD, f.data, f.len, sorted[i].value,
					strlen(sorted[i].value), err);
		fwp_buf_free(&f);
	}
	free(sorted);
	if (rc < 0)
		return rc;
	if (out->len > FWP_PROV_MAX)
		return fwp_fail(err, FWP_ERR_RANGE,
				"provisioning record of %zu bytes is larger than %u", out->len,
				FWP_PROV_MAX);
	/* What the Loader will read: refused here rather than on the line. */
	struct fwc_source src = {fwp_buf_read, out, 0, (uint32_t)out->len};
	struct fwc_result r;
	if (fwc_prov_check(&src, 0, (uint32_t)out->len, NULL, NULL, &r) != FWC_OK)
		return fwp_fail(err, FWP_ERR_ARG,
				"provisioning record: the device's reader refuses it at offset %u",
				r.off);
	return FWP_OK;
}

int fwp_prov_image(const struct fwp_prov_params *p, struct fwp_key *key, struct fwp_buf *out,
		   struct fwp_err *err)
{
	struct fwp_buf rec = {0};
	uint8_t digest[32], sig[64], kh[32];
	int rc = fwp_prov_record(p, &rec, err);
	if (rc == FWP_OK) {
		/* Data, never code: no vector table, and the flag that says so. */
		struct fwp_image_params ip = {0};
		ip.type = FWP_IMAGE_TYPE_PROVISIONING;
		ip.flags = FWP_IMAGE_F_DATA;
		ip.version = p->version;
		ip.security_counter = p->security_counter;
		ip.slot_addr = p->slot_addr;
		ip.load_addr = p->slot_addr + FWP_IMAGE_HDR_LEN;
		ip.payload = rec.data;
		ip.payload_len = rec.len;
		if ((rc = fwp_image_begin(&ip, out, digest, err)) == FWP_OK &&
		    (rc = fwp_ecdsa_sign_digest(key, digest, sig, err)) == FWP_OK &&
		    (rc = fwp_key_hash(key, kh, err)) == FWP_OK)
			rc = fwp_image_finish(out, digest, kh, sig, err);
	}
	fwp_buf_free(&rec);
	return rc;
}

int fwp_prov_check_board(const uint8_t *data, size_t len, const char *uid, struct fwp_err *err)
{
	struct fwp_image_info info;
	struct fwp_err ignored;
	if (!uid[0] || fwp_image_parse(data, len, &info, &ignored) < 0 ||
	    info.hdr.image_type != FWP_IMAGE_TYPE_PROVISIONING)
		return FWP_OK;
	struct fwp_buf file = {(uint8_t *)(uintptr_t)data, len, 0};
	struct fwc_source src = {fwp_buf_read, &file, 0, (uint32_t)len};
	struct fwc_result r;
	char its[2 * FWP_UID_MAX + 1];
	if (fwc_prov_check(&src, info.hdr.hdr_size, info.hdr.payload_size, NULL, NULL, &r) !=
	    FWC_OK)
		return FWP_OK; /* not well formed: the Loader says why */
	fwp_hex(r.prov_uid, r.prov_uid_len, its);
	if (strcasecmp(its, uid) == 0)
		return FWP_OK;
	return fwp_fail(err, FWP_ERR_REFUSED,
			"not sent: %s (its UID %s; UID %s is this board): the board keeps the "
			"record it has",
			fwp_verdict_name(FWC_WRONG_BOARD), its, uid);
}

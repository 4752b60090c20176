/* Describing fwpack and cookbook images for `fwpack inspect`. */
#include <string.h>

#include "cbimage.h"
#include "describe.h"
#include "fwc_prov.h"
#include "fwpack/image.h"
#include "manifest.h" /* fwp_image_type_name */
#include "slotimage.h"
#include "util.h"

static void add_hex(cJSON *o, const char *key, const uint8_t *p, size_t n)
{
	char buf[2 * 256 + 1];
	if (n > 256)
		n = 256;
	fwp_hex(p, n, buf);
	cJSON_AddStringToObject(o, key, buf);
}

static int add_field(void *ctx, const struct fwc_prov_field *f)
{
	cJSON_AddStringToObject(ctx, f->name, f->value);
	return 0;
}

/* A provisioning image's board and fields, read by the device's own reader. */
static void describe_record(cJSON *o, const struct fwp_image_info *info)
{
	/* Read only: the buffer's bytes are the caller's. */
	struct fwp_buf file = {(uint8_t *)(uintptr_t)info->data, info->len, 0};
	struct fwc_source src = {fwp_buf_read, &file, 0, (uint32_t)info->len};
	struct fwc_result r;
	char uid[2 * FWP_UID_MAX + 1];
	cJSON *fields = cJSON_CreateObject();
	if (!fields)
		return;
	if (fwc_prov_check(&src, info->hdr.hdr_size, info->hdr.payload_size, add_field, fields,
			   &r) != FWC_OK) {
		cJSON_Delete(fields);
		return;
	}
	fwp_hex(r.prov_uid, r.prov_uid_len, uid);
	cJSON_AddStringToObject(o, "uid", uid);
	cJSON_AddItemToObject(o, "fields", fields);
}

static void describe_fwpack(cJSON *o, const struct fwp_image_info *info, int parsed)
{
	const struct fwp_image_header *h = &info->hdr;
	char ver[48];
	cJSON_AddStringToObject(o, "format", "fwpack");
	cJSON_AddNumberToObject(o, "magic", h->magic);
	cJSON_AddNumberToObject(o, "hdr_version", h->hdr_version);
	cJSON_AddNumberToObject(o, "hdr_size", h->hdr_size);
	cJSON_AddNumberToObject(o, "image_type", h->image_type);
	cJSON_AddStringToObject(o, "image_type_name",
				h->image_type == FWP_IMAGE_TYPE_PROVISIONING
					? "provisioning" /* not a manifest image type */
					: fwp_image_type_name(h->image_type));
	cJSON_AddNumberToObject(o, "flags", h->flags);
	cJSON_AddBoolToObject(o, "confirmed", (h->flags & FWP_IMAGE_F_CONFIRMED) != 0);
	snprintf(ver, sizeof(ver), "%u.%u.%u+%u", h->version.major, h->version.minor,
		 h->version.patch, (unsigned)h->version.build);
	cJSON_AddStringToObject(o, "version", ver);
	cJSON_AddNumberToObject(o, "security_counter", h->security_counter);
	cJSON_AddNumberToObject(o, "load_addr", h->load_addr);
	cJSON_AddNumberToObject(o, "vector_addr", h->vector_addr);
	cJSON_AddNumberToObject(o, "payload_size", h->payload_size);
	cJSON_AddNumberToObject(o, "payload_crc32", h->payload_crc32);
	cJSON_AddNumberToObject(o, "protected_tlv_size", h->protected_tlv_size);
	cJSON_AddNumberToObject(o, "header_crc32", h->header_crc32);
	if (!parsed)
		return;
	cJSON_AddNumberToObject(o, "trailer_offset", (double)info->trailer_off);
	cJSON_AddNumberToObject(o, "image_end", (double)info->end);
	cJSON *arr = cJSON_AddArrayToObject(o, "tlvs");
	for (size_t i = 0; arr && i < info->ntlvs; i++) {
		const struct fwp_tlv *t = &info->tlvs[i];
		cJSON *e = cJSON_CreateObject();
		if (!e)
			break;
		cJSON_AddNumberToObject(e, "type", t->type);
		cJSON_AddStringToObject(e, "name", fwp_tlv_name(t->type));
		cJSON_AddNumberToObject(e, "len", t->len);
		cJSON_AddBoolToObject(e, "protected", t->protected_area);
		add_hex(e, "value", t->value, t->len);
		cJSON_AddItemToArray(arr, e);
	}
	if (h->image_type == FWP_IMAGE_TYPE_PROVISIONING)
		describe_record(o, info);
}

static void describe_cookbook(cJSON *o, const struct fwp_cb_info *cb)
{
	char ver[32];
	cJSON_AddStringToObject(o, "format", cb->hdr_version == 2 ? "cookbook-v2" : "cookbook-v1");
	cJSON_AddNumberToObject(o, "magic", FWP_CB_MAGIC);
	cJSON_AddNumberToObject(o, "hdr_version", cb->hdr_version);
	cJSON_AddNumberToObject(o, "crc", cb->crc);
	cJSON_AddNumberToObject(o, "data_size", cb->data_size);
	cJSON_AddNumberToObject(o, "image_type", cb->image_type);
	snprintf(ver, sizeof(ver), "%u.%u.%u", cb->major, cb->minor, cb->patch);
	cJSON_AddStringToObject(o, "version", ver);
	cJSON_AddNumberToObject(o, "vector_addr", cb->vector_addr);
	cJSON_AddNumberToObject(o, "reserved", cb->reserved);
	cJSON_AddStringToObject(o, "git_sha", cb->git_sha);
	if (cb->sig)
		add_hex(o, "ecdsa_sig", cb->sig, FWP_CB_SIG_LEN);
}

cJSON *fwp_describe_image(const char *path, const uint8_t *data, size_t len, int *rc,
			  struct fwp_err *err)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "file", path);
	cJSON_AddNumberToObject(o, "file_size", (double)len);
	if (fwp_cb_detect(data, len)) {
		struct fwp_cb_info cb;
		*rc = fwp_cb_parse(data, len, &cb, err);
		describe_cookbook(o, &cb);
		if (*rc == FWP_OK)
			cJSON_AddStringToObject(o, "checked", cb.hdr_version == 2
					? "data CRC; signature: fwpack verify --key"
					: "data CRC (a v1 image carries no signature)");
	} else {
		struct fwp_image_info info;
		*rc = fwp_image_parse(data, len, &info, err);
		/* What the device checks before a key: inspect says as much, no more. */
		if (*rc == FWP_OK)
			*rc = fwp_image_verify(&info, NULL, err);
		if (len >= FWP_IMAGE_HDR_LEN)
			describe_fwpack(o, &info, info.end != 0);
		if (*rc == FWP_OK)
			cJSON_AddStringToObject(o, "checked", "header CRC, payload CRC, TLVs, digest; "
							      "signature: fwpack verify --key");
	}
	if (*rc < 0)
		cJSON_AddStringToObject(o, "error", err->msg);
	return o;
}

static int is_hex_key(const char *k)
{
	static const char *const keys[] = {"magic", "flags", "load_addr", "vector_addr",
					   "payload_crc32", "header_crc32", "crc", "type", NULL};
	for (const char *const *p = keys; *p; p++)
		if (strcmp(*p, k) == 0)
			return 1;
	return 0;
}

static void print_value(const cJSON *v, FILE *out)
{
	if (cJSON_IsString(v))
		fprintf(out, "%s", v->valuestring);
	else if (cJSON_IsBool(v))
		fprintf(out, "%s", cJSON_IsTrue(v) ? "yes" : "no");
	else if (cJSON_IsNumber(v) && is_hex_key(v->string))
		fprintf(out, "0x%08llx", (unsigned long long)v->valuedouble);
	else if (cJSON_IsNumber(v))
		fprintf(out, "%llu", (unsigned long long)v->valuedouble);
}

void fwp_describe_print(const cJSON *desc, FILE *out)
{
	for (const cJSON *v = desc->child; v; v = v->next) {
		if (cJSON_IsObject(v)) { /* a provisioning record's fields */
			for (const cJSON *f = v->child; f; f = f->next)
				fprintf(out, "%s.%-*s %s\n", v->string,
					(int)(18 - strlen(v->string)), f->string, f->valuestring);
			continue;
		}
		if (cJSON_IsArray(v)) {
			int i = 0;
			for (const cJSON *e = v->child; e; e = e->next, i++) {
				fprintf(out, "tlv[%d]:", i);
				for (const cJSON *f = e->child; f; f = f->next) {
					fprintf(out, " %s=", f->string);
					print_value(f, out);
				}
				fputc('\n', out);
			}
			continue;
		}
		fprintf(out, "%-19s ", v->string);
		print_value(v, out);
		fputc('\n', out);
	}
}

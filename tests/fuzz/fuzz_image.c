/*
 * Fuzz target: the image verifier shared by host and device
 * (common/fwc_image.c) at every depth, as a file (the host) and as a slot
 * (the device), then the host's parse, verify and inspect on top of it,
 * and the cookbook image parser (files from anywhere).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cbimage.h"
#include "describe.h"
#include "fwc_image.h"
#include "slotimage.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct mem {
	const uint8_t *d;
	size_t len;
	uint32_t base;
};

static int mem_read(void *ctx, uint32_t addr, void *buf, size_t len)
{
	const struct mem *m = ctx;
	if (addr < m->base || addr - m->base > m->len || len > m->len - (addr - m->base))
		return -1;
	memcpy(buf, m->d + (addr - m->base), len);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Any well-formed point will do: the signature check runs on it. */
	static const uint8_t key[1][FWP_P256_PUBKEY_LEN] = {{0x04}};
	/* The board of the provisioning corpus entries (provision-*.bin). */
	static const uint8_t uid[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
	struct fwc_policy pol = {key, 1, 0xFF, 0, 256, uid, sizeof(uid)};
	struct fwc_result r;
	struct fwp_image_info info;
	struct fwp_cb_info cb;
	struct fwp_err err;
	int rc;

	/* As a slot at the address its header names, and as a file. */
	uint32_t base = size >= FWP_IMAGE_HDR_LEN
				? fwp_le32(data + FWP_HDR_OFF_LOAD_ADDR) - fwp_le16(data + FWP_HDR_OFF_HDR_SIZE)
				: 0x08020000u;
	struct mem m = {data, size, base};
	struct fwc_source slot = {mem_read, &m, base, (uint32_t)size};
	for (int depth = FWC_STRUCTURE; depth <= FWC_BOOT; depth++)
		fwc_image_check(&slot, (enum fwc_depth)depth, &pol, &r);
	if (size >= FWP_IMAGE_HDR_LEN)
		fwc_header_check(data, &slot, &pol, &r);

	if (fwp_image_parse(data, size, &info, &err) == FWP_OK)
		fwp_image_verify(&info, NULL, &err);
	fwp_cb_parse(data, size, &cb, &err);
	cJSON *d = fwp_describe_image("fuzz", data, size, &rc, &err);
	cJSON_Delete(d);
	return 0;
}

/*
 * Model "dfuse": an STM32F4 (1 MiB) in its ROM bootloader's USB DFU mode,
 * DfuSe 1.1a as ST's AN3156 describes it: 0483:df11, one alternate setting
 * for the internal flash, commands in block 0 (set address, erase, read
 * unprotect), data blocks from 2 at address pointer + (block - 2) * 2048.
 *
 * The flash behaves as NOR: erased bytes are 0xFF, a sector erases as a
 * whole, and programming a byte that is not erased fails (errCHECK_ERASED),
 * so a host that forgets an erase is caught. Like the real part, a DNLOAD
 * only stores the block: the first GETSTATUS after it answers dfuDNBUSY and
 * does the work, the next one reports the outcome.
 *
 * Options: serial=SN, flash=FILE (loaded when it exists, written back at the
 * end), fail=STATUS + fail-at=N (the Nth data block reports STATUS, a name
 * such as errCHECK_ERASED or a number), poll-ms=N (bwPollTimeout while busy,
 * default 1: real parts say 20 ms and more, tests want speed).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fwpack/dfu.h"
#include "fwpack/image.h"
#include "usbemu.h"

#define FLASH_BASE 0x08000000u
#define FLASH_SIZE 0x100000u
#define XFER_SIZE 2048
#define LAYOUT "@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg"

static const struct {
	uint32_t count, size;
} sectors[] = {{4, 16 << 10}, {1, 64 << 10}, {7, 128 << 10}};

struct dfuse {
	char serial[64];
	char *flash_path;
	uint8_t *flash;
	uint8_t state, status;
	uint32_t addr;    /* the address pointer (command 0x21) */
	uint32_t poll_ms;
	uint8_t fail;     /* status to report at data block fail_at (1-based) */
	uint32_t fail_at, blocks;
	uint8_t pending;  /* outcome of the work done at the dfuDNBUSY answer */
	int leaving;      /* resets to the application after this answer */
	int left;
	uint16_t block, len; /* the stored DNLOAD */
	uint8_t buf[XFER_SIZE];
};

/* The sector holding addr: its offset in the flash and size; -1 outside. */
static int sector_of(uint32_t addr, uint32_t *start, uint32_t *size)
{
	uint32_t off = FLASH_BASE;
	for (size_t i = 0; i < sizeof(sectors) / sizeof(sectors[0]); i++)
		for (uint32_t j = 0; j < sectors[i].count; j++, off += sectors[i].size)
			if (addr >= off && addr - off < sectors[i].size) {
				*start = off - FLASH_BASE;
				*size = sectors[i].size;
				return 0;
			}
	return -1;
}

static int in_flash(uint32_t addr, uint32_t len)
{
	return addr >= FLASH_BASE && addr - FLASH_BASE <= FLASH_SIZE &&
	       len <= FLASH_SIZE - (addr - FLASH_BASE);
}

static uint8_t command(struct dfuse *d)
{
	const uint8_t *b = d->buf;
	uint32_t a = d->len == FWP_DFUSE_CMD_LEN ? fwp_le32(b + 1) : 0;
	uint32_t start, size;

	if (b[0] == FWP_DFUSE_CMD_SET_ADDRESS && d->len == FWP_DFUSE_CMD_LEN) {
		if (!in_flash(a, 0))
			return FWP_DFU_ERR_TARGET;
		d->addr = a;
	} else if (b[0] == FWP_DFUSE_CMD_ERASE && d->len == 1) {
		memset(d->flash, 0xff, FLASH_SIZE);
	} else if (b[0] == FWP_DFUSE_CMD_ERASE && d->len == FWP_DFUSE_CMD_LEN) {
		if (sector_of(a, &start, &size) != 0)
			return FWP_DFU_ERR_TARGET;
		memset(d->flash + start, 0xff, size);
	} else if (b[0] == FWP_DFUSE_CMD_READ_UNPROTECT && d->len == 1) {
		/* Read unprotect: the part erases everything and resets. */
		memset(d->flash, 0xff, FLASH_SIZE);
		d->leaving = 1;
	} else {
		return FWP_DFU_ERR_TARGET;
	}
	return FWP_DFU_OK;
}

/* Programs a data block; a byte that is not erased stops it there, as the
 * flash controller would. */
static uint8_t program(struct dfuse *d)
{
	d->blocks++;
	if (d->fail && d->blocks == d->fail_at)
		return d->fail;
	uint32_t a = d->addr + (uint32_t)(d->block - FWP_DFUSE_FIRST_DATA_BLOCK) * XFER_SIZE;
	if (d->addr + (uint64_t)(d->block - FWP_DFUSE_FIRST_DATA_BLOCK) * XFER_SIZE > UINT32_MAX || !in_flash(a, d->len))
		return FWP_DFU_ERR_ADDRESS;
	uint8_t *p = d->flash + (a - FLASH_BASE);
	for (uint16_t i = 0; i < d->len; i++) {
		if (p[i] != 0xff)
			return FWP_DFU_ERR_CHECK_ERASED;
		p[i] = d->buf[i];
	}
	return FWP_DFU_OK;
}

static int stall(struct dfuse *d)
{
	if (d->state != FWP_DFU_ERROR) {
		d->state = FWP_DFU_ERROR;
		d->status = FWP_DFU_ERR_STALLEDPKT;
	}
	return USBEMU_STALL;
}

static int get_status(struct dfuse *d, uint8_t *data, uint16_t wLength)
{
	uint32_t poll = 0;
	if (d->state == FWP_DFU_DNLOAD_SYNC) {
		d->pending = d->block == 0 ? command(d) : program(d);
		d->state = FWP_DFU_DNBUSY;
		poll = d->poll_ms;
	} else if (d->state == FWP_DFU_DNBUSY) {
		d->state = d->pending ? FWP_DFU_ERROR : FWP_DFU_DNLOAD_IDLE;
		d->status = d->pending;
	} else if (d->state == FWP_DFU_MANIFEST_SYNC) {
		d->state = FWP_DFU_MANIFEST;
		d->leaving = 1;
		poll = d->poll_ms;
	}
	uint8_t r[FWP_DFU_STATUS_LEN];
	fwp_dfu_status_put(r, d->status, poll, d->state);
	if (d->leaving) {
		usbemu_leave();
		d->left = 1;
		fprintf(stderr, "dfuse %s: leaves DFU mode (reset)\n", d->serial);
	}
	uint16_t n = wLength < sizeof(r) ? wLength : sizeof(r);
	memcpy(data, r, n);
	return n;
}

static int dnload(struct dfuse *d, const struct usbemu_setup *s, const uint8_t *data)
{
	if (d->state != FWP_DFU_IDLE && d->state != FWP_DFU_DNLOAD_IDLE)
		return stall(d);
	if (s->wLength == 0) {
		/* "Leave": DfuSe manifests by jumping to the address pointer. */
		d->state = FWP_DFU_MANIFEST_SYNC;
		return 0;
	}
	if (s->wLength > XFER_SIZE || s->wValue == 1 ||
	    (s->wValue == 0 && data[0] != FWP_DFUSE_CMD_SET_ADDRESS &&
	     data[0] != FWP_DFUSE_CMD_ERASE && data[0] != FWP_DFUSE_CMD_READ_UNPROTECT))
		return stall(d);
	memcpy(d->buf, data, s->wLength);
	d->len = s->wLength;
	d->block = s->wValue;
	d->state = FWP_DFU_DNLOAD_SYNC;
	return 0;
}

static int upload(struct dfuse *d, const struct usbemu_setup *s, uint8_t *data)
{
	static const uint8_t commands[] = {FWP_DFUSE_CMD_GET_COMMANDS, FWP_DFUSE_CMD_SET_ADDRESS,
					   FWP_DFUSE_CMD_ERASE, FWP_DFUSE_CMD_READ_UNPROTECT};
	if ((d->state != FWP_DFU_IDLE && d->state != FWP_DFU_UPLOAD_IDLE) || s->wValue == 1 ||
	    s->wLength > XFER_SIZE)
		return stall(d);
	d->state = FWP_DFU_UPLOAD_IDLE;
	if (s->wValue == 0) {
		uint16_t n = s->wLength < sizeof(commands) ? s->wLength : sizeof(commands);
		memcpy(data, commands, n);
		return n;
	}
	uint64_t a = d->addr + (uint64_t)(s->wValue - FWP_DFUSE_FIRST_DATA_BLOCK) * XFER_SIZE;
	if (a > UINT32_MAX || !in_flash((uint32_t)a, s->wLength)) {
		stall(d);
		d->status = FWP_DFU_ERR_ADDRESS;
		return USBEMU_STALL;
	}
	memcpy(data, d->flash + (a - FLASH_BASE), s->wLength);
	return s->wLength;
}

static int dfu_request(struct dfuse *d, const struct usbemu_setup *s, uint8_t *data)
{
	int in = s->bmRequestType & 0x80;
	if (s->wIndex != 0)
		return USBEMU_STALL;
	switch (s->bRequest) {
	case FWP_DFU_REQ_DNLOAD:
		return in ? stall(d) : dnload(d, s, data);
	case FWP_DFU_REQ_UPLOAD:
		return in ? upload(d, s, data) : stall(d);
	case FWP_DFU_REQ_GETSTATUS:
		return in ? get_status(d, data, s->wLength) : stall(d);
	case FWP_DFU_REQ_GETSTATE:
		if (!in || s->wLength < 1)
			return stall(d);
		data[0] = d->state;
		return 1;
	case FWP_DFU_REQ_CLRSTATUS:
		if (in || d->state != FWP_DFU_ERROR)
			return stall(d);
		d->state = FWP_DFU_IDLE;
		d->status = FWP_DFU_OK;
		return 0;
	case FWP_DFU_REQ_ABORT:
		if (in || d->state == FWP_DFU_DNBUSY || d->state == FWP_DFU_ERROR)
			return stall(d);
		d->state = FWP_DFU_IDLE;
		return 0;
	default: /* DETACH means nothing in DFU mode */
		return stall(d);
	}
}

static int standard_request(struct dfuse *d, const struct usbemu_setup *s, uint8_t *data)
{
	uint8_t type = (uint8_t)(s->wValue >> 8), index = (uint8_t)s->wValue;
	const char *strings[] = {NULL, "STMicroelectronics", "STM32  BOOTLOADER", d->serial, LAYOUT};

	if (s->bmRequestType == 0x80 && s->bRequest == 6 && type == 3 && index < 5)
		return usbemu_string_desc(strings[index], data, s->wLength);
	if (s->bmRequestType == 0x80 && s->bRequest == 0 && s->wLength >= 2) {
		data[0] = data[1] = 0; /* bus powered, no remote wakeup */
		return 2;
	}
	if (s->bmRequestType == 0x80 && s->bRequest == 8 && s->wLength >= 1) {
		data[0] = 1;
		return 1;
	}
	if (s->bmRequestType == 0x81 && s->bRequest == 10 && s->wIndex == 0 && s->wLength >= 1) {
		data[0] = 0;
		return 1;
	}
	if ((s->bmRequestType == 0x01 && s->bRequest == 11 && s->wIndex == 0 && s->wValue == 0) ||
	    (s->bmRequestType == 0x00 && s->bRequest == 9 && s->wValue == 1))
		return 0;
	return USBEMU_STALL;
}

static int dfuse_control(void *dev, const struct usbemu_setup *s, uint8_t *data)
{
	struct dfuse *d = dev;
	if (d->left)
		return USBEMU_VANISH;
	if ((s->bmRequestType & 0x7f) == FWP_DFU_RT_OUT)
		return dfu_request(d, s, data);
	return standard_request(d, s, data);
}

static size_t dfuse_descriptors(void *dev, uint8_t *buf, size_t size)
{
	static const uint8_t desc[] = {
		/* device: USB 2.0, ep0 64 bytes, 0483:df11 rev 22.00, strings 1 2 3 */
		18, 1, 0x00, 0x02, 0, 0, 0, 64, 0x83, 0x04, 0x11, 0xdf, 0x00, 0x22, 1, 2, 3, 1,
		/* configuration 1: one interface, bus powered, 100 mA */
		9, 2, 27, 0, 1, 1, 0, 0xc0, 50,
		/* interface 0 alt 0: DFU mode (fe/01/02), string 4 = the layout */
		9, 4, 0, 0, 0, 0xfe, 1, 2, 4,
		/* DFU functional: can download, upload, will detach; 255 ms;
		 * wTransferSize 2048; DfuSe 1.1a */
		9, 0x21, 0x0b, 0xff, 0x00, 0x00, 0x08, 0x1a, 0x01};
	(void)dev;
	if (size < sizeof(desc))
		return 0;
	memcpy(buf, desc, sizeof(desc));
	return sizeof(desc);
}

static int load_flash(struct dfuse *d)
{
	memset(d->flash, 0xff, FLASH_SIZE);
	FILE *f = d->flash_path ? fopen(d->flash_path, "rb") : NULL;
	if (!f)
		return !d->flash_path || errno == ENOENT ? 0 : -1;
	size_t n = fread(d->flash, 1, FLASH_SIZE, f);
	int extra = fgetc(f) != EOF;
	int err = ferror(f);
	fclose(f);
	if (err || extra || n != FLASH_SIZE) {
		fprintf(stderr, "dfuse: %s: not a 1 MiB flash image\n", d->flash_path);
		return -1;
	}
	return 0;
}

static int parse_fail(const char *v, uint8_t *out)
{
	for (unsigned i = FWP_DFU_ERR_TARGET; i <= FWP_DFU_ERR_STALLEDPKT; i++)
		if (strcmp(v, fwp_dfu_status_name(i)) == 0) {
			*out = (uint8_t)i;
			return 0;
		}
	uint32_t n;
	if (usbemu_opt_u32("fail", v, &n) != 0 || n == 0 || n > 255)
		return -1;
	*out = (uint8_t)n;
	return 0;
}

static int dfuse_destroy(void *dev);

static void *dfuse_create(int nopts, char *const *keys, char *const *values)
{
	struct dfuse *d = calloc(1, sizeof(*d));
	if (!d || !(d->flash = malloc(FLASH_SIZE))) {
		free(d);
		return NULL;
	}
	snprintf(d->serial, sizeof(d->serial), "DFUSE1");
	d->state = FWP_DFU_IDLE;
	d->addr = FLASH_BASE;
	d->poll_ms = 1;
	int bad = 0;
	for (int i = 0; i < nopts && !bad; i++) {
		if (strcmp(keys[i], "serial") == 0)
			bad = snprintf(d->serial, sizeof(d->serial), "%s", values[i]) >= (int)sizeof(d->serial);
		else if (strcmp(keys[i], "flash") == 0)
			bad = !(d->flash_path = strdup(values[i]));
		else if (strcmp(keys[i], "fail") == 0)
			bad = parse_fail(values[i], &d->fail);
		else if (strcmp(keys[i], "fail-at") == 0)
			bad = usbemu_opt_u32(keys[i], values[i], &d->fail_at);
		else if (strcmp(keys[i], "poll-ms") == 0)
			bad = usbemu_opt_u32(keys[i], values[i], &d->poll_ms) || d->poll_ms > 0xffffff;
		else
			bad = 1;
		if (bad)
			fprintf(stderr, "dfuse: bad option %s=%s\n", keys[i], values[i]);
	}
	if (!bad && d->fail && !d->fail_at)
		d->fail_at = 1;
	if (bad || load_flash(d) != 0) {
		free(d->flash_path);
		d->flash_path = NULL; /* nothing to save */
		dfuse_destroy(d);
		return NULL;
	}
	return d;
}

/* Writes the flash file (whole or not at all) and frees. */
static int dfuse_destroy(void *dev)
{
	struct dfuse *d = dev;
	int rc = 0;
	if (d->flash_path) {
		char tmp[4096];
		snprintf(tmp, sizeof(tmp), "%s.tmp", d->flash_path);
		FILE *f = fopen(tmp, "wb");
		int ok = f && fwrite(d->flash, 1, FLASH_SIZE, f) == FLASH_SIZE;
		ok = f && fclose(f) == 0 && ok && rename(tmp, d->flash_path) == 0;
		if (!ok) {
			fprintf(stderr, "dfuse: cannot write %s: %s\n", d->flash_path, strerror(errno));
			rc = -1;
		}
	}
	free(d->flash_path);
	free(d->flash);
	free(d);
	return rc;
}

const struct usbemu_model usbemu_model_dfuse = {
	.name = "dfuse",
	.create = dfuse_create,
	.descriptors = dfuse_descriptors,
	.control = dfuse_control,
	.destroy = dfuse_destroy,
};

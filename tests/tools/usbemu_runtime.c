/*
 * Model "runtime": an application with a DFU runtime interface (class
 * fe/01, protocol 1), as a board running its firmware shows itself before
 * a host asks it into its bootloader. With bitWillDetach it leaves the bus
 * on DFU_DETACH by itself; without, DFU_DETACH puts it in appDETACH and the
 * host's USB reset that follows (within wDetachTimeOut) makes it leave. By
 * itself it never comes back (what a host's bounded wait after DETACH must
 * survive); the harness's reappear=loader plugs in the DFU-mode device that
 * follows on a real board.
 *
 * Options: serial=SN (the iSerialNumber text), will-detach=0|1 (the
 * functional descriptor's bitWillDetach, default 1), detach-ack=0|1 (0: with
 * bitWillDetach it is gone before DFU_DETACH's status stage, as some boards
 * are, and the host sees the request fail; default 1).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fwpack/dfu.h"
#include "usbemu.h"

struct runtime {
	char serial[64];
	uint32_t will_detach, detach_ack;
	int detached; /* appDETACH: a reset now takes it into its bootloader */
	int left;
};

static int runtime_control(void *dev, const struct usbemu_setup *s, uint8_t *data)
{
	struct runtime *d = dev;
	uint8_t type = (uint8_t)(s->wValue >> 8), index = (uint8_t)s->wValue;
	const char *strings[] = {NULL, "fwpack tests", "Application (DFU runtime)", d->serial,
				 "DFU runtime"};
	if (d->left)
		return USBEMU_VANISH;
	if (s->bmRequestType == 0x80 && s->bRequest == 6 && type == 3 && index < 5)
		return usbemu_string_desc(strings[index], data, s->wLength);
	if (s->bmRequestType == FWP_DFU_RT_OUT && s->bRequest == FWP_DFU_REQ_DETACH && s->wIndex == 0) {
		fprintf(stderr, "runtime %s: DFU_DETACH (%u ms), %s\n", d->serial, s->wValue,
			d->will_detach ? "leaving the bus" : "waiting for a USB reset");
		if (d->will_detach) {
			d->left = 1;
			if (!d->detach_ack)
				return USBEMU_VANISH;
			usbemu_leave();
		}
		d->detached = 1;
		return 0;
	}
	if (s->bmRequestType == FWP_DFU_RT_IN && s->bRequest == FWP_DFU_REQ_GETSTATUS &&
	    s->wLength >= FWP_DFU_STATUS_LEN) {
		fwp_dfu_status_put(data, FWP_DFU_OK, 0,
				   d->detached ? FWP_DFU_APP_DETACH : FWP_DFU_APP_IDLE);
		return FWP_DFU_STATUS_LEN;
	}
	if (s->bmRequestType == 0x00 && s->bRequest == 9 && s->wValue == 1)
		return 0;
	if (s->bmRequestType == 0x01 && s->bRequest == 11 && s->wIndex == 0 && s->wValue == 0)
		return 0;
	return USBEMU_STALL;
}

static size_t runtime_descriptors(void *dev, uint8_t *buf, size_t size)
{
	struct runtime *d = dev;
	uint8_t desc[] = {
		/* device: USB 2.0, ep0 64 bytes, 1209:0002 rev 1.00, strings 1 2 3 */
		18, 1, 0x00, 0x02, 0, 0, 0, 64, 0x09, 0x12, 0x02, 0x00, 0x00, 0x01, 1, 2, 3, 1,
		/* configuration 1: one interface, bus powered, 100 mA */
		9, 2, 27, 0, 1, 1, 0, 0xc0, 50,
		/* interface 0: DFU runtime (fe/01/01), string 4 */
		9, 4, 0, 0, 0, 0xfe, 1, 1, 4,
		/* DFU functional: can download (+ will detach), 1000 ms, 2048, DFU 1.1 */
		9, 0x21, 0x01, 0xe8, 0x03, 0x00, 0x08, 0x10, 0x01};
	if (d->will_detach)
		desc[38] |= FWP_DFU_ATTR_WILL_DETACH;
	if (size < sizeof(desc))
		return 0;
	memcpy(buf, desc, sizeof(desc));
	return sizeof(desc);
}

static void *runtime_create(int nopts, char *const *keys, char *const *values)
{
	struct runtime *d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	snprintf(d->serial, sizeof(d->serial), "RT1");
	d->will_detach = 1;
	d->detach_ack = 1;
	for (int i = 0; i < nopts; i++) {
		int bad;
		if (strcmp(keys[i], "serial") == 0)
			bad = snprintf(d->serial, sizeof(d->serial), "%s", values[i]) >=
			      (int)sizeof(d->serial);
		else if (strcmp(keys[i], "will-detach") == 0)
			bad = usbemu_opt_u32(keys[i], values[i], &d->will_detach) || d->will_detach > 1;
		else if (strcmp(keys[i], "detach-ack") == 0)
			bad = usbemu_opt_u32(keys[i], values[i], &d->detach_ack) || d->detach_ack > 1;
		else
			bad = 1;
		if (bad) {
			fprintf(stderr, "runtime: bad option %s=%s\n", keys[i], values[i]);
			free(d);
			return NULL;
		}
	}
	return d;
}

/* The timer of wDetachTimeOut is not modelled: a reset after DETACH is in time. */
static void runtime_reset(void *dev)
{
	struct runtime *d = dev;
	if (!d->detached || d->left)
		return;
	fprintf(stderr, "runtime %s: USB reset in appDETACH, leaving the bus\n", d->serial);
	d->left = 1;
	usbemu_leave();
}

static int runtime_destroy(void *dev)
{
	free(dev);
	return 0;
}

const struct usbemu_model usbemu_model_runtime = {
	.name = "runtime",
	.create = runtime_create,
	.descriptors = runtime_descriptors,
	.control = runtime_control,
	.destroy = runtime_destroy,
	.reset = runtime_reset,
};

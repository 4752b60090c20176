/* The USB DFU/DfuSe backend: libusb (one context per board) and dfuflash.h's policy. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dfu.h"
#include "dfuflash.h"
#include "dfuse.h"
#include "transport.h"
#include "usbwatch.h"

struct fwp_link {
	struct fwp_link_common c;
	struct fwp_dfu_ctx *ctx;
	struct fwp_dfu_dev *dev;
	struct fwp_dfu_flash_opts fo;
	struct fwp_dfu_flash session;
};

struct open_args {
	struct fwp_link *l;
	const struct fwp_dfu_select *sel;
	const struct fwp_dfu_opts *dopts;
};

/* A libusb context per board: nothing shared between the boards' threads.
   A new one enumerates afresh: what appeared since is in it. 1: not there (yet). */
static int find_and_open(void *ctx, struct fwp_err *err)
{
	struct open_args *a = ctx;
	fwp_dfu_exit(a->l->ctx);
	a->l->ctx = NULL;
	int rc = fwp_dfu_init(&a->l->ctx, err);
	if (rc == FWP_OK)
		rc = fwp_dfu_open(a->l->ctx, a->sel, a->dopts, &a->l->dev, err);
	return rc == FWP_ERR_NO_DEVICE ? 1 : rc;
}

static int d_open(const struct fwp_target *t, const struct fwp_flash_opts *o,
		  const struct fwp_link_sink *sink, struct fwp_link **out, struct fwp_err *err)
{
	struct fwp_link *l = *out = fwp_link_alloc(sizeof(*l), o, sink);
	if (!l)
		return fwp_fail(err, FWP_ERR_NOMEM, "out of memory");
	struct fwp_dfu_select sel = t->sel;
	sel.alt = o->alt;
	if (t->usb_path[0])
		sel.path = t->usb_path;
	struct fwp_dfu_opts dopts = {o->timeout_ms ? o->timeout_ms : 2000, 30000, 10000, o->cancel};
	/* --wait: until it is plugged in (bounded). */
	struct open_args args = {l, &sel, &dopts};
	int rc = fwp_usb_wait_for(o->wait_ms, o->cancel, find_and_open, &args, err);
	if (rc == 1)
		return FWP_ERR_NO_DEVICE; /* err says which */
	if (rc < 0)
		return rc;
	const struct fwp_dfu_info *in = fwp_dfu_dev_info(l->dev);
	snprintf(sink->id->name, sizeof(sink->id->name), "%s", in->path);
	snprintf(sink->id->usb_serial, sizeof(sink->id->usb_serial), "%s", in->serial);
	snprintf(sink->id->board, sizeof(sink->id->board), "%s", in->product);
	struct fwp_dfu_flash_opts fo = {o->address, o->mass_erase, o->no_boot, o->alt != NULL,
					fwp_xfer_report, &l->c.x};
	l->fo = fo;
	fwp_dfu_flash_init(&l->session, l->dev, &l->fo);
	return FWP_OK;
}

static void d_close(struct fwp_link *l)
{
	fwp_dfu_close(l->dev);
	fwp_dfu_exit(l->ctx);
}

static int d_describe(struct fwp_link *l, const struct fwp_job_image *first, struct fwp_err *err)
{
	fwp_sink_phase(&l->c.sink, FWP_PHASE_CONNECT);
	if (first && !l->session.dfuse) {
		int rc = fwp_dfu_flash_choose_alt(&l->session, first->data, first->len, err);
		if (rc < 0)
			return fwp_err_prefix(err, first->path);
	}
	const struct fwp_dfu_info *in = fwp_dfu_dev_info(l->dev);
	const struct fwp_dfu_alt *alt = fwp_dfu_dev_alt(l->dev);
	char ver[8];
	fwp_dfu_version_str(in->dfu_version, ver);
	struct fwp_board_desc *d = &l->c.desc;
	if (l->session.dfuse)
		l->c.sink.id->uid[0] = 0;
	else
		fwp_dfu_board_uid(in, l->c.sink.id->uid);
	snprintf(d->usb_id, sizeof(d->usb_id), "%04x:%04x", in->vid, in->pid);
	snprintf(d->protocol, sizeof(d->protocol), "%s", l->session.dfuse ? "dfuse" : "dfu");
	snprintf(d->alt_name, sizeof(d->alt_name), "%s", alt->name);
	d->alt = alt->alt;
	d->transfer_size = fwp_dfu_transfer_size(l->dev);
	snprintf(d->summary, sizeof(d->summary),
		 "USB DFU device %s, %s %s, alt %u \"%s\", %u-byte transfers",
		 fwp_dfu_dev_label(l->dev), l->session.dfuse ? "DfuSe" : "DFU", ver, alt->alt,
		 alt->name, d->transfer_size);
	struct fwp_event e = {.type = FWP_EVENT_CONNECT, .slot = -1, .desc = d};
	fwp_sink_emit(&l->c.sink, &e);
	if (!l->c.o->unprotect)
		return FWP_OK;
	int rc = fwp_dfuse_read_unprotect(l->dev, err);
	if (rc < 0)
		return rc;
	struct fwp_event b = {.type = FWP_EVENT_BOOT, .slot = -1,
			      .text = "Read protection removed: the device erased itself and resets"};
	fwp_sink_emit(&l->c.sink, &b);
	return 1;
}

static int d_send(struct fwp_link *l, const struct fwp_job_image *img, struct fwp_err *err)
{
	/* DfuSe: the host erases before it writes, not the device on the way. */
	const char *first = !l->session.dfuse  ? NULL
			    : l->c.o->mass_erase ? "the whole flash, first"
					       : "the sectors written, before writing them";
	struct fwp_xfer x = {&l->c.sink, img, -1, first, 0, 0, {0, 0}};
	l->c.x = x;
	int rc = fwp_dfu_flash_file(&l->session, img->data, img->len, err);
	l->c.x.img = NULL;
	return rc;
}

static int d_boot(struct fwp_link *l, struct fwp_err *err)
{
	int rc = fwp_dfu_flash_finish(&l->session, err);
	if (rc < 0)
		return rc;
	char text[96];
	if (l->session.dfuse)
		snprintf(text, sizeof(text), "Leaving DFU mode: starting the firmware at 0x%08x",
			 l->session.start);
	else
		snprintf(text, sizeof(text), "Resetting the device (USB reset) into the new firmware");
	fwp_sink_boot(&l->c.sink, text);
	return FWP_OK;
}

const struct fwp_transport_ops fwp_transport_dfu = {
	"usb-dfu", d_open, d_describe, d_send, NULL, d_boot, d_close,
};

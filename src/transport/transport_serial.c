/* The serial backend: libserialport and the fwpack serial protocol (flasher.h). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "enter.h"
#include "flasher.h"
#include "portpath.h"
#include "serial.h"
#include "transport.h"

struct fwp_link {
	struct fwp_link_common c;
	struct fwp_serial *port;
	struct fwp_flasher *f;
	struct fwp_device_info info;
};

static int s_open(const struct fwp_target *t, const struct fwp_flash_opts *o,
		  const struct fwp_link_sink *sink, struct fwp_link **out, struct fwp_err *err)
{
	struct fwp_link *l = *out = fwp_link_alloc(sizeof(*l), o, sink);
	if (!l)
		return fwp_fail(err, FWP_ERR_NOMEM, "out of memory");
	uint32_t baud = o->baud ? o->baud : 115200;
	int rc = FWP_OK;
	/* --wait: poll for the port to appear (no udev here, and a pty has no uevent). */
	for (unsigned waited = 0; o->wait_ms && access(t->name, F_OK) != 0; waited += 100) {
		if (waited >= o->wait_ms || (o->cancel && *o->cancel))
			return fwp_fail(err, FWP_ERR_NOT_FOUND, "%s: no such serial port after %u ms",
					t->name, waited);
		struct timespec ts = {0, 100000000L};
		nanosleep(&ts, NULL);
	}
	/* A symlink (udev's /dev/serial/by-id, a test's link) is opened as what it names. */
	char real[PATH_MAX];
	struct fwp_err lerr;
	const char *path = fwp_port_resolve(t->name, real, sizeof(real), &lerr) == FWP_OK ? real
											  : t->name;
	if (o->enter != FWP_ENTER_NONE) {
		fwp_sink_phase(&l->c.sink, FWP_PHASE_ENTER);
		rc = fwp_enter_loader(path, o->enter, o->enter_cmd, baud, o->timeout_ms, err);
	}
	if (rc == FWP_OK)
		rc = fwp_serial_open(path, baud, &l->port, err);
	struct fwp_flasher_opts fo = {o->timeout_ms, o->retries, o->stop_after, o->no_compress,
				      o->cancel, fwp_xfer_report, &l->c.x};
	if (rc == FWP_OK)
		rc = fwp_flasher_new(l->port, &fo, &l->f, err);
	return rc;
}

static void s_close(struct fwp_link *l)
{
	fwp_flasher_free(l->f);
	fwp_serial_close(l->port);
}

static int s_describe(struct fwp_link *l, const struct fwp_job_image *first, struct fwp_err *err)
{
	(void)first;
	fwp_sink_phase(&l->c.sink, FWP_PHASE_CONNECT);
	int rc = fwp_flasher_connect(l->f, &l->info, err);
	if (rc < 0)
		return rc;
	snprintf(l->c.sink.id->board, sizeof(l->c.sink.id->board), "%s", l->info.board);
	/* the Loader's unique ID in INFO, when it reports one */
	snprintf(l->c.sink.id->uid, sizeof(l->c.sink.id->uid), "%s", l->info.uid);
	snprintf(l->c.desc.summary, sizeof(l->c.desc.summary),
		 "%s, fwpack %s, protocol %u, %u-byte frames, window %u", l->info.board,
		 l->info.role == FWP_ROLE_UPDATER ? "Updater" : "Loader", l->info.version,
		 l->info.max_packet, l->info.window);
	l->c.desc.info = &l->info;
	struct fwp_event e = {.type = FWP_EVENT_CONNECT, .slot = -1, .desc = &l->c.desc};
	fwp_sink_emit(&l->c.sink, &e);

	uint32_t baud = l->c.o->baud ? l->c.o->baud : 115200;
	if (!l->c.o->fast_baud || l->c.o->fast_baud == baud)
		return FWP_OK;
	/* A faster line is worth having, not worth failing for. */
	struct fwp_err berr;
	fwp_err_clear(&berr);
	fwp_sink_phase(&l->c.sink, FWP_PHASE_BAUD);
	struct fwp_event b = {.slot = -1};
	if (fwp_flasher_switch_baud(l->f, baud, l->c.o->fast_baud, &berr) < 0) {
		b.type = FWP_EVENT_NOTE;
		b.text = berr.msg;
	} else {
		b.type = FWP_EVENT_BAUD;
		b.value = l->c.o->fast_baud;
	}
	fwp_sink_emit(&l->c.sink, &b);
	return FWP_OK;
}

static int s_send(struct fwp_link *l, const struct fwp_job_image *img, struct fwp_err *err)
{
	if (img->slot < 0)
		return fwp_fail(err, FWP_ERR_UNSUPPORTED,
				"not an image type updated in the field (use --slot)");
	struct fwp_xfer x = {&l->c.sink, img, img->slot, NULL, 0, 0, {0, 0}};
	l->c.x = x;
	int rc = fwp_flasher_send_deflated(l->f, (uint8_t)img->slot, img->data, img->len,
					   img->deflated, img->deflated_len, err);
	l->c.x.img = NULL;
	return rc;
}

int fwp_serial_prepare_image(struct fwp_job_image *img, const struct fwp_flash_opts *o,
			     struct fwp_err *err)
{
	if (o->no_compress)
		return FWP_OK;
	return fwp_image_deflate(img->data, img->len, &img->deflated, &img->deflated_len, err);
}

static int s_boot(struct fwp_link *l, struct fwp_err *err)
{
	int acked;
	int rc = fwp_flasher_boot(l->f, &acked, err);
	if (rc == FWP_OK)
		fwp_sink_boot(&l->c.sink, acked ? "Resetting the device into the new firmware"
						: "Resetting the device into the new firmware (its "
						  "acknowledgement was lost; it has left update mode)");
	return rc;
}

const struct fwp_transport_ops fwp_transport_serial = {
	"serial", s_open, s_describe, s_send, NULL, s_boot, s_close,
};

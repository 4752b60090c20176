/*
 * The host transport interface: one const ops table per way of reaching a
 * board (serial, USB DFU/DfuSe), as libusb's usbi_os_backend, so that the
 * code above (fwp_flash_board, the renderers, fwpack flash) never asks
 * which one it holds. A backend reports what happens as neutral events
 * (event.h) through the callback it was opened with.
 */
#ifndef FWP_TRANSPORT_H
#define FWP_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "dfu.h"
#include "event.h"
#include "fwpack/error.h"

/* Serial: how a board running its Application is taken into its Loader. */
enum fwp_enter {
	FWP_ENTER_NONE,    /* it is there already */
	FWP_ENTER_RESET,   /* DTR/RTS into a reset with boot-select held (esptool's wiring) */
	FWP_ENTER_1200,    /* the 1200-baud touch */
	FWP_ENTER_CONSOLE  /* a command line to the Application's console */
};

/* What a run asks of every board; zeroed fields take the documented defaults. */
struct fwp_flash_opts {
	/* both */
	unsigned timeout_ms, retries;
	int no_boot;
	long forced_slot; /* -1: by image type (slotpolicy.h) */
	/* serial */
	uint32_t baud, fast_baud;
	long stop_after;
	int no_compress;
	enum fwp_enter enter;
	const char *enter_cmd; /* FWP_ENTER_CONSOLE */
	/* USB DFU */
	long long address;
	int mass_erase, unprotect;
	const char *alt;
	/* --wait: how long a board may take to appear (0: it must be there) */
	unsigned wait_ms;
	/* set (from a signal handler) to stop every board at its next safe point */
	const volatile int *cancel;
};

/* One board to flash: which backend, and how it finds the board. */
struct fwp_target {
	const struct fwp_transport_ops *ops;
	char name[256];              /* serial: the port path; USB: a label of the selector */
	struct fwp_dfu_select sel;   /* USB (string fields point into the caller's argv) */
	char usb_path[32];           /* USB: a path found by enumeration (--all), in place of sel.path */
	char key[300];               /* station: who the board is (USB serial, else its path) */
	/* the board's unique ID (lower-case hex) when known before it is opened:
	   --all's probe (INFO), an fwpack Loader's iSerialNumber; "" unknown */
	char uid[2 * FWP_UID_MAX + 1];
};

/* One image of a run, read and checked once for every board. */
struct fwp_job_image {
	const char *path;
	const uint8_t *data;
	size_t len;
	int slot; /* serial: from the slot policy or --slot; -1 when not an fwpack image */
	/* serial: the image deflated once for every board (NULL: not compressed) */
	uint8_t *deflated;
	uint32_t deflated_len;
};

/* An open board. Each backend defines its own; the layer above holds a pointer. */
struct fwp_link;

/* What a backend is given besides its options: where its events go. */
struct fwp_link_sink {
	struct fwp_board_id *id; /* filled in by the backend as it learns it */
	fwp_event_fn emit;
	void *ctx;
};

/* ---- for the backends ---- */

struct fwp_flash_report;

/* An event about the sink's board (e->board is set here). */
void fwp_sink_emit(const struct fwp_link_sink *s, struct fwp_event *e);
/* Phase p starts. */
void fwp_sink_phase(const struct fwp_link_sink *s, enum fwp_phase p);
/* The board runs its new firmware (text: how it was told to). */
void fwp_sink_boot(const struct fwp_link_sink *s, const char *text);

/* One image on its way: turns the transfer code's reports into events. */
struct fwp_xfer {
	const struct fwp_link_sink *sink;
	const struct fwp_job_image *img;
	int slot;                /* for the events: -1 when not addressed by slot */
	const char *erase_first; /* erased before the first byte (DfuSe): how; NULL: as the data arrives */
	uint32_t start_off;
	int erase_told;
	struct timespec t0;
};
/* What every backend's struct fwp_link starts with. */
struct fwp_link_common {
	const struct fwp_flash_opts *o;
	struct fwp_link_sink sink;
	struct fwp_board_desc desc;
	struct fwp_xfer x; /* the image on its way */
};
/* A zeroed backend link of size bytes, its struct fwp_link_common filled in; NULL: no memory. */
void *fwp_link_alloc(size_t size, const struct fwp_flash_opts *o, const struct fwp_link_sink *sink);

/* The report callback of the transfer code; ctx is the struct fwp_xfer. */
void fwp_xfer_report(const struct fwp_flash_report *r, void *ctx);

struct fwp_transport_ops {
	const char *name; /* "serial", "usb-dfu" (the JSON "transport") */
	/* Find the board and get it ready to talk (enter its Loader if asked). */
	int (*open)(const struct fwp_target *t, const struct fwp_flash_opts *o,
		    const struct fwp_link_sink *sink, struct fwp_link **out, struct fwp_err *err);
	/*
	 * Connect: who the board is (FWP_EVENT_CONNECT); serial also switches its
	 * rate, USB DFU picks the alt setting for the first image. > 0: the
	 * board's whole job is done here (DfuSe --unprotect).
	 */
	int (*describe)(struct fwp_link *l, const struct fwp_job_image *first, struct fwp_err *err);
	/* One image, committed on return (the device's rule: header last). */
	int (*send)(struct fwp_link *l, const struct fwp_job_image *img, struct fwp_err *err);
	/* After the last image, before boot; NULL: nothing to do (neither backend has yet). */
	int (*finish)(struct fwp_link *l, struct fwp_err *err);
	/* Run the new firmware. */
	int (*boot)(struct fwp_link *l, struct fwp_err *err);
	/* Let the board go; l itself (fwp_link_alloc's) is freed by the caller. */
	void (*close)(struct fwp_link *l);
};

extern const struct fwp_transport_ops fwp_transport_serial;
/*
 * Serial: what can be done to an image once for every board (deflate it,
 * unless o->no_compress): deflate is the CPU time of a fixture. Free
 * img->deflated afterwards.
 */
int fwp_serial_prepare_image(struct fwp_job_image *img, const struct fwp_flash_opts *o,
			     struct fwp_err *err);
extern const struct fwp_transport_ops fwp_transport_dfu;

#endif /* FWP_TRANSPORT_H */

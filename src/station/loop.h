/*
 * Station mode (fwpack flash --loop, fwpack run --loop): boards are plugged
 * in one after another all shift long; each gets its work (flash these
 * images, or run this recipe) once when it appears, in its own thread,
 * while the station keeps looking for the next, until stopped.
 * A board is known by its key (USB serial number, else its port or path):
 * one that re-enumerates during its own update is the same board, and one
 * that passed is not flashed again while the run lasts; one that failed is
 * tried again when it is plugged in again.
 */
#ifndef FWP_LOOP_H
#define FWP_LOOP_H

#include <stddef.h>

#include "board.h"
#include "serial_scan.h"

/* --wait without a value: long enough for a person to plug a board in. */
#define FWP_WAIT_DEFAULT_S 60
/* How often a station looks for new serial ports (USB: on hotplug events). */
#define FWP_SCAN_INTERVAL_MS 200

/* What a station looks at, and when (fwp_station_loop). */
enum fwp_looks {
	FWP_LOOK_SERIAL = 1, /* the serial ports, every interval_ms */
	FWP_LOOK_USB = 2,    /* the USB devices, when libusb reports one arriving or leaving */
};

/* The boards present now: *out (malloc'd, the caller's to free) with their
   keys set; what: which of the station's sets may have changed since the
   last look (the others may be answered from that look); emit(e, ectx):
   the station's events, for what the look has to say (a port skipped). */
typedef int (*fwp_scan_fn)(void *ctx, enum fwp_looks what, fwp_event_fn emit, void *ectx,
			   struct fwp_target **out, size_t *n);

/* What a station looks for: serial ports (nports) or else USB DFU devices. */
struct fwp_scan_spec {
	const char **ports; /* paths or globs */
	size_t nports;
	long vid, pid; /* -1: any */
	const char **serials, **paths; /* none of either: every DFU device */
	size_t nserials, npaths;
};

/* A USB board's key: this prefix, then its USB serial number (with --all,
   a serial board's whose Loader reports its UID too: fwp_station_scan_all). */
#define FWP_SCAN_USB_SERIAL "usb:"

/*
 * The boards spec selects, present now: a port keyed by the device it
 * resolves to, a USB device by its serial number (else its bus path).
 */
int fwp_station_scan(const struct fwp_scan_spec *spec, struct fwp_target **out, size_t *n);

/*
 * --all (fwpack flash --loop --all): the serial ports the system lists that
 * answer as an fwpack Loader or Updater (so narrows them), each probed
 * once when it appears, then the USB DFU devices usb selects, listed again
 * only when what says they may have changed: a USB device is not asked
 * for its strings on every look while it is being flashed. memo: what the
 * last look found (zeroed at first, cleared at the end).
 */
struct fwp_port_memo {
	struct fwp_scan_port *ports;
	size_t n;
	struct fwp_target *usb; /* the USB boards of the last USB look */
	size_t nusb;
	/* each new port that is not a board, once (NULL: none told) */
	void (*skipped)(void *ctx, const struct fwp_scan_port *p);
	void *skipped_ctx;
};
int fwp_station_scan_all(const struct fwp_scan_spec *usb, const struct fwp_serial_scan_opts *so,
			 struct fwp_port_memo *memo, enum fwp_looks what, struct fwp_target **out,
			 size_t *n);
void fwp_port_memo_clear(struct fwp_port_memo *memo);

/*
 * One board's work, in the board's own thread: emit its events through
 * emit (serialised by the loop) and leave its outcome in *res (res->rc <
 * 0: it failed). A station that must stop altogether (its record cannot be
 * written) sets the loop's stop flag through its own ctx.
 */
typedef void (*fwp_board_work_fn)(void *ctx, struct fwp_target *t, fwp_event_fn emit,
				  void *ectx, struct fwp_board_result *res);

/* The work of fwpack flash --loop: these images on every board (ctx: a struct fwp_flash_work). */
struct fwp_flash_work {
	const struct fwp_job_image *imgs;
	size_t nimg;
	const struct fwp_flash_opts *o;
};
void fwp_flash_work(void *ctx, struct fwp_target *t, fwp_event_fn emit, void *ectx,
		    struct fwp_board_result *res);

struct fwp_station_counts {
	unsigned passed, failed, running;
};

/*
 * Scan until *stop, as looks says: serial ports every interval_ms; USB
 * when libusb reports a device arriving or leaving (polling every
 * FWP_USB_POLL_MS where libusb has no hotplug); both: each as said. Give each new board work(wctx, ...); after each
 * board, call on_count with the running counts. On stop, boards still
 * running are cancelled through their own cancel flag (which must be stop)
 * and waited for; every wait is bounded by the work's own timeouts.
 * res, nres: every board's result, malloc'd, the caller's to free.
 */
int fwp_station_loop(fwp_scan_fn scan, void *sctx, fwp_board_work_fn work, void *wctx,
		     enum fwp_looks looks, unsigned interval_ms,
		     const volatile int *stop,
		     fwp_event_fn emit, void *ectx,
		     void (*on_count)(const struct fwp_station_counts *c, void *ctx),
		     struct fwp_board_result **res, size_t *nres, struct fwp_err *err);

#endif /* FWP_LOOP_H */

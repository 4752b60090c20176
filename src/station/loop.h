/*
 * Station mode (fwpack flash --loop): boards are plugged in one after
 * another all shift long; each is flashed once when it appears, in its own
 * thread, while the station keeps looking for the next, until stopped.
 * A board is known by its key (USB serial number, else its port or path):
 * one that re-enumerates during its own update is the same board, and one
 * that passed is not flashed again while the run lasts; one that failed is
 * tried again when it is plugged in again.
 */
#ifndef FWP_LOOP_H
#define FWP_LOOP_H

#include <stddef.h>

#include "board.h"

/* The boards present now: *out (malloc'd, the caller's to free) with their keys set. */
typedef int (*fwp_scan_fn)(void *ctx, struct fwp_target **out, size_t *n);

struct fwp_station_counts {
	unsigned passed, failed, running;
};

/*
 * Scan until *stop: serial ports every interval_ms; USB (usb set) when
 * libusb reports a device arriving or leaving (polling every
 * FWP_USB_POLL_MS where libusb has no hotplug). Flash each new board; after each
 * board, emit an FWP_EVENT_RESULT (as fwp_flash_board does) and call
 * on_count with the running counts. On stop, boards still running are
 * cancelled through o->cancel (which must be stop) and waited for.
 * res, nres: every board's result, malloc'd, the caller's to free.
 */
int fwp_station_loop(fwp_scan_fn scan, void *sctx, const struct fwp_job_image *imgs, size_t nimg,
		     const struct fwp_flash_opts *o, int usb, unsigned interval_ms,
		     const volatile int *stop,
		     fwp_event_fn emit, void *ectx,
		     void (*on_count)(const struct fwp_station_counts *c, void *ctx),
		     struct fwp_board_result **res, size_t *nres, struct fwp_err *err);

#endif /* FWP_LOOP_H */

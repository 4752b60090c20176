/*
 * Running a station's recipe on a board: each step through the transport
 * layer (fwp_flash_board), each step's result, duration and bytes into the
 * record (station.h). A board is reached in up to two ways: the ROM's
 * DfuSe device (by USB serial number or bus path) for the factory steps,
 * and the fwpack Loader (a serial port, or the USB device that takes the
 * DfuSe device's place with the same serial number) for the rest.
 */
#ifndef FWP_STATION_RUN_H
#define FWP_STATION_RUN_H

#include <stdint.h>
#include <stdio.h>

#include "station.h"
#include "transport.h"

/* Every image the recipe writes, read and prepared once for every board. */
struct fwp_run_images {
	struct fwp_job_image *imgs; /* parallel to st->images */
	uint8_t **data;
	size_t n;
};

int fwp_run_images_load(const struct fwp_station *st, const struct fwp_flash_opts *o,
			struct fwp_run_images *ri, struct fwp_err *err);
void fwp_run_images_free(struct fwp_run_images *ri);

/* One board's ways in. */
struct fwp_run_board {
	const char *usb_serial; /* the DfuSe ROM device, and the DFU Loader after it; or NULL */
	const char *usb_path;   /* or the DfuSe device by bus-port path; or NULL */
	const char *port;       /* the Loader's serial port (and the console); or NULL */
};

struct fwp_run_result {
	int passed;
	int interrupted; /* its first failure came after the station was stopped (o->cancel) */
	char identity[FWP_IDENTITY_MAX];
	int identity_kept;
	char board_uid[300];
	double seconds;
	uint64_t bytes;
	struct fwp_err err; /* the first failure */
};

/*
 * Take one board through every step; o carries the timeouts, retries and
 * rates (the steps' own timeouts override o->timeout_ms where they wait).
 * Progress lines go to log (or nowhere). Returns < 0 only when the record
 * could not be written (the station must stop); a board that fails its
 * steps is a result (res->passed = 0), not an error.
 */
int fwp_station_run_board(struct fwp_station *st, const struct fwp_run_images *ri,
			  const struct fwp_run_board *b, const struct fwp_flash_opts *o, FILE *log,
			  struct fwp_run_result *res, struct fwp_err *err);

#endif /* FWP_STATION_RUN_H */

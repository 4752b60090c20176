/*
 * Flashing boards: one board from start to result (the routine a station
 * calls), and many at once, one thread per board, none waiting on another.
 */
#ifndef FWP_BOARD_H
#define FWP_BOARD_H

#include <stddef.h>

#include "event.h"
#include "transport.h"

/*
 * Open, connect, send every image, boot (unless o->no_boot), close: the
 * whole life of one board, its phases timed into *res. Events go to emit
 * (from the calling thread), the last one FWP_EVENT_RESULT. Returns res->rc.
 */
int fwp_flash_board(const struct fwp_target *t, const struct fwp_job_image *imgs, size_t nimg,
		    const struct fwp_flash_opts *o, fwp_event_fn emit, void *ctx,
		    struct fwp_board_result *res);

/*
 * Every target at once, at most jobs at a time (0: all), each in its own
 * thread; emit is called from those threads, one call at a time. res has
 * n entries. Returns how many boards failed.
 */
size_t fwp_flash_boards(const struct fwp_target *t, size_t n, const struct fwp_job_image *imgs,
			size_t nimg, const struct fwp_flash_opts *o, unsigned jobs,
			fwp_event_fn emit, void *ctx, struct fwp_board_result *res);

#endif /* FWP_BOARD_H */

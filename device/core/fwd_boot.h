/*
 * The Loader's boot decision: boot the Application, or stay in update mode
 * and say why. Pure logic over the shared RAM block and the Application
 * slot's verdict, so it is tested on the host.
 */
#ifndef FWD_BOOT_H
#define FWD_BOOT_H

#include "fwd_image.h"
#include "fwd_shared.h"

enum fwd_boot_action {
	FWD_BOOT_APP = 0,
	FWD_STAY_UPDATE_REQUESTED, /* the Application asked for an update */
	FWD_STAY_CRASH_LOOP,       /* it booted N times without marking itself good */
	FWD_STAY_NO_VALID_APP,     /* the verdict says why */
	FWD_STAY_BOOT_SELECT       /* the board's boot-select line was asserted at reset */
};

const char *fwd_boot_action_str(enum fwd_boot_action a);

/*
 * Decide, and update the shared block: a request flag and a crash-loop
 * count are consumed (cleared) when they send the device to update mode;
 * booting the Application counts one more boot. A valid Application whose
 * image is CONFIRMED (app_flags, FWP_IMAGE_F_CONFIRMED) never marks itself
 * good: it boots without the crash-loop check, and counts no boots.
 * boot_select: the board's boot-select line (fwd_port_boot_select) was
 * asserted at reset; it wins, and consumes a pending request too (one stay
 * in update mode, not two).
 */
enum fwd_boot_action fwd_boot_decide(struct fwd_shared *s, enum fwd_verdict app,
				     uint16_t app_flags, unsigned crash_loop_threshold,
				     int boot_select);

/* The Application calls this once it runs well. */
void fwd_boot_mark_good(struct fwd_shared *s);

/* The Application calls this, then resets, to reach the Loader's update mode. */
void fwd_boot_request_update(struct fwd_shared *s);

#endif /* FWD_BOOT_H */

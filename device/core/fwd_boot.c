/* The Loader's boot decision (cookbook order, with the checks it lacked). */
#include "fwd_boot.h"
#include "fwpack/app.h"

const char *fwd_boot_action_str(enum fwd_boot_action a)
{
	switch (a) {
	case FWD_BOOT_APP:
		return "booting the application";
	case FWD_STAY_UPDATE_REQUESTED:
		return "update requested by the application";
	case FWD_STAY_CRASH_LOOP:
		return "application unstable (crash loop)";
	case FWD_STAY_NO_VALID_APP:
		return "no valid application";
	case FWD_STAY_BOOT_SELECT:
		return "boot-select line asserted";
	}
	return "unknown";
}

enum fwd_boot_action fwd_boot_decide(struct fwd_shared *s, enum fwd_verdict app,
				     uint16_t app_flags, unsigned crash_loop_threshold, int boot_select)
{
	enum fwd_boot_action a;
	int confirmed = app == FWD_IMAGE_OK && (app_flags & FWP_IMAGE_F_CONFIRMED);
	if (boot_select) {
		s->flags &= (uint16_t)~FWD_SHARED_F_UPDATE_REQUESTED;
		a = FWD_STAY_BOOT_SELECT;
	} else if (s->flags & FWD_SHARED_F_UPDATE_REQUESTED) {
		s->flags &= (uint16_t)~FWD_SHARED_F_UPDATE_REQUESTED;
		a = FWD_STAY_UPDATE_REQUESTED;
	} else if (confirmed) {
		s->boot_count = 0;
		a = FWD_BOOT_APP;
	} else if (s->boot_count >= crash_loop_threshold) {
		s->boot_count = 0;
		a = FWD_STAY_CRASH_LOOP;
	} else if (app != FWD_IMAGE_OK) {
		a = FWD_STAY_NO_VALID_APP;
	} else {
		if (s->boot_count < 0xFF)
			s->boot_count++;
		a = FWD_BOOT_APP;
	}
	fwd_shared_seal(s);
	return a;
}

/* What any application does, through the same header-only API. */
void fwd_boot_mark_good(struct fwd_shared *s)
{
	fwp_app_mark_good(s);
}

void fwd_boot_request_update(struct fwd_shared *s)
{
	(void)fwp_app_request_update(s);
}

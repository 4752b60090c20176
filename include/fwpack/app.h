/*
 * The application side of the fwpack Loader, header-only: an application
 * built by any build system includes this with one -I (the installed
 * include directory, or fwpack's include/) and links nothing of fwpack.
 *
 *   mark good        fwp_app_mark_good(): clears the boot counter, so the
 *                    Loader does not take repeated resets for a crash loop
 *   request update   fwp_app_request_update(), then reset the chip: the
 *                    Loader stays in update mode
 *   boot reason      fwp_app_boot_reason(): why the chip last reset
 *
 * Each takes the shared block, at the board's SHARED address (0x20000000
 * on the qemu-mps2 and stm32f4 ports): see docs/handoff.md. The layout is
 * fwpack/shared_ram.h, the same definition the Loader is built from.
 */
#ifndef FWPACK_APP_H
#define FWPACK_APP_H

#include "fwpack/shared_ram.h"

/* Clear the boot counter: call once the application considers itself stable. */
static inline void fwp_app_mark_good(struct fwd_shared *s)
{
	/* A block the Loader did not write is left alone: it resets it anyway. */
	if (!fwd_shared_valid(s))
		return;
	s->boot_count = 0;
	fwd_shared_seal(s);
}

/*
 * Ask the Loader for update mode at the next reset (then reset, e.g. with
 * NVIC_SystemReset()). Returns 0, or -1 when the block is not valid (no
 * fwpack Loader ran before this application).
 */
static inline int fwp_app_request_update(struct fwd_shared *s)
{
	if (!fwd_shared_valid(s))
		return -1;
	s->flags |= FWD_SHARED_F_UPDATE_REQUESTED;
	fwd_shared_seal(s);
	return 0;
}

/* Why the chip last reset, as the Loader saw it; FWD_RESET_UNKNOWN if no Loader ran. */
static inline enum fwd_reset_reason fwp_app_boot_reason(const struct fwd_shared *s)
{
	return fwd_shared_valid(s) ? (enum fwd_reset_reason)s->reset_reason : FWD_RESET_UNKNOWN;
}

/* Boots since the application last marked itself good (this one included). */
static inline unsigned fwp_app_boot_count(const struct fwd_shared *s)
{
	return fwd_shared_valid(s) ? s->boot_count : 0;
}

#endif /* FWPACK_APP_H */

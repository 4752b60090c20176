/* The serial update mode that the Loader and the Updater share. */
#ifndef FWD_UPDATE_MODE_H
#define FWD_UPDATE_MODE_H

#include "fwd_update.h"

/*
 * Serve the serial protocol on the console UART with these targets until
 * the host asks to boot; then reset. Never returns.
 */
void fwd_update_mode(const struct fwd_update_target *targets, uint8_t ntargets, uint8_t role)
	__attribute__((noreturn));

#endif /* FWD_UPDATE_MODE_H */

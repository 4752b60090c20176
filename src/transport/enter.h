/*
 * Taking a board that runs its Application into its Loader over serial
 * (fwpack flash --enter): the DTR/RTS reset, the 1200-baud touch, or a
 * console command. The caller opens the port afterwards and HELLOs the
 * Loader with its retries.
 */
#ifndef FWP_ENTER_H
#define FWP_ENTER_H

#include <stdint.h>

#include "fwpack/error.h"
#include "transport.h"

/* The console command when --enter console has none. */
#define FWP_ENTER_CONSOLE_DEFAULT "fwpack-update"

/* "reset", "1200", "console[=CMD]" -> method (and *cmd into arg, or the default). */
int fwp_enter_parse(const char *arg, enum fwp_enter *method, const char **cmd,
		    struct fwp_err *err);

/* Do it on port; every wait bounded by timeout_ms (the port coming back after a touch). */
int fwp_enter_loader(const char *port, enum fwp_enter method, const char *cmd, uint32_t baud,
		     unsigned timeout_ms, struct fwp_err *err);

#endif /* FWP_ENTER_H */

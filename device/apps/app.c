/*
 * The example Application (slot 2): prints its version, marks itself good
 * (unless built to crash-loop, for the tests), and on the console command
 * 'u' asks the Loader for an update through shared RAM and resets.
 */
#include "fwd_boot.h"
#include "fwd_port.h"

#ifndef APP_VERSION
#define APP_VERSION "0.0.0"
#endif

int main(void)
{
	struct fwd_shared *sh = fwd_port_shared();
	fwd_port_init();
	fwd_puts("app: fwpack example application " APP_VERSION "\n");
#ifdef APP_CRASH_LOOP
	fwd_puts("app: crashing before marking itself good\n");
	fwd_port_reset();
#else
	fwd_boot_mark_good(sh);
	fwd_puts("app: marked good; send 'u' to request an update\n");
#endif
	for (;;) {
		int c = fwd_port_getc();
		if (c == 'u') {
			fwd_puts("app: update requested, resetting\n");
			fwd_boot_request_update(sh);
			fwd_port_reset();
		}
	}
}

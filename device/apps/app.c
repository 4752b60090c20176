/*
 * The example Application (slot 2): prints its version, marks itself good
 * (unless built to crash-loop, for the tests), and on the console command
 * (a line "fwpack-update", fwd_console_cmd.h, or a lone 'u' at the start
 * of a line) asks the Loader for an update through shared RAM and resets.
 */
#include "fwd_boot.h"
#include "fwd_console_cmd.h"
#include "fwd_port.h"
#ifdef FWD_HAVE_PROVISIONING
#include "fwc_prov.h"

/* The identity the station wrote, if the Loader installed one for this board. */
static void print_serial(void)
{
	uint8_t uid[FWP_UID_MAX];
	char serial[FWP_PROV_VALUE_MAX + 1];
	const struct fwd_flash *fl = fwd_port_flash();
	struct fwc_source src = {fl->ops->read, fl->ctx, fwd_port_prov_slot[0], fwd_port_prov_slot[1]};
	/* Not provisioned: nothing, so an unprovisioned board's console is as before. */
	if (fwc_prov_get(&src, uid, fwd_port_uid(uid), "serial", serial) != 0)
		return;
	fwd_puts("app: serial number ");
	fwd_puts(serial);
	fwd_puts("\n");
}
#else
static void print_serial(void)
{
}
#endif

#ifndef APP_VERSION
#define APP_VERSION "0.0.0"
#endif

int main(void)
{
	struct fwd_shared *sh = fwd_port_shared();
	struct fwd_console_cmd cmd;
	fwd_port_init();
	fwd_console_cmd_init(&cmd, NULL);
	fwd_puts("app: fwpack example application " APP_VERSION "\n");
	print_serial();
#ifdef APP_CRASH_LOOP
	fwd_puts("app: crashing before marking itself good\n");
	fwd_port_reset();
#else
	fwd_boot_mark_good(sh);
	fwd_puts("app: marked good; send 'u' or the line " FWD_CONSOLE_CMD_DEFAULT
		 " to request an update\n");
#endif
	for (;;) {
		int c = fwd_port_getc();
		if (c < 0)
			continue;
		int single_u = c == 'u' && fwd_console_cmd_at_line_start(&cmd);
		if (fwd_console_cmd_feed(&cmd, (uint8_t)c) || single_u) {
			fwd_puts("app: update requested, resetting\n");
			fwd_boot_request_update(sh);
			fwd_port_reset();
		}
	}
}

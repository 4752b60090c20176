/*
 * Prints a port's slot table (its device/ports/PORT/layout.c, linked in)
 * as "NAME ADDRESS SIZE" lines, in hex: tests/port-layout.sh compares them
 * with the port's linker scripts and manifests. Built once per port.
 */
#include <inttypes.h>
#include <stdio.h>

#include "fwd_port.h"

static void row(const char *name, const uint32_t s[2])
{
	printf("%s 0x%08" PRIx32 " 0x%" PRIx32 "\n", name, s[0], s[1]);
}

int main(void)
{
	row("bootloader", fwd_port_bootloader_slot);
	row("loader", fwd_port_loader_slot);
	row("app", fwd_port_app_slot);
	/* The port's build says whether it has one (FWD_HAVE_PROVISIONING). */
#ifdef FWD_HAVE_PROVISIONING
	row("provisioning", fwd_port_prov_slot);
#endif
	row("counter", fwd_port_counter_sector);
	return ferror(stdout) || fclose(stdout) ? 1 : 0;
}

/* For boards without a USB device controller (QEMU, posix): serial only. */
#include "fwd_port.h"

int fwd_port_usb_start(struct fwd_usb *u)
{
	(void)u;
	return -1;
}

void fwd_port_usb_poll(struct fwd_usb *u)
{
	(void)u;
}

const char *fwd_port_usb_serial(void)
{
	return NULL;
}

/*
 * The USB identity of the Loader and the Updater: one DFU interface whose
 * alternate settings are the update targets, in the order update mode
 * lists them (the Loader: alt 0 Bootloader, 1 Loader, 2 Application, so
 * that `dfu-util -a 2` writes the Application slot; the Updater: alt 0,
 * the Loader's slot). Shared by the firmware and
 * the host models of it (tests/tools/usbemu_loader.c).
 */
#ifndef LOADER_USB_H
#define LOADER_USB_H

#include "fwd_usb.h"

/* pid.codes' test VID:PID: fine on the bench, to be replaced for a product. */
#define FWD_LOADER_USB_VID 0x1209u
#define FWD_LOADER_USB_PID 0x0001u

/*
 * For the targets update mode serves (alt i = targets[i], named after its
 * slot); serial: the iSerialNumber text (kept by reference), NULL for none.
 */
void fwd_loader_usb_config(struct fwd_usb_config *cfg, uint8_t role, const char *serial,
			   const struct fwd_update_target *targets, uint8_t ntargets);

#endif /* LOADER_USB_H */

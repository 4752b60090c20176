/* The Loader's and Updater's USB descriptors' text. */
#include "loader_usb.h"
#include "fwpack/protocol.h"

/*
 * No "@" in front: dfu-util would take such names for DfuSe memory maps
 * and switch to the ST extensions, which this device does not speak.
 */
static const char *const slot_names[] = {[FWP_SLOT_ID_BOOTLOADER] = "slot 0: bootloader",
					 [FWP_SLOT_ID_LOADER] = "slot 1: loader",
					 [FWP_SLOT_ID_APP] = "slot 2: application",
					 [FWP_SLOT_ID_PROVISIONING] = "slot 3: provisioning"};

void fwd_loader_usb_config(struct fwd_usb_config *cfg, uint8_t role, const char *serial,
			   const struct fwd_update_target *targets, uint8_t ntargets)
{
	for (uint8_t i = 0; i < ntargets && i < FWD_USB_MAX_ALTS; i++)
		cfg->alt_names[i] = targets[i].id < sizeof(slot_names) / sizeof(slot_names[0])
				    ? slot_names[targets[i].id]
				    : "slot";
	cfg->vid = FWD_LOADER_USB_VID;
	cfg->pid = FWD_LOADER_USB_PID;
	cfg->bcd_device = role == FWP_ROLE_UPDATER ? 0x0200 : 0x0100;
	cfg->manufacturer = "fwpack";
	cfg->product = role == FWP_ROLE_UPDATER ? "fwpack Updater (DFU)" : "fwpack Loader (DFU)";
	cfg->serial = serial;
}

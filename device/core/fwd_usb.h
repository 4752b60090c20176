/*
 * A small USB device framework, portable (no hardware access): the
 * descriptors of a device with one DFU interface whose alternate settings
 * are the update engine's slots, the standard requests of chapter 9, and
 * the class requests handed to the DFU class (fwd_dfu). A device
 * controller driver (or an emulator) passes every SETUP with its data
 * stage to fwd_usb_control() and calls fwd_usb_poll() from its main loop,
 * where the flash work happens.
 */
#ifndef FWD_USB_H
#define FWD_USB_H

#include <stdint.h>

#include "fwd_dfu.h"

struct fwd_usb_setup {
	uint8_t bmRequestType;
	uint8_t bRequest;
	uint16_t wValue;
	uint16_t wIndex;
	uint16_t wLength;
};

enum fwd_usb_result { FWD_USB_ACK = 0, FWD_USB_STALL = -1 };

/* The endpoint 0 packet size: 64, what a full-speed device may use. */
#define FWD_USB_EP0_SIZE 64u
#define FWD_USB_DEVICE_DESC_LEN 18u
/* One alternate setting per update target, as INFO lists one slot per target. */
#define FWD_USB_MAX_ALTS FWP_MAX_SLOTS
#define FWD_USB_CONFIG_DESC_MAX (9u + 9u * FWD_USB_MAX_ALTS + FWP_DFU_FUNC_DESC_LEN)
/* String descriptor indices: 1..3, then one per alternate setting. */
enum { FWD_USB_STR_MANUFACTURER = 1, FWD_USB_STR_PRODUCT, FWD_USB_STR_SERIAL, FWD_USB_STR_ALT };

struct fwd_usb_config {
	uint16_t vid, pid, bcd_device;
	const char *manufacturer, *product, *serial;
	/* One name per target of the update engine, in its order: alt i = target i. */
	const char *alt_names[FWD_USB_MAX_ALTS];
};

struct fwd_usb {
	const struct fwd_usb_config *cfg;
	struct fwd_dfu dfu;
	uint8_t address;       /* the controller applies it after the status stage */
	uint8_t configuration; /* 0 or 1 */
	/*
	 * A bus reset came after a download was installed: as DFU 1.1 has it
	 * (dfu-util -R), the device should now run the new firmware.
	 */
	uint8_t leave;
};

/* up's targets become the alternate settings (at most FWD_USB_MAX_ALTS). */
int fwd_usb_init(struct fwd_usb *u, const struct fwd_usb_config *cfg, struct fwd_update *up);

/*
 * One control transfer. For an OUT request data holds the wLength bytes
 * of the data stage; for an IN request at most min(wLength,
 * FWD_DFU_TRANSFER_SIZE) bytes are written to data and *len is how many.
 * FWD_USB_ACK or FWD_USB_STALL.
 */
int fwd_usb_control(struct fwd_usb *u, const struct fwd_usb_setup *s, uint8_t *data,
		    uint16_t *len);

/* Deferred work (a block's flash writes, the manifestation): 1 if some ran. */
int fwd_usb_poll(struct fwd_usb *u);

/* A USB bus reset: unaddressed, unconfigured, the DFU state machine idle;
 * sets leave after an install. */
void fwd_usb_reset(struct fwd_usb *u);

/* The device descriptor, then the configuration descriptor; their lengths. */
uint16_t fwd_usb_device_desc(const struct fwd_usb *u, uint8_t *p);
uint16_t fwd_usb_config_desc(const struct fwd_usb *u, uint8_t *p);

#endif /* FWD_USB_H */

/*
 * usbemu: emulated USB devices for tests. The real libusb (and programs on
 * it: dfu-util, fwpack) talks to device models through umockdev's usbfs
 * emulation; see usbemu.c for the command line.
 *
 * The contract between the harness and a device model
 * ----------------------------------------------------
 * A model is a const struct usbemu_model, named usbemu_model_NAME, in its own
 * file tests/tools/usbemu_NAME.c. To add one: declare it below, list it in
 * the table in usbemu.c and add the file to the harness's SOURCES in
 * Makefile.am.
 *
 * Only ep0 exists. The harness answers by itself:
 * - GET_DESCRIPTOR of the device and configuration descriptors (from
 *   descriptors(); libusb reads those from sysfs anyway),
 * - usbfs CLAIM/RELEASE_INTERFACE, RESET, CLEAR_HALT, capabilities, drivers.
 * Everything else on ep0 goes to control(): string descriptors, standard
 * requests (GET_STATUS, SET_INTERFACE: usbfs's SETINTERFACE ioctl arrives as
 * one), class and vendor requests.
 *
 * control() is also asked for the manufacturer, product and serial strings
 * when the device is plugged in (the sysfs attributes), before the program
 * runs. A bus reset (USBDEVFS_RESET) goes to reset() when the model has one;
 * a model that resets into another program calls usbemu_leave() (from
 * control() or reset()). What comes back on the bus after that is the
 * harness's business (reappear=MODEL, see usbemu.c), not the model's.
 *
 * All calls of one device are serialised (a mutex in the harness), on
 * umockdev's worker thread, destroy() on main's after the program ended:
 * a model must not keep global state.
 *
 * Options: --device MODEL,key=value,... on the command line. The harness
 * takes its own (vanish-after, stall-after, reappear, reappear-ms) out before create() sees the
 * rest; serial=SN goes to the model, which puts it in its iSerialNumber
 * string. A model refuses options it does not know.
 */
#ifndef USBEMU_H
#define USBEMU_H

#include <stddef.h>
#include <stdint.h>

#include "fwpack/image.h" /* fwp_put_le16, fwp_put_le32: descriptors and replies */

/* The setup packet of a control transfer, in host byte order. */
struct usbemu_setup {
	uint8_t bmRequestType, bRequest;
	uint16_t wValue, wIndex, wLength;
};

/* control()'s answers besides an IN length. */
enum {
	USBEMU_STALL = -1,  /* the request is refused with a STALL */
	USBEMU_VANISH = -2, /* the device left the bus (reset to another program, unplugged) */
};

struct usbemu_model {
	const char *name;
	/* Make a device from its options (key=value pairs from the command line); NULL + message on stderr on error. */
	void *(*create)(int nopts, char *const *keys, char *const *values);
	/* Device descriptor (18 bytes) followed by the whole configuration descriptor, into buf; returns the length. */
	size_t (*descriptors)(void *dev, uint8_t *buf, size_t size);
	/* One control transfer on ep0 (GET_DESCRIPTOR for strings, SET_INTERFACE as a standard request, class requests...):
	   OUT data is in data[0..wLength); IN data is written to data (room for wLength bytes).
	   Returns the IN length (0 for OUT/no data), -1 to STALL, -2 when the device has vanished (the harness then makes every later ioctl on it fail with ENODEV). */
	int (*control)(void *dev, const struct usbemu_setup *s, uint8_t *data);
	/* At the end: write state (e.g. the flash file) and free. Returns 0 or -1. */
	int (*destroy)(void *dev);
	/* Optional (NULL: resets are ignored): a bus reset (USBDEVFS_RESET) reached the device;
	   it may call usbemu_leave() to go off the bus, as one that resets into its bootloader. */
	void (*reset)(void *dev);
};

extern const struct usbemu_model usbemu_model_dfuse;  /* usbemu_dfuse.c: STM32 ROM DfuSe */
extern const struct usbemu_model usbemu_model_loader; /* usbemu_loader.c: the fwpack Loader */
extern const struct usbemu_model usbemu_model_runtime; /* usbemu_runtime.c: DFU runtime mode */

/* Called from control(): the device leaves the bus once this answer is
 * given (a reset into the application after DFU manifestation, say), as a
 * real device would, before any further request. (usbemu_usbfs.c) */
void usbemu_leave(void);

/* Helpers for models (usbemu_desc.c). */

/* A string descriptor for ASCII text s (UTF-16LE), or the language ID list
 * (US English) when s is NULL, cut to wLength; returns the length. */
int usbemu_string_desc(const char *s, uint8_t *data, uint16_t wLength);

/* A number option (0x prefix for hex); 0, or -1 with a message naming key. */
int usbemu_opt_u32(const char *key, const char *value, uint32_t *out);

#endif

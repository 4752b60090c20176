/* usbemu's emulated bus: a umockdev testbed with one device per model,
 * answering the usbfs ioctls of the programs run under it. */
#ifndef USBEMU_BUS_H
#define USBEMU_BUS_H

#include <stdint.h>

#include "usbemu.h"

struct usbemu_bus;

struct usbemu_stats {
	unsigned long transfers;      /* control transfers on ep0, all devices */
	unsigned long long out, in;   /* bytes of their data stages */
};

/* A testbed (sets UMOCKDEV_DIR in this process's environment); verbose logs
 * every transfer on stderr. NULL + message on error. */
struct usbemu_bus *usbemu_bus_new(int verbose);

/* Plug in a device of model with its options; takes the harness's own
 * (vanish-after, stall-after) out first. 0, or -1 with a message. */
int usbemu_bus_add(struct usbemu_bus *bus, const struct usbemu_model *model, int nopts,
		   char **keys, char **values);

/* The end: no more ioctls are answered, every model saves its state and is
 * freed, the testbed goes. Returns 0, or -1 when a model failed to save. */
int usbemu_bus_free(struct usbemu_bus *bus, struct usbemu_stats *stats);

#endif

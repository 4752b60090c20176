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

/* Plug in a device of model with its options (with plug-ms=N: N ms from
 * now, by usbemu_bus_poll()); takes the harness's own (plug-ms,
 * vanish-after, stall-after, reappear-ms) out first. 0, or -1 with a message. */
int usbemu_bus_add(struct usbemu_bus *bus, const struct usbemu_model *model, int nopts,
		   char **keys, char **values);

/* The device that takes the last added one's place on its port once that
 * one has left the bus (its reappear-ms= later, default 200): an
 * application that detaches into its DFU bootloader. Created now (its
 * options checked, its flash loaded), plugged in by usbemu_bus_poll(). */
int usbemu_bus_add_successor(struct usbemu_bus *bus, const struct usbemu_model *model, int nopts,
			     char **keys, char **values);

/* Plugs in the successors and the plug-ms= devices whose time has come (now: usbemu_now()); called
 * from the main thread while the program runs. */
void usbemu_bus_poll(struct usbemu_bus *bus, double now);

/* Seconds on the monotonic clock. */
double usbemu_now(void);

/* The end: no more ioctls are answered, every model saves its state and is
 * freed, the testbed goes. Returns 0, or -1 when a model failed to save. */
int usbemu_bus_free(struct usbemu_bus *bus, struct usbemu_stats *stats);

#endif

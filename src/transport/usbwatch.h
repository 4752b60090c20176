/*
 * Waiting for USB devices to come and go (--wait, --loop): libusb's
 * hotplug events where the system has them, so a board plugged in is seen
 * at once and nobody enumerates the bus over and over; where it has not
 * (libusb_has_capability(LIBUSB_CAP_HAS_HOTPLUG) false), a look every
 * FWP_USB_POLL_MS instead.
 */
#ifndef FWP_USBWATCH_H
#define FWP_USBWATCH_H

#include "fwpack/error.h"

/* Without hotplug: how often the bus is looked at again. */
#define FWP_USB_POLL_MS 200

struct fwp_usb_watch;

/* Start watching: from here on no arrival is missed. */
int fwp_usb_watch_new(struct fwp_usb_watch **out, struct fwp_err *err);

/*
 * Wait at most ms (bounded whatever happens; *stop, when set, ends it within
 * 100 ms) for a device to arrive or leave. 1: look at the bus again (a
 * device came or went; without hotplug, every FWP_USB_POLL_MS); 0: nothing
 * new (the time is up, *stop, or fwp_usb_watch_wake).
 */
int fwp_usb_watch_wait(struct fwp_usb_watch *w, unsigned ms, const volatile int *stop);

/* From another thread: end the current (or next) wait now. */
void fwp_usb_watch_wake(struct fwp_usb_watch *w);

void fwp_usb_watch_free(struct fwp_usb_watch *w);

/*
 * --wait for one thing on the bus: look(ctx, err) now, and again each time a
 * device arrives or leaves, until it returns other than 1 ("not there yet")
 * or ms have passed (0: look once) or *stop. Returns look's last answer.
 */
int fwp_usb_wait_for(unsigned ms, const volatile int *stop,
		     int (*look)(void *ctx, struct fwp_err *err), void *ctx, struct fwp_err *err);

#endif /* FWP_USBWATCH_H */

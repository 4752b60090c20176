/* USB arrivals and departures through libusb hotplug, else polling (usbwatch.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <libusb.h>

#include "dfu.h"
#include "usbwatch.h"

/* Longest single wait in libusb's event handling: how soon *stop is seen. */
#define SLICE_MS 100

struct fwp_usb_watch {
	struct fwp_dfu_ctx *ctx;
	libusb_context *usb; /* ctx's */
	libusb_hotplug_callback_handle cb;
	int hotplug;
	int changed; /* set by the callback, in the waiting thread */
	int woken;   /* set by fwp_usb_watch_wake, from any thread */
};

/* FWPACK_DEBUG=1: how fwpack waits, on stderr (the one place that says it polls). */
static void debug(const char *fmt, ...)
{
	const char *e = getenv("FWPACK_DEBUG");
	if (!e || !*e || *e == '0')
		return;
	va_list ap;
	va_start(ap, fmt);
	fputs("fwpack: debug: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static int LIBUSB_CALL on_hotplug(libusb_context *ctx, libusb_device *dev,
				  libusb_hotplug_event event, void *user)
{
	(void)ctx;
	(void)dev;
	(void)event;
	((struct fwp_usb_watch *)user)->changed = 1;
	return 0; /* stay registered */
}

int fwp_usb_watch_new(struct fwp_usb_watch **out, struct fwp_err *err)
{
	struct fwp_usb_watch *w = calloc(1, sizeof(*w));
	*out = NULL;
	if (!w)
		return fwp_fail(err, FWP_ERR_NOMEM, "out of memory");
	int rc = fwp_dfu_init(&w->ctx, err);
	if (rc < 0) {
		free(w);
		return rc;
	}
	w->usb = fwp_dfu_libusb(w->ctx);
	if (libusb_has_capability(LIBUSB_CAP_HAS_HOTPLUG)) {
		rc = libusb_hotplug_register_callback(
			w->usb, LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED | LIBUSB_HOTPLUG_EVENT_DEVICE_LEFT,
			0, LIBUSB_HOTPLUG_MATCH_ANY, LIBUSB_HOTPLUG_MATCH_ANY, LIBUSB_HOTPLUG_MATCH_ANY,
			on_hotplug, w, &w->cb);
		w->hotplug = rc == LIBUSB_SUCCESS;
		if (!w->hotplug)
			debug("libusb hotplug: cannot register a callback: %s (%s); polling the USB "
			      "bus every %u ms",
			      libusb_strerror(rc), libusb_error_name(rc), FWP_USB_POLL_MS);
	} else {
		debug("this libusb has no hotplug support: polling the USB bus every %u ms",
		      FWP_USB_POLL_MS);
	}
	if (w->hotplug)
		debug("waiting for USB devices with libusb hotplug events");
	*out = w;
	return FWP_OK;
}

static long long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

int fwp_usb_watch_wait(struct fwp_usb_watch *w, unsigned ms, const volatile int *stop)
{
	long long deadline = now_ms() + ms;
	/* Without hotplug: the caller looks again after every poll interval. */
	if (!w->hotplug && ms > FWP_USB_POLL_MS)
		deadline = now_ms() + FWP_USB_POLL_MS;
	for (;;) {
		if (w->changed) {
			w->changed = 0;
			return 1;
		}
		if (__atomic_exchange_n(&w->woken, 0, __ATOMIC_ACQ_REL) || (stop && *stop))
			return 0;
		long long left = deadline - now_ms();
		if (left <= 0)
			return !w->hotplug;
		long slice = left < SLICE_MS ? (long)left : SLICE_MS;
		struct timeval tv = {0, slice * 1000};
		if (w->hotplug) {
			/* Returns early on an event, on fwp_usb_watch_wake and on a signal. */
			libusb_handle_events_timeout_completed(w->usb, &tv, &w->changed);
		} else {
			struct timespec ts = {0, slice * 1000000L};
			nanosleep(&ts, NULL);
		}
	}
}

void fwp_usb_watch_wake(struct fwp_usb_watch *w)
{
	__atomic_store_n(&w->woken, 1, __ATOMIC_RELEASE);
	if (w->hotplug)
		libusb_interrupt_event_handler(w->usb);
}

void fwp_usb_watch_free(struct fwp_usb_watch *w)
{
	if (!w)
		return;
	if (w->hotplug)
		libusb_hotplug_deregister_callback(w->usb, w->cb);
	fwp_dfu_exit(w->ctx);
	free(w);
}

int fwp_usb_wait_for(unsigned ms, const volatile int *stop,
		     int (*look)(void *ctx, struct fwp_err *err), void *ctx, struct fwp_err *err)
{
	struct fwp_usb_watch *w = NULL;
	/* Watching from before the first look: no arrival is missed. */
	int rc = ms ? fwp_usb_watch_new(&w, err) : FWP_OK;
	long long deadline = now_ms() + ms;
	if (rc == FWP_OK)
		rc = look(ctx, err);
	while (rc == 1 && w && !(stop && *stop)) {
		long long left = deadline - now_ms();
		if (left <= 0)
			break;
		if (fwp_usb_watch_wait(w, (unsigned)left, stop))
			rc = look(ctx, err);
	}
	fwp_usb_watch_free(w);
	return rc;
}

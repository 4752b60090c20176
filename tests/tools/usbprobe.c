/*
 * usbprobe: what a program that keeps one libusb context sees under usbemu,
 * beyond what dfu-util shows. Opens the first device (usbemu's 001/002)
 * twice: claims interface 0 on the first handle (libusb's auto-detach, so
 * through DISCONNECT_CLAIM), tries it on the second (busy) and interface 1
 * (there is none), releases and claims it on the second; then one control
 * OUT transfer with data (run the device with vanish-after=0) and up to 5 s
 * for libusb's hotplug "left" event. Prints what it saw; exit 0 when the
 * event came and the device list no longer holds the device.
 */
#include <libusb.h>
#include <stdio.h>
#include <time.h>

static int left;

static int on_left(libusb_context *ctx, libusb_device *dev, libusb_hotplug_event ev, void *user)
{
	(void)ctx;
	(void)ev;
	(void)user;
	printf("left: bus %d port %d\n", libusb_get_bus_number(dev), libusb_get_port_number(dev));
	left = 1;
	return 1; /* deregister */
}

static int count_devices(libusb_context *ctx)
{
	libusb_device **list;
	ssize_t n = libusb_get_device_list(ctx, &list);
	if (n >= 0)
		libusb_free_device_list(list, 1);
	return (int)n;
}

int main(void)
{
	libusb_context *ctx;
	libusb_device_handle *h = NULL;
	uint8_t byte = 0x41;
	if (libusb_init(&ctx) != 0 || !libusb_has_capability(LIBUSB_CAP_HAS_HOTPLUG))
		return 2;
	if (libusb_hotplug_register_callback(ctx, LIBUSB_HOTPLUG_EVENT_DEVICE_LEFT, 0,
					     LIBUSB_HOTPLUG_MATCH_ANY, LIBUSB_HOTPLUG_MATCH_ANY,
					     LIBUSB_HOTPLUG_MATCH_ANY, on_left, NULL, NULL) != 0)
		return 2;
	printf("devices: %d\n", count_devices(ctx));
	libusb_device **list;
	libusb_device_handle *h2 = NULL;
	if (libusb_get_device_list(ctx, &list) > 0) {
		int r = libusb_open(list[0], &h);
		printf("open: %s\n", libusb_error_name(r));
		libusb_open(list[0], &h2);
	}
	libusb_free_device_list(list, 1);
	if (!h || !h2)
		return 2;
	libusb_set_auto_detach_kernel_driver(h, 1);
	printf("claim: %s\n", libusb_error_name(libusb_claim_interface(h, 0)));
	printf("claim 1: %s\n", libusb_error_name(libusb_claim_interface(h, 1)));
	printf("claim on another fd: %s\n", libusb_error_name(libusb_claim_interface(h2, 0)));
	printf("release: %s\n", libusb_error_name(libusb_release_interface(h, 0)));
	printf("claim there now: %s\n", libusb_error_name(libusb_claim_interface(h2, 0)));
	libusb_close(h2);
	int r = libusb_control_transfer(h, 0x21, 1, 0, 0, &byte, 1, 1000);
	printf("transfer: %s\n", libusb_error_name(r));
	time_t end = time(NULL) + 5;
	while (!left && time(NULL) < end) {
		struct timeval tv = {0, 100000};
		libusb_handle_events_timeout_completed(ctx, &tv, NULL);
	}
	int n = count_devices(ctx);
	printf("devices: %d\n", n);
	libusb_close(h);
	libusb_exit(ctx);
	return left && n == 0 ? 0 : 1;
}

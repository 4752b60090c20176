/*
 * The emulated bus: a umockdev testbed where each device is a sysfs entry
 * (bus 001, port N, devnum N+1; libusb reads its descriptors there) plus a
 * /dev/bus/usb node whose ioctls usbemu_usbfs.c answers.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "usbemu_dev.h"

double usbemu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Off the bus: later ioctls fail, and a new scan no longer finds it (done
 * here, before the program learns of it, so no scan can race the removal;
 * umockdev only removes files there, nothing needs its worker thread). */
void usbemu_dev_vanish(struct dev *d)
{
	if (d->vanished)
		return;
	fprintf(stderr, "usbemu: %s left the bus\n", d->node);
	d->vanished = 1;
	umockdev_testbed_uevent(d->bus->tb, d->syspath, "remove");
	umockdev_testbed_remove_device(d->bus->tb, d->syspath);
	if (d->successor)
		d->successor->plug_at = usbemu_now() + (double)d->reappear_ms / 1000;
}

struct usbemu_bus *usbemu_bus_new(int verbose)
{
	struct usbemu_bus *bus = calloc(1, sizeof(*bus));
	if (!bus)
		return NULL;
	bus->tb = umockdev_testbed_new();
	if (!bus->tb) {
		fprintf(stderr, "usbemu: cannot make a umockdev testbed\n");
		free(bus);
		return NULL;
	}
	bus->root = umockdev_testbed_get_root_dir(bus->tb);
	pthread_mutex_init(&bus->lock, NULL);
	bus->verbose = verbose;
	return bus;
}

/* Takes key out of the options when present: its number, or -1. */
static int take_opt(const char *key, int *nopts, char **keys, char **values, long long *out)
{
	*out = -1;
	for (int i = 0; i < *nopts; i++) {
		if (strcmp(keys[i], key) != 0)
			continue;
		uint32_t v;
		if (usbemu_opt_u32(key, values[i], &v) != 0)
			return -1;
		*out = v;
		for (int j = i + 1; j < *nopts; j++) {
			keys[j - 1] = keys[j];
			values[j - 1] = values[j];
		}
		(*nopts)--;
		i--;
	}
	return 0;
}

/* String descriptor index (US English) as printable ASCII, for the sysfs
 * attributes udev-based tools read; "" when the model has none. */
static void ascii_string(struct dev *d, uint8_t index, char *out, size_t size)
{
	uint8_t raw[255];
	struct usbemu_setup s = {0x80, 6, (uint16_t)(0x0300 | index), 0x0409, sizeof(raw)};
	int n = index ? d->model->control(d->m, &s, raw) : 0;
	size_t k = 0;
	for (int i = 2; i + 1 < n && i < raw[0] && k + 1 < size; i += 2)
		out[k++] = raw[i] >= 0x20 && raw[i] < 0x7f && raw[i] != '\\' && !raw[i + 1] ? (char)raw[i] : '?';
	out[k] = '\0';
}

static char *sysfs_record(struct dev *d, int port)
{
	const uint8_t *dd = d->desc;
	char man[128], prod[128], serial[128];
	ascii_string(d, dd[14], man, sizeof(man));
	ascii_string(d, dd[15], prod, sizeof(prod));
	ascii_string(d, dd[16], serial, sizeof(serial));

	GString *s = g_string_new(NULL);
	g_string_append_printf(s,
			       "P: %s\nN: bus/usb/001/%03d\n"
			       "E: SUBSYSTEM=usb\nE: DEVTYPE=usb_device\nE: DRIVER=usb\n"
			       "E: BUSNUM=001\nE: DEVNUM=%03d\nE: DEVNAME=/dev/bus/usb/001/%03d\n"
			       "E: ID_VENDOR_ID=%02x%02x\nE: ID_MODEL_ID=%02x%02x\nE: ID_SERIAL_SHORT=%s\n"
			       "A: busnum=1\\n\nA: devnum=%d\\n\nA: devpath=%d\\n\nA: speed=12\\n\n"
			       "A: idVendor=%02x%02x\\n\nA: idProduct=%02x%02x\\n\nA: bcdDevice=%02x%02x\\n\n"
			       "A: manufacturer=%s\\n\nA: product=%s\\n\nA: serial=%s\\n\n"
			       "A: bConfigurationValue=%d\\n\nH: descriptors=",
			       d->syspath + strlen("/sys"), d->devnum, d->devnum, d->devnum, dd[9], dd[8],
			       dd[11], dd[10], serial, d->devnum, port, dd[9], dd[8], dd[11], dd[10],
			       dd[13], dd[12], man, prod, serial, dd[18 + 5]);
	for (size_t i = 0; i < d->desc_len; i++)
		g_string_append_printf(s, "%02X", d->desc[i]);
	g_string_append_c(s, '\n');
	return g_string_free(s, FALSE);
}

/*
 * A testbed of the device's own, its lane, whose one worker thread answers
 * the ioctls of the device's node. umockdev answers all the nodes of a
 * testbed on that testbed's one thread, each ioctl several round trips to
 * the program: with every device on the bus's testbed, a program driving
 * several devices at once waited on the others' round trips, and the
 * emulator set the pace of a many-board run (bench/parallel). The program's
 * preload looks for a node's socket under the bus's testbed only; plug()
 * links it there. A new testbed points UMOCKDEV_DIR at itself: set back
 * here, before COMMAND runs, while no other thread reads the variable.
 */
static UMockdevTestbed *lane_new(struct usbemu_bus *bus)
{
	UMockdevTestbed *lane = umockdev_testbed_new();
	if (!lane || setenv("UMOCKDEV_DIR", bus->root, 1) != 0) {
		fprintf(stderr, "usbemu: cannot make a umockdev testbed\n");
		if (lane)
			g_object_unref(lane);
		return NULL;
	}
	return lane;
}

/* The device's node's socket, on its lane, where the bus's testbed has it. */
static int lane_link(struct usbemu_bus *bus, struct dev *d)
{
	char *lane = umockdev_testbed_get_root_dir(d->lane);
	char *at = g_build_filename(bus->root, "ioctl", d->node, NULL);
	char *to = g_build_filename(lane, "ioctl", d->node, NULL);
	char *dir = g_path_get_dirname(at);
	int rc = g_mkdir_with_parents(dir, 0755) == 0 && symlink(to, at) == 0 ? 0 : -1;
	if (rc)
		fprintf(stderr, "usbemu: %s: cannot link its ioctl socket: %s\n", d->node,
			strerror(errno));
	g_free(dir);
	g_free(to);
	g_free(at);
	g_free(lane);
	return rc;
}

/* A device of model with its options, not plugged in yet; NULL + message. */
static struct dev *make_dev(struct usbemu_bus *bus, const struct usbemu_model *model, int port,
			    int nopts, char **keys, char **values)
{
	if (bus->ndevs == MAX_DEVICES) {
		fprintf(stderr, "usbemu: at most %d devices\n", MAX_DEVICES);
		return NULL;
	}
	struct dev *d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->bus = bus;
	d->model = model;
	d->port = port;
	if (take_opt("vanish-after", &nopts, keys, values, &d->vanish_after) != 0 ||
	    take_opt("stall-after", &nopts, keys, values, &d->stall_after) != 0 ||
	    take_opt("reappear-ms", &nopts, keys, values, &d->reappear_ms) != 0 ||
	    !(d->lane = lane_new(bus))) {
		free(d);
		return NULL;
	}
	if (!(d->m = model->create(nopts, keys, values))) {
		g_object_unref(d->lane);
		free(d);
		return NULL;
	}
	if (d->reappear_ms < 0)
		d->reappear_ms = 200;
	d->desc_len = model->descriptors(d->m, d->desc, sizeof(d->desc));
	if (d->desc_len < 18 + 9 || d->desc_len > sizeof(d->desc)) {
		fprintf(stderr, "usbemu: %s: bad descriptors\n", model->name);
		model->destroy(d->m);
		g_object_unref(d->lane);
		free(d);
		return NULL;
	}
	usbemu_usbfs_init(d);
	bus->devs[bus->ndevs++] = d; /* freed with the bus from here on */
	return d;
}

/* Onto the bus at a new address: its node answered, its sysfs entry, an
 * "add" uevent for libusb's hotplug (which builds its device list from
 * those). Not under the bus lock: umockdev's worker thread may need it. */
static int plug(struct usbemu_bus *bus, struct dev *d, char *rec)
{
	GError *err = NULL;
	/* The handler first: a program may open the node as soon as it appears. */
	int ok = umockdev_testbed_attach_ioctl(d->lane, d->node, d->handler, &err);
	if (ok && lane_link(bus, d) != 0) {
		g_free(rec);
		return -1;
	}
	ok = ok && umockdev_testbed_add_from_string(bus->tb, rec, &err);
	g_free(rec);
	if (!ok) {
		fprintf(stderr, "usbemu: %s: %s\n", d->node, err ? err->message : "umockdev failed");
		g_clear_error(&err);
		return -1;
	}
	umockdev_testbed_uevent(bus->tb, d->syspath, "add");
	return 0;
}

/* The address and names of d's next plug-in, and its sysfs record (the
 * model is asked for its strings: under the lock once programs run). */
static char *prepare_plug(struct usbemu_bus *bus, struct dev *d)
{
	d->devnum = bus->next_devnum++;
	snprintf(d->node, sizeof(d->node), "/dev/bus/usb/001/%03d", d->devnum);
	snprintf(d->syspath, sizeof(d->syspath), "/sys/devices/usb1/1-%d", d->port);
	d->plugged = 1;
	return sysfs_record(d, d->port);
}

int usbemu_bus_add(struct usbemu_bus *bus, const struct usbemu_model *model, int nopts,
		   char **keys, char **values)
{
	if (!bus->next_devnum)
		bus->next_devnum = 2; /* 1 would be the root hub's */
	long long plug_ms;
	if (take_opt("plug-ms", &nopts, keys, values, &plug_ms) != 0)
		return -1;
	struct dev *d = make_dev(bus, model, bus->nports + 1, nopts, keys, values);
	if (!d)
		return -1;
	bus->nports++;
	if (plug_ms >= 0) { /* plugged in later, by usbemu_bus_poll */
		d->plug_at = usbemu_now() + (double)plug_ms / 1000;
		return 0;
	}
	return plug(bus, d, prepare_plug(bus, d));
}

int usbemu_bus_add_successor(struct usbemu_bus *bus, const struct usbemu_model *model, int nopts,
			     char **keys, char **values)
{
	struct dev *prev = bus->ndevs ? bus->devs[bus->ndevs - 1] : NULL;
	if (!prev || prev->successor || (!prev->plugged && !(prev->plug_at > 0))) {
		fprintf(stderr, "usbemu: reappear= needs a device before it, once\n");
		return -1;
	}
	struct dev *d = make_dev(bus, model, prev->port, nopts, keys, values);
	if (!d)
		return -1;
	prev->successor = d;
	return 0;
}

void usbemu_bus_poll(struct usbemu_bus *bus, double now)
{
	struct dev *due[MAX_DEVICES];
	char *recs[MAX_DEVICES];
	int n = 0;
	pthread_mutex_lock(&bus->lock);
	for (int i = 0; i < bus->ndevs && !bus->closing; i++) {
		struct dev *d = bus->devs[i];
		if (!d->plugged && d->plug_at > 0 && now >= d->plug_at) {
			recs[n] = prepare_plug(bus, d);
			due[n++] = d;
		}
	}
	pthread_mutex_unlock(&bus->lock);
	for (int i = 0; i < n; i++) {
		fprintf(stderr, "usbemu: %s plugged in at 1-%d (%s)\n", due[i]->node, due[i]->port,
			due[i]->model->name);
		plug(bus, due[i], recs[i]);
	}
}

int usbemu_bus_free(struct usbemu_bus *bus, struct usbemu_stats *stats)
{
	int rc = 0;
	pthread_mutex_lock(&bus->lock);
	bus->closing = 1;
	for (int i = 0; i < bus->ndevs; i++) {
		struct dev *d = bus->devs[i];
		if (d->m && d->model->destroy(d->m) != 0)
			rc = -1;
		d->m = NULL;
	}
	if (stats)
		*stats = bus->stats;
	pthread_mutex_unlock(&bus->lock);

	for (int i = 0; i < bus->ndevs; i++)
		if (bus->devs[i]->plugged)
			umockdev_testbed_detach_ioctl(bus->devs[i]->lane, bus->devs[i]->node, NULL);
	g_object_unref(bus->tb);
	g_free(bus->root);
	for (int i = 0; i < bus->ndevs; i++) {
		struct dev *d = bus->devs[i];
		g_object_unref(d->lane);
		usbemu_usbfs_free(d);
		free(d);
	}
	pthread_mutex_destroy(&bus->lock);
	free(bus);
	return rc;
}

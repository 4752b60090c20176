/* usbemu's insides shared by the bus (usbemu_bus.c: the testbed, sysfs
 * entries, devices' lives) and the usbfs emulation (usbemu_usbfs.c: the
 * ioctls of a device's node). */
#ifndef USBEMU_DEV_H
#define USBEMU_DEV_H

#include <pthread.h>

#include <umockdev.h>

#include "usbemu_bus.h"

#define MAX_DEVICES 8
#define DESC_MAX 4096

struct dev {
	struct usbemu_bus *bus;
	const struct usbemu_model *model;
	void *m; /* the model's device */
	int port, devnum;
	char node[64], syspath[64];
	UMockdevTestbed *lane; /* whose worker thread answers the node (usbemu_bus.c) */
	UMockdevIoctlBase *handler;
	GHashTable *clients; /* UMockdevIoctlClient (an open fd) -> struct client */
	uint8_t desc[DESC_MAX];
	size_t desc_len;
	long long vanish_after, stall_after; /* bytes of OUT data; -1: never */
	unsigned long long out_bytes;
	int stalled;  /* stall-after has fired */
	int vanished; /* off sysfs, every ioctl fails with ENODEV */
	int leaving;  /* usbemu_leave() was called */
	int plugged;  /* in sysfs with its node answered (a successor: not until its turn) */
	/* reappear=: the device plugged in on this one's port once it has left,
	   reappear_ms later (plug_at, on the monotonic clock, set when it left). */
	struct dev *successor;
	long long reappear_ms;
	double plug_at;
};

struct usbemu_bus {
	UMockdevTestbed *tb;
	char *root; /* its directory */
	pthread_mutex_t lock; /* devices' models and states, stats (usbemu_usbfs.c) */
	struct dev *devs[MAX_DEVICES];
	int ndevs;
	int nports;      /* ports taken; successors share their predecessor's */
	int next_devnum; /* each plug-in a new address, as a hub gives */
	int closing;
	int verbose;
	struct usbemu_stats stats;
};

/* Takes the device off the bus: off sysfs, a remove uevent, ENODEV from
 * then on. Under the bus lock. (usbemu_bus.c) */
void usbemu_dev_vanish(struct dev *d);

/* Makes d->handler answer the node's ioctls, and undoes it. (usbemu_usbfs.c) */
void usbemu_usbfs_init(struct dev *d);
void usbemu_usbfs_free(struct dev *d);

#endif

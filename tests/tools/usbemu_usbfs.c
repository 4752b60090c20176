/*
 * The usbfs ioctls of an emulated device's /dev/bus/usb node, as the kernel
 * answers them, arriving on the worker thread of the device's own testbed
 * (its lane, usbemu_bus.c). Control URBs are carried out at submit time and
 * wait in a per-client queue (one client per open fd) until the program
 * reaps them; claims are per client too. Clients and their queues are only
 * touched on that thread; the model, the bus's state and the statistics
 * only under the bus lock, which is never held across a round trip to the
 * program (umockdev_ioctl_data_resolve reads its memory): one device's
 * round trips would hold up every other device.
 */
#include <errno.h>
#include <sys/ioctl.h>
#include <linux/usbdevice_fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "usbemu_dev.h"

struct urb_done {
	UMockdevIoctlData *urb, *buf; /* the program's URB and its buffer */
	int status;                   /* 0, -EPIPE (STALL), -ESHUTDOWN (gone) */
	int actual;                   /* data stage bytes */
	uint8_t *in;                  /* IN data to hand over at reap */
};

static void urb_done_free(void *p)
{
	struct urb_done *u = p;
	g_object_unref(u->urb);
	g_object_unref(u->buf);
	free(u->in);
	free(u);
}

/* What the kernel keeps per open usbfs fd. */
struct client {
	GQueue urbs;      /* struct urb_done, to reap */
	uint32_t claimed; /* interfaces, one bit each */
};

static void client_free(void *p)
{
	struct client *cl = p;
	g_queue_clear_full(&cl->urbs, urb_done_free);
	free(cl);
}

/* The device in control(), for usbemu_leave(); calls are under the bus lock. */
static struct dev *calling;

void usbemu_leave(void)
{
	if (calling)
		calling->leaving = 1;
}

/* One control transfer, as the device sees it: the harness's faults, the
 * descriptors it serves itself, the model. Returns the data stage length
 * or -EPIPE / -ESHUTDOWN. Under the bus lock. */
static int transfer_locked(struct dev *d, const struct usbemu_setup *s, uint8_t *data)
{
	struct usbemu_stats *st = &d->bus->stats;
	int in = s->bmRequestType & 0x80;
	int r;

	st->transfers++;
	if (d->vanished || d->bus->closing)
		return -ESHUTDOWN;
	if (!in && s->wLength) {
		unsigned long long after = d->out_bytes + s->wLength;
		if (d->vanish_after >= 0 && after > (unsigned long long)d->vanish_after) {
			usbemu_dev_vanish(d);
			return -ESHUTDOWN;
		}
		if (d->stall_after >= 0 && !d->stalled && after > (unsigned long long)d->stall_after) {
			d->stalled = 1;
			return -EPIPE;
		}
		d->out_bytes = after;
		st->out += s->wLength;
	}
	uint8_t type = (uint8_t)(s->wValue >> 8);
	if (s->bmRequestType == 0x80 && s->bRequest == 6 && (type == 1 || type == 2)) {
		/* Device, or the configuration (index 0, the only one) with all it holds. */
		size_t off = type == 1 ? 0 : 18, len = type == 1 ? 18 : d->desc_len - 18;
		if ((s->wValue & 0xff) != 0)
			return -EPIPE;
		r = (int)(len < s->wLength ? len : s->wLength);
		memcpy(data, d->desc + off, (size_t)r);
	} else {
		calling = d;
		r = d->model->control(d->m, s, data);
		calling = NULL;
		if (r >= 0 && d->leaving)
			usbemu_dev_vanish(d); /* the answer still reaches the program */
		if (r == USBEMU_VANISH) {
			usbemu_dev_vanish(d);
			return -ESHUTDOWN;
		}
		if (r < 0)
			return -EPIPE;
		if (!in)
			r = s->wLength;
		else if (r > s->wLength)
			r = s->wLength;
	}
	if (in)
		st->in += (unsigned)r;
	return r;
}

static int transfer(struct dev *d, const struct usbemu_setup *s, uint8_t *data)
{
	pthread_mutex_lock(&d->bus->lock);
	int r = transfer_locked(d, s, data);
	pthread_mutex_unlock(&d->bus->lock);
	return r;
}

static int gone(struct dev *d)
{
	pthread_mutex_lock(&d->bus->lock);
	int r = d->bus->closing || d->vanished;
	pthread_mutex_unlock(&d->bus->lock);
	return r;
}

static void log_transfer(struct dev *d, const struct usbemu_setup *s, int r)
{
	if (!d->bus->verbose)
		return;
	fprintf(stderr, "usbemu: %s %02x %02x %04x %04x %04x -> ", d->node, s->bmRequestType,
		s->bRequest, s->wValue, s->wIndex, s->wLength);
	if (r == -EPIPE)
		fprintf(stderr, "STALL\n");
	else if (r == -ESHUTDOWN)
		fprintf(stderr, "gone\n");
	else
		fprintf(stderr, "%d\n", r);
}

static struct usbemu_setup parse_setup(const uint8_t *p)
{
	struct usbemu_setup s = {p[0], p[1], fwp_le16(p + 2), fwp_le16(p + 4), fwp_le16(p + 6)};
	return s;
}

static struct client *client_of(struct dev *d, UMockdevIoctlClient *c)
{
	struct client *cl = g_hash_table_lookup(d->clients, c);
	if (!cl) {
		cl = calloc(1, sizeof(*cl));
		if (!cl)
			abort(); /* a test tool: out of memory is the end */
		g_queue_init(&cl->urbs);
		g_hash_table_insert(d->clients, c, cl);
	}
	return cl;
}

/* USBDEVFS_SUBMITURB: control URBs on ep0 only (the models have no other endpoint). */
static void submit(struct dev *d, UMockdevIoctlClient *c, UMockdevIoctlData *arg)
{
	UMockdevIoctlData *ud = umockdev_ioctl_data_resolve(arg, 0, sizeof(struct usbdevfs_urb), NULL);
	if (!ud) {
		umockdev_ioctl_client_complete(c, -1, EFAULT);
		return;
	}
	struct usbdevfs_urb *urb = (struct usbdevfs_urb *)ud->data;
	if (urb->type != USBDEVFS_URB_TYPE_CONTROL || (urb->endpoint & 0x7f) != 0) {
		g_object_unref(ud);
		umockdev_ioctl_client_complete(c, -1, ENOENT);
		return;
	}
	UMockdevIoctlData *bd = NULL;
	if (urb->buffer_length >= 8)
		bd = umockdev_ioctl_data_resolve(ud, G_STRUCT_OFFSET(struct usbdevfs_urb, buffer),
						 (gsize)urb->buffer_length, NULL);
	struct usbemu_setup s;
	if (bd)
		s = parse_setup(bd->data);
	if (!bd || s.wLength > urb->buffer_length - 8) {
		if (bd)
			g_object_unref(bd);
		g_object_unref(ud);
		umockdev_ioctl_client_complete(c, -1, EINVAL);
		return;
	}
	struct urb_done *u = calloc(1, sizeof(*u));
	uint8_t *data = malloc(s.wLength ? s.wLength : 1);
	if (!u || !data) {
		free(u);
		free(data);
		g_object_unref(bd);
		g_object_unref(ud);
		umockdev_ioctl_client_complete(c, -1, ENOMEM);
		return;
	}
	memcpy(data, bd->data + 8, s.wLength);
	int r = transfer(d, &s, data);
	log_transfer(d, &s, r);
	u->urb = ud;
	u->buf = bd;
	u->status = r < 0 ? r : 0;
	u->actual = r < 0 ? 0 : r;
	if ((s.bmRequestType & 0x80) && r > 0)
		u->in = data;
	else
		free(data);
	g_queue_push_tail(&client_of(d, c)->urbs, u);
	umockdev_ioctl_client_complete(c, 0, 0);
}

/* USBDEVFS_REAPURB(NDELAY): the oldest finished URB of this fd. */
static void reap(struct dev *d, UMockdevIoctlClient *c, UMockdevIoctlData *arg)
{
	struct client *cl = g_hash_table_lookup(d->clients, c);
	struct urb_done *u = cl ? g_queue_pop_head(&cl->urbs) : NULL;
	if (!u) {
		/* The node is a plain file, always "ready": libusb polls here. */
		umockdev_ioctl_client_complete(c, -1, gone(d) ? ENODEV : EAGAIN);
		return;
	}
	struct usbdevfs_urb *urb = (struct usbdevfs_urb *)u->urb->data;
	if (u->in)
		memcpy(u->buf->data + 8, u->in, (size_t)u->actual);
	urb->actual_length = u->actual;
	urb->status = u->status;
	UMockdevIoctlData *ptr = umockdev_ioctl_data_resolve(arg, 0, sizeof(void *), NULL);
	if (!ptr || !umockdev_ioctl_data_set_ptr(ptr, 0, u->urb)) {
		if (ptr)
			g_object_unref(ptr);
		urb_done_free(u);
		umockdev_ioctl_client_complete(c, -1, EFAULT);
		return;
	}
	g_object_unref(ptr);
	urb_done_free(u);
	umockdev_ioctl_client_complete(c, 0, 0);
}

/* USBDEVFS_CONTROL: the synchronous control transfer. */
static void control_sync(struct dev *d, UMockdevIoctlClient *c, UMockdevIoctlData *arg)
{
	UMockdevIoctlData *cd =
		umockdev_ioctl_data_resolve(arg, 0, sizeof(struct usbdevfs_ctrltransfer), NULL);
	if (!cd) {
		umockdev_ioctl_client_complete(c, -1, EFAULT);
		return;
	}
	struct usbdevfs_ctrltransfer *ct = (struct usbdevfs_ctrltransfer *)cd->data;
	struct usbemu_setup s = {ct->bRequestType, ct->bRequest, ct->wValue, ct->wIndex, ct->wLength};
	UMockdevIoctlData *dd = NULL;
	if (s.wLength)
		dd = umockdev_ioctl_data_resolve(cd, G_STRUCT_OFFSET(struct usbdevfs_ctrltransfer, data),
						 s.wLength, NULL);
	uint8_t *data = malloc(s.wLength ? s.wLength : 1);
	if ((s.wLength && !dd) || !data) {
		free(data);
		if (dd)
			g_object_unref(dd);
		g_object_unref(cd);
		umockdev_ioctl_client_complete(c, -1, dd ? ENOMEM : EFAULT);
		return;
	}
	if (dd)
		memcpy(data, dd->data, s.wLength);
	int r = transfer(d, &s, data);
	log_transfer(d, &s, r);
	if (r > 0 && (s.bmRequestType & 0x80))
		memcpy(dd->data, data, (size_t)r);
	free(data);
	if (dd)
		g_object_unref(dd);
	g_object_unref(cd);
	if (r < 0)
		umockdev_ioctl_client_complete(c, -1, r == -EPIPE ? EPIPE : ENODEV);
	else
		umockdev_ioctl_client_complete(c, r, 0);
}

/* USBDEVFS_SETINTERFACE: the kernel sends SET_INTERFACE; a STALL means no such setting. */
static void set_interface(struct dev *d, UMockdevIoctlClient *c, UMockdevIoctlData *arg)
{
	UMockdevIoctlData *sd =
		umockdev_ioctl_data_resolve(arg, 0, sizeof(struct usbdevfs_setinterface), NULL);
	if (!sd) {
		umockdev_ioctl_client_complete(c, -1, EFAULT);
		return;
	}
	const struct usbdevfs_setinterface *si = (const struct usbdevfs_setinterface *)sd->data;
	struct usbemu_setup s = {0x01, 11, (uint16_t)si->altsetting, (uint16_t)si->interface, 0};
	g_object_unref(sd);
	uint8_t none[1];
	int r = transfer(d, &s, none);
	log_transfer(d, &s, r);
	if (r < 0)
		umockdev_ioctl_client_complete(c, -1, r == -EPIPE ? EINVAL : ENODEV);
	else
		umockdev_ioctl_client_complete(c, 0, 0);
}

/* CLAIMINTERFACE, DISCONNECT_CLAIM (its interface number first too) and
 * RELEASEINTERFACE, with the kernel's answers: a missing interface, one
 * another fd holds (EBUSY), releasing what this fd does not hold. */
static void claim(struct dev *d, UMockdevIoctlClient *c, gulong req, UMockdevIoctlData *arg)
{
	UMockdevIoctlData *n = umockdev_ioctl_data_resolve(arg, 0, sizeof(unsigned int), NULL);
	if (!n) {
		umockdev_ioctl_client_complete(c, -1, EFAULT);
		return;
	}
	unsigned int ifnum = *(unsigned int *)n->data;
	g_object_unref(n);
	struct client *me = client_of(d, c);
	uint32_t bit = ifnum < 32 ? 1u << ifnum : 0;
	int err = 0;
	if (req == USBDEVFS_RELEASEINTERFACE) {
		if (!(me->claimed & bit))
			err = EINVAL;
		me->claimed &= ~bit;
	} else if (ifnum >= d->desc[18 + 4] || !bit) {
		err = req == USBDEVFS_CLAIMINTERFACE ? ENOENT : EINVAL;
	} else {
		GHashTableIter it;
		void *other;
		g_hash_table_iter_init(&it, d->clients);
		while (g_hash_table_iter_next(&it, NULL, &other))
			if (other != me && (((struct client *)other)->claimed & bit))
				err = EBUSY;
		if (!err)
			me->claimed |= bit;
	}
	umockdev_ioctl_client_complete(c, err ? -1 : 0, err);
}

/* USBDEVFS_RESET: the model may leave the bus on it (into its bootloader). */
static void reset(struct dev *d, UMockdevIoctlClient *c)
{
	pthread_mutex_lock(&d->bus->lock);
	int r = d->bus->closing || d->vanished ? -1 : 0;
	if (r == 0 && d->model->reset) {
		calling = d;
		d->model->reset(d->m);
		calling = NULL;
		if (d->leaving)
			usbemu_dev_vanish(d);
	}
	pthread_mutex_unlock(&d->bus->lock);
	umockdev_ioctl_client_complete(c, r, r ? ENODEV : 0);
}

/* The usbfs ioctls of a device that is there. */
static void usbfs(struct dev *d, UMockdevIoctlClient *c, gulong req, UMockdevIoctlData *arg)
{
	UMockdevIoctlData *caps;
	switch (req) {
	case USBDEVFS_SUBMITURB:
		submit(d, c, arg);
		break;
	case USBDEVFS_CONTROL:
		control_sync(d, c, arg);
		break;
	case USBDEVFS_SETINTERFACE:
		set_interface(d, c, arg);
		break;
	case USBDEVFS_CLAIMINTERFACE:
	case USBDEVFS_RELEASEINTERFACE:
	case USBDEVFS_DISCONNECT_CLAIM: /* libusb's auto-detach; no driver to detach */
		claim(d, c, req, arg);
		break;
	case USBDEVFS_GET_CAPABILITIES:
		caps = umockdev_ioctl_data_resolve(arg, 0, sizeof(uint32_t), NULL);
		if (caps) {
			*(uint32_t *)caps->data = USBDEVFS_CAP_NO_PACKET_SIZE_LIM;
			g_object_unref(caps);
		}
		umockdev_ioctl_client_complete(c, caps ? 0 : -1, caps ? 0 : EFAULT);
		break;
	case USBDEVFS_GETDRIVER:
	case USBDEVFS_IOCTL:
		umockdev_ioctl_client_complete(c, -1, ENODATA); /* no kernel driver bound */
		break;
	case USBDEVFS_DISCARDURB:
		umockdev_ioctl_client_complete(c, -1, EINVAL); /* every URB is already done */
		break;
	case USBDEVFS_RESET:
		reset(d, c);
		break;
	default: /* clear halt, set configuration: nothing to do */
		umockdev_ioctl_client_complete(c, 0, 0);
	}
}

static gboolean on_ioctl(UMockdevIoctlBase *h, UMockdevIoctlClient *c, gpointer user)
{
	struct dev *d = user;
	gulong req = umockdev_ioctl_client_get_request(c);
	UMockdevIoctlData *arg = umockdev_ioctl_client_get_arg(c);
	gboolean handled = TRUE;
	(void)h;

	switch (req) {
	case USBDEVFS_REAPURB:
	case USBDEVFS_REAPURBNDELAY:
		/* URBs finished before the device went can still be reaped. */
		reap(d, c, arg);
		break;
	case USBDEVFS_SUBMITURB:
	case USBDEVFS_CONTROL:
	case USBDEVFS_SETINTERFACE:
	case USBDEVFS_CLAIMINTERFACE:
	case USBDEVFS_RELEASEINTERFACE:
	case USBDEVFS_DISCONNECT_CLAIM:
	case USBDEVFS_GET_CAPABILITIES:
	case USBDEVFS_GETDRIVER:
	case USBDEVFS_IOCTL:
	case USBDEVFS_DISCARDURB:
	case USBDEVFS_RESET:
	case USBDEVFS_CLEAR_HALT:
	case USBDEVFS_RESETEP:
	case USBDEVFS_SETCONFIGURATION:
		if (gone(d))
			umockdev_ioctl_client_complete(c, -1, ENODEV);
		else
			usbfs(d, c, req, arg);
		break;
	default:
		handled = FALSE; /* the program gets ENOTTY */
	}
	return handled;
}

static void on_client_vanished(UMockdevIoctlBase *h, UMockdevIoctlClient *c, gpointer user)
{
	struct dev *d = user;
	(void)h;
	g_hash_table_remove(d->clients, c);
}

void usbemu_usbfs_init(struct dev *d)
{
	d->clients = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, client_free);
	d->handler = umockdev_ioctl_base_new();
	g_signal_connect(d->handler, "handle-ioctl", G_CALLBACK(on_ioctl), d);
	g_signal_connect(d->handler, "client-vanished", G_CALLBACK(on_client_vanished), d);
}

void usbemu_usbfs_free(struct dev *d)
{
	g_object_unref(d->handler);
	g_hash_table_destroy(d->clients);
}

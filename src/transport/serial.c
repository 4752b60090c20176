/* The flasher's serial port, over libserialport. */
#include <libserialport.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portpath.h"
#include "serial.h"

struct fwp_serial {
	struct sp_port *port;
	char name[256];
};

static int sp_fail(struct fwp_serial *s, const char *what, struct fwp_err *err)
{
	char *msg = sp_last_error_message();
	int rc = fwp_fail(err, FWP_ERR_IO, "%s: %s: %s", s->name, what, msg ? msg : "failed");
	sp_free_error_message(msg);
	return rc;
}

int fwp_serial_open(const char *path, uint32_t baud, struct fwp_serial **out,
		    struct fwp_err *err)
{
	struct fwp_serial *s = calloc(1, sizeof(*s));
	if (!s)
		return fwp_fail(err, FWP_ERR_NOMEM, "out of memory");
	snprintf(s->name, sizeof(s->name), "%s", path);
	fwp_port_lookup_lock(); /* a lookup by name and an open that does not block */
	if (sp_get_port_by_name(path, &s->port) != SP_OK) {
		fwp_port_lookup_unlock();
		int rc = fwp_fail(err, FWP_ERR_NOT_FOUND, "%s: no such serial port", path);
		free(s);
		return rc;
	}
	enum sp_return opened = sp_open(s->port, SP_MODE_READ_WRITE);
	fwp_port_lookup_unlock();
	if (opened != SP_OK) {
		int rc = sp_fail(s, "cannot open", err);
		sp_free_port(s->port);
		free(s);
		return rc;
	}
	if (sp_set_baudrate(s->port, (int)baud) != SP_OK || sp_set_bits(s->port, 8) != SP_OK ||
	    sp_set_parity(s->port, SP_PARITY_NONE) != SP_OK ||
	    sp_set_stopbits(s->port, 1) != SP_OK ||
	    sp_set_flowcontrol(s->port, SP_FLOWCONTROL_NONE) != SP_OK) {
		int rc = sp_fail(s, "cannot configure", err);
		fwp_serial_close(s);
		return rc;
	}
	*out = s;
	return FWP_OK;
}

int fwp_serial_set_lines(struct fwp_serial *s, int dtr, int rts, struct fwp_err *err)
{
	if (sp_set_dtr(s->port, dtr ? SP_DTR_ON : SP_DTR_OFF) != SP_OK ||
	    sp_set_rts(s->port, rts ? SP_RTS_ON : SP_RTS_OFF) != SP_OK)
		return sp_fail(s, "cannot set DTR/RTS", err);
	return FWP_OK;
}

void fwp_serial_close(struct fwp_serial *s)
{
	if (!s)
		return;
	sp_close(s->port);
	sp_free_port(s->port);
	free(s);
}

int fwp_serial_write(struct fwp_serial *s, const void *buf, size_t len, unsigned timeout_ms,
		     struct fwp_err *err)
{
	enum sp_return r = sp_blocking_write(s->port, buf, len, timeout_ms);
	if (r < 0)
		return sp_fail(s, "write", err);
	if ((size_t)r != len)
		return fwp_fail(err, FWP_ERR_NO_DEVICE,
				"%s: the port took only %d of %zu bytes in %u ms (nobody reading?)",
				s->name, (int)r, len, timeout_ms);
	return FWP_OK;
}

int fwp_serial_read(struct fwp_serial *s, void *buf, size_t len, unsigned timeout_ms,
		    struct fwp_err *err)
{
	enum sp_return r = sp_nonblocking_read(s->port, buf, len);
	if (r == 0 && timeout_ms) {
		/* Wait for the first byte only: then take whatever else is there. */
		r = sp_blocking_read_next(s->port, buf, len, timeout_ms);
	}
	if (r < 0)
		return sp_fail(s, "read", err);
	return (int)r;
}

int fwp_serial_set_baud(struct fwp_serial *s, uint32_t baud, struct fwp_err *err)
{
	if (sp_drain(s->port) != SP_OK || sp_set_baudrate(s->port, (int)baud) != SP_OK)
		return sp_fail(s, "cannot change the line rate", err);
	return FWP_OK;
}

void fwp_serial_flush_input(struct fwp_serial *s)
{
	sp_flush(s->port, SP_BUF_INPUT);
}

const char *fwp_serial_name(const struct fwp_serial *s)
{
	return s->name;
}

static void copy(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src ? src : "");
}

static void describe(struct sp_port *p, struct fwp_port_desc *d)
{
	memset(d, 0, sizeof(*d));
	copy(d->name, sizeof(d->name), sp_get_port_name(p));
	copy(d->description, sizeof(d->description), sp_get_port_description(p));
	d->usb_vid = d->usb_pid = d->usb_bus = d->usb_address = -1;
	switch (sp_get_port_transport(p)) {
	case SP_TRANSPORT_USB:
		d->transport = "usb";
		if (sp_get_port_usb_vid_pid(p, &d->usb_vid, &d->usb_pid) != SP_OK)
			d->usb_vid = d->usb_pid = -1;
		if (sp_get_port_usb_bus_address(p, &d->usb_bus, &d->usb_address) != SP_OK)
			d->usb_bus = d->usb_address = -1;
		copy(d->usb_serial, sizeof(d->usb_serial), sp_get_port_usb_serial(p));
		copy(d->usb_manufacturer, sizeof(d->usb_manufacturer),
		     sp_get_port_usb_manufacturer(p));
		copy(d->usb_product, sizeof(d->usb_product), sp_get_port_usb_product(p));
		break;
	case SP_TRANSPORT_BLUETOOTH:
		d->transport = "bluetooth";
		break;
	default:
		d->transport = "native";
		break;
	}
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct fwp_port_desc *)a)->name,
		      ((const struct fwp_port_desc *)b)->name);
}

int fwp_serial_list(struct fwp_port_desc **out, size_t *count, struct fwp_err *err)
{
	struct sp_port **ports;
	*out = NULL;
	*count = 0;
	if (sp_list_ports(&ports) != SP_OK) {
		char *msg = sp_last_error_message();
		int rc = fwp_fail(err, FWP_ERR_IO, "cannot list serial ports: %s",
				  msg ? msg : "failed");
		sp_free_error_message(msg);
		return rc;
	}
	size_t n = 0;
	while (ports[n])
		n++;
	struct fwp_port_desc *d = n ? calloc(n, sizeof(*d)) : NULL;
	if (n && !d) {
		sp_free_port_list(ports);
		return fwp_fail(err, FWP_ERR_NOMEM, "out of memory");
	}
	for (size_t i = 0; i < n; i++)
		describe(ports[i], &d[i]);
	sp_free_port_list(ports);
	if (n)
		qsort(d, n, sizeof(*d), by_name);
	*out = d;
	*count = n;
	return FWP_OK;
}

int fwp_serial_describe(const char *path, struct fwp_port_desc *out, struct fwp_err *err)
{
	struct sp_port *p;
	if (sp_get_port_by_name(path, &p) != SP_OK)
		return fwp_fail(err, FWP_ERR_NOT_FOUND, "%s: no such serial port", path);
	describe(p, out);
	sp_free_port(p);
	return FWP_OK;
}

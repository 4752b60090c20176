/* The flasher's serial port, over libserialport. */
#include <libserialport.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	if (sp_get_port_by_name(path, &s->port) != SP_OK) {
		int rc = fwp_fail(err, FWP_ERR_NOT_FOUND, "%s: no such serial port", path);
		free(s);
		return rc;
	}
	if (sp_open(s->port, SP_MODE_READ_WRITE) != SP_OK) {
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

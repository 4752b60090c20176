/*
 * A serial port for the flasher, through libserialport: open with a line
 * rate (8N1, no flow control), write all bytes, read what arrived within a
 * time limit, change the rate. Errors name the port.
 */
#ifndef FWP_SERIAL_H
#define FWP_SERIAL_H

#include <stddef.h>
#include <stdint.h>

#include "fwpack/error.h"

struct fwp_serial;

int fwp_serial_open(const char *path, uint32_t baud, struct fwp_serial **out,
		    struct fwp_err *err);
void fwp_serial_close(struct fwp_serial *s);
/* All of len bytes, or an error (a port that takes nothing for timeout_ms fails). */
int fwp_serial_write(struct fwp_serial *s, const void *buf, size_t len, unsigned timeout_ms,
		     struct fwp_err *err);
/* Up to len bytes; waits at most timeout_ms for the first. Returns the count (0: none). */
int fwp_serial_read(struct fwp_serial *s, void *buf, size_t len, unsigned timeout_ms,
		    struct fwp_err *err);
int fwp_serial_set_baud(struct fwp_serial *s, uint32_t baud, struct fwp_err *err);
/* Set the modem control lines (1: asserted). */
int fwp_serial_set_lines(struct fwp_serial *s, int dtr, int rts, struct fwp_err *err);
/* Drop whatever was received and not read yet. */
void fwp_serial_flush_input(struct fwp_serial *s);
const char *fwp_serial_name(const struct fwp_serial *s);

/* What the system tells about a port (libserialport's view; empty strings when unknown). */
struct fwp_port_desc {
	char name[256], description[256];
	const char *transport; /* "native", "usb" or "bluetooth" */
	int usb_vid, usb_pid;  /* -1 unless USB */
	int usb_bus, usb_address;
	char usb_serial[128], usb_manufacturer[128], usb_product[128];
};

/* Every serial port the system lists, sorted by name; *out is free()d by the caller. */
int fwp_serial_list(struct fwp_port_desc **out, size_t *count, struct fwp_err *err);
/* One port by path: the system does not list every port (a pseudo-terminal, say). */
int fwp_serial_describe(const char *path, struct fwp_port_desc *out, struct fwp_err *err);

#endif /* FWP_SERIAL_H */

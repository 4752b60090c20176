/*
 * The posix board's reset circuit, driven by the emulated modem lines
 * (docs/serial-emulation.md): a pty has no DTR or RTS, so the host side's
 * tests/tools/ptyshim.so (or tests/tools/linkemu, the cable in between)
 * sends each change as a datagram to $FWP_MODEM_DIR/pts-N, N this board's
 * pty. Wired as esptool's boards: RTS holds the board in reset, DTR is the
 * boot-select line the Loader reads as it starts; and a close at 1200
 * baud with DTR dropped (the "1200-baud touch") resets it into the Loader.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "posix.h"

#define TOUCH_BAUD 1200u
#define HOLD_POLL_MS 1000 /* while held in reset: look at the lines again at least this often */

static int sock = -1;
static int dtr, rts, held, latch;
static char path[sizeof(((struct sockaddr_un *)0)->sun_path)];

int fwd_posix_modem_open(const char *pty, char *err, size_t errlen)
{
	const char *dir = getenv("FWP_MODEM_DIR");
	const char *n = strrchr(pty, '/');
	if (!dir || !*dir)
		return 0; /* a null-modem cable: no lines */
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	if ((size_t)snprintf(a.sun_path, sizeof(a.sun_path), "%s/pts-%s", dir, n ? n + 1 : pty) >=
	    sizeof(a.sun_path)) {
		snprintf(err, errlen, "FWP_MODEM_DIR=%s: path too long for a socket", dir);
		return -1;
	}
	sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	unlink(a.sun_path);
	if (sock < 0 || bind(sock, (struct sockaddr *)&a, sizeof(a)) != 0) {
		snprintf(err, errlen, "%s: %s", a.sun_path, strerror(errno));
		return -1;
	}
	memcpy(path, a.sun_path, sizeof(path));
	atexit(fwd_posix_modem_close);
	return 0;
}

void fwd_posix_modem_close(void)
{
	if (sock >= 0) {
		close(sock);
		unlink(path);
		sock = -1;
	}
}

int fwd_posix_modem_fd(void)
{
	return sock;
}

int fwd_posix_modem_boot_select(void)
{
	return latch;
}

void fwd_posix_modem_on_reset(void)
{
	latch = dtr; /* a software reset: the line as it is now */
}

/* One message; 1 when the board resets now (latch set), 0 otherwise. */
static int line_change(const char *msg)
{
	unsigned d, r, baud;
	int at_close = strstr(msg, " close") != NULL;
	if (sscanf(msg, "dtr=%u rts=%u baud=%u", &d, &r, &baud) != 3) {
		fprintf(stderr, "fwd-posix: modem lines: ignoring '%s'\n", msg);
		return 0;
	}
	dtr = d != 0;
	rts = r != 0;
	if (at_close && baud == TOUCH_BAUD && !dtr) {
		held = 0;
		latch = 1;
		fprintf(stderr, "fwd-posix: 1200-baud touch: reset into the Loader\n");
		return 1;
	}
	if (rts && !held) {
		held = 1;
		fprintf(stderr, "fwd-posix: RTS asserted: held in reset\n");
	} else if (!rts && held) {
		held = 0;
		latch = dtr;
		fprintf(stderr, "fwd-posix: RTS released: reset, boot-select %s\n",
			dtr ? "asserted" : "released");
		return 1;
	}
	return 0;
}

/* Read what is waiting; 1 when the board is to reset. */
static int drain(void)
{
	char msg[128];
	ssize_t n;
	int reset = 0;
	while ((n = recv(sock, msg, sizeof(msg) - 1, 0)) > 0) {
		msg[n] = 0;
		reset |= line_change(msg);
	}
	return reset;
}

void fwd_posix_modem_input(int pty_master)
{
	if (sock < 0)
		return;
	int reset = drain();
	/* Held in reset: the CPU does nothing, and what arrives on the UART is lost. */
	while (held && !reset) {
		struct pollfd p[2] = {{sock, POLLIN, 0}, {pty_master, POLLIN, 0}};
		if (poll(p, 2, HOLD_POLL_MS) > 0 && (p[1].revents & POLLIN)) {
			char junk[256];
			if (read(pty_master, junk, sizeof(junk)) < 0 && errno != EAGAIN)
				usleep(10000); /* nobody on the other end: no spin */
		}
		reset = drain();
	}
	if (reset)
		fwd_posix_pin_reset();
}

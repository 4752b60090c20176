/*
 * A null-modem for pseudo-terminals, preloaded (LD_PRELOAD) into programs
 * that open a pty through libserialport. A Linux pty has no modem-control
 * lines, so TIOCMGET/TIOCMSET/TIOCMBIS/TIOCMBIC fail with ENOTTY, and
 * /dev/pts/N has no /sys/class/tty entry: libserialport 0.1.1 then refuses
 * the port (upstream declines pty support, sigrokproject/libserialport#4).
 * This shim answers those two questions as a null-modem cable would (the
 * lines the program sets are remembered; DSR, CTS and CD read as asserted)
 * and leaves every byte of the data path to the real pty.
 *
 * One more difference from a UART: tcdrain() on a pty returns at once, so
 * a program that drains and then flushes its output before exiting (lrzsz's
 * rx after its last ACK) throws away bytes a UART would already have sent.
 * Here an output flush on a pty leaves the output alone.
 *
 * The lines reach the board when FWP_MODEM_DIR is set (docs/serial-emulation.md):
 * each change of DTR or RTS, and each close (which drops both, as HUPCL
 * does on a UART), goes as one datagram "dtr=D rts=R baud=B[ close]" (B
 * the rate set on the pty) to the Unix socket FWP_MODEM_DIR/pts-N, N the
 * pty's number, where the link emulator or the posix board listens.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <unistd.h>

#define SYS_PTS "/sys/class/tty/pts/"
#define MAX_FDS 1024

static int lines[MAX_FDS];    /* modem lines set per fd */
static int reported[MAX_FDS]; /* as last sent to the board (both released at first, as the board starts) */

/* The kernel's termios2 (asm/termbits.h clashes with termios.h): the rate as a number. */
struct termios2 {
	unsigned int c_iflag, c_oflag, c_cflag, c_lflag;
	unsigned char c_line, c_cc[19];
	unsigned int c_ispeed, c_ospeed;
};

static int is_pty(int fd)
{
	struct stat st;
	/* Unix98 pty slaves: majors 136..143. */
	return fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) >= 136 &&
	       major(st.st_rdev) <= 143;
}

static int (*real_ioctl)(int, unsigned long, ...);

/* Tell the far end of the cable what the lines are now (FWP_MODEM_DIR set). */
static void report(int fd, int closing)
{
	const char *dir = getenv("FWP_MODEM_DIR");
	char link[64], tty[256], msg[96];
	if (!dir || !*dir)
		return;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, tty, sizeof(tty) - 1);
	if (n <= 0)
		return;
	tty[n] = 0;
	const char *num = strrchr(tty, '/');
	struct termios2 t;
	unsigned baud = real_ioctl(fd, TCGETS2, &t) == 0 ? t.c_ospeed : 0;
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	snprintf(a.sun_path, sizeof(a.sun_path), "%s/pts-%s", dir, num ? num + 1 : tty);
	int len = snprintf(msg, sizeof(msg), "dtr=%d rts=%d baud=%u%s",
			   !!(lines[fd] & TIOCM_DTR), !!(lines[fd] & TIOCM_RTS), baud,
			   closing ? " close" : "");
	/* Only changes, and closes: libserialport rewrites the lines with every setting. */
	if (!closing && reported[fd] == lines[fd])
		return;
	reported[fd] = lines[fd];
	int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return;
	/* Nobody listening (no board yet, or none emulated): the lines go nowhere, as on a cable. */
	sendto(s, msg, (size_t)len, 0, (struct sockaddr *)&a, sizeof(a));
	int e = errno;
	((int (*)(int))dlsym(RTLD_NEXT, "close"))(s);
	errno = e;
}

int close(int fd)
{
	static int (*real)(int);
	if (!real)
		real = (int (*)(int))dlsym(RTLD_NEXT, "close");
	if (fd >= 0 && fd < MAX_FDS && getenv("FWP_MODEM_DIR") && is_pty(fd)) {
		if (!real_ioctl)
			real_ioctl = (int (*)(int, unsigned long, ...))dlsym(RTLD_NEXT, "ioctl");
		lines[fd] = 0; /* HUPCL: closing drops DTR and RTS */
		report(fd, 1);
	}
	return real(fd);
}

int ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	va_start(ap, req);
	void *arg = va_arg(ap, void *);
	va_end(ap);
	if (!real_ioctl)
		real_ioctl = (int (*)(int, unsigned long, ...))dlsym(RTLD_NEXT, "ioctl");
	int (*real)(int, unsigned long, ...) = real_ioctl;
	int rc = real(fd, req, arg);
	if (rc == 0 || errno != ENOTTY || fd < 0 || fd >= MAX_FDS || !is_pty(fd))
		return rc;
	int *bits = arg;
	switch (req) {
	case TIOCMGET:
		*bits = lines[fd] | TIOCM_DSR | TIOCM_CTS | TIOCM_CD;
		return 0;
	case TIOCMSET:
		lines[fd] = *bits & (TIOCM_DTR | TIOCM_RTS);
		report(fd, 0);
		return 0;
	case TIOCMBIS:
		lines[fd] |= *bits & (TIOCM_DTR | TIOCM_RTS);
		report(fd, 0);
		return 0;
	case TIOCMBIC:
		lines[fd] &= ~*bits;
		report(fd, 0);
		return 0;
	default:
		errno = ENOTTY;
		return rc;
	}
}

int tcflush(int fd, int queue)
{
	static int (*real)(int, int);
	if (!real)
		real = (int (*)(int, int))dlsym(RTLD_NEXT, "tcflush");
	if (queue != TCIFLUSH && is_pty(fd)) {
		if (queue == TCOFLUSH)
			return 0;
		queue = TCIFLUSH;
	}
	return real(fd, queue);
}

/* /sys/class/tty/pts/N: a symlink to a virtual device, as for other virtual ttys. */
int lstat(const char *path, struct stat *st)
{
	static int (*real)(const char *, struct stat *);
	if (!real)
		real = (int (*)(const char *, struct stat *))dlsym(RTLD_NEXT, "lstat");
	if (strncmp(path, SYS_PTS, strlen(SYS_PTS)) == 0) {
		memset(st, 0, sizeof(*st));
		st->st_mode = S_IFLNK | 0777;
		return 0;
	}
	return real(path, st);
}

/* Libraries built against glibc before 2.33 call lstat through this. */
int __lxstat(int ver, const char *path, struct stat *st);
int __lxstat(int ver, const char *path, struct stat *st)
{
	static int (*real)(int, const char *, struct stat *);
	if (!real)
		real = (int (*)(int, const char *, struct stat *))dlsym(RTLD_NEXT, "__lxstat");
	if (strncmp(path, SYS_PTS, strlen(SYS_PTS)) == 0)
		return lstat(path, st);
	return real(ver, path, st);
}

ssize_t readlink(const char *path, char *buf, size_t len)
{
	static ssize_t (*real)(const char *, char *, size_t);
	static const char target[] = "../../devices/virtual/tty/pts";
	if (!real)
		real = (ssize_t(*)(const char *, char *, size_t))dlsym(RTLD_NEXT, "readlink");
	if (strncmp(path, SYS_PTS, strlen(SYS_PTS)) == 0) {
		size_t n = sizeof(target) - 1 < len ? sizeof(target) - 1 : len;
		memcpy(buf, target, n);
		return (ssize_t)n;
	}
	return real(path, buf, len);
}

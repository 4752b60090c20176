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
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <unistd.h>

#define SYS_PTS "/sys/class/tty/pts/"
#define MAX_FDS 1024

static int lines[MAX_FDS]; /* modem lines set per fd */

static int is_pty(int fd)
{
	struct stat st;
	/* Unix98 pty slaves: majors 136..143. */
	return fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) >= 136 &&
	       major(st.st_rdev) <= 143;
}

int ioctl(int fd, unsigned long req, ...)
{
	static int (*real)(int, unsigned long, ...);
	va_list ap;
	va_start(ap, req);
	void *arg = va_arg(ap, void *);
	va_end(ap);
	if (!real)
		real = (int (*)(int, unsigned long, ...))dlsym(RTLD_NEXT, "ioctl");
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
		return 0;
	case TIOCMBIS:
		lines[fd] |= *bits & (TIOCM_DTR | TIOCM_RTS);
		return 0;
	case TIOCMBIC:
		lines[fd] &= ~*bits;
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

/*
 * ttyemu: run a program against emulated serial ports that the system
 * lists, as USB CDC ports are listed (libserialport's sp_list_ports(),
 * which a pseudo-terminal never appears in).
 *
 *   ttyemu [--timeout SECONDS] [--usb VID:PID[:SERIAL]] [--after SECONDS]
 *          --port NAME=PATH [--port ...] -- COMMAND [ARGS...]
 *
 * Each --port adds /sys/class/tty/NAME (a CDC-ACM interface of a USB device
 * in the emulated sysfs, with the busnum, devnum, idVendor, idProduct,
 * manufacturer, product and serial that libserialport reads) and /dev/NAME
 * with umockdev. --usb gives the next port's USB identity (default
 * 0483:5740 and serial "ttyemu-NAME"); --after makes the ports given after
 * it appear that many seconds after COMMAND started (a board plugged in
 * late). COMMAND runs under umockdev's preload and sees only these ports
 * (and whatever LD_PRELOAD already held); /dev/NAME is a pseudo-terminal whose
 * other side ttyemu joins to PATH, a pseudo-terminal of a board (the posix
 * port's --link, or linkemu's), byte for byte both ways. PATH "none": a port
 * with nothing behind it (what is written to it is dropped). The modem
 * lines (TIOCMGET/TIOCMSET/TIOCMBIS/TIOCMBIC, which a pseudo-terminal
 * refuses) are answered here as a null-modem cable would: the lines set are
 * kept, DSR, CTS and CD read as asserted; every other ioctl is the real
 * one on the program's side.
 *
 * Run as the COMMAND of usbemu (UMOCKDEV_DIR already set), the ports join
 * that emulated system instead of a new one: COMMAND sees usbemu's USB
 * devices and these ports together (one board on both, say). Their
 * entries are made in a testbed of ttyemu's own and linked into usbemu's,
 * all but the USB devices they hang off, which stay out of its USB bus.
 *
 * Exits with COMMAND's status (128+N for signal N), 124 past --timeout
 * (default 120 s; it is killed), 127 when it cannot be started, 64 on a
 * usage error, 70 when a port cannot be made.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <dirent.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <umockdev.h>

#include "emurun.h"

#define EXIT_USAGE 64
#define EXIT_SOFTWARE EMURUN_EXIT_SOFTWARE
#define MAX_PORTS 32
#define PRELOAD "libumockdev-preload.so.0"

extern char **environ;

struct port {
	char name[64], node[80];
	const char *path; /* the board's side; NULL: nothing behind it */
	unsigned vid, pid;
	char serial[64];
	double after; /* seconds after COMMAND started */
	int added;
	int master, board;
	int lines;        /* modem lines the program set */
	pthread_t relay;
};

static struct port ports[MAX_PORTS];
static int nports;
static pthread_mutex_t lines_lock = PTHREAD_MUTEX_INITIALIZER;
static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	got_signal = sig;
}

static int usage(void)
{
	fprintf(stderr, "usage: ttyemu [--timeout SECONDS] [--usb VID:PID[:SERIAL]] [--after SECONDS] "
			"--port NAME=PATH|none [--port ...] -- COMMAND [ARGS...]\n");
	return EXIT_USAGE;
}

/* The modem-line ioctls answered here, the others run on the program's side. */
static gboolean on_ioctl(UMockdevIoctlBase *h, UMockdevIoctlClient *c, gpointer user)
{
	(void)h;
	struct port *p = user;
	gulong req = umockdev_ioctl_client_get_request(c);
	if (req == TIOCMGET || req == TIOCMSET || req == TIOCMBIS || req == TIOCMBIC) {
		UMockdevIoctlData *d = umockdev_ioctl_data_resolve(
			umockdev_ioctl_client_get_arg(c), 0, sizeof(int), NULL);
		if (!d) {
			umockdev_ioctl_client_complete(c, -1, EFAULT);
			return TRUE;
		}
		int *v = (int *)d->data;
		pthread_mutex_lock(&lines_lock);
		if (req == TIOCMGET)
			*v = p->lines | TIOCM_DSR | TIOCM_CTS | TIOCM_CD;
		else if (req == TIOCMSET)
			p->lines = *v & (TIOCM_DTR | TIOCM_RTS);
		else if (req == TIOCMBIS)
			p->lines |= *v & (TIOCM_DTR | TIOCM_RTS);
		else
			p->lines &= ~*v;
		pthread_mutex_unlock(&lines_lock);
		umockdev_ioctl_client_complete(c, 0, 0);
		return TRUE;
	}
	int e = 0;
	int r = umockdev_ioctl_client_execute(c, &e, NULL);
	umockdev_ioctl_client_complete(c, r, e);
	return TRUE;
}

/* Bytes both ways between the program's port and the board, until ttyemu ends. */
static void *relay(void *arg)
{
	struct port *p = arg;
	uint8_t buf[4096];
	for (;;) {
		struct pollfd fds[2] = {{p->master, POLLIN, 0}, {p->board, POLLIN, 0}};
		int n = poll(fds, p->board >= 0 ? 2 : 1, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return NULL;
		for (int i = 0; i < 2; i++) {
			if (!(fds[i].revents & (POLLIN | POLLHUP)) || (i == 1 && p->board < 0))
				continue;
			ssize_t got = read(fds[i].fd, buf, sizeof(buf));
			if (got <= 0) {
				/* The program closed its side (a pty then reads EIO until it
				   opens it again): wait a little instead of spinning. */
				struct timespec ts = {0, 10000000L};
				nanosleep(&ts, NULL);
				continue;
			}
			int to = i == 0 ? p->board : p->master;
			for (ssize_t off = 0; to >= 0 && off < got;) {
				ssize_t w = write(to, buf + off, (size_t)(got - off));
				if (w < 0 && errno != EINTR && errno != EAGAIN)
					break;
				off += w > 0 ? w : 0;
			}
		}
	}
}

/* One --port's NAME=PATH; 0, or usage(). */
static int parse_port(struct port *p, const char *spec)
{
	const char *eq = strchr(spec, '=');
	if (!eq || eq == spec || (size_t)(eq - spec) >= sizeof(p->name) || !eq[1] ||
	    memchr(spec, '/', (size_t)(eq - spec)))
		return usage();
	memcpy(p->name, spec, (size_t)(eq - spec));
	snprintf(p->node, sizeof(p->node), "/dev/%.*s", (int)(eq - spec), spec);
	p->path = strcmp(eq + 1, "none") ? eq + 1 : NULL;
	p->board = -1;
	if (!p->serial[0])
		snprintf(p->serial, sizeof(p->serial), "ttyemu-%.*s", (int)(eq - spec), spec);
	return 0;
}

/* --usb VID:PID[:SERIAL] into the next port. */
static int parse_usb(struct port *p, const char *spec)
{
	int n = 0;
	if (sscanf(spec, "%4x:%4x%n", &p->vid, &p->pid, &n) != 2 || (spec[n] && spec[n] != ':') ||
	    (spec[n] == ':' && (!spec[n + 1] || strlen(spec + n + 1) >= sizeof(p->serial) ||
				strpbrk(spec + n + 1, "\n\\"))))
		return usage();
	if (spec[n] == ':')
		snprintf(p->serial, sizeof(p->serial), "%s", spec + n + 1);
	return 0;
}

static int add_port(UMockdevTestbed *tb, int index)
{
	struct port *p = &ports[index];
	p->added = 1;
	if (p->path) {
		p->board = open(p->path, O_RDWR | O_NOCTTY);
		struct termios t;
		if (p->board < 0 || tcgetattr(p->board, &t) != 0) {
			fprintf(stderr, "ttyemu: %s: %s\n", p->path, strerror(errno));
			return EXIT_SOFTWARE;
		}
		cfmakeraw(&t);
		tcsetattr(p->board, TCSANOW, &t);
	}
	GError *err = NULL;
	UMockdevIoctlBase *h = umockdev_ioctl_base_new();
	g_signal_connect(h, "handle-ioctl", G_CALLBACK(on_ioctl), p);
	/* The tty, then its parents (umockdev-record's order): the CDC-ACM
	   interface and the USB device whose attributes libserialport reads. */
	char *rec = g_strdup_printf(
		"P: /devices/pci0000:00/0000:00:14.0/usb1/1-%d/1-%d:1.0/tty/%s\n"
		"N: %s\nE: SUBSYSTEM=tty\nE: DEVNAME=%s\n"
		"E: MAJOR=166\nE: MINOR=%d\nA: dev=166:%d\\n\n\n"
		"P: /devices/pci0000:00/0000:00:14.0/usb1/1-%d/1-%d:1.0\n"
		"E: SUBSYSTEM=usb\nE: DEVTYPE=usb_interface\nE: DRIVER=cdc_acm\n"
		"A: bInterfaceClass=02\\n\nA: bInterfaceSubClass=02\\n\n"
		"L: driver=../../../../../../bus/usb/drivers/cdc_acm\n\n"
		"P: /devices/pci0000:00/0000:00:14.0/usb1/1-%d\n"
		"E: SUBSYSTEM=usb\nE: DEVTYPE=usb_device\nE: DRIVER=usb\n"
		"A: busnum=1\\n\nA: devnum=%d\\n\nA: idVendor=%04x\\n\nA: idProduct=%04x\\n\n"
		"A: manufacturer=fwpack\\n\nA: product=ttyemu board\\n\nA: serial=%s\\n\n",
		index + 1, index + 1, p->name, p->name, p->node, index, index, index + 1, index + 1,
		index + 1, index + 2, p->vid, p->pid, p->serial);
	/* The handler before the node: the program may open it at once. */
	int ok = umockdev_testbed_attach_ioctl(tb, p->node, h, &err) &&
		 umockdev_testbed_add_from_string(tb, rec, &err);
	g_free(rec);
	if (!ok) {
		fprintf(stderr, "ttyemu: %s: %s\n", p->node, err ? err->message : "umockdev failed");
		g_clear_error(&err);
		return EXIT_SOFTWARE;
	}
	/* tty/NAME/device names its interface, as the kernel's does: libserialport
	   goes up from there to the USB device's attributes. umockdev makes no such link. */
	char *sys = umockdev_testbed_get_sys_dir(tb); /* a copy of its own */
	char *link = g_strdup_printf("%s/devices/pci0000:00/0000:00:14.0/usb1/1-%d/1-%d:1.0/tty/%s/device",
				     sys, index + 1, index + 1, p->name);
	int linked = symlink("../..", link);
	g_free(link);
	g_free(sys);
	if (linked != 0) {
		fprintf(stderr, "ttyemu: %s: device link: %s\n", p->node, strerror(errno));
		return EXIT_SOFTWARE;
	}
	p->master = umockdev_testbed_get_dev_fd(tb, p->node);
	struct termios t;
	if (p->master < 0 || tcgetattr(p->master, &t) != 0) {
		fprintf(stderr, "ttyemu: %s: no pseudo-terminal behind it\n", p->node);
		return EXIT_SOFTWARE;
	}
	cfmakeraw(&t);
	tcsetattr(p->master, TCSANOW, &t);
	if (pthread_create(&p->relay, NULL, relay, p) != 0)
		return EXIT_SOFTWARE;
	pthread_detach(p->relay);
	return 0;
}

/* Our environment (with UMOCKDEV_DIR) plus umockdev's preload in front. */
static char **child_env(void)
{
	size_t n = 0, k = 0;
	while (environ[n])
		n++;
	char **env = calloc(n + 3, sizeof(*env));
	const char *pre = getenv("LD_PRELOAD"), *asan = getenv("ASAN_OPTIONS");
	if (!env)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "LD_PRELOAD=", 11) && strncmp(environ[i], "ASAN_OPTIONS=", 13))
			env[k++] = environ[i];
	if (asprintf(&env[k++], "LD_PRELOAD=" PRELOAD "%s%s", pre && *pre ? ":" : "",
		     pre ? pre : "") < 0 ||
	    asprintf(&env[k++], "ASAN_OPTIONS=%s%sverify_asan_link_order=0", asan ? asan : "",
		     asan && *asan ? ":" : "") < 0)
		env[--k] = NULL;
	return env;
}

/* The emulated system ttyemu joins (usbemu's), or NULL: its own. */
static const char *outer;

/*
 * Links what own/REL holds into outer/REL: an entry outer lacks as a
 * symbolic link to it (a whole directory at once) or, itself a link, as a
 * copy; a directory both have, entry by entry. sys/bus stays out: the ports' USB devices are not on the
 * other emulator's bus. 0, or -1 with a message.
 */
static int join_dir(const char *own, const char *rel)
{
	char from[4096], to[4096];
	snprintf(from, sizeof(from), "%s/%s", own, rel);
	DIR *dir = opendir(from);
	if (!dir) {
		fprintf(stderr, "ttyemu: %s: %s\n", from, strerror(errno));
		return -1;
	}
	int rc = 0;
	struct dirent *e;
	while (rc == 0 && (e = readdir(dir))) {
		char sub[2048];
		struct stat st;
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(sub, sizeof(sub), "%s%s%s", rel, *rel ? "/" : "", e->d_name);
		if (!strcmp(sub, "sys/bus"))
			continue;
		snprintf(from, sizeof(from), "%s/%s", own, sub);
		snprintf(to, sizeof(to), "%s/%s", outer, sub);
		struct stat mine;
		if (lstat(from, &mine) != 0)
			continue; /* gone meanwhile */
		if (lstat(to, &st) != 0) {
			/* A link is copied, not pointed at: umockdev's preload knows a
			   pty's node by its link to /dev/pts/N. */
			char target[4096];
			ssize_t n = S_ISLNK(mine.st_mode) ? readlink(from, target, sizeof(target) - 1) : -1;
			if (n >= 0)
				target[n] = 0;
			if (symlink(n >= 0 ? target : from, to) != 0) {
				fprintf(stderr, "ttyemu: %s: %s\n", to, strerror(errno));
				rc = -1;
			}
		} else if (S_ISDIR(st.st_mode) && S_ISDIR(mine.st_mode)) {
			rc = join_dir(own, sub);
		} /* else: already there (linked by an earlier join, or the other's own) */
	}
	closedir(dir);
	return rc;
}

static int join(UMockdevTestbed *tb)
{
	if (!outer)
		return 0;
	char *own = umockdev_testbed_get_root_dir(tb);
	int rc = join_dir(own, "");
	g_free(own);
	return rc ? EXIT_SOFTWARE : 0;
}

static int add_due(UMockdevTestbed *tb, double elapsed);

struct due {
	UMockdevTestbed *tb;
	double start;
};

static int tick(void *ctx, double now)
{
	struct due *d = ctx;
	return add_due(d->tb, now - d->start);
}

/* argv under the emulated ports until it exits or the time is up; late ports added meanwhile. */
static int run(UMockdevTestbed *tb, char **argv, double timeout)
{
	struct due d = {tb, emurun_now()};
	struct emurun r = {"ttyemu", child_env(), timeout, &got_signal, tick, &d};
	int rc = emurun(&r, argv);
	for (size_t k = 0; r.env && r.env[k]; k++)
		if (!strncmp(r.env[k], "LD_PRELOAD=", 11) || !strncmp(r.env[k], "ASAN_OPTIONS=", 13))
			free(r.env[k]); /* made for it; the others are environ's */
	free(r.env);
	return rc;
}

/* The ports whose time has come; 0, or how ttyemu must end. */
static int add_due(UMockdevTestbed *tb, double elapsed)
{
	int rc = 0, added = 0;
	char *own = outer ? umockdev_testbed_get_root_dir(tb) : NULL;
	/* Joined, ttyemu runs under umockdev's preload, which looks at
	   UMOCKDEV_DIR when the testbed announces a device: its own while it adds. */
	if (own)
		setenv("UMOCKDEV_DIR", own, 1);
	for (int k = 0; rc == 0 && k < nports; k++)
		if (!ports[k].added && ports[k].after <= elapsed) {
			rc = add_port(tb, k);
			added = 1;
		}
	if (own) {
		setenv("UMOCKDEV_DIR", outer, 1);
		g_free(own);
	}
	return rc == 0 && added ? join(tb) : rc;
}

int main(int argc, char **argv)
{
	double timeout = 120, after = 0;
	struct port next = {.vid = 0x0483, .pid = 0x5740};
	int i;
	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		char *end;
		if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc) {
			timeout = strtod(argv[++i], &end);
			if (*end || !(timeout > 0))
				return usage();
		} else if (strcmp(argv[i], "--after") == 0 && i + 1 < argc) {
			after = strtod(argv[++i], &end);
			if (*end || !(after >= 0) || after > 3600)
				return usage();
		} else if (strcmp(argv[i], "--usb") == 0 && i + 1 < argc) {
			if (parse_usb(&next, argv[++i]))
				return EXIT_USAGE;
		} else if (strcmp(argv[i], "--port") == 0 && i + 1 < argc && nports < MAX_PORTS) {
			ports[nports] = next;
			ports[nports].after = after;
			if (parse_port(&ports[nports], argv[++i]))
				return EXIT_USAGE;
			for (int k = 0; k < nports; k++)
				if (!strcmp(ports[k].name, ports[nports].name))
					return usage();
			nports++;
			next = (struct port){.vid = 0x0483, .pid = 0x5740};
		} else {
			return usage();
		}
	}
	if (i + 1 >= argc || nports == 0)
		return usage();
	struct sigaction sa = {.sa_handler = on_signal};
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	char *joined = getenv("UMOCKDEV_DIR") ? strdup(getenv("UMOCKDEV_DIR")) : NULL;
	UMockdevTestbed *tb = umockdev_testbed_new();
	if (!tb) {
		fprintf(stderr, "ttyemu: cannot make a umockdev testbed\n");
		free(joined);
		return EXIT_SOFTWARE;
	}
	/* A new testbed points UMOCKDEV_DIR at itself: COMMAND looks at the one joined. */
	if (joined && setenv("UMOCKDEV_DIR", joined, 1) == 0)
		outer = joined;
	int rc = add_due(tb, 0);
	if (rc == 0)
		rc = run(tb, argv + i + 1, timeout);
	/* The relays end with the process; the testbed's directory goes with it
	   (the links into the one joined go with that one). */
	g_object_unref(tb);
	free(joined);
	return rc;
}

/*
 * A serial link emulator for tests and benchmarks: relays bytes between
 * the device's pty and a new pty for the host, as a UART cable at a given
 * rate would (bytes/s = baud / 10), with latency, and with faults on
 * demand: bytes corrupted or dropped at random (seeded, so a failure can
 * be replayed), and a disconnect after a number of host-to-device bytes.
 *
 *   linkemu --device PATH --link PATH [--baud N] [--latency-ms N]
 *           [--corrupt P] [--drop P] [--disconnect-at N] [--seed N]
 *   linkemu --device-exec CMD --host-exec CMD [options]
 *
 * --device: the device's end (a pty slave, e.g. the posix port's --link or
 * QEMU's /dev/pts/N); --link: where the host's end appears (a symlink).
 * --device-exec / --host-exec run a command (sh -c) with a new pty as its
 * standard input and output at that end instead, e.g. XMODEM's `rx` and
 * `sx` for a reference transfer; the emulator then ends with the host
 * command and exits with its status.
 * --baud follow: the rate the host sets on its end of the pty (a switch
 * with fwpack flash --fast-baud changes it), as a real cable would carry.
 * --match-rates yes: the device end's pty settings hold the device UART's rate
 * (the posix port keeps it there); while the two rates differ, every byte
 * arrives garbled, as between two UARTs set apart. --max-baud N: a rate
 * above N garbles every byte (a cable or adapter that cannot carry it).
 * P is a fraction of bytes, e.g. 0.01. Stops on SIGTERM or at the
 * disconnect; prints what it did on stderr.
 *
 * With FWP_MODEM_DIR set (docs/serial-emulation.md), the cable carries the
 * modem lines too: the host program's DTR/RTS changes and closes, which
 * tests/tools/ptyshim.so sends to FWP_MODEM_DIR/pts-H (H: the host pty),
 * are passed on to FWP_MODEM_DIR/pts-D (D: the device's pty), where the
 * posix board listens.
 */
#include <errno.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define QMAX (1u << 20)

struct dir {
	int from, to;
	uint8_t q[QMAX];   /* bytes on the wire */
	double due[QMAX];  /* when each reaches the far end */
	size_t head, tail; /* ring indices */
	double line_free;  /* when the line can start the next byte */
	int blocked;       /* the far end took no more: wait for it to drain */
	unsigned long moved, corrupted, dropped;
};

static volatile sig_atomic_t stop;
static double byte_time, latency, p_corrupt, p_drop;
static int follow, match_rates, garble;
static double max_baud;

/*
 * The kernel's termios2 (asm/termbits.h cannot be included beside
 * termios.h): libserialport sets some rates as BOTHER with the number in
 * c_ospeed, which cfgetospeed() does not report.
 */
struct termios2 {
	unsigned int c_iflag, c_oflag, c_cflag, c_lflag;
	unsigned char c_line, c_cc[19];
	unsigned int c_ispeed, c_ospeed;
};

/* The rate set on a pty (by either end: they share the settings); 0 if unknown. */
static double host_rate(int fd)
{
	struct termios2 t;
	if (ioctl(fd, TCGETS2, &t) != 0)
		return 0;
	return t.c_ospeed;
}
static uint64_t rng;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static volatile sig_atomic_t child_exited = 1;

static void on_child(int sig)
{
	(void)sig;
	child_exited = 1;
}

/* Seconds: the shortest sleep (bytes due sooner go out together), the
 * longest (a bound, whatever happens), and how often an end that hung up
 * is looked at again. */
#define MIN_WAIT 0.002
#define MAX_WAIT 1.0
#define HUP_RECHECK 0.05

static void nap(double s)
{
	struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
	if (s > 0)
		nanosleep(&ts, NULL);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* xorshift64*: reproducible from --seed. */
static double uniform(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (double)((rng * 2685821657736338717ull) >> 11) / 9007199254740992.0;
}

static int raw_fd(int fd);

/* FWP_MODEM_DIR/pts-N for the pty at path (a symlink to it is resolved). */
static int modem_addr(const char *dir, const char *path, struct sockaddr_un *a)
{
	char real[4096];
	if (!realpath(path, real))
		return -1;
	const char *n = strrchr(real, '/');
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	return (size_t)snprintf(a->sun_path, sizeof(a->sun_path), "%s/pts-%s", dir, n + 1) <
			       sizeof(a->sun_path)
		       ? 0
		       : -1;
}

/* A pty whose slave runs cmd as stdin/stdout; the master in *master. The
 * slave stays open here too (*slave): when the command exits right after
 * its last write (rx after the final ACK), the kernel may hang the pty up
 * before that byte is read from the master, and the far end waits for it
 * forever. */
static pid_t spawn(const char *cmd, int *master, int *slave)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK);
	if (m < 0 || grantpt(m) || unlockpt(m))
		return -1;
	const char *name = ptsname(m);
	int sl = name ? open(name, O_RDWR | O_NOCTTY) : -1;
	if (sl < 0 || raw_fd(sl))
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		dup2(sl, 0);
		dup2(sl, 1);
		close(sl);
		close(m);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	*slave = sl;
	*master = m;
	return pid;
}

static int raw_fd(int fd)
{
	struct termios t;
	if (tcgetattr(fd, &t) != 0)
		return -1;
	cfmakeraw(&t);
	return tcsetattr(fd, TCSANOW, &t);
}

/* Take what arrived from d->from onto the wire, with the line's timing and faults. */
static int pull(struct dir *d, double t)
{
	uint8_t buf[4096];
	ssize_t n = read(d->from, buf, sizeof(buf));
	if (n < 0)
		return errno == EAGAIN || errno == EINTR || errno == EIO ? 0 : -1;
	for (ssize_t i = 0; i < n; i++) {
		uint8_t b = buf[i];
		if (d->line_free < t)
			d->line_free = t;
		d->line_free += byte_time;
		if (garble) {
			b = (uint8_t)(uniform() * 256);
			d->corrupted++;
		}
		if (p_drop > 0 && uniform() < p_drop) {
			d->dropped++;
			continue;
		}
		if (p_corrupt > 0 && uniform() < p_corrupt) {
			b ^= (uint8_t)(1u << (unsigned)(uniform() * 8));
			d->corrupted++;
		}
		if ((d->tail + 1) % QMAX == d->head)
			return -1; /* a megabyte in flight: not a serial line */
		d->q[d->tail] = b;
		d->due[d->tail] = d->line_free + latency;
		d->tail = (d->tail + 1) % QMAX;
	}
	return 0;
}

/*
 * Deliver the bytes whose time has come, as many as the far end takes now
 * (the rest wait for POLLOUT, not in a sleep that would stall the other
 * direction); returns when the earliest byte still queued is due, or -1.
 */
static double push(struct dir *d, double t, unsigned long limit)
{
	d->blocked = 0;
	while (d->head != d->tail && d->due[d->head] <= t && d->moved < limit) {
		/* The ring's contiguous run of due bytes, within the limit. */
		size_t n = 0, end = d->tail > d->head ? d->tail : QMAX;
		while (d->head + n < end && d->due[d->head + n] <= t && d->moved + n < limit)
			n++;
		ssize_t w = write(d->to, d->q + d->head, n);
		if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
			d->blocked = 1;
			break;
		}
		if (w < 0) {
			/* The far end is gone: what was on the wire is lost, as on a cut cable. */
			d->moved += n;
			d->head = (d->head + n) % QMAX;
			continue;
		}
		d->moved += (size_t)w;
		d->head = (d->head + (size_t)w) % QMAX;
		if ((size_t)w < n) {
			d->blocked = 1;
			break;
		}
	}
	return d->head != d->tail && !d->blocked && d->moved < limit ? d->due[d->head] : -1;
}

/* The cable's two ends, its options and the modem-line socket. */
struct cable {
	const char *device, *link, *device_exec, *host_exec;
	double baud, lat_ms;
	unsigned long disconnect_at;
	int dev, host, keep, dev_keep, modem;
	pid_t host_pid, dev_pid;
	struct sockaddr_un modem_in, modem_out;
	int exit_status;
};

static int parse_args(int argc, char **argv, struct cable *c)
{
	for (int i = 1; i + 1 < argc; i += 2) {
		const char *o = argv[i], *v = argv[i + 1];
		if (!strcmp(o, "--device"))
			c->device = v;
		else if (!strcmp(o, "--link"))
			c->link = v;
		else if (!strcmp(o, "--device-exec"))
			c->device_exec = v;
		else if (!strcmp(o, "--host-exec"))
			c->host_exec = v;
		else if (!strcmp(o, "--baud") && !strcmp(v, "follow"))
			follow = 1;
		else if (!strcmp(o, "--baud"))
			c->baud = atof(v);
		else if (!strcmp(o, "--match-rates") && !strcmp(v, "yes"))
			match_rates = 1;
		else if (!strcmp(o, "--max-baud"))
			max_baud = atof(v);
		else if (!strcmp(o, "--latency-ms"))
			c->lat_ms = atof(v);
		else if (!strcmp(o, "--corrupt"))
			p_corrupt = atof(v);
		else if (!strcmp(o, "--drop"))
			p_drop = atof(v);
		else if (!strcmp(o, "--disconnect-at"))
			c->disconnect_at = strtoul(v, NULL, 0);
		else if (!strcmp(o, "--seed"))
			rng = strtoull(v, NULL, 0) * 2654435761ull + 1;
		else {
			fprintf(stderr, "linkemu: unknown option %s\n", o);
			return 2;
		}
	}
	if ((!c->device && !c->device_exec) || (!c->link && !c->host_exec) || c->baud <= 0) {
		fprintf(stderr, "usage: linkemu --device PATH --link PATH [--baud N] [--latency-ms N] "
				"[--corrupt P] [--drop P] [--disconnect-at N] [--seed N]\n");
		return 2;
	}
	return 0;
}

static int open_device_end(struct cable *c)
{
	if (c->device_exec)
		c->dev_pid = spawn(c->device_exec, &c->dev, &c->dev_keep);
	else
		c->dev = open(c->device, O_RDWR | O_NOCTTY | O_NONBLOCK);
	if (c->dev < 0 || (!c->device_exec && raw_fd(c->dev))) {
		perror("linkemu: device end");
		return 1;
	}
	return 0;
}

static int open_host_end(struct cable *c)
{
	if (c->host_exec) {
		c->host_pid = spawn(c->host_exec, &c->host, &c->keep);
		if (c->host_pid < 0) {
			perror("linkemu: host end");
			return 1;
		}
		return 0;
	}
	c->host = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK);
	if (c->host < 0 || grantpt(c->host) || unlockpt(c->host)) {
		perror("linkemu: open");
		return 1;
	}
	/* Hold the host's slave open: the pty stays usable between two host sessions. */
	const char *hs = ptsname(c->host);
	c->keep = hs ? open(hs, O_RDWR | O_NOCTTY) : -1;
	if (c->keep < 0 || raw_fd(c->keep)) {
		perror("linkemu: pty");
		return 1;
	}
	char tmp[4096];
	snprintf(tmp, sizeof(tmp), "%s.tmp", c->link);
	unlink(tmp);
	if (symlink(hs, tmp) || rename(tmp, c->link)) {
		perror(c->link);
		return 1;
	}
	return 0;
}

/* The modem lines: heard at the host's pty, passed on to the device's. */
static int open_modem(struct cable *c)
{
	const char *modem_dir = getenv("FWP_MODEM_DIR");
	if (!modem_dir || !*modem_dir || !c->link || !c->device)
		return 0;
	if (modem_addr(modem_dir, ptsname(c->host), &c->modem_in) ||
	    modem_addr(modem_dir, c->device, &c->modem_out)) {
		fprintf(stderr, "linkemu: FWP_MODEM_DIR=%s: no socket path for the ptys\n",
			modem_dir);
		return 1;
	}
	unlink(c->modem_in.sun_path);
	c->modem = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->modem < 0 ||
	    bind(c->modem, (struct sockaddr *)&c->modem_in, sizeof(c->modem_in))) {
		perror(c->modem_in.sun_path);
		return 1;
	}
	return 0;
}

/*
 * A board that is not listening (gone, or none emulated) misses the modem
 * lines' changes, as a cut line; one that is busy gets up to 200 ms to take
 * them (its socket queues only a few datagrams).
 */
static void relay_modem(const struct cable *c)
{
	char msg[128];
	ssize_t n;
	while ((n = recv(c->modem, msg, sizeof(msg), 0)) > 0)
		for (int tries = 0; tries < 200; tries++) {
			if (sendto(c->modem, msg, (size_t)n, 0, (const struct sockaddr *)&c->modem_out,
				   sizeof(c->modem_out)) == n ||
			    errno != EAGAIN)
				break;
			nap(0.001);
		}
}

/* The host command ended: its status is ours, the far end gets what is still on the wire. */
static int host_ended(struct cable *c, struct dir *up)
{
	int st;
	if (c->host_pid <= 0 || !child_exited || waitpid(c->host_pid, &st, WNOHANG) != c->host_pid)
		return 0;
	c->host_pid = -1;
	c->exit_status = WIFEXITED(st) ? WEXITSTATUS(st) : 1;
	for (double end = now() + 2; up->head != up->tail && now() < end;) {
		double next = push(up, now(), c->disconnect_at);
		struct pollfd o = {c->dev, POLLOUT, 0};
		struct timespec ts = {0, 1000000};
		if (up->blocked)
			ppoll(&o, 1, &ts, NULL);
		else if (next > 0)
			nap(next - now());
	}
	return 1;
}

/* The ends' readiness between two turns of the relay. */
struct wakeup {
	double hup_until[2]; /* an end that hung up polls ready for ever: look later */
	int readable[2];     /* host, device: poll said so (or not asked yet) */
	sigset_t waitmask;
};

/*
 * Sleep until a byte is due (next, or < 0: none), data arrives, the far end
 * can take more, or a signal comes (ppoll unblocks them only while waiting,
 * so none is missed between the checks and the wait).
 */
static void wait_events(const struct cable *c, const struct dir *up, const struct dir *down,
			double next, struct wakeup *w)
{
	double wait = next < 0 ? MAX_WAIT : next - now();
	if (wait < MIN_WAIT)
		wait = MIN_WAIT;
	if (wait > MAX_WAIT)
		wait = MAX_WAIT;
	double t = now();
	struct pollfd p[3] = {{c->host, 0, 0}, {c->dev, 0, 0}, {c->modem, POLLIN, 0}};
	if (up->blocked)
		p[1].events |= POLLOUT;
	if (down->blocked)
		p[0].events |= POLLOUT;
	for (int i = 0; i < 2; i++) {
		if (w->hup_until[i] <= t) {
			p[i].events |= POLLIN;
		} else {
			/* poll reports a hang-up whatever is asked: leave the end out. */
			p[i].fd = -1;
			if (w->hup_until[i] - t < wait)
				wait = w->hup_until[i] - t;
		}
	}
	struct timespec ts = {(time_t)wait, (long)((wait - (double)(time_t)wait) * 1e9)};
	child_exited = 0;
	int ready = ppoll(p, c->modem >= 0 ? 3 : 2, &ts, &w->waitmask);
	if (ready > 0 && (p[2].revents & POLLIN))
		relay_modem(c);
	for (int i = 0; i < 2; i++) {
		w->readable[i] = ready > 0 && (p[i].revents & (POLLIN | POLLHUP | POLLERR));
		if (ready > 0 && (p[i].revents & POLLHUP))
			w->hup_until[i] = now() + HUP_RECHECK;
	}
}

/* Carry bytes both ways until a signal, the disconnect, or the end of either side. */
static void relay(struct cable *c)
{
	static struct dir up, down; /* host -> device, device -> host */
	up.from = c->host, up.to = c->dev;
	down.from = c->dev, down.to = c->host;
	struct wakeup w = {{0, 0}, {1, 1}, {{0}}};
	sigset_t block;
	sigemptyset(&block);
	sigaddset(&block, SIGCHLD);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &w.waitmask);
	signal(SIGCHLD, on_child);
	while (!stop) {
		double t = now();
		if (follow) {
			double r = host_rate(c->host);
			if (r > 0)
				byte_time = 10.0 / r;
			garble = (max_baud > 0 && r > max_baud) ||
				 (match_rates && r > 0 && host_rate(c->dev) != r);
		}
		if ((w.readable[0] && pull(&up, t)) || (w.readable[1] && pull(&down, t)))
			break;
		/* Bytes due within a millisecond go out together: the timing stays per byte. */
		double a = push(&up, t, c->disconnect_at), b = push(&down, t, (unsigned long)-1);
		if (up.moved >= c->disconnect_at) {
			fprintf(stderr, "linkemu: disconnect after %lu bytes to the device\n", up.moved);
			break;
		}
		if (host_ended(c, &up))
			break;
		wait_events(c, &up, &down, a < 0 ? b : (b < 0 ? a : (a < b ? a : b)), &w);
	}
	fprintf(stderr, "linkemu: to device %lu bytes (%lu corrupted, %lu dropped), to host %lu "
			"(%lu corrupted, %lu dropped)\n",
		up.moved, up.corrupted, up.dropped, down.moved, down.corrupted, down.dropped);
}

static void close_ends(const struct cable *c)
{
	if (c->link)
		unlink(c->link);
	if (c->modem >= 0) {
		close(c->modem);
		unlink(c->modem_in.sun_path);
	}
	if (c->keep >= 0)
		close(c->keep);
	if (c->dev_keep >= 0)
		close(c->dev_keep);
	close(c->host);
	close(c->dev);
	if (c->dev_pid > 0) {
		int st;
		for (int i = 0; i < 200 && waitpid(c->dev_pid, &st, WNOHANG) == 0; i++)
			usleep(10000);
		kill(c->dev_pid, SIGTERM);
		waitpid(c->dev_pid, &st, 0);
	}
}

int main(int argc, char **argv)
{
	struct cable c = {.baud = 115200, .disconnect_at = (unsigned long)-1, .dev = -1,
			  .host = -1, .keep = -1, .dev_keep = -1, .modem = -1, .host_pid = -1,
			  .dev_pid = -1};
	rng = 88172645463325252ull;
	int rc = parse_args(argc, argv, &c);
	if (rc)
		return rc;
	byte_time = 10.0 / c.baud;
	latency = c.lat_ms / 1000.0;
	if (open_device_end(&c) || open_host_end(&c))
		return 1;
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	if (open_modem(&c))
		return 1;
	relay(&c);
	close_ends(&c);
	return c.exit_status;
}

/*
 * The posix port: the device programs as one host process. Flash is a
 * file mapped into memory, so an installed image survives a "power cycle"
 * (the process restarting); the UART is a pseudo-terminal whose other end
 * a host tool opens like a USB serial adapter. A reset or a jump goes back to the dispatcher in
 * posix.c, which runs the program that owns the target slot. The NOR
 * rules are the host tests' flash model (device/sim), over the mapped file.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "fwd_flash_sim.h"
#include "posix.h"

static uint8_t *flash_mem;
static struct fwd_flash_sim sim; /* NOR rules over the mapped file */
static struct fwd_flash flash;
static int pty_master = -1, pty_slave = -1;
static uint8_t rxbuf[4096];
static size_t rx_len, rx_pos;
static struct fwd_shared shared;
static int booted_once, pin_reset;
static uint8_t uid[FWP_UID_MAX];
static unsigned uid_len;

int fwd_posix_open(const char *flash_path, const char *link_path, char *err, size_t errlen)
{
	int fd = open(flash_path, O_RDWR | O_CREAT, 0644);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", flash_path, strerror(errno));
		return -1;
	}
	off_t size = lseek(fd, 0, SEEK_END);
	if (size != 0 && size != FWD_POSIX_FLASH_SIZE) {
		snprintf(err, errlen, "%s: %lld bytes, expected %u (a flash image of this port)",
			 flash_path, (long long)size, FWD_POSIX_FLASH_SIZE);
		close(fd);
		return -1;
	}
	if (size == 0) {
		/* A new board: every byte erased. */
		static uint8_t erased[16384];
		memset(erased, 0xFF, sizeof(erased));
		for (uint32_t off = 0; off < FWD_POSIX_FLASH_SIZE; off += sizeof(erased))
			if (write(fd, erased, sizeof(erased)) != (ssize_t)sizeof(erased)) {
				snprintf(err, errlen, "%s: %s", flash_path, strerror(errno));
				close(fd);
				return -1;
			}
	}
	flash_mem = mmap(NULL, FWD_POSIX_FLASH_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (flash_mem == MAP_FAILED) {
		snprintf(err, errlen, "%s: mmap: %s", flash_path, strerror(errno));
		return -1;
	}
	uid_len = fwd_posix_uid(flash_path, uid);
	fwd_flash_sim_attach(&sim, 0, fwd_posix_sectors, flash_mem);
	sim.protected_size = fwd_port_loader_slot[0]; /* the Bootloader's sector */
	flash = fwd_flash_sim_flash(&sim);

	pty_master = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK);
	if (pty_master < 0 || grantpt(pty_master) != 0 || unlockpt(pty_master) != 0) {
		snprintf(err, errlen, "pseudo-terminal: %s", strerror(errno));
		return -1;
	}
	const char *slave = ptsname(pty_master);
	/*
	 * Holding the slave open keeps the master readable when the host tool
	 * closes its side (no EIO between two sessions); raw mode, because
	 * the line discipline would otherwise eat and translate bytes.
	 */
	pty_slave = slave ? open(slave, O_RDWR | O_NOCTTY) : -1;
	struct termios tio;
	if (pty_slave < 0 || tcgetattr(pty_slave, &tio) != 0) {
		snprintf(err, errlen, "pseudo-terminal %s: %s", slave ? slave : "?", strerror(errno));
		return -1;
	}
	cfmakeraw(&tio);
	if (tcsetattr(pty_slave, TCSANOW, &tio) != 0) {
		snprintf(err, errlen, "pseudo-terminal %s: %s", slave, strerror(errno));
		return -1;
	}
	if (fwd_posix_modem_open(slave, err, errlen) != 0)
		return -1;
	if (link_path) {
		/* Replace the link in one step: a host tool never sees it missing. */
		char tmp[4096];
		snprintf(tmp, sizeof(tmp), "%s.tmp%ld", link_path, (long)getpid());
		unlink(tmp);
		if (symlink(slave, tmp) != 0 || rename(tmp, link_path) != 0) {
			snprintf(err, errlen, "%s: %s", link_path, strerror(errno));
			unlink(tmp);
			return -1;
		}
	}
	return 0;
}

/*
 * The line rate is kept in the pty's settings, where the link emulator
 * (tests/tools/linkemu --match-rates) reads it as a UART's would be: a
 * device that stays at the wrong rate after a failed switch loses the host.
 */
static const struct {
	uint32_t baud;
	speed_t speed;
} rates[] = {{9600, B9600},	  {19200, B19200},     {38400, B38400},	  {57600, B57600},
	     {115200, B115200},	  {230400, B230400},   {460800, B460800},   {921600, B921600},
	     {1000000, B1000000}, {1500000, B1500000}, {2000000, B2000000}, {3000000, B3000000}};

static int set_rate(uint32_t baud)
{
	for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
		struct termios tio;
		if (rates[i].baud != baud)
			continue;
		if (pty_slave < 0)
			return 0;
		if (tcgetattr(pty_slave, &tio) != 0)
			return -1;
		if (cfgetospeed(&tio) == rates[i].speed)
			return 0;
		/*
		 * As a UART finishes its last byte before the divider changes:
		 * what was written must have left (been read at the far end),
		 * within a bound, or the answer to BAUD or BOOT goes out garbled.
		 * The kernel moves pty bytes to the reader's queue a little later
		 * (a work item): give it a few milliseconds before asking.
		 */
		usleep(5000);
		for (int ms = 0; ms < 1000; ms++) {
			int pending = 0;
			if (ioctl(pty_slave, TIOCINQ, &pending) != 0 || pending == 0)
				break;
			usleep(1000);
		}
		if (cfsetspeed(&tio, rates[i].speed) != 0 || tcsetattr(pty_slave, TCSANOW, &tio) != 0)
			return -1;
		return 0;
	}
	return -1;
}

/* A reset puts the UART back to the rate every fwpack device starts at. */
void fwd_port_init(void)
{
	set_rate(115200);
}

/* Wait for the pty (events) or the modem lines, at most ms; the pty's revents. */
static short wait_pty(short events, int ms)
{
	struct pollfd p[2] = {{pty_master, events, 0}, {fwd_posix_modem_fd(), POLLIN, 0}};
	int n = poll(p, p[1].fd >= 0 ? 2 : 1, ms);
	if (n > 0 && (p[1].revents & POLLIN))
		fwd_posix_modem_input(pty_master);
	return n > 0 ? p[0].revents : 0;
}

void fwd_port_putc(char c)
{
	for (int tries = 0; tries < 50; tries++) {
		if (write(pty_master, &c, 1) == 1)
			return;
		if (errno != EAGAIN && errno != EINTR)
			return;
		/* Nobody reads: wait a little, then drop, as a UART with no listener. */
		wait_pty(POLLOUT, 10);
	}
}

int fwd_port_getc(void)
{
	if (rx_pos == rx_len) {
		rx_pos = rx_len = 0;
		/* The programs poll; a short wait here keeps them from spinning. */
		if (!(wait_pty(POLLIN, 5) & POLLIN))
			return -1;
		ssize_t n = read(pty_master, rxbuf, sizeof(rxbuf));
		if (n <= 0)
			return -1;
		rx_len = (size_t)n;
	}
	return rxbuf[rx_pos++];
}

int fwd_port_baud_ok(uint32_t baud)
{
	for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++)
		if (rates[i].baud == baud)
			return 0;
	return -1;
}

int fwd_port_set_baud(uint32_t baud)
{
	return set_rate(baud);
}

uint32_t fwd_port_millis(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint32_t)((uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u);
}

const struct fwd_flash *fwd_port_flash(void)
{
	return &flash;
}

enum fwd_reset_reason fwd_port_reset_reason(void)
{
	return pin_reset ? FWD_RESET_PIN : booted_once ? FWD_RESET_SOFTWARE : FWD_RESET_POWER_ON;
}

struct fwd_shared *fwd_port_shared(void)
{
	return &shared;
}

void fwd_port_reset(void)
{
	booted_once = 1;
	pin_reset = 0;
	fwd_posix_modem_on_reset();
	fwd_posix_dispatch(FWD_POSIX_RESET, 0);
}

void fwd_posix_pin_reset(void)
{
	char junk[256];
	booted_once = 1;
	pin_reset = 1;
	rx_pos = rx_len = 0;
	while (read(pty_master, junk, sizeof(junk)) > 0)
		;
	fwd_posix_dispatch(FWD_POSIX_RESET, 0);
}

int fwd_port_boot_select(void)
{
	return fwd_posix_modem_boot_select();
}

void fwd_port_idle(void)
{
	wait_pty(POLLIN, 10);
}

void fwd_port_jump(uint32_t vector_addr)
{
	booted_once = 1;
	fwd_posix_dispatch(FWD_POSIX_JUMP, vector_addr);
}

unsigned fwd_port_uid(uint8_t out[FWP_UID_MAX])
{
	memcpy(out, uid, uid_len);
	return uid_len;
}

uint32_t fwd_port_stack_used(void)
{
	return 0; /* a host stack: nothing to measure */
}

uint32_t fwd_port_stack_size(void)
{
	return 0;
}

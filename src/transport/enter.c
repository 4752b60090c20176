/* Into the Loader (enter.h). The sequences are the lead's contract, as esptool's and Arduino's. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "enter.h"
#include "serial.h"

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

int fwp_enter_parse(const char *arg, enum fwp_enter *method, const char **cmd,
		    struct fwp_err *err)
{
	*cmd = NULL;
	if (!strcmp(arg, "reset")) {
		*method = FWP_ENTER_RESET;
	} else if (!strcmp(arg, "1200")) {
		*method = FWP_ENTER_1200;
	} else if (!strcmp(arg, "console")) {
		*method = FWP_ENTER_CONSOLE;
		*cmd = FWP_ENTER_CONSOLE_DEFAULT;
	} else if (!strncmp(arg, "console=", 8) && arg[8] && !strpbrk(arg + 8, "\r\n")) {
		*method = FWP_ENTER_CONSOLE;
		*cmd = arg + 8;
	} else {
		return fwp_fail(err, FWP_ERR_USAGE,
				"--enter: '%s' is not reset, 1200 or console[=CMD]", arg);
	}
	return FWP_OK;
}

/* DTR is boot-select, RTS the reset line: hold both, release reset, then boot-select. */
static int dtr_rts_reset(struct fwp_serial *s, struct fwp_err *err)
{
	int rc = fwp_serial_set_lines(s, 1, 1, err);
	if (rc == FWP_OK) {
		sleep_ms(100);
		rc = fwp_serial_set_lines(s, 1, 0, err);
	}
	if (rc == FWP_OK) {
		sleep_ms(100);
		rc = fwp_serial_set_lines(s, 0, 0, err);
	}
	return rc;
}

/* On real USB CDC the port goes away while the board resets: wait for it, bounded. */
static int wait_for_port(const char *port, unsigned timeout_ms, struct fwp_err *err)
{
	for (unsigned waited = 0;; waited += 50) {
		if (access(port, F_OK) == 0)
			return FWP_OK;
		if (waited >= timeout_ms)
			return fwp_fail(err, FWP_ERR_NO_DEVICE,
					"%s: did not come back within %u ms of the 1200-baud touch",
					port, timeout_ms);
		sleep_ms(50);
	}
}

int fwp_enter_loader(const char *port, enum fwp_enter method, const char *cmd, uint32_t baud,
		     unsigned timeout_ms, struct fwp_err *err)
{
	struct fwp_serial *s = NULL;
	int rc = fwp_serial_open(port, method == FWP_ENTER_1200 ? 1200 : baud, &s, err);
	if (rc < 0)
		return rc;
	switch (method) {
	case FWP_ENTER_RESET:
		rc = dtr_rts_reset(s, err);
		break;
	case FWP_ENTER_1200:
		rc = fwp_serial_set_lines(s, 0, 0, err);
		break;
	case FWP_ENTER_CONSOLE: {
		char line[256];
		int n = snprintf(line, sizeof(line), "%s\n", cmd ? cmd : FWP_ENTER_CONSOLE_DEFAULT);
		rc = fwp_serial_write(s, line, (size_t)n, timeout_ms ? timeout_ms : 2000, err);
		break;
	}
	default:
		break;
	}
	fwp_serial_close(s);
	if (rc == FWP_OK && method == FWP_ENTER_1200) {
		/* The port may vanish for a moment before the board re-enumerates. */
		sleep_ms(100);
		rc = wait_for_port(port, timeout_ms ? timeout_ms * 5 : 10000, err);
	}
	return rc;
}

/*
 * Fuzz target: the posix board's reading of a modem-line datagram
 * (docs/serial-emulation.md), what any process may send to its socket.
 * A message is at most what one recv() takes, NUL-terminated as there.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../device/ports/posix/modem.c"

/* Never reached from line_change(): only fwd_posix_modem_input() resets. */
void fwd_posix_pin_reset(void)
{
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char msg[128];
	if (size > sizeof(msg) - 1)
		size = sizeof(msg) - 1;
	memcpy(msg, data, size);
	msg[size] = 0;
	int r = line_change(msg);
	/* Lines are levels, the latch a level, a reset a yes or no. */
	if ((r != 0 && r != 1) || (dtr != 0 && dtr != 1) || (rts != 0 && rts != 1) ||
	    (latch != 0 && latch != 1) || (held != 0 && held != 1) || (r && held))
		abort();
	return 0;
}

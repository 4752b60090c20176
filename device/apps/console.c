/* Console output for the device programs, over the port's putc. */
#include "fwd_port.h"

void fwd_puts(const char *s)
{
	while (*s) {
		if (*s == '\n')
			fwd_port_putc('\r');
		fwd_port_putc(*s++);
	}
}

void fwd_put_u32(uint32_t v)
{
	char buf[11];
	int i = 10;
	buf[i] = 0;
	do {
		buf[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	fwd_puts(buf + i);
}

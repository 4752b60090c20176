/* Helpers the device models share: string descriptors, option numbers. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "usbemu.h"

int usbemu_string_desc(const char *s, uint8_t *data, uint16_t wLength)
{
	uint8_t d[255];
	size_t n = 2;
	if (!s) {
		fwp_put_le16(d + 2, 0x0409);
		n = 4;
	} else {
		/* bLength is one byte: longer text is cut, as real devices do. */
		for (size_t i = 0; s[i] && n + 2 <= sizeof(d) - 1; i++, n += 2)
			fwp_put_le16(d + n, (uint8_t)s[i]);
	}
	d[0] = (uint8_t)n;
	d[1] = 3;
	if (n > wLength)
		n = wLength;
	memcpy(data, d, n);
	return (int)n;
}

int usbemu_opt_u32(const char *key, const char *value, uint32_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(value, &end, 0);
	if (errno || end == value || *end || v > UINT32_MAX || value[0] == '-') {
		fprintf(stderr, "usbemu: %s=%s: not a number\n", key, value);
		return -1;
	}
	*out = (uint32_t)v;
	return 0;
}

/*
 * Fuzz target: the device's USB control requests (device/core fwd_usb and
 * the DFU class over the update engine) as a host could send them: records
 * of an 8-byte SETUP, then, for an OUT request, its wLength data bytes
 * (cut at the input's end); deferred work runs after each. An IN answer
 * must never exceed wLength.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fwd_flash_sim.h"
#include "fwd_usb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint32_t sectors[] = {16384, 16384, 16384, 16384, 65536, 131072, 131072, 0};
/* Not a key anyone holds: signatures fail, every other path is reachable. */
static const uint8_t key[1][65] = {{0x04, 1}};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fwd_update up;
	static struct fwd_usb usb;
	static uint8_t buf[65536];
	struct fwd_flash_sim sim;
	if (fwd_flash_sim_init(&sim, 0x08000000, sectors) != 0)
		return 0;
	struct fwd_flash fl = fwd_flash_sim_flash(&sim);
	struct fwd_policy pol = {key, 1, 1u << 2 | 1u << 3, 0, 256, NULL, 0};
	struct fwd_update_target t[] = {
		{0, {0x08000000, 0x4000, 0}, pol},
		{2, {0x08010000, 0x30000, 1}, pol},
	};
	static const struct fwd_usb_config cfg = {0x1209, 1, 0x100, "m", "p", "s", {"a", "b"}};
	fwd_update_init(&up, &fl, t, 2);
	if (fwd_usb_init(&usb, &cfg, &up) != 0)
		abort();
	size_t i = 0;
	while (size - i >= 8) {
		const uint8_t *p = data + i;
		struct fwd_usb_setup s = {p[0], p[1], fwp_le16(p + 2), fwp_le16(p + 4),
					  fwp_le16(p + 6)};
		i += 8;
		memset(buf, 0, sizeof(buf));
		if (!(s.bmRequestType & 0x80)) {
			size_t n = size - i < s.wLength ? size - i : s.wLength;
			memcpy(buf, data + i, n);
			i += n;
		}
		uint16_t len = 0;
		int r = fwd_usb_control(&usb, &s, buf, &len);
		if (r == FWD_USB_ACK && (s.bmRequestType & 0x80) && len > s.wLength)
			abort(); /* answered more than the host asked for */
		fwd_usb_poll(&usb);
	}
	fwd_flash_sim_free(&sim);
	return 0;
}

/*
 * Fuzz target: the device's serial protocol (frame decoder, request
 * parser, update engine) fed arbitrary bytes, writing into the NOR flash
 * model. Every byte the device sends back must decode as a whole frame.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fwd_flash_sim.h"
#include "fwd_serial.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint32_t sectors[] = {16384, 16384, 16384, 16384, 65536, 131072, 131072, 0};
/* Not a key anyone holds: signatures fail, every other path is reachable. */
static const uint8_t key[1][65] = {{0x04, 1}};

static uint8_t obuf[512]; /* larger than any response */
static struct fwd_frame_rx out;

static void put(void *ctx, uint8_t b)
{
	(void)ctx;
	if (fwd_frame_rx_byte(&out, b) == FWD_FRAME_BAD)
		abort(); /* the device sent a malformed frame */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fwd_serial ser;
	static struct fwd_update up;
	struct fwd_flash_sim sim;
	if (fwd_flash_sim_init(&sim, 0x08000000, sectors) != 0)
		return 0;
	struct fwd_flash fl = fwd_flash_sim_flash(&sim);
	struct fwd_policy pol = {key, 1, 1u << 2 | 1u << 3, 0, 256, NULL, 0};
	struct fwd_update_target t[] = {
		{0, {0x08000000, 0x4000, 0}, pol},
		{2, {0x08010000, 0x30000, 1}, pol},
	};
	struct fwd_serial_config cfg = {"fuzz", FWP_ROLE_LOADER, put, NULL, NULL, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, 12};
	fwd_frame_rx_init(&out, obuf, sizeof(obuf));
	fwd_update_init(&up, &fl, t, 2);
	fwd_serial_init(&ser, &cfg, &up);
	for (size_t i = 0; i < size; i++)
		fwd_serial_input(&ser, data[i]);
	fwd_flash_sim_free(&sim);
	return 0;
}

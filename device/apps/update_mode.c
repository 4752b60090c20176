/* Update mode: the console UART becomes the protocol's channel. */
#include "update_mode.h"
#include "fwd_boot.h"
#include "fwd_port.h"
#include "fwd_serial.h"

static void put(void *ctx, uint8_t b)
{
	(void)ctx;
	fwd_port_putc((char)b);
}

/* Large (the receive buffer): static, not on the stack. */
static struct fwd_update up;
static struct fwd_serial ser;

void fwd_update_mode(const struct fwd_update_target *targets, uint8_t ntargets, uint8_t role)
{
	static const struct fwd_serial_config cfg_base = {0};
	struct fwd_serial_config cfg = cfg_base;
	cfg.board = fwd_port_board;
	cfg.role = role;
	cfg.put = put;
	cfg.baud_ok = fwd_port_baud_ok;
	fwd_update_init(&up, fwd_port_flash(), targets, ntargets);
	fwd_serial_init(&ser, &cfg, &up);
	fwd_puts("update: waiting for the host (fwpack serial protocol ");
	fwd_put_u32(FWP_PROTO_VERSION);
	fwd_puts(")\n");
	/* A delimiter ends the console text for the host's frame decoder. */
	fwd_port_putc(0);
	for (;;) {
		int c = fwd_port_getc();
		if (c < 0)
			continue; /* polled: waiting for an interrupt would add latency per byte */
		switch (fwd_serial_input(&ser, (uint8_t)c)) {
		case FWD_SERIAL_BOOT:
			/* An Updater that installed a Loader has done its job. */
			if (role == FWP_ROLE_UPDATER && up.state == FWP_SESSION_COMMITTED) {
				const struct fwd_slot self = {fwd_port_app_slot[0],
							      fwd_port_app_slot[1], 1};
				fwd_slot_invalidate(fwd_port_flash(), &self);
				fwd_boot_request_update(fwd_port_shared());
			}
			fwd_port_reset();
		case FWD_SERIAL_SET_BAUD:
			fwd_port_set_baud(ser.baud);
			break;
		default:
			break;
		}
	}
}

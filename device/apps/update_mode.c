/* Update mode: the console UART becomes the protocol's channel. */
#include "update_mode.h"
#include "fwd_boot.h"
#include "fwd_port.h"
#include "fwd_serial.h"
#include "fwd_usb.h"
#include "loader_usb.h"

static void put(void *ctx, uint8_t b)
{
	(void)ctx;
	fwd_port_putc((char)b);
}

/* Every port starts its UART at this rate; a BAUD switch that the host does
 * not follow with a good frame within this time is undone. */
#define DEFAULT_BAUD 115200u
#define BAUD_GRACE_MS 1000u

/*
 * Large (the receive buffers): static, not on the stack. One engine, two
 * carriers: a host may use the UART or USB DFU; a BEGIN or a first DFU
 * block on either starts a new session, abandoning the other's.
 */
static struct fwd_update up;
static struct fwd_serial ser;
static struct fwd_usb usb;
static struct fwd_usb_config usb_cfg;

/* BOOT over serial, or a USB reset after a DFU install: reset into it. */
static void __attribute__((noreturn)) run_new_firmware(uint8_t role)
{
	/* An Updater that installed a Loader has done its job. */
	if (role == FWP_ROLE_UPDATER && up.state == FWP_SESSION_COMMITTED) {
		const struct fwd_slot self = {fwd_port_app_slot[0], fwd_port_app_slot[1], 1};
		fwd_slot_invalidate(fwd_port_flash(), &self);
		fwd_boot_request_update(fwd_port_shared());
	}
	fwd_port_reset();
}

void fwd_update_mode(const struct fwd_update_target *targets, uint8_t ntargets, uint8_t role)
{
	static const struct fwd_serial_config cfg_base = {0};
	struct fwd_serial_config cfg = cfg_base;
	cfg.board = fwd_port_board;
	cfg.role = role;
	cfg.put = put;
	cfg.baud_ok = fwd_port_baud_ok;
	cfg.uid_len = (uint8_t)fwd_port_uid(cfg.uid);
	fwd_update_init(&up, fwd_port_flash(), targets, ntargets);
	fwd_serial_init(&ser, &cfg, &up);
	fwd_loader_usb_config(&usb_cfg, role, fwd_port_usb_serial(), targets, ntargets);
	int have_usb = fwd_usb_init(&usb, &usb_cfg, &up) == 0 && fwd_port_usb_start(&usb) == 0;
	if (have_usb)
		fwd_puts("update: USB DFU too\n");
	fwd_puts("update: waiting for the host (fwpack serial protocol ");
	fwd_put_u32(FWP_PROTO_VERSION);
	fwd_puts(")\n");
	/* A delimiter ends the console text for the host's frame decoder. */
	fwd_port_putc(0);
	uint32_t baud = DEFAULT_BAUD, old_baud = 0, switched_at = 0, frames_at_switch = 0;
	for (;;) {
		if (have_usb) {
			fwd_port_usb_poll(&usb);
			fwd_usb_poll(&usb);
			if (usb.leave)
				run_new_firmware(role);
		}
		int c = fwd_port_getc();
		if (old_baud && ser.good_frames == frames_at_switch &&
		    fwd_port_millis() - switched_at > BAUD_GRACE_MS) {
			/* The host never arrived at the new rate: back to where it was. */
			fwd_port_set_baud(old_baud);
			baud = old_baud;
			old_baud = 0;
		} else if (old_baud && ser.good_frames != frames_at_switch) {
			old_baud = 0; /* it did */
		}
		if (c < 0)
			continue; /* polled: waiting for an interrupt would add latency per byte */
		switch (fwd_serial_input(&ser, (uint8_t)c)) {
		case FWD_SERIAL_BOOT:
			run_new_firmware(role);
		case FWD_SERIAL_SET_BAUD:
			if (fwd_port_set_baud(ser.baud) == 0) {
				old_baud = baud;
				baud = ser.baud;
				switched_at = fwd_port_millis();
				frames_at_switch = ser.good_frames;
			}
			break;
		default:
			break;
		}
	}
}

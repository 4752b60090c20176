/*
 * What a board port provides to the device programs (Bootloader, Loader,
 * Application): console, flash, reset, and the jump into an image. One
 * implementation per folder in device/ports/; the programs in
 * device/apps/ and the core never touch hardware themselves.
 */
#ifndef FWD_PORT_H
#define FWD_PORT_H

#include <stdint.h>

#include "fwd_flash.h"
#include "fwd_shared.h"
#include "fwpack/protocol.h"

void fwd_port_init(void);
void fwd_port_putc(char c);
/*
 * -1 when nothing was received. Bytes that arrive while the program is busy
 * (writing flash, which stalls the CPU on many parts) must not be lost: a
 * port buffers reception in the background (DMA or an interrupt into a
 * ring buffer) where the hardware FIFO is too small.
 */
int fwd_port_getc(void);
/* 0 if the UART can run at baud; fwd_port_set_baud then switches to it. */
int fwd_port_baud_ok(uint32_t baud);
/* Change the UART's bit rate (after the current output drained); 0 if done. */
int fwd_port_set_baud(uint32_t baud);
/* Milliseconds since reset, monotonic, wrapping at 2^32. */
uint32_t fwd_port_millis(void);
const struct fwd_flash *fwd_port_flash(void);
enum fwd_reset_reason fwd_port_reset_reason(void);
struct fwd_shared *fwd_port_shared(void);
void fwd_port_reset(void) __attribute__((noreturn));
/*
 * 1 when the board's boot-select line is asserted now (read by the Loader
 * at reset: it then stays in update mode). stm32f4: PC13, the USER button,
 * where a USB-serial adapter's DTR can drive it; posix: the emulated DTR
 * (docs/serial-emulation.md); boards without one return 0.
 */
int fwd_port_boot_select(void);
void fwd_port_idle(void);

/*
 * The USB device controller, where the board has one (the others link
 * device/ports/usb_none.c). start: connect u to the bus, 0, or -1 when
 * there is no USB here; poll: run the controller, each control transfer
 * going to fwd_usb_control() (flash work stays in fwd_usb_poll(), called
 * by the program). fwd_port_jump and fwd_port_reset disconnect it.
 */
struct fwd_usb;
int fwd_port_usb_start(struct fwd_usb *u);
void fwd_port_usb_poll(struct fwd_usb *u);
/* This board's iSerialNumber text (e.g. the chip's unique ID), or NULL. */
const char *fwd_port_usb_serial(void);

/*
 * Deinitialise what the program used, set VTOR to the image's vector
 * table, load its stack pointer and branch to its reset handler.
 */
void fwd_port_jump(uint32_t vector_addr) __attribute__((noreturn));

/* This board, as the update protocol reports it. */
extern const char fwd_port_board[];

/*
 * This board's unique ID (the chip's, or a stable one the port derives),
 * most significant byte first as the board prints it: its length, 0 if the
 * board has none. INFO carries it, and the USB iSerialNumber is its hex.
 */
unsigned fwd_port_uid(uint8_t out[FWP_UID_MAX]);

/* Slots of this board. */
extern const uint32_t fwd_port_bootloader_slot[2]; /* address, size */
extern const uint32_t fwd_port_loader_slot[2];
extern const uint32_t fwd_port_app_slot[2];
extern const uint32_t fwd_port_counter_sector[2]; /* the stored security counter */
/* Ports built with FWD_HAVE_PROVISIONING: the slot of the board's identity. */
extern const uint32_t fwd_port_prov_slot[2];

/*
 * The trusted public keys (65 bytes each, 04 || X || Y), generated at build
 * time into each program: the Bootloader's root keys, the Loader's and the
 * Updater's key for the images they accept.
 */
extern const uint8_t fwd_trusted_keys[][65];
extern const uint32_t fwd_trusted_key_count;
/*
 * The Loader's provisioning keys (FWD_HAVE_PROVISIONING): a list of their
 * own, trusted for provisioning images only (docs/provisioning.md).
 */
extern const uint8_t fwd_provisioning_keys[][65];
extern const uint32_t fwd_provisioning_key_count;

/* Stack high-water mark since reset, and the stack reserved, in bytes. */
uint32_t fwd_port_stack_used(void);
uint32_t fwd_port_stack_size(void);

/* Console helpers on top of fwd_port_putc. */
void fwd_puts(const char *s);
void fwd_put_u32(uint32_t v);

#endif /* FWD_PORT_H */

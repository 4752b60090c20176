/*
 * The device side of the serial update protocol (docs/serial-protocol.md):
 * reads frames byte by byte, answers each request, and drives the update
 * engine. Transport-free: bytes come in through fwd_serial_input() and go
 * out through the put callback, so the same code runs on a UART, a pty and
 * in the unit tests.
 */
#ifndef FWD_SERIAL_H
#define FWD_SERIAL_H

#include <stdint.h>

#include "fwd_frame.h"
#include "fwd_update.h"

/* The largest DATA chunk, and so the receive buffer. */
#ifndef FWD_SERIAL_MAX_DATA
#define FWD_SERIAL_MAX_DATA 2048u
#endif
#define FWD_SERIAL_MAX_PACKET (FWD_FRAME_HDR_LEN + FWP_DATA_HDR_LEN + FWD_SERIAL_MAX_DATA)
/* DATA frames a host may send ahead of their acknowledgements. */
#ifndef FWD_SERIAL_WINDOW
#define FWD_SERIAL_WINDOW 4u
#endif

struct fwd_serial_config {
	const char *board;
	uint8_t role; /* enum fwp_role */
	void (*put)(void *ctx, uint8_t b);
	void *put_ctx;
	/* 0 if the UART can run at baud (it switches after the answer); NULL: no BAUD. */
	int (*baud_ok)(uint32_t baud);
	/* The board's unique ID for INFO (fwd_port_uid); uid_len 0: none. */
	uint8_t uid[FWP_UID_MAX];
	uint8_t uid_len;
};

enum fwd_serial_action {
	FWD_SERIAL_CONTINUE = 0,
	FWD_SERIAL_BOOT,     /* BOOT was answered: reset into the new firmware */
	FWD_SERIAL_SET_BAUD  /* BAUD was answered: switch to fwd_serial.baud now */
};

struct fwd_serial {
	const struct fwd_serial_config *cfg;
	struct fwd_update *up;
	struct fwd_frame_rx rx;
	uint32_t baud;
	uint32_t bad_frames;
	uint32_t good_frames;
	uint8_t rxbuf[FWD_SERIAL_MAX_PACKET + FWD_FRAME_CRC_LEN];
};

void fwd_serial_init(struct fwd_serial *s, const struct fwd_serial_config *cfg,
		     struct fwd_update *up);

/* Feed one received byte; answers complete requests. */
enum fwd_serial_action fwd_serial_input(struct fwd_serial *s, uint8_t b);

/* Handle one decoded packet (type, seq, body), as fwd_serial_input does. */
enum fwd_serial_action fwd_serial_packet(struct fwd_serial *s, const uint8_t *pkt, uint32_t len);

#endif /* FWD_SERIAL_H */

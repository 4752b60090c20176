/*
 * Framing for the serial update protocol (docs/serial-protocol.md): each
 * packet (type, sequence number, body, CRC-32) is COBS-encoded and ends
 * with a 0x00 byte. COBS keeps 0x00 out of the encoded bytes, so a
 * receiver finds the next frame after any corruption or stray console
 * text by waiting for the next 0x00, at a cost of one byte in 254.
 * Portable: the device and the host tool compile this same file.
 */
#ifndef FWD_FRAME_H
#define FWD_FRAME_H

#include <stddef.h>
#include <stdint.h>

#define FWD_FRAME_HDR_LEN 2u /* type, seq */
#define FWD_FRAME_CRC_LEN 4u
#define FWD_FRAME_OVERHEAD (FWD_FRAME_HDR_LEN + FWD_FRAME_CRC_LEN)
/* Encoded size of a packet of n bytes, delimiter included. */
#define FWD_COBS_MAX(n) ((n) + (n) / 254u + 2u)

/* A frame receiver: decodes COBS as bytes arrive, into buf. */
struct fwd_frame_rx {
	uint8_t *buf;
	uint32_t cap;
	uint32_t len;
	uint8_t left;     /* data bytes left in the current COBS block */
	uint8_t zero;     /* the current block ends with an implied 0x00 */
	uint8_t started;  /* a block code was seen since the last delimiter */
	uint8_t overflow; /* more than cap bytes: the frame is dropped */
};

enum fwd_frame_event {
	FWD_FRAME_NONE = 0, /* in the middle of a frame, or idle */
	FWD_FRAME_OK,       /* a packet with a good CRC is in buf[0..len) */
	FWD_FRAME_BAD       /* a frame ended but was malformed, too long or had a bad CRC */
};

void fwd_frame_rx_init(struct fwd_frame_rx *rx, uint8_t *buf, uint32_t cap);

/*
 * Feed one received byte. On FWD_FRAME_OK, rx->len is the packet length
 * without the CRC; the packet stays valid until the next call.
 */
enum fwd_frame_event fwd_frame_rx_byte(struct fwd_frame_rx *rx, uint8_t b);

/*
 * Append the CRC to pkt[0..n) (pkt needs 4 more bytes) and COBS-encode it
 * with the delimiter into out (FWD_COBS_MAX(n + 4) bytes). Returns the
 * number of bytes to send.
 */
uint32_t fwd_frame_encode(uint8_t *pkt, uint32_t n, uint8_t *out);

/* As fwd_frame_encode, but hands each encoded byte to put: no second buffer. */
void fwd_frame_send(uint8_t *pkt, uint32_t n, void (*put)(void *ctx, uint8_t b), void *ctx);

#endif /* FWD_FRAME_H */

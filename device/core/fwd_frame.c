/* COBS framing with a CRC-32 per packet. */
#include "fwd_frame.h"
#include "fwd_crc32.h"
#include "fwpack/image.h"

void fwd_frame_rx_init(struct fwd_frame_rx *rx, uint8_t *buf, uint32_t cap)
{
	rx->buf = buf;
	rx->cap = cap;
	rx->len = 0;
	rx->left = 0;
	rx->zero = 0;
	rx->started = 0;
	rx->overflow = 0;
}

static void rx_reset(struct fwd_frame_rx *rx)
{
	rx->len = 0;
	rx->left = 0;
	rx->zero = 0;
	rx->started = 0;
	rx->overflow = 0;
}

static void rx_put(struct fwd_frame_rx *rx, uint8_t b)
{
	if (rx->len < rx->cap)
		rx->buf[rx->len++] = b;
	else
		rx->overflow = 1;
}

enum fwd_frame_event fwd_frame_rx_byte(struct fwd_frame_rx *rx, uint8_t b)
{
	if (b != 0) {
		if (!rx->started)
			rx_reset(rx); /* a new frame: the last packet handed out is gone */
		if (rx->left) {
			rx_put(rx, b);
			rx->left--;
		} else {
			/* A new block: the previous one's implied zero is data after all. */
			if (rx->zero)
				rx_put(rx, 0);
			rx->left = (uint8_t)(b - 1);
			rx->zero = b != 0xFF;
			rx->started = 1;
		}
		return FWD_FRAME_NONE;
	}
	/* Delimiter: the last block's implied zero is not data. */
	if (!rx->started) {
		rx_reset(rx);
		return FWD_FRAME_NONE; /* idle delimiters are allowed, and used to resync */
	}
	int good = !rx->left && !rx->overflow && rx->len >= FWD_FRAME_OVERHEAD;
	if (good) {
		uint32_t n = rx->len - FWD_FRAME_CRC_LEN;
		good = fwd_crc32(0, rx->buf, n) == fwp_le32(rx->buf + n);
		if (good) {
			rx->started = 0;
			rx->len = n;
			return FWD_FRAME_OK;
		}
	}
	rx_reset(rx);
	return FWD_FRAME_BAD;
}

/* The COBS encoder, one byte at a time to a sink. */
struct sink {
	void (*put)(void *ctx, uint8_t b);
	void *ctx;
};

static void cobs(const uint8_t *p, uint32_t n, const struct sink *s)
{
	uint32_t i = 0;
	for (;;) {
		uint32_t run = 0;
		while (i + run < n && p[i + run] != 0 && run < 254)
			run++;
		s->put(s->ctx, (uint8_t)(run + 1));
		for (uint32_t k = 0; k < run; k++)
			s->put(s->ctx, p[i + k]);
		i += run;
		if (run == 254) {
			if (i == n)
				break; /* a full block at the very end needs no empty block after it */
			continue;
		}
		if (i == n)
			break;
		i++; /* the zero this block's code stands for */
	}
	s->put(s->ctx, 0);
}

static void add_crc(uint8_t *pkt, uint32_t n)
{
	fwp_put_le32(pkt + n, fwd_crc32(0, pkt, n));
}

void fwd_frame_send(uint8_t *pkt, uint32_t n, void (*put)(void *ctx, uint8_t b), void *ctx)
{
	struct sink s = {put, ctx};
	add_crc(pkt, n);
	cobs(pkt, n + FWD_FRAME_CRC_LEN, &s);
}

struct membuf {
	uint8_t *out;
	uint32_t len;
};

static void mem_put(void *ctx, uint8_t b)
{
	struct membuf *m = ctx;
	m->out[m->len++] = b;
}

uint32_t fwd_frame_encode(uint8_t *pkt, uint32_t n, uint8_t *out)
{
	struct membuf m = {out, 0};
	fwd_frame_send(pkt, n, mem_put, &m);
	return m.len;
}

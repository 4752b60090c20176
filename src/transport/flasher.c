/* The serial update protocol, host side: go-back-N over the device's offsets. */
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "fwc_info.h"
#include "fwd_frame.h"
#include "flasher.h"
#include "fwc_image.h"
#include "fwpack/image.h"
#include "fwpack/verdict.h"
#include "util.h"

#define PKT_MAX 4200u
#define CHUNK_MIN 32u
#define CHUNK_MAX 4096u
/* A HELLO and its answer take about 10 ms at 115200 baud: the first wait for one. */
#define HELLO_FIRST_MS 20u

struct fwp_flasher {
	struct fwp_serial *port;
	struct fwp_flasher_opts o;
	struct fwp_device_info info;
	uint8_t seq;
	struct fwd_frame_rx rx;
	uint8_t rxbuf[PKT_MAX];
	uint8_t pkt[PKT_MAX];
	uint8_t enc[FWD_COBS_MAX(PKT_MAX)];
	uint8_t in[4096];
	size_t in_len, in_pos;
	/* Bytes asked of the port at a time: 1 once BOOT is sent, so that what
	   the new firmware prints after the answer stays for its console's reader. */
	size_t read_max;
	uint8_t body[FWP_DATA_HDR_LEN + CHUNK_MAX]; /* one DATA request's body */
	uint32_t image_size;
};

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void report(struct fwp_flasher *f, enum fwp_flash_event ev, uint32_t off, uint32_t size,
		   const char *text)
{
	struct fwp_flash_report r = {ev, &f->info, off, size, f->image_size, text};
	if (f->o.report)
		f->o.report(&r, f->o.ctx);
}

int fwp_flasher_new(struct fwp_serial *port, const struct fwp_flasher_opts *opts,
		    struct fwp_flasher **out, struct fwp_err *err)
{
	struct fwp_flasher *f = calloc(1, sizeof(*f));
	if (!f)
		return fwp_fail(err, FWP_ERR_NOMEM, "out of memory");
	f->port = port;
	f->o = *opts;
	if (!f->o.timeout_ms)
		f->o.timeout_ms = 2000;
	if (!f->o.retries)
		f->o.retries = 10;
	fwd_frame_rx_init(&f->rx, f->rxbuf, sizeof(f->rxbuf));
	*out = f;
	return FWP_OK;
}

void fwp_flasher_free(struct fwp_flasher *f)
{
	free(f);
}

static int send_packet(struct fwp_flasher *f, uint8_t type, const uint8_t *body, uint32_t blen,
		       struct fwp_err *err)
{
	f->pkt[0] = type;
	f->pkt[1] = ++f->seq;
	if (blen)
		memcpy(f->pkt + 2, body, blen);
	uint32_t n = fwd_frame_encode(f->pkt, 2 + blen, f->enc);
	return fwp_serial_write(f->port, f->enc, n, f->o.timeout_ms, err);
}

/* The next good packet before the deadline: 1, with it in f->rx; 0 on timeout. */
static int next_packet(struct fwp_flasher *f, uint64_t deadline, struct fwp_err *err)
{
	for (;;) {
		while (f->in_pos < f->in_len)
			if (fwd_frame_rx_byte(&f->rx, f->in[f->in_pos++]) == FWD_FRAME_OK)
				return 1;
		uint64_t t = now_ms();
		if (t >= deadline)
			return 0;
		int n = fwp_serial_read(f->port, f->in, f->read_max ? f->read_max : sizeof(f->in),
					(unsigned)(deadline - t), err);
		if (n < 0)
			return n;
		f->in_pos = 0;
		f->in_len = (size_t)n;
	}
}

/*
 * One request, one answer: resent on silence or a BAD_FRAME answer. Body in
 * *resp. Before the retries at timeout_ms, quick attempts from first_ms,
 * doubling while below it: a HELLO lost while a line settles (a rate
 * switch, a port just opened) costs milliseconds, not a whole timeout, and
 * a slow device still gets every attempt it had.
 */
static int transact_backoff(struct fwp_flasher *f, uint8_t type, const uint8_t *body,
			    uint32_t blen, unsigned first_ms, unsigned timeout_ms,
			    const uint8_t **resp, uint32_t *rlen, struct fwp_err *err)
{
	unsigned quick = 0;
	for (unsigned w = first_ms; w < timeout_ms; w *= 2)
		quick++;
	unsigned wait_ms = quick ? first_ms : timeout_ms;
	for (unsigned attempt = 0; attempt <= f->o.retries + quick; attempt++) {
		int rc = send_packet(f, type, body, blen, err);
		if (rc < 0)
			return rc;
		uint64_t deadline = now_ms() + wait_ms;
		wait_ms = wait_ms * 2 < timeout_ms ? wait_ms * 2 : timeout_ms;
		if (attempt + 1 == quick)
			wait_ms = timeout_ms;
		while ((rc = next_packet(f, deadline, err)) == 1) {
			const uint8_t *p = f->rx.buf;
			if (p[0] == FWP_RESP_BAD_FRAME)
				break;
			if (p[0] == (type | FWP_RESPONSE) && p[1] == f->seq && f->rx.len >= 4) {
				*resp = p + 2;
				*rlen = f->rx.len - 2;
				return FWP_OK;
			}
		}
		if (rc < 0)
			return rc;
	}
	return fwp_fail(err, FWP_ERR_NO_DEVICE, "%s: no answer from the device after %u attempts",
			fwp_serial_name(f->port), f->o.retries + 1);
}

static int transact(struct fwp_flasher *f, uint8_t type, const uint8_t *body, uint32_t blen,
		    unsigned timeout_ms, const uint8_t **resp, uint32_t *rlen, struct fwp_err *err)
{
	return transact_backoff(f, type, body, blen, timeout_ms, timeout_ms, resp, rlen, err);
}

int fwp_device_info_parse(const char *port, const uint8_t *r, uint32_t n,
			  struct fwp_device_info *d, struct fwp_err *err)
{
	struct fwc_info in;
	size_t at;
	const char *why = fwc_info_decode(r, n, &in, &at);
	memset(d, 0, sizeof(*d));
	if (why)
		return fwp_fail(err, FWP_ERR_FORMAT,
				"%s: malformed INFO from the device (%u bytes): it %s (at byte %zu)",
				port, n, why, at);
	d->version = in.version;
	d->max_packet = in.max_packet;
	d->window = in.window;
	d->role = in.role;
	d->features = in.features;
	/* The name goes to terminals and logs: no control bytes from a device. */
	for (unsigned i = 0; i < in.board_len; i++)
		d->board[i] = in.board[i] >= 0x20 && in.board[i] < 0x7F ? (char)in.board[i] : '?';
	d->board[in.board_len] = 0;
	d->nslots = in.nslots;
	memcpy(d->slots, in.slots, sizeof(d->slots));
	d->session_state = in.session_state;
	d->session_slot = in.session_slot;
	d->session_size = in.session_size;
	d->session_offset = in.session_offset;
	memcpy(d->session_id, in.session_id, FWP_SESSION_ID_LEN);
	for (unsigned i = 0; i < in.uid_len; i++)
		snprintf(d->uid + 2 * i, 3, "%02x", in.uid[i]);
	if (d->max_packet < 16 || d->max_packet > PKT_MAX - 8)
		return fwp_fail(err, FWP_ERR_FORMAT, "%s: the device's maximum packet (%u) is unusable",
				port, d->max_packet);
	return FWP_OK;
}

int fwp_flasher_connect(struct fwp_flasher *f, struct fwp_device_info *info,
			struct fwp_err *err)
{
	const uint8_t hello[2] = {FWP_PROTO_VERSION & 0xFF, FWP_PROTO_VERSION >> 8};
	const uint8_t zero = 0, *r;
	uint32_t n;
	/* A delimiter ends whatever half frame the device holds from before. */
	int rc = fwp_serial_write(f->port, &zero, 1, f->o.timeout_ms, err);
	if (rc < 0)
		return rc;
	rc = transact_backoff(f, FWP_REQ_HELLO, hello, 2, HELLO_FIRST_MS, 500, &r, &n, err);
	if (rc < 0)
		return fwp_fail(err, rc, "%s: no fwpack Loader or Updater answers (is it in update "
				"mode?)", fwp_serial_name(f->port));
	if (r[0] != FWP_ST_OK)
		return fwp_fail(err, FWP_ERR_UNSUPPORTED, "%s: the device refused HELLO: %s",
				fwp_serial_name(f->port), fwp_status_name(r[0]));
	if ((rc = fwp_device_info_parse(fwp_serial_name(f->port), r, n, &f->info, err)) < 0)
		return rc;
	*info = f->info;
	report(f, FWP_EV_CONNECT, 0, 0, NULL);
	return FWP_OK;
}

static int refused(struct fwp_flasher *f, const char *what, const uint8_t *r, uint32_t n,
		   struct fwp_err *err)
{
	unsigned st = n ? r[0] : 255, detail = n > 1 ? r[1] : 0;
	if (st == FWP_ST_BAD_IMAGE && detail == FWC_WRONG_BOARD)
		return fwp_fail(err, FWP_ERR_REFUSED, "%s: the device refused %s: %s (UID %s is this "
				"board)",
				fwp_serial_name(f->port), what, fwp_verdict_name(detail),
				f->info.uid[0] ? f->info.uid : "not reported");
	if (st == FWP_ST_BAD_IMAGE && detail)
		return fwp_fail(err, FWP_ERR_REFUSED, "%s: the device refused %s: %s: %s (verdict %u)",
				fwp_serial_name(f->port), what, fwp_status_name(st),
				fwp_verdict_name(detail), detail);
	return fwp_fail(err, FWP_ERR_REFUSED, "%s: the device refused %s: %s",
			fwp_serial_name(f->port), what, fwp_status_name(st));
}

struct inflight {
	uint8_t seq;
	uint32_t end;
};

/* A transfer's frames in flight and how far the device has confirmed. */
struct window {
	struct inflight fl[16];
	unsigned nfl, size; /* frames in flight, and at most */
	unsigned stale;     /* answers still due for frames sent before a go-back */
	unsigned fails, good; /* go-backs in a row; good answers since the frame size changed */
	uint32_t chunk, chunk_max, next, acked, len;
};

/* Send frames from w->next until the window is full, the image sent, or stop_after. */
static int fill_window(struct fwp_flasher *f, struct window *w, const uint8_t *image,
		       struct fwp_err *err)
{
	while (w->nfl < w->size && w->next < w->len) {
		if (f->o.stop_after >= 0 && w->next >= (uint32_t)f->o.stop_after)
			break;
		uint32_t k = w->len - w->next < w->chunk ? w->len - w->next : w->chunk;
		fwp_put_le32(f->body, w->next);
		memcpy(f->body + FWP_DATA_HDR_LEN, image + w->next, k);
		int rc = send_packet(f, FWP_REQ_DATA, f->body, FWP_DATA_HDR_LEN + k, err);
		if (rc < 0)
			return rc;
		w->fl[w->nfl].seq = f->seq;
		w->fl[w->nfl].end = w->next + k;
		w->nfl++;
		w->next += k;
	}
	return FWP_OK;
}

/* An OK for fl[i]: it covers the frames before it too (their answers were lost). */
static void acknowledged(struct fwp_flasher *f, struct window *w, unsigned i, uint32_t dev_off)
{
	memmove(w->fl, w->fl + i + 1, (w->nfl - i - 1) * sizeof(w->fl[0]));
	w->nfl -= i + 1;
	if (dev_off > w->acked && dev_off <= w->len) {
		w->acked = dev_off;
		report(f, FWP_EV_PROGRESS, w->acked, w->len, NULL);
	}
	w->fails = 0;
	if (++w->good >= 16 && w->chunk < w->chunk_max) {
		w->chunk = w->chunk * 2 < w->chunk_max ? w->chunk * 2 : w->chunk_max;
		w->good = 0;
	}
}

/*
 * The answer in f->rx: 0 when it asks for nothing more (an acknowledgement,
 * an answer to a frame sent before a go-back, not an answer to DATA), 1
 * when a frame was lost or damaged (*why, and *dev_off, where the device
 * is: go back), or the device's refusal.
 */
static int take_answer(struct fwp_flasher *f, struct window *w, const char **why,
		       uint32_t *dev_off, struct fwp_err *err)
{
	const uint8_t *p = f->rx.buf;
	unsigned answered; /* frames of fl[] this answer accounts for */
	if (f->rx.len < 2 + FWP_STATUS_LEN)
		return 0;
	*dev_off = fwp_le32(p + 4);
	if (p[0] == FWP_RESP_BAD_FRAME) {
		if (w->stale) {
			w->stale--;
			return 0;
		}
		*why = "a frame was damaged on the line";
		answered = 1; /* the oldest frame: answers come in order */
	} else if (p[0] == (FWP_REQ_DATA | FWP_RESPONSE)) {
		unsigned i;
		for (i = 0; i < w->nfl && w->fl[i].seq != p[1]; i++)
			;
		if (i == w->nfl) {
			if (w->stale)
				w->stale--;
			return 0; /* for a frame sent before a go-back */
		}
		if (p[2] != FWP_ST_OK && p[2] != FWP_ST_OFFSET)
			return refused(f, "the data", p + 2, f->rx.len - 2, err);
		if (p[2] == FWP_ST_OK) {
			acknowledged(f, w, i, *dev_off);
			return 0;
		}
		*why = "a frame was lost";
		answered = i + 1;
	} else {
		return 0;
	}
	w->stale += w->nfl - answered;
	return 1;
}

/* Go back to what the device has, with smaller frames on a bad line. */
static int go_back(struct fwp_flasher *f, struct window *w, const char *why, uint32_t dev_off,
		   struct fwp_err *err)
{
	if (++w->fails > f->o.retries)
		return fwp_fail(err, FWP_ERR_NO_DEVICE,
				"%s: transfer failed at byte %u of %u after %u retries (%s)",
				fwp_serial_name(f->port), w->acked, w->len, f->o.retries, why);
	if (dev_off > w->acked && dev_off <= w->len)
		w->acked = dev_off;
	w->next = w->acked;
	w->nfl = 0;
	w->good = 0;
	if (w->chunk / 2 >= CHUNK_MIN)
		w->chunk /= 2;
	report(f, FWP_EV_RETRY, w->acked, w->len, why);
	return FWP_OK;
}

/*
 * Send [offset, len) with up to window frames in flight. The device answers
 * every frame, in order: a status with its offset, or BAD_FRAME for one it
 * could not read. On a loss, go back to the device's offset (go-back-N)
 * with smaller frames; the answers still due for frames sent before the
 * go-back are counted and ignored.
 */
static int send_data(struct fwp_flasher *f, const uint8_t *image, uint32_t len, uint32_t offset,
		     struct fwp_err *err)
{
	struct window w = {.size = f->info.window ? f->info.window : 1, .next = offset,
			   .acked = offset, .len = len};
	w.chunk_max = f->info.max_packet - FWD_FRAME_HDR_LEN - FWP_DATA_HDR_LEN;
	if (w.size > sizeof(w.fl) / sizeof(w.fl[0]))
		w.size = sizeof(w.fl) / sizeof(w.fl[0]);
	if (w.chunk_max > CHUNK_MAX)
		w.chunk_max = CHUNK_MAX;
	w.chunk = w.chunk_max;

	while (w.acked < len) {
		if (f->o.cancel && *f->o.cancel)
			return fwp_fail(err, FWP_ERR_NO_DEVICE,
					"%s: interrupted at byte %u of %u (the device keeps the "
					"session: a new run resumes it)",
					fwp_serial_name(f->port), w.acked, len);
		int rc = fill_window(f, &w, image, err);
		if (rc < 0)
			return rc;
		if (w.nfl == 0)
			return fwp_fail(err, FWP_ERR_NO_DEVICE, "%s: stopped after %u bytes, as asked",
					fwp_serial_name(f->port), w.acked);
		if ((rc = next_packet(f, now_ms() + f->o.timeout_ms, err)) < 0)
			return rc;
		const char *why = "no answer in time";
		uint32_t dev_off = w.acked;
		if (rc == 0) {
			w.stale = 0; /* whatever was on its way is lost */
		} else if ((rc = take_answer(f, &w, &why, &dev_off, err)) <= 0) {
			if (rc < 0)
				return rc;
			continue;
		}
		if ((rc = go_back(f, &w, why, dev_off, err)) < 0)
			return rc;
	}
	return FWP_OK;
}

/* A raw deflate stream with the window the protocol allows devices (4 KiB). */
int fwp_image_deflate(const uint8_t *image, size_t len, uint8_t **out, uint32_t *out_len,
			 struct fwp_err *err)
{
	z_stream z;
	memset(&z, 0, sizeof(z));
	int rc = deflateInit2(&z, 9, Z_DEFLATED, -12, 9, Z_DEFAULT_STRATEGY);
	if (rc != Z_OK)
		return fwp_zlib_fail(err, rc, "deflateInit2");
	uLong cap = deflateBound(&z, (uLong)len);
	*out = malloc(cap);
	if (!*out) {
		deflateEnd(&z);
		return fwp_fail(err, FWP_ERR_NOMEM, "out of memory");
	}
	z.next_in = (Bytef *)(uintptr_t)image;
	z.avail_in = (uInt)len;
	z.next_out = *out;
	z.avail_out = (uInt)cap;
	rc = deflate(&z, Z_FINISH);
	*out_len = (uint32_t)z.total_out;
	deflateEnd(&z);
	if (rc != Z_STREAM_END) {
		free(*out);
		*out = NULL;
		return fwp_zlib_fail(err, rc, "deflate");
	}
	return FWP_OK;
}

int fwp_flasher_send(struct fwp_flasher *f, uint8_t slot, const uint8_t *image, size_t len,
		     struct fwp_err *err)
{
	return fwp_flasher_send_deflated(f, slot, image, len, NULL, 0, err);
}

int fwp_flasher_send_deflated(struct fwp_flasher *f, uint8_t slot, const uint8_t *image,
			      size_t len, const uint8_t *deflated, uint32_t deflated_len,
			      struct fwp_err *err)
{
	const struct fwc_info_slot *s = NULL;
	const uint8_t *r;
	uint32_t n;
	for (unsigned i = 0; i < f->info.nslots; i++)
		if (f->info.slots[i].id == slot)
			s = &f->info.slots[i];
	if (!s)
		return fwp_fail(err, FWP_ERR_NOT_FOUND, "%s: the device (%s) has no slot %u",
				fwp_serial_name(f->port), f->info.board, slot);
	if (!(s->flags & FWP_SLOT_WRITABLE))
		return fwp_fail(err, FWP_ERR_REFUSED,
				"%s: slot %u is not writable through the device's %s",
				fwp_serial_name(f->port), slot,
				f->info.role == FWP_ROLE_UPDATER ? "Updater" : "Loader");
	if (len < FWP_IMAGE_HDR_LEN)
		return fwp_fail(err, FWP_ERR_FORMAT, "image too short (%zu bytes)", len);
	if (len > s->size)
		return fwp_fail(err, FWP_ERR_RANGE,
				"image of %zu bytes does not fit slot %u (%u bytes at 0x%08x); "
				"nothing was sent",
				len, slot, s->size, s->addr);

	uint8_t begin[FWP_BEGIN_LEN] = {slot, FWP_ENC_RAW, 0, 0}, digest[32];
	if (!EVP_Digest(image, len, digest, NULL, EVP_sha256(), NULL))
		return fwp_fail(err, FWP_ERR_CRYPTO, "SHA-256 failed");
	/* Compressed when the device inflates and it pays: firmware shrinks, noise does not. */
	uint8_t *z = NULL;
	uint32_t wire_len = (uint32_t)len;
	const uint8_t *wire = image;
	if ((f->info.features & FWP_FEAT_DEFLATE) && !f->o.no_compress) {
		int rc = FWP_OK;
		if (deflated)
			wire_len = deflated_len;
		else
			rc = fwp_image_deflate(image, len, &z, &wire_len, err);
		if (rc < 0)
			return rc;
		if (wire_len < len) {
			wire = deflated ? deflated : z;
			begin[1] = FWP_ENC_DEFLATE;
		} else {
			wire_len = (uint32_t)len;
		}
	}
	f->image_size = (uint32_t)len;
	fwp_put_le32(begin + 4, (uint32_t)len);
	memcpy(begin + 8, digest, FWP_SESSION_ID_LEN);
	memcpy(begin + 8 + FWP_SESSION_ID_LEN, image, FWP_IMAGE_HDR_LEN);
	int rc = transact(f, FWP_REQ_BEGIN, begin, sizeof(begin), f->o.timeout_ms, &r, &n, err);
	if (rc == FWP_OK && (r[0] != FWP_ST_OK || n < FWP_STATUS_LEN))
		rc = refused(f, "the image", r, n, err);
	if (rc == FWP_OK) {
		uint32_t off = fwp_le32(r + 2);
		report(f, FWP_EV_BEGIN, off, wire_len, begin[1] == FWP_ENC_DEFLATE ? "deflate" : NULL);
		rc = send_data(f, wire, wire_len, off, err);
	}
	if (rc == FWP_OK) {
		report(f, FWP_EV_VERIFY, wire_len, wire_len, NULL);
		/* Checking the signature takes the device a while: a longer wait. */
		rc = transact(f, FWP_REQ_FINISH, NULL, 0, f->o.timeout_ms * 5, &r, &n, err);
		if (rc == FWP_OK && r[0] != FWP_ST_OK)
			rc = refused(f, "the image", r, n, err);
	}
	if (rc == FWP_OK)
		report(f, FWP_EV_DONE, wire_len, wire_len, NULL);
	free(z);
	return rc;
}

int fwp_flasher_switch_baud(struct fwp_flasher *f, uint32_t old_baud, uint32_t baud,
			    struct fwp_err *err)
{
	const uint8_t hello[2] = {FWP_PROTO_VERSION & 0xFF, FWP_PROTO_VERSION >> 8}, *r;
	uint8_t body[4];
	uint32_t n;
	if (!(f->info.features & FWP_FEAT_BAUD))
		return fwp_fail(err, FWP_ERR_UNSUPPORTED, "%s: the device cannot change its rate",
				fwp_serial_name(f->port));
	fwp_put_le32(body, baud);
	int rc = transact(f, FWP_REQ_BAUD, body, 4, f->o.timeout_ms, &r, &n, err);
	if (rc < 0)
		return rc;
	if (r[0] != FWP_ST_OK)
		return fwp_fail(err, FWP_ERR_UNSUPPORTED, "%s: the device cannot run at %u baud: %s",
				fwp_serial_name(f->port), baud, fwp_status_name(r[0]));
	if ((rc = fwp_serial_set_baud(f->port, baud, err)) < 0)
		return rc;
	unsigned retries = f->o.retries;
	f->o.retries = 2;
	rc = transact_backoff(f, FWP_REQ_HELLO, hello, 2, HELLO_FIRST_MS, 300, &r, &n, err);
	f->o.retries = retries;
	if (rc == FWP_OK && r[0] == FWP_ST_OK)
		return FWP_OK;
	/* Both sides go back: the device after its grace second. */
	fwp_serial_set_baud(f->port, old_baud, NULL);
	struct timespec ts = {1, 200000000};
	nanosleep(&ts, NULL);
	fwp_serial_flush_input(f->port);
	return fwp_fail(err, FWP_ERR_NO_DEVICE, "%s: no answer at %u baud; staying at %u",
			fwp_serial_name(f->port), baud, old_baud);
}

int fwp_flasher_boot(struct fwp_flasher *f, int *acked, struct fwp_err *err)
{
	const uint8_t hello[2] = {FWP_PROTO_VERSION & 0xFF, FWP_PROTO_VERSION >> 8}, *r;
	uint32_t n;
	*acked = 1;
	f->read_max = 1;
	int rc = transact(f, FWP_REQ_BOOT, NULL, 0, f->o.timeout_ms, &r, &n, err);
	if (rc == FWP_ERR_NO_DEVICE) {
		/* One HELLO, its own answer as likely to arrive as any other. */
		struct fwp_err herr;
		unsigned retries = f->o.retries;
		f->o.retries = 2;
		int hrc = transact(f, FWP_REQ_HELLO, hello, 2, f->o.timeout_ms, &r, &n, &herr);
		f->o.retries = retries;
		if (hrc == FWP_OK)
			return fwp_fail(err, FWP_ERR_NO_DEVICE,
					"%s: the device did not acknowledge BOOT and still answers "
					"in update mode", fwp_serial_name(f->port));
		if (hrc != FWP_ERR_NO_DEVICE)
			return fwp_fail(err, hrc, "%s", herr.msg);
		*acked = 0;
		return FWP_OK;
	}
	if (rc < 0)
		return rc;
	return r[0] == FWP_ST_OK ? FWP_OK : refused(f, "to boot", r, n, err);
}

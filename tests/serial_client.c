/*
 * A minimal host for the serial update protocol, used by the tests to
 * drive a device (the posix port) through a pseudo-terminal with the real
 * libserialport. Stop-and-wait, one request at a time: the production host
 * is `fwpack flash`; this client exists so that the device side can be
 * tested on its own.
 *
 *   serial-client --port PATH [--slot N] [--stop-after BYTES] [--no-boot]
 *                 [--expect TEXT] IMAGE
 *   serial-client --port PATH --info [--boot [--expect TEXT]]
 *   serial-client --port PATH [--send TEXT] --expect TEXT   (console only)
 *   serial-client --port PATH --enter reset|1200|console[=CMD] [IMAGE]
 *
 * --enter takes a board that runs its Application into its Loader first,
 * as `fwpack flash --enter` does (docs/serial-emulation.md): DTR/RTS into a
 * reset with boot-select, the 1200-baud touch, or the console command;
 * then HELLO (with retries) and, without IMAGE, the INFO.
 *
 * Exit: 0 done, 1 the device refused (reason printed), 2 usage or I/O,
 * 3 no answer.
 */
#include <libserialport.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fwc_info.h"
#include "fwd_frame.h"
#include "fwpack/image.h"
#include "fwpack/verdict.h"
#include "fwpack/protocol.h"

static struct sp_port *port;
static uint8_t seq;
static uint8_t rxbuf[4096 + 8];
static struct fwd_frame_rx rx;

static void die(const char *what)
{
	char *msg = sp_last_error_message();
	fprintf(stderr, "serial-client: %s: %s\n", what, msg ? msg : "?");
	sp_free_error_message(msg);
	exit(2);
}

static void msleep(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static void open_port(const char *path, int baud)
{
	if (sp_get_port_by_name(path, &port) != SP_OK || sp_open(port, SP_MODE_READ_WRITE) != SP_OK)
		die(path);
	if (sp_set_baudrate(port, baud) != SP_OK || sp_set_bits(port, 8) != SP_OK ||
	    sp_set_parity(port, SP_PARITY_NONE) != SP_OK || sp_set_stopbits(port, 1) != SP_OK ||
	    sp_set_flowcontrol(port, SP_FLOWCONTROL_NONE) != SP_OK)
		die("configure");
}

static void close_port(void)
{
	sp_close(port);
	sp_free_port(port);
	port = NULL;
}

static void set_lines(int dtr, int rts)
{
	if (sp_set_dtr(port, dtr ? SP_DTR_ON : SP_DTR_OFF) != SP_OK ||
	    sp_set_rts(port, rts ? SP_RTS_ON : SP_RTS_OFF) != SP_OK)
		die("modem lines");
}

/* The entry methods of `fwpack flash --enter`, with the timings the host uses. */
static void enter(const char *path, const char *method)
{
	if (!strcmp(method, "reset")) {
		/* esptool's wiring: RTS holds reset, DTR is boot-select, read as reset ends. */
		set_lines(1, 1);
		msleep(100);
		set_lines(1, 0);
		msleep(100);
		set_lines(0, 0);
	} else if (!strcmp(method, "1200")) {
		close_port();
		open_port(path, 1200);
		if (sp_set_dtr(port, SP_DTR_OFF) != SP_OK)
			die("DTR");
		close_port();
		/* A USB CDC port may vanish and come back: wait for it, bounded. */
		for (int i = 0; i < 50; i++) {
			struct sp_port *p;
			if (sp_get_port_by_name(path, &p) == SP_OK) {
				sp_free_port(p);
				break;
			}
			msleep(100);
		}
		open_port(path, 115200);
	} else if (!strncmp(method, "console", 7) && (method[7] == 0 || method[7] == '=')) {
		const char *cmd = method[7] ? method + 8 : "fwpack-update";
		if (sp_blocking_write(port, cmd, strlen(cmd), 1000) != (int)strlen(cmd) ||
		    sp_blocking_write(port, "\n", 1, 1000) != 1)
			die("write");
	} else {
		fprintf(stderr, "serial-client: --enter %s: reset, 1200 or console[=CMD]\n", method);
		exit(2);
	}
	printf("entered the Loader by %s\n", method);
	/* The Application's last words and the reset: give the Loader its start. */
	msleep(300);
	sp_flush(port, SP_BUF_INPUT);
}

static void send_packet(uint8_t *pkt, uint32_t n)
{
	uint8_t out[FWD_COBS_MAX(4096 + 16)];
	uint32_t len = fwd_frame_encode(pkt, n, out);
	if (sp_blocking_write(port, out, len, 2000) != (int)len)
		die("write");
}

/* Send a request and wait for its response; resend on silence or a bad frame. */
static uint32_t transact(uint8_t type, const uint8_t *body, uint32_t blen, uint8_t **resp)
{
	static uint8_t pkt[4096 + 16];
	for (int attempt = 0; attempt < 5; attempt++) {
		seq++;
		pkt[0] = type;
		pkt[1] = seq;
		if (blen)
			memcpy(pkt + 2, body, blen);
		send_packet(pkt, 2 + blen);
		time_t deadline = time(NULL) + 3;
		while (time(NULL) < deadline) {
			uint8_t b;
			int n = sp_blocking_read(port, &b, 1, 200);
			if (n < 0)
				die("read");
			if (n == 0)
				continue;
			enum fwd_frame_event ev = fwd_frame_rx_byte(&rx, b);
			if (ev != FWD_FRAME_OK)
				continue;
			if (getenv("SERIAL_CLIENT_DEBUG"))
				fprintf(stderr, "rx type %02x seq %u len %u (want seq %u)\n", rx.buf[0],
					rx.buf[1], rx.len, seq);
			if (rx.buf[0] == FWP_RESP_BAD_FRAME)
				break; /* the device did not read our frame: resend */
			if (rx.buf[0] == (type | FWP_RESPONSE) && rx.buf[1] == seq) {
				*resp = rx.buf + 2;
				return rx.len - 2;
			}
		}
	}
	fprintf(stderr, "serial-client: no answer from the device\n");
	exit(3);
}

/* Wait for console text (after BOOT): the device prints it on the same line. */
static int expect_text(const char *text, int seconds)
{
	char line[4096];
	size_t n = 0;
	time_t deadline = time(NULL) + seconds;
	while (time(NULL) < deadline) {
		uint8_t b;
		int r = sp_blocking_read(port, &b, 1, 200);
		if (r < 0)
			die("read");
		if (r == 0 || b == '\r')
			continue;
		if (b == '\n' || n == sizeof(line) - 1) {
			line[n] = 0;
			printf("console: %s\n", line);
			if (strstr(line, text))
				return 1;
			n = 0;
		} else if (b >= 0x20 && b < 0x7F) {
			line[n++] = (char)b;
		}
	}
	return 0;
}

/* HELLO, and the INFO printed; inf's board and uid point into rx until the next request. */
static void hello(struct fwc_info *inf)
{
	uint8_t body[2], *r;
	fwp_put_le16(body, FWP_PROTO_VERSION);
	uint32_t n = transact(FWP_REQ_HELLO, body, 2, &r);
	if (n < 1 || r[0] != FWP_ST_OK) {
		fprintf(stderr, "serial-client: HELLO refused: %s\n", fwp_status_name(n ? r[0] : 99));
		exit(1);
	}
	size_t at;
	const char *why = fwc_info_decode(r, n, inf, &at);
	if (why) {
		fprintf(stderr, "serial-client: malformed INFO (%u bytes): it %s (at byte %zu)\n", n,
			why, at);
		exit(1);
	}
	printf("device: board %.*s, role %s, protocol %u, max packet %u, window %u\n",
	       (int)inf->board_len, (const char *)inf->board,
	       inf->role == FWP_ROLE_UPDATER ? "updater" : "loader", inf->version, inf->max_packet,
	       inf->window);
	for (unsigned i = 0; i < inf->nslots; i++)
		printf("slot %u: 0x%08x, %u bytes%s\n", inf->slots[i].id, inf->slots[i].addr,
		       inf->slots[i].size, inf->slots[i].flags & FWP_SLOT_WRITABLE ? ", writable" : "");
	printf("session: state %u, slot %u, size %u, offset %u\n", inf->session_state,
	       inf->session_slot, inf->session_size, inf->session_offset);
	if (inf->uid_len) {
		printf("uid: ");
		for (unsigned i = 0; i < inf->uid_len; i++)
			printf("%02x", inf->uid[i]);
		printf("\n");
	}
}

static uint32_t status_offset(uint32_t n, const uint8_t *r)
{
	return n >= FWP_STATUS_LEN ? fwp_le32(r + 2) : 0;
}

static void refused(const char *req, uint32_t n, const uint8_t *r)
{
	printf("device refused %s: %s", req, fwp_status_name(n ? r[0] : 99));
	if (n > 1 && r[1])
		printf(": %s (verdict %u)", fwp_verdict_name(r[1]), r[1]);
	printf("\n");
	exit(1);
}

struct args {
	const char *path, *image, *expect, *send_text, *entry;
	unsigned slot;
	long stop_after;
	int info_only, boot, boot_now;
};

/* 0, or 2 after a usage message. */
static int parse_args(int argc, char **argv, struct args *a)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--port") && i + 1 < argc)
			a->path = argv[++i];
		else if (!strcmp(argv[i], "--slot") && i + 1 < argc)
			a->slot = (unsigned)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--stop-after") && i + 1 < argc)
			a->stop_after = atol(argv[++i]);
		else if (!strcmp(argv[i], "--send") && i + 1 < argc)
			a->send_text = argv[++i];
		else if (!strcmp(argv[i], "--expect") && i + 1 < argc)
			a->expect = argv[++i];
		else if (!strcmp(argv[i], "--info"))
			a->info_only = 1;
		else if (!strcmp(argv[i], "--boot"))
			a->boot_now = 1;
		else if (!strcmp(argv[i], "--enter") && i + 1 < argc)
			a->entry = argv[++i];
		else if (!strcmp(argv[i], "--no-boot"))
			a->boot = 0;
		else if (argv[i][0] != '-' && !a->image)
			a->image = argv[i];
		else {
			fprintf(stderr, "serial-client: bad argument '%s'\n", argv[i]);
			return 2;
		}
	}
	if (a->entry && !a->image)
		a->info_only = 1;
	if (!a->path || (!a->image && !a->info_only && !a->expect)) {
		fprintf(stderr, "usage: serial-client --port PATH [--slot N] [--stop-after BYTES] "
				"[--no-boot] [--expect TEXT] IMAGE | --info\n");
		return 2;
	}
	return 0;
}

/* The image into img (*size bytes), and its session id: the first 16 bytes of its SHA-256. */
static int load_image(const char *image, uint8_t *img, size_t cap, size_t *size,
		      uint8_t digest[32])
{
	FILE *f = fopen(image, "rb");
	if (!f) {
		perror(image);
		return 2;
	}
	*size = fread(img, 1, cap, f);
	int toolong = fgetc(f) != EOF;
	fclose(f);
	if (toolong || *size < FWP_IMAGE_HDR_LEN) {
		fprintf(stderr, "serial-client: %s: not an image of a usable size\n", image);
		return 2;
	}
	return EVP_Digest(img, *size, digest, NULL, EVP_sha256(), NULL) ? 0 : 2;
}

/* Console text after BOOT (or none asked for): 0 seen, 1 not. */
static int expect_after_boot(const char *expect)
{
	if (expect && !expect_text(expect, 10)) {
		printf("did not see '%s'\n", expect);
		return 1;
	}
	return 0;
}

/* Checks, against INFO, that slot takes size bytes, before a byte is sent: 0 or 1. */
static int slot_fits(const struct fwc_info *inf, unsigned slot, size_t size)
{
	unsigned k;
	for (k = 0; k < inf->nslots && inf->slots[k].id != slot; k++)
		;
	if (k == inf->nslots || !(inf->slots[k].flags & FWP_SLOT_WRITABLE)) {
		printf("slot %u is not writable on this device\n", slot);
		return 1;
	}
	if (size > inf->slots[k].size) {
		printf("image too large for slot %u (%zu > %u bytes)\n", slot, size,
		       inf->slots[k].size);
		return 1;
	}
	return 0;
}

/*
 * BEGIN, DATA from the offset the device gives until all is in (or
 * stop_after), FINISH. Returns 0 when committed, 2 when stopped as asked;
 * a refusal exits.
 */
static int send_image(const struct fwc_info *inf, const struct args *a, const uint8_t *img,
		      size_t size, const uint8_t *digest)
{
	uint8_t begin[FWP_BEGIN_LEN] = {(uint8_t)a->slot, FWP_ENC_RAW, 0, 0}, *r;
	fwp_put_le32(begin + 4, (uint32_t)size);
	memcpy(begin + 8, digest, FWP_SESSION_ID_LEN);
	memcpy(begin + 8 + FWP_SESSION_ID_LEN, img, FWP_IMAGE_HDR_LEN);
	uint32_t n = transact(FWP_REQ_BEGIN, begin, sizeof(begin), &r);
	if (n < FWP_STATUS_LEN || r[0] != FWP_ST_OK)
		refused("the image", n, r);
	uint32_t off = status_offset(n, r);
	printf("begin: %zu bytes into slot %u from offset %u%s\n", size, a->slot, off,
	       off ? " (resumed)" : "");

	uint32_t chunk = inf->max_packet - 2 - FWP_DATA_HDR_LEN;
	if (chunk > 4096)
		chunk = 4096;
	while (off < size) {
		if (a->stop_after >= 0 && off >= (uint32_t)a->stop_after) {
			printf("stopped at %u of %zu bytes\n", off, size);
			return 2;
		}
		uint8_t body[4096 + FWP_DATA_HDR_LEN];
		uint32_t len = size - off < chunk ? (uint32_t)(size - off) : chunk;
		fwp_put_le32(body, off);
		memcpy(body + FWP_DATA_HDR_LEN, img + off, len);
		n = transact(FWP_REQ_DATA, body, FWP_DATA_HDR_LEN + len, &r);
		if (n < FWP_STATUS_LEN)
			refused("data", n, r);
		if (r[0] == FWP_ST_OK || r[0] == FWP_ST_OFFSET)
			off = status_offset(n, r); /* the device says where it is */
		else
			refused("data", n, r);
	}
	n = transact(FWP_REQ_FINISH, NULL, 0, &r);
	if (n < FWP_STATUS_LEN || r[0] != FWP_ST_OK)
		refused("the image", n, r);
	printf("verified and committed: %zu bytes\n", size);
	return 0;
}

int main(int argc, char **argv)
{
	struct args a = {.slot = 2, .stop_after = -1, .boot = 1};
	int rc = parse_args(argc, argv, &a);
	if (rc)
		return rc;
	static uint8_t img[1 << 21];
	size_t size = 0;
	uint8_t digest[32];
	if (a.image && (rc = load_image(a.image, img, sizeof(img), &size, digest)) != 0)
		return rc;

	open_port(a.path, 115200);
	if (a.entry)
		enter(a.path, a.entry);
	fwd_frame_rx_init(&rx, rxbuf, sizeof(rxbuf));
	if (!a.image && !a.info_only) {
		/* Console only: talk to a running Application. */
		if (a.send_text && sp_blocking_write(port, a.send_text, strlen(a.send_text), 1000) !=
					   (int)strlen(a.send_text))
			die("write");
		return expect_after_boot(a.expect);
	}
	/* A delimiter first: whatever the device half-received before is dropped. */
	uint8_t zero = 0, *r;
	sp_blocking_write(port, &zero, 1, 1000);

	struct fwc_info inf;
	hello(&inf);
	if (a.info_only) {
		if (!a.boot_now)
			return 0;
		/* Back to the installed firmware, nothing written. */
		transact(FWP_REQ_BOOT, NULL, 0, &r);
		printf("booting\n");
		return expect_after_boot(a.expect);
	}
	if (slot_fits(&inf, a.slot, size))
		return 1;
	if ((rc = send_image(&inf, &a, img, size, digest)) != 0)
		return 0; /* stopped where asked */
	if (!a.boot)
		return 0;
	transact(FWP_REQ_BOOT, NULL, 0, &r);
	printf("booting\n");
	if ((rc = expect_after_boot(a.expect)) != 0)
		return rc;
	sp_close(port);
	sp_free_port(port);
	return 0;
}

/*
 * The USB DFU carrier (device/core/fwd_usb.c, fwd_dfu.c) on the host:
 * control transfers as a host sends them, over the update engine and the
 * NOR flash model, with images made and signed by the host library.
 */
#include "check_util.h"
#include "fixtures.h"
#include "crypto.h"
#include "fwd_flash_sim.h"
#include "fwd_image.h"
#include "fwd_update.h"
#include "fwd_usb.h"
#include "slotimage.h"

static const struct fwd_slot boot_slot = {FX_BOOT_ADDR, FX_BOOT_SIZE, 0};
static const struct fwd_slot loader_slot = {FX_LOADER_ADDR, FX_LOADER_SIZE, 0};
static const struct fwd_slot app_slot = {FX_APP_ADDR, FX_APP_SIZE, 1};

/* An application image for the app slot, header room 0x200, signed by signer. */
static void make(enum fwp_image_type type, uint32_t counter, struct fwp_key *signer,
		 size_t payload_len, struct fwp_buf *out)
{
	uint8_t *payload = fx_pattern(payload_len);
	struct fwp_image_params p = {0};
	p.type = type;
	p.version = (struct fwp_image_version){1, 0, 0, 0};
	p.security_counter = counter;
	p.slot_addr = app_slot.addr;
	p.load_addr = app_slot.addr + 0x200;
	p.vector_addr = p.load_addr;
	p.payload = payload;
	p.payload_len = payload_len;
	fx_image_sign(&p, signer, out);
	free(payload);
}

/* A Loader's device: slots 0 and 1 listed, not writable; slot 2 takes apps. */
struct dev {
	struct fwd_flash_sim sim;
	struct fwd_flash fl;
	struct fwd_update_target t[3];
	struct fwd_update up;
	struct fwd_usb usb;
};

static const struct fwd_usb_config usb_cfg = {
	0x1209, 0xF0F0, 0x0100, "fwpack", "fwpack Loader", "SN42",
	{"slot 0: bootloader", "slot 1: loader", "slot 2: application"}};

static void dev_init(struct dev *d, uint32_t min_counter)
{
	struct fwd_policy pol = {&fx.pub, 1, 1u << FWP_IMAGE_TYPE_APP, min_counter, 428, NULL, 0};
	ck_assert_int_eq(fwd_flash_sim_init(&d->sim, FX_FLASH_BASE, fx_f429_sectors), 0);
	d->fl = fwd_flash_sim_flash(&d->sim);
	d->t[0] = (struct fwd_update_target){0, boot_slot, pol};
	d->t[1] = (struct fwd_update_target){1, loader_slot, pol};
	d->t[2] = (struct fwd_update_target){2, app_slot, pol};
	fwd_update_init(&d->up, &d->fl, d->t, 3);
	ck_assert_int_eq(fwd_usb_init(&d->usb, &usb_cfg, &d->up), 0);
}

static uint8_t io[4096];

static int ctl(struct dev *d, uint8_t rt, uint8_t req, uint16_t val, uint16_t idx, uint16_t len,
	       const void *out, uint16_t *got)
{
	struct fwd_usb_setup s = {rt, req, val, idx, len};
	uint16_t n;
	if (out)
		memcpy(io, out, len);
	int r = fwd_usb_control(&d->usb, &s, io, &n);
	if (got)
		*got = n;
	return r;
}

/* Enumeration as a host does it: address, configuration, alternate setting. */
static void configure(struct dev *d, uint8_t alt)
{
	ck_assert_int_eq(ctl(d, 0x00, 5, 7, 0, 0, NULL, NULL), FWD_USB_ACK);
	ck_assert_uint_eq(d->usb.address, 7);
	ck_assert_int_eq(ctl(d, 0x00, 9, 1, 0, 0, NULL, NULL), FWD_USB_ACK);
	ck_assert_int_eq(ctl(d, 0x01, 11, alt, 0, 0, NULL, NULL), FWD_USB_ACK);
}

struct status {
	uint8_t status, state;
	uint32_t poll;
};

static struct status getstatus(struct dev *d)
{
	uint16_t n;
	ck_assert_int_eq(ctl(d, 0xA1, FWP_DFU_REQ_GETSTATUS, 0, 0, 6, NULL, &n), FWD_USB_ACK);
	ck_assert_uint_eq(n, 6);
	return (struct status){io[0], io[4], io[1] | (io[2] << 8) | ((uint32_t)io[3] << 16)};
}

/* dfu-util's loop: DNLOAD, then GETSTATUS until dfuDNLOAD-IDLE or dfuERROR. */
static struct status dnload(struct dev *d, uint16_t block, const uint8_t *p, uint16_t len,
			    unsigned *busy)
{
	ck_assert_int_eq(ctl(d, 0x21, FWP_DFU_REQ_DNLOAD, block, 0, len, p, NULL), FWD_USB_ACK);
	for (;;) {
		struct status st = getstatus(d);
		if (st.state == FWP_DFU_DNLOAD_IDLE || st.state == FWP_DFU_ERROR ||
		    st.state == FWP_DFU_IDLE)
			return st;
		ck_assert(st.state == FWP_DFU_DNBUSY || st.state == FWP_DFU_MANIFEST);
		ck_assert_uint_gt(st.poll, 0);
		ck_assert_uint_le(st.poll, 20); /* a few ms, not seconds */
		(*busy)++;
		ck_assert_int_eq(fwd_usb_poll(&d->usb), 1);
	}
}

/* The whole file, then the zero-length DNLOAD and the manifestation. */
static struct status download(struct dev *d, const struct fwp_buf *img, unsigned *busy)
{
	struct status st = {0, 0, 0};
	uint16_t block = 0;
	for (size_t off = 0; off < img->len; off += FWD_DFU_TRANSFER_SIZE) {
		size_t n = img->len - off < FWD_DFU_TRANSFER_SIZE ? img->len - off
								   : FWD_DFU_TRANSFER_SIZE;
		st = dnload(d, block++, img->data + off, (uint16_t)n, busy);
		if (st.state == FWP_DFU_ERROR)
			return st;
	}
	return dnload(d, block, NULL, 0, busy);
}

static int committed(struct dev *d, const struct fwp_buf *img)
{
	struct fwd_image out;
	struct fwd_policy pol = d->t[2].pol;
	return fwd_image_check(&d->fl, app_slot.addr, app_slot.size, &pol, &out) == FWD_IMAGE_OK &&
	       memcmp(d->sim.mem + (app_slot.addr - d->sim.base), img->data, img->len) == 0;
}

START_TEST(whole_download_lands_and_commits)
{
	struct dev d;
	struct fwp_buf img = {0};
	unsigned busy = 0;
	dev_init(&d, 0);
	make(FWP_IMAGE_TYPE_APP, 3, fx.key, 20000, &img);
	configure(&d, 2);
	struct status st = download(&d, &img, &busy);
	ck_assert_uint_eq(st.status, FWP_DFU_OK);
	ck_assert_uint_eq(st.state, FWP_DFU_IDLE); /* manifestation tolerant */
	/* Every block and the manifestation were reported busy first. */
	ck_assert_uint_eq(busy, (img.len + FWD_DFU_TRANSFER_SIZE - 1) / FWD_DFU_TRANSFER_SIZE + 1);
	ck_assert(committed(&d, &img));
	ck_assert_uint_eq(d.up.state, FWP_SESSION_COMMITTED);
	/* A bus reset now (dfu-util -R) asks the program to run the new firmware. */
	ck_assert_uint_eq(d.usb.leave, 0);
	fwd_usb_reset(&d.usb);
	ck_assert_uint_eq(d.usb.leave, 1);
	ck_assert_uint_eq(d.usb.configuration, 0);
	configure(&d, 2);
	/* UPLOAD reads the slot back. */
	uint16_t n;
	ck_assert_int_eq(ctl(&d, 0xA1, FWP_DFU_REQ_UPLOAD, 0, 0, 1024, NULL, &n), FWD_USB_ACK);
	ck_assert_uint_eq(n, 1024);
	ck_assert_mem_eq(io, img.data, 1024);
	ck_assert_int_eq(ctl(&d, 0xA1, FWP_DFU_REQ_ABORT - 0, 0, 0, 0, NULL, NULL), FWD_USB_ACK);
	free(img.data);
	fwd_flash_sim_free(&d.sim);
}
END_TEST

START_TEST(refused_images_map_to_dfu_status)
{
	struct dev d;
	struct fwp_buf bad = {0}, old = {0}, loader = {0};
	unsigned busy = 0;
	dev_init(&d, 2);
	configure(&d, 2);
	/* Signed by a key the device does not trust: found at the manifestation. */
	make(FWP_IMAGE_TYPE_APP, 3, fx.other, 9000, &bad);
	struct status st = download(&d, &bad, &busy);
	ck_assert_uint_eq(st.state, FWP_DFU_ERROR);
	ck_assert_uint_eq(st.status, FWP_DFU_ERR_VERIFY);
	ck_assert_uint_ne(d.up.state, FWP_SESSION_COMMITTED);
	struct fwd_image out;
	ck_assert_int_eq(fwd_image_check(&d.fl, app_slot.addr, app_slot.size, &d.t[2].pol, &out),
			 FWD_IMAGE_EMPTY);
	/* Requests other than GETSTATUS/GETSTATE/CLRSTATUS stall in dfuERROR. */
	ck_assert_int_eq(ctl(&d, 0x21, FWP_DFU_REQ_DNLOAD, 0, 0, 64, bad.data, NULL), FWD_USB_STALL);
	uint16_t n;
	ck_assert_int_eq(ctl(&d, 0xA1, FWP_DFU_REQ_GETSTATE, 0, 0, 1, NULL, &n), FWD_USB_ACK);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(io[0], FWP_DFU_ERROR);
	ck_assert_uint_eq(getstatus(&d).status, FWP_DFU_ERR_VERIFY); /* the reason stays */
	ck_assert_int_eq(ctl(&d, 0x21, FWP_DFU_REQ_ABORT, 0, 0, 0, NULL, NULL), FWD_USB_STALL);
	ck_assert_uint_eq(getstatus(&d).status, FWP_DFU_ERR_VERIFY);
	/* CLRSTATUS recovers: dfuIDLE, OK. */
	ck_assert_int_eq(ctl(&d, 0x21, FWP_DFU_REQ_CLRSTATUS, 0, 0, 0, NULL, NULL), FWD_USB_ACK);
	st = getstatus(&d);
	ck_assert_uint_eq(st.state, FWP_DFU_IDLE);
	ck_assert_uint_eq(st.status, FWP_DFU_OK);

	/* A corrupted signature byte: errVERIFY too. */
	bad.data[bad.len - 1] ^= 1;
	free(bad.data);
	bad = (struct fwp_buf){0};
	make(FWP_IMAGE_TYPE_APP, 3, fx.key, 9000, &bad);
	bad.data[bad.len - 1] ^= 0x55;
	st = download(&d, &bad, &busy);
	ck_assert_uint_eq(st.status, FWP_DFU_ERR_VERIFY);
	ck_assert_int_eq(ctl(&d, 0x21, FWP_DFU_REQ_CLRSTATUS, 0, 0, 0, NULL, NULL), FWD_USB_ACK);

	/* Rollback: refused on the first block, before anything is erased. */
	make(FWP_IMAGE_TYPE_APP, 1, fx.key, 9000, &old);
	unsigned long erases = d.sim.erases;
	st = dnload(&d, 0, old.data, FWD_DFU_TRANSFER_SIZE, &busy);
	ck_assert_uint_eq(st.status, FWP_DFU_ERR_FIRMWARE);
	ck_assert_uint_eq(d.sim.erases, erases);
	ck_assert_int_eq(ctl(&d, 0x21, FWP_DFU_REQ_CLRSTATUS, 0, 0, 0, NULL, NULL), FWD_USB_ACK);

	/* The wrong image type: errTARGET; a slot that is not writable: errTARGET. */
	make(FWP_IMAGE_TYPE_LOADER, 3, fx.key, 9000, &loader);
	st = dnload(&d, 0, loader.data, FWD_DFU_TRANSFER_SIZE, &busy);
	ck_assert_uint_eq(st.status, FWP_DFU_ERR_TARGET);
	ck_assert_int_eq(ctl(&d, 0x21, FWP_DFU_REQ_CLRSTATUS, 0, 0, 0, NULL, NULL), FWD_USB_ACK);
	ck_assert_int_eq(ctl(&d, 0x01, 11, 1, 0, 0, NULL, NULL), FWD_USB_ACK);
	st = dnload(&d, 0, old.data, FWD_DFU_TRANSFER_SIZE, &busy);
	ck_assert_uint_eq(st.status, FWP_DFU_ERR_TARGET);
	/* Not a fwpack image at all: errFILE. */
	ck_assert_int_eq(ctl(&d, 0x01, 11, 2, 0, 0, NULL, NULL), FWD_USB_ACK);
	static const uint8_t junk[128] = {1, 2, 3};
	st = dnload(&d, 0, junk, sizeof(junk), &busy);
	ck_assert_uint_eq(st.status, FWP_DFU_ERR_FILE);
	ck_assert_uint_eq(d.sim.erases, erases);
	/* An image cut short: errNOTDONE at the manifestation, or a bad trailer. */
	ck_assert_int_eq(ctl(&d, 0x21, FWP_DFU_REQ_CLRSTATUS, 0, 0, 0, NULL, NULL), FWD_USB_ACK);
	free(bad.data);
	bad = (struct fwp_buf){0};
	make(FWP_IMAGE_TYPE_APP, 3, fx.key, 9000, &bad);
	st = dnload(&d, 0, bad.data, FWD_DFU_TRANSFER_SIZE, &busy);
	ck_assert_uint_eq(st.status, FWP_DFU_OK);
	st = dnload(&d, 1, NULL, 0, &busy);
	ck_assert_uint_eq(st.state, FWP_DFU_ERROR);
	ck_assert_uint_ne(st.status, FWP_DFU_OK);
	ck_assert_int_eq(fwd_image_check(&d.fl, app_slot.addr, app_slot.size, &d.t[2].pol, &out),
			 FWD_IMAGE_EMPTY);
	free(bad.data);
	free(old.data);
	free(loader.data);
	fwd_flash_sim_free(&d.sim);
}
END_TEST

START_TEST(abort_mid_download_and_state_rules)
{
	struct dev d;
	struct fwp_buf img = {0};
	unsigned busy = 0;
	dev_init(&d, 0);
	make(FWP_IMAGE_TYPE_APP, 3, fx.key, 20000, &img);
	/* A bus reset with nothing installed is only a reset. */
	fwd_usb_reset(&d.usb);
	ck_assert_uint_eq(d.usb.leave, 0);
	/* Class requests need a configuration. */
	ck_assert_int_eq(ctl(&d, 0xA1, FWP_DFU_REQ_GETSTATUS, 0, 0, 6, NULL, NULL), FWD_USB_STALL);
	configure(&d, 2);
	ck_assert_uint_eq(getstatus(&d).state, FWP_DFU_IDLE);
	/* A zero-length DNLOAD in dfuIDLE has nothing to end. */
	ck_assert_int_eq(ctl(&d, 0x21, FWP_DFU_REQ_DNLOAD, 0, 0, 0, NULL, NULL), FWD_USB_STALL);
	struct status st = getstatus(&d);
	ck_assert_uint_eq(st.state, FWP_DFU_ERROR);
	ck_assert_uint_eq(st.status, FWP_DFU_ERR_STALLEDPKT);
	ck_assert_int_eq(ctl(&d, 0x21, FWP_DFU_REQ_CLRSTATUS, 0, 0, 0, NULL, NULL), FWD_USB_ACK);
	/* DETACH: no runtime mode here. */
	ck_assert_int_eq(ctl(&d, 0x21, FWP_DFU_REQ_DETACH, 1000, 0, 0, NULL, NULL), FWD_USB_STALL);
	ck_assert_int_eq(ctl(&d, 0x21, FWP_DFU_REQ_CLRSTATUS, 0, 0, 0, NULL, NULL), FWD_USB_ACK);
	/* GETSTATUS during the busy state says so, with a short poll timeout. */
	ck_assert_int_eq(ctl(&d, 0x21, FWP_DFU_REQ_DNLOAD, 0, 0, FWD_DFU_TRANSFER_SIZE, img.data, NULL),
			 FWD_USB_ACK);
	st = getstatus(&d);
	ck_assert_uint_eq(st.state, FWP_DFU_DNBUSY);
	ck_assert_uint_eq(st.poll, FWD_DFU_POLL_MS);
	st = getstatus(&d); /* asked again before the work ran: still busy */
	ck_assert_uint_eq(st.state, FWP_DFU_DNBUSY);
	ck_assert_int_eq(fwd_usb_poll(&d.usb), 1);
	ck_assert_int_eq(fwd_usb_poll(&d.usb), 0);
	st = getstatus(&d);
	ck_assert_uint_eq(st.state, FWP_DFU_DNLOAD_IDLE);
	ck_assert_uint_eq(st.poll, 0);
	st = dnload(&d, 1, img.data + FWD_DFU_TRANSFER_SIZE, FWD_DFU_TRANSFER_SIZE, &busy);
	ck_assert_uint_eq(st.state, FWP_DFU_DNLOAD_IDLE);
	ck_assert_uint_eq(d.up.state, FWP_SESSION_RECEIVING);
	/* ABORT mid-download: dfuIDLE, the session forgotten, nothing committed. */
	ck_assert_int_eq(ctl(&d, 0x21, FWP_DFU_REQ_ABORT, 0, 0, 0, NULL, NULL), FWD_USB_ACK);
	st = getstatus(&d);
	ck_assert_uint_eq(st.state, FWP_DFU_IDLE);
	ck_assert_uint_eq(d.up.state, FWP_SESSION_NONE);
	ck_assert(!committed(&d, &img));
	/* A serial session in the engine survives a DFU error and its CLRSTATUS. */
	uint32_t off;
	uint8_t detail;
	static const uint8_t sid[16] = {1};
	ck_assert_int_eq(fwd_update_begin(&d.up, 2, FWP_ENC_RAW, (uint32_t)img.len, sid, img.data,
					  &off, &detail),
			 FWP_ST_OK);
	ck_assert_int_eq(ctl(&d, 0x21, FWP_DFU_REQ_CLRSTATUS, 0, 0, 0, NULL, NULL), FWD_USB_STALL);
	ck_assert_int_eq(ctl(&d, 0x21, FWP_DFU_REQ_CLRSTATUS, 0, 0, 0, NULL, NULL), FWD_USB_ACK);
	ck_assert_uint_eq(d.up.state, FWP_SESSION_RECEIVING);
	fwd_update_abort(&d.up);
	/* Blocks larger than wTransferSize stall. */
	ck_assert_int_eq(ctl(&d, 0x21, FWP_DFU_REQ_DNLOAD, 0, 0, FWD_DFU_TRANSFER_SIZE + 1, img.data,
			     NULL),
			 FWD_USB_STALL);
	ck_assert_int_eq(ctl(&d, 0x21, FWP_DFU_REQ_CLRSTATUS, 0, 0, 0, NULL, NULL), FWD_USB_ACK);
	/* A fresh download after the abort lands whole. */
	st = download(&d, &img, &busy);
	ck_assert_uint_eq(st.status, FWP_DFU_OK);
	ck_assert(committed(&d, &img));
	free(img.data);
	fwd_flash_sim_free(&d.sim);
}
END_TEST

START_TEST(descriptors_and_standard_requests)
{
	struct dev d;
	uint16_t n;
	dev_init(&d, 0);
	/* The device descriptor, whole and truncated to the first 8 bytes. */
	ck_assert_int_eq(ctl(&d, 0x80, 6, 0x0100, 0, 64, NULL, &n), FWD_USB_ACK);
	ck_assert_uint_eq(n, 18);
	ck_assert_uint_eq(io[0], 18);
	ck_assert_uint_eq(io[1], 1);
	ck_assert_uint_eq(io[7], 64);
	ck_assert_uint_eq(fwp_le16(io + 8), 0x1209);
	ck_assert_uint_eq(fwp_le16(io + 10), 0xF0F0);
	ck_assert_uint_eq(io[17], 1);
	ck_assert_int_eq(ctl(&d, 0x80, 6, 0x0100, 0, 8, NULL, &n), FWD_USB_ACK);
	ck_assert_uint_eq(n, 8);
	/* The configuration: 9 bytes first (wTotalLength), then all of it. */
	ck_assert_int_eq(ctl(&d, 0x80, 6, 0x0200, 0, 9, NULL, &n), FWD_USB_ACK);
	ck_assert_uint_eq(n, 9);
	uint16_t total = fwp_le16(io + 2);
	ck_assert_uint_eq(total, 9 + 3 * 9 + 9);
	ck_assert_int_eq(ctl(&d, 0x80, 6, 0x0200, 0, 255, NULL, &n), FWD_USB_ACK);
	ck_assert_uint_eq(n, total);
	/* Walk it as libusb does: every descriptor's length within the total. */
	unsigned alts = 0, funcs = 0;
	for (uint16_t p = 0; p < n;) {
		ck_assert_uint_ge(io[p], 2);
		ck_assert_uint_le(p + io[p], n);
		if (io[p + 1] == 4) {
			ck_assert_uint_eq(io[p + 2], 0);
			ck_assert_uint_eq(io[p + 3], alts);
			ck_assert_uint_eq(io[p + 5], 0xFE);
			ck_assert_uint_eq(io[p + 6], 1);
			ck_assert_uint_eq(io[p + 7], 2);
			ck_assert_uint_eq(io[p + 8], FWD_USB_STR_ALT + alts);
			alts++;
		} else if (io[p + 1] == 0x21) {
			ck_assert_uint_eq(io[p], 9);
			ck_assert_uint_eq(io[p + 2], FWP_DFU_ATTR_CAN_DNLOAD | FWP_DFU_ATTR_CAN_UPLOAD |
							    FWP_DFU_ATTR_MANIFESTATION_TOLERANT);
			ck_assert_uint_eq(fwp_le16(io + p + 5), FWD_DFU_TRANSFER_SIZE);
			ck_assert_uint_eq(fwp_le16(io + p + 7), 0x0110);
			funcs++;
		}
		p += io[p];
	}
	ck_assert_uint_eq(alts, 3);
	ck_assert_uint_eq(funcs, 1);
	/* Strings: languages, then UTF-16LE; the alternate settings name the slots. */
	ck_assert_int_eq(ctl(&d, 0x80, 6, 0x0300, 0, 255, NULL, &n), FWD_USB_ACK);
	ck_assert_uint_eq(n, 4);
	ck_assert_uint_eq(fwp_le16(io + 2), 0x0409);
	ck_assert_int_eq(ctl(&d, 0x80, 6, 0x0300 | FWD_USB_STR_SERIAL, 0x0409, 255, NULL, &n),
			 FWD_USB_ACK);
	ck_assert_uint_eq(n, 2 + 2 * 4);
	ck_assert_uint_eq(io[2], 'S');
	ck_assert_uint_eq(io[3], 0);
	ck_assert_int_eq(ctl(&d, 0x80, 6, 0x0300 | (FWD_USB_STR_ALT + 2), 0x0409, 255, NULL, &n),
			 FWD_USB_ACK);
	ck_assert_uint_eq(n, 2 + 2 * strlen(usb_cfg.alt_names[2]));
	ck_assert_int_eq(ctl(&d, 0x80, 6, 0x0300 | (FWD_USB_STR_ALT + 2), 0x0409, 2, NULL, &n),
			 FWD_USB_ACK);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(ctl(&d, 0x80, 6, 0x0300 | (FWD_USB_STR_ALT + 3), 0x0409, 255, NULL, &n),
			 FWD_USB_STALL);
	/* Unknown descriptor types and requests stall. */
	ck_assert_int_eq(ctl(&d, 0x80, 6, 0x0600, 0, 10, NULL, &n), FWD_USB_STALL);
	ck_assert_int_eq(ctl(&d, 0x80, 0x33, 0, 0, 10, NULL, &n), FWD_USB_STALL);
	ck_assert_int_eq(ctl(&d, 0xC0, 1, 0, 0, 10, NULL, &n), FWD_USB_STALL);
	ck_assert_int_eq(ctl(&d, 0x00, 3, 1, 0, 0, NULL, &n), FWD_USB_STALL);
	/* Configuration and interface. */
	ck_assert_int_eq(ctl(&d, 0x80, 8, 0, 0, 1, NULL, &n), FWD_USB_ACK);
	ck_assert_uint_eq(io[0], 0);
	ck_assert_int_eq(ctl(&d, 0x01, 11, 1, 0, 0, NULL, NULL), FWD_USB_STALL); /* unconfigured */
	ck_assert_int_eq(ctl(&d, 0x00, 9, 2, 0, 0, NULL, NULL), FWD_USB_STALL);
	ck_assert_int_eq(ctl(&d, 0x00, 9, 1, 0, 0, NULL, NULL), FWD_USB_ACK);
	ck_assert_int_eq(ctl(&d, 0x80, 8, 0, 0, 1, NULL, &n), FWD_USB_ACK);
	ck_assert_uint_eq(io[0], 1);
	ck_assert_int_eq(ctl(&d, 0x01, 11, 3, 0, 0, NULL, NULL), FWD_USB_STALL);
	ck_assert_int_eq(ctl(&d, 0x01, 11, 1, 0, 0, NULL, NULL), FWD_USB_ACK);
	ck_assert_int_eq(ctl(&d, 0x81, 10, 0, 0, 1, NULL, &n), FWD_USB_ACK);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(io[0], 1);
	ck_assert_uint_eq(d.usb.dfu.alt, 1);
	ck_assert_int_eq(ctl(&d, 0x81, 10, 0, 1, 1, NULL, &n), FWD_USB_STALL); /* no interface 1 */
	/* GET_STATUS: device, interface, endpoint 0. */
	ck_assert_int_eq(ctl(&d, 0x80, 0, 0, 0, 2, NULL, &n), FWD_USB_ACK);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(ctl(&d, 0x81, 0, 0, 0, 2, NULL, &n), FWD_USB_ACK);
	ck_assert_int_eq(ctl(&d, 0x82, 0, 0, 0x80, 2, NULL, &n), FWD_USB_ACK);
	ck_assert_int_eq(ctl(&d, 0x82, 0, 0, 0x81, 2, NULL, &n), FWD_USB_STALL);
	/* GETSTATUS truncated to wLength. */
	ck_assert_int_eq(ctl(&d, 0xA1, FWP_DFU_REQ_GETSTATUS, 0, 0, 3, NULL, &n), FWD_USB_ACK);
	ck_assert_uint_eq(n, 3);
	/* A class request to another interface, or unknown: stall. */
	ck_assert_int_eq(ctl(&d, 0xA1, FWP_DFU_REQ_GETSTATUS, 0, 1, 6, NULL, &n), FWD_USB_STALL);
	ck_assert_int_eq(ctl(&d, 0x21, 0x42, 0, 0, 0, NULL, &n), FWD_USB_STALL);
	fwd_flash_sim_free(&d.sim);
}
END_TEST

START_TEST(set_interface_picks_the_slot)
{
	struct dev d;
	struct fwp_buf img = {0};
	unsigned busy = 0;
	dev_init(&d, 0);
	make(FWP_IMAGE_TYPE_APP, 3, fx.key, 5000, &img);
	/* Alt 1 is the Loader's slot: not writable from the Loader. */
	configure(&d, 1);
	struct status st = download(&d, &img, &busy);
	ck_assert_uint_eq(st.status, FWP_DFU_ERR_TARGET);
	/* SET_INTERFACE also leaves dfuERROR: a new alternate setting starts afresh. */
	ck_assert_int_eq(ctl(&d, 0x01, 11, 2, 0, 0, NULL, NULL), FWD_USB_ACK);
	st = download(&d, &img, &busy);
	ck_assert_uint_eq(st.status, FWP_DFU_OK);
	ck_assert(committed(&d, &img));
	free(img.data);
	fwd_flash_sim_free(&d.sim);
}
END_TEST

/* A power cut at any flash operation of a download: dfuERROR, nothing bootable; after it, a new download lands. */
START_TEST(power_cut_during_download)
{
	struct dev d;
	struct fwp_buf img = {0};
	unsigned busy = 0;
	struct fwd_image out;
	dev_init(&d, 0);
	make(FWP_IMAGE_TYPE_APP, 3, fx.key, 5000, &img);
	configure(&d, 2);
	ck_assert_uint_eq(download(&d, &img, &busy).status, FWP_DFU_OK);
	long total = (long)(d.sim.erases + d.sim.programs);
	for (long n = 0; n < total; n++) {
		memset(d.sim.mem, 0xFF, d.sim.size);
		d.sim.ops_left = n;
		/* The board restarts: a new stack over the same flash. */
		fwd_update_init(&d.up, &d.fl, d.t, 3);
		ck_assert_int_eq(fwd_usb_init(&d.usb, &usb_cfg, &d.up), 0);
		configure(&d, 2);
		struct status st = download(&d, &img, &busy);
		ck_assert_uint_eq(st.state, FWP_DFU_ERROR);
		ck_assert_uint_ne(st.status, FWP_DFU_OK);
		d.sim.ops_left = -1;
		ck_assert_msg(fwd_image_check(&d.fl, app_slot.addr, app_slot.size, &d.t[2].pol, &out) !=
				      FWD_IMAGE_OK,
			      "a power cut after %ld of %ld operations left a bootable image", n, total);
	}
	fwd_update_init(&d.up, &d.fl, d.t, 3);
	ck_assert_int_eq(fwd_usb_init(&d.usb, &usb_cfg, &d.up), 0);
	configure(&d, 2);
	ck_assert_uint_eq(download(&d, &img, &busy).status, FWP_DFU_OK);
	ck_assert(committed(&d, &img));
	free(img.data);
	fwd_flash_sim_free(&d.sim);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("device-dfu");
	TCase *tc = tcase_create("dfu");
	tcase_add_unchecked_fixture(tc, fx_setup, fx_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, whole_download_lands_and_commits);
	tcase_add_test(tc, refused_images_map_to_dfu_status);
	tcase_add_test(tc, abort_mid_download_and_state_rules);
	tcase_add_test(tc, descriptors_and_standard_requests);
	tcase_add_test(tc, set_interface_picks_the_slot);
	tcase_add_test(tc, power_cut_during_download);
	suite_add_tcase(s, tc);
	return run_suite(s);
}

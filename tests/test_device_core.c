/*
 * device/core on the host: images made by the host library are checked by
 * the device's validator (BearSSL), written by the device's slot writer
 * into a NOR flash model, with power cut at every operation; the boot
 * decision and the shared RAM block.
 */
#include <zlib.h>

#include "check_util.h"
#include "fixtures.h"
#include "crypto.h"
#include "fwd_boot.h"
#include "fwd_console_cmd.h"
#include "fwd_counter.h"
#include "fwd_flash_sim.h"
#include "fwd_frame.h"
#include "fwc_prov.h"
#include "fwd_image.h"
#include "fwd_inflate.h"
#include "fwd_remap.h"
#include "fwd_serial.h"
#include "fwd_update.h"
#include "fwd_shared.h"
#include "fwd_writer.h"
#include "fwpack/app.h"
#include "flasher.h"
#include "provimage.h"
#include "slotimage.h"

static const struct fwd_slot boot_slot = {FX_BOOT_ADDR, FX_BOOT_SIZE, 0};
static const struct fwd_slot loader_slot = {FX_LOADER_ADDR, FX_LOADER_SIZE, 1};
static const struct fwd_slot app_slot = {FX_APP_ADDR, FX_APP_SIZE, 1};

struct spec {
	enum fwp_image_type type;
	uint32_t security_counter;
	uint32_t vector_off; /* from the load address */
	uint16_t flags;
	struct fwp_key *signer;
};

/* An image for slot s as fwpack build writes it: header room 0x200. */
static void make(const struct fwd_slot *s, const struct spec *sp, size_t payload_len,
		 struct fwp_buf *out)
{
	uint8_t *payload = fx_pattern(payload_len);
	struct fwp_image_params p = {0};
	p.type = sp->type;
	p.flags = sp->flags;
	p.version = (struct fwp_image_version){1, 0, 0, 0};
	p.security_counter = sp->security_counter;
	p.slot_addr = s->addr;
	p.load_addr = s->addr + 0x200;
	p.vector_addr = sp->flags ? 0 : p.load_addr + sp->vector_off;
	p.payload = payload;
	p.payload_len = payload_len;
	fx_image_sign(&p, sp->signer, out);
	free(payload);
}

static struct fwd_policy app_policy(void)
{
	struct fwd_policy pol = {&fx.pub, 1, (1u << FWP_IMAGE_TYPE_APP) | (1u << FWP_IMAGE_TYPE_UPDATER),
				 0, 428, NULL, 0};
	return pol;
}

/* Write img into the slot with the device writer; return the commit verdict. */
static enum fwd_verdict install(struct fwd_flash *fl, const struct fwd_slot *s,
				const struct fwp_buf *img, const struct fwd_policy *pol,
				enum fwd_write_status *st)
{
	struct fwd_writer w;
	enum fwd_verdict v = FWD_IMAGE_EMPTY;
	*st = fwd_writer_begin(&w, fl, s);
	/* In pieces, as a transport delivers them. */
	for (uint32_t off = 0; *st == FWD_WRITE_OK && off < img->len; off += 100) {
		uint32_t n = img->len - off < 100 ? (uint32_t)(img->len - off) : 100;
		*st = fwd_writer_write(&w, off, img->data + off, n);
	}
	if (*st == FWD_WRITE_OK)
		*st = fwd_writer_commit(&w, pol, &v);
	return v;
}

START_TEST(valid_image_installs_and_boots)
{
	struct fwd_flash_sim sim;
	struct fwp_buf img = {0};
	struct spec sp = {FWP_IMAGE_TYPE_APP, 5, 0, 0, fx.key};
	struct fwd_policy pol = app_policy();
	enum fwd_write_status st;
	struct fwd_image out;
	ck_assert_int_eq(fwd_flash_sim_init(&sim, FX_FLASH_BASE, fx_f429_sectors), 0);
	struct fwd_flash fl = fwd_flash_sim_flash(&sim);
	ck_assert_int_eq(fwd_image_check(&fl, app_slot.addr, app_slot.size, &pol, &out),
			 FWD_IMAGE_EMPTY);
	make(&app_slot, &sp, 5000, &img);
	ck_assert_int_eq(install(&fl, &app_slot, &img, &pol, &st), FWD_IMAGE_OK);
	ck_assert_int_eq(st, FWD_WRITE_OK);
	ck_assert_int_eq(fwd_image_check(&fl, app_slot.addr, app_slot.size, &pol, &out),
			 FWD_IMAGE_OK);
	ck_assert_uint_eq(out.hdr.security_counter, 5);
	ck_assert_uint_eq(out.hdr.vector_addr, app_slot.addr + 0x200);
	ck_assert_mem_eq(sim.mem + (app_slot.addr - sim.base), img.data, img.len);
	/* Invalidating by zeroing the header needs no erase and leaves no image. */
	ck_assert_int_eq(fwd_slot_invalidate(&fl, &app_slot), FWD_WRITE_OK);
	ck_assert_int_eq(fwd_image_check(&fl, app_slot.addr, app_slot.size, &pol, &out),
			 FWD_IMAGE_EMPTY);
	ck_assert_uint_eq(sim.refused_programs, 0);
	fwp_buf_free(&img);
	fwd_flash_sim_free(&sim);
}
END_TEST

/* Each kind of bad image, and the reason the device gives. */
START_TEST(bad_images_refused_with_reason)
{
	struct fwd_flash_sim sim;
	struct fwd_policy pol = app_policy();
	struct fwd_image out;
	ck_assert_int_eq(fwd_flash_sim_init(&sim, FX_FLASH_BASE, fx_f429_sectors), 0);
	struct fwd_flash fl = fwd_flash_sim_flash(&sim);
	uint8_t *slot = sim.mem + (app_slot.addr - sim.base);
	struct {
		struct spec sp;
		long flip; /* byte to flip, -1 none; -2: the last byte of the image */
		uint32_t min_counter;
		enum fwd_verdict want;
	} cases[] = {
		{{FWP_IMAGE_TYPE_APP, 1, 0, 0, fx.key}, 0x200 + 100, 0, FWD_IMAGE_BAD_PAYLOAD},
		{{FWP_IMAGE_TYPE_APP, 1, 0, 0, fx.key}, 21, 0, FWD_IMAGE_BAD_HEADER},
		{{FWP_IMAGE_TYPE_APP, 1, 0, 0, fx.key}, -2, 0, FWD_IMAGE_BAD_SIGNATURE},
		{{FWP_IMAGE_TYPE_APP, 1, 0, 0, fx.key}, 0x200 + 3000 + 8, 0, FWD_IMAGE_BAD_DIGEST},
		{{FWP_IMAGE_TYPE_APP, 1, 0, 0, fx.other}, -1, 0, FWD_IMAGE_WRONG_KEY},
		{{FWP_IMAGE_TYPE_APP, 1, 0, 0, fx.key}, -1, 2, FWD_IMAGE_ROLLBACK},
		{{FWP_IMAGE_TYPE_LOADER, 1, 0, 0, fx.key}, -1, 0, FWD_IMAGE_WRONG_TYPE},
		{{FWP_IMAGE_TYPE_APP, 1, 0x100, 0, fx.key}, -1, 0, FWD_IMAGE_BAD_VECTORS},
		{{FWP_IMAGE_TYPE_APP, 1, 0, FWP_IMAGE_F_DATA, fx.key}, -1, 0, FWD_IMAGE_BAD_VECTORS},
		{{FWP_IMAGE_TYPE_APP, 2, 0, 0, fx.key}, -1, 2, FWD_IMAGE_OK},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fwp_buf img = {0};
		make(&app_slot, &cases[i].sp, 3000, &img);
		memset(slot, 0xFF, img.len + 64);
		memcpy(slot, img.data, img.len);
		if (cases[i].flip >= 0)
			slot[cases[i].flip] ^= 0x01;
		if (cases[i].flip == -2)
			slot[img.len - 1] ^= 0x01;
		pol.min_security_counter = cases[i].min_counter;
		enum fwd_verdict v = fwd_image_check(&fl, app_slot.addr, app_slot.size, &pol, &out);
		ck_assert_msg(v == cases[i].want, "case %zu: %s, expected %s", i, fwp_verdict_name(v),
			      fwp_verdict_name(cases[i].want));
		fwp_buf_free(&img);
	}
	/* An image that claims more than its slot holds. */
	struct fwp_buf big = {0};
	struct spec sp = {FWP_IMAGE_TYPE_APP, 1, 0, 0, fx.key};
	make(&app_slot, &sp, 3000, &big);
	memcpy(slot, big.data, big.len);
	ck_assert_int_eq(fwd_image_check(&fl, app_slot.addr, 2048, &pol, &out),
			 FWD_IMAGE_BAD_HEADER);
	fwp_buf_free(&big);
	fwd_flash_sim_free(&sim);
}
END_TEST

START_TEST(writer_bounds_and_order)
{
	struct fwd_flash_sim sim;
	struct fwd_writer w;
	uint8_t buf[256];
	enum fwd_verdict v;
	memset(buf, 0x5A, sizeof(buf));
	ck_assert_int_eq(fwd_flash_sim_init(&sim, FX_FLASH_BASE, fx_f429_sectors), 0);
	struct fwd_flash fl = fwd_flash_sim_flash(&sim);
	/* The Bootloader's slot is never written, nor invalidated. */
	ck_assert_int_eq(fwd_writer_begin(&w, &fl, &boot_slot), FWD_WRITE_PROTECTED);
	ck_assert_int_eq(fwd_slot_invalidate(&fl, &boot_slot), FWD_WRITE_PROTECTED);
	/* A slot that is not whole sectors. */
	struct fwd_slot odd = {0x08004000, 0x5000, 1};
	ck_assert_int_eq(fwd_writer_begin(&w, &fl, &odd), FWD_WRITE_OUT_OF_RANGE);
	ck_assert_int_eq(fwd_writer_begin(&w, &fl, &loader_slot), FWD_WRITE_OK);
	ck_assert_int_eq(fwd_writer_write(&w, 100, buf, 10), FWD_WRITE_ORDER);
	ck_assert_int_eq(fwd_writer_write(&w, 0, buf, 256), FWD_WRITE_OK);
	ck_assert_uint_eq(fwd_writer_offset(&w), 256);
	ck_assert_int_eq(fwd_writer_write(&w, 256, buf, loader_slot.size), FWD_WRITE_OUT_OF_RANGE);
	/* The header is held back: the slot shows no header yet. */
	ck_assert_uint_eq(sim.mem[loader_slot.addr - sim.base], 0xFF);
	ck_assert_uint_eq(sim.mem[loader_slot.addr - sim.base + 64], 0x5A);
	/* Garbage never commits. */
	struct fwd_policy pol = {&fx.pub, 1, 1u << FWP_IMAGE_TYPE_LOADER, 0, 428, NULL, 0};
	ck_assert_int_eq(fwd_writer_commit(&w, &pol, &v), FWD_WRITE_REJECTED);
	ck_assert_uint_eq(sim.mem[loader_slot.addr - sim.base], 0xFF);
	/* Nothing outside the slot was touched. */
	for (uint32_t a = 0; a < sim.size; a++)
		if (a < loader_slot.addr - sim.base || a >= loader_slot.addr - sim.base + 256)
			ck_assert_msg(sim.mem[a] == 0xFF, "byte 0x%08x written", sim.base + a);
	fwd_flash_sim_free(&sim);
}
END_TEST

/* Cut the power after every possible operation: never a bootable half-image. */
START_TEST(power_cut_never_leaves_a_bootable_half_image)
{
	struct fwd_flash_sim sim;
	struct fwp_buf img = {0};
	struct spec sp = {FWP_IMAGE_TYPE_LOADER, 1, 0, 0, fx.key};
	struct fwd_policy pol = {&fx.pub, 1, 1u << FWP_IMAGE_TYPE_LOADER, 0, 428, NULL, 0};
	struct fwd_image out;
	enum fwd_write_status st;
	ck_assert_int_eq(fwd_flash_sim_init(&sim, FX_FLASH_BASE, fx_f429_sectors), 0);
	struct fwd_flash fl = fwd_flash_sim_flash(&sim);
	make(&loader_slot, &sp, 2500, &img);
	/* How many operations a whole install takes. */
	ck_assert_int_eq(install(&fl, &loader_slot, &img, &pol, &st), FWD_IMAGE_OK);
	long total = (long)(sim.erases + sim.programs);
	for (long n = 0; n < total; n++) {
		memset(sim.mem, 0xFF, sim.size);
		sim.ops_left = n;
		install(&fl, &loader_slot, &img, &pol, &st);
		ck_assert_int_ne(st, FWD_WRITE_OK);
		sim.ops_left = -1;
		enum fwd_verdict v = fwd_image_check(&fl, loader_slot.addr, loader_slot.size, &pol, &out);
		ck_assert_msg(v != FWD_IMAGE_OK, "power cut after %ld of %ld operations left a "
						 "bootable image",
			      n, total);
	}
	sim.ops_left = total;
	ck_assert_int_eq(install(&fl, &loader_slot, &img, &pol, &st), FWD_IMAGE_OK);
	fwp_buf_free(&img);
	fwd_flash_sim_free(&sim);
}
END_TEST

/* The Application's console command: a whole line, CR, LF or both, and nothing else. */
START_TEST(console_command)
{
	struct fwd_console_cmd c;
	const char *in = "fwpack-updat\nxfwpack-update\nfwpack-update \n\r\nfwpack-update\r\n"
			 "fwpack-updatefwpack-update\nfwpack-update\r";
	unsigned matches = 0, at[4], k = 0;
	fwd_console_cmd_init(&c, NULL);
	ck_assert(fwd_console_cmd_at_line_start(&c));
	for (unsigned i = 0; in[i]; i++)
		if (fwd_console_cmd_feed(&c, (uint8_t)in[i])) {
			ck_assert_uint_lt(k, 4);
			at[k++] = i;
			matches++;
		}
	ck_assert_uint_eq(matches, 2);
	ck_assert_uint_eq(at[0], 58); /* the CR of "fwpack-update\r\n" */
	ck_assert_uint_eq(in[at[1]], '\r');
	ck_assert_uint_eq(at[1], strlen(in) - 1);
	ck_assert(fwd_console_cmd_at_line_start(&c));
	fwd_console_cmd_feed(&c, 'x');
	ck_assert(!fwd_console_cmd_at_line_start(&c));
	/* Another command. */
	fwd_console_cmd_init(&c, "go");
	ck_assert_int_eq(fwd_console_cmd_feed(&c, 'g'), 0);
	ck_assert_int_eq(fwd_console_cmd_feed(&c, 'o'), 0);
	ck_assert_int_eq(fwd_console_cmd_feed(&c, '\n'), 1);
	ck_assert_int_eq(fwd_console_cmd_feed(&c, '\n'), 0);
}
END_TEST

START_TEST(boot_decision)
{
	struct fwd_shared s;
	memset(&s, 0xA5, sizeof(s)); /* RAM after power-up */
	ck_assert_int_eq(fwd_shared_init(&s, FWD_RESET_SOFTWARE), 1);
	ck_assert_uint_eq(s.magic, FWD_SHARED_MAGIC);
	/* A valid app boots, and each boot without "mark good" counts. */
	for (unsigned i = 0; i < FWD_CRASH_LOOP_DEFAULT; i++) {
		ck_assert_int_eq(fwd_shared_init(&s, FWD_RESET_WATCHDOG), 0);
		ck_assert_int_eq(fwd_boot_decide(&s, FWD_IMAGE_OK, 0, 3, 0), FWD_BOOT_APP);
	}
	ck_assert_int_eq(fwd_shared_init(&s, FWD_RESET_WATCHDOG), 0);
	ck_assert_int_eq(fwd_boot_decide(&s, FWD_IMAGE_OK, 0, 3, 0), FWD_STAY_CRASH_LOOP);
	ck_assert_uint_eq(s.boot_count, 0);
	/* Marking good keeps it out of update mode. */
	for (int i = 0; i < 10; i++) {
		ck_assert_int_eq(fwd_boot_decide(&s, FWD_IMAGE_OK, 0, 3, 0), FWD_BOOT_APP);
		fwd_boot_mark_good(&s);
	}
	/* An update request reaches the Loader once. */
	fwd_boot_request_update(&s);
	ck_assert_int_eq(fwd_shared_init(&s, FWD_RESET_SOFTWARE), 0);
	ck_assert_int_eq(fwd_boot_decide(&s, FWD_IMAGE_OK, 0, 3, 0), FWD_STAY_UPDATE_REQUESTED);
	ck_assert_int_eq(fwd_boot_decide(&s, FWD_IMAGE_OK, 0, 3, 0), FWD_BOOT_APP);
	ck_assert_int_eq(fwd_boot_decide(&s, FWD_IMAGE_BAD_SIGNATURE, 0, 3, 0), FWD_STAY_NO_VALID_APP);
	/* The boot-select line keeps a valid Application waiting, and takes a pending request with it. */
	fwd_boot_request_update(&s);
	ck_assert_int_eq(fwd_boot_decide(&s, FWD_IMAGE_OK, 0, 3, 1), FWD_STAY_BOOT_SELECT);
	ck_assert_str_eq(fwd_boot_action_str(FWD_STAY_BOOT_SELECT), "boot-select line asserted");
	ck_assert_int_eq(fwd_boot_decide(&s, FWD_IMAGE_OK, 0, 3, 0), FWD_BOOT_APP);
	/* A power-on reset forgets everything; a corrupted block is reset. */
	fwd_boot_request_update(&s);
	ck_assert_int_eq(fwd_shared_init(&s, FWD_RESET_POWER_ON), 1);
	ck_assert_uint_eq(s.flags, 0);
	fwd_boot_request_update(&s);
	s.boot_count ^= 0x40;
	ck_assert_int_eq(fwd_shared_init(&s, FWD_RESET_SOFTWARE), 1);
	ck_assert_uint_eq(s.flags, 0);
	/* A confirmed image never marks itself good, and boots every time... */
	for (unsigned i = 0; i < 3 * FWD_CRASH_LOOP_DEFAULT; i++) {
		ck_assert_int_eq(fwd_shared_init(&s, FWD_RESET_WATCHDOG), 0);
		ck_assert_int_eq(fwd_boot_decide(&s, FWD_IMAGE_OK, FWP_IMAGE_F_CONFIRMED, 3, 0),
				 FWD_BOOT_APP);
	}
	/* ...but an update request still reaches the Loader, */
	fwd_boot_request_update(&s);
	ck_assert_int_eq(fwd_boot_decide(&s, FWD_IMAGE_OK, FWP_IMAGE_F_CONFIRMED, 3, 0),
			 FWD_STAY_UPDATE_REQUESTED);
	/* an invalid image with the flag is still invalid, */
	ck_assert_int_eq(fwd_boot_decide(&s, FWD_IMAGE_BAD_SIGNATURE, FWP_IMAGE_F_CONFIRMED, 3, 0),
			 FWD_STAY_NO_VALID_APP);
	/* and the next unconfirmed image starts counting from zero. */
	for (unsigned i = 0; i < FWD_CRASH_LOOP_DEFAULT; i++)
		ck_assert_int_eq(fwd_boot_decide(&s, FWD_IMAGE_OK, 0, 3, 0), FWD_BOOT_APP);
	ck_assert_int_eq(fwd_boot_decide(&s, FWD_IMAGE_OK, 0, 3, 0), FWD_STAY_CRASH_LOOP);
}
END_TEST

/* The header-only application API, against the Loader's own code. */
START_TEST(app_api)
{
	struct fwd_shared s;
	memset(&s, 0x5A, sizeof(s)); /* no Loader ran: the API touches nothing */
	ck_assert_int_eq(fwp_app_request_update(&s), -1);
	fwp_app_mark_good(&s);
	ck_assert_uint_eq(s.boot_count, 0x5A);
	ck_assert_int_eq(fwp_app_boot_reason(&s), FWD_RESET_UNKNOWN);
	ck_assert_int_eq(fwd_shared_init(&s, FWD_RESET_WATCHDOG), 1);
	ck_assert_int_eq(fwd_boot_decide(&s, FWD_IMAGE_OK, 0, 3, 0), FWD_BOOT_APP);
	ck_assert_int_eq(fwd_boot_decide(&s, FWD_IMAGE_OK, 0, 3, 0), FWD_BOOT_APP);
	ck_assert_uint_eq(fwp_app_boot_count(&s), 2);
	ck_assert_int_eq(fwp_app_boot_reason(&s), FWD_RESET_WATCHDOG);
	/* Marked good before every third boot: never a crash loop. */
	for (int i = 0; i < 10; i++) {
		fwp_app_mark_good(&s);
		ck_assert_int_eq(fwd_shared_init(&s, FWD_RESET_SOFTWARE), 0);
		ck_assert_int_eq(fwd_boot_decide(&s, FWD_IMAGE_OK, 0, 3, 0), FWD_BOOT_APP);
	}
	ck_assert_int_eq(fwp_app_request_update(&s), 0);
	ck_assert_int_eq(fwd_shared_init(&s, FWD_RESET_SOFTWARE), 0);
	ck_assert_int_eq(fwd_boot_decide(&s, FWD_IMAGE_OK, 0, 3, 0), FWD_STAY_UPDATE_REQUESTED);
	/* The seal is the device's CRC-32 (zlib's): one algorithm on both sides. */
	ck_assert_uint_eq(fwd_shared_crc(&s), crc32(0, (const Bytef *)&s, 12));
}
END_TEST

/* The stored security counter only goes up, and survives torn writes. */
START_TEST(security_counter_log)
{
	static const uint32_t one[] = {64, 0}; /* a tiny sector: 8 records */
	struct fwd_flash_sim sim;
	ck_assert_int_eq(fwd_flash_sim_init(&sim, 0x08100000, one), 0);
	struct fwd_flash fl = fwd_flash_sim_flash(&sim);
	struct fwd_counter_store st = {&fl, 0x08100000, 64};
	ck_assert_uint_eq(fwd_counter_get(&st), 0);
	ck_assert_int_eq(fwd_counter_raise(&st, 3), 0);
	ck_assert_uint_eq(fwd_counter_get(&st), 3);
	ck_assert_int_eq(fwd_counter_raise(&st, 2), 0); /* never down */
	ck_assert_uint_eq(fwd_counter_get(&st), 3);
	ck_assert_int_eq(fwd_counter_raise(&st, 3), 0);
	ck_assert_uint_eq(sim.programs, 1);
	/* A record torn by a power cut (only the first word landed) is ignored. */
	uint32_t torn = 9;
	ck_assert_int_eq(fl.ops->program(fl.ctx, 0x08100008, &torn, 4), 0);
	ck_assert_uint_eq(fwd_counter_get(&st), 3);
	ck_assert_int_eq(fwd_counter_raise(&st, 4), 0);
	ck_assert_uint_eq(fwd_counter_get(&st), 4);
	/* Full: the raise fails and the stored value stays. */
	for (uint32_t v = 5; v < 10; v++)
		ck_assert_int_eq(fwd_counter_raise(&st, v), 0);
	ck_assert_uint_eq(fwd_counter_get(&st), 9);
	ck_assert_int_eq(fwd_counter_raise(&st, 10), -1);
	ck_assert_uint_eq(fwd_counter_get(&st), 9);
	/* Power cut during the raise: the old value stays. */
	fwd_flash_sim_free(&sim);
	ck_assert_int_eq(fwd_flash_sim_init(&sim, 0x08100000, one), 0);
	fl = fwd_flash_sim_flash(&sim);
	st.fl = &fl;
	ck_assert_int_eq(fwd_counter_raise(&st, 7), 0);
	sim.ops_left = 0;
	ck_assert_int_eq(fwd_counter_raise(&st, 8), -1);
	sim.ops_left = -1;
	ck_assert_uint_eq(fwd_counter_get(&st), 7);
	fwd_flash_sim_free(&sim);
}
END_TEST

START_TEST(device_crc_matches_zlib)
{
	uint8_t buf[1000];
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 31);
	ck_assert_uint_eq(fwd_crc32(0, "123456789", 9), 0xCBF43926u);
	ck_assert_uint_eq(fwd_crc32(0, buf, sizeof(buf)), fwp_crc32(buf, sizeof(buf)));
	ck_assert_uint_eq(fwd_crc32(fwd_crc32(0, buf, 300), buf + 300, 700),
			  fwp_crc32(buf, sizeof(buf)));
}
END_TEST

/* Feed an encoded frame to a receiver; the last event. */
static enum fwd_frame_event feed(struct fwd_frame_rx *rx, const uint8_t *p, uint32_t n)
{
	enum fwd_frame_event ev = FWD_FRAME_NONE;
	for (uint32_t i = 0; i < n; i++) {
		ev = fwd_frame_rx_byte(rx, p[i]);
		if (ev != FWD_FRAME_NONE && i + 1 < n)
			return FWD_FRAME_BAD; /* ended early */
	}
	return ev;
}

START_TEST(frames_round_trip)
{
	static uint8_t pkt[1100], copy[1100], enc[FWD_COBS_MAX(1100)], buf[1100];
	struct fwd_frame_rx rx;
	fwd_frame_rx_init(&rx, buf, sizeof(buf));
	/* Lengths around the 254-byte COBS block, all-zero, all-0xFF and mixed. */
	for (uint32_t n = 2; n < 1000; n += (n < 600 ? 1 : 37)) {
		for (int pattern = 0; pattern < 4; pattern++) {
			for (uint32_t i = 0; i < n; i++)
				pkt[i] = pattern == 0   ? 0
					 : pattern == 1 ? 0xFF
					 : pattern == 2 ? (uint8_t)(i % 7 ? i : 0)
							: (uint8_t)(i * 2654435761u >> 24);
			memcpy(copy, pkt, n);
			uint32_t len = fwd_frame_encode(pkt, n, enc);
			ck_assert_uint_le(len, FWD_COBS_MAX(n + 4));
			for (uint32_t i = 0; i + 1 < len; i++)
				ck_assert_uint_ne(enc[i], 0);
			ck_assert_uint_eq(enc[len - 1], 0);
			ck_assert_int_eq(feed(&rx, enc, len), FWD_FRAME_OK);
			ck_assert_uint_eq(rx.len, n);
			ck_assert_mem_eq(rx.buf, copy, n);
		}
	}
}
END_TEST

START_TEST(frames_corruption_and_resync)
{
	uint8_t pkt[300], enc[FWD_COBS_MAX(300)], bad[FWD_COBS_MAX(300)], buf[400];
	struct fwd_frame_rx rx;
	fwd_frame_rx_init(&rx, buf, sizeof(buf));
	for (uint32_t i = 0; i < 290; i++)
		pkt[i] = (uint8_t)(i * 7);
	uint32_t len = fwd_frame_encode(pkt, 290, enc);
	/* Every single-byte change inside the frame is caught. */
	for (uint32_t i = 0; i + 1 < len; i++) {
		memcpy(bad, enc, len);
		bad[i] = (uint8_t)(bad[i] == 0x55 ? 0x56 : 0x55);
		ck_assert_int_ne(feed(&rx, bad, len), FWD_FRAME_OK);
	}
	/* A lost byte too. */
	ck_assert_int_ne(feed(&rx, enc + 1, len - 1), FWD_FRAME_OK);
	/* Console text, a delimiter, then a frame: the frame is read. */
	const char *text = "loader: update mode\r\n";
	feed(&rx, (const uint8_t *)text, (uint32_t)strlen(text));
	ck_assert_int_eq(fwd_frame_rx_byte(&rx, 0), FWD_FRAME_BAD);
	ck_assert_int_eq(fwd_frame_rx_byte(&rx, 0), FWD_FRAME_NONE); /* idle delimiters */
	ck_assert_int_eq(feed(&rx, enc, len), FWD_FRAME_OK);
	/* Longer than the buffer: dropped, and the next frame is read. */
	struct fwd_frame_rx small;
	uint8_t sbuf[100];
	fwd_frame_rx_init(&small, sbuf, sizeof(sbuf));
	ck_assert_int_eq(feed(&small, enc, len), FWD_FRAME_BAD);
	uint8_t shortpkt[10] = {1, 2, 3}, senc[32];
	uint32_t slen = fwd_frame_encode(shortpkt, 3, senc);
	ck_assert_int_eq(feed(&small, senc, slen), FWD_FRAME_OK);
	ck_assert_uint_eq(small.len, 3);
}
END_TEST

/* The Loader's view: slots 0 and 1 listed but not writable, slot 2 takes apps. */
static void loader_targets(struct fwd_update_target t[3], uint32_t min_counter)
{
	struct fwd_policy pol = app_policy();
	pol.min_security_counter = min_counter;
	t[0] = (struct fwd_update_target){0, boot_slot, pol};
	t[1] = (struct fwd_update_target){1, loader_slot, pol};
	t[2] = (struct fwd_update_target){2, app_slot, pol};
	t[0].slot.writable = t[1].slot.writable = 0;
}

/* A Loader on the flash model: its targets (loader_targets) and one update engine. */
struct loader {
	struct fwd_flash_sim sim;
	struct fwd_flash fl;
	struct fwd_update_target t[3];
	struct fwd_update u;
};

static void loader_init(struct loader *l, uint32_t min_counter)
{
	ck_assert_int_eq(fwd_flash_sim_init(&l->sim, FX_FLASH_BASE, fx_f429_sectors), 0);
	l->fl = fwd_flash_sim_flash(&l->sim);
	loader_targets(l->t, min_counter);
	fwd_update_init(&l->u, &l->fl, l->t, 3);
}

static const uint8_t sid[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

START_TEST(update_checks_before_erasing)
{
	struct loader L;
	loader_init(&L, 3);
	struct fwp_buf img = {0}, old = {0}, ldr = {0};
	struct fwd_image out;
	enum fwd_write_status st;
	uint32_t off;
	uint8_t detail;
	struct spec good = {FWP_IMAGE_TYPE_APP, 5, 0, 0, fx.key};
	struct spec low = {FWP_IMAGE_TYPE_APP, 1, 0, 0, fx.key};
	struct spec loader = {FWP_IMAGE_TYPE_LOADER, 5, 0, 0, fx.key};
	make(&app_slot, &good, 5000, &old);
	struct fwd_policy pol = app_policy();
	ck_assert_int_eq(install(&L.fl, &app_slot, &old, &pol, &st), FWD_IMAGE_OK);
	unsigned long erases = L.sim.erases, programs = L.sim.programs;

	make(&app_slot, &low, 5000, &img);
	make(&loader_slot, &loader, 5000, &ldr);
	ck_assert_int_eq(fwd_update_begin(&L.u, 0, 0, img.len, sid, img.data, &off, &detail),
			 FWP_ST_WRONG_SLOT);
	ck_assert_int_eq(fwd_update_begin(&L.u, 1, 0, ldr.len, sid, ldr.data, &off, &detail),
			 FWP_ST_WRONG_SLOT);
	ck_assert_int_eq(fwd_update_begin(&L.u, 7, 0, img.len, sid, img.data, &off, &detail),
			 FWP_ST_WRONG_SLOT);
	ck_assert_int_eq(fwd_update_begin(&L.u, 2, 9, img.len, sid, img.data, &off, &detail),
			 FWP_ST_UNSUPPORTED); /* no such encoding */
	ck_assert_int_eq(fwd_update_begin(&L.u, 2, 0, app_slot.size + 1, sid, img.data, &off,
					  &detail), FWP_ST_OUT_OF_RANGE);
	ck_assert_int_eq(fwd_update_begin(&L.u, 2, 0, img.len, sid, img.data, &off, &detail),
			 FWP_ST_ROLLBACK);
	ck_assert_int_eq(detail, FWD_IMAGE_ROLLBACK);
	/* A loader image for the application slot: its type and load address are wrong. */
	ck_assert_int_ne(fwd_update_begin(&L.u, 2, 0, ldr.len, sid, ldr.data, &off, &detail),
			 FWP_ST_OK);
	/* The file must hold what its header promises. */
	fwp_buf_free(&img);
	make(&app_slot, &good, 5000, &img);
	ck_assert_int_eq(fwd_update_begin(&L.u, 2, 0, 0x200 + 4000, sid, img.data, &off, &detail),
			 FWP_ST_BAD_IMAGE);
	uint8_t junk[64];
	memset(junk, 0xA5, sizeof(junk));
	ck_assert_int_eq(fwd_update_begin(&L.u, 2, 0, img.len, sid, junk, &off, &detail),
			 FWP_ST_BAD_IMAGE);
	/* None of that touched flash: the old image still boots. */
	ck_assert_uint_eq(L.sim.erases, erases);
	ck_assert_uint_eq(L.sim.programs, programs);
	ck_assert_int_eq(fwd_image_check(&L.fl, app_slot.addr, app_slot.size, &pol, &out),
			 FWD_IMAGE_OK);
	ck_assert_int_eq(fwd_update_finish(&L.u, &detail), FWP_ST_BAD_STATE);
	ck_assert_int_eq(fwd_update_data(&L.u, 0, img.data, 10), FWP_ST_BAD_STATE);
	fwp_buf_free(&img);
	fwp_buf_free(&old);
	fwp_buf_free(&ldr);
	fwd_flash_sim_free(&L.sim);
}
END_TEST

START_TEST(update_resumes_and_commits)
{
	struct loader L;
	loader_init(&L, 0);
	struct fwp_buf img = {0};
	struct fwd_image out;
	uint32_t off;
	uint8_t detail;
	struct spec good = {FWP_IMAGE_TYPE_APP, 5, 0, 0, fx.key};
	make(&app_slot, &good, 300000, &img);
	uint32_t n = (uint32_t)img.len;
	ck_assert_int_eq(fwd_update_begin(&L.u, 2, 0, n, sid, img.data, &off, &detail), FWP_ST_OK);
	ck_assert_uint_eq(off, 0);
	/* Only the sectors the data reached are erased. */
	ck_assert_int_eq(fwd_update_data(&L.u, 0, img.data, 1000), FWP_ST_OK);
	ck_assert_uint_eq(L.sim.erases, 1);
	ck_assert_int_eq(fwd_update_data(&L.u, 2000, img.data + 2000, 1000), FWP_ST_OFFSET);
	ck_assert_uint_eq(fwd_update_offset(&L.u), 1000);
	ck_assert_int_eq(fwd_update_data(&L.u, 0, img.data, 1000), FWP_ST_OK); /* a resend */
	ck_assert_int_eq(fwd_update_data(&L.u, 500, img.data + 500, 1500), FWP_ST_OK); /* overlap */
	ck_assert_uint_eq(fwd_update_offset(&L.u), 2000);
	ck_assert_int_eq(fwd_update_data(&L.u, n - 10, img.data, 20), FWP_ST_OUT_OF_RANGE);
	ck_assert_int_eq(fwd_update_finish(&L.u, &detail), FWP_ST_OFFSET);
	/* A changed header at offset 0 is not the image BEGIN checked. */
	uint8_t hdr[64];
	memcpy(hdr, img.data, 64);
	hdr[20] ^= 1;
	ck_assert_int_eq(fwd_update_data(&L.u, 0, hdr, 64), FWP_ST_OK); /* already written: ignored */
	/* The link drops; the host comes back with the same image: resume. */
	ck_assert_int_eq(fwd_update_begin(&L.u, 2, 0, n, sid, img.data, &off, &detail), FWP_ST_OK);
	ck_assert_uint_eq(off, 2000);
	for (uint32_t o = off; o < n; o += 2048) {
		uint32_t k = n - o < 2048 ? n - o : 2048;
		ck_assert_int_eq(fwd_update_data(&L.u, o, img.data + o, k), FWP_ST_OK);
	}
	struct fwd_policy pol = app_policy();
	ck_assert_int_eq(fwd_image_check(&L.fl, app_slot.addr, app_slot.size, &pol, &out),
			 FWD_IMAGE_EMPTY); /* complete, but not committed */
	ck_assert_int_eq(fwd_update_finish(&L.u, &detail), FWP_ST_OK);
	ck_assert_int_eq(fwd_image_check(&L.fl, app_slot.addr, app_slot.size, &pol, &out),
			 FWD_IMAGE_OK);
	ck_assert_int_eq(fwd_update_finish(&L.u, &detail), FWP_ST_OK); /* idempotent */
	ck_assert_int_eq(fwd_update_begin(&L.u, 2, 0, n, sid, img.data, &off, &detail), FWP_ST_OK);
	ck_assert_uint_eq(off, n); /* already there */
	/* Another image starts over. */
	uint8_t sid2[16] = {9};
	ck_assert_int_eq(fwd_update_begin(&L.u, 2, 0, n, sid2, img.data, &off, &detail), FWP_ST_OK);
	ck_assert_uint_eq(off, 0);
	ck_assert_int_eq(fwd_update_data(&L.u, 0, hdr, 64), FWP_ST_BAD_REQUEST);
	fwp_buf_free(&img);
	fwd_flash_sim_free(&L.sim);
}
END_TEST

/* A raw deflate stream with the device's window, as fwpack flash sends it. */
static uint8_t *deflate_image(const struct fwp_buf *img, uint32_t *clen)
{
	z_stream z;
	memset(&z, 0, sizeof(z));
	ck_assert_int_eq(deflateInit2(&z, 9, Z_DEFLATED, -FWD_INFLATE_WBITS, 8, Z_DEFAULT_STRATEGY),
			 Z_OK);
	uLong cap = deflateBound(&z, img->len);
	uint8_t *out = malloc(cap);
	z.next_in = img->data;
	z.avail_in = (uInt)img->len;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	ck_assert_int_eq(deflate(&z, Z_FINISH), Z_STREAM_END);
	*clen = (uint32_t)z.total_out;
	deflateEnd(&z);
	return out;
}

START_TEST(update_inflates_compressed_data)
{
	struct loader L;
	loader_init(&L, 0);
	struct fwp_buf img = {0};
	struct fwd_image out;
	uint32_t off, clen;
	uint8_t detail;
	struct spec good = {FWP_IMAGE_TYPE_APP, 5, 0, 0, fx.key};
	make(&app_slot, &good, 200000, &img);
	uint8_t *z = deflate_image(&img, &clen);
	ck_assert_uint_lt(clen, img.len);
	ck_assert(fwd_update_accepts(FWP_ENC_DEFLATE)); /* linked with fwd_decode_deflate.c */
	/* BEGIN's size is the image's, not the stream's (docs/serial-protocol.md):
	   the stream's size is shorter than the header says the image is. */
	ck_assert_int_eq(fwd_update_begin(&L.u, 2, FWP_ENC_DEFLATE, clen, sid, img.data, &off,
					  &detail), FWP_ST_BAD_IMAGE);
	ck_assert_uint_eq(detail, FWD_IMAGE_BAD_HEADER);
	ck_assert_int_eq(fwd_update_begin(&L.u, 2, FWP_ENC_DEFLATE, img.len, sid, img.data, &off,
					  &detail), FWP_ST_OK);
	/* Offsets count compressed bytes; resends and gaps as with raw data. */
	ck_assert_int_eq(fwd_update_data(&L.u, 0, z, 500), FWP_ST_OK);
	ck_assert_uint_eq(fwd_update_offset(&L.u), 500);
	ck_assert_int_eq(fwd_update_data(&L.u, 900, z + 900, 100), FWP_ST_OFFSET);
	ck_assert_int_eq(fwd_update_data(&L.u, 200, z + 200, 700), FWP_ST_OK);
	ck_assert_uint_eq(fwd_update_offset(&L.u), 900);
	/* Resumed by BEGIN, the inflate state carries on. */
	ck_assert_int_eq(fwd_update_begin(&L.u, 2, FWP_ENC_DEFLATE, img.len, sid, img.data, &off,
					  &detail), FWP_ST_OK);
	ck_assert_uint_eq(off, 900);
	for (uint32_t o = off; o < clen; o += 1000) {
		uint32_t k = clen - o < 1000 ? clen - o : 1000;
		ck_assert_int_eq(fwd_update_data(&L.u, o, z + o, k), FWP_ST_OK);
	}
	ck_assert_int_eq(fwd_update_finish(&L.u, &detail), FWP_ST_OK);
	struct fwd_policy pol = app_policy();
	ck_assert_int_eq(fwd_image_check(&L.fl, app_slot.addr, app_slot.size, &pol, &out),
			 FWD_IMAGE_OK);
	ck_assert_mem_eq(L.sim.mem + (app_slot.addr - L.sim.base) + 64, img.data + 64, img.len - 64);

	/* A corrupt stream fails the session; the slot stays unbootable. */
	uint8_t sid2[16] = {2};
	ck_assert_int_eq(fwd_update_begin(&L.u, 2, FWP_ENC_DEFLATE, img.len, sid2, img.data, &off,
					  &detail), FWP_ST_OK);
	uint8_t junk[64];
	memset(junk, 0xFF, sizeof(junk));
	ck_assert_int_eq(fwd_update_data(&L.u, 0, junk, sizeof(junk)), FWP_ST_BAD_IMAGE);
	ck_assert_int_eq(L.u.state, FWP_SESSION_FAILED);
	ck_assert_int_eq(fwd_image_check(&L.fl, app_slot.addr, app_slot.size, &pol, &out),
			 FWD_IMAGE_OK); /* nothing was written: the header check came first */
	free(z);
	fwp_buf_free(&img);
	fwd_flash_sim_free(&L.sim);
}
END_TEST

START_TEST(update_refuses_wrong_key_at_finish)
{
	struct loader L;
	loader_init(&L, 0);
	struct fwp_buf img = {0};
	struct fwd_image out;
	uint32_t off;
	uint8_t detail;
	struct spec rogue = {FWP_IMAGE_TYPE_APP, 5, 0, 0, fx.other};
	make(&app_slot, &rogue, 3000, &img);
	ck_assert_int_eq(fwd_update_begin(&L.u, 2, 0, img.len, sid, img.data, &off, &detail),
			 FWP_ST_OK);
	ck_assert_int_eq(fwd_update_data(&L.u, 0, img.data, img.len), FWP_ST_OK);
	ck_assert_int_eq(fwd_update_finish(&L.u, &detail), FWP_ST_WRONG_KEY);
	ck_assert_int_eq(detail, FWD_IMAGE_WRONG_KEY);
	ck_assert_int_eq(L.u.state, FWP_SESSION_FAILED);
	ck_assert_int_eq(fwd_update_finish(&L.u, &detail), FWP_ST_WRONG_KEY);
	struct fwd_policy pol = app_policy();
	ck_assert_int_eq(fwd_image_check(&L.fl, app_slot.addr, app_slot.size, &pol, &out),
			 FWD_IMAGE_EMPTY);
	/* A failed session is not resumed: BEGIN starts again. */
	ck_assert_int_eq(fwd_update_begin(&L.u, 2, 0, img.len, sid, img.data, &off, &detail),
			 FWP_ST_OK);
	ck_assert_uint_eq(off, 0);
	fwp_buf_free(&img);
	fwd_flash_sim_free(&L.sim);
}
END_TEST

/* The serial protocol end to end in memory: requests in, responses decoded. */
struct wire {
	uint8_t out[8192];
	uint32_t len;
};

static void wire_put(void *ctx, uint8_t b)
{
	struct wire *w = ctx;
	ck_assert_uint_lt(w->len, sizeof(w->out));
	w->out[w->len++] = b;
}

static struct fwd_serial ser;

/* Send one request; return the response packet (type, seq, body) in resp. */
static uint32_t request(struct wire *w, uint8_t type, uint8_t seq, const uint8_t *body,
			uint32_t blen, uint8_t *resp)
{
	static uint8_t pkt[4200], enc[FWD_COBS_MAX(4200)], buf[4200];
	struct fwd_frame_rx rx;
	pkt[0] = type;
	pkt[1] = seq;
	if (blen)
		memcpy(pkt + 2, body, blen);
	uint32_t len = fwd_frame_encode(pkt, 2 + blen, enc);
	w->len = 0;
	for (uint32_t i = 0; i < len; i++)
		ck_assert_int_ne(fwd_serial_input(&ser, enc[i]), FWD_SERIAL_SET_BAUD);
	fwd_frame_rx_init(&rx, buf, sizeof(buf));
	ck_assert_int_eq(feed(&rx, w->out, w->len), FWD_FRAME_OK);
	memcpy(resp, rx.buf, rx.len);
	return rx.len;
}

/*
 * The board's unique ID rides in INFO as an extension record after the
 * session: the host reads it as lower-case hex, a device without one sends
 * nothing more (what hosts before the record read), and the host's reader
 * refuses records that run past the body or an ID that is too long.
 */
START_TEST(serial_protocol_uid)
{
	struct loader L;
	loader_init(&L, 0);
	static struct wire w;
	uint8_t r[512], v[2] = {1, 0};
	struct fwp_device_info d;
	struct fwp_err err;
	struct fwd_serial_config cfg = {"b", FWP_ROLE_LOADER, wire_put, &w, NULL,
					{0x00, 0x1f, 0xA0, 0x35, 0x51, 0x30, 0x39, 0x38, 0x39, 0x33, 0x37, 0xfe},
					12};
	fwd_serial_init(&ser, &cfg, &L.u);
	uint32_t base = 2 + FWP_INFO_FIXED_LEN + 1 + 1 + 1 + 3 * FWP_INFO_SLOT_LEN + FWP_INFO_SESSION_LEN;
	uint32_t n = request(&w, FWP_REQ_HELLO, 1, v, 2, r);
	ck_assert_uint_eq(n, base + FWP_INFO_EXT_HDR_LEN + 12);
	ck_assert_uint_eq(r[base], FWP_INFO_EXT_UID);
	ck_assert_uint_eq(r[base + 1], 12);
	ck_assert_int_eq(fwp_device_info_parse("t", r + 2, n - 2, &d, &err), FWP_OK);
	ck_assert_str_eq(d.uid, "001fa035513039383933" "37fe");
	ck_assert_str_eq(d.board, "b");
	/* What an older host reads is unchanged: the session still ends 28 bytes before the record. */
	ck_assert_uint_eq(r[base - FWP_INFO_SESSION_LEN], FWP_SESSION_NONE);

	/* An unknown record before it is skipped; a truncated one is refused. */
	uint8_t x[512];
	memcpy(x, r, base);
	memcpy(x + base, "\x7f\x02\xaa\xbb", 4);
	memcpy(x + base + 4, r + base, 14);
	ck_assert_int_eq(fwp_device_info_parse("t", x + 2, base + 18 - 2, &d, &err), FWP_OK);
	ck_assert_str_eq(d.uid, "001fa03551303938393337fe");
	ck_assert_int_eq(fwp_device_info_parse("t", x + 2, base + 17 - 2, &d, &err), FWP_ERR_FORMAT);
	ck_assert_ptr_nonnull(strstr(err.msg, "runs past its end"));
	ck_assert_int_eq(fwp_device_info_parse("t", x + 2, base + 1 - 2, &d, &err), FWP_ERR_FORMAT);
	x[base + 5] = FWP_UID_MAX + 1;
	memset(x + base + 6, 0, FWP_UID_MAX + 1);
	ck_assert_int_eq(fwp_device_info_parse("t", x + 2, base + 6 + FWP_UID_MAX + 1 - 2, &d, &err),
			 FWP_ERR_FORMAT);
	ck_assert_ptr_nonnull(strstr(err.msg, "empty or too long unique ID"));

	/* No ID: no record, and the host says "". */
	cfg.uid_len = 0;
	n = request(&w, FWP_REQ_HELLO, 2, v, 2, r);
	ck_assert_uint_eq(n, base);
	ck_assert_int_eq(fwp_device_info_parse("t", r + 2, n - 2, &d, &err), FWP_OK);
	ck_assert_str_eq(d.uid, "");
	fwd_flash_sim_free(&L.sim);
}
END_TEST

START_TEST(serial_protocol_session)
{
	struct loader L;
	loader_init(&L, 0);
	struct fwp_buf img = {0};
	struct fwd_image out;
	static struct wire w;
	uint8_t r[512], body[FWP_BEGIN_LEN + 2048];
	struct spec good = {FWP_IMAGE_TYPE_APP, 5, 0, 0, fx.key};
	make(&app_slot, &good, 10000, &img);
	struct fwd_serial_config cfg = {"testboard", FWP_ROLE_LOADER, wire_put, &w, NULL, {0}, 0};
	fwd_serial_init(&ser, &cfg, &L.u);

	uint8_t v[2] = {1, 0};
	uint32_t n = request(&w, FWP_REQ_HELLO, 1, v, 2, r);
	ck_assert_uint_eq(r[0], FWP_REQ_HELLO | FWP_RESPONSE);
	ck_assert_uint_eq(r[1], 1);
	ck_assert_uint_eq(r[2], FWP_ST_OK);
	ck_assert_uint_eq(r[6] | r[7] << 8, FWD_SERIAL_MAX_PACKET);
	ck_assert_uint_eq(r[10] | r[11] << 8, FWP_FEAT_DEFLATE); /* no BAUD without baud_ok */
	ck_assert_uint_eq(r[12], 9);
	ck_assert_mem_eq(r + 13, "testboard", 9);
	ck_assert_uint_eq(r[22], 3); /* slots */
	ck_assert_uint_eq(n, 2 + FWP_INFO_FIXED_LEN + 1 + 9 + 1 + 3 * FWP_INFO_SLOT_LEN +
				 FWP_INFO_SESSION_LEN);
	ck_assert_uint_eq(r[23 + 2 * 12 + 1], FWP_SLOT_WRITABLE);
	ck_assert_uint_eq(fwp_le32(r + 23 + 2 * 12 + 4), app_slot.addr);

	body[0] = 2, body[1] = 0, body[2] = 0, body[3] = 0;
	fwp_put_le32(body + 4, (uint32_t)img.len);
	memcpy(body + 8, sid, 16);
	memcpy(body + 24, img.data, 64);
	request(&w, FWP_REQ_BEGIN, 2, body, FWP_BEGIN_LEN - 1, r);
	ck_assert_uint_eq(r[2], FWP_ST_BAD_REQUEST);
	request(&w, FWP_REQ_BEGIN, 3, body, FWP_BEGIN_LEN, r);
	ck_assert_uint_eq(r[2], FWP_ST_OK);
	ck_assert_uint_eq(fwp_le32(r + 4), 0);
	for (uint32_t o = 0; o < img.len; o += 2048) {
		uint32_t k = img.len - o < 2048 ? (uint32_t)(img.len - o) : 2048;
		fwp_put_le32(body, o);
		memcpy(body + 4, img.data + o, k);
		request(&w, FWP_REQ_DATA, (uint8_t)(4 + o / 2048), body, 4 + k, r);
		ck_assert_uint_eq(r[2], FWP_ST_OK);
		ck_assert_uint_eq(fwp_le32(r + 4), o + k);
	}
	/* A frame with a bad CRC gets the BAD_FRAME answer with the current offset. */
	uint8_t enc[64];
	uint8_t pkt[16] = {FWP_REQ_FINISH, 40};
	uint32_t len = fwd_frame_encode(pkt, 2, enc);
	enc[2] ^= 0x10;
	w.len = 0;
	for (uint32_t i = 0; i < len; i++)
		fwd_serial_input(&ser, enc[i]);
	ck_assert_uint_gt(w.len, 0);
	uint8_t rb[64];
	struct fwd_frame_rx rx;
	fwd_frame_rx_init(&rx, rb, sizeof(rb));
	ck_assert_int_eq(feed(&rx, w.out, w.len), FWD_FRAME_OK);
	ck_assert_uint_eq(rb[0], FWP_RESP_BAD_FRAME);
	ck_assert_uint_eq(rb[2], FWP_ST_BAD_FRAME);
	ck_assert_uint_eq(fwp_le32(rb + 4), img.len);

	request(&w, 0x55, 41, NULL, 0, r);
	ck_assert_uint_eq(r[2], FWP_ST_UNKNOWN_REQUEST);
	request(&w, FWP_REQ_BAUD, 42, (const uint8_t *)"\x00\x10\x0e\x00", 4, r);
	ck_assert_uint_eq(r[2], FWP_ST_UNSUPPORTED);
	request(&w, FWP_REQ_FINISH, 43, NULL, 0, r);
	ck_assert_uint_eq(r[2], FWP_ST_OK);
	struct fwd_policy pol = app_policy();
	ck_assert_int_eq(fwd_image_check(&L.fl, app_slot.addr, app_slot.size, &pol, &out),
			 FWD_IMAGE_OK);
	n = request(&w, FWP_REQ_HELLO, 44, v, 2, r);
	ck_assert_uint_eq(r[n - 28], FWP_SESSION_COMMITTED);
	/* BOOT is answered, then the caller resets. */
	uint8_t benc[16];
	pkt[0] = FWP_REQ_BOOT;
	pkt[1] = 45;
	len = fwd_frame_encode(pkt, 2, benc);
	enum fwd_serial_action last = FWD_SERIAL_CONTINUE;
	for (uint32_t i = 0; i < len; i++)
		last = fwd_serial_input(&ser, benc[i]);
	ck_assert_int_eq(last, FWD_SERIAL_BOOT);
	/* A packet shorter than its type and seq (a caller of fwd_serial_packet
	   other than the frame decoder): answered as a bad frame, nothing read
	   past it (ASan sees the exact allocation). */
	for (uint32_t short_len = 0; short_len < FWD_FRAME_HDR_LEN; short_len++) {
		uint8_t *tiny = malloc(short_len ? short_len : 1);
		tiny[0] = FWP_REQ_DATA;
		w.len = 0;
		ck_assert_int_eq(fwd_serial_packet(&ser, tiny, short_len), FWD_SERIAL_CONTINUE);
		fwd_frame_rx_init(&rx, rb, sizeof(rb));
		ck_assert_int_eq(feed(&rx, w.out, w.len), FWD_FRAME_OK);
		ck_assert_uint_eq(rb[0], FWP_RESP_BAD_FRAME);
		ck_assert_uint_eq(rb[2], FWP_ST_BAD_FRAME);
		free(tiny);
	}
	fwp_buf_free(&img);
	fwd_flash_sim_free(&L.sim);
}
END_TEST

static int only_921600(uint32_t baud)
{
	return baud == 921600 ? 0 : -1;
}

START_TEST(serial_baud_switch_asks_the_port_first)
{
	struct loader L;
	loader_init(&L, 0);
	static struct wire w;
	struct fwd_serial_config cfg = {"b", FWP_ROLE_LOADER, wire_put, &w, only_921600, {0}, 0};
	fwd_serial_init(&ser, &cfg, &L.u);
	uint8_t pkt[16] = {FWP_REQ_BAUD, 1}, enc[32], r[64]; /* room for the CRC */
	struct fwd_frame_rx rx;
	for (int k = 0; k < 2; k++) {
		uint32_t baud = k ? 921600 : 1000000;
		fwp_put_le32(pkt + 2, baud);
		uint32_t len = fwd_frame_encode(pkt, 6, enc);
		enum fwd_serial_action last = FWD_SERIAL_CONTINUE;
		w.len = 0;
		for (uint32_t i = 0; i < len; i++)
			last = fwd_serial_input(&ser, enc[i]);
		fwd_frame_rx_init(&rx, r, sizeof(r));
		ck_assert_int_eq(feed(&rx, w.out, w.len), FWD_FRAME_OK);
		ck_assert_uint_eq(r[2], k ? FWP_ST_OK : FWP_ST_UNSUPPORTED);
		ck_assert_int_eq(last, k ? FWD_SERIAL_SET_BAUD : FWD_SERIAL_CONTINUE);
	}
	ck_assert_uint_eq(ser.baud, 921600);
	fwd_flash_sim_free(&L.sim);
}
END_TEST

START_TEST(remap_reads_through_a_window)
{
	struct fwd_flash_sim sim;
	struct fwp_buf img = {0};
	struct fwd_image out;
	enum fwd_write_status st;
	ck_assert_int_eq(fwd_flash_sim_init(&sim, FX_FLASH_BASE, fx_f429_sectors), 0);
	struct fwd_flash fl = fwd_flash_sim_flash(&sim);
	/* A loader image stored inside the application slot, as an Updater carries it. */
	struct spec ldr = {FWP_IMAGE_TYPE_LOADER, 1, 0, 0, fx.key};
	make(&loader_slot, &ldr, 7000, &img);
	struct fwd_slot carrier = app_slot;
	struct fwd_writer w;
	ck_assert_int_eq(fwd_writer_begin(&w, &fl, &carrier), FWD_WRITE_OK);
	uint8_t pad[64] = {0};
	ck_assert_int_eq(fwd_writer_write(&w, 0, pad, 64), FWD_WRITE_OK);
	ck_assert_int_eq(fwd_writer_write(&w, 64, img.data, img.len), FWD_WRITE_OK);
	(void)st;
	struct fwd_policy pol = {&fx.pub, 1, 1u << FWP_IMAGE_TYPE_LOADER, 0, 428, NULL, 0};
	struct fwd_remap r;
	fwd_remap_init(&r, &fl, loader_slot.addr, img.len, app_slot.addr + 64);
	ck_assert_int_eq(fwd_image_check(&r.view, loader_slot.addr, loader_slot.size, &pol, &out),
			 FWD_IMAGE_OK);
	ck_assert_int_eq(fwd_image_check(&fl, loader_slot.addr, loader_slot.size, &pol, &out),
			 FWD_IMAGE_EMPTY);
	/* Reads that straddle the window's edges come from both sides. */
	uint8_t b[16];
	ck_assert_int_eq(r.view.ops->read(r.view.ctx, loader_slot.addr - 8, b, 16), 0);
	ck_assert_mem_eq(b + 8, img.data, 8);
	ck_assert_uint_eq(b[0], 0xFF);
	fwp_buf_free(&img);
	fwd_flash_sim_free(&sim);
}
END_TEST

START_TEST(root_keys_list)
{
	struct fwd_flash_sim sim;
	struct fwp_buf img = {0};
	struct fwd_image out;
	enum fwd_write_status st;
	ck_assert_int_eq(fwd_flash_sim_init(&sim, FX_FLASH_BASE, fx_f429_sectors), 0);
	struct fwd_flash fl = fwd_flash_sim_flash(&sim);
	struct spec sp = {FWP_IMAGE_TYPE_LOADER, 1, 0, 0, fx.other};
	make(&loader_slot, &sp, 3000, &img);
	uint8_t keys[2][65];
	memcpy(keys[0], fx.pub, 65);
	memcpy(keys[1], fx.other_pub, 65);
	struct fwd_policy both = {(const uint8_t(*)[65])keys, 2, 1u << FWP_IMAGE_TYPE_LOADER, 0, 428, NULL, 0};
	struct fwd_policy first = both;
	first.key_count = 1;
	ck_assert_int_eq(install(&fl, &loader_slot, &img, &both, &st), FWD_IMAGE_OK);
	ck_assert_int_eq(fwd_image_check(&fl, loader_slot.addr, loader_slot.size, &first, &out),
			 FWD_IMAGE_WRONG_KEY);
	fwp_buf_free(&img);
	fwd_flash_sim_free(&sim);
}
END_TEST

/*
 * Provisioning (docs/provisioning.md): a Loader with an Application slot
 * under the release key (key) and a provisioning slot (the last 128K
 * sector) under the provisioning key (other), for board A.
 */
static const struct fwd_slot prov_app_slot = {0x08020000, 0xC0000, 1};
static const struct fwd_slot prov_slot = {0x080E0000, 0x20000, 1};
static const uint8_t uid_a[12] = {0x35, 0x68, 0x37, 0x5A, 0x30, 0x39, 1, 2, 3, 4, 5, 6};
static const uint8_t uid_b[12] = {0x35, 0x68, 0x37, 0x5A, 0x30, 0x39, 1, 2, 3, 4, 5, 7};

static void prov_targets(struct fwd_update_target t[2], const uint8_t *uid, uint32_t uid_len,
			 uint32_t min_counter)
{
	struct fwd_policy app = app_policy();
	struct fwd_policy prov = {&fx.other_pub, 1, 1u << FWP_IMAGE_TYPE_PROVISIONING, min_counter, 0,
				  uid, uid_len};
	t[0] = (struct fwd_update_target){2, prov_app_slot, app};
	t[1] = (struct fwd_update_target){3, prov_slot, prov};
}

static void prov_image_at(uint32_t addr, const uint8_t *uid, uint32_t counter,
			  struct fwp_key *signer, struct fwp_buf *out)
{
	struct fwp_err err;
	const struct fwp_prov_field f[] = {{"serial", "FW-000042"}, {"mac", "02:00:00:00:00:2a"}};
	struct fwp_prov_params p = {uid, 12, f, 2, addr, counter, {1, 0, 0, 0}};
	out->len = 0;
	ck_assert_msg(fwp_prov_image(&p, signer, out, &err) == FWP_OK, "%s", err.msg);
}

static void prov_image(const uint8_t *uid, uint32_t counter, struct fwp_key *signer,
		       struct fwp_buf *out)
{
	prov_image_at(prov_slot.addr, uid, counter, signer, out);
}

/* BEGIN, all the data, FINISH: the status of the first step that refuses. */
static enum fwp_status send(struct fwd_update *u, uint8_t slot, const struct fwp_buf *img,
			    uint8_t *detail)
{
	uint32_t off;
	enum fwp_status st = fwd_update_begin(u, slot, 0, img->len, sid, img->data, &off, detail);
	if (st == FWP_ST_OK)
		st = fwd_update_data(u, 0, img->data, img->len);
	return st == FWP_ST_OK ? fwd_update_finish(u, detail) : st;
}

static int flash_sim_read(void *ctx, uint32_t addr, void *buf, size_t len)
{
	const struct fwd_flash *fl = ctx;
	return fl->ops->read(fl->ctx, addr, buf, len);
}

START_TEST(provisioning_writes_identities_never_code)
{
	struct fwd_flash_sim sim;
	struct fwp_buf img = {0};
	struct fwd_update_target t[2];
	struct fwd_update u;
	struct fwd_image out;
	struct fwp_err err;
	uint8_t detail;
	char serial[FWP_PROV_VALUE_MAX + 1];
	ck_assert_int_eq(fwd_flash_sim_init(&sim, FX_FLASH_BASE, fx_f429_sectors), 0);
	struct fwd_flash fl = fwd_flash_sim_flash(&sim);
	struct fwc_source src = {flash_sim_read, &fl, prov_slot.addr, prov_slot.size};
	prov_targets(t, uid_a, sizeof(uid_a), 0);
	fwd_update_init(&u, &fl, t, 2);

	/* Code signed with the provisioning key: refused once the key is known. */
	struct spec rogue = {FWP_IMAGE_TYPE_APP, 5, 0, 0, fx.other};
	make(&prov_app_slot, &rogue, 3000, &img);
	ck_assert_int_eq(send(&u, 2, &img, &detail), FWP_ST_WRONG_KEY);
	/* ... and into the provisioning slot: wrong type, before a byte is written. */
	struct spec rogue_prov_slot = {FWP_IMAGE_TYPE_APP, 5, 0, 0, fx.other};
	img.len = 0;
	make(&prov_slot, &rogue_prov_slot, 3000, &img);
	unsigned long programs = sim.programs;
	ck_assert_int_eq(send(&u, 3, &img, &detail), FWP_ST_WRONG_SLOT);
	ck_assert_uint_eq(sim.programs, programs);
	/* A provisioning type claiming code (no DATA flag, a vector table): refused at BEGIN. */
	struct spec code_as_prov = {FWP_IMAGE_TYPE_PROVISIONING, 5, 0, 0, fx.other};
	img.len = 0;
	make(&prov_slot, &code_as_prov, 3000, &img);
	ck_assert_int_eq(send(&u, 3, &img, &detail), FWP_ST_BAD_IMAGE);
	ck_assert_int_eq(detail, FWD_IMAGE_BAD_VECTORS);
	/* A provisioning record made for the Application slot: wrong type there. */
	prov_image_at(prov_app_slot.addr, uid_a, 1, fx.other, &img);
	ck_assert_int_eq(send(&u, 2, &img, &detail), FWP_ST_WRONG_SLOT);
	/* Signed with the release key: the provisioning slot does not trust it. */
	prov_image(uid_a, 1, fx.key, &img);
	ck_assert_int_eq(send(&u, 3, &img, &detail), FWP_ST_WRONG_KEY);
	/* For board B: refused by board A, nothing installed. */
	prov_image(uid_b, 1, fx.other, &img);
	ck_assert_int_eq(send(&u, 3, &img, &detail), FWP_ST_BAD_IMAGE);
	ck_assert_int_eq(detail, FWD_IMAGE_WRONG_BOARD);
	ck_assert_int_eq(fwd_image_check(&fl, prov_slot.addr, prov_slot.size, &t[1].pol, &out),
			 FWD_IMAGE_EMPTY);
	ck_assert_int_eq(fwc_prov_get(&src, uid_a, sizeof(uid_a), "serial", serial), -1);

	/* The right one: installed, and the Application reads its serial number. */
	prov_image(uid_a, 3, fx.other, &img);
	ck_assert_int_eq(send(&u, 3, &img, &detail), FWP_ST_OK);
	ck_assert_int_eq(fwd_image_check(&fl, prov_slot.addr, prov_slot.size, &t[1].pol, &out),
			 FWD_IMAGE_OK);
	ck_assert_int_eq(fwc_prov_get(&src, uid_a, sizeof(uid_a), "serial", serial), 0);
	ck_assert_str_eq(serial, "FW-000042");
	ck_assert_int_eq(fwc_prov_get(&src, uid_a, sizeof(uid_a), "mac", serial), 0);
	ck_assert_str_eq(serial, "02:00:00:00:00:2a");
	ck_assert_int_eq(fwc_prov_get(&src, uid_a, sizeof(uid_a), "imei", serial), -1);
	ck_assert_int_eq(fwc_prov_get(&src, uid_b, sizeof(uid_b), "serial", serial), -1);
	/* A board with no unique ID takes no record at all. */
	struct fwd_policy no_uid = t[1].pol;
	no_uid.uid_len = 0;
	ck_assert_int_eq(fwd_image_check(&fl, prov_slot.addr, prov_slot.size, &no_uid, &out),
			 FWD_IMAGE_WRONG_BOARD);

	/* The installed counter is the floor: an older record is refused, the same one again not. */
	prov_targets(t, uid_a, sizeof(uid_a), 3);
	fwd_update_init(&u, &fl, t, 2);
	prov_image(uid_a, 2, fx.other, &img);
	ck_assert_int_eq(send(&u, 3, &img, &detail), FWP_ST_ROLLBACK);
	prov_image(uid_a, 3, fx.other, &img);
	ck_assert_int_eq(send(&u, 3, &img, &detail), FWP_ST_OK);

	/* The builder refuses what the board would: a name twice, a bad name, a long value. */
	struct fwp_buf rec = {0};
	const struct fwp_prov_field twice[] = {{"serial", "1"}, {"serial", "2"}};
	const struct fwp_prov_field upper[] = {{"Serial", "1"}};
	const struct fwp_prov_field nonprint[] = {{"serial", "a\tb"}};
	struct fwp_prov_params p = {uid_a, 12, twice, 2, prov_slot.addr, 0, {1, 0, 0, 0}};
	ck_assert_int_eq(fwp_prov_record(&p, &rec, &err), FWP_ERR_ARG);
	ck_assert_msg(strstr(err.msg, "serial given twice"), "%s", err.msg);
	p.fields = upper, p.nfields = 1, rec.len = 0;
	ck_assert_int_eq(fwp_prov_record(&p, &rec, &err), FWP_ERR_ARG);
	p.fields = nonprint, rec.len = 0;
	ck_assert_int_eq(fwp_prov_record(&p, &rec, &err), FWP_ERR_ARG);
	p.uid_len = 0, p.nfields = 0, rec.len = 0;
	ck_assert_int_eq(fwp_prov_record(&p, &rec, &err), FWP_ERR_ARG);
	fwp_buf_free(&rec);
	fwp_buf_free(&img);
	fwd_flash_sim_free(&sim);
}
END_TEST

/* The record reader on hand-made records: each rule of docs/image-format.md. */
static enum fwc_verdict check_record(const char *hex)
{
	struct fwp_buf b = {0};
	struct fwc_result r;
	struct fwp_err err;
	unsigned nib = 0, have = 0;
	for (const char *c = hex; *c; c++) {
		if (*c == ' ')
			continue;
		unsigned v;
		ck_assert_int_eq(sscanf((char[]){*c, 0}, "%1x", &v), 1);
		nib = nib << 4 | v;
		if (++have == 2) {
			uint8_t byte = (uint8_t)nib;
			ck_assert_int_eq(fwp_buf_append(&b, &byte, 1, &err), FWP_OK);
			have = nib = 0;
		}
	}
	ck_assert_uint_eq(have, 0);
	struct fwc_source src = {fwp_buf_read, &b, 0, (uint32_t)b.len};
	enum fwc_verdict v = fwc_prov_check(&src, 0, (uint32_t)b.len, NULL, NULL, &r);
	fwp_buf_free(&b);
	return v;
}

START_TEST(provisioning_record_rules)
{
	/* version 1, UID 0xAB, FIELD "a" = "x" */
	ck_assert_int_eq(check_record("0100 01000100ab 020003000161 78"), FWC_OK);
	ck_assert_int_eq(check_record("0200 01000100ab"), FWC_BAD_PAYLOAD);        /* version */
	ck_assert_int_eq(check_record("0100 020003000161 78"), FWC_BAD_PAYLOAD);  /* no UID first */
	ck_assert_int_eq(check_record("0100 01000000"), FWC_BAD_PAYLOAD);         /* empty UID */
	ck_assert_int_eq(check_record("0100 01000100ab 01000100ab"), FWC_BAD_PAYLOAD); /* UID twice */
	ck_assert_int_eq(check_record("0100 01000500ab"), FWC_BAD_PAYLOAD);       /* past the end */
	ck_assert_int_eq(check_record("0100 01000100ab 0200"), FWC_BAD_PAYLOAD);  /* cut header */
	ck_assert_int_eq(check_record("0100 01000100ab 0300010000"), FWC_BAD_PAYLOAD); /* unknown tag */
	ck_assert_int_eq(check_record("0100 01000100ab 020002000161"), FWC_BAD_PAYLOAD); /* no value */
	ck_assert_int_eq(check_record("0100 01000100ab 020003000141 78"), FWC_BAD_PAYLOAD); /* 'A' */
	ck_assert_int_eq(check_record("0100 01000100ab 020003000161 09"), FWC_BAD_PAYLOAD); /* tab */
	ck_assert_int_eq(check_record("0100 01000100ab 020003000161 78 020003000161 79"),
			 FWC_BAD_PAYLOAD); /* a name twice */
	ck_assert_int_eq(check_record("0100 01000100ab 020003000162 78 020003000161 79"),
			 FWC_BAD_PAYLOAD); /* names out of order */
	ck_assert_int_eq(check_record("0100 01000100ab 00f00200ffff"), FWC_OK); /* vendor */
	ck_assert_int_eq(check_record("0100 01000100ab 00f00000 020003000161 78"),
			 FWC_BAD_PAYLOAD); /* a FIELD after a vendor record */
}
END_TEST

int main(void)
{
	Suite *s = suite_create("device-core");
	TCase *tc = tcase_create("core");
	tcase_add_unchecked_fixture(tc, fx_setup, fx_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, valid_image_installs_and_boots);
	tcase_add_test(tc, bad_images_refused_with_reason);
	tcase_add_test(tc, writer_bounds_and_order);
	tcase_add_test(tc, power_cut_never_leaves_a_bootable_half_image);
	tcase_add_test(tc, boot_decision);
	tcase_add_test(tc, app_api);
	tcase_add_test(tc, security_counter_log);
	tcase_add_test(tc, device_crc_matches_zlib);
	tcase_add_test(tc, frames_round_trip);
	tcase_add_test(tc, frames_corruption_and_resync);
	tcase_add_test(tc, update_checks_before_erasing);
	tcase_add_test(tc, update_resumes_and_commits);
	tcase_add_test(tc, update_refuses_wrong_key_at_finish);
	tcase_add_test(tc, update_inflates_compressed_data);
	tcase_add_test(tc, serial_protocol_session);
	tcase_add_test(tc, serial_protocol_uid);
	tcase_add_test(tc, console_command);
	tcase_add_test(tc, serial_baud_switch_asks_the_port_first);
	tcase_add_test(tc, remap_reads_through_a_window);
	tcase_add_test(tc, root_keys_list);
	tcase_add_test(tc, provisioning_writes_identities_never_code);
	tcase_add_test(tc, provisioning_record_rules);
	suite_add_tcase(s, tc);
	return run_suite(s);
}

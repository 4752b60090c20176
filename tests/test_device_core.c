/*
 * device/core on the host: images made by the host library are checked by
 * the device's validator (BearSSL), written by the device's slot writer
 * into a NOR flash model, with power cut at every operation; the boot
 * decision and the shared RAM block.
 */
#include "check_util.h"
#include "crypto.h"
#include "fwd_boot.h"
#include "fwd_counter.h"
#include "fwd_flash_sim.h"
#include "fwd_image.h"
#include "fwd_shared.h"
#include "fwd_writer.h"
#include "slotimage.h"

/* The cookbook's STM32F429 layout: 4x16K, 1x64K, 7x128K. */
static const uint32_t sectors[] = {16384, 16384, 16384, 16384, 65536, 131072, 131072,
				   131072, 131072, 131072, 131072, 131072, 0};
static const struct fwd_slot boot_slot = {0x08000000, 0x4000, 0};
static const struct fwd_slot loader_slot = {0x08004000, 0x1C000, 1};
static const struct fwd_slot app_slot = {0x08020000, 0xE0000, 1};

static char *dir;
static struct fwp_key *key, *other;
static uint8_t pubkey[65], other_pub[65];

static void setup(void)
{
	struct fwp_err err;
	dir = tmpdir_new();
	char *a = path_join(dir, "a.pem"), *ap = path_join(dir, "a.pub.pem");
	char *b = path_join(dir, "b.pem"), *bp = path_join(dir, "b.pub.pem");
	ck_assert_int_eq(fwp_keygen(FWP_CURVE_P256, a, ap, 0, &err), FWP_OK);
	ck_assert_int_eq(fwp_keygen(FWP_CURVE_P256, b, bp, 0, &err), FWP_OK);
	ck_assert_int_eq(fwp_key_load(a, &key, &err), FWP_OK);
	ck_assert_int_eq(fwp_key_load(b, &other, &err), FWP_OK);
	ck_assert_int_eq(fwp_key_public_point(key, pubkey, &err), FWP_OK);
	ck_assert_int_eq(fwp_key_public_point(other, other_pub, &err), FWP_OK);
	free(a);
	free(ap);
	free(b);
	free(bp);
}

static void teardown(void)
{
	fwp_key_free(key);
	fwp_key_free(other);
	tmpdir_remove(dir);
}

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
	struct fwp_err err;
	uint8_t *payload = malloc(payload_len), digest[32], sig[64], kh[32];
	for (size_t i = 0; i < payload_len; i++)
		payload[i] = (uint8_t)(i * 13 + 7);
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
	ck_assert_int_eq(fwp_image_begin(&p, out, digest, &err), FWP_OK);
	ck_assert_int_eq(fwp_ecdsa_sign_digest(sp->signer, digest, sig, &err), FWP_OK);
	ck_assert_int_eq(fwp_key_hash(sp->signer, kh, &err), FWP_OK);
	ck_assert_int_eq(fwp_image_finish(out, digest, kh, sig, &err), FWP_OK);
	free(payload);
}

static struct fwd_policy app_policy(void)
{
	struct fwd_policy pol = {&pubkey, 1, (1u << FWP_IMAGE_TYPE_APP) | (1u << FWP_IMAGE_TYPE_UPDATER),
				 0, 428};
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
	struct spec sp = {FWP_IMAGE_TYPE_APP, 5, 0, 0, key};
	struct fwd_policy pol = app_policy();
	enum fwd_write_status st;
	struct fwd_image out;
	ck_assert_int_eq(fwd_flash_sim_init(&sim, 0x08000000, sectors), 0);
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
	ck_assert_int_eq(fwd_flash_sim_init(&sim, 0x08000000, sectors), 0);
	struct fwd_flash fl = fwd_flash_sim_flash(&sim);
	uint8_t *slot = sim.mem + (app_slot.addr - sim.base);
	struct {
		struct spec sp;
		long flip; /* byte to flip, -1 none; -2: the last byte of the image */
		uint32_t min_counter;
		enum fwd_verdict want;
	} cases[] = {
		{{FWP_IMAGE_TYPE_APP, 1, 0, 0, key}, 0x200 + 100, 0, FWD_IMAGE_BAD_PAYLOAD},
		{{FWP_IMAGE_TYPE_APP, 1, 0, 0, key}, 21, 0, FWD_IMAGE_BAD_HEADER},
		{{FWP_IMAGE_TYPE_APP, 1, 0, 0, key}, -2, 0, FWD_IMAGE_BAD_SIGNATURE},
		{{FWP_IMAGE_TYPE_APP, 1, 0, 0, key}, 0x200 + 3000 + 8, 0, FWD_IMAGE_BAD_DIGEST},
		{{FWP_IMAGE_TYPE_APP, 1, 0, 0, other}, -1, 0, FWD_IMAGE_WRONG_KEY},
		{{FWP_IMAGE_TYPE_APP, 1, 0, 0, key}, -1, 2, FWD_IMAGE_ROLLBACK},
		{{FWP_IMAGE_TYPE_LOADER, 1, 0, 0, key}, -1, 0, FWD_IMAGE_WRONG_TYPE},
		{{FWP_IMAGE_TYPE_APP, 1, 0x100, 0, key}, -1, 0, FWD_IMAGE_BAD_VECTORS},
		{{FWP_IMAGE_TYPE_APP, 1, 0, FWP_IMAGE_F_DATA, key}, -1, 0, FWD_IMAGE_BAD_VECTORS},
		{{FWP_IMAGE_TYPE_APP, 2, 0, 0, key}, -1, 2, FWD_IMAGE_OK},
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
		ck_assert_msg(v == cases[i].want, "case %zu: %s, expected %s", i, fwd_verdict_str(v),
			      fwd_verdict_str(cases[i].want));
		fwp_buf_free(&img);
	}
	/* An image that claims more than its slot holds. */
	struct fwp_buf big = {0};
	struct spec sp = {FWP_IMAGE_TYPE_APP, 1, 0, 0, key};
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
	ck_assert_int_eq(fwd_flash_sim_init(&sim, 0x08000000, sectors), 0);
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
	struct fwd_policy pol = {&pubkey, 1, 1u << FWP_IMAGE_TYPE_LOADER, 0, 428};
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
	struct spec sp = {FWP_IMAGE_TYPE_LOADER, 1, 0, 0, key};
	struct fwd_policy pol = {&pubkey, 1, 1u << FWP_IMAGE_TYPE_LOADER, 0, 428};
	struct fwd_image out;
	enum fwd_write_status st;
	ck_assert_int_eq(fwd_flash_sim_init(&sim, 0x08000000, sectors), 0);
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

START_TEST(boot_decision)
{
	struct fwd_shared s;
	memset(&s, 0xA5, sizeof(s)); /* RAM after power-up */
	ck_assert_int_eq(fwd_shared_init(&s, FWD_RESET_SOFTWARE), 1);
	ck_assert_uint_eq(s.magic, FWD_SHARED_MAGIC);
	/* A valid app boots, and each boot without "mark good" counts. */
	for (unsigned i = 0; i < FWD_CRASH_LOOP_DEFAULT; i++) {
		ck_assert_int_eq(fwd_shared_init(&s, FWD_RESET_WATCHDOG), 0);
		ck_assert_int_eq(fwd_boot_decide(&s, FWD_IMAGE_OK, 3), FWD_BOOT_APP);
	}
	ck_assert_int_eq(fwd_shared_init(&s, FWD_RESET_WATCHDOG), 0);
	ck_assert_int_eq(fwd_boot_decide(&s, FWD_IMAGE_OK, 3), FWD_STAY_CRASH_LOOP);
	ck_assert_uint_eq(s.boot_count, 0);
	/* Marking good keeps it out of update mode. */
	for (int i = 0; i < 10; i++) {
		ck_assert_int_eq(fwd_boot_decide(&s, FWD_IMAGE_OK, 3), FWD_BOOT_APP);
		fwd_boot_mark_good(&s);
	}
	/* An update request reaches the Loader once. */
	fwd_boot_request_update(&s);
	ck_assert_int_eq(fwd_shared_init(&s, FWD_RESET_SOFTWARE), 0);
	ck_assert_int_eq(fwd_boot_decide(&s, FWD_IMAGE_OK, 3), FWD_STAY_UPDATE_REQUESTED);
	ck_assert_int_eq(fwd_boot_decide(&s, FWD_IMAGE_OK, 3), FWD_BOOT_APP);
	ck_assert_int_eq(fwd_boot_decide(&s, FWD_IMAGE_BAD_SIGNATURE, 3), FWD_STAY_NO_VALID_APP);
	/* A power-on reset forgets everything; a corrupted block is reset. */
	fwd_boot_request_update(&s);
	ck_assert_int_eq(fwd_shared_init(&s, FWD_RESET_POWER_ON), 1);
	ck_assert_uint_eq(s.flags, 0);
	fwd_boot_request_update(&s);
	s.boot_count ^= 0x40;
	ck_assert_int_eq(fwd_shared_init(&s, FWD_RESET_SOFTWARE), 1);
	ck_assert_uint_eq(s.flags, 0);
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

int main(void)
{
	Suite *s = suite_create("device-core");
	TCase *tc = tcase_create("core");
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, valid_image_installs_and_boots);
	tcase_add_test(tc, bad_images_refused_with_reason);
	tcase_add_test(tc, writer_bounds_and_order);
	tcase_add_test(tc, power_cut_never_leaves_a_bootable_half_image);
	tcase_add_test(tc, boot_decision);
	tcase_add_test(tc, security_counter_log);
	tcase_add_test(tc, device_crc_matches_zlib);
	suite_add_tcase(s, tc);
	return run_suite(s);
}

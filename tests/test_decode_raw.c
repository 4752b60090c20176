/*
 * The update engine linked with the raw-only decoder table
 * (device/core/fwd_decode_raw.c), as the device programs without inflate
 * are: compressed updates are refused at BEGIN before anything is erased,
 * raw ones install. (test_device_core runs the same engine with deflate.)
 */
#include "check_util.h"
#include "fixtures.h"
#include "fwd_flash_sim.h"
#include "fwd_image.h"
#include "fwd_update.h"

static const struct fwd_slot app_slot = {FX_APP_ADDR, FX_APP_SIZE, 1};
static const uint8_t sid[FWP_SESSION_ID_LEN] = {7};

START_TEST(raw_only_refuses_deflate_and_takes_raw)
{
	struct fwd_flash_sim sim;
	ck_assert_int_eq(fwd_flash_sim_init(&sim, FX_FLASH_BASE, fx_f429_sectors), 0);
	struct fwd_flash fl = fwd_flash_sim_flash(&sim);
	struct fwd_policy pol = {&fx.pub, 1, 1u << FWP_IMAGE_TYPE_APP, 0, 428, NULL, 0};
	struct fwd_update_target t[1] = {{2, app_slot, pol}};
	struct fwd_update u;
	fwd_update_init(&u, &fl, t, 1);

	uint8_t *payload = fx_pattern(20000);
	struct fwp_image_params p = {0};
	p.type = FWP_IMAGE_TYPE_APP;
	p.version = (struct fwp_image_version){1, 0, 0, 0};
	p.slot_addr = app_slot.addr;
	p.load_addr = app_slot.addr + 0x200;
	p.vector_addr = p.load_addr;
	p.payload = payload;
	p.payload_len = 20000;
	struct fwp_buf img = {0};
	fx_image_sign(&p, fx.key, &img);
	free(payload);

	ck_assert(fwd_update_accepts(FWP_ENC_RAW));
	ck_assert(!fwd_update_accepts(FWP_ENC_DEFLATE));
	uint32_t off;
	uint8_t detail;
	uint32_t n = (uint32_t)img.len;
	ck_assert_int_eq(fwd_update_begin(&u, 2, FWP_ENC_DEFLATE, n, sid, img.data, &off, &detail),
			 FWP_ST_UNSUPPORTED);
	ck_assert_uint_eq(sim.erases, 0);
	ck_assert_int_eq(fwd_update_begin(&u, 2, FWP_ENC_RAW, n, sid, img.data, &off, &detail),
			 FWP_ST_OK);
	ck_assert_int_eq(fwd_update_data(&u, 0, img.data, n), FWP_ST_OK);
	ck_assert_int_eq(fwd_update_finish(&u, &detail), FWP_ST_OK);
	struct fwd_image out;
	ck_assert_int_eq(fwd_image_check(&fl, app_slot.addr, app_slot.size, &pol, &out),
			 FWD_IMAGE_OK);
	fwp_buf_free(&img);
	fwd_flash_sim_free(&sim);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("decode_raw");
	TCase *tc = tcase_create("raw");
	tcase_add_unchecked_fixture(tc, fx_setup, fx_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, raw_only_refuses_deflate_and_takes_raw);
	suite_add_tcase(s, tc);
	return run_suite(s);
}

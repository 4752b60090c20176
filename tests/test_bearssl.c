/*
 * Host signatures verify with BearSSL's P-256 code: br_ecdsa_i31_vrfy_raw
 * with br_ec_p256_m31, exactly what the device bootloader links. Also
 * BearSSL's SHA-256 agrees with the host's on image data.
 */
#include <bearssl.h>

#include "check_util.h"
#include "crypto.h"
#include "slotimage.h"

static int bearssl_verify(const uint8_t point[65], const uint8_t digest[32], const uint8_t sig[64])
{
	br_ec_public_key pk = {BR_EC_secp256r1, (unsigned char *)point, 65};
	return br_ecdsa_i31_vrfy_raw(&br_ec_p256_m31, digest, 32, &pk, sig, 64) == 1;
}

START_TEST(host_signatures_verify_with_bearssl)
{
	char *dir = tmpdir_new();
	char *priv = path_join(dir, "k.pem"), *pub = path_join(dir, "k.pub.pem");
	struct fwp_err err;
	struct fwp_key *k = NULL;
	uint8_t point[65], digest[32], sig[64], bdigest[32];
	ck_assert_int_eq(fwp_keygen(FWP_CURVE_P256, priv, pub, 0, &err), FWP_OK);
	ck_assert_int_eq(fwp_key_load(priv, &k, &err), FWP_OK);
	ck_assert_int_eq(fwp_key_public_point(k, point, &err), FWP_OK);

	for (unsigned n = 0; n < 64; n++) {
		/* Messages of varied lengths and contents, hashed by both libraries. */
		size_t len = 1 + n * 97;
		uint8_t *msg = malloc(len);
		for (size_t i = 0; i < len; i++)
			msg[i] = (uint8_t)(i * 31 + n);
		struct fwp_iov iov = {msg, len};
		ck_assert_int_eq(fwp_sha256(&iov, 1, digest, &err), FWP_OK);
		br_sha256_context sc;
		br_sha256_init(&sc);
		br_sha256_update(&sc, msg, len);
		br_sha256_out(&sc, bdigest);
		ck_assert_mem_eq(digest, bdigest, 32);
		free(msg);

		ck_assert_int_eq(fwp_ecdsa_sign_digest(k, digest, sig, &err), FWP_OK);
		ck_assert_msg(bearssl_verify(point, digest, sig), "BearSSL rejects signature %u", n);
		sig[n % 64] ^= 0x04;
		ck_assert(!bearssl_verify(point, digest, sig));
		sig[n % 64] ^= 0x04;
		digest[n % 32] ^= 0x80;
		ck_assert(!bearssl_verify(point, digest, sig));
	}
	fwp_key_free(k);
	free(priv);
	free(pub);
	tmpdir_remove(dir);
}
END_TEST

/* A whole image, checked the way the device will: digest then signature. */
START_TEST(image_verifies_with_bearssl)
{
	char *dir = tmpdir_new();
	char *priv = path_join(dir, "k.pem"), *pub = path_join(dir, "k.pub.pem");
	struct fwp_err err;
	struct fwp_key *k = NULL;
	uint8_t point[65], digest[32], sig[64], kh[32];
	ck_assert_int_eq(fwp_keygen(FWP_CURVE_P256, priv, pub, 0, &err), FWP_OK);
	ck_assert_int_eq(fwp_key_load(priv, &k, &err), FWP_OK);
	ck_assert_int_eq(fwp_key_public_point(k, point, &err), FWP_OK);
	uint8_t payload[3000];
	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i ^ (i >> 3));
	struct fwp_image_params p = {0};
	p.type = FWP_IMAGE_TYPE_LOADER;
	p.slot_addr = 0x08004000;
	p.load_addr = 0x08004200;
	p.vector_addr = 0x08004200;
	p.payload = payload;
	p.payload_len = sizeof(payload);
	struct fwp_buf img = {0};
	ck_assert_int_eq(fwp_image_begin(&p, &img, digest, &err), FWP_OK);
	ck_assert_int_eq(fwp_ecdsa_sign_digest(k, digest, sig, &err), FWP_OK);
	ck_assert_int_eq(fwp_key_hash(k, kh, &err), FWP_OK);
	ck_assert_int_eq(fwp_image_finish(&img, digest, kh, sig, &err), FWP_OK);

	struct fwp_image_info info;
	ck_assert_int_eq(fwp_image_parse(img.data, img.len, &info, &err), FWP_OK);
	br_sha256_context sc;
	uint8_t d[32];
	br_sha256_init(&sc);
	br_sha256_update(&sc, info.signed_data, info.signed_len);
	br_sha256_out(&sc, d);
	ck_assert_mem_eq(d, info.sha256, 32);
	br_sha256_init(&sc);
	br_sha256_update(&sc, point, 65);
	br_sha256_out(&sc, d);
	ck_assert_mem_eq(d, info.keyhash, 32);
	ck_assert(bearssl_verify(point, info.sha256, info.sig));
	fwp_buf_free(&img);
	fwp_key_free(k);
	free(priv);
	free(pub);
	tmpdir_remove(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("bearssl");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, host_signatures_verify_with_bearssl);
	tcase_add_test(tc, image_verifies_with_bearssl);
	suite_add_tcase(s, tc);
	return run_suite(s);
}

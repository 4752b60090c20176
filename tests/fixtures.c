/* Test fixtures (fixtures.h); failures end the test with Check's asserts. */
#include "fixtures.h"

#include "check_util.h"

const uint32_t fx_f429_sectors[] = {16384,  16384,  16384,  16384,  65536,  131072, 131072,
				    131072, 131072, 131072, 131072, 131072, 0};

void fx_keys_new(struct fx_keys *k)
{
	struct fwp_err err;
	memset(k, 0, sizeof(*k));
	k->dir = tmpdir_new();
	k->key_path = path_join(k->dir, "k.pem");
	k->pub_path = path_join(k->dir, "k.pub.pem");
	k->other_path = path_join(k->dir, "other.pem");
	k->other_pub_path = path_join(k->dir, "other.pub.pem");
	ck_assert_int_eq(fwp_keygen(FWP_CURVE_P256, k->key_path, k->pub_path, 0, &err), FWP_OK);
	ck_assert_int_eq(fwp_keygen(FWP_CURVE_P256, k->other_path, k->other_pub_path, 0, &err),
			 FWP_OK);
	ck_assert_int_eq(fwp_key_load(k->key_path, &k->key, &err), FWP_OK);
	ck_assert_int_eq(fwp_key_load(k->other_path, &k->other, &err), FWP_OK);
	ck_assert_int_eq(fwp_key_public_point(k->key, k->pub, &err), FWP_OK);
	ck_assert_int_eq(fwp_key_public_point(k->other, k->other_pub, &err), FWP_OK);
}

void fx_keys_free(struct fx_keys *k)
{
	fwp_key_free(k->key);
	fwp_key_free(k->other);
	free(k->key_path);
	free(k->pub_path);
	free(k->other_path);
	free(k->other_pub_path);
	tmpdir_remove(k->dir);
	memset(k, 0, sizeof(*k));
}

struct fx_keys fx;

void fx_setup(void)
{
	fx_keys_new(&fx);
}

void fx_teardown(void)
{
	fx_keys_free(&fx);
}

uint8_t *fx_pattern(size_t len)
{
	uint8_t *p = malloc(len ? len : 1);
	ck_assert_ptr_nonnull(p);
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(i * 13 + 7);
	return p;
}

void fx_image_sign(const struct fwp_image_params *p, struct fwp_key *signer, struct fwp_buf *out)
{
	struct fwp_err err;
	uint8_t digest[32], sig[64], kh[32];
	ck_assert_msg(fwp_image_begin(p, out, digest, &err) == FWP_OK, "%s", err.msg);
	ck_assert_int_eq(fwp_ecdsa_sign_digest(signer, digest, sig, &err), FWP_OK);
	ck_assert_int_eq(fwp_key_hash(signer, kh, &err), FWP_OK);
	ck_assert_int_eq(fwp_image_finish(out, digest, kh, sig, &err), FWP_OK);
}

/*
 * Host signatures verify with BearSSL's P-256 code: br_ecdsa_i31_vrfy_raw
 * with br_ec_p256_m31, exactly what the device bootloader links, given the
 * public point as fwp_key_public_point writes it. BearSSL's SHA-256 agrees
 * with the host's, and BearSSL refuses tampered signatures and digests.
 */
#include <bearssl.h>

#include "check_util.h"
#include "crypto.h"

static int bearssl_verify(const uint8_t point[65], const uint8_t digest[32], const uint8_t sig[64])
{
	uint8_t q[65];
	memcpy(q, point, sizeof(q)); /* BearSSL's key struct wants a mutable pointer */
	br_ec_public_key pk = {BR_EC_secp256r1, q, sizeof(q)};
	return br_ecdsa_i31_vrfy_raw(&br_ec_p256_m31, digest, 32, &pk, sig, 64) == 1;
}

static void bearssl_sha256(const struct fwp_iov *parts, size_t n, uint8_t out[32])
{
	br_sha256_context sc;
	br_sha256_init(&sc);
	for (size_t i = 0; i < n; i++)
		br_sha256_update(&sc, parts[i].data, parts[i].len);
	br_sha256_out(&sc, out);
}

static void unhex(const char *h, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		ck_assert_int_eq(sscanf(h + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

/* A fresh P-256 key pair from fwp_keygen, loaded back; dir receives the files. */
static struct fwp_key *new_key(const char *dir, const char *name)
{
	char pubname[64];
	snprintf(pubname, sizeof(pubname), "%s.pub", name);
	char *priv = path_join(dir, name), *pub = path_join(dir, pubname);
	struct fwp_err err;
	struct fwp_key *k = NULL;
	ck_assert_msg(fwp_keygen(FWP_CURVE_P256, priv, pub, 0, &err) == FWP_OK, "%s", err.msg);
	ck_assert_msg(fwp_key_load(priv, &k, &err) == FWP_OK, "%s", err.msg);
	free(priv);
	free(pub);
	return k;
}

START_TEST(sha256_agrees)
{
	/* Lengths around the 55/56/64-byte padding boundaries and beyond. */
	static const size_t lens[] = {0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 128, 1000, 65537};
	struct fwp_err err;
	uint8_t *msg = malloc(65537);
	for (size_t i = 0; i < 65537; i++)
		msg[i] = (uint8_t)(i * 31 + (i >> 8));
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		size_t len = lens[i], cut = len / 3;
		uint8_t host[32], dev[32];
		struct fwp_iov whole = {msg, len};
		ck_assert_int_eq(fwp_sha256(&whole, 1, host, &err), FWP_OK);
		bearssl_sha256(&whole, 1, dev);
		ck_assert_mem_eq(host, dev, 32);
		/* In parts on the host, in one piece on BearSSL's side. */
		struct fwp_iov parts[3] = {{msg, cut}, {msg + cut, 0}, {msg + cut, len - cut}};
		ck_assert_int_eq(fwp_sha256(parts, 3, host, &err), FWP_OK);
		ck_assert_mem_eq(host, dev, 32);
	}
	free(msg);
}
END_TEST

START_TEST(host_signatures_verify_with_bearssl)
{
	char *dir = tmpdir_new();
	struct fwp_err err;
	struct fwp_key *keys[3] = {new_key(dir, "a.pem"), new_key(dir, "b.pem"),
				   new_key(dir, "c.pem")};
	uint8_t points[3][65], digest[32], sig[64];
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(fwp_key_public_point(keys[i], points[i], &err), FWP_OK);

	for (unsigned n = 0; n < 96; n++) {
		int ki = (int)(n % 3);
		const uint8_t *point = points[ki];
		/* Messages of varied lengths and contents, hashed by the host. */
		size_t len = 1 + n * 97;
		uint8_t *msg = malloc(len);
		for (size_t i = 0; i < len; i++)
			msg[i] = (uint8_t)(i * 31 + n);
		struct fwp_iov iov = {msg, len};
		ck_assert_int_eq(fwp_sha256(&iov, 1, digest, &err), FWP_OK);
		free(msg);

		ck_assert_int_eq(fwp_ecdsa_sign_digest(keys[ki], digest, sig, &err), FWP_OK);
		ck_assert_msg(bearssl_verify(point, digest, sig), "BearSSL rejects signature %u", n);
		/* Tampered r, tampered s, tampered digest, another key: all refused. */
		sig[n % 32] ^= 0x04;
		ck_assert(!bearssl_verify(point, digest, sig));
		sig[n % 32] ^= 0x04;
		sig[32 + n % 32] ^= 0x20;
		ck_assert(!bearssl_verify(point, digest, sig));
		sig[32 + n % 32] ^= 0x20;
		digest[n % 32] ^= 0x80;
		ck_assert(!bearssl_verify(point, digest, sig));
		digest[n % 32] ^= 0x80;
		ck_assert(!bearssl_verify(points[(ki + 1) % 3], digest, sig));
		ck_assert(bearssl_verify(point, digest, sig));
	}
	for (int i = 0; i < 3; i++)
		fwp_key_free(keys[i]);
	tmpdir_remove(dir);
}
END_TEST

/*
 * The RFC 6979 A.2.5 key: its published signature verifies with BearSSL,
 * and r or s with leading zero bytes (padded to 32 by the host) do too.
 */
START_TEST(rfc6979_key_and_short_r_s)
{
	static const uint8_t sec1[] = {
		0x30, 0x31, 0x02, 0x01, 0x01, 0x04, 0x20, 0xC9, 0xAF, 0xA9, 0xD8, 0x45, 0xBA,
		0x75, 0x16, 0x6B, 0x5C, 0x21, 0x57, 0x67, 0xB1, 0xD6, 0x93, 0x4E, 0x50, 0xC3,
		0xDB, 0x36, 0xE8, 0x9B, 0x12, 0x7B, 0x8A, 0x62, 0x2B, 0x12, 0x0F, 0x67, 0x21,
		0xa0, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
	char *dir = tmpdir_new();
	char *path = path_join(dir, "rfc.der");
	struct fwp_err err;
	struct fwp_key *k = NULL;
	uint8_t point[65], digest[32], sig[64], want[64];
	write_file(dir, "rfc.der", sec1, sizeof(sec1));
	ck_assert_msg(fwp_key_load(path, &k, &err) == FWP_OK, "%s", err.msg);
	ck_assert_int_eq(fwp_key_public_point(k, point, &err), FWP_OK);

	struct fwp_iov iov = {"sample", 6};
	ck_assert_int_eq(fwp_sha256(&iov, 1, digest, &err), FWP_OK);
	ck_assert_int_eq(fwp_ecdsa_sign_digest(k, digest, sig, &err), FWP_OK);
	unhex("EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716", want, 32);
	unhex("F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8", want + 32, 32);
	ck_assert_mem_eq(sig, want, 64);
	ck_assert(bearssl_verify(point, digest, sig));

	/* About one signature in 256 has r < 2^248, and as many s: find both. */
	int short_r = 0, short_s = 0;
	for (uint32_t n = 0; n < 20000 && !(short_r && short_s); n++) {
		struct fwp_iov c = {&n, sizeof(n)};
		ck_assert_int_eq(fwp_sha256(&c, 1, digest, &err), FWP_OK);
		ck_assert_int_eq(fwp_ecdsa_sign_digest(k, digest, sig, &err), FWP_OK);
		if (sig[0] != 0 && sig[32] != 0)
			continue;
		short_r += sig[0] == 0;
		short_s += sig[32] == 0;
		ck_assert_msg(bearssl_verify(point, digest, sig), "BearSSL rejects a short r or s");
	}
	ck_assert(short_r && short_s);
	fwp_key_free(k);
	free(path);
	tmpdir_remove(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("bearssl");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, sha256_agrees);
	tcase_add_test(tc, host_signatures_verify_with_bearssl);
	tcase_add_test(tc, rfc6979_key_and_short_r_s);
	suite_add_tcase(s, tc);
	return run_suite(s);
}

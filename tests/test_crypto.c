/*
 * Host crypto: SHA-256 vectors, the RFC 6979 P-256 vector (deterministic
 * signatures), sign/verify on both curves, every key format the openssl
 * command writes, raw public keys, signature decoding, key generation.
 */
#include <stdarg.h>
#include <sys/stat.h>

#include "check_util.h"
#include "crypto.h"

static void unhex(const char *h, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		ck_assert_int_eq(sscanf(h + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

START_TEST(sha256_vectors)
{
	struct {
		const char *msg, *hex;
	} v[] = {
		{"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		{"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		 "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
	};
	struct fwp_err err;
	for (size_t i = 0; i < 3; i++) {
		uint8_t want[32], got[32];
		unhex(v[i].hex, want, 32);
		struct fwp_iov iov = {v[i].msg, strlen(v[i].msg)};
		ck_assert_int_eq(fwp_sha256(&iov, 1, got, &err), FWP_OK);
		ck_assert_mem_eq(got, want, 32);
	}
	/* Split into parts: the same digest. */
	const char *m = v[2].msg;
	struct fwp_iov parts[3] = {{m, 5}, {m + 5, 0}, {m + 5, strlen(m) - 5}};
	uint8_t whole[32], split[32];
	unhex(v[2].hex, whole, 32);
	ck_assert_int_eq(fwp_sha256(parts, 3, split, &err), FWP_OK);
	ck_assert_mem_eq(split, whole, 32);
}
END_TEST

static char *dir;

static void dir_setup(void)
{
	dir = tmpdir_new();
}

static void dir_teardown(void)
{
	tmpdir_remove(dir);
}

/* Run an openssl command line in the temp dir; "%O" is the openssl command. */
static void sh(const char *fmt, ...)
{
	char cmd[2048], line[1800];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	const char *o = getenv("OPENSSL") ? getenv("OPENSSL") : "openssl";
	snprintf(cmd, sizeof(cmd), "cd '%s' && O='%s' && %s 2>/dev/null", dir, o, line);
	ck_assert_msg(system(cmd) == 0, "failed: %s", line);
}

static struct fwp_key *load_ok(const char *name)
{
	char *p = path_join(dir, name);
	struct fwp_key *k = NULL;
	struct fwp_err err;
	ck_assert_msg(fwp_key_load(p, &k, &err) == FWP_OK, "%s: %s", name, err.msg);
	free(p);
	return k;
}

static int load_rc(const char *name, struct fwp_err *err)
{
	char *p = path_join(dir, name);
	struct fwp_key *k = NULL;
	int rc = fwp_key_load(p, &k, err);
	fwp_key_free(k);
	free(p);
	return rc;
}

/* RFC 6979 A.2.5, P-256 with SHA-256, message "sample". */
START_TEST(rfc6979_p256_sample)
{
	static const char *x = "C9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721";
	static const char *r = "EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716";
	static const char *s = "F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8";
	/* The SEC1 DER private key around that scalar, turned into PEM by openssl. */
	sh("printf '3031020101' > sec1.hex && printf '0420%s' >> sec1.hex && "
	   "printf 'a00a06082a8648ce3d030107' >> sec1.hex && "
	   "perl -ne 'print pack(\"H*\", $_)' sec1.hex > sec1.der", x);
	sh("$O ec -inform DER -in sec1.der -out k.pem");
	struct fwp_key *k = load_ok("k.pem");
	uint8_t digest[32], sig[64], want[64];
	struct fwp_iov iov = {"sample", 6};
	struct fwp_err err;
	ck_assert_int_eq(fwp_sha256(&iov, 1, digest, &err), FWP_OK);
	ck_assert_msg(fwp_ecdsa_sign_digest(k, digest, sig, &err) == FWP_OK, "%s", err.msg);
	unhex(r, want, 32);
	unhex(s, want + 32, 32);
	ck_assert_mem_eq(sig, want, 64);
	fwp_key_free(k);
}
END_TEST

static void round_trip(struct fwp_key *priv, struct fwp_key *pub, struct fwp_key *other)
{
	struct fwp_err err;
	uint8_t d[32], sig[64], sig2[64];
	for (int i = 0; i < 32; i++)
		d[i] = (uint8_t)(i * 13);
	ck_assert_int_eq(fwp_ecdsa_sign_digest(priv, d, sig, &err), FWP_OK);
	ck_assert_int_eq(fwp_ecdsa_sign_digest(priv, d, sig2, &err), FWP_OK);
	ck_assert_mem_eq(sig, sig2, 64); /* deterministic */
	ck_assert_int_eq(fwp_ecdsa_verify_digest(pub, d, sig, &err), FWP_OK);
	ck_assert_int_eq(fwp_ecdsa_verify_digest(priv, d, sig, &err), FWP_OK);
	ck_assert_int_eq(fwp_ecdsa_verify_digest(other, d, sig, &err), FWP_ERR_VERIFY);
	d[0] ^= 1;
	ck_assert_int_eq(fwp_ecdsa_verify_digest(pub, d, sig, &err), FWP_ERR_VERIFY);
	d[0] ^= 1;
	sig[5] ^= 0x10; /* r */
	ck_assert_int_eq(fwp_ecdsa_verify_digest(pub, d, sig, &err), FWP_ERR_VERIFY);
	sig[5] ^= 0x10;
	sig[40] ^= 0x01; /* s */
	ck_assert_int_eq(fwp_ecdsa_verify_digest(pub, d, sig, &err), FWP_ERR_VERIFY);
	/* a public key cannot sign */
	ck_assert_int_eq(fwp_ecdsa_sign_digest(pub, d, sig, &err), FWP_ERR_ARG);
}

START_TEST(sign_verify_both_curves)
{
	sh("$O ecparam -name prime256v1 -genkey -noout -out p.pem && $O ec -in p.pem -pubout -out p.pub");
	sh("$O ecparam -name prime256v1 -genkey -noout -out q.pem");
	sh("$O ecparam -name secp256k1 -genkey -noout -out k.pem && $O ec -in k.pem -pubout -out k.pub");
	sh("$O ecparam -name secp256k1 -genkey -noout -out l.pem");
	struct fwp_key *p = load_ok("p.pem"), *pp = load_ok("p.pub"), *q = load_ok("q.pem");
	struct fwp_key *k = load_ok("k.pem"), *kp = load_ok("k.pub"), *l = load_ok("l.pem");
	ck_assert_int_eq(fwp_key_curve(p), FWP_CURVE_P256);
	ck_assert_int_eq(fwp_key_curve(k), FWP_CURVE_SECP256K1);
	ck_assert(fwp_key_is_private(p));
	ck_assert(!fwp_key_is_private(pp));
	round_trip(p, pp, q);
	round_trip(k, kp, l);
	fwp_key_free(p);
	fwp_key_free(pp);
	fwp_key_free(q);
	fwp_key_free(k);
	fwp_key_free(kp);
	fwp_key_free(l);
}
END_TEST

START_TEST(every_openssl_key_format)
{
	struct fwp_err err;
	sh("$O ecparam -name prime256v1 -genkey -out sec1-params.pem"); /* with EC PARAMETERS */
	sh("$O ec -in sec1-params.pem -out sec1.pem");
	sh("$O ec -in sec1.pem -outform DER -out sec1.der");
	sh("$O genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out pkcs8.pem");
	sh("$O pkcs8 -topk8 -nocrypt -in sec1.pem -out topk8.pem");
	sh("$O pkcs8 -topk8 -nocrypt -in sec1.pem -outform DER -out pkcs8.der");
	sh("$O pkcs8 -topk8 -v2 aes-256-cbc -passout pass:s3cret -in sec1.pem -out enc.pem");
	sh("$O pkcs8 -topk8 -v2 aes-256-cbc -passout pass:s3cret -in sec1.pem -outform DER -out enc.der");
	sh("$O ec -in sec1.pem -pubout -out pub.pem");
	sh("$O ec -in sec1.pem -pubout -outform DER -out pub.der");
	static const char *const ok[] = {"sec1-params.pem", "sec1.pem", "sec1.der", "pkcs8.pem",
					 "topk8.pem",       "pkcs8.der", "pub.pem",  "pub.der"};
	uint8_t h0[32], h[32];
	struct fwp_key *k0 = load_ok("sec1.pem");
	ck_assert_int_eq(fwp_key_hash(k0, h0, &err), FWP_OK);
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		struct fwp_key *k = load_ok(ok[i]);
		ck_assert_int_eq(fwp_key_curve(k), FWP_CURVE_P256);
		if (strcmp(ok[i], "pkcs8.pem") != 0) { /* all but the fresh genpkey one */
			ck_assert_int_eq(fwp_key_hash(k, h, &err), FWP_OK);
			ck_assert_mem_eq(h, h0, 32);
		}
		ck_assert_int_eq(fwp_key_is_private(k), strncmp(ok[i], "pub", 3) != 0);
		fwp_key_free(k);
	}
	fwp_key_free(k0);

	/* Encrypted: without the passphrase a clear error, with it the key. */
	unsetenv("FWPACK_KEY_PASSPHRASE");
	ck_assert_int_eq(load_rc("enc.pem", &err), FWP_ERR_ARG);
	ck_assert_ptr_nonnull(strstr(err.msg, "encrypted; set FWPACK_KEY_PASSPHRASE"));
	setenv("FWPACK_KEY_PASSPHRASE", "wrong", 1);
	ck_assert_int_eq(load_rc("enc.pem", &err), FWP_ERR_CRYPTO);
	setenv("FWPACK_KEY_PASSPHRASE", "s3cret", 1);
	ck_assert_int_eq(load_rc("enc.pem", &err), FWP_OK);
	ck_assert_int_eq(load_rc("enc.der", &err), FWP_OK);
	unsetenv("FWPACK_KEY_PASSPHRASE");
}
END_TEST

START_TEST(unusable_keys_refused)
{
	struct fwp_err err;
	sh("$O genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out rsa.pem");
	sh("$O ecparam -name secp384r1 -genkey -noout -out p384.pem");
	sh("$O genpkey -algorithm ED25519 -out ed.pem");
	sh("head -c 300 /dev/urandom > garbage.pem");
	ck_assert_int_eq(load_rc("rsa.pem", &err), FWP_ERR_UNSUPPORTED);
	ck_assert_msg(strstr(err.msg, "rsa.pem: RSA key; fwpack needs an EC key on P-256") != NULL,
		      "%s", err.msg);
	ck_assert_int_eq(load_rc("p384.pem", &err), FWP_ERR_UNSUPPORTED);
	ck_assert_msg(strstr(err.msg, "p384.pem: EC key on secp384r1") != NULL, "%s", err.msg);
	ck_assert_int_eq(load_rc("ed.pem", &err), FWP_ERR_UNSUPPORTED);
	ck_assert_int_eq(load_rc("garbage.pem", &err), FWP_ERR_FORMAT);
	ck_assert_ptr_nonnull(strstr(err.msg, "garbage.pem: not a key"));
	ck_assert_int_eq(load_rc("missing.pem", &err), FWP_ERR_NOT_FOUND);
}
END_TEST

START_TEST(raw_public_keys)
{
	struct fwp_err err;
	sh("$O ecparam -name prime256v1 -genkey -noout -out p.pem");
	struct fwp_key *k = load_ok("p.pem"), *r64 = NULL, *r65 = NULL, *bad = NULL;
	uint8_t pt[65], h[32], h64[32], d[32] = {1}, sig[64];
	ck_assert_int_eq(fwp_key_public_point(k, pt, &err), FWP_OK);
	ck_assert_uint_eq(pt[0], 4);
	ck_assert_int_eq(fwp_key_from_raw_public(FWP_CURVE_P256, pt + 1, 64, &r64, &err), FWP_OK);
	ck_assert_int_eq(fwp_key_from_raw_public(FWP_CURVE_P256, pt, 65, &r65, &err), FWP_OK);
	ck_assert_int_eq(fwp_key_hash(k, h, &err), FWP_OK);
	ck_assert_int_eq(fwp_key_hash(r64, h64, &err), FWP_OK);
	ck_assert_mem_eq(h, h64, 32);
	ck_assert_int_eq(fwp_ecdsa_sign_digest(k, d, sig, &err), FWP_OK);
	ck_assert_int_eq(fwp_ecdsa_verify_digest(r65, d, sig, &err), FWP_OK);
	pt[64] ^= 1; /* no longer on the curve */
	ck_assert_int_eq(fwp_key_from_raw_public(FWP_CURVE_P256, pt + 1, 64, &bad, &err),
			 FWP_ERR_FORMAT);
	ck_assert_int_eq(fwp_key_from_raw_public(FWP_CURVE_P256, pt, 63, &bad, &err), FWP_ERR_FORMAT);
	fwp_key_free(k);
	fwp_key_free(r64);
	fwp_key_free(r65);
}
END_TEST

START_TEST(signature_decoding)
{
	struct fwp_err err;
	uint8_t d[32], sig[64];
	sh("$O ecparam -name prime256v1 -genkey -noout -out p.pem");
	sh("printf 'fwpack digest test, 32 bytes..!!' > d.bin");
	sh("$O pkeyutl -sign -inkey p.pem -in d.bin -out d.sig");
	struct fwp_key *k = load_ok("p.pem");
	struct fwp_buf der = {0}, dig = {0};
	ck_assert(read_back(dir, "d.sig", &der));
	ck_assert(read_back(dir, "d.bin", &dig));
	ck_assert_uint_eq(dig.len, 32);
	memcpy(d, dig.data, 32);
	ck_assert_int_eq(fwp_ecdsa_sig_decode(der.data, der.len, sig, &err), FWP_OK);
	ck_assert_int_eq(fwp_ecdsa_verify_digest(k, d, sig, &err), FWP_OK);
	/* raw and hex forms */
	uint8_t again[64];
	char hex[2 * 64 + 2];
	ck_assert_int_eq(fwp_ecdsa_sig_decode(sig, 64, again, &err), FWP_OK);
	ck_assert_mem_eq(again, sig, 64);
	fwp_hex(sig, 64, hex);
	strcat(hex, "\n");
	ck_assert_int_eq(fwp_ecdsa_sig_decode((uint8_t *)hex, strlen(hex), again, &err), FWP_OK);
	ck_assert_mem_eq(again, sig, 64);
	/* DER with trailing bytes, garbage, odd hex */
	fwp_buf_append(&der, "x", 1, NULL);
	ck_assert_int_eq(fwp_ecdsa_sig_decode(der.data, der.len, again, &err), FWP_ERR_FORMAT);
	ck_assert_int_eq(fwp_ecdsa_sig_decode((const uint8_t *)"garbage", 7, again, &err),
			 FWP_ERR_FORMAT);
	ck_assert_int_eq(fwp_ecdsa_sig_decode((const uint8_t *)"abc", 3, again, &err),
			 FWP_ERR_FORMAT);
	fwp_buf_free(&der);
	fwp_buf_free(&dig);
	fwp_key_free(k);
}
END_TEST

START_TEST(keygen_files)
{
	struct fwp_err err;
	struct stat st;
	umask(022);
	char *priv = path_join(dir, "g.pem"), *pub = path_join(dir, "g.pub.pem");
	ck_assert_int_eq(fwp_keygen(FWP_CURVE_P256, priv, pub, 0, &err), FWP_OK);
	ck_assert_int_eq(stat(priv, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0600);
	ck_assert_int_eq(stat(pub, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0644);
	struct fwp_key *a = load_ok("g.pem"), *b = load_ok("g.pub.pem");
	uint8_t ha[32], hb[32];
	ck_assert_int_eq(fwp_key_hash(a, ha, &err), FWP_OK);
	ck_assert_int_eq(fwp_key_hash(b, hb, &err), FWP_OK);
	ck_assert_mem_eq(ha, hb, 32);
	fwp_key_free(a);
	fwp_key_free(b);
	ck_assert_int_eq(fwp_keygen(FWP_CURVE_P256, priv, pub, 0, &err), FWP_ERR_ARG);
	ck_assert_ptr_nonnull(strstr(err.msg, "exists (use --force to overwrite)"));
	ck_assert_int_eq(fwp_keygen(FWP_CURVE_SECP256K1, priv, pub, 1, &err), FWP_OK);
	a = load_ok("g.pem");
	ck_assert_int_eq(fwp_key_curve(a), FWP_CURVE_SECP256K1);
	fwp_key_free(a);
	sh("$O pkey -in g.pem -noout"); /* openssl reads what we write */
	free(priv);
	free(pub);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("crypto");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, dir_setup, dir_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, sha256_vectors);
	tcase_add_test(tc, rfc6979_p256_sample);
	tcase_add_test(tc, sign_verify_both_curves);
	tcase_add_test(tc, every_openssl_key_format);
	tcase_add_test(tc, unusable_keys_refused);
	tcase_add_test(tc, raw_public_keys);
	tcase_add_test(tc, signature_decoding);
	tcase_add_test(tc, keygen_files);
	suite_add_tcase(s, tc);
	return run_suite(s);
}

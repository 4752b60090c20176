/*
 * Host crypto: SHA-256 vectors, the RFC 6979 P-256 vectors (deterministic
 * signatures), sign/verify on both curves, every key format the openssl
 * command writes, raw public keys, signature decoding, key generation.
 *
 * Key files are made at test time by the openssl command ($OPENSSL, or
 * openssl from PATH) in a temporary directory per test.
 */
#include <ctype.h>
#include <stdarg.h>
#include <sys/stat.h>

#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>

#include "check_util.h"
#include "crypto.h"

static void unhex(const char *h, uint8_t *out, size_t n)
{
	ck_assert_uint_eq(strlen(h), 2 * n);
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		ck_assert_int_eq(sscanf(h + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

static void sha256_str(const char *s, uint8_t out[32])
{
	struct fwp_iov iov = {s, strlen(s)};
	struct fwp_err err;
	ck_assert_int_eq(fwp_sha256(&iov, 1, out, &err), FWP_OK);
}

/* ---- SHA-256 ---- */

static const char abc448[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
static const char abc448_hex[] = "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1";

START_TEST(sha256_vectors)
{
	static const struct {
		const char *msg, *hex;
	} v[] = {
		{"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		{abc448, abc448_hex},
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		uint8_t want[32], got[32];
		unhex(v[i].hex, want, 32);
		sha256_str(v[i].msg, got);
		ck_assert_mem_eq(got, want, 32);
	}
	/* No parts at all is the empty message. */
	uint8_t want[32], got[32];
	struct fwp_err err;
	unhex(v[0].hex, want, 32);
	ck_assert_int_eq(fwp_sha256(NULL, 0, got, &err), FWP_OK);
	ck_assert_mem_eq(got, want, 32);
}
END_TEST

START_TEST(sha256_split)
{
	/* Every split of the 448-bit vector into three parts, one of them empty. */
	size_t len = strlen(abc448);
	uint8_t want[32], got[32];
	struct fwp_err err;
	unhex(abc448_hex, want, 32);
	for (size_t cut = 0; cut <= len; cut++) {
		struct fwp_iov parts[3] = {{abc448, cut}, {"", 0}, {abc448 + cut, len - cut}};
		ck_assert_int_eq(fwp_sha256(parts, 3, got, &err), FWP_OK);
		ck_assert_mem_eq(got, want, 32);
	}
	/* One million 'a' (FIPS 180-2 appendix B.3) in 1000 parts. */
	char a[1000];
	struct fwp_iov *iov = malloc(1000 * sizeof(*iov));
	memset(a, 'a', sizeof(a));
	for (size_t i = 0; i < 1000; i++)
		iov[i] = (struct fwp_iov){a, sizeof(a)};
	unhex("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0", want, 32);
	ck_assert_int_eq(fwp_sha256(iov, 1000, got, &err), FWP_OK);
	ck_assert_mem_eq(got, want, 32);
	free(iov);
}
END_TEST

/* ---- a temporary directory and the openssl command ---- */

static char *dir;

static void dir_setup(void)
{
	dir = tmpdir_new();
}

static void dir_teardown(void)
{
	tmpdir_remove(dir);
}

/* Run a shell command line in the temp dir; $O in it is the openssl command. */
static void sh(const char *fmt, ...)
{
	char cmd[2048], line[1800];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	const char *o = getenv("OPENSSL") ? getenv("OPENSSL") : "openssl";
	snprintf(cmd, sizeof(cmd), "cd '%s' && O='%s' && { %s; } >/dev/null 2>&1", dir, o, line);
	ck_assert_msg(system(cmd) == 0, "failed: %s", line);
}

static struct fwp_key *load_ok(const char *name)
{
	char *p = path_join(dir, name);
	struct fwp_key *k = NULL;
	struct fwp_err err;
	ck_assert_msg(fwp_key_load(p, &k, &err) == FWP_OK, "%s: %s", name, err.msg);
	ck_assert_ptr_nonnull(k);
	free(p);
	return k;
}

/* Load a key that must fail; the message must name the file. */
static int load_fails(const char *name, struct fwp_err *err)
{
	char *p = path_join(dir, name);
	struct fwp_key *k = (struct fwp_key *)1;
	int rc = fwp_key_load(p, &k, err);
	ck_assert_msg(rc < 0, "%s loaded", name);
	ck_assert_ptr_null(k);
	ck_assert_int_eq(err->code, rc);
	ck_assert_msg(strncmp(err->msg, p, strlen(p)) == 0, "%s", err->msg);
	ck_assert_msg(ERR_peek_error() == 0, "OpenSSL error queue not cleared");
	free(p);
	return rc;
}

static void assert_msg_has(const struct fwp_err *err, const char *part)
{
	ck_assert_msg(strstr(err->msg, part) != NULL, "\"%s\" not in \"%s\"", part, err->msg);
}

/* ---- RFC 6979 ---- */

/*
 * A SEC1 ECPrivateKey in DER around a private scalar, without the optional
 * public key (OpenSSL computes it): the key straight from the RFC's numbers.
 */
static void write_sec1_der(const char *name, enum fwp_curve curve, const char *x_hex)
{
	static const uint8_t p256_oid[] = {0xa0, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48,
					   0xce, 0x3d, 0x03, 0x01, 0x07};
	static const uint8_t k1_oid[] = {0xa0, 0x07, 0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x0a};
	const uint8_t *oid = curve == FWP_CURVE_P256 ? p256_oid : k1_oid;
	size_t oid_len = curve == FWP_CURVE_P256 ? sizeof(p256_oid) : sizeof(k1_oid);
	uint8_t der[64];
	size_t n = 0;
	der[n++] = 0x30;
	der[n++] = (uint8_t)(3 + 34 + oid_len);
	memcpy(der + n, "\x02\x01\x01\x04\x20", 5);
	n += 5;
	unhex(x_hex, der + n, 32);
	n += 32;
	memcpy(der + n, oid, oid_len);
	n += oid_len;
	write_file(dir, name, der, n);
}

static const char rfc_x[] = "C9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721";

static void assert_signature(struct fwp_key *k, const uint8_t digest[32], const char *r_hex,
			     const char *s_hex)
{
	uint8_t sig[64], want[64];
	struct fwp_err err;
	ck_assert_msg(fwp_ecdsa_sign_digest(k, digest, sig, &err) == FWP_OK, "%s", err.msg);
	unhex(r_hex, want, 32);
	unhex(s_hex, want + 32, 32);
	ck_assert_mem_eq(sig, want, 64);
	ck_assert_int_eq(fwp_ecdsa_verify_digest(k, digest, sig, &err), FWP_OK);
}

static void assert_message_signature(struct fwp_key *k, const char *msg, const char *r_hex,
				     const char *s_hex)
{
	uint8_t digest[32];
	sha256_str(msg, digest);
	assert_signature(k, digest, r_hex, s_hex);
}

/* RFC 6979 A.2.5: P-256, SHA-256, messages "sample" and "test". */
START_TEST(rfc6979_p256)
{
	struct fwp_err err;
	uint8_t point[65], want[65];
	write_sec1_der("rfc.der", FWP_CURVE_P256, rfc_x);
	sh("$O ec -inform DER -in rfc.der -out rfc.pem");
	sh("$O pkcs8 -topk8 -nocrypt -in rfc.pem -out rfc.p8");
	/* The same key from three files: the same signatures. */
	static const char *const files[] = {"rfc.der", "rfc.pem", "rfc.p8"};
	for (size_t i = 0; i < 3; i++) {
		struct fwp_key *k = load_ok(files[i]);
		ck_assert_int_eq(fwp_key_curve(k), FWP_CURVE_P256);
		ck_assert_int_eq(fwp_key_public_point(k, point, &err), FWP_OK);
		want[0] = 4;
		unhex("60FED4BA255A9D31C961EB74C6356D68C049B8923B61FA6CE669622E60F29FB6", want + 1,
		      32);
		unhex("7903FE1008B8BC99A41AE9E95628BC64F2F1B20C2D7E9F5177A3C294D4462299", want + 33,
		      32);
		ck_assert_mem_eq(point, want, 65);
		assert_message_signature(
			k, "sample", "EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716",
			"F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8");
		assert_message_signature(
			k, "test", "F1ABB023518351CD71D881567B1EA663ED3EFCF6C5132B354F28D3B0B7D38367",
			"019F4113742A2B14BD25926B49C649155F267E60D3814B4C0CC84250E46F0083");
		fwp_key_free(k);
	}
}
END_TEST

/*
 * The RFC has no secp256k1 vectors: these, for the RFC's private scalar,
 * come from python-ecdsa 0.18 (sign_deterministic, SHA-256), an independent
 * implementation. The all-ones digest is larger than both group orders, so
 * it checks that bits2octets reduces it.
 */
START_TEST(rfc6979_secp256k1_and_large_digest)
{
	uint8_t ones[32];
	memset(ones, 0xff, sizeof(ones));
	write_sec1_der("k1.der", FWP_CURVE_SECP256K1, rfc_x);
	struct fwp_key *k = load_ok("k1.der");
	ck_assert_int_eq(fwp_key_curve(k), FWP_CURVE_SECP256K1);
	assert_message_signature(
		k, "sample", "432310E32CB80EB6503A26CE83CC165C783B870845FB8AAD6D970889FCD7A6C8",
		"530128B6B81C548874A6305D93ED071CA6E05074D85863D4056CE89B02BFAB69");
	assert_message_signature(
		k, "test", "F2ADCEA7139057BE6409855EE96D008E0E5B5F532333EC17448E26A36F47BCB2",
		"570C9D342779B40F513C0D75CBF93E3F3DE7B01F6593F17BFC2EE87151414D64");
	assert_signature(k, ones, "0F3DC2DB1F3CC8669775D00FBAEF097FE5149A11223E1385B78014055A5BB564",
			 "31956BE8F43C54EB558CF3F446C6BE775CC7E631BA5B296ED4BC16C065DF2976");
	fwp_key_free(k);

	write_sec1_der("p.der", FWP_CURVE_P256, rfc_x);
	k = load_ok("p.der");
	assert_signature(k, ones, "1F2ADBC54B88764C279F689FC9505959FC9E73E80DC20889A4E0BE91865DE75B",
			 "9D109B65E2FBFC0AE42BA0B2E5F03670CD458CFF4882DF6783F3D93D607D1755");
	fwp_key_free(k);
}
END_TEST

/* ---- signing and verifying ---- */

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
	ck_assert_str_eq(err.msg, "signature does not verify");
	for (int bit = 0; bit < 256; bit += 37) {
		d[bit / 8] ^= (uint8_t)(1u << bit % 8);
		ck_assert_int_eq(fwp_ecdsa_verify_digest(pub, d, sig, &err), FWP_ERR_VERIFY);
		d[bit / 8] ^= (uint8_t)(1u << bit % 8);
	}
	for (int bit = 0; bit < 512; bit += 29) { /* through r and s */
		sig[bit / 8] ^= (uint8_t)(1u << bit % 8);
		ck_assert_int_eq(fwp_ecdsa_verify_digest(pub, d, sig, &err), FWP_ERR_VERIFY);
		sig[bit / 8] ^= (uint8_t)(1u << bit % 8);
	}
	/* Another digest signs differently. */
	d[31] ^= 1;
	ck_assert_int_eq(fwp_ecdsa_sign_digest(priv, d, sig2, &err), FWP_OK);
	ck_assert_mem_ne(sig, sig2, 64);
	d[31] ^= 1;
	/* r or s of zero, or at least the group order: invalid, not a library failure. */
	memset(sig2, 0, 64);
	ck_assert_int_eq(fwp_ecdsa_verify_digest(pub, d, sig2, &err), FWP_ERR_VERIFY);
	memcpy(sig2, sig, 32);
	ck_assert_int_eq(fwp_ecdsa_verify_digest(pub, d, sig2, &err), FWP_ERR_VERIFY);
	memset(sig2, 0xff, 64);
	ck_assert_int_eq(fwp_ecdsa_verify_digest(pub, d, sig2, &err), FWP_ERR_VERIFY);
	ck_assert_msg(ERR_peek_error() == 0, "OpenSSL error queue not cleared");
	/* A public key cannot sign. */
	ck_assert_int_eq(fwp_ecdsa_sign_digest(pub, d, sig, &err), FWP_ERR_ARG);
}

START_TEST(sign_verify_both_curves)
{
	sh("$O ecparam -name prime256v1 -genkey -noout -out p.pem && "
	   "$O ec -in p.pem -pubout -out p.pub");
	sh("$O ecparam -name prime256v1 -genkey -noout -out q.pem");
	sh("$O ecparam -name secp256k1 -genkey -noout -out k.pem && "
	   "$O ec -in k.pem -pubout -out k.pub");
	sh("$O ecparam -name secp256k1 -genkey -noout -out l.pem");
	struct fwp_key *p = load_ok("p.pem"), *pp = load_ok("p.pub"), *q = load_ok("q.pem");
	struct fwp_key *k = load_ok("k.pem"), *kp = load_ok("k.pub"), *l = load_ok("l.pem");
	ck_assert_int_eq(fwp_key_curve(p), FWP_CURVE_P256);
	ck_assert_int_eq(fwp_key_curve(k), FWP_CURVE_SECP256K1);
	ck_assert(fwp_key_is_private(p));
	ck_assert(!fwp_key_is_private(pp));
	round_trip(p, pp, q);
	round_trip(k, kp, l);
	/* A key on the other curve does not verify either. */
	round_trip(p, pp, kp);
	round_trip(k, kp, pp);
	fwp_key_free(p);
	fwp_key_free(pp);
	fwp_key_free(q);
	fwp_key_free(k);
	fwp_key_free(kp);
	fwp_key_free(l);
}
END_TEST

/* Many digests: all sign, verify, and openssl agrees on one of them. */
START_TEST(sign_many_digests)
{
	struct fwp_err err;
	uint8_t d[32], sig[64];
	sh("$O ecparam -name prime256v1 -genkey -noout -out p.pem && "
	   "$O ec -in p.pem -pubout -out p.pub");
	struct fwp_key *k = load_ok("p.pem");
	for (unsigned n = 0; n < 200; n++) {
		struct fwp_iov iov = {&n, sizeof(n)};
		ck_assert_int_eq(fwp_sha256(&iov, 1, d, &err), FWP_OK);
		ck_assert_msg(fwp_ecdsa_sign_digest(k, d, sig, &err) == FWP_OK, "%s", err.msg);
	}
	/* openssl's own verifier takes the last one, as DER. */
	ECDSA_SIG *es = ECDSA_SIG_new();
	ck_assert(ECDSA_SIG_set0(es, BN_bin2bn(sig, 32, NULL), BN_bin2bn(sig + 32, 32, NULL)));
	unsigned char *der = NULL;
	int n = i2d_ECDSA_SIG(es, &der);
	ck_assert_int_gt(n, 0);
	write_file(dir, "d.bin", d, 32);
	write_file(dir, "d.sig", der, (size_t)n);
	OPENSSL_free(der);
	ECDSA_SIG_free(es);
	sh("$O pkeyutl -verify -pubin -inkey p.pub -in d.bin -sigfile d.sig");
	fwp_key_free(k);
}
END_TEST

/* ---- key files ---- */

START_TEST(every_openssl_key_format)
{
	struct fwp_err err;
	sh("$O ecparam -name prime256v1 -genkey -out sec1-params.pem"); /* with EC PARAMETERS */
	sh("$O ec -in sec1-params.pem -out sec1.pem");
	sh("$O ec -in sec1.pem -outform DER -out sec1.der");
	sh("$O genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out genpkey.pem");
	sh("$O pkcs8 -topk8 -nocrypt -in sec1.pem -out topk8.pem");
	sh("$O pkcs8 -topk8 -nocrypt -in sec1.pem -outform DER -out topk8.der");
	sh("$O pkey -in sec1.pem -outform DER -out pkey.der");
	sh("$O ec -in sec1.pem -pubout -out pub.pem");
	sh("$O ec -in sec1.pem -pubout -outform DER -out pub.der");
	sh("$O ec -in sec1.pem -pubout -conv_form compressed -out pubc.pem");
	sh("$O ec -in sec1.pem -pubout -conv_form compressed -outform DER -out pubc.der");
	sh("$O ecparam -name secp256k1 -genkey -out k1-params.pem");
	sh("$O pkcs8 -topk8 -nocrypt -in k1-params.pem -outform DER -out k1.der");
	sh("$O ec -in k1-params.pem -pubout -outform DER -out k1pub.der");
	static const struct {
		const char *name;
		int priv, same; /* same: the key of sec1.pem */
		enum fwp_curve curve;
	} f[] = {
		{"sec1-params.pem", 1, 0, FWP_CURVE_P256},
		{"sec1.pem", 1, 1, FWP_CURVE_P256},
		{"sec1.der", 1, 1, FWP_CURVE_P256},
		{"genpkey.pem", 1, 0, FWP_CURVE_P256},
		{"topk8.pem", 1, 1, FWP_CURVE_P256},
		{"topk8.der", 1, 1, FWP_CURVE_P256},
		{"pkey.der", 1, 1, FWP_CURVE_P256},
		{"pub.pem", 0, 1, FWP_CURVE_P256},
		{"pub.der", 0, 1, FWP_CURVE_P256},
		{"pubc.pem", 0, 1, FWP_CURVE_P256},
		{"pubc.der", 0, 1, FWP_CURVE_P256},
		{"k1-params.pem", 1, 0, FWP_CURVE_SECP256K1},
		{"k1.der", 1, 0, FWP_CURVE_SECP256K1},
		{"k1pub.der", 0, 0, FWP_CURVE_SECP256K1},
	};
	uint8_t h0[32], h[32], pt[65];
	struct fwp_key *k0 = load_ok("sec1.pem");
	ck_assert_int_eq(fwp_key_hash(k0, h0, &err), FWP_OK);
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		struct fwp_key *k = load_ok(f[i].name);
		ck_assert_int_eq(fwp_key_curve(k), f[i].curve);
		ck_assert_int_eq(fwp_key_is_private(k), f[i].priv);
		/* Always uncompressed, also for a compressed key file. */
		ck_assert_int_eq(fwp_key_public_point(k, pt, &err), FWP_OK);
		ck_assert_uint_eq(pt[0], 4);
		ck_assert_int_eq(fwp_key_hash(k, h, &err), FWP_OK);
		if (f[i].same)
			ck_assert_msg(memcmp(h, h0, 32) == 0, "%s: another key", f[i].name);
		fwp_key_free(k);
	}
	fwp_key_free(k0);
	ck_assert_msg(ERR_peek_error() == 0, "OpenSSL error queue not cleared");
}
END_TEST

START_TEST(encrypted_keys)
{
	struct fwp_err err;
	sh("$O ecparam -name prime256v1 -genkey -noout -out sec1.pem");
	sh("$O pkcs8 -topk8 -v2 aes-256-cbc -passout pass:s3cret -in sec1.pem -out enc.pem");
	sh("$O pkcs8 -topk8 -v2 aes-256-cbc -passout pass:s3cret -in sec1.pem -outform DER "
	   "-out enc.der");
	sh("$O genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -aes-256-cbc "
	   "-pass pass:s3cret -out genpkey-enc.pem");
	sh("$O ec -in sec1.pem -aes256 -passout pass:s3cret -out legacy-enc.pem");
	static const char *const files[] = {"enc.pem", "enc.der", "genpkey-enc.pem",
					    "legacy-enc.pem"};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		/* Without the passphrase: an error that says what to do. */
		unsetenv("FWPACK_KEY_PASSPHRASE");
		ck_assert_int_eq(load_fails(files[i], &err), FWP_ERR_ARG);
		assert_msg_has(&err, "encrypted; set FWPACK_KEY_PASSPHRASE");
		setenv("FWPACK_KEY_PASSPHRASE", "wrong", 1);
		ck_assert_int_eq(load_fails(files[i], &err), FWP_ERR_CRYPTO);
		assert_msg_has(&err, "cannot decrypt");
		setenv("FWPACK_KEY_PASSPHRASE", "s3cret", 1);
		struct fwp_key *k = load_ok(files[i]);
		ck_assert(fwp_key_is_private(k));
		ck_assert_int_eq(fwp_key_curve(k), FWP_CURVE_P256);
		fwp_key_free(k);
	}
	unsetenv("FWPACK_KEY_PASSPHRASE");
}
END_TEST

START_TEST(unusable_keys_refused)
{
	struct fwp_err err;
	sh("$O genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out rsa.pem");
	sh("$O pkey -in rsa.pem -pubout -outform DER -out rsapub.der");
	sh("$O ecparam -name secp384r1 -genkey -noout -out p384.pem");
	sh("$O ec -in p384.pem -pubout -outform DER -out p384pub.der");
	sh("$O genpkey -algorithm ED25519 -out ed.pem");
	sh("$O ecparam -name prime256v1 -out params.pem");
	sh("$O req -x509 -new -key p384.pem -subj /CN=fwpack -days 1 -out cert.pem");
	sh("head -c 300 /dev/urandom > garbage.bin");
	sh("printf 'not a key\\n' > garbage.pem && : > empty.pem && mkdir dir.pem");

	ck_assert_int_eq(load_fails("rsa.pem", &err), FWP_ERR_UNSUPPORTED);
	assert_msg_has(&err, "rsa.pem: RSA key; fwpack needs an EC key on P-256 (prime256v1) or "
			     "secp256k1");
	ck_assert_int_eq(load_fails("rsapub.der", &err), FWP_ERR_UNSUPPORTED);
	assert_msg_has(&err, "rsapub.der: RSA key");
	ck_assert_int_eq(load_fails("p384.pem", &err), FWP_ERR_UNSUPPORTED);
	assert_msg_has(&err, "p384.pem: EC key on secp384r1");
	ck_assert_int_eq(load_fails("p384pub.der", &err), FWP_ERR_UNSUPPORTED);
	assert_msg_has(&err, "p384pub.der: EC key on secp384r1");
	ck_assert_int_eq(load_fails("ed.pem", &err), FWP_ERR_UNSUPPORTED);
	assert_msg_has(&err, "ed.pem: ED25519 key");
	ck_assert_int_eq(load_fails("params.pem", &err), FWP_ERR_FORMAT);
	assert_msg_has(&err, "\"EC PARAMETERS\"");
	ck_assert_int_eq(load_fails("cert.pem", &err), FWP_ERR_FORMAT);
	assert_msg_has(&err, "a certificate, not a key");
	ck_assert_int_eq(load_fails("garbage.bin", &err), FWP_ERR_FORMAT);
	assert_msg_has(&err, "garbage.bin: not a key");
	ck_assert_int_eq(load_fails("garbage.pem", &err), FWP_ERR_FORMAT);
	ck_assert_int_eq(load_fails("empty.pem", &err), FWP_ERR_FORMAT);
	ck_assert_int_eq(load_fails("missing.pem", &err), FWP_ERR_NOT_FOUND);
	ck_assert_int_eq(load_fails("dir.pem", &err), FWP_ERR_IO);
}
END_TEST

/* ---- raw public keys ---- */

static void raw_public(enum fwp_curve curve, const char *name)
{
	struct fwp_err err;
	struct fwp_key *k = load_ok(name), *r64 = NULL, *r65 = NULL, *bad = NULL;
	uint8_t pt[65], pt2[65], h[32], h64[32], d[32] = {1}, sig[64];
	ck_assert_int_eq(fwp_key_public_point(k, pt, &err), FWP_OK);
	ck_assert_uint_eq(pt[0], 4);
	ck_assert_int_eq(fwp_key_from_raw_public(curve, pt + 1, 64, &r64, &err), FWP_OK);
	ck_assert_int_eq(fwp_key_from_raw_public(curve, pt, 65, &r65, &err), FWP_OK);
	ck_assert(!fwp_key_is_private(r64));
	ck_assert_int_eq(fwp_key_curve(r65), curve);
	ck_assert_int_eq(fwp_key_public_point(r65, pt2, &err), FWP_OK);
	ck_assert_mem_eq(pt, pt2, 65);
	ck_assert_int_eq(fwp_key_hash(k, h, &err), FWP_OK);
	ck_assert_int_eq(fwp_key_hash(r64, h64, &err), FWP_OK);
	ck_assert_mem_eq(h, h64, 32);
	/* KEYHASH is SHA-256 of the 65-byte point. */
	struct fwp_iov iov = {pt, 65};
	ck_assert_int_eq(fwp_sha256(&iov, 1, h64, &err), FWP_OK);
	ck_assert_mem_eq(h, h64, 32);
	ck_assert_int_eq(fwp_ecdsa_sign_digest(k, d, sig, &err), FWP_OK);
	ck_assert_int_eq(fwp_ecdsa_verify_digest(r65, d, sig, &err), FWP_OK);
	ck_assert_int_eq(fwp_ecdsa_verify_digest(r64, d, sig, &err), FWP_OK);
	/* The other curve: the point is not on it. */
	enum fwp_curve other = curve == FWP_CURVE_P256 ? FWP_CURVE_SECP256K1 : FWP_CURVE_P256;
	ck_assert_int_eq(fwp_key_from_raw_public(other, pt, 65, &bad, &err), FWP_ERR_FORMAT);
	ck_assert_ptr_null(bad);
	pt[64] ^= 1; /* no longer on the curve */
	ck_assert_int_eq(fwp_key_from_raw_public(curve, pt + 1, 64, &bad, &err), FWP_ERR_FORMAT);
	assert_msg_has(&err, "not a point on the curve");
	ck_assert_ptr_null(bad);
	pt[64] ^= 1;
	ck_assert_int_eq(fwp_key_from_raw_public(curve, pt, 63, &bad, &err), FWP_ERR_FORMAT);
	ck_assert_int_eq(fwp_key_from_raw_public(curve, pt, 66, &bad, &err), FWP_ERR_FORMAT);
	pt[0] = 0x02; /* compressed prefix on 65 bytes */
	ck_assert_int_eq(fwp_key_from_raw_public(curve, pt, 65, &bad, &err), FWP_ERR_FORMAT);
	memset(pt, 0, sizeof(pt)); /* the point at infinity is not a key */
	ck_assert_int_eq(fwp_key_from_raw_public(curve, pt + 1, 64, &bad, &err), FWP_ERR_FORMAT);
	ck_assert_int_eq(fwp_key_from_raw_public((enum fwp_curve)7, pt + 1, 64, &bad, &err),
			 FWP_ERR_ARG);
	ck_assert_ptr_null(bad);
	ck_assert_msg(ERR_peek_error() == 0, "OpenSSL error queue not cleared");
	fwp_key_free(k);
	fwp_key_free(r64);
	fwp_key_free(r65);
}

START_TEST(raw_public_keys)
{
	sh("$O ecparam -name prime256v1 -genkey -noout -out p.pem");
	sh("$O ecparam -name secp256k1 -genkey -noout -out k.pem");
	raw_public(FWP_CURVE_P256, "p.pem");
	raw_public(FWP_CURVE_SECP256K1, "k.pem");
}
END_TEST

/* ---- signatures from outside signers ---- */

static int decode(const void *data, size_t len, uint8_t sig[64], struct fwp_err *err)
{
	return fwp_ecdsa_sig_decode(data, len, sig, err);
}

START_TEST(signature_decoding_openssl)
{
	struct fwp_err err;
	uint8_t d[32], sig[64], again[64];
	sh("$O ecparam -name prime256v1 -genkey -noout -out p.pem");
	sh("printf 'fwpack digest test, 32 bytes..!!' > d.bin");
	sh("$O pkeyutl -sign -inkey p.pem -in d.bin -out d.sig");
	sh("$O pkeyutl -sign -inkey p.pem -in d.bin | od -An -tx1 > d.hex");
	sh("printf 'a message' > m.txt && $O dgst -sha256 -sign p.pem -out m.sig m.txt");
	struct fwp_key *k = load_ok("p.pem");
	struct fwp_buf der = {0}, dig = {0}, hex = {0}, msig = {0};
	ck_assert(read_back(dir, "d.sig", &der));
	ck_assert(read_back(dir, "d.bin", &dig));
	ck_assert(read_back(dir, "d.hex", &hex));
	ck_assert(read_back(dir, "m.sig", &msig));
	ck_assert_uint_eq(dig.len, 32);
	memcpy(d, dig.data, 32);

	ck_assert_int_eq(decode(der.data, der.len, sig, &err), FWP_OK);
	ck_assert_int_eq(fwp_ecdsa_verify_digest(k, d, sig, &err), FWP_OK);
	/* DER as hex text over several lines ("0f 3a ...\n"): another signature, also valid. */
	ck_assert_int_eq(decode(hex.data, hex.len, again, &err), FWP_OK);
	ck_assert_int_eq(fwp_ecdsa_verify_digest(k, d, again, &err), FWP_OK);
	/* openssl dgst -sign: DER over the SHA-256 of the message. */
	sha256_str("a message", d);
	ck_assert_int_eq(decode(msig.data, msig.len, sig, &err), FWP_OK);
	ck_assert_int_eq(fwp_ecdsa_verify_digest(k, d, sig, &err), FWP_OK);

	/* DER with a byte more is refused, not cut short. */
	fwp_buf_append(&der, "x", 1, NULL);
	ck_assert_int_eq(decode(der.data, der.len, again, &err), FWP_ERR_FORMAT);
	assert_msg_has(&err, "followed by 1 more bytes");
	fwp_buf_free(&der);
	fwp_buf_free(&dig);
	fwp_buf_free(&hex);
	fwp_buf_free(&msig);
	fwp_key_free(k);
}
END_TEST

START_TEST(signature_decoding_forms)
{
	struct fwp_err err;
	uint8_t raw[64], sig[64];
	char hex[2 * 64 + 1], text[300];
	for (int i = 0; i < 64; i++)
		raw[i] = (uint8_t)(0x80 + i * 3); /* high bits set: DER needs 00 pads */
	/* Raw. */
	ck_assert_int_eq(decode(raw, 64, sig, &err), FWP_OK);
	ck_assert_mem_eq(sig, raw, 64);
	/* Raw as hex, lower and upper case, with white space around and inside. */
	fwp_hex(raw, 64, hex);
	snprintf(text, sizeof(text), "  %.64s\r\n%s\n", hex, hex + 64);
	ck_assert_int_eq(decode(text, strlen(text), sig, &err), FWP_OK);
	ck_assert_mem_eq(sig, raw, 64);
	for (char *c = hex; *c; c++)
		*c = (char)toupper((unsigned char)*c);
	ck_assert_int_eq(decode(hex, strlen(hex), sig, &err), FWP_OK);
	ck_assert_mem_eq(sig, raw, 64);

	/* DER by hand: r and s with 00 pads, then with leading zeros dropped. */
	uint8_t der[80] = {0x30, 0x46, 0x02, 0x21, 0x00};
	memcpy(der + 5, raw, 32);
	memcpy(der + 37, "\x02\x21\x00", 3);
	memcpy(der + 40, raw + 32, 32);
	ck_assert_int_eq(decode(der, 72, sig, &err), FWP_OK);
	ck_assert_mem_eq(sig, raw, 64);
	static const uint8_t small[] = {0x30, 0x06, 0x02, 0x01, 0x05, 0x02, 0x01, 0x07};
	ck_assert_int_eq(decode(small, sizeof(small), sig, &err), FWP_OK);
	for (int i = 0; i < 64; i++)
		ck_assert_uint_eq(sig[i], i == 31 ? 5 : i == 63 ? 7 : 0);
	/* The same DER as hex. */
	char dhex[2 * 72 + 1];
	fwp_hex(der, 72, dhex);
	ck_assert_int_eq(decode(dhex, strlen(dhex), sig, &err), FWP_OK);
	ck_assert_mem_eq(sig, raw, 64);

	/* r of 33 significant bytes: too long for a 256-bit curve. */
	static const uint8_t longr[] = {0x30, 0x26, 0x02, 0x21, 0x01, [5 ... 36] = 0x11,
					0x02, 0x01, 0x01};
	ck_assert_int_eq(decode(longr, sizeof(longr), sig, &err), FWP_ERR_FORMAT);
	assert_msg_has(&err, "longer than 32 bytes");
	/* A negative s. */
	static const uint8_t neg[] = {0x30, 0x06, 0x02, 0x01, 0x05, 0x02, 0x01, 0x80};
	ck_assert_int_eq(decode(neg, sizeof(neg), sig, &err), FWP_ERR_FORMAT);
	/* Truncated DER. */
	ck_assert_int_eq(decode(der, 71, sig, &err), FWP_ERR_FORMAT);
	/* Garbage of all sorts. */
	ck_assert_int_eq(decode("garbage", 7, sig, &err), FWP_ERR_FORMAT);
	assert_msg_has(&err, "no ECDSA signature");
	ck_assert_int_eq(decode("", 0, sig, &err), FWP_ERR_FORMAT);
	ck_assert_int_eq(decode("abc", 3, sig, &err), FWP_ERR_FORMAT);
	assert_msg_has(&err, "odd number");
	ck_assert_int_eq(decode(raw, 63, sig, &err), FWP_ERR_FORMAT);
	ck_assert_int_eq(decode(raw, 65, sig, &err), FWP_ERR_FORMAT);
	/* 64 hex digits are 32 bytes of text, not 64 raw bytes. */
	ck_assert_int_eq(decode(hex, 64, sig, &err), FWP_ERR_FORMAT);
	assert_msg_has(&err, "signature as hex text: 32 bytes");
	/* Far too much hex. */
	char big[400];
	memset(big, 'a', sizeof(big));
	ck_assert_int_eq(decode(big, sizeof(big), sig, &err), FWP_ERR_FORMAT);
	/* A NULL err is allowed. */
	ck_assert_int_eq(decode("zz", 2, sig, NULL), FWP_ERR_FORMAT);
	ck_assert_int_eq(decode("abc", 3, sig, NULL), FWP_ERR_FORMAT);
	ck_assert_msg(ERR_peek_error() == 0, "OpenSSL error queue not cleared");
}
END_TEST

/* ---- key generation ---- */

static void assert_mode(const char *path, unsigned mode)
{
	struct stat st;
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, mode);
}

static void assert_starts(const char *name, const char *text)
{
	struct fwp_buf b = {0};
	ck_assert(read_back(dir, name, &b));
	ck_assert_msg(strncmp((char *)b.data, text, strlen(text)) == 0, "%s: %s", name, b.data);
	fwp_buf_free(&b);
}

START_TEST(keygen_files)
{
	struct fwp_err err;
	umask(022);
	char *priv = path_join(dir, "g.pem"), *pub = path_join(dir, "g.pub.pem");
	ck_assert_int_eq(fwp_keygen(FWP_CURVE_P256, priv, pub, 0, &err), FWP_OK);
	assert_mode(priv, 0600);
	assert_mode(pub, 0644);
	assert_starts("g.pem", "-----BEGIN PRIVATE KEY-----\n");
	assert_starts("g.pub.pem", "-----BEGIN PUBLIC KEY-----\n");
	struct fwp_key *a = load_ok("g.pem"), *b = load_ok("g.pub.pem");
	uint8_t ha[32], hb[32];
	ck_assert(fwp_key_is_private(a));
	ck_assert(!fwp_key_is_private(b));
	ck_assert_int_eq(fwp_key_curve(a), FWP_CURVE_P256);
	ck_assert_int_eq(fwp_key_hash(a, ha, &err), FWP_OK);
	ck_assert_int_eq(fwp_key_hash(b, hb, &err), FWP_OK);
	ck_assert_mem_eq(ha, hb, 32);
	fwp_key_free(a);
	fwp_key_free(b);
	/* openssl reads what fwpack writes. */
	sh("$O pkey -in g.pem -noout && $O pkey -pubin -in g.pub.pem -noout");

	/* No overwriting without force, of either file; nothing is changed. */
	ck_assert_int_eq(fwp_keygen(FWP_CURVE_P256, priv, pub, 0, &err), FWP_ERR_ARG);
	ck_assert_msg(strstr(err.msg, "g.pem: exists (use --force to overwrite)"), "%s", err.msg);
	char *priv2 = path_join(dir, "h.pem");
	ck_assert_int_eq(fwp_keygen(FWP_CURVE_P256, priv2, pub, 0, &err), FWP_ERR_ARG);
	ck_assert_msg(strstr(err.msg, "g.pub.pem: exists (use --force to overwrite)"), "%s",
		      err.msg);
	ck_assert(!file_exists(dir, "h.pem"));
	b = load_ok("g.pub.pem");
	ck_assert_int_eq(fwp_key_hash(b, hb, &err), FWP_OK);
	ck_assert_mem_eq(ha, hb, 32);
	fwp_key_free(b);

	/* With force: a new key, on the other curve. */
	ck_assert_int_eq(fwp_keygen(FWP_CURVE_SECP256K1, priv, pub, 1, &err), FWP_OK);
	assert_mode(priv, 0600);
	assert_mode(pub, 0644);
	a = load_ok("g.pem");
	b = load_ok("g.pub.pem");
	ck_assert_int_eq(fwp_key_curve(a), FWP_CURVE_SECP256K1);
	ck_assert_int_eq(fwp_key_curve(b), FWP_CURVE_SECP256K1);
	ck_assert_int_eq(fwp_key_hash(a, ha, &err), FWP_OK);
	ck_assert_int_eq(fwp_key_hash(b, hb, &err), FWP_OK);
	ck_assert_mem_eq(ha, hb, 32);
	fwp_key_free(a);
	fwp_key_free(b);

	/* Caller mistakes. */
	ck_assert_int_eq(fwp_keygen(FWP_CURVE_P256, priv2, priv2, 1, &err), FWP_ERR_ARG);
	ck_assert_int_eq(fwp_keygen((enum fwp_curve)9, priv2, pub, 1, &err), FWP_ERR_ARG);
	ck_assert(!file_exists(dir, "h.pem"));
	/* An unwritable place: an I/O error, and no private key left behind. */
	char *nodir = path_join(dir, "no/such.pub");
	ck_assert_int_eq(fwp_keygen(FWP_CURVE_P256, priv2, nodir, 0, &err), FWP_ERR_IO);
	ck_assert(!file_exists(dir, "h.pem"));
	free(nodir);
	free(priv2);
	free(priv);
	free(pub);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("crypto");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, dir_setup, dir_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, sha256_vectors);
	tcase_add_test(tc, sha256_split);
	tcase_add_test(tc, rfc6979_p256);
	tcase_add_test(tc, rfc6979_secp256k1_and_large_digest);
	tcase_add_test(tc, sign_verify_both_curves);
	tcase_add_test(tc, sign_many_digests);
	tcase_add_test(tc, every_openssl_key_format);
	tcase_add_test(tc, encrypted_keys);
	tcase_add_test(tc, unusable_keys_refused);
	tcase_add_test(tc, raw_public_keys);
	tcase_add_test(tc, signature_decoding_openssl);
	tcase_add_test(tc, signature_decoding_forms);
	tcase_add_test(tc, keygen_files);
	suite_add_tcase(s, tc);
	return run_suite(s);
}

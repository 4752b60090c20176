/*
 * Host crypto through OpenSSL 3 libcrypto.
 *
 * OpenSSL 3.0 (Debian 12) has no deterministic ECDSA nonces (3.2 added
 * them), yet signed images must be byte-for-byte reproducible. So the
 * nonce k is derived here as RFC 6979 section 3.2 describes, and OpenSSL
 * signs with it through ECDSA_do_sign_ex(), which takes a precomputed
 * k^-1 and r. That function, and the EC_KEY it needs, are deprecated in
 * 3.0 with no EVP replacement until 3.2: hence the define below. The
 * signature itself is still computed by OpenSSL, and verified before use.
 */
#define OPENSSL_SUPPRESS_DEPRECATED

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "crypto.h"
#include "util.h"

/* Key files are small; anything larger is not a key and is not read whole. */
#define KEY_FILE_MAX (1u << 20)

#define PASSPHRASE_ENV "FWPACK_KEY_PASSPHRASE"

struct fwp_key {
	EVP_PKEY *pkey;
	enum fwp_curve curve;
	int is_private;
};

/* The most recent OpenSSL error as text; the error queue is emptied. */
static const char *ossl_reason(char *buf, size_t n)
{
	unsigned long e = ERR_peek_last_error();
	if (e)
		ERR_error_string_n(e, buf, n);
	else
		snprintf(buf, n, "unknown OpenSSL error");
	ERR_clear_error();
	return buf;
}

int fwp_sha256(const struct fwp_iov *parts, size_t n, uint8_t out[32], struct fwp_err *err)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	for (size_t i = 0; ok && i < n; i++)
		ok = EVP_DigestUpdate(ctx, parts[i].data, parts[i].len);
	ok = ok && EVP_DigestFinal_ex(ctx, out, NULL);
	EVP_MD_CTX_free(ctx);
	if (!ok) {
		char r[256];
		return fwp_fail(err, FWP_ERR_CRYPTO, "SHA-256: %s", ossl_reason(r, sizeof(r)));
	}
	return FWP_OK;
}

const char *fwp_curve_name(enum fwp_curve curve)
{
	switch (curve) {
	case FWP_CURVE_P256:
		return "P-256";
	case FWP_CURVE_SECP256K1:
		return "secp256k1";
	default:
		return "unknown";
	}
}

/* OpenSSL's name of the curve, or NULL for a value outside the enum. */
static const char *curve_group_name(enum fwp_curve c)
{
	switch (c) {
	case FWP_CURVE_P256:
		return "prime256v1";
	case FWP_CURVE_SECP256K1:
		return "secp256k1";
	default:
		return NULL;
	}
}

/* ---- loading keys ---- */

/* Take ownership of k in a new fwp_key. */
static int wrap_key(EVP_PKEY *k, enum fwp_curve curve, int is_private, struct fwp_key **out,
		    struct fwp_err *err)
{
	struct fwp_key *key = calloc(1, sizeof(*key));
	if (!key) {
		EVP_PKEY_free(k);
		return fwp_fail(err, FWP_ERR_NOMEM, "out of memory");
	}
	key->pkey = k;
	key->curve = curve;
	key->is_private = is_private;
	*out = key;
	return FWP_OK;
}

/*
 * What decoding a key file found out besides the key: whether OpenSSL had
 * to ask for a passphrase (the key is encrypted), and why decoding failed.
 */
struct decode_state {
	int asked_pass;
	int is_private;
	char reason[256];
};

/* OpenSSL asks for the passphrase only for an encrypted key. */
static int passphrase_cb(char *buf, int size, int rwflag, void *u)
{
	struct decode_state *st = u;
	const char *pass = getenv(PASSPHRASE_ENV);
	(void)rwflag;
	st->asked_pass = 1;
	if (!pass || size <= 0)
		return -1;
	size_t n = strlen(pass);
	if (n > (size_t)size)
		n = (size_t)size;
	memcpy(buf, pass, n);
	return (int)n;
}

static EVP_PKEY *decode_pem(const struct fwp_buf *b, struct decode_state *st)
{
	BIO *bio = BIO_new_mem_buf(b->data, (int)b->len);
	if (!bio)
		return NULL;
	/* Skips blocks that are no private key, e.g. ecparam's "EC PARAMETERS". */
	EVP_PKEY *k = PEM_read_bio_PrivateKey(bio, NULL, passphrase_cb, st);
	st->is_private = k != NULL;
	if (!k && !st->asked_pass && BIO_reset(bio) > 0)
		k = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	BIO_free(bio);
	return k;
}

/* A DER decoder's result counts only when it used every byte (p is past them). */
static EVP_PKEY *whole(EVP_PKEY *k, const unsigned char *p, const unsigned char *end)
{
	if (k && p != end) {
		EVP_PKEY_free(k);
		return NULL;
	}
	return k;
}

static EVP_PKEY *decode_der(const struct fwp_buf *b, struct decode_state *st)
{
	const unsigned char *end = b->data + b->len, *p = b->data;
	/* SEC1 or unencrypted PKCS#8. */
	EVP_PKEY *k = d2i_AutoPrivateKey(NULL, &p, (long)b->len);
	if ((k = whole(k, p, end)) != NULL) {
		st->is_private = 1;
		return k;
	}
	BIO *bio = BIO_new_mem_buf(b->data, (int)b->len);
	if (!bio)
		return NULL;
	/* Encrypted PKCS#8: asks for the passphrase only when it is that. */
	k = d2i_PKCS8PrivateKey_bio(bio, NULL, passphrase_cb, st);
	BIO_free(bio);
	if (k || st->asked_pass) {
		st->is_private = k != NULL;
		return k;
	}
	p = b->data;
	k = d2i_PUBKEY(NULL, &p, (long)b->len);
	return whole(k, p, end);
}

static int looks_like_pem(const struct fwp_buf *b)
{
	return strstr((const char *)b->data, "-----BEGIN ") != NULL;
}

/* The key in a file's bytes, PEM or DER, private or public; NULL if none. */
static EVP_PKEY *decode_key(const struct fwp_buf *b, struct decode_state *st)
{
	EVP_PKEY *k = looks_like_pem(b) ? decode_pem(b, st) : decode_der(b, st);
	if (!k)
		ossl_reason(st->reason, sizeof(st->reason));
	ERR_clear_error();
	return k;
}

/* The curve of an EC key, or a description of an unusable key in what. */
static int key_curve_of(const EVP_PKEY *k, enum fwp_curve *curve, char *what, size_t n)
{
	char group[64] = "";
	size_t glen = 0;
	if (!EVP_PKEY_is_a(k, "EC")) {
		const char *type = EVP_PKEY_get0_type_name(k);
		snprintf(what, n, "%s key", type ? type : "non-EC");
		return -1;
	}
	if (!EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
					    &glen)) {
		ERR_clear_error();
		snprintf(what, n, "EC key with explicit curve parameters");
		return -1;
	}
	if (strcmp(group, "prime256v1") == 0) {
		*curve = FWP_CURVE_P256;
	} else if (strcmp(group, "secp256k1") == 0) {
		*curve = FWP_CURVE_SECP256K1;
	} else {
		snprintf(what, n, "EC key on %s", group);
		return -1;
	}
	return 0;
}

/* The label of the first PEM block ("EC PARAMETERS", "CERTIFICATE"), or "". */
static void pem_label(const struct fwp_buf *b, char *out, size_t n)
{
	const char *p = strstr((const char *)b->data, "-----BEGIN ");
	const char *end = p ? strstr(p + 11, "-----") : NULL;
	out[0] = 0;
	if (end && (size_t)(end - p - 11) < n)
		snprintf(out, n, "%.*s", (int)(end - p - 11), p + 11);
}

/* The failure message when a file held no key fwpack could decode. */
static int decode_failure(const char *path, const struct fwp_buf *b,
			  const struct decode_state *st, struct fwp_err *err)
{
	if (st->asked_pass && !getenv(PASSPHRASE_ENV))
		return fwp_fail(err, FWP_ERR_ARG,
				"%s: the key is encrypted; set " PASSPHRASE_ENV
				" to its passphrase",
				path);
	if (st->asked_pass)
		return fwp_fail(err, FWP_ERR_CRYPTO,
				"%s: cannot decrypt the key with the passphrase in " PASSPHRASE_ENV
				" (%s)",
				path, st->reason);
	char label[64];
	pem_label(b, label, sizeof(label));
	if (strcmp(label, "CERTIFICATE") == 0)
		return fwp_fail(err, FWP_ERR_FORMAT,
				"%s: a certificate, not a key; extract its public key with "
				"`openssl x509 -pubkey -noout`",
				path);
	if (label[0])
		return fwp_fail(err, FWP_ERR_FORMAT,
				"%s: no key fwpack can read in the PEM file (first block: \"%s\"; "
				"expected EC PRIVATE KEY, PRIVATE KEY, ENCRYPTED PRIVATE KEY or "
				"PUBLIC KEY): %s",
				path, label, st->reason);
	return fwp_fail(err, FWP_ERR_FORMAT,
			"%s: not a key in a format openssl writes (PEM or DER; SEC1, PKCS#8 or "
			"SubjectPublicKeyInfo): %s",
			path, st->reason);
}

int fwp_key_load(const char *path, struct fwp_key **out, struct fwp_err *err)
{
	struct fwp_buf b = {0};
	struct decode_state st = {0};
	*out = NULL;
	int rc = fwp_file_read(path, KEY_FILE_MAX, &b, err);
	if (rc < 0)
		return rc;
	EVP_PKEY *k = b.len ? decode_key(&b, &st) : NULL;
	if (!k) {
		if (!b.len)
			snprintf(st.reason, sizeof(st.reason), "the file is empty");
		rc = decode_failure(path, &b, &st, err);
	}
	OPENSSL_cleanse(b.data, b.len);
	fwp_buf_free(&b);
	if (!k)
		return rc;
	enum fwp_curve curve;
	char what[96];
	if (key_curve_of(k, &curve, what, sizeof(what)) < 0) {
		EVP_PKEY_free(k);
		return fwp_fail(err, FWP_ERR_UNSUPPORTED,
				"%s: %s; fwpack needs an EC key on P-256 (prime256v1) or "
				"secp256k1",
				path, what);
	}
	return wrap_key(k, curve, st.is_private, out, err);
}

static EVP_PKEY *public_from_point(const char *group, const uint8_t point[65])
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	EVP_PKEY *k = NULL;
	int ok = bld && ctx &&
		 OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, group, 0) &&
		 OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, 65) &&
		 (params = OSSL_PARAM_BLD_to_param(bld)) != NULL &&
		 EVP_PKEY_fromdata_init(ctx) > 0 &&
		 EVP_PKEY_fromdata(ctx, &k, EVP_PKEY_PUBLIC_KEY, params) > 0;
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	EVP_PKEY_CTX_free(ctx);
	if (!ok) {
		EVP_PKEY_free(k);
		return NULL;
	}
	/* Whether fromdata checks the point depends on the version: check here. */
	EVP_PKEY_CTX *chk = EVP_PKEY_CTX_new_from_pkey(NULL, k, NULL);
	ok = chk && EVP_PKEY_public_check(chk) > 0;
	EVP_PKEY_CTX_free(chk);
	if (!ok) {
		EVP_PKEY_free(k);
		return NULL;
	}
	return k;
}

int fwp_key_from_raw_public(enum fwp_curve curve, const uint8_t *xy, size_t len,
			    struct fwp_key **out, struct fwp_err *err)
{
	const char *group = curve_group_name(curve);
	uint8_t point[65];
	char r[256];
	*out = NULL;
	if (!group)
		return fwp_fail(err, FWP_ERR_ARG, "unknown curve %d", (int)curve);
	if (len == 64) {
		point[0] = 0x04;
		memcpy(point + 1, xy, 64);
	} else if (len == 65 && xy[0] == 0x04) {
		memcpy(point, xy, 65);
	} else if (len == 65) {
		return fwp_fail(err, FWP_ERR_FORMAT,
				"a 65-byte raw public key starts with 04 (uncompressed), not %02x",
				xy[0]);
	} else {
		return fwp_fail(err, FWP_ERR_FORMAT,
				"a raw public key is 64 bytes X||Y or 65 bytes 04||X||Y, not %zu bytes",
				len);
	}
	EVP_PKEY *k = public_from_point(group, point);
	if (!k)
		return fwp_fail(err, FWP_ERR_FORMAT,
				"raw %s public key: not a point on the curve (%s)",
				fwp_curve_name(curve), ossl_reason(r, sizeof(r)));
	ERR_clear_error();
	return wrap_key(k, curve, 0, out, err);
}

void fwp_key_free(struct fwp_key *key)
{
	if (!key)
		return;
	EVP_PKEY_free(key->pkey);
	free(key);
}

int fwp_key_is_private(const struct fwp_key *key)
{
	return key->is_private;
}

enum fwp_curve fwp_key_curve(const struct fwp_key *key)
{
	return key->curve;
}

int fwp_key_public_point(const struct fwp_key *key, uint8_t out[65], struct fwp_err *err)
{
	/*
	 * The coordinates rather than the encoded point: a key read from a
	 * compressed encoding would give that back, and changing the key's
	 * conversion format would modify a key the caller passed as const.
	 */
	BIGNUM *x = NULL, *y = NULL;
	char r[256];
	int ok = EVP_PKEY_get_bn_param(key->pkey, OSSL_PKEY_PARAM_EC_PUB_X, &x) &&
		 EVP_PKEY_get_bn_param(key->pkey, OSSL_PKEY_PARAM_EC_PUB_Y, &y) &&
		 BN_bn2binpad(x, out + 1, 32) == 32 && BN_bn2binpad(y, out + 33, 32) == 32;
	BN_free(x);
	BN_free(y);
	if (!ok)
		return fwp_fail(err, FWP_ERR_CRYPTO, "cannot read the public point: %s",
				ossl_reason(r, sizeof(r)));
	out[0] = 0x04;
	return FWP_OK;
}

int fwp_key_hash(const struct fwp_key *key, uint8_t out[32], struct fwp_err *err)
{
	uint8_t point[65];
	int rc = fwp_key_public_point(key, point, err);
	if (rc < 0)
		return rc;
	struct fwp_iov iov = {point, sizeof(point)};
	return fwp_sha256(&iov, 1, out, err);
}

/* ---- RFC 6979 nonces ---- */

/*
 * The HMAC_DRBG of RFC 6979 section 3.2 for SHA-256 and a 256-bit group
 * order q (both fwpack curves): hlen = qlen = 256, so one HMAC output is one
 * candidate k, and bits2int is a plain big-endian conversion.
 */
struct rfc6979 {
	EVP_MAC_CTX *mac;
	uint8_t K[32], V[32];
	int started; /* a candidate was already returned */
};

/* out = HMAC_K(parts...); out may be K or V. */
static int drbg_hmac(struct rfc6979 *g, const struct fwp_iov *parts, size_t n, uint8_t out[32])
{
	size_t len = 0;
	int ok = EVP_MAC_init(g->mac, g->K, sizeof(g->K), NULL);
	for (size_t i = 0; ok && i < n; i++)
		ok = EVP_MAC_update(g->mac, parts[i].data, parts[i].len);
	return ok && EVP_MAC_final(g->mac, out, &len, 32) && len == 32;
}

/* K = HMAC_K(V || sep [|| x || h]); V = HMAC_K(V). Steps d-g and the retry of step h. */
static int drbg_update(struct rfc6979 *g, uint8_t sep, const uint8_t *x, const uint8_t *h)
{
	struct fwp_iov in[] = {{g->V, 32}, {&sep, 1}, {x, 32}, {h, 32}};
	struct fwp_iov v[] = {{g->V, 32}};
	return drbg_hmac(g, in, x ? 4 : 2, g->K) && drbg_hmac(g, v, 1, g->V);
}

/* Steps a-g for private key x and digest h1 (already reduced mod q by the caller). */
static int rfc6979_init(struct rfc6979 *g, const uint8_t x[32], const uint8_t h[32])
{
	char md[] = "SHA256";
	OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, md, 0),
			       OSSL_PARAM_construct_end()};
	EVP_MAC *hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	memset(g, 0, sizeof(*g));
	g->mac = hmac ? EVP_MAC_CTX_new(hmac) : NULL;
	EVP_MAC_free(hmac); /* the context keeps its own reference */
	if (!g->mac || !EVP_MAC_CTX_set_params(g->mac, params))
		return 0;
	memset(g->V, 0x01, sizeof(g->V));
	memset(g->K, 0x00, sizeof(g->K));
	return drbg_update(g, 0x00, x, h) && drbg_update(g, 0x01, x, h);
}

/* Step h: the next candidate k with 1 <= k < q. */
static int rfc6979_next(struct rfc6979 *g, const BIGNUM *q, BIGNUM *k)
{
	struct fwp_iov v[] = {{g->V, 32}};
	for (;;) {
		/* After a rejected k (or an r or s of zero) the state moves on. */
		if (g->started && !drbg_update(g, 0x00, NULL, NULL))
			return 0;
		g->started = 1;
		if (!drbg_hmac(g, v, 1, g->V) || !BN_bin2bn(g->V, 32, k))
			return 0;
		if (!BN_is_zero(k) && BN_cmp(k, q) < 0)
			return 1;
	}
}

static void rfc6979_free(struct rfc6979 *g)
{
	EVP_MAC_CTX_free(g->mac);
	OPENSSL_cleanse(g, sizeof(*g));
}

/* ---- signing ---- */

/*
 * kinv = k^-1 mod q and r = x(kG) mod q. The inverse is k^(q-2) (q is
 * prime) with the constant-time exponentiation, and k is flagged constant
 * time for the point multiplication: k is as secret as the private key.
 * Returns 1, or 0 for a library failure, or -1 when r is zero (take the
 * next k).
 */
static int sign_setup(const EC_GROUP *grp, BIGNUM *k, BIGNUM *kinv, BIGNUM *r, BN_CTX *bn)
{
	const BIGNUM *q = EC_GROUP_get0_order(grp);
	EC_POINT *R = EC_POINT_new(grp);
	BIGNUM *e = BN_dup(q);
	BN_set_flags(k, BN_FLG_CONSTTIME);
	int ok = R && e && BN_sub_word(e, 2) &&
		 BN_mod_exp_mont_consttime(kinv, k, e, q, bn, NULL) &&
		 EC_POINT_mul(grp, R, k, NULL, NULL, bn) &&
		 EC_POINT_get_affine_coordinates(grp, R, r, NULL, bn) && BN_nnmod(r, r, q, bn);
	EC_POINT_free(R);
	BN_free(e);
	if (!ok)
		return 0;
	return BN_is_zero(r) ? -1 : 1;
}

/* bits2octets(h1) = (h1 mod q) as 32 bytes, and the private key as 32 bytes. */
static int nonce_inputs(const BIGNUM *q, const BIGNUM *x, const uint8_t digest[32],
			uint8_t xo[32], uint8_t ho[32], BN_CTX *bn)
{
	BIGNUM *h = BN_bin2bn(digest, 32, NULL);
	int ok = h && BN_nnmod(h, h, q, bn) && BN_bn2binpad(h, ho, 32) == 32 &&
		 BN_bn2binpad(x, xo, 32) == 32;
	BN_free(h);
	return ok;
}

/*
 * Whether ECDSA_do_sign_ex failed only because s came out zero for this k:
 * then, as RFC 6979 section 3.4 says, the next k is tried. With a 256-bit
 * order this is not expected ever to happen.
 */
static int s_was_zero(void)
{
	unsigned long e = ERR_peek_last_error();
	if (ERR_GET_LIB(e) != ERR_LIB_EC || ERR_GET_REASON(e) != EC_R_NEED_NEW_SETUP_VALUES)
		return 0;
	ERR_clear_error();
	return 1;
}

/* The ECDSA signature of digest with the RFC 6979 nonce, as OpenSSL's ECDSA_SIG. */
static ECDSA_SIG *sign_deterministic(EC_KEY *ec, const uint8_t digest[32])
{
	const EC_GROUP *grp = EC_KEY_get0_group(ec);
	const BIGNUM *x = EC_KEY_get0_private_key(ec);
	const BIGNUM *q = grp ? EC_GROUP_get0_order(grp) : NULL;
	BN_CTX *bn = BN_CTX_secure_new();
	BIGNUM *k = BN_secure_new(), *kinv = BN_secure_new(), *r = BN_new();
	struct rfc6979 g = {0};
	uint8_t xo[32], ho[32];
	ECDSA_SIG *sig = NULL;
	int ok = x && q && BN_num_bits(q) == 256 && bn && k && kinv && r &&
		 nonce_inputs(q, x, digest, xo, ho, bn) && rfc6979_init(&g, xo, ho);
	while (ok && !sig) {
		int setup = rfc6979_next(&g, q, k) ? sign_setup(grp, k, kinv, r, bn) : 0;
		if (setup == 0)
			ok = 0;
		else if (setup > 0 && !(sig = ECDSA_do_sign_ex(digest, 32, kinv, r, ec)))
			ok = s_was_zero();
	}
	rfc6979_free(&g);
	OPENSSL_cleanse(xo, sizeof(xo));
	BN_clear_free(k);
	BN_clear_free(kinv);
	BN_free(r);
	BN_CTX_free(bn);
	return sig;
}

int fwp_ecdsa_sign_digest(const struct fwp_key *key, const uint8_t digest[32], uint8_t sig[64],
			  struct fwp_err *err)
{
	char r[256];
	if (!key->is_private)
		return fwp_fail(err, FWP_ERR_ARG, "signing needs a private key, not a public one");
	EC_KEY *ec = EVP_PKEY_get1_EC_KEY(key->pkey);
	ECDSA_SIG *s = ec ? sign_deterministic(ec, digest) : NULL;
	int ok = s != NULL;
	if (ok) {
		const BIGNUM *sr, *ss;
		ECDSA_SIG_get0(s, &sr, &ss);
		ok = BN_bn2binpad(sr, sig, 32) == 32 && BN_bn2binpad(ss, sig + 32, 32) == 32;
	}
	ECDSA_SIG_free(s);
	EC_KEY_free(ec);
	if (!ok)
		return fwp_fail(err, FWP_ERR_CRYPTO, "ECDSA signing failed: %s",
				ossl_reason(r, sizeof(r)));
	/* A signature that does not verify must never reach an image. */
	int rc = fwp_ecdsa_verify_digest(key, digest, sig, err);
	if (rc == FWP_ERR_VERIFY)
		return fwp_fail(err, FWP_ERR_CRYPTO,
				"ECDSA signing made a signature that does not verify");
	return rc;
}

/* ---- verification ---- */

/* Raw r||s as a DER ECDSA-Sig-Value for EVP_PKEY_verify; length or -1. */
static int raw_to_der(const uint8_t sig[64], unsigned char **der)
{
	ECDSA_SIG *s = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(sig, 32, NULL), *sv = BN_bin2bn(sig + 32, 32, NULL);
	int len = -1;
	if (s && r && sv && ECDSA_SIG_set0(s, r, sv)) {
		r = sv = NULL; /* now owned by s */
		len = i2d_ECDSA_SIG(s, der);
	}
	BN_free(r);
	BN_free(sv);
	ECDSA_SIG_free(s);
	return len;
}

int fwp_ecdsa_verify_digest(const struct fwp_key *key, const uint8_t digest[32],
			    const uint8_t sig[64], struct fwp_err *err)
{
	char r[256];
	unsigned char *der = NULL;
	int derlen = raw_to_der(sig, &der);
	EVP_PKEY_CTX *ctx = derlen > 0 ? EVP_PKEY_CTX_new_from_pkey(NULL, key->pkey, NULL) : NULL;
	/* 1 valid, 0 invalid, negative: the library could not tell. */
	int v = ctx && EVP_PKEY_verify_init(ctx) > 0
			? EVP_PKEY_verify(ctx, der, (size_t)derlen, digest, 32)
			: -1;
	EVP_PKEY_CTX_free(ctx);
	OPENSSL_free(der);
	if (v < 0)
		return fwp_fail(err, FWP_ERR_CRYPTO, "ECDSA verification failed: %s",
				ossl_reason(r, sizeof(r)));
	ERR_clear_error();
	if (v == 0)
		return fwp_fail(err, FWP_ERR_VERIFY, "signature does not verify");
	return FWP_OK;
}

/* ---- signatures from outside signers ---- */

static int is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Hex digits and white space only, and at least one digit. */
static int is_hex_text(const uint8_t *d, size_t len)
{
	size_t digits = 0;
	for (size_t i = 0; i < len; i++) {
		if (fwp_hex_digit(d[i]) >= 0)
			digits++;
		else if (!is_space(d[i]))
			return 0;
	}
	return digits > 0;
}

/* Hex text (see is_hex_text) to bytes; at most max of them. */
static int unhex(const uint8_t *in, size_t len, uint8_t *out, size_t max, size_t *outlen,
		 struct fwp_err *err)
{
	size_t n = 0;
	int hi = -1;
	for (size_t i = 0; i < len; i++) {
		int v = fwp_hex_digit(in[i]);
		if (v < 0)
			continue;
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (n == max)
			return fwp_fail(err, FWP_ERR_FORMAT,
					"more than %zu bytes, too long for an ECDSA signature",
					max);
		out[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	if (hi >= 0)
		return fwp_fail(err, FWP_ERR_FORMAT, "an odd number of hex digits");
	*outlen = n;
	return FWP_OK;
}

/* A DER ECDSA-Sig-Value holding two integers that fit 32 bytes. */
static int decode_der_sig(const uint8_t *d, size_t len, uint8_t sig[64], struct fwp_err *err)
{
	const unsigned char *p = d;
	ECDSA_SIG *s = d2i_ECDSA_SIG(NULL, &p, (long)len);
	ERR_clear_error();
	if (!s)
		return fwp_fail(err, FWP_ERR_FORMAT,
				"%zu bytes starting like DER but no DER ECDSA signature", len);
	int rc = FWP_OK;
	const BIGNUM *r, *sv;
	ECDSA_SIG_get0(s, &r, &sv);
	if (p != d + len)
		rc = fwp_fail(err, FWP_ERR_FORMAT, "DER ECDSA signature followed by %zu more bytes",
			      (size_t)(d + len - p));
	else if (BN_is_negative(r) || BN_is_negative(sv)) /* 3.0's d2i refuses them already */
		rc = fwp_fail(err, FWP_ERR_FORMAT, "DER ECDSA signature with a negative r or s");
	else if (BN_num_bytes(r) > 32 || BN_num_bytes(sv) > 32)
		rc = fwp_fail(err, FWP_ERR_FORMAT,
			      "DER ECDSA signature with r or s longer than 32 bytes (%d and %d)",
			      BN_num_bytes(r), BN_num_bytes(sv));
	else if (BN_bn2binpad(r, sig, 32) != 32 || BN_bn2binpad(sv, sig + 32, 32) != 32)
		rc = fwp_fail(err, FWP_ERR_FORMAT, "cannot convert the DER ECDSA signature");
	ECDSA_SIG_free(s);
	return rc;
}

/*
 * DER first: a DER signature is 8 to 72 bytes (64 is possible), and 64
 * random bytes of a raw signature hardly ever parse as DER to the last byte.
 */
static int decode_binary_sig(const uint8_t *d, size_t len, uint8_t sig[64], struct fwp_err *err)
{
	if (len >= 2 && d[0] == 0x30) {
		int rc = decode_der_sig(d, len, sig, err);
		if (rc == FWP_OK || len != 64)
			return rc;
	}
	if (len == 64) {
		memcpy(sig, d, 64);
		return FWP_OK;
	}
	return fwp_fail(err, FWP_ERR_FORMAT,
			"%zu bytes are no ECDSA signature: expected DER (ECDSA-Sig-Value), 64 "
			"raw bytes r||s, or either as hex text",
			len);
}

int fwp_ecdsa_sig_decode(const uint8_t *data, size_t len, uint8_t sig[64], struct fwp_err *err)
{
	/* A DER signature is at most 72 bytes: its hex text at most 144 digits. */
	uint8_t bin[80];
	size_t n = 0;
	/*
	 * Text first: DER is never all hex digits and white space (its third
	 * byte is 02), 64 raw bytes are only with negligible probability.
	 */
	if (!is_hex_text(data, len))
		return decode_binary_sig(data, len, sig, err);
	int rc = unhex(data, len, bin, sizeof(bin), &n, err);
	if (rc == FWP_OK)
		rc = decode_binary_sig(bin, n, sig, err);
	if (rc < 0 && err)
		fwp_err_prefix(err, "signature as hex text");
	return rc;
}

/* ---- key generation ---- */

static int pem_of(EVP_PKEY *k, int priv, struct fwp_buf *out)
{
	BIO *bio = BIO_new(BIO_s_secmem());
	char *p = NULL;
	int ok = bio && (priv ? PEM_write_bio_PKCS8PrivateKey(bio, k, NULL, NULL, 0, NULL, NULL)
			      : PEM_write_bio_PUBKEY(bio, k));
	long n = ok ? BIO_get_mem_data(bio, &p) : 0;
	ok = ok && n > 0 && fwp_buf_append(out, p, (size_t)n, NULL) == FWP_OK;
	BIO_free(bio);
	return ok;
}

/* lstat, not access: a dangling symbolic link would be replaced too. */
static int path_exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

static int keygen_write(EVP_PKEY *k, const char *priv_path, const char *pub_path,
			struct fwp_err *err)
{
	char r[256];
	struct fwp_buf priv = {0}, pub = {0};
	int rc = FWP_OK;
	if (!pem_of(k, 1, &priv) || !pem_of(k, 0, &pub))
		rc = fwp_fail(err, FWP_ERR_CRYPTO, "cannot encode the key: %s",
			      ossl_reason(r, sizeof(r)));
	/* Both halves or neither: a private key without its public half would block a retry. */
	struct fwp_out_file pair[2] = {{priv_path, priv.data, priv.len, 0600},
				       {pub_path, pub.data, pub.len, 0644}};
	if (rc == FWP_OK)
		rc = fwp_files_write_atomic(pair, 2, err);
	if (priv.data)
		OPENSSL_cleanse(priv.data, priv.len);
	fwp_buf_free(&priv);
	fwp_buf_free(&pub);
	return rc;
}

int fwp_keygen(enum fwp_curve curve, const char *priv_path, const char *pub_path, int force,
	       struct fwp_err *err)
{
	const char *group = curve_group_name(curve);
	const char *paths[2] = {priv_path, pub_path};
	char r[256];
	if (!group)
		return fwp_fail(err, FWP_ERR_ARG, "unknown curve %d", (int)curve);
	if (strcmp(priv_path, pub_path) == 0)
		return fwp_fail(err, FWP_ERR_ARG,
				"%s: the private and the public key need different files",
				priv_path);
	for (int i = 0; i < 2 && !force; i++)
		if (path_exists(paths[i]))
			return fwp_fail(err, FWP_ERR_ARG, "%s: exists (use --force to overwrite)",
					paths[i]);
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", group);
	if (!k)
		return fwp_fail(err, FWP_ERR_CRYPTO, "%s key generation failed: %s",
				fwp_curve_name(curve), ossl_reason(r, sizeof(r)));
	int rc = keygen_write(k, priv_path, pub_path, err);
	EVP_PKEY_free(k);
	return rc;
}

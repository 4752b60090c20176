/*
 * Host crypto through OpenSSL 3 libcrypto.
 *
 * OpenSSL 3.0 (Debian 12) has no deterministic ECDSA nonces (3.2 added
 * them), yet signed images must be byte-for-byte reproducible. So the
 * nonce k is derived here as RFC 6979 section 3.2 describes, and OpenSSL
 * signs with it through ECDSA_do_sign_ex(), which takes a precomputed
 * k^-1 and r. That API is deprecated in 3.0, hence the define below; the
 * signature itself is still OpenSSL's, and is verified before use.
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
#include <openssl/hmac.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "crypto.h"
#include "util.h"

struct fwp_key {
	EVP_PKEY *pkey;
	enum fwp_curve curve;
	int is_private;
};

/* The most recent OpenSSL error as text, and the queue emptied. */
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

static const char *curve_group_name(enum fwp_curve c)
{
	return c == FWP_CURVE_SECP256K1 ? "secp256k1" : "prime256v1";
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

static int passphrase_cb(char *buf, int size, int rwflag, void *u)
{
	(void)rwflag;
	const char *pass = getenv("FWPACK_KEY_PASSPHRASE");
	int *asked = u;
	*asked = 1;
	if (!pass)
		return -1;
	int n = (int)strlen(pass);
	if (n > size)
		n = size;
	memcpy(buf, pass, (size_t)n);
	return n;
}

/* Try each encoding openssl writes: PEM private, PEM public, DER private, DER public. */
static EVP_PKEY *decode_key(const struct fwp_buf *b, int *is_private, int *asked_pass)
{
	EVP_PKEY *k = NULL;
	BIO *bio = BIO_new_mem_buf(b->data, (int)b->len);
	if (!bio)
		return NULL;
	k = PEM_read_bio_PrivateKey(bio, NULL, passphrase_cb, asked_pass);
	*is_private = k != NULL;
	if (!k && !*asked_pass) {
		(void)BIO_reset(bio);
		k = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	}
	BIO_free(bio);
	if (k || *asked_pass)
		return k;
	const unsigned char *p = b->data;
	k = d2i_AutoPrivateKey(NULL, &p, (long)b->len);
	if (k && p == b->data + b->len) {
		*is_private = 1;
		return k;
	}
	EVP_PKEY_free(k);
	/* PKCS#8 DER, encrypted or not, through the generic decoder. */
	bio = BIO_new_mem_buf(b->data, (int)b->len);
	if (bio) {
		k = d2i_PKCS8PrivateKey_bio(bio, NULL, passphrase_cb, asked_pass);
		BIO_free(bio);
		if (k) {
			*is_private = 1;
			return k;
		}
	}
	p = b->data;
	k = d2i_PUBKEY(NULL, &p, (long)b->len);
	if (k && p != b->data + b->len) {
		EVP_PKEY_free(k);
		k = NULL;
	}
	return k;
}

static int key_curve_of(EVP_PKEY *k, enum fwp_curve *curve, char *what, size_t n)
{
	char group[64] = "";
	size_t glen = 0;
	if (EVP_PKEY_get_base_id(k) != EVP_PKEY_EC) {
		snprintf(what, n, "%s key", EVP_PKEY_get0_type_name(k) ? EVP_PKEY_get0_type_name(k)
								    : "non-EC");
		return -1;
	}
	if (!EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
					    &glen)) {
		snprintf(what, n, "EC key with explicit curve parameters");
		return -1;
	}
	if (strcmp(group, "prime256v1") == 0)
		*curve = FWP_CURVE_P256;
	else if (strcmp(group, "secp256k1") == 0)
		*curve = FWP_CURVE_SECP256K1;
	else {
		snprintf(what, n, "EC key on %s", group);
		return -1;
	}
	return 0;
}

int fwp_key_load(const char *path, struct fwp_key **out, struct fwp_err *err)
{
	struct fwp_buf b = {0};
	int is_private = 0, asked = 0;
	char what[96];
	*out = NULL;
	int rc = fwp_file_read(path, 1u << 20, &b, err);
	if (rc < 0)
		return rc;
	EVP_PKEY *k = decode_key(&b, &is_private, &asked);
	OPENSSL_cleanse(b.data, b.len);
	fwp_buf_free(&b);
	ERR_clear_error();
	if (!k && asked && !getenv("FWPACK_KEY_PASSPHRASE"))
		return fwp_fail(err, FWP_ERR_ARG,
				"%s: the key is encrypted; set FWPACK_KEY_PASSPHRASE", path);
	if (!k && asked)
		return fwp_fail(err, FWP_ERR_CRYPTO,
				"%s: cannot decrypt the key with FWPACK_KEY_PASSPHRASE", path);
	if (!k)
		return fwp_fail(err, FWP_ERR_FORMAT,
				"%s: not a key in a format openssl writes (PEM or DER; SEC1, "
				"PKCS#8 or SubjectPublicKeyInfo)",
				path);
	enum fwp_curve curve;
	if (key_curve_of(k, &curve, what, sizeof(what)) < 0) {
		EVP_PKEY_free(k);
		return fwp_fail(err, FWP_ERR_UNSUPPORTED,
				"%s: %s; fwpack needs an EC key on P-256 (prime256v1) or "
				"secp256k1",
				path, what);
	}
	return wrap_key(k, curve, is_private, out, err);
}

int fwp_key_from_raw_public(enum fwp_curve curve, const uint8_t *xy, size_t len,
			    struct fwp_key **out, struct fwp_err *err)
{
	uint8_t point[65];
	char r[256];
	*out = NULL;
	if (len == 64) {
		point[0] = 0x04;
		memcpy(point + 1, xy, 64);
	} else if (len == 65 && xy[0] == 0x04) {
		memcpy(point, xy, 65);
	} else {
		return fwp_fail(err, FWP_ERR_FORMAT,
				"a raw public key is 64 bytes X||Y or 65 bytes 04||X||Y, not %zu",
				len);
	}
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	EVP_PKEY *k = NULL;
	int ok = bld && ctx &&
		 OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
						 curve_group_name(curve), 0) &&
		 OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, 65) &&
		 (params = OSSL_PARAM_BLD_to_param(bld)) != NULL &&
		 EVP_PKEY_fromdata_init(ctx) > 0 &&
		 EVP_PKEY_fromdata(ctx, &k, EVP_PKEY_PUBLIC_KEY, params) > 0;
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	EVP_PKEY_CTX_free(ctx);
	/* fromdata does not always check the point: do it explicitly. */
	if (ok) {
		EVP_PKEY_CTX *chk = EVP_PKEY_CTX_new_from_pkey(NULL, k, NULL);
		ok = chk && EVP_PKEY_public_check(chk) > 0;
		EVP_PKEY_CTX_free(chk);
	}
	if (!ok) {
		EVP_PKEY_free(k);
		return fwp_fail(err, FWP_ERR_FORMAT, "raw %s public key: not a point on the curve (%s)",
				fwp_curve_name(curve), ossl_reason(r, sizeof(r)));
	}
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
	size_t len = 0;
	char r[256];
	/* Uncompressed form, whatever the key file used. */
	if (!EVP_PKEY_set_utf8_string_param(key->pkey, OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT,
					    "uncompressed") ||
	    !EVP_PKEY_get_octet_string_param(key->pkey, OSSL_PKEY_PARAM_PUB_KEY, out, 65, &len) ||
	    len != 65 || out[0] != 0x04)
		return fwp_fail(err, FWP_ERR_CRYPTO, "cannot read the public point: %s",
				ossl_reason(r, sizeof(r)));
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

/* HMAC-SHA-256 of the concatenation of parts, with key K (32 bytes). */
static int hmac(const uint8_t k[32], const struct fwp_iov *parts, size_t n, uint8_t out[32])
{
	HMAC_CTX *c = HMAC_CTX_new();
	unsigned len = 0;
	int ok = c && HMAC_Init_ex(c, k, 32, EVP_sha256(), NULL);
	for (size_t i = 0; ok && i < n; i++)
		ok = HMAC_Update(c, parts[i].data, parts[i].len);
	ok = ok && HMAC_Final(c, out, &len) && len == 32;
	HMAC_CTX_free(c);
	return ok;
}

/*
 * k per RFC 6979 3.2 for a 256-bit order q, private key x and digest h1:
 * bits2octets(h1) = (h1 mod q) as 32 bytes; loop until 1 <= k < q.
 */
static int rfc6979_k(const BIGNUM *q, const BIGNUM *x, const uint8_t h1[32], BIGNUM *k,
		     BN_CTX *bn)
{
	uint8_t V[32], K[32], xo[32], ho[32], T[32];
	static const uint8_t zero = 0, one = 1;
	BIGNUM *h = BN_bin2bn(h1, 32, NULL);
	int ok = h && BN_nnmod(h, h, q, bn) && BN_bn2binpad(x, xo, 32) == 32 &&
		 BN_bn2binpad(h, ho, 32) == 32;
	BN_free(h);
	memset(V, 0x01, 32);
	memset(K, 0x00, 32);
	if (ok) {
		struct fwp_iov a[] = {{V, 32}, {&zero, 1}, {xo, 32}, {ho, 32}};
		ok = hmac(K, a, 4, K);
	}
	ok = ok && hmac(K, (struct fwp_iov[]){{V, 32}}, 1, V);
	if (ok) {
		struct fwp_iov a[] = {{V, 32}, {&one, 1}, {xo, 32}, {ho, 32}};
		ok = hmac(K, a, 4, K);
	}
	ok = ok && hmac(K, (struct fwp_iov[]){{V, 32}}, 1, V);
	while (ok) {
		ok = hmac(K, (struct fwp_iov[]){{V, 32}}, 1, V);
		memcpy(T, V, 32);
		if (!ok || !BN_bin2bn(T, 32, k)) {
			ok = 0;
			break;
		}
		if (!BN_is_zero(k) && BN_cmp(k, q) < 0)
			break;
		struct fwp_iov a[] = {{V, 32}, {&zero, 1}};
		ok = hmac(K, a, 2, K) && hmac(K, (struct fwp_iov[]){{V, 32}}, 1, V);
	}
	OPENSSL_cleanse(V, sizeof(V));
	OPENSSL_cleanse(K, sizeof(K));
	OPENSSL_cleanse(xo, sizeof(xo));
	OPENSSL_cleanse(T, sizeof(T));
	return ok;
}

/* kinv = k^-1 mod q and r = x(kG) mod q. */
static int precompute(const EC_GROUP *g, const BIGNUM *k, BIGNUM *kinv, BIGNUM *r, BN_CTX *bn)
{
	const BIGNUM *q = EC_GROUP_get0_order(g);
	EC_POINT *R = EC_POINT_new(g);
	int ok = R && EC_POINT_mul(g, R, k, NULL, NULL, bn) &&
		 EC_POINT_get_affine_coordinates(g, R, r, NULL, bn) && BN_nnmod(r, r, q, bn) &&
		 !BN_is_zero(r) && BN_mod_inverse(kinv, k, q, bn) != NULL;
	EC_POINT_free(R);
	return ok;
}

int fwp_ecdsa_sign_digest(const struct fwp_key *key, const uint8_t digest[32], uint8_t sig[64],
			  struct fwp_err *err)
{
	char r[256];
	if (!key->is_private)
		return fwp_fail(err, FWP_ERR_ARG, "signing needs a private key");
	EC_KEY *ec = EVP_PKEY_get1_EC_KEY(key->pkey);
	BN_CTX *bn = BN_CTX_secure_new();
	BIGNUM *k = BN_secure_new(), *kinv = BN_secure_new(), *rr = BN_new();
	ECDSA_SIG *s = NULL;
	int ok = ec && bn && k && kinv && rr;
	const EC_GROUP *g = ok ? EC_KEY_get0_group(ec) : NULL;
	const BIGNUM *x = ok ? EC_KEY_get0_private_key(ec) : NULL;
	ok = ok && g && x && rfc6979_k(EC_GROUP_get0_order(g), x, digest, k, bn) &&
	     precompute(g, k, kinv, rr, bn);
	if (ok)
		s = ECDSA_do_sign_ex(digest, 32, kinv, rr, ec);
	if (s) {
		const BIGNUM *sr, *ss;
		ECDSA_SIG_get0(s, &sr, &ss);
		ok = BN_bn2binpad(sr, sig, 32) == 32 && BN_bn2binpad(ss, sig + 32, 32) == 32;
	} else {
		ok = 0;
	}
	ECDSA_SIG_free(s);
	BN_clear_free(k);
	BN_clear_free(kinv);
	BN_free(rr);
	BN_CTX_free(bn);
	EC_KEY_free(ec);
	if (!ok)
		return fwp_fail(err, FWP_ERR_CRYPTO, "ECDSA signing failed: %s",
				ossl_reason(r, sizeof(r)));
	/* A signature that does not verify must never reach an image. */
	return fwp_ecdsa_verify_digest(key, digest, sig, err);
}

int fwp_ecdsa_verify_digest(const struct fwp_key *key, const uint8_t digest[32],
			    const uint8_t sig[64], struct fwp_err *err)
{
	char r[256];
	ECDSA_SIG *s = ECDSA_SIG_new();
	BIGNUM *br = BN_bin2bn(sig, 32, NULL), *bs = BN_bin2bn(sig + 32, 32, NULL);
	unsigned char *der = NULL;
	int derlen = -1;
	if (s && br && bs && ECDSA_SIG_set0(s, br, bs))
		br = bs = NULL; /* now owned by s */
	else
		goto fail;
	derlen = i2d_ECDSA_SIG(s, &der);
	if (derlen <= 0)
		goto fail;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(key->pkey, NULL);
	int v = ctx && EVP_PKEY_verify_init(ctx) > 0 ? EVP_PKEY_verify(ctx, der, (size_t)derlen,
								       digest, 32)
						     : -1;
	EVP_PKEY_CTX_free(ctx);
	OPENSSL_free(der);
	ECDSA_SIG_free(s);
	ERR_clear_error();
	if (v == 1)
		return FWP_OK;
	if (v == 0 || v == -1)
		return fwp_fail(err, FWP_ERR_VERIFY, "signature does not verify");
	return fwp_fail(err, FWP_ERR_CRYPTO, "ECDSA verification failed");
fail:
	BN_free(br);
	BN_free(bs);
	ECDSA_SIG_free(s);
	return fwp_fail(err, FWP_ERR_CRYPTO, "ECDSA: %s", ossl_reason(r, sizeof(r)));
}

/* ---- signatures from outside signers ---- */

static int unhex(const uint8_t *in, size_t len, struct fwp_buf *out)
{
	int hi = -1;
	for (size_t i = 0; i < len; i++) {
		int c = in[i], v;
		if (c == ' ' || c == '\n' || c == '\r' || c == '\t')
			continue;
		if (c >= '0' && c <= '9')
			v = c - '0';
		else if (c >= 'a' && c <= 'f')
			v = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v = c - 'A' + 10;
		else
			return -1;
		if (hi < 0) {
			hi = v;
		} else {
			uint8_t byte = (uint8_t)(hi << 4 | v);
			if (fwp_buf_append(out, &byte, 1, NULL) < 0)
				return -1;
			hi = -1;
		}
	}
	return hi < 0 && out->len ? 0 : -1;
}

static int decode_binary_sig(const uint8_t *d, size_t len, uint8_t sig[64])
{
	if (len == 64) {
		memcpy(sig, d, 64);
		return 0;
	}
	const unsigned char *p = d;
	ECDSA_SIG *s = d2i_ECDSA_SIG(NULL, &p, (long)len);
	int ok = s && p == d + len;
	if (ok) {
		const BIGNUM *r, *sv;
		ECDSA_SIG_get0(s, &r, &sv);
		ok = BN_num_bytes(r) <= 32 && BN_num_bytes(sv) <= 32 &&
		     BN_bn2binpad(r, sig, 32) == 32 && BN_bn2binpad(sv, sig + 32, 32) == 32;
	}
	ECDSA_SIG_free(s);
	ERR_clear_error();
	return ok ? 0 : -1;
}

int fwp_ecdsa_sig_decode(const uint8_t *data, size_t len, uint8_t sig[64], struct fwp_err *err)
{
	if (decode_binary_sig(data, len, sig) == 0)
		return FWP_OK;
	struct fwp_buf b = {0};
	int ok = unhex(data, len, &b) == 0 && decode_binary_sig(b.data, b.len, sig) == 0;
	fwp_buf_free(&b);
	if (ok)
		return FWP_OK;
	return fwp_fail(err, FWP_ERR_FORMAT,
			"not an ECDSA signature (DER, 64 raw bytes r||s, or either as hex)");
}

/* ---- key generation ---- */

static int pem_of(EVP_PKEY *k, int priv, struct fwp_buf *out)
{
	BIO *bio = BIO_new(BIO_s_secmem());
	char *p;
	int ok = bio && (priv ? PEM_write_bio_PKCS8PrivateKey(bio, k, NULL, NULL, 0, NULL, NULL)
			      : PEM_write_bio_PUBKEY(bio, k));
	long n = ok ? BIO_get_mem_data(bio, &p) : 0;
	ok = ok && n > 0 && fwp_buf_append(out, p, (size_t)n, NULL) == FWP_OK;
	BIO_free(bio);
	return ok;
}

int fwp_keygen(enum fwp_curve curve, const char *priv_path, const char *pub_path, int force,
	       struct fwp_err *err)
{
	char r[256];
	const char *paths[2] = {priv_path, pub_path};
	for (int i = 0; i < 2 && !force; i++)
		if (access(paths[i], F_OK) == 0)
			return fwp_fail(err, FWP_ERR_ARG, "%s: exists (use --force to overwrite)",
					paths[i]);
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", curve_group_name(curve));
	if (!k)
		return fwp_fail(err, FWP_ERR_CRYPTO, "key generation failed: %s",
				ossl_reason(r, sizeof(r)));
	struct fwp_buf priv = {0}, pub = {0};
	int rc = FWP_OK;
	if (!pem_of(k, 1, &priv) || !pem_of(k, 0, &pub))
		rc = fwp_fail(err, FWP_ERR_CRYPTO, "cannot encode the key: %s",
			      ossl_reason(r, sizeof(r)));
	if (rc == FWP_OK)
		rc = fwp_file_write_atomic(priv_path, priv.data, priv.len, 0600, err);
	if (rc == FWP_OK)
		rc = fwp_file_write_atomic(pub_path, pub.data, pub.len, 0644, err);
	if (priv.data)
		OPENSSL_cleanse(priv.data, priv.len);
	fwp_buf_free(&priv);
	fwp_buf_free(&pub);
	EVP_PKEY_free(k);
	return rc;
}

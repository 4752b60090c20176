/*
 * Host crypto through OpenSSL 3 libcrypto: SHA-256, EC keys in every format
 * the openssl command writes, deterministic ECDSA (RFC 6979) so that signed
 * images are byte-for-byte reproducible, and key generation.
 */
#ifndef FWP_CRYPTO_H
#define FWP_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include "fwpack/error.h"

enum fwp_curve {
	FWP_CURVE_P256 = 1,      /* prime256v1 / secp256r1: fwpack images */
	FWP_CURVE_SECP256K1 = 2  /* cookbook-v2 images */
};

/* A byte range, for hashing data that is not contiguous. */
struct fwp_iov {
	const void *data;
	size_t len;
};

/* SHA-256 of the concatenation of n ranges. */
int fwp_sha256(const struct fwp_iov *parts, size_t n, uint8_t out[32], struct fwp_err *err);

struct fwp_key; /* opaque: an EC key, private or public only */

/*
 * Load a key from a file: PEM or DER; SEC1 "EC PRIVATE KEY", PKCS#8
 * (also encrypted: the passphrase is read from the environment variable
 * FWPACK_KEY_PASSPHRASE), or a SubjectPublicKeyInfo public key. The key must
 * be an EC key on P-256 or secp256k1; anything else is an error naming the
 * file and what it holds.
 *
 * Errors, each message starting with the path: FWP_ERR_NOT_FOUND or
 * FWP_ERR_IO reading the file; FWP_ERR_FORMAT when it holds no key;
 * FWP_ERR_UNSUPPORTED for a key of another type or curve; FWP_ERR_ARG for an
 * encrypted key without FWPACK_KEY_PASSPHRASE; FWP_ERR_CRYPTO when that
 * passphrase does not decrypt it. *out is NULL on failure.
 */
int fwp_key_load(const char *path, struct fwp_key **out, struct fwp_err *err);

/*
 * A public key from raw coordinates: 64 bytes X||Y or 65 bytes 04||X||Y.
 * FWP_ERR_FORMAT for another length or a point not on the curve,
 * FWP_ERR_ARG for a curve outside the enum.
 */
int fwp_key_from_raw_public(enum fwp_curve curve, const uint8_t *xy, size_t len,
			    struct fwp_key **out, struct fwp_err *err);

void fwp_key_free(struct fwp_key *key);
int fwp_key_is_private(const struct fwp_key *key);
enum fwp_curve fwp_key_curve(const struct fwp_key *key);
const char *fwp_curve_name(enum fwp_curve curve);

/* The public point as 65 bytes 0x04 || X || Y. */
int fwp_key_public_point(const struct fwp_key *key, uint8_t out[65], struct fwp_err *err);

/* SHA-256 of the 65-byte public point (the image's KEYHASH TLV). */
int fwp_key_hash(const struct fwp_key *key, uint8_t out[32], struct fwp_err *err);

/*
 * Sign a 32-byte digest with a private key. The nonce is derived as RFC
 * 6979 section 3.2 describes (HMAC-SHA-256), so the same key and digest
 * always give the same signature. Out: raw r || s, 32 bytes each, big
 * endian. The signature is verified before it is returned. s is not
 * normalised to the lower half of the order. FWP_ERR_ARG for a public key.
 */
int fwp_ecdsa_sign_digest(const struct fwp_key *key, const uint8_t digest[32], uint8_t sig[64],
			  struct fwp_err *err);

/*
 * FWP_OK when sig (raw r||s) is a valid signature of digest, else
 * FWP_ERR_VERIFY with the message "signature does not verify" (the caller
 * adds what was verified); FWP_ERR_CRYPTO only when the library fails.
 */
int fwp_ecdsa_verify_digest(const struct fwp_key *key, const uint8_t digest[32],
			    const uint8_t sig[64], struct fwp_err *err);

/*
 * A signature as a signer returns it: DER (as `openssl pkeyutl -sign` and
 * `openssl dgst -sign` write it, and most HSMs), or 64 raw bytes r||s, or
 * either of these as hex text. Out: raw r||s.
 *
 * Input made only of hex digits and white space is hex text; 64 bytes that
 * parse completely as DER are DER. DER with trailing bytes or with r or s
 * longer than 32 bytes is refused. Failures are FWP_ERR_FORMAT with the
 * reason; the signature itself is not checked here.
 */
int fwp_ecdsa_sig_decode(const uint8_t *data, size_t len, uint8_t sig[64], struct fwp_err *err);

/*
 * Generate a key pair: the private key as unencrypted PKCS#8 PEM with mode
 * 0600, the public key as SubjectPublicKeyInfo PEM with mode 0644. Both are
 * written atomically; an existing file is not overwritten unless force
 * (FWP_ERR_ARG "<path>: exists (use --force to overwrite)", and neither file
 * is written). A new private key is removed again when the public key
 * cannot be written.
 */
int fwp_keygen(enum fwp_curve curve, const char *priv_path, const char *pub_path, int force,
	       struct fwp_err *err);

#endif /* FWP_CRYPTO_H */

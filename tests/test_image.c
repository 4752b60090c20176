/*
 * Slot images and the build pipeline: the header layout against the spec,
 * CRC and digest vectors, sign-then-verify, tampering anywhere, cookbook
 * headers field by field, VTOR alignment, external signing, atomic and
 * reproducible outputs.
 */
#include <stddef.h>

#include "build.h"
#include "cbimage.h"
#include "check_util.h"
#include "fixtures.h"
#include "crypto.h"
#include "fwpack/cookbook.h"
#include "fwpack/image.h"
#include "manifest.h"
#include "slotimage.h"

/* ---- layout, as docs/image-format.md specifies it ---- */

START_TEST(header_layout_matches_spec)
{
	ck_assert_uint_eq(sizeof(struct fwp_image_header), 64);
	ck_assert_uint_eq(offsetof(struct fwp_image_header, magic), 0);
	ck_assert_uint_eq(offsetof(struct fwp_image_header, hdr_version), 4);
	ck_assert_uint_eq(offsetof(struct fwp_image_header, hdr_size), 6);
	ck_assert_uint_eq(offsetof(struct fwp_image_header, image_type), 8);
	ck_assert_uint_eq(offsetof(struct fwp_image_header, reserved0), 9);
	ck_assert_uint_eq(offsetof(struct fwp_image_header, flags), 10);
	ck_assert_uint_eq(offsetof(struct fwp_image_header, version), 12);
	ck_assert_uint_eq(offsetof(struct fwp_image_header, security_counter), 20);
	ck_assert_uint_eq(offsetof(struct fwp_image_header, load_addr), 24);
	ck_assert_uint_eq(offsetof(struct fwp_image_header, vector_addr), 28);
	ck_assert_uint_eq(offsetof(struct fwp_image_header, payload_size), 32);
	ck_assert_uint_eq(offsetof(struct fwp_image_header, payload_crc32), 36);
	ck_assert_uint_eq(offsetof(struct fwp_image_header, protected_tlv_size), 40);
	ck_assert_uint_eq(offsetof(struct fwp_image_header, reserved1), 42);
	ck_assert_uint_eq(offsetof(struct fwp_image_header, header_crc32), 60);
	ck_assert_uint_eq(sizeof(struct fwp_image_version), 8);
	/* "FWPK" in flash order */
	uint8_t m[4];
	fwp_put_le32(m, FWP_IMAGE_MAGIC);
	ck_assert_mem_eq(m, "FWPK", 4);
	/* the cookbook's header, per shared/cookbook.md */
	ck_assert_uint_eq(FWP_CB_OFF_CRC, 4);
	ck_assert_uint_eq(FWP_CB_OFF_DATA_SIZE, 8);
	ck_assert_uint_eq(FWP_CB_OFF_IMAGE_TYPE, 12);
	ck_assert_uint_eq(FWP_CB_OFF_VECTOR_ADDR, 16);
	ck_assert_uint_eq(FWP_CB_OFF_GIT_SHA, 24);
	ck_assert_uint_eq(FWP_CB_OFF_SIGNATURE, 32);
	ck_assert_uint_eq(FWP_CB_V2_HDR_LEN, 96);
}
END_TEST

START_TEST(vector_alignment_rule)
{
	ck_assert_uint_eq(fwp_vector_alignment(64), 128);
	ck_assert_uint_eq(fwp_vector_alignment(128), 128);
	ck_assert_uint_eq(fwp_vector_alignment(132), 256);
	ck_assert_uint_eq(fwp_vector_alignment(428), 512);  /* STM32F429: 91 IRQs */
	ck_assert_uint_eq(fwp_vector_alignment(1024), 1024);
}
END_TEST

START_TEST(crc32_known_vectors)
{
	ck_assert_uint_eq(fwp_crc32("123456789", 9), 0xCBF43926u);
	ck_assert_uint_eq(fwp_crc32("", 0), 0);
	ck_assert_uint_eq(fwp_crc32("The quick brown fox jumps over the lazy dog", 43), 0x414FA339u);
}
END_TEST

START_TEST(sha256_known_vector)
{
	static const uint8_t abc[32] = {
		0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40,
		0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17,
		0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
	uint8_t d[32];
	struct fwp_iov iov[2] = {{"a", 1}, {"bc", 2}};
	struct fwp_err err;
	ck_assert_int_eq(fwp_sha256(iov, 2, d, &err), FWP_OK);
	ck_assert_mem_eq(d, abc, 32);
}
END_TEST

/* ---- images built directly ---- */

static struct fwp_key *load(const char *path)
{
	struct fwp_key *k = NULL;
	struct fwp_err err;
	ck_assert_msg(fwp_key_load(path, &k, &err) == FWP_OK, "%s", err.msg);
	return k;
}

/* A signed image of payload_len pattern bytes with a 128-byte header region. */
static void make_image(struct fwp_buf *out, size_t payload_len, int with_build_id)
{
	static const uint8_t bid[20] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20};
	uint8_t *payload = fx_pattern(payload_len);
	struct fwp_image_params p = {0};
	p.type = FWP_IMAGE_TYPE_APP;
	p.version = (struct fwp_image_version){1, 2, 3, 4};
	p.security_counter = 5;
	p.slot_addr = 0x08020000;
	p.load_addr = 0x08020080;
	p.vector_addr = 0x08020080;
	p.payload = payload;
	p.payload_len = payload_len;
	if (with_build_id) {
		p.build_id = bid;
		p.build_id_len = sizeof(bid);
	}
	fx_image_sign(&p, fx.key, out);
	free(payload);
}

START_TEST(header_fields_at_their_offsets)
{
	struct fwp_buf img = {0};
	make_image(&img, 300, 1);
	const uint8_t *d = img.data;
	ck_assert_mem_eq(d, "FWPK", 4);
	ck_assert_uint_eq(fwp_le16(d + 4), 1);
	ck_assert_uint_eq(fwp_le16(d + 6), 128);
	ck_assert_uint_eq(d[8], FWP_IMAGE_TYPE_APP);
	ck_assert_uint_eq(d[9], 0);
	ck_assert_uint_eq(fwp_le16(d + 10), 0);
	ck_assert_uint_eq(d[12], 1);
	ck_assert_uint_eq(d[13], 2);
	ck_assert_uint_eq(fwp_le16(d + 14), 3);
	ck_assert_uint_eq(fwp_le32(d + 16), 4);
	ck_assert_uint_eq(fwp_le32(d + 20), 5);
	ck_assert_uint_eq(fwp_le32(d + 24), 0x08020080);
	ck_assert_uint_eq(fwp_le32(d + 28), 0x08020080);
	ck_assert_uint_eq(fwp_le32(d + 32), 300);
	ck_assert_uint_eq(fwp_le32(d + 36), fwp_crc32(d + 128, 300));
	ck_assert_uint_eq(fwp_le16(d + 40), 4 + 4 + 20);
	ck_assert_uint_eq(fwp_le32(d + 60), fwp_crc32(d, 60));
	/* protected area: info record then the build ID */
	ck_assert_uint_eq(fwp_le16(d + 428), FWP_TLV_PROT_INFO_MAGIC);
	ck_assert_uint_eq(fwp_le16(d + 430), 28);
	ck_assert_uint_eq(fwp_le16(d + 432), FWP_TLV_BUILD_ID);
	ck_assert_uint_eq(fwp_le16(d + 434), 20);
	/* trailer: info, SHA256, KEYHASH, ECDSA_P256 */
	size_t t = 456;
	ck_assert_uint_eq(fwp_le16(d + t), FWP_TLV_INFO_MAGIC);
	ck_assert_uint_eq(fwp_le16(d + t + 2), 4 + 36 + 36 + 68);
	ck_assert_uint_eq(fwp_le16(d + t + 4), FWP_TLV_SHA256);
	ck_assert_uint_eq(img.len, t + 144);
	uint8_t digest[32];
	struct fwp_iov iov = {d, t};
	struct fwp_err err;
	ck_assert_int_eq(fwp_sha256(&iov, 1, digest, &err), FWP_OK);
	ck_assert_mem_eq(d + t + 8, digest, 32);

	struct fwp_image_info info;
	ck_assert_int_eq(fwp_image_parse(d, img.len, &info, &err), FWP_OK);
	ck_assert_uint_eq(info.build_id_len, 20);
	ck_assert_uint_eq(info.ntlvs, 4);
	fwp_buf_free(&img);
}
END_TEST

START_TEST(sign_then_verify_round_trip)
{
	struct fwp_buf img = {0};
	struct fwp_image_info info;
	struct fwp_err err;
	make_image(&img, 5000, 0);
	struct fwp_key *pub = load(fx.pub_path), *priv = load(fx.key_path), *other = load(fx.other_path);
	ck_assert_int_eq(fwp_image_parse(img.data, img.len, &info, &err), FWP_OK);
	ck_assert_msg(fwp_image_verify(&info, pub, &err) == FWP_OK, "%s", err.msg);
	ck_assert_int_eq(fwp_image_verify(&info, priv, &err), FWP_OK);
	ck_assert_int_eq(fwp_image_verify(&info, other, &err), FWP_ERR_VERIFY);
	ck_assert_ptr_nonnull(strstr(err.msg, "signed by another key"));
	/* Slot padding after the trailer is allowed. */
	ck_assert_int_eq(fwp_pad_to(&img, 4096, 0xFF, &err), FWP_OK);
	ck_assert_uint_eq(img.len, 8192);
	ck_assert_int_eq(fwp_image_parse(img.data, img.len, &info, &err), FWP_OK);
	ck_assert_int_eq(fwp_image_verify(&info, pub, &err), FWP_OK);
	fwp_key_free(pub);
	fwp_key_free(priv);
	fwp_key_free(other);
	fwp_buf_free(&img);
}
END_TEST

/* Every byte from the header to the end of the trailer is bound to the signature. */
START_TEST(tampered_byte_anywhere_fails)
{
	struct fwp_buf img = {0};
	struct fwp_err err;
	struct fwp_image_info info;
	make_image(&img, 200, 1);
	struct fwp_key *pub = load(fx.pub_path);
	for (size_t i = 0; i < img.len; i++) {
		for (int bit = 0; bit < 8; bit += 7) {
			img.data[i] ^= (uint8_t)(1u << bit);
			int rc = fwp_image_parse(img.data, img.len, &info, &err);
			if (rc == FWP_OK)
				rc = fwp_image_verify(&info, pub, &err);
			ck_assert_msg(rc < 0, "flipping bit %d of byte %zu went unnoticed", bit, i);
			img.data[i] ^= (uint8_t)(1u << bit);
		}
	}
	ck_assert_int_eq(fwp_image_parse(img.data, img.len, &info, &err), FWP_OK);
	ck_assert_int_eq(fwp_image_verify(&info, pub, &err), FWP_OK);
	/* The reasons are precise. */
	img.data[200] ^= 1; /* payload */
	ck_assert_int_eq(fwp_image_parse(img.data, img.len, &info, &err), FWP_ERR_VERIFY);
	ck_assert_ptr_nonnull(strstr(err.msg, "payload: payload_crc32"));
	img.data[200] ^= 1;
	img.data[21] ^= 1; /* security counter */
	ck_assert_int_eq(fwp_image_parse(img.data, img.len, &info, &err), FWP_ERR_VERIFY);
	ck_assert_ptr_nonnull(strstr(err.msg, "header: header_crc32"));
	img.data[21] ^= 1;
	img.data[img.len - 1] ^= 1; /* signature */
	ck_assert_int_eq(fwp_image_parse(img.data, img.len, &info, &err), FWP_OK);
	ck_assert_int_eq(fwp_image_verify(&info, pub, &err), FWP_ERR_VERIFY);
	ck_assert_ptr_nonnull(strstr(err.msg, "signature does not verify"));
	fwp_key_free(pub);
	fwp_buf_free(&img);
}
END_TEST

START_TEST(truncations_are_refused)
{
	struct fwp_buf img = {0};
	struct fwp_err err;
	struct fwp_image_info info;
	make_image(&img, 100, 1);
	for (size_t n = 0; n < img.len; n++)
		ck_assert_msg(fwp_image_parse(img.data, n, &info, &err) < 0, "accepted %zu bytes", n);
	fwp_buf_free(&img);
}
END_TEST

/* ---- the build pipeline on manifests ---- */

struct fixture {
	char *dir;
	char *out;
};

static void fixture_init(struct fixture *f)
{
	f->dir = tmpdir_new();
	f->out = path_join(f->dir, "out");
	ck_assert_int_eq(mkdir(f->out, 0755), 0);
}

static void fixture_free(struct fixture *f)
{
	free(f->out);
	tmpdir_remove(f->dir);
}

static void write_payload(const char *dir, const char *name, size_t len, uint32_t seed)
{
	uint8_t *p = malloc(len);
	for (size_t i = 0; i < len; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = (uint8_t)(seed >> 16);
	}
	write_file(dir, name, p, len);
	free(p);
}

/* Run fwp_build on dir/m.json with the given options. */
static int build_in(struct fixture *f, const char *digest_dir, const char *sig_dir,
		    struct fwp_err *err)
{
	struct fwp_manifest m;
	char *mp = path_join(f->dir, "m.json");
	int rc = fwp_manifest_load(mp, &m, err);
	free(mp);
	if (rc < 0)
		return rc;
	struct fwp_build_opts o = {f->out, digest_dir, sig_dir, NULL, NULL};
	rc = fwp_build(&m, &o, err);
	fwp_manifest_free(&m);
	return rc;
}

#define MANIFEST_ONE \
	"{ 'manifest_version': 1,\n" \
	"  'regions': [ { 'name': 'flash', 'address': '0x08000000', 'size': '256K',\n" \
	"                 'erase_size': '16K', 'alignment': 16 } ],\n" \
	"  'slots': [ { 'name': 'app', 'address': '0x08010000', 'size': '64K' } ],\n" \
	"  'images': [ { 'name': 'app', 'type': 'app', 'input': 'app.bin',\n" \
	"                'load_address': '%s', 'version': '1.0.0', 'slot': 'app',\n" \
	"                'key': '%s', 'vector_table_size': %u } ] }\n"

static void write_manifest_one(struct fixture *f, const char *load, const char *key,
			       unsigned vts)
{
	char text[2048];
	snprintf(text, sizeof(text), MANIFEST_ONE, load, key, vts);
	write_text(f->dir, "m.json", text);
}

START_TEST(build_is_reproducible_and_verifies)
{
	struct fixture f;
	struct fwp_err err;
	struct fwp_buf a = {0}, b = {0};
	fixture_init(&f);
	write_payload(f.dir, "app.bin", 10000, 1);
	write_manifest_one(&f, "0x08010200", fx.key_path, 428);
	ck_assert_msg(build_in(&f, NULL, NULL, &err) == FWP_OK, "%s", err.msg);
	ck_assert(read_back(f.out, "app.bin", &a));
	ck_assert_uint_eq(a.len % 16, 0);
	ck_assert_msg(build_in(&f, NULL, NULL, &err) == FWP_OK, "%s", err.msg);
	ck_assert(read_back(f.out, "app.bin", &b));
	ck_assert_uint_eq(a.len, b.len);
	ck_assert_mem_eq(a.data, b.data, a.len);
	struct fwp_image_info info;
	struct fwp_key *pub = load(fx.pub_path);
	ck_assert_int_eq(fwp_image_parse(a.data, a.len, &info, &err), FWP_OK);
	ck_assert_int_eq(fwp_image_verify(&info, pub, &err), FWP_OK);
	ck_assert_uint_eq(info.hdr.hdr_size, 0x200);
	ck_assert_uint_eq(info.hdr.vector_addr, 0x08010200);
	fwp_key_free(pub);
	fwp_buf_free(&a);
	fwp_buf_free(&b);
	fixture_free(&f);
}
END_TEST

START_TEST(misaligned_vector_table_refused)
{
	struct fixture f;
	struct fwp_err err;
	fixture_init(&f);
	write_payload(f.dir, "app.bin", 1000, 2);
	/* 0x08010100 is 256-aligned; a 428-byte table needs 512. */
	write_manifest_one(&f, "0x08010100", fx.key_path, 428);
	ck_assert_int_eq(build_in(&f, NULL, NULL, &err), FWP_ERR_RANGE);
	ck_assert_msg(strstr(err.msg, "m.json:5:56: images[0].input: vector table at 0x08010100 "
				      "is not aligned to 512 bytes") != NULL,
		      "%s", err.msg);
	ck_assert(!file_exists(f.out, "app.bin"));
	/* 128 entries at 0x100 are fine for a 256-byte table. */
	write_manifest_one(&f, "0x08010100", fx.key_path, 256);
	ck_assert_msg(build_in(&f, NULL, NULL, &err) == FWP_OK, "%s", err.msg);
	/* No room for the header. */
	write_manifest_one(&f, "0x08010020", fx.key_path, 64);
	ck_assert_int_eq(build_in(&f, NULL, NULL, &err), FWP_ERR_RANGE);
	ck_assert_msg(strstr(err.msg, "leaves 0x20 bytes for the image header") != NULL, "%s",
		      err.msg);
	fixture_free(&f);
}
END_TEST

START_TEST(image_larger_than_slot_refused)
{
	struct fixture f;
	struct fwp_err err;
	fixture_init(&f);
	/* Payload fits the slot, header + trailer do not. */
	write_payload(f.dir, "app.bin", 64 * 1024 - 0x200 - 100, 3);
	write_manifest_one(&f, "0x08010200", fx.key_path, 428);
	ck_assert_int_eq(build_in(&f, NULL, NULL, &err), FWP_ERR_RANGE);
	ck_assert_msg(strstr(err.msg, "m.json:6:75: images[0].slot: image app is") != NULL &&
			      strstr(err.msg, "larger than slot app (65536 bytes at 0x08010000)"),
		      "%s", err.msg);
	ck_assert(!file_exists(f.out, "app.bin"));
	fixture_free(&f);
}
END_TEST

START_TEST(failed_build_writes_nothing)
{
	struct fixture f;
	struct fwp_err err;
	fixture_init(&f);
	write_payload(f.dir, "a.bin", 1000, 4);
	write_payload(f.dir, "b.bin", 1000, 5);
	char text[2048];
	snprintf(text, sizeof(text),
		 "{ 'manifest_version': 1,\n"
		 "  'regions': [ { 'name': 'flash', 'address': 0, 'size': '64K', 'erase_size': '4K' } ],\n"
		 "  'slots': [ { 'name': 'a', 'address': '0x1000', 'size': '8K' },\n"
		 "             { 'name': 'b', 'address': '0x4000', 'size': '8K' } ],\n"
		 "  'images': [\n"
		 "    { 'name': 'a', 'type': 'app', 'input': 'a.bin', 'load_address': '0x1200',\n"
		 "      'version': '1.0.0', 'slot': 'a', 'key': '%s', 'outputs': ['bin', 'hex'] },\n"
		 "    { 'name': 'b', 'type': 'app', 'input': 'b.bin', 'load_address': '0x4200',\n"
		 "      'version': '1.0.0', 'slot': 'b', 'key': 'missing.pem' } ] }\n",
		 fx.key_path);
	write_text(f.dir, "m.json", text);
	ck_assert_int_eq(build_in(&f, NULL, NULL, &err), FWP_ERR_NOT_FOUND);
	ck_assert_msg(strstr(err.msg, "m.json:9:47: images[1].key:") != NULL, "%s", err.msg);
	ck_assert(!file_exists(f.out, "a.bin"));
	ck_assert(!file_exists(f.out, "a.hex"));
	fixture_free(&f);
}
END_TEST

START_TEST(external_signing_flow)
{
	struct fixture f;
	struct fwp_err err;
	struct fwp_buf digest = {0}, direct = {0}, external = {0};
	fixture_init(&f);
	write_payload(f.dir, "app.bin", 3000, 6);
	write_manifest_one(&f, "0x08010200", fx.key_path, 428);
	ck_assert_int_eq(build_in(&f, NULL, NULL, &err), FWP_OK);
	ck_assert(read_back(f.out, "app.bin", &direct));
	remove_file(f.out, "app.bin");

	/* Step 1: digests only; the manifest names the public key. */
	write_manifest_one(&f, "0x08010200", fx.pub_path, 428);
	char *dd = path_join(f.dir, "digests");
	mkdir(dd, 0755);
	ck_assert_msg(build_in(&f, dd, NULL, &err) == FWP_OK, "%s", err.msg);
	ck_assert(read_back(dd, "app.digest", &digest));
	ck_assert_uint_eq(digest.len, 32);
	ck_assert(!file_exists(f.out, "app.bin"));

	/* The signer (here: the private key, as an HSM would hold it). */
	uint8_t sig[64];
	struct fwp_key *priv = load(fx.key_path);
	ck_assert_int_eq(fwp_ecdsa_sign_digest(priv, digest.data, sig, &err), FWP_OK);
	fwp_key_free(priv);
	write_file(dd, "app.sig", sig, sizeof(sig));

	/* Step 2: the same image as signing directly. */
	ck_assert_msg(build_in(&f, NULL, dd, &err) == FWP_OK, "%s", err.msg);
	ck_assert(read_back(f.out, "app.bin", &external));
	ck_assert_uint_eq(external.len, direct.len);
	ck_assert_mem_eq(external.data, direct.data, direct.len);

	/* A signature of something else is caught before any file is written. */
	sig[10] ^= 1;
	write_file(dd, "app.sig", sig, sizeof(sig));
	remove_file(f.out, "app.bin");
	ck_assert_int_eq(build_in(&f, NULL, dd, &err), FWP_ERR_VERIFY);
	ck_assert_msg(strstr(err.msg, "app.sig: signature does not verify") != NULL, "%s", err.msg);
	ck_assert(!file_exists(f.out, "app.bin"));
	/* Signing with only a public key is refused with the reason. */
	ck_assert_int_eq(build_in(&f, NULL, NULL, &err), FWP_ERR_ARG);
	ck_assert_msg(strstr(err.msg, "is a public key; signing needs the private key") != NULL,
		      "%s", err.msg);
	free(dd);
	fwp_buf_free(&digest);
	fwp_buf_free(&direct);
	fwp_buf_free(&external);
	fixture_free(&f);
}
END_TEST

/* The example ELF with internal flash and QSPI sections: two small images. */
START_TEST(two_region_elf_split)
{
	struct fixture f;
	struct fwp_err err;
	struct fwp_buf app = {0}, assets = {0}, fq = {0};
	const char *top = getenv("top_builddir") ? getenv("top_builddir") : ".";
	char text[4096];
	fixture_init(&f);
	snprintf(text, sizeof(text),
		 "{ 'manifest_version': 1,\n"
		 "  'regions': [ { 'name': 'flash', 'address': '0x08000000', 'size': '1M',\n"
		 "                 'erase_size': '256K' },\n"
		 "               { 'name': 'qspi', 'address': '0x90000000', 'size': '16M',\n"
		 "                 'erase_size': '4K', 'fill': 0 } ],\n"
		 "  'slots': [ { 'name': 'app', 'address': '0x08040000', 'size': '768K' },\n"
		 "             { 'name': 'assets', 'address': '0x90000000', 'size': '8M' } ],\n"
		 "  'images': [ { 'name': 'app', 'type': 'app',\n"
		 "    'input': '%s/examples/firmware/app_qspi_f746.elf', 'version': '3.0.1',\n"
		 "    'slot': 'app', 'key': '%s', 'vector_table_size': 456 } ],\n"
		 "  'factory': [ { 'name': 'f', 'images': ['app'] } ] }\n",
		 top, fx.key_path);
	write_text(f.dir, "m.json", text);
	ck_assert_msg(build_in(&f, NULL, NULL, &err) == FWP_OK, "%s", err.msg);
	ck_assert(read_back(f.out, "app.bin", &app));
	ck_assert(read_back(f.out, "app-assets.bin", &assets));
	ck_assert(read_back(f.out, "f-qspi.bin", &fq));
	ck_assert(file_exists(f.out, "f-flash.bin"));
	struct fwp_image_info a, q;
	struct fwp_key *pub = load(fx.pub_path);
	ck_assert_int_eq(fwp_image_parse(app.data, app.len, &a, &err), FWP_OK);
	ck_assert_int_eq(fwp_image_verify(&a, pub, &err), FWP_OK);
	ck_assert_int_eq(fwp_image_parse(assets.data, assets.len, &q, &err), FWP_OK);
	ck_assert_int_eq(fwp_image_verify(&q, pub, &err), FWP_OK);
	ck_assert_uint_eq(a.hdr.load_addr, 0x08040200);
	ck_assert_uint_eq(a.hdr.flags, 0);
	ck_assert_uint_eq(a.build_id_len, 20);
	ck_assert_uint_eq(q.hdr.load_addr, 0x90000200);
	ck_assert_uint_eq(q.hdr.flags, FWP_IMAGE_F_DATA);
	ck_assert_uint_eq(q.hdr.vector_addr, 0);
	ck_assert_uint_eq(q.hdr.payload_size, 32768);
	ck_assert_uint_lt(app.len, 8192);     /* not 2 GiB: one image per region */
	ck_assert_uint_lt(assets.len, 40000);
	ck_assert_uint_eq(fq.len, assets.len); /* the QSPI factory image starts at its slot */
	ck_assert_mem_eq(fq.data, assets.data, assets.len);
	fwp_key_free(pub);
	fwp_buf_free(&app);
	fwp_buf_free(&assets);
	fwp_buf_free(&fq);
	fixture_free(&f);
}
END_TEST

/* ---- cookbook headers, byte by byte ---- */

static void cookbook_build(struct fixture *f, const char *format, const char *key,
			   const char *load, struct fwp_buf *out)
{
	struct fwp_err err;
	char text[2048];
	snprintf(text, sizeof(text),
		 "{ 'manifest_version': 1,\n"
		 "  'regions': [ { 'name': 'flash', 'address': '0x08000000', 'size': '1M',\n"
		 "    'sectors': [ {'count': 4, 'size': '16K'}, {'count': 1, 'size': '64K'},\n"
		 "                 {'count': 7, 'size': '128K'} ], 'alignment': 1 } ],\n"
		 "  'slots': [ { 'name': 'app', 'address': '0x08020000', 'size': '896K' } ],\n"
		 "  'images': [ { 'name': 'app', 'type': 'app', 'format': '%s', 'input': 'app.bin',\n"
		 "    'load_address': '%s', 'version': '1.2.3', 'slot': 'app', 'git_sha': 'abc1234'%s%s%s } ] }\n",
		 format, load, key ? ", 'key': '" : "", key ? key : "", key ? "'" : "");
	write_text(f->dir, "m.json", text);
	ck_assert_msg(build_in(f, NULL, NULL, &err) == FWP_OK, "%s", err.msg);
	ck_assert(read_back(f->out, "app.bin", out));
}

START_TEST(cookbook_v1_fields)
{
	struct fixture f;
	struct fwp_buf img = {0}, data = {0};
	fixture_init(&f);
	write_payload(f.dir, "app.bin", 777, 7);
	ck_assert(read_back(f.dir, "app.bin", &data));
	cookbook_build(&f, "cookbook-v1", NULL, "0x08020020", &img);
	const uint8_t *d = img.data;
	ck_assert_uint_eq(img.len, 32 + 777);
	ck_assert_uint_eq(d[0], 0xFE);
	ck_assert_uint_eq(d[1], 0xCA);
	ck_assert_uint_eq(fwp_le16(d + 2), 1);
	ck_assert_uint_eq(fwp_le32(d + 4), fwp_crc32(data.data, 777));
	ck_assert_uint_eq(fwp_le32(d + 8), 777);
	ck_assert_uint_eq(d[12], 2);
	ck_assert_uint_eq(d[13], 1);
	ck_assert_uint_eq(d[14], 2);
	ck_assert_uint_eq(d[15], 3);
	/* The Cookbook's layout: the vector table at ALIGN(128) after the header. */
	ck_assert_uint_eq(fwp_le32(d + 16), 0x08020080);
	ck_assert_uint_eq(fwp_le32(d + 20), 0);
	ck_assert_mem_eq(d + 24, "abc1234", 8); /* NUL included */
	ck_assert_mem_eq(d + 32, data.data, 777);
	/* The same bytes when the firmware links a placeholder header at the slot. */
	struct fwp_buf with_ph = {0}, img2 = {0};
	fwp_buf_fill(&with_ph, 0xAA, 32, NULL);
	fwp_buf_append(&with_ph, data.data, data.len, NULL);
	write_file(f.dir, "app.bin", with_ph.data, with_ph.len);
	cookbook_build(&f, "cookbook-v1", NULL, "0x08020000", &img2);
	ck_assert_uint_eq(img2.len, img.len);
	ck_assert_mem_eq(img2.data, img.data, img.len);
	fwp_buf_free(&img);
	fwp_buf_free(&img2);
	fwp_buf_free(&with_ph);
	fwp_buf_free(&data);
	fixture_free(&f);
}
END_TEST

START_TEST(cookbook_v2_signature_with_raw_xy)
{
	struct fixture f;
	struct fwp_buf img = {0}, data = {0};
	struct fwp_err err;
	fixture_init(&f);
	char *k1 = path_join(f.dir, "k1.pem"), *k1pub = path_join(f.dir, "k1.pub.pem");
	ck_assert_int_eq(fwp_keygen(FWP_CURVE_SECP256K1, k1, k1pub, 0, &err), FWP_OK);
	write_payload(f.dir, "app.bin", 4096, 8);
	ck_assert(read_back(f.dir, "app.bin", &data));
	cookbook_build(&f, "cookbook-v2", k1, "0x08020060", &img);
	const uint8_t *d = img.data;
	ck_assert_uint_eq(img.len, 96 + 4096);
	ck_assert_uint_eq(fwp_le16(d), 0xCAFE);
	ck_assert_uint_eq(fwp_le16(d + 2), 2);
	ck_assert_uint_eq(fwp_le32(d + 4), fwp_crc32(data.data, 4096));
	ck_assert_uint_eq(fwp_le32(d + 8), 4096);
	ck_assert_uint_eq(fwp_le32(d + 16), 0x08020080);

	/* As the cookbook's device does: the public key as 64 raw bytes X||Y. */
	struct fwp_key *k = load(k1pub), *raw = NULL;
	uint8_t point[65], digest[32];
	ck_assert_int_eq(fwp_key_public_point(k, point, &err), FWP_OK);
	ck_assert_int_eq(fwp_key_from_raw_public(FWP_CURVE_SECP256K1, point + 1, 64, &raw, &err),
			 FWP_OK);
	struct fwp_iov iov = {data.data, data.len};
	ck_assert_int_eq(fwp_sha256(&iov, 1, digest, &err), FWP_OK);
	ck_assert_int_eq(fwp_ecdsa_verify_digest(raw, digest, d + 32, &err), FWP_OK);
	/* The parser and verifier agree; a flipped data byte fails. */
	struct fwp_cb_info cb;
	ck_assert_int_eq(fwp_cb_parse(d, img.len, &cb, &err), FWP_OK);
	ck_assert_int_eq(fwp_cb_verify(&cb, raw, &err), FWP_OK);
	img.data[500] ^= 1;
	ck_assert_int_eq(fwp_cb_parse(d, img.len, &cb, &err), FWP_ERR_VERIFY);
	/* A P-256 key is refused for cookbook-v2. */
	fwp_buf_free(&img);
	struct fwp_manifest m;
	char text[1024];
	snprintf(text, sizeof(text),
		 "{ 'manifest_version': 1, 'regions': [ { 'name': 'f', 'address': 0, 'size': '64K',"
		 " 'erase_size': '4K' } ], 'slots': [ { 'name': 'a', 'address': 0, 'size': '64K' } ],"
		 " 'images': [ { 'name': 'a', 'type': 'app', 'format': 'cookbook-v2', 'input': "
		 "'app.bin', 'load_address': '0x60', 'version': '1.0.0', 'slot': 'a', 'key': '%s' } ] }",
		 fx.key_path);
	write_text(f.dir, "m.json", text);
	char *mp = path_join(f.dir, "m.json");
	ck_assert_int_eq(fwp_manifest_load(mp, &m, &err), FWP_OK);
	struct fwp_build_opts o = {f.out, NULL, NULL, NULL, NULL};
	ck_assert_int_eq(fwp_build(&m, &o, &err), FWP_ERR_ARG);
	ck_assert_msg(strstr(err.msg, "is a P-256 key; cookbook-v2 images need secp256k1"), "%s",
		      err.msg);
	fwp_manifest_free(&m);
	free(mp);
	fwp_key_free(k);
	fwp_key_free(raw);
	free(k1);
	free(k1pub);
	fwp_buf_free(&data);
	fixture_free(&f);
}
END_TEST

static Suite *image_suite(void)
{
	Suite *s = suite_create("image");
	TCase *tc = tcase_create("layout");
	tcase_add_test(tc, header_layout_matches_spec);
	tcase_add_test(tc, vector_alignment_rule);
	tcase_add_test(tc, crc32_known_vectors);
	tcase_add_test(tc, sha256_known_vector);
	suite_add_tcase(s, tc);

	tc = tcase_create("signed");
	tcase_add_unchecked_fixture(tc, fx_setup, fx_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, header_fields_at_their_offsets);
	tcase_add_test(tc, sign_then_verify_round_trip);
	tcase_add_test(tc, tampered_byte_anywhere_fails);
	tcase_add_test(tc, truncations_are_refused);
	tcase_add_test(tc, build_is_reproducible_and_verifies);
	tcase_add_test(tc, misaligned_vector_table_refused);
	tcase_add_test(tc, image_larger_than_slot_refused);
	tcase_add_test(tc, failed_build_writes_nothing);
	tcase_add_test(tc, external_signing_flow);
	tcase_add_test(tc, two_region_elf_split);
	tcase_add_test(tc, cookbook_v1_fields);
	tcase_add_test(tc, cookbook_v2_signature_with_raw_xy);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(image_suite());
}

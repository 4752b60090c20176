/*
 * fwpack verify and the device agree: every input of the image fuzz corpus
 * (tests/fuzz/corpus/image), each re-signed with a key both sides trust,
 * and every truncation and single-byte change of those, goes through the
 * host's path (fwp_image_parse + fwp_image_verify with --key, what
 * `fwpack verify` runs) and through the device core built for the host
 * (fwd_image_check on the NOR flash model, the slot at the address the
 * image names). The verdicts must be the same: both accept (the device may
 * then refuse on its boot policy only: type, counter, vector table), or
 * both refuse for the same reason (the host's message names the area the
 * device's verdict names).
 *
 * Usage: test_verdicts [CORPUS_DIR]   (default: $top_srcdir/tests/fuzz/corpus/image;
 * exit 1 on the first disagreement)
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto.h"
#include "fwd_flash_sim.h"
#include "fwd_image.h"
#include "slotimage.h"

static struct fwp_key *key;
static uint8_t point[FWP_P256_PUBKEY_LEN];
static unsigned long compared, accepted, skipped;

/* The device verdict the host's refusal names, from its message's first words. */
static enum fwd_verdict host_class(const struct fwp_err *err)
{
	static const struct {
		const char *prefix;
		enum fwd_verdict v;
	} map[] = {
		{"header: no image", FWD_IMAGE_EMPTY},   {"header: bad magic", FWD_IMAGE_EMPTY},
		{"header:", FWD_IMAGE_BAD_HEADER},       {"payload:", FWD_IMAGE_BAD_PAYLOAD},
		{"trailer:", FWD_IMAGE_BAD_TRAILER},     {"protected TLVs:", FWD_IMAGE_BAD_TRAILER},
		{"digest mismatch", FWD_IMAGE_BAD_DIGEST}, {"signed by another key", FWD_IMAGE_WRONG_KEY},
		{"signature does not", FWD_IMAGE_BAD_SIGNATURE},
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strncmp(err->msg, map[i].prefix, strlen(map[i].prefix)) == 0)
			return map[i].v;
	return FWD_IMAGE_FLASH_ERROR;
}

static int host_verify(const uint8_t *d, size_t len, struct fwp_err *err)
{
	struct fwp_image_info info;
	int rc = fwp_image_parse(d, len, &info, err);
	return rc < 0 ? rc : fwp_image_verify(&info, key, err);
}

static enum fwd_verdict device_check(const uint8_t *d, size_t len, uint32_t base)
{
	uint32_t sectors[2] = {((uint32_t)len + 3u) & ~3u, 0};
	uint8_t *mem = malloc(sectors[0] ? sectors[0] : 4);
	struct fwd_flash_sim sim;
	struct fwd_image out;
	/* Every image type, no counter, the smallest vector table: only authenticity. */
	struct fwd_policy pol = {(const uint8_t(*)[FWP_P256_PUBKEY_LEN])point, 1, 0x1E, 0, 0, NULL, 0};
	if (!mem)
		abort();
	memset(mem, 0xFF, sectors[0]);
	memcpy(mem, d, len);
	fwd_flash_sim_attach(&sim, base, sectors, mem);
	struct fwd_flash fl = fwd_flash_sim_flash(&sim);
	enum fwd_verdict v = fwd_image_check(&fl, base, (uint32_t)len, &pol, &out);
	free(mem);
	return v;
}

/* One input through both; 0 when they agree. */
static int compare(const char *name, const char *what, const uint8_t *d, size_t len)
{
	struct fwp_err err;
	/* The slot at the address the header names (the host does not know it). */
	uint64_t base = 0x08020000u;
	if (len >= FWP_IMAGE_HDR_LEN)
		base = (uint64_t)fwp_le32(d + FWP_HDR_OFF_LOAD_ADDR) -
		       fwp_le16(d + FWP_HDR_OFF_HDR_SIZE);
	if (len < FWP_IMAGE_HDR_LEN || base > 0xFFFFFFFFu || base + len > 0x100000000ull) {
		skipped++; /* no slot on any device sits there: nothing to compare */
		return 0;
	}
	fwp_err_clear(&err);
	int rc = host_verify(d, len, &err);
	enum fwd_verdict dv = device_check(d, len, (uint32_t)base);
	enum fwd_verdict hv = rc == FWP_OK ? FWD_IMAGE_OK : host_class(&err);
	int device_ok = dv == FWD_IMAGE_OK || dv == FWD_IMAGE_WRONG_TYPE ||
			dv == FWD_IMAGE_ROLLBACK || dv == FWD_IMAGE_BAD_VECTORS;
	compared++;
	if (rc == FWP_OK && device_ok) {
		accepted++;
		return 0;
	}
	if (hv == dv)
		return 0;
	fprintf(stderr, "%s (%s): fwpack verify says \"%s\", the device says \"%s\"\n", name,
		what, rc == FWP_OK ? "OK" : err.msg, fwp_verdict_name(dv));
	return 1;
}

/* The input itself, every truncation, and single-byte changes everywhere. */
static int replay(const char *name, const uint8_t *d, size_t len)
{
	uint8_t *m = malloc(len ? len : 1);
	char what[64];
	int bad = compare(name, "as is", d, len);
	for (size_t cut = 0; cut < len && !bad; cut += cut < 256 ? 1 : 61) {
		snprintf(what, sizeof(what), "cut to %zu bytes", cut);
		bad |= compare(name, what, d, cut);
	}
	for (size_t i = 0; i < len && !bad; i += i < 256 || i + 300 > len ? 1 : 97) {
		static const uint8_t flips[] = {0x01, 0x80, 0xFF};
		for (size_t f = 0; f < sizeof(flips) && !bad; f++) {
			memcpy(m, d, len);
			m[i] ^= flips[f];
			snprintf(what, sizeof(what), "byte %zu ^ 0x%02x", i, flips[f]);
			bad |= compare(name, what, m, len);
		}
	}
	free(m);
	return bad;
}

/* The same image signed with the trusted key: the accepting side of the comparison. */
static int resign(const uint8_t *d, size_t len, struct fwp_buf *out)
{
	struct fwp_image_info info;
	struct fwp_image_params p = {0};
	struct fwp_err err;
	uint8_t digest[32], sig[64], kh[32];
	if (fwp_image_parse(d, len, &info, &err) < 0)
		return -1;
	p.type = (enum fwp_image_type)info.hdr.image_type;
	p.flags = info.hdr.flags;
	p.version = info.hdr.version;
	p.security_counter = info.hdr.security_counter;
	p.load_addr = info.hdr.load_addr;
	p.slot_addr = info.hdr.load_addr - info.hdr.hdr_size;
	p.vector_addr = info.hdr.vector_addr;
	p.payload = info.payload;
	p.payload_len = info.hdr.payload_size;
	p.build_id = info.build_id;
	p.build_id_len = info.build_id_len;
	if (fwp_image_begin(&p, out, digest, &err) < 0 ||
	    fwp_ecdsa_sign_digest(key, digest, sig, &err) < 0 || fwp_key_hash(key, kh, &err) < 0 ||
	    fwp_image_finish(out, digest, kh, sig, &err) < 0) {
		fprintf(stderr, "re-signing: %s\n", err.msg);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct fwp_err err;
	int bad = 0, resigned = 0;
	char corpus[4096];
	const char *top = getenv("top_srcdir");
	snprintf(corpus, sizeof(corpus), "%s/tests/fuzz/corpus/image", top ? top : ".");
	if (argc > 2) {
		fprintf(stderr, "usage: %s [CORPUS_DIR]\n", argv[0]);
		return 2;
	}
	const char *cdir = argc == 2 ? argv[1] : corpus;
	char dir[] = "/tmp/fwpack-verdicts-XXXXXX", k[64], kp[64];
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(k, sizeof(k), "%s/k.pem", dir);
	snprintf(kp, sizeof(kp), "%s/k.pub.pem", dir);
	if (fwp_keygen(FWP_CURVE_P256, k, kp, 0, &err) < 0 || fwp_key_load(k, &key, &err) < 0 ||
	    fwp_key_public_point(key, point, &err) < 0) {
		fprintf(stderr, "key: %s\n", err.msg);
		return 1;
	}
	DIR *dd = opendir(cdir);
	if (!dd) {
		perror(cdir);
		return 1;
	}
	for (struct dirent *e; (e = readdir(dd)) && !bad;) {
		if (e->d_name[0] == '.')
			continue;
		struct fwp_buf f = {0}, signed_img = {0};
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", cdir, e->d_name);
		if (fwp_file_read(path, FWP_IMAGE_FILE_MAX, &f, &err) < 0) {
			fprintf(stderr, "%s\n", err.msg);
			return 1;
		}
		bad |= replay(e->d_name, f.data, f.len);
		if (!bad && resign(f.data, f.len, &signed_img) == 0) {
			resigned++;
			bad |= replay(e->d_name, signed_img.data, signed_img.len);
		}
		fwp_buf_free(&f);
		fwp_buf_free(&signed_img);
	}
	closedir(dd);
	printf("%lu inputs compared (%lu accepted by both, %d corpus images re-signed), "
	       "%lu skipped (no slot can sit at their address)\n",
	       compared, accepted, resigned, skipped);
	/* A replay that never accepts anything would prove nothing. */
	if (!bad && (resigned == 0 || accepted == 0)) {
		fprintf(stderr, "no image was accepted: the comparison proves nothing\n");
		bad = 1;
	}
	fwp_key_free(key);
	unlink(k);
	unlink(kp);
	rmdir(dir);
	return bad;
}

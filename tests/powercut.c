/*
 * Power cuts over every update flow, on the NOR flash model (device/sim)
 * with the device core built for the host: the engine the serial protocol
 * and USB DFU carriers drive (fwd_update), the Updater's bundle writer
 * (fwd_writer), the Loader's security counter (fwd_counter), and the chain's
 * boot decision (the Bootloader's check of the Loader, the Loader's
 * fwd_boot_decide over the Application) on the qemu-mps2/posix layout.
 *
 * For each flow: count its N flash operations (erases and programs), then
 * cut the power at every i in 1..N, once leaving the interrupted operation
 * undone and once torn (half an erase, half a program, bits half set or
 * cleared), and in random runs of several cuts in one update. After each
 * cut the chain reboots and must: leave the Bootloader's sector untouched,
 * never lower the security counter, and boot an image that is byte for
 * byte one this flow installed or replaced (old or new, never a mix), or
 * wait in the Loader's or Updater's update mode; never halt. Then the
 * update is run again from the start and must complete, and the chain must
 * boot what it installed.
 *
 * Planted bug check (done by hand while writing this, kept out of the
 * tree): fwd_counter_raise erasing the sector that holds the value instead
 * of the other one (the sector switch's "cur = other" line removed) is
 * caught by the "security counter raised" flow: "cut at operation 175: the
 * security counter went down" (the program after that erase) and "cut at
 * operation 174, torn" (the erase itself, torn); powercut_survived 670 of
 * 672 in the reduced run, exit 1. Without the bug every flow completes
 * normally, so only the cuts show it.
 *
 * Usage: powercut [--full] [--seed N]   (default: a reduced run for make
 * check: every 7th cut point, the last 8 of each flow, fewer random runs). Prints N per flow,
 * then powercut_tried and powercut_survived; exit 1 if a cut was not survived.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "crypto.h"
#include "fwd_boot.h"
#include "fwd_counter.h"
#include "fwd_flash_sim.h"
#include "fwd_image.h"
#include "fwd_inflate.h"
#include "fwd_shared.h"
#include "fwd_update.h"
#include "fwd_writer.h"
#include "slotimage.h"

/* The qemu-mps2 layout (device/ports/qemu-mps2/port.c), counter in two sectors. */
static const uint32_t sectors[] = {16384,  16384,  16384,  16384,  65536,  131072, 131072, 131072,
				   131072, 131072, 131072, 131072, 16384,  16384,  0};
#define BOOT_SIZE 0x4000u
#define LOADER_ADDR 0x4000u
#define LOADER_SIZE 0x1C000u
#define APP_ADDR 0x20000u
#define APP_SIZE 0xE0000u
#define COUNTER_ADDR 0x100000u
#define COUNTER_SIZE 0x8000u
#define VT_SIZE 256u
#define CHUNK 256u

enum { KEY_DEV, KEY_NEXT, NKEYS };
static struct fwp_key *keys[NKEYS];
static uint8_t points[NKEYS][FWP_P256_PUBKEY_LEN];

struct image {
	struct fwp_buf b;
	uint8_t trusts; /* a Loader: the keys it checks the Application with (bit per key) */
};

/* The images the flows use. */
static struct image loader1, loader2, loader_next, updater, app1, app2, app_next, app_counter;

struct rig {
	struct fwd_flash_sim sim;
	struct fwd_flash fl;
	uint8_t *pristine_boot;
	const struct image *known[8]; /* what may boot: the old and new images of the flow */
	int nknown;
};

static const char *why; /* the last failure, for the report */

static void make_image(struct image *img, enum fwp_image_type type, uint32_t slot, uint32_t counter,
		       size_t payload_len, uint8_t seed, int signer, uint8_t trusts)
{
	struct fwp_image_params p = {0};
	struct fwp_err err;
	uint8_t digest[32], sig[64], kh[32];
	uint8_t *payload = malloc(payload_len);
	for (size_t i = 0; i < payload_len; i++)
		payload[i] = (uint8_t)(i * 31 + seed + (i >> 9));
	p.type = type;
	p.version = (struct fwp_image_version){1, seed, 0, 0};
	p.security_counter = counter;
	p.slot_addr = slot;
	p.load_addr = slot + 0x200;
	p.vector_addr = p.load_addr;
	p.payload = payload;
	p.payload_len = payload_len;
	memset(&img->b, 0, sizeof(img->b));
	if (fwp_image_begin(&p, &img->b, digest, &err) < 0 ||
	    fwp_ecdsa_sign_digest(keys[signer], digest, sig, &err) < 0 ||
	    fwp_key_hash(keys[signer], kh, &err) < 0 || fwp_image_finish(&img->b, digest, kh, sig, &err) < 0) {
		fprintf(stderr, "powercut: making an image: %s\n", err.msg);
		exit(1);
	}
	img->trusts = trusts;
	free(payload);
}

static struct fwd_policy policy(uint8_t key_bit, uint8_t types, uint32_t min)
{
	/* Keys are contiguous in points[]: dev alone, next alone, or both. */
	struct fwd_policy p = {(const uint8_t(*)[FWP_P256_PUBKEY_LEN])points[key_bit == 2 ? 1 : 0],
			       key_bit == 3 ? 2u : 1u, types, min, VT_SIZE, NULL, 0};
	return p;
}

static struct fwd_counter_store counter_store(struct rig *r)
{
	struct fwd_counter_store st = {&r->fl, COUNTER_ADDR, COUNTER_SIZE};
	return st;
}

/* A slot holds exactly one of the flow's images, as many bytes as it has. */
static const struct image *slot_image(struct rig *r, uint32_t addr)
{
	for (int i = 0; i < r->nknown; i++) {
		const struct image *k = r->known[i];
		if (memcmp(r->sim.mem + addr, k->b.data, k->b.len) == 0)
			return k;
	}
	return NULL;
}

enum outcome { RAN_APP, WAITS_IN_LOADER, RAN_UPDATER, BRICKED };

/*
 * Power on: the Bootloader checks the Loader (root keys dev and next),
 * else starts a valid Updater from the Application slot, else halts; the
 * Loader checks the Application with its own keys and the stored counter,
 * decides (fwd_boot_decide) and raises the counter before booting it.
 */
static enum outcome reboot(struct rig *r, int *flash_failed)
{
	struct fwd_image img;
	struct fwd_shared sh;
	struct fwd_policy root = policy(3, 1u << FWP_IMAGE_TYPE_LOADER, 0);
	*flash_failed = 0;
	if (memcmp(r->sim.mem, r->pristine_boot, BOOT_SIZE) != 0) {
		why = "the Bootloader's sector changed";
		return BRICKED;
	}
	if (fwd_image_check(&r->fl, LOADER_ADDR, LOADER_SIZE, &root, &img) != FWD_IMAGE_OK) {
		root.type_mask = 1u << FWP_IMAGE_TYPE_UPDATER;
		if (fwd_image_check(&r->fl, APP_ADDR, APP_SIZE, &root, &img) != FWD_IMAGE_OK) {
			why = "no valid Loader and no Updater: the Bootloader halts";
			return BRICKED;
		}
		if (!slot_image(r, APP_ADDR)) {
			why = "the Bootloader started an Updater that is none of the flow's images";
			return BRICKED;
		}
		return RAN_UPDATER;
	}
	const struct image *loader = slot_image(r, LOADER_ADDR);
	if (!loader) {
		why = "the Bootloader started a Loader that is none of the flow's images (a mix)";
		return BRICKED;
	}
	struct fwd_counter_store cs = counter_store(r);
	struct fwd_policy lp = policy(loader->trusts,
				      (1u << FWP_IMAGE_TYPE_APP) | (1u << FWP_IMAGE_TYPE_UPDATER),
				      fwd_counter_get(&cs));
	enum fwd_verdict v = fwd_image_check(&r->fl, APP_ADDR, APP_SIZE, &lp, &img);
	fwd_shared_init(&sh, FWD_RESET_POWER_ON);
	if (fwd_boot_decide(&sh, v, v == FWD_IMAGE_OK ? img.hdr.flags : 0, FWD_CRASH_LOOP_DEFAULT, 0) !=
	    FWD_BOOT_APP)
		return WAITS_IN_LOADER;
	if (!slot_image(r, APP_ADDR)) {
		why = "the Loader booted an image that is none of the flow's images (a mix)";
		return BRICKED;
	}
	if (fwd_counter_raise(&cs, img.hdr.security_counter) != 0)
		*flash_failed = 1; /* the power went during the raise */
	return img.hdr.image_type == FWP_IMAGE_TYPE_UPDATER ? RAN_UPDATER : RAN_APP;
}

/* ---- the carriers: each returns 0 when the image is committed ---- */

static int engine_target(struct fwd_update_target *t, uint8_t id, uint8_t key_bit, uint8_t types,
			 uint32_t min)
{
	t->id = id;
	t->slot.addr = id == 1 ? LOADER_ADDR : APP_ADDR;
	t->slot.size = id == 1 ? LOADER_SIZE : APP_SIZE;
	t->slot.writable = 1;
	t->pol = policy(key_bit, types, min);
	return 0;
}

/* Over the serial protocol's engine: raw or deflate, optionally dropped at half and resumed. */
static int via_engine(struct rig *r, uint8_t slot_id, const struct image *img, uint8_t key_bit,
		      uint8_t types, int compressed, int resume)
{
	struct fwd_update_target t;
	struct fwd_update u;
	uint8_t id[FWP_SESSION_ID_LEN], detail = 0;
	uint32_t off = 0;
	const uint8_t *data = img->b.data;
	uLongf len = img->b.len;
	uint8_t *z = NULL;
	if (compressed) { /* raw deflate in the device's window, as fwpack flash sends it */
		z_stream zs = {0};
		len = compressBound(img->b.len) + 64;
		z = malloc(len);
		if (deflateInit2(&zs, 9, Z_DEFLATED, -FWD_INFLATE_WBITS, 9, Z_DEFAULT_STRATEGY) != Z_OK)
			abort();
		zs.next_in = (Bytef *)img->b.data;
		zs.avail_in = (uInt)img->b.len;
		zs.next_out = z;
		zs.avail_out = (uInt)len;
		if (deflate(&zs, Z_FINISH) != Z_STREAM_END)
			abort();
		len = zs.total_out;
		deflateEnd(&zs);
		data = z;
	}
	engine_target(&t, slot_id, key_bit, types, 0);
	memcpy(id, img->b.data + 32, sizeof(id));
	fwd_update_init(&u, &r->fl, &t, 1);
	int rc = -1;
	if (fwd_update_begin(&u, slot_id, compressed ? FWP_ENC_DEFLATE : FWP_ENC_RAW, (uint32_t)img->b.len,
			     id, img->b.data, &off, &detail) != FWP_ST_OK)
		goto out;
	for (int pass = 0; pass < (resume ? 2 : 1); pass++) {
		uint32_t stop = resume && pass == 0 ? (uint32_t)len / 2 : (uint32_t)len;
		while (off < stop) {
			uint32_t n = stop - off < CHUNK ? stop - off : CHUNK;
			if (fwd_update_data(&u, off, data + off, n) != FWP_ST_OK)
				goto out;
			off += n;
		}
		if (resume && pass == 0) { /* the cable is pulled: the host begins again */
			if (fwd_update_begin(&u, slot_id, compressed ? FWP_ENC_DEFLATE : FWP_ENC_RAW,
					     (uint32_t)img->b.len, id, img->b.data, &off,
					     &detail) != FWP_ST_OK)
				goto out;
		}
	}
	rc = fwd_update_finish(&u, &detail) == FWP_ST_OK ? 0 : -1;
out:
	free(z);
	return rc;
}

/* As the USB DFU carrier drives the engine: slot size as the bound, finished where it ends. */
static int via_dfu(struct rig *r, const struct image *img, uint8_t key_bit)
{
	struct fwd_update_target t;
	struct fwd_update u;
	uint8_t detail = 0;
	uint32_t off = 0;
	engine_target(&t, 2, key_bit, 1u << FWP_IMAGE_TYPE_APP, 0);
	fwd_update_init(&u, &r->fl, &t, 1);
	if (fwd_update_begin(&u, 2, FWP_ENC_RAW, APP_SIZE,
			     img->b.data + FWP_IMAGE_HDR_LEN - FWP_SESSION_ID_LEN, img->b.data, &off,
			     &detail) != FWP_ST_OK)
		return -1;
	for (off = 0; off < img->b.len; off += 1024) {
		uint32_t n = img->b.len - off < 1024 ? (uint32_t)(img->b.len - off) : 1024;
		if (fwd_update_data(&u, off, img->b.data + off, n) != FWP_ST_OK)
			return -1;
	}
	return fwd_update_finish_here(&u, &detail) == FWP_ST_OK ? 0 : -1;
}

/* As the Updater installs the Loader it carries (apps/updater.c). */
static int via_bundle(struct rig *r, const struct image *img)
{
	struct fwd_slot slot = {LOADER_ADDR, LOADER_SIZE, 1};
	struct fwd_policy root = policy(3, 1u << FWP_IMAGE_TYPE_LOADER, 0);
	struct fwd_writer w;
	enum fwd_verdict v;
	enum fwd_write_status st = fwd_writer_begin(&w, &r->fl, &slot);
	for (uint32_t off = 0; st == FWD_WRITE_OK && off < img->b.len; off += CHUNK) {
		uint32_t n = img->b.len - off < CHUNK ? (uint32_t)(img->b.len - off) : CHUNK;
		st = fwd_writer_write(&w, off, img->b.data + off, n);
	}
	if (st == FWD_WRITE_OK)
		st = fwd_writer_commit(&w, &root, &v);
	return st == FWD_WRITE_OK ? 0 : -1;
}

/* ---- the flows: the whole update, as a host and the chain carry it out ---- */

struct flow {
	const char *name;
	int (*run)(struct rig *r);
	void (*setup)(struct rig *r); /* the device before the update */
	const struct image *loader_after, *app_after;
	const struct image *known[6];
};

static int run_raw(struct rig *r) { return via_engine(r, 2, &app2, 1, 1u << FWP_IMAGE_TYPE_APP, 0, 0); }
static int run_deflate(struct rig *r) { return via_engine(r, 2, &app2, 1, 1u << FWP_IMAGE_TYPE_APP, 1, 0); }
static int run_dfu(struct rig *r) { return via_dfu(r, &app2, 1); }
static int run_resume(struct rig *r) { return via_engine(r, 2, &app2, 1, 1u << FWP_IMAGE_TYPE_APP, 0, 1); }

/*
 * Loader replaced: the Loader takes the Updater and reboots into it, the
 * Updater installs the new Loader, which takes the Application again. Run
 * again after a cut, the host starts from what the device runs: the
 * Updater (the Bootloader starts it when the Loader is invalid) is not sent
 * again, and a Loader already replaced is not replaced again (after a key
 * rotation it would refuse the Updater, signed with the old key).
 */
static int loader_flow(struct rig *r, const struct image *loader, const struct image *app,
		       uint8_t app_key, int serial)
{
	int failed;
	if (slot_image(r, LOADER_ADDR) != loader) {
		enum outcome o = reboot(r, &failed);
		if (failed || o == BRICKED)
			return -1;
		if (o != RAN_UPDATER) {
			if (via_engine(r, 2, &updater, 1, 1u << FWP_IMAGE_TYPE_UPDATER, 0, 0) != 0)
				return -1;
			if (reboot(r, &failed) != RAN_UPDATER || failed)
				return -1;
		}
		if ((serial ? via_engine(r, 1, loader, 3, 1u << FWP_IMAGE_TYPE_LOADER, 1, 0)
			    : via_bundle(r, loader)) != 0)
			return -1;
		if (reboot(r, &failed) == BRICKED || failed)
			return -1;
	}
	return via_engine(r, 2, app, app_key, 1u << FWP_IMAGE_TYPE_APP, 0, 0);
}
static int run_loader_bundle(struct rig *r) { return loader_flow(r, &loader2, &app1, 1, 0); }
static int run_loader_serial(struct rig *r) { return loader_flow(r, &loader2, &app1, 1, 1); }
static int run_rotation(struct rig *r) { return loader_flow(r, &loader_next, &app_next, 2, 0); }

/* The counter: an Application with a higher counter, then the Loader boots it and raises it. */
static int run_counter(struct rig *r)
{
	int failed;
	if (via_engine(r, 2, &app_counter, 1, 1u << FWP_IMAGE_TYPE_APP, 0, 0) != 0)
		return -1;
	return reboot(r, &failed) == RAN_APP && !failed ? 0 : -1;
}

static void setup_plain(struct rig *r)
{
	(void)r;
}

/* The counter's first sector full (2,048 raises): the raise moves to the other sector. */
static void setup_counter_full(struct rig *r)
{
	struct fwd_counter_store cs = counter_store(r);
	for (uint32_t v = 1; v <= 2048; v++)
		if (fwd_counter_raise(&cs, v) != 0)
			abort();
	/* The installed Application still boots: its counter is the highest. */
}

static const struct flow flows[] = {
	{"app over serial, raw", run_raw, setup_plain, &loader1, &app2, {&loader1, &app1, &app2}},
	{"app over serial, deflate", run_deflate, setup_plain, &loader1, &app2, {&loader1, &app1, &app2}},
	{"app over USB DFU", run_dfu, setup_plain, &loader1, &app2, {&loader1, &app1, &app2}},
	{"app, resumed transfer", run_resume, setup_plain, &loader1, &app2, {&loader1, &app1, &app2}},
	{"loader through the Updater, bundle", run_loader_bundle, setup_plain, &loader2, &app1,
	 {&loader1, &loader2, &updater, &app1}},
	{"loader through the Updater, serial", run_loader_serial, setup_plain, &loader2, &app1,
	 {&loader1, &loader2, &updater, &app1}},
	{"key rotation", run_rotation, setup_plain, &loader_next, &app_next,
	 {&loader1, &loader_next, &updater, &app1, &app_next}},
	{"security counter raised", run_counter, setup_counter_full, &loader1, &app_counter,
	 {&loader1, &app1, &app_counter}},
};

/* The device as it leaves the factory, then as the flow expects it. */
static void rig_init(struct rig *r, const struct flow *f)
{
	if (fwd_flash_sim_init(&r->sim, 0, sectors) != 0)
		abort();
	r->fl = fwd_flash_sim_flash(&r->sim);
	for (uint32_t i = 0; i < BOOT_SIZE; i++)
		r->sim.mem[i] = (uint8_t)(i * 7 + 1); /* the Bootloader */
	memcpy(r->sim.mem + LOADER_ADDR, loader1.b.data, loader1.b.len);
	memcpy(r->sim.mem + APP_ADDR, app1.b.data, app1.b.len);
	r->sim.protected_size = BOOT_SIZE;
	r->pristine_boot = malloc(BOOT_SIZE);
	memcpy(r->pristine_boot, r->sim.mem, BOOT_SIZE);
	r->nknown = 0;
	for (int i = 0; i < 6 && f->known[i]; i++)
		r->known[r->nknown++] = f->known[i];
	f->setup(r);
}

static void rig_free(struct rig *r)
{
	fwd_flash_sim_free(&r->sim);
	free(r->pristine_boot);
}

/* After the cuts: the chain survives them, the update completes, the new images run. */
static int survives(struct rig *r, const struct flow *f, uint32_t counter_before)
{
	int failed;
	struct fwd_counter_store cs = counter_store(r);
	r->sim.ops_left = -1;
	if (fwd_counter_get(&cs) < counter_before) {
		why = "the security counter went down";
		return 0;
	}
	if (reboot(r, &failed) == BRICKED)
		return 0;
	if (fwd_counter_get(&cs) < counter_before) {
		why = "the security counter went down";
		return 0;
	}
	if (f->run(r) != 0) {
		why = "running the update again did not complete";
		return 0;
	}
	if (reboot(r, &failed) != RAN_APP || failed) {
		why = "after the update completed, the Application does not boot";
		return 0;
	}
	if (memcmp(r->sim.mem + LOADER_ADDR, f->loader_after->b.data, f->loader_after->b.len) ||
	    memcmp(r->sim.mem + APP_ADDR, f->app_after->b.data, f->app_after->b.len)) {
		why = "after the update completed, the slots do not hold the new images";
		return 0;
	}
	return 1;
}

static unsigned long tried, survived;

static void report_failure(const struct flow *f, const char *how)
{
	fprintf(stderr, "NOT SURVIVED: %s: %s: %s\n", f->name, how, why ? why : "?");
}

/* Cut at op i (1-based), torn or not; then the checks. */
static void one_cut(const struct flow *f, long i, int torn, uint32_t seed)
{
	struct rig r;
	char how[96];
	rig_init(&r, f);
	struct fwd_counter_store cs = counter_store(&r);
	uint32_t before = fwd_counter_get(&cs);
	r.sim.ops_left = i - 1;
	r.sim.torn = torn;
	r.sim.seed = seed;
	(void)f->run(&r);
	r.sim.torn = 0;
	why = NULL;
	tried++;
	if (survives(&r, f, before))
		survived++;
	else {
		snprintf(how, sizeof(how), "cut at operation %ld%s", i, torn ? ", torn" : "");
		report_failure(f, how);
	}
	rig_free(&r);
}

/* Several cuts in one update: cut, reboot, run again, cut again, ... */
static void several_cuts(const struct flow *f, long n, uint32_t *seed)
{
	struct rig r;
	char how[160];
	int len = 0, failed;
	rig_init(&r, f);
	struct fwd_counter_store cs = counter_store(&r);
	uint32_t before = fwd_counter_get(&cs);
	int cuts = 2 + (int)(*seed % 3);
	why = NULL;
	for (int k = 0; k < cuts; k++) {
		*seed = *seed * 1103515245u + 12345u;
		long i = 1 + (long)((*seed >> 8) % (uint32_t)n);
		r.sim.ops_left = i - 1;
		r.sim.torn = (int)((*seed >> 4) & 1);
		r.sim.seed = *seed | 1;
		len += snprintf(how + len, sizeof(how) - (size_t)len, "%s%ld%s", k ? ", " : "cuts at ", i,
				r.sim.torn ? " torn" : "");
		(void)f->run(&r);
		r.sim.ops_left = -1;
		r.sim.torn = 0;
		if (reboot(&r, &failed) == BRICKED || fwd_counter_get(&cs) < before) {
			if (!why)
				why = "the security counter went down";
			break;
		}
	}
	tried++;
	if (!why && survives(&r, f, before))
		survived++;
	else
		report_failure(f, how);
	rig_free(&r);
}

static void load_keys(void)
{
	char dir[] = "/tmp/fwpack-powercut-XXXXXX", priv[64], pub[64];
	struct fwp_err err;
	if (!mkdtemp(dir))
		abort();
	for (int k = 0; k < NKEYS; k++) {
		snprintf(priv, sizeof(priv), "%s/%d.pem", dir, k);
		snprintf(pub, sizeof(pub), "%s/%d.pub.pem", dir, k);
		if (fwp_keygen(FWP_CURVE_P256, priv, pub, 0, &err) < 0 ||
		    fwp_key_load(priv, &keys[k], &err) < 0 ||
		    fwp_key_public_point(keys[k], points[k], &err) < 0) {
			fprintf(stderr, "powercut: keys: %s\n", err.msg);
			exit(1);
		}
		unlink(priv);
		unlink(pub);
	}
	rmdir(dir);
}

int main(int argc, char **argv)
{
	int full = 0;
	uint32_t seed = 20261129u;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--full") == 0)
			full = 1;
		else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
			seed = (uint32_t)strtoul(argv[++i], NULL, 0);
		else {
			fprintf(stderr, "usage: powercut [--full] [--seed N]\n");
			return 2;
		}
	}
	load_keys();
	/* Loaders trust dev (bit 0) or, after the rotation, next only (bit 1). */
	make_image(&loader1, FWP_IMAGE_TYPE_LOADER, LOADER_ADDR, 1, 20000, 1, KEY_DEV, 1);
	make_image(&loader2, FWP_IMAGE_TYPE_LOADER, LOADER_ADDR, 2, 22000, 2, KEY_DEV, 1);
	make_image(&loader_next, FWP_IMAGE_TYPE_LOADER, LOADER_ADDR, 2, 21000, 3, KEY_NEXT, 2);
	make_image(&updater, FWP_IMAGE_TYPE_UPDATER, APP_ADDR, 1, 30000, 4, KEY_DEV, 0);
	make_image(&app1, FWP_IMAGE_TYPE_APP, APP_ADDR, 1, 40000, 5, KEY_DEV, 0);
	make_image(&app2, FWP_IMAGE_TYPE_APP, APP_ADDR, 1, 45000, 6, KEY_DEV, 0);
	make_image(&app_next, FWP_IMAGE_TYPE_APP, APP_ADDR, 1, 41000, 7, KEY_NEXT, 0);
	make_image(&app_counter, FWP_IMAGE_TYPE_APP, APP_ADDR, 2049, 43000, 8, KEY_DEV, 0);

	for (size_t fi = 0; fi < sizeof(flows) / sizeof(flows[0]); fi++) {
		const struct flow *f = &flows[fi];
		struct rig r;
		rig_init(&r, f);
		unsigned long ops0 = r.sim.erases + r.sim.programs;
		if (f->run(&r) != 0) {
			fprintf(stderr, "powercut: %s: the update fails without a power cut\n", f->name);
			rig_free(&r);
			return 1;
		}
		long n = (long)(r.sim.erases + r.sim.programs - ops0);
		rig_free(&r);
		unsigned long t0 = tried, s0 = survived;
		/* Reduced: every 7th operation, and the last 8 (commits, the counter) all. */
		for (long i = 1; i <= n; i++) {
			if (!full && i % 7 != 1 && i <= n - 8)
				continue;
			one_cut(f, i, 0, seed + (uint32_t)i);
			one_cut(f, i, 1, seed * 7 + (uint32_t)i);
		}
		for (int k = 0; k < (full ? 12 : 2); k++)
			several_cuts(f, n, &seed);
		printf("%s: N=%ld operations, %lu cuts tried, %lu survived\n", f->name, n, tried - t0,
		       survived - s0);
	}
	for (int k = 0; k < NKEYS; k++)
		fwp_key_free(keys[k]);
	struct image *all[] = {&loader1, &loader2, &loader_next, &updater, &app1, &app2, &app_next, &app_counter};
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		fwp_buf_free(&all[i]->b);
	printf("powercut_tried: %lu\npowercut_survived: %lu\n", tried, survived);
	return survived == tried ? 0 : 1;
}

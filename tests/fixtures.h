/*
 * Fixtures the Check test programs share instead of copying them: the
 * cookbook's STM32F429 flash layout, a pair of fresh signing keys, and
 * signed images as fwpack build writes them.
 */
#ifndef FWP_TEST_FIXTURES_H
#define FWP_TEST_FIXTURES_H

#include <stddef.h>
#include <stdint.h>

#include "crypto.h"
#include "slotimage.h"
#include "util.h"

/* The F429's sectors: 4x16K, 1x64K, 7x128K from 0x08000000, 0-terminated. */
extern const uint32_t fx_f429_sectors[];
/* Its three slots, as examples/manifests/factory-f429.json has them. */
#define FX_FLASH_BASE 0x08000000u
#define FX_BOOT_ADDR 0x08000000u
#define FX_BOOT_SIZE 0x4000u
#define FX_LOADER_ADDR 0x08004000u
#define FX_LOADER_SIZE 0x1C000u
#define FX_APP_ADDR 0x08020000u
#define FX_APP_SIZE 0xE0000u

/* Two P-256 key pairs in a new temporary folder: the trusted one and a stranger. */
struct fx_keys {
	char *dir;
	char *key_path, *pub_path, *other_path, *other_pub_path;
	struct fwp_key *key, *other;
	uint8_t pub[65], other_pub[65]; /* uncompressed points, as a device holds them */
};

void fx_keys_new(struct fx_keys *k);
/* Frees the keys and removes the folder. */
void fx_keys_free(struct fx_keys *k);

/* The keys of a test case: its unchecked fixture is fx_setup, fx_teardown. */
extern struct fx_keys fx;
void fx_setup(void);
void fx_teardown(void);

/* len payload bytes of a fixed pattern (so that no two offsets look alike); free() it. */
uint8_t *fx_pattern(size_t len);

/* The image p describes, signed by signer, into out (empty). */
void fx_image_sign(const struct fwp_image_params *p, struct fwp_key *signer, struct fwp_buf *out);

#endif /* FWP_TEST_FIXTURES_H */

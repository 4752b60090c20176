/*
 * The no-init RAM block that an Application and the Loader share across a
 * reset: an update request, the boot counter that detects crash loops, and
 * the reset reason. This is its one definition: the device programs
 * (device/core/fwd_shared.*) and the header-only application API
 * (fwpack/app.h) both compile it. Little endian, as the Cortex-M is; it
 * needs only <stdint.h> and <stddef.h>.
 *
 * Where it lives is the board's: 256 bytes at the start of SRAM
 * (0x20000000) on the qemu-mps2 and stm32f4 ports (their linker scripts'
 * SHARED region); an application keeps its own RAM out of it
 * (docs/handoff.md).
 */
#ifndef FWPACK_SHARED_RAM_H
#define FWPACK_SHARED_RAM_H

#include <stddef.h>
#include <stdint.h>

#define FWD_SHARED_MAGIC 0x0BADCAFEu
#define FWD_SHARED_VERSION 1u
#define FWD_SHARED_F_UPDATE_REQUESTED 0x1u
#define FWD_CRASH_LOOP_DEFAULT 3u

struct fwd_shared {
	uint32_t magic;
	uint16_t version;
	uint16_t flags;
	uint8_t boot_count;   /* boots since the Application last marked itself good */
	uint8_t reset_reason; /* enum fwd_reset_reason */
	uint8_t reserved[2];
	uint32_t crc;         /* CRC-32 of the bytes before it */
};

#if defined(__cplusplus)
static_assert(sizeof(struct fwd_shared) == 16 && offsetof(struct fwd_shared, crc) == 12,
	      "the shared RAM layout is fixed: Loader and Application are built apart");
#else
_Static_assert(sizeof(struct fwd_shared) == 16 && offsetof(struct fwd_shared, crc) == 12,
	       "the shared RAM layout is fixed: Loader and Application are built apart");
#endif

enum fwd_reset_reason {
	FWD_RESET_UNKNOWN = 0,
	FWD_RESET_POWER_ON,
	FWD_RESET_SOFTWARE,
	FWD_RESET_WATCHDOG,
	FWD_RESET_PIN
};

/*
 * CRC-32 (IEEE 802.3, as zlib) of the bytes before crc: bit by bit, since
 * an application including this header brings no table, and 12 bytes are
 * nothing to hurry over.
 */
static inline uint32_t fwd_shared_crc(const struct fwd_shared *s)
{
	const uint8_t *p = (const uint8_t *)s;
	uint32_t c = 0xFFFFFFFFu;
	for (size_t i = 0; i < offsetof(struct fwd_shared, crc); i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
	}
	return ~c;
}

/* Non-zero when the block holds what a Loader wrote (not power-up noise). */
static inline int fwd_shared_valid(const struct fwd_shared *s)
{
	return s->magic == FWD_SHARED_MAGIC && s->version == FWD_SHARED_VERSION &&
	       s->crc == fwd_shared_crc(s);
}

/* Update the CRC after changing a field. */
static inline void fwd_shared_seal(struct fwd_shared *s)
{
	s->crc = fwd_shared_crc(s);
}

#endif /* FWPACK_SHARED_RAM_H */

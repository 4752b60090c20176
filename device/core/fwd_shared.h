/*
 * The no-init RAM block that the Application and the Loader share across a
 * reset: an update request, the boot counter that detects crash loops, and
 * the reset reason. Defined once, here, for both sides.
 */
#ifndef FWD_SHARED_H
#define FWD_SHARED_H

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

enum fwd_reset_reason {
	FWD_RESET_UNKNOWN = 0,
	FWD_RESET_POWER_ON,
	FWD_RESET_SOFTWARE,
	FWD_RESET_WATCHDOG,
	FWD_RESET_PIN
};

/*
 * Make the block valid: on a power-on reset, or when its magic, version or
 * CRC is wrong (RAM content is random after power-up), reset it to defaults.
 * Returns 1 when it was reset.
 */
int fwd_shared_init(struct fwd_shared *s, enum fwd_reset_reason reason);

/* Update the CRC after changing a field. */
void fwd_shared_seal(struct fwd_shared *s);

#endif /* FWD_SHARED_H */

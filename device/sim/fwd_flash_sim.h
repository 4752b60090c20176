/*
 * A NOR flash model for host tests and the posix port: erase sets a whole
 * sector to 0xFF, programming may only clear bits, and programming a byte
 * that is not erased is refused unless it writes zero (how images are
 * invalidated). It can cut the power after a number of operations, to
 * check that no interruption leaves a bootable half-image.
 */
#ifndef FWD_FLASH_SIM_H
#define FWD_FLASH_SIM_H

#include <stddef.h>
#include <stdint.h>

#include "fwd_flash.h"

struct fwd_flash_sim {
	uint32_t base;
	uint32_t size;
	uint8_t *mem;
	const uint32_t *sector_sizes; /* in address order, 0-terminated */
	long ops_left;                /* < 0: no power cut; else operations until it */
	unsigned long erases, programs, refused_programs;
};

int fwd_flash_sim_init(struct fwd_flash_sim *s, uint32_t base, const uint32_t *sector_sizes);
void fwd_flash_sim_free(struct fwd_flash_sim *s);
struct fwd_flash fwd_flash_sim_flash(struct fwd_flash_sim *s);

#endif /* FWD_FLASH_SIM_H */

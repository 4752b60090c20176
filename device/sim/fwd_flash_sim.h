/*
 * A NOR flash model for host tests and the posix port: erase sets a whole
 * sector to 0xFF, programming may only clear bits, and programming a byte
 * that is not erased is refused unless it writes zero (how images are
 * invalidated). It can cut the power after a number of operations, to
 * check that no interruption leaves a bootable half-image; with torn set,
 * the operation the power cut interrupts is left half done, as NOR does:
 * an erase leaves part of the sector erased and one byte with only some
 * bits set, a program lands part of its bytes and one byte with only some
 * of its bits cleared (which part and which bits: from seed).
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
	uint32_t protected_size;      /* bytes from base never erased or programmed */
	long ops_left;                /* < 0: no power cut; else operations until it */
	int torn;                     /* the interrupted operation is left half done */
	uint32_t seed;                /* xorshift state for the torn parts */
	int owned;                    /* mem was allocated by fwd_flash_sim_init */
	unsigned long erases, programs, refused_programs;
};

/* A model with its own memory, erased. */
int fwd_flash_sim_init(struct fwd_flash_sim *s, uint32_t base, const uint32_t *sector_sizes);
/* A model over memory the caller owns (the posix port's mapped file), as it is. */
void fwd_flash_sim_attach(struct fwd_flash_sim *s, uint32_t base, const uint32_t *sector_sizes,
			  uint8_t *mem);
/* The sum of a 0-terminated sector list. */
uint32_t fwd_flash_sim_size(const uint32_t *sector_sizes);
void fwd_flash_sim_free(struct fwd_flash_sim *s);
struct fwd_flash fwd_flash_sim_flash(struct fwd_flash_sim *s);

#endif /* FWD_FLASH_SIM_H */

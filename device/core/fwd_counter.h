/*
 * The installed security counter, kept in two flash sectors as an
 * append-only log of 8-byte records {counter, ~counter}: NOR only has to
 * clear bits to add one, the value never goes down, and a record torn by a
 * power cut fails its complement check and is ignored. When the sector in
 * use is full, the other one is erased and the log goes on there (the
 * sector holding the value is never the one erased), so it never ends.
 */
#ifndef FWD_COUNTER_H
#define FWD_COUNTER_H

#include <stdint.h>

#include "fwd_flash.h"

struct fwd_counter_store {
	const struct fwd_flash *fl;
	uint32_t addr; /* start of the first sector */
	uint32_t size; /* two equal erase sectors (one: the log ends when it is full) */
};

/* The highest valid counter recorded (0 when none). */
uint32_t fwd_counter_get(const struct fwd_counter_store *st);

/*
 * Record value if it is higher than the stored one. 0 on success (also when
 * nothing had to change), -1 when flash failed, or a one-sector store is
 * full (the stored value then stays, so rollback protection holds).
 */
int fwd_counter_raise(const struct fwd_counter_store *st, uint32_t value);

#endif /* FWD_COUNTER_H */

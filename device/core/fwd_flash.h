/*
 * The hardware contract for flash, as the portable core sees it. Each port
 * (device/ports/<board>/) implements these operations; the core never
 * touches hardware itself. Addresses are absolute.
 */
#ifndef FWD_FLASH_H
#define FWD_FLASH_H

#include <stddef.h>
#include <stdint.h>

struct fwd_flash_ops {
	/* Copy len bytes at addr into buf. 0 on success. */
	int (*read)(void *ctx, uint32_t addr, void *buf, size_t len);
	/* Erase the sector containing addr (to 0xFF). 0 on success. */
	int (*erase_sector)(void *ctx, uint32_t addr);
	/* Program len bytes at addr; NOR: only clears bits. 0 on success. */
	int (*program)(void *ctx, uint32_t addr, const void *buf, size_t len);
	/* Start and size of the sector containing addr. 0 on success. */
	int (*sector_of)(void *ctx, uint32_t addr, uint32_t *start, uint32_t *size);
};

struct fwd_flash {
	const struct fwd_flash_ops *ops;
	void *ctx;
};

#endif /* FWD_FLASH_H */

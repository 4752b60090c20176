/*
 * The internal flash: 2 MiB in two banks of 12 sectors (16K x4, 64K,
 * 128K x7). At 2.7-3.6 V it programs 32 bits at a time (PSIZE x32); bytes
 * that are not part of an aligned word go one at a time (PSIZE x8, valid
 * at any voltage). Sector 0 is the Bootloader's: never erased or written
 * from here.
 */
#include <stddef.h>
#include <string.h>

#include "fwd_port.h"
#include "stm32f4.h"

#define FLASH_BASE 0x08000000u
#define FLASH_END 0x08200000u
#define BANK_SIZE 0x00100000u
#define BANK_SECTORS 12
#define WRITABLE_START 0x08004000u /* sector 1 */

static const uint32_t bank_sectors[BANK_SECTORS] = {
	0x4000, 0x4000, 0x4000, 0x4000, 0x10000, 0x20000,
	0x20000, 0x20000, 0x20000, 0x20000, 0x20000, 0x20000,
};

static int in_flash(uint32_t addr, size_t len, uint32_t lowest)
{
	return addr >= lowest && addr <= FLASH_END && len <= FLASH_END - addr;
}

/* The sector holding addr: its number (0-23) and bounds, or -1. */
static int locate(uint32_t addr, uint32_t *start, uint32_t *size)
{
	if (!in_flash(addr, 1, FLASH_BASE))
		return -1;
	uint32_t bank = (addr - FLASH_BASE) / BANK_SIZE;
	uint32_t a = FLASH_BASE + bank * BANK_SIZE;
	for (int i = 0; i < BANK_SECTORS; a += bank_sectors[i++]) {
		if (addr - a < bank_sectors[i]) {
			*start = a;
			*size = bank_sectors[i];
			return (int)bank * BANK_SECTORS + i;
		}
	}
	return -1;
}

/*
 * The ART accelerator's caches keep lines of what flash held before: reset
 * both (only possible while disabled), or reads and fetches may return
 * bytes from before the erase or program.
 */
static void caches_flush(void)
{
	uint32_t acr = FLASH_ACR & ~(FLASH_ACR_ICRST | FLASH_ACR_DCRST);
	uint32_t off = acr & ~(FLASH_ACR_ICEN | FLASH_ACR_DCEN);
	FLASH_ACR = off;
	FLASH_ACR = off | FLASH_ACR_ICRST | FLASH_ACR_DCRST;
	FLASH_ACR = off;
	FLASH_ACR = acr;
}

/* Wait for the operation, then its verdict; its flags are cleared either way. */
static int finish(void)
{
	while (FLASH_SR & FLASH_SR_BSY)
		;
	uint32_t sr = FLASH_SR;
	FLASH_SR = sr & (FLASH_SR_ERRORS | FLASH_SR_EOP);
	return (sr & FLASH_SR_ERRORS) ? -1 : 0;
}

static void begin(void)
{
	/* Keys only while locked: a wrong key sequence locks FLASH_CR until reset. */
	if (FLASH_CR & FLASH_CR_LOCK) {
		FLASH_KEYR = FLASH_KEY1;
		FLASH_KEYR = FLASH_KEY2;
	}
	/* Flags an earlier failure (or a debugger) left would pass for this operation's. */
	finish();
}

static void end(void)
{
	FLASH_CR = FLASH_CR_LOCK; /* PG and SER off too */
	caches_flush();
}

static int flash_read(void *ctx, uint32_t addr, void *buf, size_t len)
{
	(void)ctx;
	if (!in_flash(addr, len, FLASH_BASE))
		return -1;
	memcpy(buf, (const void *)(uintptr_t)addr, len);
	return 0;
}

static int flash_sector_of(void *ctx, uint32_t addr, uint32_t *start, uint32_t *size)
{
	(void)ctx;
	return locate(addr, start, size) < 0 ? -1 : 0;
}

static int flash_erase(void *ctx, uint32_t addr)
{
	uint32_t start, size;
	int n = locate(addr, &start, &size);
	(void)ctx;
	if (n <= 0)
		return -1; /* outside flash, or the Bootloader's sector */
	begin();
	/* Bank 2's sectors 12-23 are SNB 16-27. */
	FLASH_CR = FLASH_CR_PSIZE_X32 | FLASH_CR_SER |
		   FLASH_CR_SNB(n < BANK_SECTORS ? n : n + 4);
	FLASH_CR |= FLASH_CR_STRT;
	int rc = finish();
	end();
	return rc;
}

static int flash_program(void *ctx, uint32_t addr, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	volatile uint8_t *m = (volatile uint8_t *)(uintptr_t)addr;
	int rc = 0;
	(void)ctx;
	if (!in_flash(addr, len, WRITABLE_START))
		return -1;
	for (size_t i = 0; i < len; i++)
		if ((m[i] & p[i]) != p[i])
			return -1; /* NOR: a 0 bit becomes 1 only by an erase */
	begin();
	for (size_t i = 0; i < len && rc == 0;) {
		uint32_t a = addr + (uint32_t)i;
		/* PSIZE changes only with PG clear, as in the RM's sequence. */
		if ((a & 3u) == 0 && len - i >= 4) {
			FLASH_CR = FLASH_CR_PSIZE_X32;
			FLASH_CR = FLASH_CR_PSIZE_X32 | FLASH_CR_PG;
			*(volatile uint32_t *)(uintptr_t)a = (uint32_t)p[i] | (uint32_t)p[i + 1] << 8 |
							     (uint32_t)p[i + 2] << 16 |
							     (uint32_t)p[i + 3] << 24;
			i += 4;
		} else {
			FLASH_CR = FLASH_CR_PSIZE_X8;
			FLASH_CR = FLASH_CR_PSIZE_X8 | FLASH_CR_PG;
			m[i] = p[i];
			i++;
		}
		/* The write to flash (normal memory) must reach it before BSY is polled. */
		__asm volatile("dsb" : : : "memory");
		rc = finish();
	}
	end();
	for (size_t i = 0; rc == 0 && i < len; i++)
		if (m[i] != p[i])
			rc = -1;
	return rc;
}

static const struct fwd_flash_ops ops = {flash_read, flash_erase, flash_program,
					 flash_sector_of};
static const struct fwd_flash flash = {&ops, NULL};

const struct fwd_flash *fwd_port_flash(void)
{
	return &flash;
}

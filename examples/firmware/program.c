/*
 * The example programs: each checksums a table in flash and keeps the
 * result in RAM, enough to give realistic ELF files (.text, .rodata,
 * .data loaded from flash, .bss) for fwpack's example manifests.
 * PROGRAM_NAME tells them apart; WITH_QSPI_ASSETS adds assets in
 * memory-mapped QSPI flash.
 */
#include <stdint.h>

#ifndef PROGRAM_NAME
#define PROGRAM_NAME "program"
#endif

static const char banner[] = "fwpack example: " PROGRAM_NAME;

/* A table with non-trivial contents, built at compile time. */
#define T(i) ((uint32_t)(i) * 2654435761u ^ ((uint32_t)(i) >> 3))
#define ROW(i) T(i), T(i + 1), T(i + 2), T(i + 3), T(i + 4), T(i + 5), T(i + 6), T(i + 7)
static const uint32_t table[64] = {ROW(0),  ROW(8),  ROW(16), ROW(24),
				   ROW(32), ROW(40), ROW(48), ROW(56)};

#ifdef WITH_QSPI_ASSETS
/* 32 KiB of glyph-like bitmap data that lives in external QSPI flash. */
#define G(i) (uint8_t)(((i) * 37u) ^ ((i) >> 5) ^ 0x5Au)
#define G8(i) G(i), G(i + 1), G(i + 2), G(i + 3), G(i + 4), G(i + 5), G(i + 6), G(i + 7)
#define G64(i) G8(i), G8(i + 8), G8(i + 16), G8(i + 24), G8(i + 32), G8(i + 40), G8(i + 48), G8(i + 56)
#define G512(i) G64(i), G64(i + 64), G64(i + 128), G64(i + 192), G64(i + 256), G64(i + 320), G64(i + 384), G64(i + 448)
#define G4K(i) G512(i), G512(i + 512), G512(i + 1024), G512(i + 1536), G512(i + 2048), G512(i + 2560), G512(i + 3072), G512(i + 3584)
__attribute__((section(".qspi_rodata"), used)) const uint8_t font_bitmap[32768] = {
	G4K(0), G4K(4096), G4K(8192), G4K(12288), G4K(16384), G4K(20480), G4K(24576), G4K(28672)};
#endif

volatile uint32_t checksum = 0x12345678u; /* .data: loaded from flash, runs in RAM */
volatile uint32_t iterations;             /* .bss */

int main(void)
{
	for (;;) {
		uint32_t c = checksum;
		for (unsigned i = 0; i < sizeof(table) / sizeof(table[0]); i++)
			c = (c << 5 | c >> 27) ^ table[i];
		for (unsigned i = 0; banner[i]; i++)
			c += (uint8_t)banner[i];
#ifdef WITH_QSPI_ASSETS
		for (unsigned i = 0; i < sizeof(font_bitmap); i += 64)
			c ^= font_bitmap[i];
#endif
		checksum = c;
		iterations++;
	}
}

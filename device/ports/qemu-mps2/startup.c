/*
 * The vector table for the mps2-an386 programs. NUM_IRQS is
 * 48 for programs that may use interrupts; the Bootloader enables none and
 * keeps only the 16 system entries (every byte of it counts).
 */
#include <stdint.h>

#include "../armv7m_start.h"

#ifndef NUM_IRQS
#define NUM_IRQS 48
#endif

void Default_Handler(void);
void SysTick_Handler(void) __attribute__((weak, alias("Default_Handler")));

void Default_Handler(void)
{
	for (;;)
		;
}

__attribute__((section(".isr_vector"), used)) const vector_t vector_table[16 + NUM_IRQS] = {
	ARMV7M_SYSTEM_VECTORS(Default_Handler, SysTick_Handler),
#if NUM_IRQS > 0
	[16 ...(15 + NUM_IRQS)] = Default_Handler,
#endif
};

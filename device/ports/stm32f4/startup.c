/*
 * The vector table for the STM32F429 programs. NUM_IRQS
 * (stm32f4.h) is 91 for programs that may use interrupts; the Bootloader
 * enables none and keeps only the 16 system entries.
 */
#include <stdint.h>

#include "../armv7m_start.h"
#include "stm32f4.h"

void Default_Handler(void);
void SysTick_Handler(void) __attribute__((weak, alias("Default_Handler")));
void DMA1_Stream1_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));

/*
 * No watchdog runs: a fault or a stray interrupt resets the board, so that
 * the Loader counts a crashing Application instead of the board hanging.
 */
void Default_Handler(void)
{
	__asm volatile("dsb" : : : "memory");
	SCB_AIRCR = SCB_AIRCR_SYSRESET;
	for (;;)
		;
}

#define DMA1_STREAM1_VECTOR (16 + DMA1_STREAM1_IRQN)

__attribute__((section(".isr_vector"), used)) const vector_t vector_table[16 + NUM_IRQS] = {
	ARMV7M_SYSTEM_VECTORS(Default_Handler, SysTick_Handler),
#if NUM_IRQS > 0
	[16 ...(DMA1_STREAM1_VECTOR - 1)] = Default_Handler,
	[DMA1_STREAM1_VECTOR] = DMA1_Stream1_IRQHandler,
	[(DMA1_STREAM1_VECTOR + 1)...(15 + NUM_IRQS)] = Default_Handler,
#endif
};

_Static_assert(NUM_IRQS == 0 || NUM_IRQS > DMA1_STREAM1_IRQN, "the console's DMA interrupt");
_Static_assert(NUM_IRQS == 0 || sizeof(vector_table) == VECTOR_TABLE_SIZE,
	       "PORT_VECTOR_TABLE_SIZE in port.mk (and the manifest) is this table's size");

/*
 * Minimal Cortex-M startup shared by the example programs: the vector
 * table, and a reset handler that copies .data from flash and zeroes .bss.
 * NUM_IRQS sizes the table for the part (STM32F411: 86, F429: 91, F746: 98),
 * so the table is (16 + NUM_IRQS) * 4 bytes, the vector_table_size of the
 * example manifests.
 */
#include <stdint.h>

#ifndef NUM_IRQS
#error "define NUM_IRQS for the target part"
#endif

/* From the linker script: words, so the loops below copy whole words. */
extern uint32_t _estack, _sidata, _sdata, _edata, _sbss, _ebss;
int main(void);
void Reset_Handler(void);
void Default_Handler(void);

void Default_Handler(void)
{
	for (;;)
		;
}

void Reset_Handler(void)
{
	uint32_t *src = &_sidata, *dst = &_sdata;
	while (dst < &_edata)
		*dst++ = *src++;
	for (dst = &_sbss; dst < &_ebss;)
		*dst++ = 0;
	main();
	for (;;)
		;
}

typedef void (*vector_t)(void);

/* Entries 7-10 and 13 are reserved by the architecture and stay zero. */
__attribute__((section(".isr_vector"), used)) const vector_t vector_table[16 + NUM_IRQS] = {
	[0] = (vector_t)&_estack,
	[1] = Reset_Handler,
	[2 ... 6] = Default_Handler,   /* NMI, HardFault, MemManage, BusFault, UsageFault */
	[11 ... 12] = Default_Handler, /* SVCall, DebugMonitor */
	[14 ... 15 + NUM_IRQS] = Default_Handler, /* PendSV, SysTick, the IRQs */
};

_Static_assert(sizeof(vector_table) == (16 + NUM_IRQS) * 4, "one word per exception");

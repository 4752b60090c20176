/*
 * Reset handler and vector table for the mps2-an386 programs. NUM_IRQS is
 * 48 for programs that may use interrupts; the Bootloader enables none and
 * keeps only the 16 system entries (every byte of it counts).
 */
#include <stdint.h>
#include <string.h>

#include "fwd_port.h"

#ifndef NUM_IRQS
#define NUM_IRQS 48
#endif

extern uint32_t _estack, _sstack, _sidata, _sdata, _edata, _sbss, _ebss;
int main(void);
void Reset_Handler(void);
void Default_Handler(void);
void SysTick_Handler(void) __attribute__((weak, alias("Default_Handler")));

void Default_Handler(void)
{
	for (;;)
		;
}

#define STACK_PAINT 0xA5A5A5A5u

/* Paint the unused stack so that its high-water mark can be measured. */
static void paint_stack(void)
{
	uint32_t *sp;
	__asm volatile("mov %0, sp" : "=r"(sp));
	for (uint32_t *p = &_sstack; p < sp - 16; p++)
		*p = STACK_PAINT;
}

uint32_t fwd_port_stack_used(void)
{
	const uint32_t *p = &_sstack;
	while (p < &_estack && *p == STACK_PAINT)
		p++;
	return (uint32_t)((const char *)&_estack - (const char *)p);
}

uint32_t fwd_port_stack_size(void)
{
	return (uint32_t)((const char *)&_estack - (const char *)&_sstack);
}

void Reset_Handler(void)
{
	paint_stack();
	memcpy(&_sdata, &_sidata, (size_t)((char *)&_edata - (char *)&_sdata));
	memset(&_sbss, 0, (size_t)((char *)&_ebss - (char *)&_sbss));
	/* PRIMASK is clear: after a reset, and after a jump (docs/handoff.md). */
	main();
	for (;;)
		;
}

typedef void (*vector_t)(void);

__attribute__((section(".isr_vector"), used)) const vector_t vector_table[16 + NUM_IRQS] = {
	[0] = (vector_t)&_estack,
	[1] = Reset_Handler,
	[2 ... 14] = Default_Handler,
	[15] = SysTick_Handler,
#if NUM_IRQS > 0
	[16 ...(15 + NUM_IRQS)] = Default_Handler,
#endif
};

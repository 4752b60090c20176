/*
 * The C start every Cortex-M (ARMv7-M) port shares: the reset handler and
 * the stack measurement behind the Bootloader's "(stack N of M bytes)".
 * Each port's startup.c keeps what differs: its vector table and
 * Default_Handler.
 */
#include <stdint.h>
#include <string.h>

#include "armv7m_start.h"
#include "fwd_port.h"

/* The linker script's (common.ld) RAM sections and stack bottom. */
extern uint32_t _sstack, _sidata, _sdata, _edata, _sbss, _ebss;
int main(void);

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

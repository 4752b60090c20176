/* The shared ARMv7-M start (armv7m_start.c), for the ports' vector tables. */
#ifndef FWD_ARMV7M_START_H
#define FWD_ARMV7M_START_H

#include <stdint.h>

/* The initial stack pointer: the top of the stack (common.ld). */
extern uint32_t _estack;

void Reset_Handler(void);

typedef void (*vector_t)(void);

/*
 * The 16 entries every ARMv7-M vector table starts with: the stack top, the
 * reset handler, each fault and system exception to fault, SysTick's.
 */
#define ARMV7M_SYSTEM_VECTORS(fault, systick) \
	[0] = (vector_t)&_estack, [1] = Reset_Handler, [2 ... 14] = (fault), [15] = (systick)

#endif /* FWD_ARMV7M_START_H */

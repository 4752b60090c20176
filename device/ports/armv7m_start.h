/* The shared ARMv7-M start (armv7m_start.c), for the ports' vector tables. */
#ifndef FWD_ARMV7M_START_H
#define FWD_ARMV7M_START_H

#include <stdint.h>

/* The initial stack pointer: the top of the stack (common.ld). */
extern uint32_t _estack;

void Reset_Handler(void);

#endif /* FWD_ARMV7M_START_H */

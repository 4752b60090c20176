/*
 * Startup code in the style of a vendor SDK for the Arm MPS2 AN386
 * (Cortex-M4): a vector table in .isr_vector, a Reset_Handler that copies
 * .data, zeroes .bss, calls SystemInit() and main(). It knows nothing of
 * any bootloader: it expects the state a reset leaves (interrupts not
 * masked at PRIMASK, SysTick off), as ordinary startup code does.
 */
#include <stdint.h>

extern uint32_t __StackTop, __etext, __data_start__, __data_end__, __bss_start__, __bss_end__;

int main(void);
void SystemInit(void);
void Reset_Handler(void);
void Default_Handler(void);

#define WEAK_ALIAS __attribute__((weak, alias("Default_Handler")))
void NMI_Handler(void) WEAK_ALIAS;
void HardFault_Handler(void) WEAK_ALIAS;
void MemManage_Handler(void) WEAK_ALIAS;
void BusFault_Handler(void) WEAK_ALIAS;
void UsageFault_Handler(void) WEAK_ALIAS;
void SVC_Handler(void) WEAK_ALIAS;
void DebugMon_Handler(void) WEAK_ALIAS;
void PendSV_Handler(void) WEAK_ALIAS;
void SysTick_Handler(void) WEAK_ALIAS;

typedef void (*const vector_t)(void);

/* 16 system exceptions and the AN386's 48 interrupts. */
__attribute__((section(".isr_vector"), used)) vector_t __isr_vector[16 + 48] = {
	(vector_t)&__StackTop, Reset_Handler,	   NMI_Handler,		HardFault_Handler,
	MemManage_Handler,     BusFault_Handler,   UsageFault_Handler,	0,
	0,		       0,		   0,			SVC_Handler,
	DebugMon_Handler,      0,		   PendSV_Handler,	SysTick_Handler,
	[16 ... 63] = Default_Handler,
};

void Default_Handler(void)
{
	for (;;)
		;
}

void Reset_Handler(void)
{
	uint32_t *src = &__etext, *dst = &__data_start__;
	while (dst < &__data_end__)
		*dst++ = *src++;
	for (dst = &__bss_start__; dst < &__bss_end__;)
		*dst++ = 0;
	SystemInit();
	main();
	for (;;)
		;
}

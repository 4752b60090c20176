/*
 * The end of every jump between programs on a Cortex-M (ARMv7-M) port,
 * shared by the ports whose fwd_port_jump calls it after taking their own
 * peripherals down with interrupts masked. It leaves the core as a reset
 * does (docs/handoff.md): no interrupt enabled or pending in the NVIC,
 * SysTick stopped (CSR 0, as at reset), PendSV and SysTick not pending,
 * VTOR and MSP from the image, thread mode on MSP, and PRIMASK cleared, so
 * startup code that assumes reset state (as vendor startup code does)
 * gets its interrupts.
 */
#ifndef FWD_ARMV7M_HANDOFF_H
#define FWD_ARMV7M_HANDOFF_H

#include <stdint.h>

#define FWD_NVIC_ICER(n) (*(volatile uint32_t *)(0xE000E180u + 4u * (n)))
#define FWD_NVIC_ICPR(n) (*(volatile uint32_t *)(0xE000E280u + 4u * (n)))
#define FWD_SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define FWD_SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define FWD_SYST_CVR (*(volatile uint32_t *)0xE000E018u)
#define FWD_SCB_ICSR (*(volatile uint32_t *)0xE000ED04u)
#define FWD_SCB_VTOR (*(volatile uint32_t *)0xE000ED08u)
#define FWD_ICSR_PENDSTCLR (1u << 25)
#define FWD_ICSR_PENDSVCLR (1u << 27)
/* ARMv7-M has at most 496 external interrupts: 16 words of enable/pending bits. */
#define FWD_NVIC_WORDS 16u

/* Mask interrupts before taking anything down: none may fire half way. */
static inline void fwd_armv7m_mask(void)
{
	__asm volatile("cpsid i" : : : "memory");
}

static inline __attribute__((noreturn)) void fwd_armv7m_start(uint32_t vector_addr)
{
	const volatile uint32_t *vt = (const volatile uint32_t *)(uintptr_t)vector_addr;
	uint32_t sp = vt[0], pc = vt[1];
	/* Stopped as at reset (its reload and current values are UNKNOWN at reset). */
	FWD_SYST_CSR = 0;
	for (uint32_t n = 0; n < FWD_NVIC_WORDS; n++) {
		FWD_NVIC_ICER(n) = 0xFFFFFFFFu;
		FWD_NVIC_ICPR(n) = 0xFFFFFFFFu;
	}
	FWD_SCB_ICSR = FWD_ICSR_PENDSTCLR | FWD_ICSR_PENDSVCLR;
	FWD_SCB_VTOR = vector_addr;
	/*
	 * Nothing is enabled or pending now, so clearing PRIMASK lets nothing
	 * in before the image's own reset handler runs; the new stack is set
	 * in the same block so that no compiler-generated access uses the old.
	 */
	__asm volatile("dsb\n isb\n"
		       "msr control, %2\n isb\n"
		       "msr msp, %0\n"
		       "cpsie i\n"
		       "bx %1"
		       :
		       : "r"(sp), "r"(pc), "r"(0u)
		       : "memory");
	__builtin_unreachable();
}

#endif /* FWD_ARMV7M_HANDOFF_H */

/*
 * System clock: 168 MHz from the PLL (AHB 168, APB1 42, APB2 84 MHz), fed
 * by the ST-LINK's 8 MHz MCO on HSE in bypass mode, or by HSI when that
 * clock is missing (ST-LINK cut off or solder bridges changed).
 */
#include "stm32f4.h"

/* PLL input 2 MHz (the RM's advice against jitter), VCO 336, P /2, Q /7 = 48 MHz. */
#define PLL_N 168u
#define PLL_Q 7u
#define PLL_M_HSE 4u  /* 8 MHz / 4 */
#define PLL_M_HSI 8u  /* 16 MHz / 8 */
#define FLASH_WS_168MHZ 5u /* 150-180 MHz at 2.7-3.6 V (RM0090, read latency) */
#define HSI_HZ 16000000u
#define PLL_HZ 168000000u
/*
 * Loop passes of several cycles each: about 0.1 s at 16 MHz. The MCO is
 * there from power-up or not at all, and a PLL locks or a clock switches
 * in microseconds: running out means the hardware is absent.
 */
#define WAIT_LIMIT 200000u

static uint32_t hclk = HSI_HZ, pclk1 = HSI_HZ;

static int wait_for(volatile uint32_t *reg, uint32_t mask, uint32_t value)
{
	for (uint32_t n = 0; n < WAIT_LIMIT; n++)
		if ((*reg & mask) == value)
			return 0;
	return -1;
}

/* Back to the reset clock tree: HSI 16 MHz, PLL and HSE off, no wait states. */
void stm32f4_clock_reset(void)
{
	RCC_CR |= RCC_CR_HSION;
	wait_for(&RCC_CR, RCC_CR_HSIRDY, RCC_CR_HSIRDY);
	RCC_CFGR &= ~RCC_CFGR_SW_MASK;
	wait_for(&RCC_CFGR, RCC_CFGR_SWS_MASK, 0);
	/* Prescalers only now: at /1 while still on the PLL, APB1 would run at 168 MHz. */
	RCC_CFGR = 0;
	RCC_CR &= ~RCC_CR_PLLON;
	wait_for(&RCC_CR, RCC_CR_PLLRDY, 0);
	RCC_CR &= ~RCC_CR_HSEON;
	wait_for(&RCC_CR, RCC_CR_HSERDY, 0);
	RCC_CR &= ~RCC_CR_HSEBYP; /* writable only with HSE off */
	RCC_PLLCFGR = RCC_PLLCFGR_RESET;
	/* Lower the wait states after the clock: the other order overclocks the flash. */
	FLASH_ACR = 0;
	FLASH_ACR = FLASH_ACR_ICRST | FLASH_ACR_DCRST; /* only once the caches are off */
	FLASH_ACR = 0;
	hclk = pclk1 = HSI_HZ;
}

void stm32f4_clock_init(void)
{
	uint32_t src = RCC_PLLCFGR_SRC_HSE, m = PLL_M_HSE;

	stm32f4_clock_reset(); /* the PLL is only configurable while off */
	RCC_APB1ENR |= RCC_APB1_PWR;
	(void)RCC_APB1ENR; /* ES0206: wait for the clock before touching PWR */
	/* Scale 1 is the reset value; 168 MHz needs it, so it is set, not assumed. */
	PWR_CR |= PWR_CR_VOS_SCALE1;

	RCC_CR |= RCC_CR_HSEBYP; /* before HSEON: the bit is locked while HSE runs */
	RCC_CR |= RCC_CR_HSEON;
	if (wait_for(&RCC_CR, RCC_CR_HSERDY, RCC_CR_HSERDY) != 0) {
		RCC_CR &= ~RCC_CR_HSEON;
		wait_for(&RCC_CR, RCC_CR_HSERDY, 0);
		RCC_CR &= ~RCC_CR_HSEBYP;
		src = 0;
		m = PLL_M_HSI;
	}
	/* Bits 31:28 are reserved, reset value 0x2: kept. */
	RCC_PLLCFGR = (RCC_PLLCFGR & 0xF0000000u) | (PLL_Q << 24) | src | (0u << 16) /* P = 2 */ |
		      (PLL_N << 6) | m;
	RCC_CR |= RCC_CR_PLLON;
	/* Wait states and caches before the clock rises; the RM asks for the read-back. */
	FLASH_ACR = FLASH_ACR_ICEN | FLASH_ACR_DCEN | FLASH_WS_168MHZ;
	/*
	 * Prefetch stays off: the ART caches hide most wait states, and early
	 * silicon revisions have prefetch errata (see ES0206 before enabling).
	 */
	RCC_CFGR = RCC_CFGR_PPRE1_DIV4 | RCC_CFGR_PPRE2_DIV2; /* APB limits 45/90 MHz */
	if (wait_for(&RCC_CR, RCC_CR_PLLRDY, RCC_CR_PLLRDY) != 0 ||
	    (FLASH_ACR & FLASH_ACR_LATENCY_MASK) != FLASH_WS_168MHZ) {
		stm32f4_clock_reset(); /* stay on HSI: slow but working */
		return;
	}
	RCC_CFGR |= RCC_CFGR_SW_PLL;
	if (wait_for(&RCC_CFGR, RCC_CFGR_SWS_MASK, RCC_CFGR_SWS_PLL) != 0) {
		stm32f4_clock_reset();
		return;
	}
	hclk = PLL_HZ;
	pclk1 = PLL_HZ / 4u;
}

uint32_t stm32f4_hclk(void)
{
	return hclk;
}

uint32_t stm32f4_pclk1(void)
{
	return pclk1;
}

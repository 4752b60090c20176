/*
 * ST Nucleo-F429ZI (STM32F429ZI) for the device programs: the slots, time,
 * reset, and the jump between programs. Clocks are in clock.c, the console
 * in uart.c, the internal flash in flash.c.
 */
#include "../armv7m_handoff.h"
#include "fwd_port.h"
#include "stm32f4.h"

const char fwd_port_board[] = "stm32f429zi-nucleo";

/* Its highest byte first, as ST's tools print it and the USB serial number shows it. */
unsigned fwd_port_uid(uint8_t out[FWP_UID_MAX])
{
	for (uint32_t i = 0; i < STM32F4_UID_LEN; i++)
		out[i] = *(const volatile uint8_t *)(uintptr_t)(STM32F4_UID_BASE +
								STM32F4_UID_LEN - 1 - i);
	return STM32F4_UID_LEN;
}

__attribute__((section(".shared_ram"))) static struct fwd_shared shared;

void fwd_port_init(void)
{
	stm32f4_clock_init();
	stm32f4_uart_init();
}

static volatile uint32_t ticks;

void SysTick_Handler(void);
void SysTick_Handler(void)
{
	ticks++;
}

/*
 * SysTick starts on first use: the Bootloader never pays for it. Ticks
 * stop while a flash operation stalls the CPU (the handler lives in
 * flash), so time runs slow across an erase, never fast.
 */
uint32_t fwd_port_millis(void)
{
	if (!(SYST_CSR & 1u)) {
		SYST_RVR = stm32f4_hclk() / 1000u - 1u;
		SYST_CVR = 0;
		SYST_CSR = 7u; /* processor clock, interrupt, enable */
	}
	return ticks;
}

/*
 * Every reset source pulls NRST low, so PINRSTF comes with all the others,
 * and a power-on sets BORRSTF as well: the most specific flag wins. Flags
 * add up across resets until RMVF; left set, every later reset would read
 * as power-on and wipe the shared block. The first reader clears them, so
 * a program started later by a jump (not a reset) reads unknown.
 */
enum fwd_reset_reason fwd_port_reset_reason(void)
{
	static enum fwd_reset_reason reason;
	static int known;
	if (!known) {
		uint32_t csr = RCC_CSR;
		RCC_CSR |= RCC_CSR_RMVF;
		if (csr & (RCC_CSR_PORRSTF | RCC_CSR_BORRSTF))
			reason = FWD_RESET_POWER_ON;
		else if (csr & (RCC_CSR_IWDGRSTF | RCC_CSR_WWDGRSTF))
			reason = FWD_RESET_WATCHDOG;
		else if (csr & RCC_CSR_SFTRSTF)
			reason = FWD_RESET_SOFTWARE;
		else if (csr & RCC_CSR_PINRSTF)
			reason = FWD_RESET_PIN;
		else
			reason = FWD_RESET_UNKNOWN;
		known = 1;
	}
	return reason;
}

struct fwd_shared *fwd_port_shared(void)
{
	return &shared;
}

/* A system reset keeps SRAM, so the shared block survives it. */
void fwd_port_reset(void)
{
	stm32f4_uart_drain();
	__asm volatile("dsb" : : : "memory");
	SCB_AIRCR = SCB_AIRCR_SYSRESET;
	__asm volatile("dsb" : : : "memory");
	for (;;)
		;
}

/*
 * PC13: the USER button B1 (high while pressed; the board pulls it down),
 * or a USB-serial adapter's DTR through a transistor to 3.3 V, with its RTS
 * on NRST (device/ports/stm32f4/README.md): held at reset, the Loader
 * stays in update mode.
 */
int fwd_port_boot_select(void)
{
	RCC_AHB1ENR |= RCC_AHB1_GPIOC;
	(void)RCC_AHB1ENR; /* the clock is on before the first read */
	GPIOC_MODER &= ~(3u << (2 * BOOT_SELECT_PIN)); /* input, as after reset */
	return (GPIOC_IDR >> BOOT_SELECT_PIN) & 1u;
}

void fwd_port_idle(void)
{
	__asm volatile("wfi");
}

/*
 * The next program starts as from reset (docs/handoff.md): its
 * Reset_Handler sets up its own clock and peripherals, and an interrupt
 * left enabled or pending would enter its vector table before it is
 * ready. Interrupts are masked first, so that none fires while things are
 * taken down; the core's part (../armv7m_handoff.h) clears the NVIC and
 * SysTick and ends with PRIMASK cleared, as after a reset.
 */
void fwd_port_jump(uint32_t vector_addr)
{
	fwd_armv7m_mask();
	stm32f4_uart_deinit(); /* drains the console; stops the DMA; resets USART3, DMA1, GPIOD */
	stm32f4_usb_stop();    /* resets OTG_FS and its pins (GPIOA) */
	stm32f4_clock_reset(); /* HSI 16 MHz, PLL and HSE off, prescalers 1, flash wait states 0 */
	RCC_APB1RSTR |= RCC_APB1_PWR;
	RCC_APB1RSTR &= ~RCC_APB1_PWR;
	RCC_APB1ENR &= ~RCC_APB1_PWR;
	fwd_armv7m_start(vector_addr);
}

/*
 * A third-party application: a heartbeat driven by the SysTick interrupt,
 * printed on the CMSDK UART0. The main loop only prints what the interrupt
 * counted, so a line "tp: tick N" proves that interrupts reach it.
 */
#include <stdint.h>

#define UART0_DATA (*(volatile uint32_t *)0x40004000u)
#define UART0_STATE (*(volatile uint32_t *)0x40004004u)
#define UART0_CTRL (*(volatile uint32_t *)0x40004008u)
#define UART0_BAUDDIV (*(volatile uint32_t *)0x40004010u)
#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)
#define SYSTEM_CLOCK 25000000u
#define TICK_HZ 100u

static volatile uint32_t ticks;

void SystemInit(void);
void SysTick_Handler(void);

void SystemInit(void)
{
	UART0_BAUDDIV = SYSTEM_CLOCK / 115200u;
	UART0_CTRL = 0x3; /* TX and RX enable */
}

void SysTick_Handler(void)
{
	ticks++;
}

static void put(const char *s)
{
	for (; *s; s++) {
		while (UART0_STATE & 1u)
			;
		UART0_DATA = (uint8_t)*s;
	}
}

static void put_u32(uint32_t v)
{
	char b[11];
	int i = 10;
	b[i] = 0;
	do
		b[--i] = (char)('0' + v % 10);
	while (v /= 10);
	put(&b[i]);
}

int main(void)
{
	put("tp: third-party application started\n");
	SYST_RVR = SYSTEM_CLOCK / TICK_HZ - 1u;
	SYST_CVR = 0;
	SYST_CSR = 7u; /* processor clock, interrupt, enable */
	uint32_t seen = 0, beats = 0;
	for (;;) {
		__asm volatile("wfi");
		if (ticks - seen >= TICK_HZ / 2) {
			seen = ticks;
			put("tp: tick ");
			put_u32(++beats);
			put("\n");
		}
	}
}

/*
 * The console: USART3 on PD8 (TX) and PD9 (RX), AF7, which the Nucleo
 * wires to the ST-LINK's virtual COM port; 115200 8N1. Reception runs
 * through DMA1 stream 1 in circular mode into a RAM ring: a flash erase
 * stalls the CPU for up to seconds, while the DMA, which needs only APB1
 * and SRAM, keeps taking bytes off the line.
 */
#include "fwd_port.h"
#include "stm32f4.h"

#define BAUD_DEFAULT 115200u
/*
 * The host may send 4 DATA frames (2054-byte packets, about 2.07 KB after
 * COBS) before it waits for an answer: some 8.3 KB can arrive during one
 * erase. Twice that; a power of two for the index arithmetic.
 */
#if NUM_IRQS > 0
#define RING_SIZE 16384u
#else
#define RING_SIZE 64u /* the Bootloader reads nothing: its RAM is worth more */
#endif

static volatile uint8_t ring[RING_SIZE];
/* Free-running byte counts; their difference is what waits in the ring. */
static uint32_t rx_read, rx_written;
static uint32_t rx_dropped;

/*
 * NDTR says where the DMA is in the ring, not how many laps it made:
 * rx_written advances by the distance since the last look, which is right
 * while the DMA moves less than a lap between looks. The half and full
 * ring interrupts look twice per lap; only a stall that receives more
 * than a ring (more than the protocol lets a host send) could hide a lap.
 * Callers mask interrupts.
 */
static void rx_track(void)
{
	uint32_t pos = (RING_SIZE - DMA1_S1NDTR) & (RING_SIZE - 1u);
	rx_written += (pos - rx_written) & (RING_SIZE - 1u);
	if (rx_written - rx_read >= RING_SIZE) {
		/* Overwritten or about to be: drop it all; the frames' CRCs resynchronise. */
		rx_dropped += rx_written - rx_read;
		rx_read = rx_written;
	}
}

void DMA1_Stream1_IRQHandler(void);
void DMA1_Stream1_IRQHandler(void)
{
	DMA1_LIFCR = DMA1_S1_FLAGS;
	rx_track();
}

static uint32_t irq_save(void)
{
	uint32_t primask;
	__asm volatile("mrs %0, primask\n cpsid i" : "=r"(primask) : : "memory");
	return primask;
}

static void irq_restore(uint32_t primask)
{
	__asm volatile("msr primask, %0" : : "r"(primask) : "memory");
}

uint32_t stm32f4_rx_lost(void)
{
	uint32_t m = irq_save();
	rx_track();
	uint32_t n = rx_dropped;
	irq_restore(m);
	return n;
}

int fwd_port_getc(void)
{
	int c = -1;
	uint32_t m = irq_save();
	rx_track();
	if (rx_written != rx_read)
		c = ring[rx_read++ & (RING_SIZE - 1u)];
	irq_restore(m);
	return c;
}

static void rx_start(void)
{
	/* The Bootloader's table has no entry for this interrupt (NUM_IRQS 0). */
	uint32_t irq = NUM_IRQS > DMA1_STREAM1_IRQN ? DMA_SCR_HTIE | DMA_SCR_TCIE : 0;
	DMA1_S1CR = 0;
	while (DMA1_S1CR & DMA_SCR_EN)
		;
	/* A stream does not start while flags of an earlier transfer are set. */
	DMA1_LIFCR = DMA1_S1_FLAGS;
	DMA1_S1PAR = (uint32_t)(uintptr_t)&USART3_DR;
	DMA1_S1M0AR = (uint32_t)(uintptr_t)ring;
	DMA1_S1NDTR = RING_SIZE;
	rx_read = rx_written = 0;
	/* Bytes, peripheral to memory, direct mode (FCR at reset). */
	DMA1_S1CR = DMA_SCR_CHSEL(4) | DMA_SCR_PL_HIGH | DMA_SCR_MINC | DMA_SCR_CIRC | irq;
	DMA1_S1CR |= DMA_SCR_EN;
	if (irq)
		NVIC_ISER(0) = 1u << DMA1_STREAM1_IRQN;
}

/* BRR for 16x oversampling, or 0 when the rate is off by more than 2%. */
static uint32_t brr_for(uint32_t pclk, uint32_t baud)
{
	if (baud == 0 || baud > pclk / 16u)
		return 0;
	uint32_t div = (pclk + baud / 2u) / baud;
	uint32_t diff = div * baud > pclk ? div * baud - pclk : pclk - div * baud;
	if (div > 0xFFFFu || diff * 50u > pclk)
		return 0;
	return div;
}

void stm32f4_uart_init(void)
{
	RCC_AHB1ENR |= RCC_AHB1_GPIOD | RCC_AHB1_DMA1;
	RCC_APB1ENR |= RCC_APB1_USART3;
	(void)RCC_APB1ENR; /* ES0206: wait for the clocks before the first access */
	/* PD8, PD9: AF7, medium speed, pull-ups so that RX idles high if undriven. */
	GPIOD_AFRH = (GPIOD_AFRH & ~0xFFu) | 0x77u;
	GPIOD_OSPEEDR = (GPIOD_OSPEEDR & ~(0xFu << 16)) | (0x5u << 16);
	GPIOD_PUPDR = (GPIOD_PUPDR & ~(0xFu << 16)) | (0x5u << 16);
	GPIOD_MODER = (GPIOD_MODER & ~(0xFu << 16)) | (0xAu << 16);

	USART3_CR1 = 0;
	USART3_BRR = brr_for(stm32f4_pclk1(), BAUD_DEFAULT);
	USART3_CR3 = USART_CR3_DMAR;
	rx_start(); /* before RE: no byte arrives without a place to go */
	USART3_CR1 = USART_CR1_UE | USART_CR1_TE | USART_CR1_RE;
}

void fwd_port_putc(char c)
{
	while (!(USART3_SR & USART_SR_TXE))
		;
	USART3_DR = (uint8_t)c;
}

/* Until the last byte has left the shift register; nothing to wait for if off. */
void stm32f4_uart_drain(void)
{
	if (USART3_CR1 & USART_CR1_UE)
		while (!(USART3_SR & USART_SR_TC))
			;
}

int fwd_port_baud_ok(uint32_t baud)
{
	return brr_for(stm32f4_pclk1(), baud) ? 0 : -1;
}

/* BRR is not to change mid-frame (RM0090): the answer at the old rate goes out first. */
int fwd_port_set_baud(uint32_t baud)
{
	uint32_t brr = brr_for(stm32f4_pclk1(), baud);
	if (brr == 0)
		return -1;
	stm32f4_uart_drain();
	USART3_BRR = brr;
	return 0;
}

void stm32f4_uart_deinit(void)
{
	stm32f4_uart_drain();
	NVIC_ICER(0) = 1u << DMA1_STREAM1_IRQN;
	DMA1_S1CR = 0;
	while (DMA1_S1CR & DMA_SCR_EN) /* else it may still write one byte into the next program's RAM */
		;
	USART3_CR1 = 0;
	RCC_AHB1RSTR |= RCC_AHB1_GPIOD | RCC_AHB1_DMA1;
	RCC_AHB1RSTR &= ~(RCC_AHB1_GPIOD | RCC_AHB1_DMA1);
	RCC_APB1RSTR |= RCC_APB1_USART3;
	RCC_APB1RSTR &= ~RCC_APB1_USART3;
	RCC_AHB1ENR &= ~(RCC_AHB1_GPIOD | RCC_AHB1_DMA1);
	RCC_APB1ENR &= ~RCC_APB1_USART3;
}

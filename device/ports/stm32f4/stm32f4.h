/*
 * STM32F429ZI registers this port touches (RM0090, PM0214), and the
 * port's internal interface between its files. Only what is used: the
 * vendor headers would be a dependency for some forty addresses.
 */
#ifndef STM32F4_H
#define STM32F4_H

#include <stdint.h>

/* External interrupts 0..90 (DMA2D is the last); the Bootloader builds with 0. */
#ifndef NUM_IRQS
#define NUM_IRQS 91
#endif
#define DMA1_STREAM1_IRQN 12

#define REG(addr) (*(volatile uint32_t *)(addr))

/* The 96-bit unique device ID (RM0090, device electronic signature). */
#define STM32F4_UID_BASE 0x1FFF7A10u
#define STM32F4_UID_LEN 12u

/* RCC */
#define RCC_CR REG(0x40023800u)
#define RCC_PLLCFGR REG(0x40023804u)
#define RCC_CFGR REG(0x40023808u)
#define RCC_AHB1RSTR REG(0x40023810u)
#define RCC_APB1RSTR REG(0x40023820u)
#define RCC_AHB1ENR REG(0x40023830u)
#define RCC_APB1ENR REG(0x40023840u)
#define RCC_CSR REG(0x40023874u)
#define RCC_CR_HSION (1u << 0)
#define RCC_CR_HSIRDY (1u << 1)
#define RCC_CR_HSEON (1u << 16)
#define RCC_CR_HSERDY (1u << 17)
#define RCC_CR_HSEBYP (1u << 18)
#define RCC_CR_PLLON (1u << 24)
#define RCC_CR_PLLRDY (1u << 25)
#define RCC_PLLCFGR_RESET 0x24003010u
#define RCC_PLLCFGR_SRC_HSE (1u << 22)
#define RCC_CFGR_SW_MASK 0x3u
#define RCC_CFGR_SW_PLL 0x2u
#define RCC_CFGR_SWS_MASK (0x3u << 2)
#define RCC_CFGR_SWS_PLL (0x2u << 2)
#define RCC_CFGR_PPRE1_DIV4 (0x5u << 10)
#define RCC_CFGR_PPRE2_DIV2 (0x4u << 13)
#define RCC_AHB1_GPIOD (1u << 3)
#define RCC_AHB1_DMA1 (1u << 21)
#define RCC_APB1_USART3 (1u << 18)
#define RCC_APB1_PWR (1u << 28)
#define RCC_CSR_RMVF (1u << 24)
#define RCC_CSR_BORRSTF (1u << 25)
#define RCC_CSR_PINRSTF (1u << 26)
#define RCC_CSR_PORRSTF (1u << 27)
#define RCC_CSR_SFTRSTF (1u << 28)
#define RCC_CSR_IWDGRSTF (1u << 29)
#define RCC_CSR_WWDGRSTF (1u << 30)

/* PWR */
#define PWR_CR REG(0x40007000u)
#define PWR_CR_VOS_SCALE1 (0x3u << 14)

/* Embedded flash interface */
#define FLASH_ACR REG(0x40023C00u)
#define FLASH_KEYR REG(0x40023C04u)
#define FLASH_SR REG(0x40023C0Cu)
#define FLASH_CR REG(0x40023C10u)
#define FLASH_ACR_LATENCY_MASK 0xFu
#define FLASH_ACR_ICEN (1u << 9)
#define FLASH_ACR_DCEN (1u << 10)
#define FLASH_ACR_ICRST (1u << 11)
#define FLASH_ACR_DCRST (1u << 12)
#define FLASH_KEY1 0x45670123u
#define FLASH_KEY2 0xCDEF89ABu
#define FLASH_SR_EOP (1u << 0)
#define FLASH_SR_ERRORS 0x1F2u /* OPERR, WRPERR, PGAERR, PGPERR, PGSERR, RDERR */
#define FLASH_SR_BSY (1u << 16)
#define FLASH_CR_PG (1u << 0)
#define FLASH_CR_SER (1u << 1)
#define FLASH_CR_SNB(n) ((uint32_t)(n) << 3)
#define FLASH_CR_PSIZE_X8 (0x0u << 8)
#define FLASH_CR_PSIZE_X32 (0x2u << 8)
#define FLASH_CR_STRT (1u << 16)
#define FLASH_CR_LOCK (1u << 31)

/* GPIOC: PC13, the Nucleo's USER button (B1), is the boot-select line. */
#define RCC_AHB1_GPIOC (1u << 2)
#define GPIOC_MODER REG(0x40020800u)
#define GPIOC_IDR REG(0x40020810u)
#define BOOT_SELECT_PIN 13u

/* GPIOD */
#define GPIOD_MODER REG(0x40020C00u)
#define GPIOD_OSPEEDR REG(0x40020C08u)
#define GPIOD_PUPDR REG(0x40020C0Cu)
#define GPIOD_AFRH REG(0x40020C24u)

/* USART3 */
#define USART3_BASE 0x40004800u
#define USART3_SR REG(USART3_BASE + 0x00)
#define USART3_DR REG(USART3_BASE + 0x04)
#define USART3_BRR REG(USART3_BASE + 0x08)
#define USART3_CR1 REG(USART3_BASE + 0x0C)
#define USART3_CR3 REG(USART3_BASE + 0x14)
#define USART_SR_TC (1u << 6)
#define USART_SR_TXE (1u << 7)
#define USART_CR1_RE (1u << 2)
#define USART_CR1_TE (1u << 3)
#define USART_CR1_UE (1u << 13)
#define USART_CR3_DMAR (1u << 6)

/* DMA1 stream 1: USART3_RX on channel 4 (RM0090, DMA1 request mapping) */
#define DMA1_LISR REG(0x40026000u)
#define DMA1_LIFCR REG(0x40026008u)
#define DMA1_S1CR REG(0x40026028u)
#define DMA1_S1NDTR REG(0x4002602Cu)
#define DMA1_S1PAR REG(0x40026030u)
#define DMA1_S1M0AR REG(0x40026034u)
#define DMA1_S1_FLAGS (0x3Du << 6) /* FEIF1, DMEIF1, TEIF1, HTIF1, TCIF1 */
#define DMA_SCR_EN (1u << 0)
#define DMA_SCR_HTIE (1u << 3)
#define DMA_SCR_TCIE (1u << 4)
#define DMA_SCR_CIRC (1u << 8)
#define DMA_SCR_MINC (1u << 10)
#define DMA_SCR_PL_HIGH (0x2u << 16)
#define DMA_SCR_CHSEL(n) ((uint32_t)(n) << 25)

/* Cortex-M4 core */
#define SYST_CSR REG(0xE000E010u)
#define SYST_RVR REG(0xE000E014u)
#define SYST_CVR REG(0xE000E018u)
#define NVIC_ISER(n) REG(0xE000E100u + 4u * (n))
#define NVIC_ICER(n) REG(0xE000E180u + 4u * (n))
#define NVIC_ICPR(n) REG(0xE000E280u + 4u * (n))
#define SCB_ICSR REG(0xE000ED04u)
#define SCB_VTOR REG(0xE000ED08u)
#define SCB_AIRCR REG(0xE000ED0Cu)
#define SCB_ICSR_PENDSTCLR (1u << 25)
#define SCB_AIRCR_SYSRESET 0x05FA0004u /* VECTKEY | SYSRESETREQ */

/* Between the port's files. */
void stm32f4_clock_init(void);
void stm32f4_clock_reset(void);
uint32_t stm32f4_hclk(void);
uint32_t stm32f4_pclk1(void);
void stm32f4_uart_init(void);
void stm32f4_uart_drain(void);
void stm32f4_uart_deinit(void);
/* USB off the bus, the OTG_FS core reset (usb_otgfs.c), before a jump. */
void stm32f4_usb_stop(void);
/* Bytes the reception ring lost by overflowing since reset: 0 in a sound setup. */
uint32_t stm32f4_rx_lost(void);

#endif /* STM32F4_H */

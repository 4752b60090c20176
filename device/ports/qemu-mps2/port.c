/*
 * QEMU mps2-an386 (Cortex-M4): CMSDK APB UART0 for the console, the code
 * SSRAM at 0x00000000 as "flash" with NOR semantics enforced here, system
 * restart by jumping to the Bootloader (see fwd_port_reset).
 */
#include <stddef.h>
#include <string.h>

#include "../armv7m_handoff.h"
#include "fwd_port.h"

#define UART0 0x40004000u
#define UART_DATA (*(volatile uint32_t *)(UART0 + 0x000))
#define UART_STATE (*(volatile uint32_t *)(UART0 + 0x004))
#define UART_CTRL (*(volatile uint32_t *)(UART0 + 0x008))
#define UART_INTSTATUS (*(volatile uint32_t *)(UART0 + 0x00C))
#define UART_BAUDDIV (*(volatile uint32_t *)(UART0 + 0x010))
#define SYSCLK_HZ 25000000u

const char fwd_port_board[] = "qemu-mps2-an386";
#define FLASH_END 0x00108000u /* 1 MiB of slots, then the counter's two sectors */

/* The cookbook's STM32F429 layout, and two more 16K sectors for the counter. */
static const uint32_t sectors[] = {16384,  16384,  16384,  16384,  65536,  131072, 131072,
				   131072, 131072, 131072, 131072, 131072, 16384,  16384, 0};

__attribute__((section(".shared_ram"))) static struct fwd_shared shared;

/*
 * The board's unique ID. QEMU's mps2 has no ID register: the port reads 12
 * bytes at the top of the code SSRAM, above the flash and never written by
 * the programs, which a test provisions per board ("-device
 * loader,file=uid.bin,addr=0x003FFFF0", 12 bytes). Unprovisioned (zeros, as
 * QEMU's RAM powers up), the board reports this fixed ID, stable from run
 * to run, like a chip whose ID was never programmed.
 */
#define UID_ADDR 0x003FFFF0u
#define UID_LEN 12u
static const uint8_t default_uid[UID_LEN] = {'q', 'e', 'm', 'u', '-', 'm', 'p', 's', '2', 0, 0, 1};

unsigned fwd_port_uid(uint8_t out[FWP_UID_MAX])
{
	const volatile uint8_t *otp = (const volatile uint8_t *)(uintptr_t)UID_ADDR;
	uint8_t any = 0;
	for (unsigned i = 0; i < UID_LEN; i++)
		any |= out[i] = otp[i];
	if (!any)
		memcpy(out, default_uid, UID_LEN);
	return UID_LEN;
}

void fwd_port_init(void)
{
	UART_BAUDDIV = 16;
	UART_CTRL = 0x3; /* TX and RX enable */
}

void fwd_port_putc(char c)
{
	while (UART_STATE & 1u) /* TX buffer full */
		;
	UART_DATA = (uint8_t)c;
}

int fwd_port_getc(void)
{
	if (!(UART_STATE & 2u))
		return -1;
	return (int)(UART_DATA & 0xFF);
}

/* QEMU's UART moves bytes at host speed whatever the divider says. */
int fwd_port_baud_ok(uint32_t baud)
{
	return baud >= 300 && baud <= SYSCLK_HZ / 16u ? 0 : -1;
}

int fwd_port_set_baud(uint32_t baud)
{
	if (fwd_port_baud_ok(baud) != 0)
		return -1;
	while (UART_STATE & 1u)
		;
	UART_BAUDDIV = SYSCLK_HZ / baud;
	return 0;
}

static volatile uint32_t ticks;

void SysTick_Handler(void);
void SysTick_Handler(void)
{
	ticks++;
}

/* SysTick starts on first use: the Bootloader never pays for it. */
uint32_t fwd_port_millis(void)
{
	if (!(FWD_SYST_CSR & 1u)) {
		FWD_SYST_RVR = SYSCLK_HZ / 1000u - 1u;
		FWD_SYST_CVR = 0;
		FWD_SYST_CSR = 7u; /* processor clock, interrupt, enable */
	}
	return ticks;
}

static int flash_read(void *ctx, uint32_t addr, void *buf, size_t len)
{
	(void)ctx;
	if (addr + len < addr || addr + len > FLASH_END)
		return -1;
	memcpy(buf, (const void *)(uintptr_t)addr, len);
	return 0;
}

static int flash_sector_of(void *ctx, uint32_t addr, uint32_t *start, uint32_t *size)
{
	(void)ctx;
	uint32_t a = 0;
	for (const uint32_t *z = sectors; *z; z++) {
		if (addr >= a && addr - a < *z) {
			*start = a;
			*size = *z;
			return 0;
		}
		a += *z;
	}
	return -1;
}

static int flash_erase(void *ctx, uint32_t addr)
{
	uint32_t start, size;
	if (flash_sector_of(ctx, addr, &start, &size) != 0 || start < 0x4000u)
		return -1; /* the Bootloader's sector is never erased */
	memset((void *)(uintptr_t)start, 0xFF, size);
	return 0;
}

static int flash_program(void *ctx, uint32_t addr, const void *buf, size_t len)
{
	(void)ctx;
	uint8_t *m = (uint8_t *)(uintptr_t)addr;
	const uint8_t *p = buf;
	if (addr < 0x4000u || addr + len < addr || addr + len > FLASH_END)
		return -1;
	for (size_t i = 0; i < len; i++)
		if (m[i] != 0xFF && p[i] != 0)
			return -1; /* NOR: programming over data that was not erased */
	for (size_t i = 0; i < len; i++)
		m[i] &= p[i];
	return 0;
}

static const struct fwd_flash_ops ops = {flash_read, flash_erase, flash_program,
					 flash_sector_of};
static const struct fwd_flash flash = {&ops, NULL};

const struct fwd_flash *fwd_port_flash(void)
{
	return &flash;
}

/* QEMU does not model reset-cause registers: a magic in no-init RAM tells. */
enum fwd_reset_reason fwd_port_reset_reason(void)
{
	return shared.magic == FWD_SHARED_MAGIC ? FWD_RESET_SOFTWARE : FWD_RESET_POWER_ON;
}

struct fwd_shared *fwd_port_shared(void)
{
	return &shared;
}

/*
 * A system reset in QEMU reloads every image given with -device loader,
 * which real flash never does: an installed update would vanish. So the
 * reset restarts the Bootloader by hand, the way the core would after
 * SYSRESETREQ: peripherals off (fwd_port_jump), its vector table, its stack.
 */
void fwd_port_reset(void)
{
	fwd_port_jump(fwd_port_bootloader_slot[0]);
}

/* No boot-select line on this board: the Loader stays only for its other reasons. */
int fwd_port_boot_select(void)
{
	return 0;
}

void fwd_port_idle(void)
{
	__asm volatile("wfi");
}

/*
 * The next program starts as from reset (docs/handoff.md): the UART back
 * at its reset values (disabled, divider 0, no interrupt latched), then
 * the core's part (../armv7m_handoff.h), which ends with PRIMASK cleared.
 */
void fwd_port_jump(uint32_t vector_addr)
{
	while (UART_STATE & 1u) /* let the console drain */
		;
	fwd_armv7m_mask();
	UART_CTRL = 0;
	UART_BAUDDIV = 0;
	UART_INTSTATUS = 0xFu; /* write 1 to clear TX/RX (overrun) interrupts */
	UART_STATE = 0xCu;     /* write 1 to clear the overrun flags */
	fwd_armv7m_start(vector_addr);
}

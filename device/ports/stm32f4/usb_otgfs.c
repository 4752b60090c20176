/*
 * USB device controller: the OTG_FS core of the STM32F4 (RM0090, OTG_FS
 * chapter), full speed on PA11/PA12, endpoint 0 only (DFU needs nothing
 * else). Polled from update mode's loop, no interrupt: the device has
 * nothing to do but answer the host, and a poll keeps the flash work
 * (fwd_usb_poll) and the controller in one thread of control. Control
 * transfers are assembled here (EP0 moves one packet at a time) and handed
 * whole to fwd_usb_control().
 */
#include <stddef.h>

#include "fwd_port.h"
#include "fwd_usb.h"
#include "stm32f4.h"

#define OTG 0x50000000u
#define GAHBCFG REG(OTG + 0x008)
#define GUSBCFG REG(OTG + 0x00C)
#define GRSTCTL REG(OTG + 0x010)
#define GINTSTS REG(OTG + 0x014)
#define GINTMSK REG(OTG + 0x018)
#define GRXSTSP REG(OTG + 0x020)
#define GRXFSIZ REG(OTG + 0x024)
#define DIEPTXF0 REG(OTG + 0x028)
#define GCCFG REG(OTG + 0x038)
#define DCFG REG(OTG + 0x800)
#define DCTL REG(OTG + 0x804)
#define DIEPMSK REG(OTG + 0x810)
#define DOEPMSK REG(OTG + 0x814)
#define DAINTMSK REG(OTG + 0x81C)
#define DIEPCTL0 REG(OTG + 0x900)
#define DIEPINT0 REG(OTG + 0x908)
#define DIEPTSIZ0 REG(OTG + 0x910)
#define DTXFSTS0 REG(OTG + 0x918)
#define DOEPCTL0 REG(OTG + 0xB00)
#define DOEPINT0 REG(OTG + 0xB08)
#define DOEPTSIZ0 REG(OTG + 0xB10)
#define PCGCCTL REG(OTG + 0xE00)
#define FIFO0 REG(OTG + 0x1000) /* EP0: push IN words, pop the receive FIFO */

#define GUSBCFG_TRDT(n) ((uint32_t)(n) << 10)
#define GUSBCFG_PHYSEL (1u << 6)
#define GUSBCFG_FDMOD (1u << 30)
#define GRSTCTL_CSRST (1u << 0)
#define GRSTCTL_RXFFLSH (1u << 4)
#define GRSTCTL_TXFFLSH (1u << 5)
#define GRSTCTL_TXFNUM_ALL (0x10u << 6)
#define GRSTCTL_AHBIDL (1u << 31)
#define GINTSTS_RXFLVL (1u << 4)
#define GINTSTS_USBRST (1u << 12)
#define GINTSTS_ENUMDNE (1u << 13)
#define GINTSTS_IEPINT (1u << 18)
#define GINTSTS_OEPINT (1u << 19)
#define GCCFG_PWRDWN (1u << 16)
#define GCCFG_NOVBUSSENS (1u << 21)
#define DCFG_DSPD_FS 3u
#define DCFG_DAD(a) ((uint32_t)(a) << 4)
#define DCFG_DAD_MASK (0x7Fu << 4)
#define DCTL_SDIS (1u << 1)
#define DCTL_CGINAK (1u << 8)
#define EPCTL_STALL (1u << 21)
#define EPCTL_CNAK (1u << 26)
#define EPCTL_SNAK (1u << 27)
#define EPCTL_EPENA (1u << 31)
#define EPINT_XFRC (1u << 0)
#define DOEPINT_STUP (1u << 3)
#define DOEPTSIZ0_ARM ((3u << 29) | (1u << 19) | FWD_USB_EP0_SIZE) /* 3 SETUPs, 1 packet */
#define RXSTS_BCNT(s) (((s) >> 4) & 0x7FFu)
#define RXSTS_PKTSTS(s) (((s) >> 17) & 0xFu)
#define PKTSTS_OUT_DATA 2u
#define PKTSTS_SETUP_DATA 6u

/* Words of the 1.25 KiB FIFO RAM: receive, then the EP0 transmit FIFO. */
#define RX_FIFO_WORDS 128u
#define TX0_FIFO_WORDS 32u

#define RCC_AHB2RSTR REG(0x40023814u)
#define RCC_AHB2ENR REG(0x40023834u)
#define RCC_AHB2_OTGFS (1u << 7)
#define RCC_AHB1_GPIOA (1u << 0)
#define GPIOA_MODER REG(0x40020000u)
#define GPIOA_OSPEEDR REG(0x40020008u)
#define GPIOA_AFRH REG(0x40020024u)
#define AF_OTG_FS 10u

enum ep0_phase { EP0_IDLE, EP0_OUT_DATA, EP0_IN_DATA };

/* The control transfer in progress. */
static struct {
	uint32_t setup[2];
	uint8_t phase;
	uint16_t len, done; /* data stage bytes: all of them, moved so far */
	int zlp;            /* an IN stage shorter than asked ends on a multiple of 64 */
	uint8_t buf[FWD_DFU_TRANSFER_SIZE] __attribute__((aligned(4)));
} ep0;

static int wait_bits(volatile uint32_t *reg, uint32_t mask, uint32_t value)
{
	for (uint32_t n = 0; n < 200000u; n++)
		if ((*reg & mask) == value)
			return 0;
	return -1;
}

static void delay_ms(uint32_t ms)
{
	uint32_t t = fwd_port_millis();
	while (fwd_port_millis() - t < ms)
		;
}

/* Ready for the next SETUP (or an OUT packet, or the status stage's ZLP). */
static void arm_out(void)
{
	DOEPTSIZ0 = DOEPTSIZ0_ARM;
	DOEPCTL0 |= EPCTL_EPENA | EPCTL_CNAK;
}

static void stall(void)
{
	DIEPCTL0 |= EPCTL_STALL;
	DOEPCTL0 |= EPCTL_STALL;
	ep0.phase = EP0_IDLE;
	arm_out(); /* a SETUP clears the stall by itself */
}

/* The next IN packet of the data stage, or the status stage's ZLP. */
static void send_packet(void)
{
	uint16_t n = ep0.len - ep0.done;
	if (n > FWD_USB_EP0_SIZE)
		n = FWD_USB_EP0_SIZE;
	DIEPTSIZ0 = (1u << 19) | n;
	DIEPCTL0 |= EPCTL_EPENA | EPCTL_CNAK;
	uint32_t words = (n + 3u) / 4u;
	/* The previous packet left the FIFO (XFRC), so this is at once true. */
	for (uint32_t t = 0; (DTXFSTS0 & 0xFFFFu) < words && t < 200000u; t++)
		;
	for (uint32_t i = 0; i < words; i++) {
		const uint8_t *p = ep0.buf + ep0.done + 4 * i;
		FIFO0 = (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
			((uint32_t)p[3] << 24);
	}
	ep0.done += n;
}

static void finish_request(struct fwd_usb *u, const struct fwd_usb_setup *s)
{
	uint16_t len = 0;
	int in = (s->bmRequestType & 0x80) != 0;
	if (fwd_usb_control(u, s, ep0.buf, &len) != FWD_USB_ACK) {
		stall();
		return;
	}
	/* The core applies a new address only after the status stage, by itself. */
	if ((s->bmRequestType & 0x7F) == 0 && s->bRequest == 5)
		DCFG = (DCFG & ~DCFG_DAD_MASK) | DCFG_DAD(u->address);
	ep0.len = in ? len : 0;
	ep0.done = 0;
	ep0.zlp = in && len < s->wLength && len % FWD_USB_EP0_SIZE == 0 && len;
	ep0.phase = in ? EP0_IN_DATA : EP0_IDLE;
	send_packet(); /* the first IN packet, or the OUT request's status ZLP */
	arm_out();
}

static struct fwd_usb_setup setup_of(void)
{
	const uint8_t *p = (const uint8_t *)ep0.setup;
	struct fwd_usb_setup s = {p[0], p[1], fwp_le16(p + 2), fwp_le16(p + 4), fwp_le16(p + 6)};
	return s;
}

static void on_setup(struct fwd_usb *u)
{
	struct fwd_usb_setup s = setup_of();
	DIEPCTL0 &= ~EPCTL_STALL;
	if ((s.bmRequestType & 0x80) || s.wLength == 0) {
		finish_request(u, &s);
		return;
	}
	if (s.wLength > sizeof(ep0.buf)) {
		stall();
		return;
	}
	ep0.phase = EP0_OUT_DATA;
	ep0.len = s.wLength;
	ep0.done = 0;
	arm_out();
}

static void read_fifo(uint8_t *dst, uint32_t n)
{
	for (uint32_t i = 0; i < n; i += 4) {
		uint32_t w = FIFO0;
		for (uint32_t k = 0; k < 4 && i + k < n; k++)
			dst[i + k] = (uint8_t)(w >> (8 * k));
	}
}

static void bus_reset(struct fwd_usb *u)
{
	DCFG &= ~DCFG_DAD_MASK;
	DIEPCTL0 = EPCTL_SNAK;
	GRSTCTL = GRSTCTL_TXFFLSH | GRSTCTL_TXFNUM_ALL;
	wait_bits(&GRSTCTL, GRSTCTL_TXFFLSH, 0);
	ep0.phase = EP0_IDLE;
	fwd_usb_reset(u);
	arm_out();
}

void fwd_port_usb_poll(struct fwd_usb *u)
{
	uint32_t st = GINTSTS;
	if (st & GINTSTS_USBRST) {
		GINTSTS = GINTSTS_USBRST;
		bus_reset(u);
	}
	if (st & GINTSTS_ENUMDNE) {
		GINTSTS = GINTSTS_ENUMDNE;
		DIEPCTL0 &= ~3u; /* MPSIZ 0: 64-byte packets */
		DCTL |= DCTL_CGINAK;
	}
	while (GINTSTS & GINTSTS_RXFLVL) {
		uint32_t rx = GRXSTSP;
		uint32_t n = RXSTS_BCNT(rx);
		if (RXSTS_PKTSTS(rx) == PKTSTS_SETUP_DATA && n == 8) {
			ep0.setup[0] = FIFO0;
			ep0.setup[1] = FIFO0;
		} else if (RXSTS_PKTSTS(rx) == PKTSTS_OUT_DATA && ep0.phase == EP0_OUT_DATA &&
			   n <= (uint32_t)(ep0.len - ep0.done)) {
			read_fifo(ep0.buf + ep0.done, n);
			ep0.done = (uint16_t)(ep0.done + n);
		} else {
			for (uint32_t i = 0; i < n; i += 4)
				(void)FIFO0; /* a status ZLP, or what nobody waits for */
		}
	}
	uint32_t oi = DOEPINT0;
	if (oi & DOEPINT_STUP) {
		DOEPINT0 = DOEPINT_STUP | EPINT_XFRC;
		on_setup(u);
	} else if (oi & EPINT_XFRC) {
		DOEPINT0 = EPINT_XFRC;
		if (ep0.phase == EP0_OUT_DATA && ep0.done == ep0.len) {
			struct fwd_usb_setup s = setup_of();
			finish_request(u, &s);
		} else {
			arm_out(); /* the next packet, or the next SETUP */
		}
	}
	if (DIEPINT0 & EPINT_XFRC) {
		DIEPINT0 = EPINT_XFRC;
		if (ep0.phase == EP0_IN_DATA && (ep0.done < ep0.len || ep0.zlp)) {
			if (ep0.done == ep0.len)
				ep0.zlp = 0;
			send_packet();
		} else {
			ep0.phase = EP0_IDLE; /* the host's status ZLP comes on OUT */
		}
	}
}

int fwd_port_usb_start(struct fwd_usb *u)
{
	(void)u;
	/* PA11 DM, PA12 DP: alternate function 10, fast edges. */
	RCC_AHB1ENR |= RCC_AHB1_GPIOA;
	(void)RCC_AHB1ENR;
	GPIOA_MODER = (GPIOA_MODER & ~(0xFu << 22)) | (0xAu << 22);
	GPIOA_OSPEEDR |= 0xFu << 22;
	GPIOA_AFRH = (GPIOA_AFRH & ~(0xFFu << 12)) | (AF_OTG_FS << 12) | (AF_OTG_FS << 16);
	RCC_AHB2ENR |= RCC_AHB2_OTGFS;
	(void)RCC_AHB2ENR;

	GUSBCFG |= GUSBCFG_PHYSEL;
	if (wait_bits(&GRSTCTL, GRSTCTL_AHBIDL, GRSTCTL_AHBIDL) != 0)
		return -1;
	GRSTCTL = GRSTCTL_CSRST;
	if (wait_bits(&GRSTCTL, GRSTCTL_CSRST, 0) != 0)
		return -1;
	/* No VBUS pin sensing: the board is powered by what it is plugged into or not. */
	GCCFG = GCCFG_PWRDWN | GCCFG_NOVBUSSENS;
	/* TRDT 6: the turnaround RM0090 gives for AHB at 32 MHz and above. */
	GUSBCFG = GUSBCFG_PHYSEL | GUSBCFG_FDMOD | GUSBCFG_TRDT(6);
	delay_ms(25); /* the mode change takes effect after 25 ms */
	PCGCCTL = 0;
	DCTL = DCTL_SDIS; /* off the bus while the core is set up */
	DCFG = DCFG_DSPD_FS;
	GRXFSIZ = RX_FIFO_WORDS;
	DIEPTXF0 = (TX0_FIFO_WORDS << 16) | RX_FIFO_WORDS;
	GRSTCTL = GRSTCTL_TXFFLSH | GRSTCTL_TXFNUM_ALL;
	wait_bits(&GRSTCTL, GRSTCTL_TXFFLSH, 0);
	GRSTCTL = GRSTCTL_RXFFLSH;
	wait_bits(&GRSTCTL, GRSTCTL_RXFFLSH, 0);
	/* Polled: the flags are read from GINTSTS and the EP registers, no IRQ. */
	DIEPMSK = 0;
	DOEPMSK = 0;
	DAINTMSK = 0;
	GINTMSK = 0;
	GAHBCFG = 0;
	GINTSTS = 0xFFFFFFFFu;
	ep0.phase = EP0_IDLE;
	DCTL &= ~DCTL_SDIS; /* the pull-up on DP: the host sees us */
	return 0;
}

/*
 * The unique ID in hex, as INFO reports it over serial: tells boards apart
 * on one host (dfu-util -S), and a host matches a board's USB and serial
 * identities by it.
 */
const char *fwd_port_usb_serial(void)
{
	static char text[2 * FWP_UID_MAX + 1];
	static const char hex[] = "0123456789ABCDEF";
	uint8_t uid[FWP_UID_MAX];
	unsigned n = fwd_port_uid(uid);
	for (unsigned i = 0; i < n; i++) {
		text[2 * i] = hex[uid[i] >> 4];
		text[2 * i + 1] = hex[uid[i] & 15];
	}
	text[2 * n] = 0;
	return text;
}

/* Off the bus and back to reset state: the next program starts clean. */
void stm32f4_usb_stop(void)
{
	if (RCC_AHB2ENR & RCC_AHB2_OTGFS) {
		DCTL |= DCTL_SDIS;
		RCC_AHB2RSTR |= RCC_AHB2_OTGFS;
		RCC_AHB2RSTR &= ~RCC_AHB2_OTGFS;
		RCC_AHB2ENR &= ~RCC_AHB2_OTGFS;
		/* PA11/PA12 back to their reset mode; GPIOA's clock as at reset. */
		RCC_AHB1RSTR |= RCC_AHB1_GPIOA;
		RCC_AHB1RSTR &= ~RCC_AHB1_GPIOA;
		RCC_AHB1ENR &= ~RCC_AHB1_GPIOA;
	}
}

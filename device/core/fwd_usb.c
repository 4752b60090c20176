/* Descriptors and the chapter 9 requests; DFU class requests go to fwd_dfu. */
#include <string.h>

#include "fwd_usb.h"

#define REQ_DIR_IN 0x80u
#define REQ_TYPE_MASK 0x60u
#define REQ_TYPE_STANDARD 0x00u
#define REQ_TYPE_CLASS 0x20u
#define REQ_RECIP_MASK 0x1Fu
#define REQ_RECIP_DEVICE 0u
#define REQ_RECIP_INTERFACE 1u
#define REQ_RECIP_ENDPOINT 2u

enum {
	GET_STATUS = 0,
	CLEAR_FEATURE = 1,
	SET_FEATURE = 3,
	SET_ADDRESS = 5,
	GET_DESCRIPTOR = 6,
	GET_CONFIGURATION = 8,
	SET_CONFIGURATION = 9,
	GET_INTERFACE = 10,
	SET_INTERFACE = 11
};
enum { DESC_DEVICE = 1, DESC_CONFIG = 2, DESC_STRING = 3, DESC_INTERFACE = 4 };

int fwd_usb_init(struct fwd_usb *u, const struct fwd_usb_config *cfg, struct fwd_update *up)
{
	if (up->ntargets == 0 || up->ntargets > FWD_USB_MAX_ALTS)
		return -1;
	memset(u, 0, sizeof(*u));
	u->cfg = cfg;
	fwd_dfu_init(&u->dfu, up);
	return 0;
}

void fwd_usb_reset(struct fwd_usb *u)
{
	u->address = 0;
	u->configuration = 0;
	if (u->dfu.installed)
		u->leave = 1;
	fwd_dfu_set_alt(&u->dfu, 0);
}

uint16_t fwd_usb_device_desc(const struct fwd_usb *u, uint8_t *p)
{
	p[0] = FWD_USB_DEVICE_DESC_LEN;
	p[1] = DESC_DEVICE;
	fwp_put_le16(p + 2, 0x0200); /* bcdUSB */
	p[4] = 0;                    /* class per interface */
	p[5] = 0;
	p[6] = 0;
	p[7] = FWD_USB_EP0_SIZE;
	fwp_put_le16(p + 8, u->cfg->vid);
	fwp_put_le16(p + 10, u->cfg->pid);
	fwp_put_le16(p + 12, u->cfg->bcd_device);
	p[14] = FWD_USB_STR_MANUFACTURER;
	p[15] = FWD_USB_STR_PRODUCT;
	p[16] = u->cfg->serial ? FWD_USB_STR_SERIAL : 0;
	p[17] = 1; /* bNumConfigurations */
	return FWD_USB_DEVICE_DESC_LEN;
}

uint16_t fwd_usb_config_desc(const struct fwd_usb *u, uint8_t *p)
{
	uint8_t nalt = u->dfu.up->ntargets;
	uint16_t total = (uint16_t)(9u + 9u * nalt + FWP_DFU_FUNC_DESC_LEN);
	p[0] = 9;
	p[1] = DESC_CONFIG;
	fwp_put_le16(p + 2, total);
	p[4] = 1; /* bNumInterfaces */
	p[5] = 1; /* bConfigurationValue */
	p[6] = 0;
	p[7] = 0x80; /* bus powered */
	p[8] = 50;   /* 100 mA */
	uint8_t *q = p + 9;
	for (uint8_t a = 0; a < nalt; a++, q += 9) {
		q[0] = 9;
		q[1] = DESC_INTERFACE;
		q[2] = 0; /* bInterfaceNumber */
		q[3] = a; /* bAlternateSetting */
		q[4] = 0; /* no endpoints: DFU is all on endpoint 0 */
		q[5] = FWP_DFU_CLASS;
		q[6] = FWP_DFU_SUBCLASS;
		q[7] = FWP_DFU_PROTO_DFU_MODE;
		q[8] = (uint8_t)(FWD_USB_STR_ALT + a);
	}
	fwd_dfu_func_desc(q);
	return total;
}

/* ASCII to a UTF-16LE string descriptor (at most 126 characters). */
static uint16_t string_desc(const char *s, uint8_t *p)
{
	uint16_t n = 0;
	while (s[n] && n < 126) {
		p[2 + 2 * n] = (uint8_t)s[n];
		p[3 + 2 * n] = 0;
		n++;
	}
	p[0] = (uint8_t)(2 + 2 * n);
	p[1] = DESC_STRING;
	return p[0];
}

/* Copy at most wLength bytes of a descriptor: the host reads a prefix first. */
static uint16_t clip(uint16_t have, uint16_t wLength)
{
	return have < wLength ? have : wLength;
}

static int get_descriptor(struct fwd_usb *u, const struct fwd_usb_setup *s, uint8_t *data,
			  uint16_t *len)
{
	uint8_t buf[FWD_USB_CONFIG_DESC_MAX > 254 ? FWD_USB_CONFIG_DESC_MAX : 254];
	uint8_t type = (uint8_t)(s->wValue >> 8), index = (uint8_t)s->wValue;
	uint16_t n;
	const char *str = NULL;
	switch (type) {
	case DESC_DEVICE:
		n = fwd_usb_device_desc(u, buf);
		break;
	case DESC_CONFIG:
		if (index != 0)
			return FWD_USB_STALL;
		n = fwd_usb_config_desc(u, buf);
		break;
	case DESC_STRING:
		if (index == 0) {
			buf[0] = 4; /* the language list: US English only */
			buf[1] = DESC_STRING;
			fwp_put_le16(buf + 2, 0x0409);
			n = 4;
			break;
		}
		if (index == FWD_USB_STR_MANUFACTURER)
			str = u->cfg->manufacturer;
		else if (index == FWD_USB_STR_PRODUCT)
			str = u->cfg->product;
		else if (index == FWD_USB_STR_SERIAL)
			str = u->cfg->serial;
		else if (index >= FWD_USB_STR_ALT && index - FWD_USB_STR_ALT < u->dfu.up->ntargets)
			str = u->cfg->alt_names[index - FWD_USB_STR_ALT];
		if (!str)
			return FWD_USB_STALL;
		n = string_desc(str, buf);
		break;
	default:
		return FWD_USB_STALL;
	}
	*len = clip(n, s->wLength);
	memcpy(data, buf, *len);
	return FWD_USB_ACK;
}

static int standard(struct fwd_usb *u, const struct fwd_usb_setup *s, uint8_t *data,
		    uint16_t *len)
{
	uint8_t recip = s->bmRequestType & REQ_RECIP_MASK;
	int in = (s->bmRequestType & REQ_DIR_IN) != 0;
	if (recip == REQ_RECIP_INTERFACE && s->wIndex != 0)
		return FWD_USB_STALL;
	if (recip == REQ_RECIP_DEVICE) {
		switch (s->bRequest) {
		case GET_DESCRIPTOR:
			return in ? get_descriptor(u, s, data, len) : FWD_USB_STALL;
		case SET_ADDRESS:
			if (in || s->wValue > 127)
				return FWD_USB_STALL;
			u->address = (uint8_t)s->wValue;
			return FWD_USB_ACK;
		case SET_CONFIGURATION:
			if (in || s->wValue > 1)
				return FWD_USB_STALL;
			u->configuration = (uint8_t)s->wValue;
			fwd_dfu_set_alt(&u->dfu, 0);
			return FWD_USB_ACK;
		case GET_CONFIGURATION:
			if (!in || s->wLength < 1)
				return FWD_USB_STALL;
			data[0] = u->configuration;
			*len = 1;
			return FWD_USB_ACK;
		case GET_STATUS:
			break;
		default:
			return FWD_USB_STALL; /* features: no remote wakeup, no test modes */
		}
	} else if (recip == REQ_RECIP_INTERFACE) {
		switch (s->bRequest) {
		case GET_INTERFACE:
			if (!in || s->wLength < 1 || !u->configuration)
				return FWD_USB_STALL;
			data[0] = u->dfu.alt;
			*len = 1;
			return FWD_USB_ACK;
		case SET_INTERFACE:
			if (in || !u->configuration || s->wValue > 255)
				return FWD_USB_STALL;
			return fwd_dfu_set_alt(&u->dfu, (uint8_t)s->wValue) == 0 ? FWD_USB_ACK
										  : FWD_USB_STALL;
		case GET_STATUS:
			break;
		default:
			return FWD_USB_STALL;
		}
	} else if (recip == REQ_RECIP_ENDPOINT) {
		/* Endpoint 0 only: it has no halt to set or clear. */
		if (s->bRequest != GET_STATUS || (s->wIndex & 0x7F) != 0)
			return FWD_USB_STALL;
	} else {
		return FWD_USB_STALL;
	}
	/* GET_STATUS: two zero bytes (bus powered, no remote wakeup, not halted). */
	if (!in)
		return FWD_USB_STALL;
	uint8_t st[2] = {0, 0};
	*len = clip(2, s->wLength);
	memcpy(data, st, *len);
	return FWD_USB_ACK;
}

int fwd_usb_control(struct fwd_usb *u, const struct fwd_usb_setup *s, uint8_t *data,
		    uint16_t *len)
{
	uint8_t type = s->bmRequestType & REQ_TYPE_MASK;
	int in = (s->bmRequestType & REQ_DIR_IN) != 0;
	*len = 0;
	if (type == REQ_TYPE_STANDARD)
		return standard(u, s, data, len);
	if (type == REQ_TYPE_CLASS && (s->bmRequestType & REQ_RECIP_MASK) == REQ_RECIP_INTERFACE &&
	    s->wIndex == 0 && u->configuration) {
		/* OUT: the data stage is wLength bytes; IN: at most one transfer. */
		uint16_t wl = s->wLength;
		if (in && wl > FWD_DFU_TRANSFER_SIZE)
			wl = FWD_DFU_TRANSFER_SIZE;
		*len = in ? 0 : s->wLength;
		return fwd_dfu_request(&u->dfu, s->bRequest, s->wValue, wl, data, len) == 0
			       ? FWD_USB_ACK
			       : FWD_USB_STALL;
	}
	return FWD_USB_STALL;
}

int fwd_usb_poll(struct fwd_usb *u)
{
	return fwd_dfu_poll(&u->dfu);
}

/* The DFU 1.1 client over libusb-1.0 (see dfu.h). */
#include <ctype.h>
#include <libusb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dfu.h"
#include "fwc_rd.h"

/* A device that keeps saying "busy, ask again in 0 ms" must not spin forever either. */
#define MAX_POLLS 100000
/* A DFU 1.0 device without wTransferSize still takes a full-speed packet. */
#define DEFAULT_TRANSFER_SIZE 64

struct fwp_dfu_ctx {
	libusb_context *usb;
};

struct fwp_dfu_dev {
	struct fwp_dfu_ctx *ctx;
	libusb_device_handle *h;
	struct fwp_dfu_info info;
	unsigned alt_index;
	struct fwp_dfu_opts opts;
	char label[256];
};

/*
 * What the fwpack Loader means by each status (docs of device/core/fwd_dfu.h):
 * more useful than the class's generic words when it is the Loader that refused.
 */
static const char *loader_text(unsigned status)
{
	switch (status) {
	case FWP_DFU_ERR_TARGET: return "wrong slot or image type, or the slot is not writable";
	case FWP_DFU_ERR_FILE: return "malformed image header";
	case FWP_DFU_ERR_WRITE: return "flash write or erase failed";
	case FWP_DFU_ERR_VERIFY: return "bad signature, untrusted key, digest or CRC";
	case FWP_DFU_ERR_ADDRESS: return "image larger than the slot";
	case FWP_DFU_ERR_NOTDONE: return "the file ended before the image did";
	case FWP_DFU_ERR_FIRMWARE: return "security counter below the device's, a rollback";
	default: return NULL;
	}
}

void fwp_dfu_version_str(uint16_t bcd, char out[8])
{
	if (bcd & 0xf)
		snprintf(out, 8, "%x.%x%x", (bcd >> 8) & 0xff, (bcd >> 4) & 0xf, bcd & 0xf);
	else
		snprintf(out, 8, "%x.%x", (bcd >> 8) & 0xff, (bcd >> 4) & 0xf);
}

static uint64_t now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000u + (uint64_t)t.tv_nsec / 1000000u;
}

static void sleep_ms(uint32_t ms)
{
	struct timespec t = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
	nanosleep(&t, NULL);
}

/*
 * A libusb failure as one of fwpack's classes, its code kept in the message:
 * a STALL (or more data than asked) is the device refusing the protocol, a
 * timeout or a device that left the bus (or a transfer that failed on the
 * wire) is no device, anything else a failure of the system.
 */
static int usb_class(int rc)
{
	switch (rc) {
	case LIBUSB_ERROR_PIPE:
	case LIBUSB_ERROR_OVERFLOW:
		return FWP_ERR_PROTOCOL;
	case LIBUSB_ERROR_TIMEOUT:
	case LIBUSB_ERROR_NO_DEVICE:
	case LIBUSB_ERROR_NOT_FOUND:
	case LIBUSB_ERROR_IO: /* what Linux says for a device pulled mid-transfer */
		return FWP_ERR_NO_DEVICE;
	case LIBUSB_ERROR_NO_MEM:
		return FWP_ERR_NOMEM;
	default:
		return FWP_ERR_IO;
	}
}

int fwp_dfu_init(struct fwp_dfu_ctx **out, struct fwp_err *err)
{
	struct fwp_dfu_ctx *c = calloc(1, sizeof(*c));
	if (!c)
		return fwp_fail(err, FWP_ERR_NOMEM, "out of memory");
	int rc = libusb_init(&c->usb);
	if (rc < 0) {
		free(c);
		return fwp_fail(err, usb_class(rc), "libusb: cannot initialise: %s (%s)",
				libusb_strerror(rc), libusb_error_name(rc));
	}
	*out = c;
	return FWP_OK;
}

libusb_context *fwp_dfu_libusb(struct fwp_dfu_ctx *ctx)
{
	return ctx->usb;
}

void fwp_dfu_exit(struct fwp_dfu_ctx *ctx)
{
	if (ctx) {
		libusb_exit(ctx->usb);
		free(ctx);
	}
}

/* The functional descriptor among an interface's extra bytes. */
static void parse_functional(const uint8_t *p, int len, struct fwp_dfu_info *in)
{
	while (len >= 2 && p[0] >= 2 && p[0] <= len) {
		if (p[1] == FWP_DFU_FUNC_DESC_TYPE && p[0] >= 7) {
			struct fwc_rd r = fwc_rd_init(p + 2, p[0] - 2u);
			in->attrs = fwc_rd_u8(&r);
			in->detach_timeout = fwc_rd_u16(&r);
			in->transfer_size = fwc_rd_u16(&r);
			in->dfu_version = fwc_rd_u16(&r);
			if (r.bad) /* DFU 1.0's descriptor ends before bcdDFUVersion */
				in->dfu_version = 0x0100;
			return;
		}
		len -= p[0];
		p += p[0];
	}
}

/* The string, "" when there is none; returns libusb's code (< 0: not read). */
static int read_string(libusb_device_handle *h, uint8_t index, char *out, size_t size)
{
	out[0] = '\0';
	if (!h || !index)
		return 0;
	int n = libusb_get_string_descriptor_ascii(h, index, (unsigned char *)out, (int)size);
	out[n > 0 && (size_t)n < size ? n : 0] = '\0';
	return n;
}

/* A device that left the bus while being looked at. */
static int left_bus(int rc)
{
	return rc == LIBUSB_ERROR_NO_DEVICE || rc == LIBUSB_ERROR_NOT_FOUND;
}

static int matches(const struct fwp_dfu_info *in, const struct fwp_dfu_select *sel);

/*
 * Fill *in from dev's descriptors; 0 when it has no DFU interface or is
 * not sel's by VID, PID or path: such a device is not opened (a fixture's
 * boards would otherwise each open every other board for its strings).
 */
static int describe(libusb_device *dev, const struct fwp_dfu_select *sel, struct fwp_dfu_info *in)
{
	struct libusb_device_descriptor dd;
	struct libusb_config_descriptor *cfg = NULL;
	memset(in, 0, sizeof(*in));
	if (libusb_get_device_descriptor(dev, &dd) < 0)
		return 0;
	if (libusb_get_active_config_descriptor(dev, &cfg) < 0 &&
	    libusb_get_config_descriptor(dev, 0, &cfg) < 0)
		return 0;
	uint8_t names[FWP_DFU_MAX_ALTS] = {0};
	for (int i = 0; i < cfg->bNumInterfaces; i++) {
		const struct libusb_interface *itf = &cfg->interface[i];
		for (int a = 0; a < itf->num_altsetting; a++) {
			const struct libusb_interface_descriptor *id = &itf->altsetting[a];
			if (id->bInterfaceClass != FWP_DFU_CLASS || id->bInterfaceSubClass != FWP_DFU_SUBCLASS)
				continue;
			if (in->nalts == 0) {
				in->dfu_mode = id->bInterfaceProtocol == FWP_DFU_PROTO_DFU_MODE;
				parse_functional(id->extra, id->extra_length, in);
			}
			if (!in->transfer_size)
				parse_functional(id->extra, id->extra_length, in);
			if (in->nalts < FWP_DFU_MAX_ALTS) {
				in->alts[in->nalts].iface = id->bInterfaceNumber;
				in->alts[in->nalts].alt = id->bAlternateSetting;
				names[in->nalts] = id->iInterface;
				in->nalts++;
			}
		}
	}
	/* Some devices put the functional descriptor after the configuration's own. */
	if (in->nalts && !in->transfer_size)
		parse_functional(cfg->extra, cfg->extra_length, in);
	libusb_free_config_descriptor(cfg);
	if (!in->nalts)
		return 0;
	in->vid = dd.idVendor;
	in->pid = dd.idProduct;
	in->bus = libusb_get_bus_number(dev);
	uint8_t ports[8];
	int np = libusb_get_port_numbers(dev, ports, (int)sizeof(ports));
	int off = snprintf(in->path, sizeof(in->path), "%u", in->bus);
	for (int i = 0; i < np && off > 0 && (size_t)off < sizeof(in->path); i++)
		off += snprintf(in->path + off, sizeof(in->path) - (size_t)off, "%c%u",
				i ? '.' : '-', ports[i]);
	struct fwp_dfu_select cheap = {sel->vid, sel->pid, NULL, sel->path, NULL};
	if (!matches(in, &cheap))
		return 0;
	/* Names and the serial number are strings: the device must be opened for them. */
	libusb_device_handle *h = NULL;
	int rc = libusb_open(dev, &h);
	if (rc == 0) {
		rc = read_string(h, dd.iSerialNumber, in->serial, sizeof(in->serial));
		read_string(h, dd.iProduct, in->product, sizeof(in->product));
		for (unsigned i = 0; i < in->nalts; i++)
			read_string(h, names[i], in->alts[i].name, sizeof(in->alts[i].name));
		libusb_close(h);
	}
	/*
	 * Gone while looked at (an application detaching into its bootloader):
	 * not listed, rather than listed without its serial number, which would
	 * make it another board to a station (keyed by serial number).
	 */
	return !left_bus(rc);
}

static int matches(const struct fwp_dfu_info *in, const struct fwp_dfu_select *sel)
{
	if (sel->vid >= 0 && in->vid != sel->vid)
		return 0;
	if (sel->pid >= 0 && in->pid != sel->pid)
		return 0;
	if (sel->serial && strcmp(in->serial, sel->serial) != 0)
		return 0;
	if (sel->path && strcmp(in->path, sel->path) != 0)
		return 0;
	return 1;
}

/* Like fwp_dfu_list, with the libusb devices (referenced) when devs is not NULL. */
static int find(struct fwp_dfu_ctx *ctx, const struct fwp_dfu_select *sel,
		struct fwp_dfu_info **out, libusb_device ***devs, size_t *n, struct fwp_err *err)
{
	libusb_device **list = NULL;
	ssize_t cnt = libusb_get_device_list(ctx->usb, &list);
	*out = NULL;
	*n = 0;
	if (cnt < 0)
		return fwp_fail(err, usb_class((int)cnt), "libusb: cannot list USB devices: %s (%s)",
				libusb_strerror((int)cnt), libusb_error_name((int)cnt));
	struct fwp_dfu_info *infos = calloc((size_t)cnt + 1, sizeof(*infos));
	libusb_device **found = devs ? calloc((size_t)cnt + 1, sizeof(*found)) : NULL;
	if (!infos || (devs && !found)) {
		free(infos);
		free(found);
		libusb_free_device_list(list, 1);
		return fwp_fail(err, FWP_ERR_NOMEM, "out of memory");
	}
	for (ssize_t i = 0; i < cnt; i++) {
		if (describe(list[i], sel, &infos[*n]) && matches(&infos[*n], sel)) {
			if (found)
				found[*n] = libusb_ref_device(list[i]);
			(*n)++;
		}
	}
	libusb_free_device_list(list, 1);
	/* By path: the order of the sockets, not of enumeration (insertion sort, a handful). */
	for (size_t i = 1; i < *n; i++) {
		for (size_t j = i; j > 0 && strcmp(infos[j - 1].path, infos[j].path) > 0; j--) {
			struct fwp_dfu_info t = infos[j];
			infos[j] = infos[j - 1];
			infos[j - 1] = t;
			if (found) {
				libusb_device *dt = found[j];
				found[j] = found[j - 1];
				found[j - 1] = dt;
			}
		}
	}
	*out = infos;
	if (devs)
		*devs = found;
	return FWP_OK;
}

int fwp_dfu_list(struct fwp_dfu_ctx *ctx, const struct fwp_dfu_select *sel,
		 struct fwp_dfu_info **out, size_t *n, struct fwp_err *err)
{
	return find(ctx, sel, out, NULL, n, err);
}

static void unref_all(libusb_device **devs, size_t n)
{
	for (size_t i = 0; devs && i < n; i++)
		libusb_unref_device(devs[i]);
	free(devs);
}

static void make_label(const struct fwp_dfu_info *in, char *out, size_t size)
{
	snprintf(out, size, "%04x:%04x%s%s at %s", in->vid, in->pid, in->serial[0] ? " serial " : "",
		 in->serial, in->path);
}

static int usb_fail(struct fwp_dfu_dev *d, int rc, const char *what, struct fwp_err *err)
{
	char why[96];
	if (rc == LIBUSB_ERROR_PIPE)
		snprintf(why, sizeof(why), "the device stalled it");
	else if (rc == LIBUSB_ERROR_TIMEOUT)
		snprintf(why, sizeof(why), "no answer within %u ms", d->opts.timeout_ms);
	else if (rc == LIBUSB_ERROR_NO_DEVICE)
		snprintf(why, sizeof(why), "the device is gone");
	else
		snprintf(why, sizeof(why), "%s", libusb_strerror(rc));
	return fwp_fail(err, usb_class(rc), "DFU device %s: %s: %s (%s)", d->label, what, why,
			libusb_error_name(rc));
}

static int ctrl(struct fwp_dfu_dev *d, uint8_t type, uint8_t req, uint16_t value, uint8_t *data,
		size_t len, const char *what, struct fwp_err *err)
{
	uint16_t iface = d->info.alts[d->alt_index].iface;
	int rc = libusb_control_transfer(d->h, type, req, value, iface, data, (uint16_t)len,
					 d->opts.timeout_ms);
	if (rc < 0)
		return usb_fail(d, rc, what, err);
	return rc;
}

int fwp_dfu_dnload(struct fwp_dfu_dev *d, uint16_t block, const uint8_t *data, size_t len,
		   struct fwp_err *err)
{
	/* libusb takes a non-const buffer for both directions; OUT data is only read. */
	int rc = ctrl(d, FWP_DFU_RT_OUT, FWP_DFU_REQ_DNLOAD, block, (uint8_t *)(uintptr_t)data, len,
		      "DFU_DNLOAD", err);
	if (rc >= 0 && (size_t)rc != len)
		return fwp_fail(err, FWP_ERR_PROTOCOL, "DFU device %s: DFU_DNLOAD took %d of %zu bytes",
				d->label, rc, len);
	return rc < 0 ? rc : FWP_OK;
}

int fwp_dfu_get_status(struct fwp_dfu_dev *d, struct fwp_dfu_status *st, struct fwp_err *err)
{
	uint8_t b[FWP_DFU_STATUS_LEN];
	int rc = ctrl(d, FWP_DFU_RT_IN, FWP_DFU_REQ_GETSTATUS, 0, b, sizeof(b), "DFU_GETSTATUS", err);
	if (rc < 0)
		return rc;
	if (rc != FWP_DFU_STATUS_LEN)
		return fwp_fail(err, FWP_ERR_PROTOCOL,
				"DFU device %s: DFU_GETSTATUS answered %d bytes, not %u", d->label, rc,
				FWP_DFU_STATUS_LEN);
	st->status = b[0];
	st->poll_ms = fwp_dfu_status_poll_ms(b);
	st->state = b[4];
	st->istring = b[5];
	return FWP_OK;
}

int fwp_dfu_clear_status(struct fwp_dfu_dev *d, struct fwp_err *err)
{
	int rc = ctrl(d, FWP_DFU_RT_OUT, FWP_DFU_REQ_CLRSTATUS, 0, NULL, 0, "DFU_CLRSTATUS", err);
	return rc < 0 ? rc : FWP_OK;
}

int fwp_dfu_abort(struct fwp_dfu_dev *d, struct fwp_err *err)
{
	int rc = ctrl(d, FWP_DFU_RT_OUT, FWP_DFU_REQ_ABORT, 0, NULL, 0, "DFU_ABORT", err);
	return rc < 0 ? rc : FWP_OK;
}

int fwp_dfu_is_fwpack(const struct fwp_dfu_info *in)
{
	return !strncmp(in->product, "fwpack", 6);
}

void fwp_dfu_board_uid(const struct fwp_dfu_info *in, char out[2 * FWP_UID_MAX + 1])
{
	size_t n = strlen(in->serial);
	out[0] = 0;
	if (!fwp_dfu_is_fwpack(in) || n == 0 || n % 2 || n > 2 * FWP_UID_MAX)
		return;
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)in->serial[i]))
			return;
	for (size_t i = 0; i <= n; i++)
		out[i] = (char)tolower((unsigned char)in->serial[i]);
}

/* The device's refusal in words, with its status string when it offers one. */
static int refused(struct fwp_dfu_dev *d, const struct fwp_dfu_status *st, const char *when,
		   struct fwp_err *err)
{
	char why[256] = "";
	const char *text = fwp_dfu_status_text(st->status);
	if (fwp_dfu_is_fwpack(&d->info) && loader_text(st->status))
		text = loader_text(st->status);
	read_string(d->h, st->istring, why, sizeof(why));
	return fwp_fail(err, FWP_ERR_REFUSED, "DFU device %s: %s: %s (%s)%s%s", d->label, when,
			fwp_dfu_status_name(st->status), text, why[0] ? ": " : "", why);
}

/*
 * GETSTATUS until the device leaves the busy states, honouring bwPollTimeout,
 * for at most opts.busy_ms and MAX_POLLS answers.
 */
static int wait_idle(struct fwp_dfu_dev *d, struct fwp_dfu_status *st, const char *when,
		     struct fwp_err *err)
{
	uint64_t deadline = now_ms() + d->opts.busy_ms;
	for (unsigned polls = 0;; polls++) {
		int rc = fwp_dfu_get_status(d, st, err);
		if (rc < 0)
			return rc;
		if (st->state == FWP_DFU_ERROR)
			return refused(d, st, when, err);
		if (st->state != FWP_DFU_DNBUSY && st->state != FWP_DFU_DNLOAD_SYNC &&
		    st->state != FWP_DFU_MANIFEST && st->state != FWP_DFU_MANIFEST_SYNC)
			return FWP_OK;
		uint64_t t = now_ms();
		if (t + st->poll_ms > deadline || polls >= MAX_POLLS)
			return fwp_fail(err, FWP_ERR_NO_DEVICE,
					"DFU device %s: %s: still %s after %u polls, past the %u ms "
					"a device may stay busy",
					d->label, when, fwp_dfu_state_name(st->state), polls + 1,
					d->opts.busy_ms);
		sleep_ms(st->poll_ms);
	}
}

int fwp_dfu_dnload_block(struct fwp_dfu_dev *d, uint16_t block, const uint8_t *data,
			 size_t len, struct fwp_err *err)
{
	struct fwp_dfu_status st;
	char when[48];
	snprintf(when, sizeof(when), "block %u", block);
	if (d->opts.cancel && *d->opts.cancel) {
		/* Back to dfuIDLE: the device drops the session; an fwpack Loader has
		   not programmed the header, so nothing half-written is committed. */
		fwp_dfu_abort(d, NULL);
		return fwp_fail(err, FWP_ERR_NO_DEVICE,
				"DFU device %s: interrupted before %s; download aborted (DFU_ABORT)",
				d->label, when);
	}
	int rc = fwp_dfu_dnload(d, block, data, len, err);
	if (rc == FWP_ERR_PROTOCOL && fwp_dfu_get_status(d, &st, NULL) == FWP_OK &&
	    st.state == FWP_DFU_ERROR)
		/* A stalled DNLOAD with a reason behind it: the reason is the better message. */
		return refused(d, &st, when, err);
	if (rc < 0)
		return rc;
	if ((rc = wait_idle(d, &st, when, err)) < 0)
		return rc;
	if (st.state != FWP_DFU_DNLOAD_IDLE)
		return fwp_fail(err, FWP_ERR_PROTOCOL, "DFU device %s: %s: %s where dfuDNLOAD-IDLE was due",
				d->label, when, fwp_dfu_state_name(st.state));
	return FWP_OK;
}

int fwp_dfu_manifest(struct fwp_dfu_dev *d, uint16_t block, struct fwp_err *err)
{
	struct fwp_dfu_status st;
	int tolerant = d->info.attrs & FWP_DFU_ATTR_MANIFESTATION_TOLERANT;
	int rc = fwp_dfu_dnload(d, block, NULL, 0, err);
	if (rc < 0)
		return rc;
	rc = wait_idle(d, &st, "manifestation", err);
	if ((rc == FWP_ERR_NO_DEVICE || rc == FWP_ERR_PROTOCOL || rc == FWP_ERR_IO) && !tolerant)
		/* It resets itself into the new firmware, as it said it would. */
		return FWP_OK;
	if (rc < 0)
		return rc;
	if (st.state == FWP_DFU_IDLE || st.state == FWP_DFU_MANIFEST_WAIT_RESET)
		return FWP_OK;
	return fwp_fail(err, FWP_ERR_PROTOCOL, "DFU device %s: manifestation ended in %s",
			d->label, fwp_dfu_state_name(st.state));
}

/* Bring a device in DFU mode to dfuIDLE, whatever an earlier session left behind. */
static int start(struct fwp_dfu_dev *d, struct fwp_err *err)
{
	struct fwp_dfu_status st;
	for (int attempt = 0; attempt < 3; attempt++) {
		int rc = fwp_dfu_get_status(d, &st, err);
		if (rc < 0)
			return rc;
		switch (st.state) {
		case FWP_DFU_IDLE:
			return FWP_OK;
		case FWP_DFU_ERROR:
			rc = fwp_dfu_clear_status(d, err);
			break;
		case FWP_DFU_DNLOAD_IDLE:
		case FWP_DFU_UPLOAD_IDLE:
			rc = fwp_dfu_abort(d, err);
			break;
		case FWP_DFU_DNBUSY:
		case FWP_DFU_DNLOAD_SYNC:
		case FWP_DFU_MANIFEST_SYNC:
		case FWP_DFU_MANIFEST:
			rc = wait_idle(d, &st, "start", err);
			break;
		default:
			return fwp_fail(err, FWP_ERR_PROTOCOL,
					"DFU device %s: in state %s, cannot start a download", d->label,
					fwp_dfu_state_name(st.state));
		}
		if (rc < 0)
			return rc;
	}
	return fwp_fail(err, FWP_ERR_PROTOCOL, "DFU device %s: does not reach dfuIDLE (%s, %s)",
			d->label, fwp_dfu_state_name(st.state), fwp_dfu_status_name(st.status));
}

static int pick_alt(const struct fwp_dfu_info *in, const char *alt, unsigned *index,
		    struct fwp_err *err, const char *label)
{
	*index = 0;
	if (!alt)
		return FWP_OK;
	char *end;
	unsigned long v = strtoul(alt, &end, 0);
	for (unsigned i = 0; i < in->nalts; i++) {
		if ((*alt && !*end && in->alts[i].alt == v) || !strcmp(in->alts[i].name, alt)) {
			*index = i;
			return FWP_OK;
		}
	}
	char names[512] = "";
	size_t off = 0;
	for (unsigned i = 0; i < in->nalts && off < sizeof(names); i++)
		off += (size_t)snprintf(names + off, sizeof(names) - off, "%s%u \"%s\"", i ? ", " : "",
					in->alts[i].alt, in->alts[i].name);
	return fwp_fail(err, FWP_ERR_USAGE, "DFU device %s: no alt setting '%s' (it has %s)",
			label, alt, names);
}

/* The one device matching sel, or an error that lists them all. */
static int find_one(struct fwp_dfu_ctx *ctx, const struct fwp_dfu_select *sel,
		    struct fwp_dfu_info *in, libusb_device **dev, struct fwp_err *err)
{
	struct fwp_dfu_info *infos;
	libusb_device **devs;
	size_t n;
	int rc = find(ctx, sel, &infos, &devs, &n, err);
	if (rc < 0)
		return rc;
	if (n == 1) {
		*in = infos[0];
		*dev = devs[0];
		free(infos);
		free(devs);
		return FWP_OK;
	}
	if (n == 0)
		rc = fwp_fail(err, FWP_ERR_NO_DEVICE, "no USB DFU device matches");
	else {
		char list[768];
		size_t off = 0;
		for (size_t i = 0; i < n && off < sizeof(list); i++) {
			char l[256];
			make_label(&infos[i], l, sizeof(l));
			off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s", i ? "; " : "", l);
		}
		rc = fwp_fail(err, FWP_ERR_USAGE,
			      "%zu USB DFU devices match, choose one with --serial or --path: %s", n,
			      list);
	}
	unref_all(devs, n);
	free(infos);
	return rc;
}

static int claim(struct fwp_dfu_dev *d, libusb_device *dev, struct fwp_err *err)
{
	const struct fwp_dfu_alt *a = &d->info.alts[d->alt_index];
	int rc = libusb_open(dev, &d->h);
	if (rc < 0)
		return fwp_fail(err, usb_class(rc), "DFU device %s: cannot open: %s (%s)%s", d->label,
				libusb_strerror(rc), libusb_error_name(rc),
				rc == LIBUSB_ERROR_ACCESS
					? " (no permission for its /dev/bus/usb node: a udev rule "
					  "for this VID:PID, or the plugdev group)"
					: "");
	/* A kernel driver on the DFU interface (rare) is detached for the session. */
	libusb_set_auto_detach_kernel_driver(d->h, 1);
	rc = libusb_claim_interface(d->h, a->iface);
	if (rc < 0)
		return fwp_fail(err, usb_class(rc),
				"DFU device %s: cannot claim interface %u: %s (%s)", d->label, a->iface,
				libusb_strerror(rc), libusb_error_name(rc));
	if (d->info.nalts > 1 || a->alt) {
		rc = libusb_set_interface_alt_setting(d->h, a->iface, a->alt);
		if (rc < 0)
			return fwp_fail(err, usb_class(rc),
					"DFU device %s: cannot select alt setting %u: %s (%s)", d->label,
					a->alt, libusb_strerror(rc), libusb_error_name(rc));
	}
	return FWP_OK;
}

/*
 * A runtime-mode device: DETACH, a USB reset unless it detaches by itself,
 * then wait for it in DFU mode. It may come back with another PID, so the
 * serial number (or, without one, the port path) identifies it.
 */
static int detach_and_wait(struct fwp_dfu_dev *d, libusb_device *dev, libusb_device **out,
			   struct fwp_err *err)
{
	uint16_t t = d->info.detach_timeout ? d->info.detach_timeout : 1000;
	int rc = claim(d, dev, err), gone = 0;
	if (rc == FWP_OK) {
		int r = libusb_control_transfer(d->h, FWP_DFU_RT_OUT, FWP_DFU_REQ_DETACH, t,
						d->info.alts[d->alt_index].iface, NULL, 0,
						d->opts.timeout_ms);
		/* Some boards drop off the bus before DETACH's status stage: gone
		 * is what was asked for, so that is no failure (only a STALL is). */
		gone = r == LIBUSB_ERROR_NO_DEVICE || r == LIBUSB_ERROR_IO;
		if (r < 0 && !gone)
			rc = usb_fail(d, r, "DFU_DETACH", err);
	}
	if (rc == FWP_OK && !gone && !(d->info.attrs & FWP_DFU_ATTR_WILL_DETACH))
		libusb_reset_device(d->h); /* it may be gone already, which is the point */
	if (d->h) {
		libusb_release_interface(d->h, d->info.alts[d->alt_index].iface);
		libusb_close(d->h);
		d->h = NULL;
	}
	if (rc < 0)
		return rc;
	struct fwp_dfu_select again = {-1, -1, NULL, NULL, NULL};
	if (d->info.serial[0])
		again.serial = d->info.serial;
	else
		again.path = d->info.path;
	uint64_t deadline = now_ms() + d->opts.reenum_ms;
	do {
		sleep_ms(100);
		struct fwp_dfu_info *infos;
		libusb_device **devs;
		size_t n;
		if ((rc = find(d->ctx, &again, &infos, &devs, &n, err)) < 0)
			return rc;
		for (size_t i = 0; i < n; i++) {
			if (infos[i].dfu_mode && !*out) {
				d->info = infos[i];
				*out = libusb_ref_device(devs[i]);
			}
		}
		unref_all(devs, n);
		free(infos);
	} while (!*out && now_ms() < deadline);
	if (!*out)
		return fwp_fail(err, FWP_ERR_NO_DEVICE,
				"DFU device %s: did not come back in DFU mode within %u ms of DETACH",
				d->label, d->opts.reenum_ms);
	return FWP_OK;
}

int fwp_dfu_open(struct fwp_dfu_ctx *ctx, const struct fwp_dfu_select *sel,
		 const struct fwp_dfu_opts *opts, struct fwp_dfu_dev **out, struct fwp_err *err)
{
	libusb_device *dev = NULL, *dfu = NULL;
	struct fwp_dfu_dev *d = calloc(1, sizeof(*d));
	*out = NULL;
	if (!d)
		return fwp_fail(err, FWP_ERR_NOMEM, "out of memory");
	d->ctx = ctx;
	d->opts = *opts;
	int rc = find_one(ctx, sel, &d->info, &dev, err);
	if (rc < 0)
		goto fail;
	make_label(&d->info, d->label, sizeof(d->label));
	if (!d->info.dfu_mode) {
		if ((rc = detach_and_wait(d, dev, &dfu, err)) < 0)
			goto fail;
		libusb_unref_device(dev);
		dev = dfu;
		make_label(&d->info, d->label, sizeof(d->label));
	}
	if ((rc = pick_alt(&d->info, sel->alt, &d->alt_index, err, d->label)) < 0)
		goto fail;
	if (!(d->info.attrs & FWP_DFU_ATTR_CAN_DNLOAD)) {
		rc = fwp_fail(err, FWP_ERR_UNSUPPORTED, "DFU device %s: does not accept downloads",
			      d->label);
		goto fail;
	}
	if ((rc = claim(d, dev, err)) < 0 || (rc = start(d, err)) < 0)
		goto fail;
	libusb_unref_device(dev);
	*out = d;
	return FWP_OK;
fail:
	if (dev)
		libusb_unref_device(dev);
	fwp_dfu_close(d);
	return rc;
}

int fwp_dfu_set_alt(struct fwp_dfu_dev *d, const char *alt, struct fwp_err *err)
{
	unsigned index;
	int rc = pick_alt(&d->info, alt, &index, err, d->label);
	if (rc < 0 || index == d->alt_index)
		return rc;
	const struct fwp_dfu_alt *old = &d->info.alts[d->alt_index], *a = &d->info.alts[index];
	if (a->iface != old->iface) {
		libusb_release_interface(d->h, old->iface);
		if ((rc = libusb_claim_interface(d->h, a->iface)) < 0) {
			d->alt_index = index;
			return usb_fail(d, rc, "claiming the interface", err);
		}
	}
	d->alt_index = index;
	if ((rc = libusb_set_interface_alt_setting(d->h, a->iface, a->alt)) < 0)
		return usb_fail(d, rc, "selecting the alt setting", err);
	return start(d, err);
}

int fwp_dfu_reset(struct fwp_dfu_dev *d, struct fwp_err *err)
{
	libusb_release_interface(d->h, d->info.alts[d->alt_index].iface);
	int rc = libusb_reset_device(d->h);
	/* Re-enumerating as another program is what a reset into new firmware looks like. */
	if (rc == 0 || rc == LIBUSB_ERROR_NOT_FOUND || rc == LIBUSB_ERROR_NO_DEVICE) {
		libusb_close(d->h);
		d->h = NULL;
		return FWP_OK;
	}
	return usb_fail(d, rc, "USB reset", err);
}

void fwp_dfu_close(struct fwp_dfu_dev *d)
{
	if (!d)
		return;
	if (d->h) {
		libusb_release_interface(d->h, d->info.alts[d->alt_index].iface);
		libusb_close(d->h);
	}
	free(d);
}

const struct fwp_dfu_info *fwp_dfu_dev_info(const struct fwp_dfu_dev *d)
{
	return &d->info;
}

const struct fwp_dfu_alt *fwp_dfu_dev_alt(const struct fwp_dfu_dev *d)
{
	return &d->info.alts[d->alt_index];
}

const char *fwp_dfu_dev_label(const struct fwp_dfu_dev *d)
{
	return d->label;
}

unsigned fwp_dfu_transfer_size(const struct fwp_dfu_dev *d)
{
	return d->info.transfer_size ? d->info.transfer_size : DEFAULT_TRANSFER_SIZE;
}

/*
 * fwpack list: the serial ports there are, with what the system knows of
 * each (USB VID:PID, serial number, description), and with --probe which
 * of them answer as an fwpack Loader or Updater and with what layout.
 * Without --probe no byte is written to any port. Then the USB devices
 * with a DFU interface, in runtime or DFU mode, with their alt settings:
 * reading their names takes standard requests only, never a DFU one.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "dfu.h"
#include "dfuse.h"
#include "flasher.h"
#include "jsonout.h"
#include "render.h"
#include "serial.h"
#include "util.h"

struct list_args {
	int probe, json;
	unsigned long baud, timeout;
};

static int on_opt(const char *name, const char *arg, void *ctx)
{
	struct list_args *a = ctx;
	if (!strcmp(name, "probe")) {
		a->probe = 1;
	} else if (!strcmp(name, "json")) {
		a->json = 1;
	} else if (!strcmp(name, "baud") || !strcmp(name, "timeout")) {
		unsigned long v;
		if (fwp_parse_ulong(arg, 16000000, &v) || v == 0) {
			fprintf(stderr, "fwpack list: --%s: '%s' is not a valid value\n", name, arg);
			return -1;
		}
		*(!strcmp(name, "baud") ? &a->baud : &a->timeout) = v;
	}
	return 0;
}

/* What answered on a port, if anything: 1 with *info filled, 0 for no fwpack device. */
static int probe(const struct list_args *a, const char *path, struct fwp_device_info *info,
		 struct fwp_err *err)
{
	struct fwp_serial *port = NULL;
	struct fwp_flasher *f = NULL;
	/* One HELLO and one retry: a port that is something else costs little. */
	struct fwp_flasher_opts o = {(unsigned)a->timeout, 1, -1, 0, NULL, NULL, NULL};
	int rc = fwp_serial_open(path, (uint32_t)a->baud, &port, err);
	if (rc == FWP_OK)
		rc = fwp_flasher_new(port, &o, &f, err);
	if (rc == FWP_OK)
		rc = fwp_flasher_connect(f, info, err);
	fwp_flasher_free(f);
	fwp_serial_close(port);
	return rc == FWP_OK;
}

static const char *role_name(uint8_t role)
{
	return role == FWP_ROLE_UPDATER ? "Updater" : "Loader";
}

static void print_text(const struct fwp_port_desc *d, int probed, int answered,
		       const struct fwp_device_info *info, const char *why)
{
	printf("%s", d->name);
	if (d->usb_vid >= 0)
		printf("  USB %04x:%04x", (unsigned)d->usb_vid, (unsigned)d->usb_pid);
	else
		printf("  %s", d->transport);
	if (d->usb_serial[0])
		printf("  serial %s", d->usb_serial);
	if (d->description[0])
		printf("  \"%s\"", d->description);
	if (d->usb_manufacturer[0] || d->usb_product[0])
		printf("  (%s%s%s)", d->usb_manufacturer, d->usb_manufacturer[0] ? " " : "",
		       d->usb_product);
	printf("\n");
	if (!probed)
		return;
	if (!answered) {
		printf("    %s\n", why);
		return;
	}
	printf("    fwpack %s on %s, protocol %u, %u-byte frames, window %u%s%s\n",
	       role_name(info->role), info->board, info->version, info->max_packet, info->window,
	       info->features & FWP_FEAT_DEFLATE ? ", inflates" : "",
	       info->features & FWP_FEAT_BAUD ? ", can change baud" : "");
	for (unsigned i = 0; i < info->nslots; i++)
		printf("    slot %u  0x%08x  %8u bytes  %s\n", info->slots[i].id, info->slots[i].addr,
		       info->slots[i].size,
		       info->slots[i].flags & FWP_SLOT_WRITABLE ? "writable" : "read-only");
	if (info->session_state)
		printf("    an unfinished transfer into slot %u: %u of %u bytes\n",
		       info->session_slot, info->session_offset, info->session_size);
}

static void print_json(const struct fwp_port_desc *d, int probed, int answered,
		       const struct fwp_device_info *info, const char *why)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "port", d->name);
	cJSON_AddStringToObject(o, "transport", d->transport);
	cJSON_AddStringToObject(o, "description", d->description);
	if (d->usb_vid >= 0) {
		char id[16];
		snprintf(id, sizeof(id), "%04x:%04x", (unsigned)d->usb_vid, (unsigned)d->usb_pid);
		cJSON_AddStringToObject(o, "usb_id", id);
		cJSON_AddStringToObject(o, "serial", d->usb_serial);
		cJSON_AddStringToObject(o, "manufacturer", d->usb_manufacturer);
		cJSON_AddStringToObject(o, "product", d->usb_product);
		if (d->usb_bus >= 0) {
			cJSON_AddNumberToObject(o, "usb_bus", d->usb_bus);
			cJSON_AddNumberToObject(o, "usb_address", d->usb_address);
		}
	}
	if (probed && !answered) {
		cJSON_AddNullToObject(o, "fwpack");
		cJSON_AddStringToObject(o, "probe_error", why);
	} else if (probed) {
		cJSON *f = cJSON_AddObjectToObject(o, "fwpack");
		cJSON_AddStringToObject(f, "role", info->role == FWP_ROLE_UPDATER ? "updater" : "loader");
		cJSON_AddStringToObject(f, "board", info->board);
		cJSON_AddNumberToObject(f, "protocol", info->version);
		cJSON_AddNumberToObject(f, "max_packet", info->max_packet);
		cJSON_AddNumberToObject(f, "window", info->window);
		cJSON_AddBoolToObject(f, "inflates", info->features & FWP_FEAT_DEFLATE);
		cJSON_AddBoolToObject(f, "baud_switch", info->features & FWP_FEAT_BAUD);
		cJSON_AddItemToObject(f, "slots", fwp_json_slots(info));
		if (info->session_state) {
			cJSON *s = cJSON_AddObjectToObject(f, "session");
			cJSON_AddNumberToObject(s, "slot", info->session_slot);
			cJSON_AddNumberToObject(s, "offset", info->session_offset);
			cJSON_AddNumberToObject(s, "size", info->session_size);
		}
	}
	fwp_json_line(o);
}

static void print_dfu_text(const struct fwp_dfu_info *d)
{
	printf("USB DFU %04x:%04x", d->vid, d->pid);
	if (d->serial[0])
		printf("  serial %s", d->serial);
	printf("  at %s  %s mode", d->path, d->dfu_mode ? "DFU" : "runtime");
	char ver[8];
	fwp_dfu_version_str(d->dfu_version, ver);
	printf(", %s %s", d->dfu_version == FWP_DFUSE_VERSION ? "DfuSe" : "DFU", ver);
	if (d->transfer_size)
		printf(", %u-byte transfers", d->transfer_size);
	if (d->product[0])
		printf("  \"%s\"", d->product);
	printf("\n");
	for (unsigned i = 0; i < d->nalts; i++)
		printf("    alt %u  \"%s\"\n", d->alts[i].alt, d->alts[i].name);
}

static void print_dfu_json(const struct fwp_dfu_info *d)
{
	char id[16], ver[8];
	cJSON *o = cJSON_CreateObject();
	snprintf(id, sizeof(id), "%04x:%04x", d->vid, d->pid);
	fwp_dfu_version_str(d->dfu_version, ver);
	cJSON_AddStringToObject(o, "transport", "usb-dfu");
	cJSON_AddStringToObject(o, "usb_id", id);
	cJSON_AddStringToObject(o, "serial", d->serial);
	cJSON_AddStringToObject(o, "path", d->path);
	cJSON_AddNumberToObject(o, "usb_bus", d->bus);
	cJSON_AddStringToObject(o, "product", d->product);
	cJSON_AddStringToObject(o, "mode", d->dfu_mode ? "dfu" : "runtime");
	cJSON_AddStringToObject(o, "dfu_version", ver);
	cJSON_AddBoolToObject(o, "dfuse", d->dfu_version == FWP_DFUSE_VERSION);
	cJSON_AddNumberToObject(o, "transfer_size", d->transfer_size);
	cJSON *alts = cJSON_AddArrayToObject(o, "alts");
	for (unsigned i = 0; i < d->nalts; i++) {
		cJSON *a = cJSON_CreateObject();
		cJSON_AddNumberToObject(a, "alt", d->alts[i].alt);
		cJSON_AddNumberToObject(a, "interface", d->alts[i].iface);
		cJSON_AddStringToObject(a, "name", d->alts[i].name);
		cJSON_AddItemToArray(alts, a);
	}
	fwp_json_line(o);
}

/* USB DFU devices: a machine without USB is not an error for listing. */
static void list_dfu(const struct list_args *a)
{
	struct fwp_dfu_ctx *ctx = NULL;
	struct fwp_dfu_info *devs = NULL;
	struct fwp_dfu_select any = {-1, -1, NULL, NULL, NULL};
	struct fwp_err err;
	size_t n = 0;
	fwp_err_clear(&err);
	if (fwp_dfu_init(&ctx, &err) < 0 || fwp_dfu_list(ctx, &any, &devs, &n, &err) < 0) {
		fprintf(stderr, "fwpack: warning: USB devices not listed: %s\n", err.msg);
	} else {
		if (n == 0 && !a->json)
			printf("No USB DFU devices found.\n");
		for (size_t i = 0; i < n; i++) {
			if (a->json)
				print_dfu_json(&devs[i]);
			else
				print_dfu_text(&devs[i]);
		}
		fflush(stdout);
	}
	free(devs);
	fwp_dfu_exit(ctx);
}

int fwp_cmd_list(const struct fwp_cmd *cmd, int argc, char **argv)
{
	struct list_args a = {0, 0, 115200, 500};
	struct fwp_port_desc *ports = NULL;
	size_t n = 0;
	struct fwp_err err;
	int code, rc = FWP_OK;

	fwp_err_clear(&err);
	int first = fwp_cli_start(cmd, argc, argv, on_opt, &a, 0, -1, "PORT", &code);
	if (first < 0)
		return code;
	if (first < argc) {
		/* Named ports: each must exist. */
		n = (size_t)(argc - first);
		ports = calloc(n, sizeof(*ports));
		if (!ports) {
			fwp_fail(&err, FWP_ERR_NOMEM, "out of memory");
			return fwp_report(&err);
		}
		for (size_t i = 0; i < n && rc == FWP_OK; i++)
			rc = fwp_serial_describe(argv[first + (int)i], &ports[i], &err);
	} else if (fwp_serial_list(&ports, &n, &err) < 0) {
		/* No serial ports to see (no sysfs for them, say) still leaves USB to list. */
		fprintf(stderr, "fwpack: warning: %s\n", err.msg);
		ports = NULL;
		n = 0;
	}
	if (rc < 0) {
		free(ports);
		return fwp_report(&err);
	}
	if (n == 0 && !a.json)
		printf("No serial ports found.\n");
	for (size_t i = 0; i < n; i++) {
		struct fwp_device_info info;
		struct fwp_err perr;
		fwp_err_clear(&perr);
		int answered = a.probe && probe(&a, ports[i].name, &info, &perr);
		if (a.json)
			print_json(&ports[i], a.probe, answered, &info, perr.msg);
		else
			print_text(&ports[i], a.probe, answered, &info, perr.msg);
		fflush(stdout);
	}
	free(ports);
	/* Named ports ask about those only. */
	if (first == argc)
		list_dfu(&a);
	return FWP_EXIT_OK;
}

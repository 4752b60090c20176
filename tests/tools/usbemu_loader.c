/*
 * usbemu model "loader": the fwpack Loader's USB side as the firmware runs
 * it, device/core's USB framework and DFU class over the update engine,
 * over the NOR flash model, over a flash file in the posix port's layout
 * (so fwd-posix boots what was written here). Options:
 *   flash=FILE     the flash (created erased when missing), saved at the end
 *   serial=SN      the iSerialNumber text; by default the board's unique ID
 *                  in upper-case hex, derived from the flash file as fwd-posix
 *                  derives it (device/ports/posix/uid.c) and reports it in
 *                  INFO, so a host sees one board over both carriers. The
 *                  provisioning slot's UID stays the flash file's: with
 *                  serial= the model is a board whose USB name lies.
 *   role=updater   the Updater instead (one target: the Loader's slot)
 * The Loader's targets, keys (the posix port's, device/ports/posix/keys.c)
 * and rollback counter (read from the counter sector) are those of
 * device/apps/loader.c, its provisioning slot included (alt 3: type 5
 * only, the provisioning keys only, this board's UID, never older than
 * the record installed); the Updater's (root keys, Loader images, never
 * older than the installed Loader) those of device/apps/updater.c. Deferred flash work runs right after each control
 * transfer: a GETSTATUS that answered dfuDNBUSY is followed by the write,
 * and the host's next GETSTATUS finds it done.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fwd_counter.h"
#include "fwd_flash_sim.h"
#include "fwd_usb.h"
#include "loader_usb.h"
#include "posix.h"
#include "usbemu.h"

extern const uint8_t fwd_loader_keys[][65], fwd_root_keys[][65], fwd_provisioning_keys[][65];
extern const uint32_t fwd_loader_key_count, fwd_root_key_count, fwd_provisioning_key_count;

#define VECTOR_TABLE_SIZE_POSIX 256u /* as the posix port is built */

struct loader_dev {
	char *path;
	char *serial;
	char *role;
	uint8_t *mem;
	struct fwd_flash_sim sim;
	struct fwd_flash fl;
	uint8_t uid[FWP_UID_MAX]; /* the provisioning policy's, from the flash file */
	unsigned uid_len;
	struct fwd_update_target t[4];
	struct fwd_update up;
	struct fwd_usb_config cfg;
	struct fwd_usb usb;
};

static int load_flash(struct loader_dev *d)
{
	d->mem = malloc(FWD_POSIX_FLASH_SIZE);
	if (!d->mem)
		return -1;
	memset(d->mem, 0xFF, FWD_POSIX_FLASH_SIZE); /* a new board: all erased */
	FILE *f = fopen(d->path, "rb");
	if (!f)
		return errno == ENOENT ? 0 : -1;
	size_t n = fread(d->mem, 1, FWD_POSIX_FLASH_SIZE, f);
	int extra = fgetc(f) != EOF;
	fclose(f);
	if (extra || (n != 0 && n != FWD_POSIX_FLASH_SIZE)) {
		fprintf(stderr, "usbemu: loader: %s: %zu bytes, expected %u (a posix port flash)\n",
			d->path, n, FWD_POSIX_FLASH_SIZE);
		errno = 0;
		return -1;
	}
	return 0;
}

static int destroy(void *dev)
{
	struct loader_dev *d = dev;
	int rc = 0;
	if (d->mem && d->path) {
		char *tmp = malloc(strlen(d->path) + 8);
		FILE *f = tmp ? (sprintf(tmp, "%s.tmp", d->path), fopen(tmp, "wb")) : NULL;
		if (!f || fwrite(d->mem, 1, FWD_POSIX_FLASH_SIZE, f) != FWD_POSIX_FLASH_SIZE ||
		    fclose(f) != 0 || rename(tmp, d->path) != 0) {
			fprintf(stderr, "usbemu: loader: saving %s: %s\n", d->path, strerror(errno));
			rc = -1;
		}
		free(tmp);
	}
	free(d->mem);
	free(d->path);
	free(d->serial);
	free(d->role);
	free(d);
	return rc;
}

static void *create(int nopts, char *const *keys, char *const *values)
{
	struct loader_dev *d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	for (int i = 0; i < nopts; i++) {
		char **dst = strcmp(keys[i], "flash") == 0    ? &d->path
			     : strcmp(keys[i], "serial") == 0 ? &d->serial
			     : strcmp(keys[i], "role") == 0   ? &d->role
							      : NULL;
		if (!dst) {
			fprintf(stderr,
				"usbemu: loader: unknown option '%s' (flash=FILE, serial=SN, "
				"role=loader|updater)\n",
				keys[i]);
			destroy(d);
			return NULL;
		}
		free(*dst);
		*dst = strdup(values[i]);
	}
	int updater = d->role && strcmp(d->role, "updater") == 0;
	if (d->role && !updater && strcmp(d->role, "loader") != 0) {
		fprintf(stderr, "usbemu: loader: role=%s: loader or updater\n", d->role);
		destroy(d);
		return NULL;
	}
	if (!d->path) {
		fprintf(stderr, "usbemu: loader: flash=FILE is required\n");
		destroy(d);
		return NULL;
	}
	d->uid_len = fwd_posix_uid(d->path, d->uid);
	if (!d->serial) {
		static const char hex[] = "0123456789ABCDEF";
		d->serial = calloc(1, 2 * FWP_UID_MAX + 1);
		for (unsigned i = 0; d->serial && i < d->uid_len; i++) {
			d->serial[2 * i] = hex[d->uid[i] >> 4];
			d->serial[2 * i + 1] = hex[d->uid[i] & 15];
		}
	}
	if (load_flash(d) != 0) {
		if (errno)
			fprintf(stderr, "usbemu: loader: %s: %s\n", d->path, strerror(errno));
		free(d->mem);
		d->mem = NULL; /* nothing to save */
		destroy(d);
		return NULL;
	}
	fwd_flash_sim_attach(&d->sim, 0, fwd_posix_sectors, d->mem);
	d->sim.protected_size = fwd_port_loader_slot[0]; /* the Bootloader's sector */
	d->fl = fwd_flash_sim_flash(&d->sim);

	/* As device/apps/loader.c: apps and Updaters into slot 2, never below the counter. */
	struct fwd_counter_store counter = {&d->fl, fwd_port_counter_sector[0],
					    fwd_port_counter_sector[1]};
	struct fwd_policy pol = {fwd_loader_keys, fwd_loader_key_count,
				 (1u << FWP_IMAGE_TYPE_APP) | (1u << FWP_IMAGE_TYPE_UPDATER),
				 fwd_counter_get(&counter), VECTOR_TABLE_SIZE_POSIX, NULL, 0};
	d->t[0] = (struct fwd_update_target){
		0, {fwd_port_bootloader_slot[0], fwd_port_bootloader_slot[1], 0}, pol};
	d->t[1] = (struct fwd_update_target){
		1, {fwd_port_loader_slot[0], fwd_port_loader_slot[1], 0}, pol};
	d->t[2] = (struct fwd_update_target){
		2, {fwd_port_app_slot[0], fwd_port_app_slot[1], 1}, pol};
	d->t[0].pol.type_mask = 1u << FWP_IMAGE_TYPE_BOOTLOADER;
	d->t[1].pol.type_mask = 1u << FWP_IMAGE_TYPE_LOADER;
	struct fwd_policy prov = {fwd_provisioning_keys, fwd_provisioning_key_count,
				  1u << FWP_IMAGE_TYPE_PROVISIONING, 0, 0, d->uid, d->uid_len};
	struct fwd_image installed;
	if (fwd_image_check(&d->fl, fwd_port_prov_slot[0], fwd_port_prov_slot[1], &prov,
			    &installed) == FWD_IMAGE_OK)
		prov.min_security_counter = installed.hdr.security_counter;
	d->t[3] = (struct fwd_update_target){
		FWP_SLOT_ID_PROVISIONING, {fwd_port_prov_slot[0], fwd_port_prov_slot[1], 1}, prov};
	uint8_t ntargets = 4;
	if (updater) {
		/* As device/apps/updater.c: a Loader the Bootloader will accept. */
		struct fwd_policy lp = {fwd_root_keys, fwd_root_key_count,
					1u << FWP_IMAGE_TYPE_LOADER, 0, VECTOR_TABLE_SIZE_POSIX, NULL, 0};
		struct fwd_image cur;
		if (fwd_image_check(&d->fl, fwd_port_loader_slot[0], fwd_port_loader_slot[1], &lp,
				    &cur) == FWD_IMAGE_OK)
			lp.min_security_counter = cur.hdr.security_counter;
		d->t[0] = (struct fwd_update_target){
			1, {fwd_port_loader_slot[0], fwd_port_loader_slot[1], 1}, lp};
		ntargets = 1;
	}
	fwd_update_init(&d->up, &d->fl, d->t, ntargets);
	fwd_loader_usb_config(&d->cfg, updater ? FWP_ROLE_UPDATER : FWP_ROLE_LOADER, d->serial,
			      d->t, ntargets);
	if (fwd_usb_init(&d->usb, &d->cfg, &d->up) != 0) {
		destroy(d);
		return NULL;
	}
	/* The kernel enumerates before anyone sees the device: address, configuration. */
	uint8_t none[1];
	uint16_t n;
	struct fwd_usb_setup addr = {0x00, 5, 1, 0, 0}, conf = {0x00, 9, 1, 0, 0};
	fwd_usb_control(&d->usb, &addr, none, &n);
	fwd_usb_control(&d->usb, &conf, none, &n);
	return d;
}

static size_t descriptors(void *dev, uint8_t *buf, size_t size)
{
	struct loader_dev *d = dev;
	uint8_t tmp[FWD_USB_DEVICE_DESC_LEN + FWD_USB_CONFIG_DESC_MAX];
	size_t n = fwd_usb_device_desc(&d->usb, tmp);
	n += fwd_usb_config_desc(&d->usb, tmp + n);
	if (n > size)
		n = size;
	memcpy(buf, tmp, n);
	return n;
}

static int control(void *dev, const struct usbemu_setup *s, uint8_t *data)
{
	struct loader_dev *d = dev;
	struct fwd_usb_setup u = {s->bmRequestType, s->bRequest, s->wValue, s->wIndex, s->wLength};
	uint16_t n = 0;
	int r = fwd_usb_control(&d->usb, &u, data, &n);
	fwd_usb_poll(&d->usb);
	if (r != FWD_USB_ACK)
		return USBEMU_STALL;
	return (s->bmRequestType & 0x80) ? n : 0;
}

const struct usbemu_model usbemu_model_loader = {
	.name = "loader",
	.create = create,
	.descriptors = descriptors,
	.control = control,
	.destroy = destroy,
};

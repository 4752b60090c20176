/*
 * The Updater (an image for the Application slot): replaces the Loader.
 * With a bundled Loader image (the cookbook's "trojan horse": one transfer
 * updates the Loader), it checks that image in place against the
 * Bootloader's root keys, installs it with the safe write order, removes
 * itself and asks for the Application to be reinstalled. Without a bundle
 * it receives a Loader over the serial protocol. If power fails while the
 * Loader slot is empty, the Bootloader starts this Updater again, which
 * finishes the job: the device always has a way back.
 */
#include <string.h>

#include "fwd_boot.h"
#include "fwd_image.h"
#include "fwd_port.h"
#include "fwd_remap.h"
#include "fwd_writer.h"
#include "report.h"
#include "update_mode.h"

/* The bundled Loader image; empty when there is none (bundle.S). */
extern const uint8_t fwd_bundle_start[], fwd_bundle_end[];

static void halt(const char *why, const char *detail)
{
	fwd_puts("updater: ");
	fwd_puts(why);
	if (detail) {
		fwd_puts(": ");
		fwd_puts(detail);
	}
	fwd_puts("\n");
	for (;;)
		fwd_port_idle();
}

/* Is the Loader slot already byte for byte the bundle? (power cut after the commit) */
static int installed(const struct fwd_flash *fl, uint32_t len)
{
	uint8_t a[64];
	for (uint32_t off = 0; off < len; off += sizeof(a)) {
		uint32_t n = len - off < sizeof(a) ? len - off : sizeof(a);
		if (fl->ops->read(fl->ctx, fwd_port_loader_slot[0] + off, a, n) != 0 ||
		    memcmp(a, fwd_bundle_start + off, n) != 0)
			return 0;
	}
	return 1;
}

static void install_bundle(const struct fwd_policy *pol)
{
	const struct fwd_flash *fl = fwd_port_flash();
	const struct fwd_slot slot = {fwd_port_loader_slot[0], fwd_port_loader_slot[1], 1};
	uint32_t len = (uint32_t)(fwd_bundle_end - fwd_bundle_start);
	struct fwd_remap r;
	struct fwd_image img;
	enum fwd_verdict v;

	if (len > slot.size)
		halt("bundled loader larger than the loader slot", NULL);
	/* Everything is checked before the old Loader is touched. */
	fwd_remap_init(&r, fl, slot.addr, len, (uint32_t)(uintptr_t)fwd_bundle_start);
	v = fwd_image_check(&r.view, slot.addr, slot.size, pol, &img);
	if (v != FWD_IMAGE_OK)
		halt("bundled loader refused", fwp_verdict_name(v));
	fwd_puts("updater: bundled loader ");
	fwd_report_version(&img.hdr);
	if (installed(fl, len) && fwd_image_check(fl, slot.addr, slot.size, pol, &img) ==
					   FWD_IMAGE_OK) {
		fwd_puts(" already installed\n");
		return;
	}
	fwd_puts(" valid, installing it\n");
	struct fwd_writer w;
	enum fwd_write_status st = fwd_writer_begin(&w, fl, &slot);
	for (uint32_t off = 0; st == FWD_WRITE_OK && off < len;) {
		uint8_t buf[256];
		uint32_t n = len - off < sizeof(buf) ? len - off : sizeof(buf);
		memcpy(buf, fwd_bundle_start + off, n);
		st = fwd_writer_write(&w, off, buf, n);
		off += n;
	}
	if (st == FWD_WRITE_OK)
		st = fwd_writer_commit(&w, pol, &v);
	if (st != FWD_WRITE_OK)
		halt("installing the loader failed", st == FWD_WRITE_REJECTED
							   ? fwp_verdict_name(v)
							   : "flash error");
	fwd_puts("updater: loader installed\n");
}

int main(void)
{
	struct fwd_shared *sh = fwd_port_shared();
	/*
	 * A new Loader must pass the Bootloader's check after the reset, so
	 * it is checked here as the Bootloader will: its root keys, its type,
	 * and never older than the Loader it replaces.
	 */
	struct fwd_policy pol = {fwd_trusted_keys, fwd_trusted_key_count,
				 1u << FWP_IMAGE_TYPE_LOADER, 0, VECTOR_TABLE_SIZE, NULL, 0};
	struct fwd_image cur;
	fwd_port_init();
	fwd_shared_init(sh, fwd_port_reset_reason());
	fwd_puts("updater: fwpack loader updater\n");
	if (fwd_image_check(fwd_port_flash(), fwd_port_loader_slot[0], fwd_port_loader_slot[1], &pol,
			    &cur) == FWD_IMAGE_OK)
		pol.min_security_counter = cur.hdr.security_counter;
	if ((uintptr_t)fwd_bundle_end == (uintptr_t)fwd_bundle_start) {
		struct fwd_update_target targets[] = {
			{FWP_SLOT_ID_LOADER, {fwd_port_loader_slot[0], fwd_port_loader_slot[1], 1}, pol},
		};
		fwd_update_mode(targets, 1, FWP_ROLE_UPDATER);
	}
	install_bundle(&pol);
	/* Done: remove this Updater, and have the Loader take the Application. */
	const struct fwd_slot self = {fwd_port_app_slot[0], fwd_port_app_slot[1], 1};
	if (fwd_slot_invalidate(fwd_port_flash(), &self) != FWD_WRITE_OK)
		fwd_puts("updater: warning: cannot invalidate the updater image\n");
	fwd_boot_request_update(sh);
	fwd_puts("updater: done, resetting into the new loader\n");
	fwd_port_reset();
}

/*
 * The Loader (slot 1): checks the Application's image in full and boots
 * it, unless the board's boot-select line is asserted, the Application
 * asked for an update, crash-loops, or is not valid: then it stays in
 * update mode and says why.
 */
#include "fwd_boot.h"
#include "fwd_counter.h"
#include "fwd_image.h"
#include "fwd_port.h"
#include "report.h"
#include "update_mode.h"

int main(void)
{
	struct fwd_image img;
	struct fwd_policy pol = {fwd_trusted_keys, fwd_trusted_key_count,
				 (1u << FWP_IMAGE_TYPE_APP) | (1u << FWP_IMAGE_TYPE_UPDATER), 0,
				 VECTOR_TABLE_SIZE, NULL, 0};
	struct fwd_shared *sh = fwd_port_shared();
	struct fwd_counter_store counter = {fwd_port_flash(), fwd_port_counter_sector[0],
					    fwd_port_counter_sector[1]};
	fwd_port_init();
	/* Anti-rollback: never below the highest counter ever booted. */
	pol.min_security_counter = fwd_counter_get(&counter);
	fwd_shared_init(sh, fwd_port_reset_reason());
	enum fwd_verdict v = fwd_image_check(fwd_port_flash(), fwd_port_app_slot[0],
					     fwd_port_app_slot[1], &pol, &img);
	enum fwd_boot_action a =
		fwd_boot_decide(sh, v, v == FWD_IMAGE_OK ? img.hdr.flags : 0, FWD_CRASH_LOOP_DEFAULT,
				fwd_port_boot_select());
	if (a == FWD_BOOT_APP) {
		if (fwd_counter_raise(&counter, img.hdr.security_counter) != 0)
			fwd_puts("loader: cannot store the security counter\n");
		fwd_puts(img.hdr.image_type == FWP_IMAGE_TYPE_UPDATER ? "loader: updater "
									: "loader: application ");
		fwd_report_version(&img.hdr);
		/* One string for both: the stm32f4 Loader's 32 KiB budget is tight. */
		fwd_puts(" valid, booting it (");
		if (img.hdr.flags & FWP_IMAGE_F_CONFIRMED) {
			fwd_puts("confirmed");
		} else {
			fwd_puts("boot ");
			fwd_put_u32(sh->boot_count);
		}
		fwd_puts(")\n");
		fwd_port_jump(img.hdr.vector_addr);
	}
	fwd_puts("loader: update mode: ");
	fwd_puts(fwd_boot_action_str(a));
	if (a == FWD_STAY_NO_VALID_APP) {
		fwd_puts(" (");
		fwd_puts(fwp_verdict_name(v));
		fwd_puts(")");
	}
	fwd_puts("\n");
	/*
	 * The Application slot takes Applications and Updaters under the same
	 * keys and counter; the Loader's own slot and the Bootloader's are
	 * listed for the host, but not writable from here.
	 */
	struct fwd_update_target targets[] = {
		{FWP_SLOT_ID_BOOTLOADER, {fwd_port_bootloader_slot[0], fwd_port_bootloader_slot[1], 0}, pol},
		{FWP_SLOT_ID_LOADER, {fwd_port_loader_slot[0], fwd_port_loader_slot[1], 0}, pol},
		{FWP_SLOT_ID_APP, {fwd_port_app_slot[0], fwd_port_app_slot[1], 1}, pol},
#ifdef FWD_HAVE_PROVISIONING
		{FWP_SLOT_ID_PROVISIONING, {fwd_port_prov_slot[0], fwd_port_prov_slot[1], 1}, pol},
#endif
	};
	targets[0].pol.type_mask = 1u << FWP_IMAGE_TYPE_BOOTLOADER;
	targets[1].pol.type_mask = 1u << FWP_IMAGE_TYPE_LOADER;
#ifdef FWD_HAVE_PROVISIONING
	/*
	 * The board's identity: provisioning images only, under the
	 * provisioning keys only (which the other slots never trust), for this
	 * board's UID only, and never older than the record installed.
	 */
	uint8_t uid[FWP_UID_MAX];
	struct fwd_policy *prov = &targets[3].pol;
	*prov = (struct fwd_policy){fwd_provisioning_keys, fwd_provisioning_key_count,
				    1u << FWP_IMAGE_TYPE_PROVISIONING, 0, 0, uid, fwd_port_uid(uid)};
	if (fwd_image_check(fwd_port_flash(), fwd_port_prov_slot[0], fwd_port_prov_slot[1], prov,
			    &img) == FWD_IMAGE_OK)
		prov->min_security_counter = img.hdr.security_counter;
#endif
	fwd_update_mode(targets, sizeof(targets) / sizeof(targets[0]), FWP_ROLE_LOADER);
}

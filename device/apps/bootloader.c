/*
 * The Bootloader (slot 0, never updated): checks the Loader's image in
 * full (header, CRCs, SHA-256, signature with the key compiled in) and
 * jumps to it. An invalid Loader is reported and the device stays put:
 * never a jump into garbage; the one exception is a valid, signed Updater
 * in the Application slot, which is there to repair the Loader.
 */
#include "fwd_image.h"
#include "fwd_port.h"
#include "report.h"

int main(void)
{
	struct fwd_image img;
	struct fwd_policy pol = {fwd_trusted_keys, fwd_trusted_key_count,
				 1u << FWP_IMAGE_TYPE_LOADER, 0, VECTOR_TABLE_SIZE, NULL, 0};
	fwd_port_init();
	fwd_puts("\n"); /* the verdict line below names the Loader (flash is tight here) */
	enum fwd_verdict v = fwd_image_check(fwd_port_flash(), fwd_port_loader_slot[0],
					     fwd_port_loader_slot[1], &pol, &img);
	if (v != FWD_IMAGE_OK) {
		fwd_puts("bootloader: loader invalid: ");
		fwd_puts(fwp_verdict_name(v));
		/*
		 * Power failed while an Updater replaced the Loader: the Updater,
		 * still in the Application slot and signed with a root key, is the
		 * way back. Anything else stays put.
		 */
		pol.type_mask = 1u << FWP_IMAGE_TYPE_UPDATER;
		if (fwd_image_check(fwd_port_flash(), fwd_port_app_slot[0], fwd_port_app_slot[1],
				    &pol, &img) != FWD_IMAGE_OK) {
			fwd_puts("; halting\n");
			for (;;)
				fwd_port_idle();
		}
		fwd_puts("; starting updater ");
		fwd_report_version(&img.hdr);
		fwd_puts(" to repair it\n");
		fwd_port_jump(img.hdr.vector_addr);
	}
	fwd_puts("bootloader: loader ");
	fwd_report_version(&img.hdr);
	fwd_puts(" valid, starting it (stack ");
	fwd_put_u32(fwd_port_stack_used());
	fwd_puts(" of ");
	fwd_put_u32(fwd_port_stack_size());
	fwd_puts(" bytes)\n");
	fwd_port_jump(img.hdr.vector_addr);
}

/*
 * The posix device: fwd-posix --flash FILE --link PATH. Runs the
 * Bootloader, which checks and "jumps" to the Loader, which boots the
 * Application or serves the update protocol on the pty linked at PATH.
 * A jump longjmps back here and calls the program that owns the target
 * slot (the image type tells an Updater from an Application); a reset
 * starts the Bootloader again with the shared RAM block kept.
 */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fwpack/image.h"
#include "posix.h"

static jmp_buf dispatch;
static volatile uint32_t jump_addr;

void fwd_posix_dispatch(enum fwd_posix_event ev, uint32_t addr)
{
	jump_addr = addr;
	longjmp(dispatch, (int)ev);
}

static int in_slot(uint32_t addr, const uint32_t slot[2])
{
	return addr >= slot[0] && addr - slot[0] < slot[1];
}

static void run(uint32_t addr)
{
	uint8_t type = 0;
	if (in_slot(addr, fwd_port_loader_slot)) {
		fwd_loader_main();
	} else if (in_slot(addr, fwd_port_app_slot)) {
		const struct fwd_flash *fl = fwd_port_flash();
		fl->ops->read(fl->ctx, fwd_port_app_slot[0] + FWP_HDR_OFF_IMAGE_TYPE, &type, 1);
		if (type == FWP_IMAGE_TYPE_UPDATER)
			fwd_updater_main();
		else
			fwd_app_main();
	} else {
		fprintf(stderr, "fwd-posix: jump to 0x%08x, which no slot holds\n", addr);
		exit(70);
	}
	fprintf(stderr, "fwd-posix: a program returned\n");
	exit(70);
}

static void usage(void)
{
	fprintf(stderr, "usage: fwd-posix --flash FILE [--link PATH]\n"
			"  FILE: the device's flash (created erased if missing)\n"
			"  PATH: a symlink to the pseudo-terminal that is its UART\n"
			"  FWP_MODEM_DIR (environment): the emulated DTR/RTS reach its reset\n"
			"  circuit through a socket there (docs/serial-emulation.md)\n");
}

int main(int argc, char **argv)
{
	const char *flash = NULL, *link = NULL;
	char err[512];
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--flash") && i + 1 < argc) {
			flash = argv[++i];
		} else if (!strcmp(argv[i], "--link") && i + 1 < argc) {
			link = argv[++i];
		} else if (!strcmp(argv[i], "--help")) {
			usage();
			return 0;
		} else {
			fprintf(stderr, "fwd-posix: unknown argument '%s'\n", argv[i]);
			usage();
			return 64;
		}
	}
	if (!flash) {
		usage();
		return 64;
	}
	if (fwd_posix_open(flash, link, err, sizeof(err)) != 0) {
		fprintf(stderr, "fwd-posix: %s\n", err);
		return 66;
	}
	setvbuf(stdout, NULL, _IONBF, 0);
	switch (setjmp(dispatch)) {
	case FWD_POSIX_JUMP:
		run(jump_addr);
		break;
	default: /* power-on, or a reset */
		fwd_bootloader_main();
		break;
	}
	fprintf(stderr, "fwd-posix: the bootloader returned\n");
	return 70;
}

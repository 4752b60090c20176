/*
 * Preloaded by usbemu into the program it runs, after umockdev's preload.
 * umockdev's ioctl forwarding calls usleep(0) after an emulated usbfs
 * ioctl: a yield of the CPU that a real kernel's REAPURBNDELAY never
 * makes. On a loaded machine each yield costs a time slice (milliseconds,
 * measured: two per control transfer), so with several boards at once the
 * emulation, not the program under test, set the pace (bench/parallel).
 * usleep(0) returns at once here; any other usleep is the real one. usbemu
 * answers every URB when it is submitted, so no reap waits on a later
 * completion that the yield would have let through.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <unistd.h>

int usleep(useconds_t us)
{
	static int (*real)(useconds_t);
	if (us == 0)
		return 0;
	if (!real)
		real = (int (*)(useconds_t))dlsym(RTLD_NEXT, "usleep");
	return real ? real(us) : -1;
}

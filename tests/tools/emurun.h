/*
 * Running the test's command under an emulator (usbemu, ttyemu): in its
 * own process group, so that a timeout or a signal ends everything it
 * started, and nothing it started outlives the emulator.
 */
#ifndef EMURUN_H
#define EMURUN_H

#include <signal.h>

#define EMURUN_EXIT_SOFTWARE 70 /* sysexits' EX_SOFTWARE */
#define EMURUN_EXIT_TIMEOUT 124 /* as timeout(1) */

struct emurun {
	const char *name;                     /* the emulator, for messages */
	char **env;                           /* the command's environment */
	double timeout;                       /* seconds */
	volatile sig_atomic_t *signal;        /* set by the emulator's handler: pass it on */
	/* Every 10 ms until the command is being stopped: 0, or the status
	   to end with at once (the command is stopped then). */
	int (*tick)(void *ctx, double now);
	void *ctx;
};

/* argv until it exits or the time is up: its exit status (128 + signal,
   124 on timeout, 127 when it cannot start), or tick's. */
int emurun(const struct emurun *r, char **argv);

/* CLOCK_MONOTONIC in seconds: the clock tick's now is on. */
double emurun_now(void);

#endif

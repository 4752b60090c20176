/*
 * fwpack flash --all, serial side: which of the ports the system lists
 * (libserialport) answer as an fwpack Loader or Updater. Each candidate
 * gets HELLO frames, all ports at once, each bounded; a port that answers
 * anything else, or nothing, is skipped with its reason. Probing writes
 * to every candidate: the options narrow the candidates first.
 */
#ifndef FWP_SERIAL_SCAN_H
#define FWP_SERIAL_SCAN_H

#include <stddef.h>
#include <stdint.h>

#include "fwpack/error.h"
#include "fwpack/protocol.h"

/*
 * A probe is the flasher's connect with one retry: seven HELLOs, backing
 * off from 20 ms to 500 ms, about 1.6 s for a port that never answers.
 */
#define FWP_PROBE_RETRIES 1
/* Writing one frame may take this long before the port counts as stuck. */
#define FWP_PROBE_WRITE_MS 300
/* Ports probed at once (each a thread holding one open port). */
#define FWP_PROBE_PARALLEL 32

struct fwp_serial_scan_opts {
	uint32_t baud;               /* the rate the Loaders listen at */
	long vid, pid;               /* USB ports of this VID/PID only (-1: any; native ports then excluded) */
	const char *const *globs;    /* only ports whose name matches one (fnmatch); none: every port */
	size_t nglobs;
	const volatile int *cancel;  /* stop probing (NULL: never) */
};

struct fwp_scan_port {
	char name[256];
	int found;                       /* 1: an fwpack Loader/Updater answered */
	char board[256];                 /* found: what it calls itself */
	char uid[2 * FWP_UID_MAX + 1];   /* found: its unique ID ("" if it reports none) */
	int updater;                     /* found: 1 Updater, 0 Loader */
	int probed;                      /* 1: probed already (fwp_serial_probe leaves it as it is) */
	char why[300];                   /* not found, or the same board as another port: why it is skipped */
};

/*
 * Every listed port that passes the options, probed; *out (free()d by
 * the caller) holds one entry per candidate, sorted by name. Two ports
 * that report the same UID are one board: the second is not found, and
 * its why says so. Fails only when the ports cannot be listed.
 */
int fwp_serial_scan(const struct fwp_serial_scan_opts *o, struct fwp_scan_port **out, size_t *n,
		    struct fwp_err *err);

/* Its two halves: the listed ports that pass the options, sorted by name,
 * none probed yet ... */
int fwp_serial_candidates(const struct fwp_serial_scan_opts *o, struct fwp_scan_port **out,
			  size_t *n, struct fwp_err *err);
/* ... and the probe of those in ports[0..n) not probed yet; then a port
 * whose UID an earlier one in the array reported is not found (its why
 * says so). Fails (FWP_ERR_NOMEM) only when out of memory. */
int fwp_serial_probe(const struct fwp_serial_scan_opts *o, struct fwp_scan_port *ports, size_t n);

#endif /* FWP_SERIAL_SCAN_H */

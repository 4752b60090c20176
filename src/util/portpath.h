/*
 * A port's path with its symlinks followed (udev's /dev/serial/by-id/...
 * names), so that two names of one port compare equal. Not libc's
 * realpath(): umockdev's wrapper of it crashes on its emulated terminals,
 * and a port needs no more than its own chain of links followed.
 */
#ifndef FWP_PORTPATH_H
#define FWP_PORTPATH_H

#include <stddef.h>

#include "fwpack/error.h"

/* How many links one name may go through before it is refused as a loop. */
#define FWP_PORT_LINK_DEPTH 16

/*
 * path with each symlink of its last component followed (a relative target
 * taken from the link's directory), made absolute and with "." and ".."
 * removed, into out (size bytes). Fails, naming path, when it does not
 * exist, loops, or does not fit.
 */
int fwp_port_resolve(const char *path, char *out, size_t size, struct fwp_err *err);

/*
 * Held by fwp_port_resolve, and around opening a port by name: boards
 * opened from threads of their own must not look up /dev paths at the same
 * time under umockdev's preload (tests/tools/ttyemu), whose stat() and
 * open() wrappers share one path buffer between threads and abort. Only
 * for calls that return at once (an open with O_NONBLOCK, not a read).
 */
void fwp_port_lookup_lock(void);
void fwp_port_lookup_unlock(void);

#endif /* FWP_PORTPATH_H */

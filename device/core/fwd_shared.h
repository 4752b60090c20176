/*
 * The no-init RAM block that the Application and the Loader share across a
 * reset. Its layout, its seal and its validity check are in
 * include/fwpack/shared_ram.h, which applications built elsewhere include
 * too (through fwpack/app.h); here is what only the device programs do.
 */
#ifndef FWD_SHARED_H
#define FWD_SHARED_H

#include "fwpack/shared_ram.h"

/*
 * Make the block valid: on a power-on reset, or when its magic, version or
 * CRC is wrong (RAM content is random after power-up), reset it to defaults.
 * Returns 1 when it was reset.
 */
int fwd_shared_init(struct fwd_shared *s, enum fwd_reset_reason reason);

#endif /* FWD_SHARED_H */

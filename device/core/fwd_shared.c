/* The shared no-init RAM block. */
#include <string.h>

#include "fwd_shared.h"

int fwd_shared_init(struct fwd_shared *s, enum fwd_reset_reason reason)
{
	if (fwd_shared_valid(s) && reason != FWD_RESET_POWER_ON) {
		/* A program started by a jump learns nothing new: keep what the first one saw. */
		if (reason != FWD_RESET_UNKNOWN)
			s->reset_reason = (uint8_t)reason;
		fwd_shared_seal(s);
		return 0;
	}
	memset(s, 0, sizeof(*s));
	s->magic = FWD_SHARED_MAGIC;
	s->version = FWD_SHARED_VERSION;
	s->reset_reason = (uint8_t)reason;
	fwd_shared_seal(s);
	return 1;
}

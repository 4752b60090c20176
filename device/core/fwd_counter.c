/* The security counter log. */
#include "fwd_counter.h"

#define RECORD 8u

/* Offset of the first free record, and the highest valid value before it. */
static uint32_t scan(const struct fwd_counter_store *st, uint32_t *best)
{
	uint32_t off;
	*best = 0;
	for (off = 0; off + RECORD <= st->size; off += RECORD) {
		uint32_t r[2];
		if (st->fl->ops->read(st->fl->ctx, st->addr + off, r, sizeof(r)) != 0)
			break;
		if (r[0] == 0xFFFFFFFFu && r[1] == 0xFFFFFFFFu)
			break; /* erased: the end of the log */
		if (r[1] == ~r[0] && r[0] > *best)
			*best = r[0];
	}
	return off;
}

uint32_t fwd_counter_get(const struct fwd_counter_store *st)
{
	uint32_t best;
	scan(st, &best);
	return best;
}

int fwd_counter_raise(const struct fwd_counter_store *st, uint32_t value)
{
	uint32_t best, off = scan(st, &best);
	if (value <= best)
		return 0;
	if (off + RECORD > st->size)
		return -1;
	uint32_t r[2] = {value, ~value};
	return st->fl->ops->program(st->fl->ctx, st->addr + off, r, sizeof(r)) == 0 ? 0 : -1;
}

/*
 * The security counter log, in two erase sectors used in turn. Each holds
 * 8-byte records {counter, ~counter}; the value is the highest valid record
 * in either sector. A raise appends to the sector holding that value; when
 * it is full, the other sector (which holds nothing higher) is erased and
 * the record goes there, so the sector with the value is never erased and
 * the log never ends. A power cut during the erase or the program leaves
 * the value where it was; a torn record fails its complement check.
 */
#include "fwd_counter.h"

#define RECORD 8u

/* Offset of the first free record in [addr, addr + size); *best the highest valid value. */
static uint32_t scan(const struct fwd_flash *fl, uint32_t addr, uint32_t size, uint32_t *best)
{
	uint32_t off;
	*best = 0;
	for (off = 0; off + RECORD <= size; off += RECORD) {
		uint32_t r[2];
		if (fl->ops->read(fl->ctx, addr + off, r, sizeof(r)) != 0)
			break;
		if (r[0] == 0xFFFFFFFFu && r[1] == 0xFFFFFFFFu)
			break; /* erased: the end of the log */
		if (r[1] == ~r[0] && r[0] > *best)
			*best = r[0];
	}
	return off;
}

/* The two halves of the store: two sectors, or one (a single-sector store ends when full). */
static uint32_t half(const struct fwd_counter_store *st)
{
	uint32_t start, size;
	if (st->fl->ops->sector_of(st->fl->ctx, st->addr, &start, &size) == 0 &&
	    start == st->addr && 2 * size == st->size)
		return size;
	return st->size;
}

uint32_t fwd_counter_get(const struct fwd_counter_store *st)
{
	uint32_t h = half(st), a, b = 0;
	scan(st->fl, st->addr, h, &a);
	if (h != st->size)
		scan(st->fl, st->addr + h, h, &b);
	return a > b ? a : b;
}

int fwd_counter_raise(const struct fwd_counter_store *st, uint32_t value)
{
	const struct fwd_flash *fl = st->fl;
	uint32_t h = half(st), a, b = 0, fa, fb = h;
	fa = scan(fl, st->addr, h, &a);
	if (h != st->size)
		fb = scan(fl, st->addr + h, h, &b);
	if (value <= a || value <= b)
		return 0;
	/* The sector holding the value (the first when neither does), else the other. */
	uint32_t cur = b > a ? st->addr + h : st->addr, free_off = b > a ? fb : fa;
	if (free_off + RECORD > h) {
		if (h == st->size)
			return -1; /* one sector only: full for good */
		cur = cur == st->addr ? st->addr + h : st->addr;
		if (fl->ops->erase_sector(fl->ctx, cur) != 0)
			return -1;
		free_off = 0;
	}
	uint32_t r[2] = {value, ~value};
	return fl->ops->program(fl->ctx, cur + free_off, r, sizeof(r)) == 0 ? 0 : -1;
}
